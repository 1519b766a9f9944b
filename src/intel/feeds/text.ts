import type { InputIssue } from '../../core/errors.js';
import type { FeedParseResult, Indicator } from './format.js';

/**
 * Helpers shared by the line-oriented feed formats. Feeds come from the internet and are treated as
 * hostile: lines and field counts are capped, the issue list is capped, and nothing here uses a
 * regular expression that can backtrack.
 */

/** Longer lines are reported and skipped (the longest real URLhaus lines are a few KB). */
export const MAX_LINE_LENGTH = 65_536;
/** More fields than this on a CSV line means it is not the format we think it is. */
export const MAX_FIELDS = 64;
/** After this many issues the rest are counted in one final issue, so a garbage file stays cheap. */
export const MAX_ISSUES = 1000;
/** How much of a file `detect` implementations look at. */
export const SAMPLE_SIZE = 16_384;

/** Collects indicators and issues for one parse, capping the issue list. */
export class FeedCollector {
  readonly indicators: Indicator[] = [];
  private readonly issues: InputIssue[] = [];
  private readonly unsupported: InputIssue[] = [];
  private droppedIssues = 0;
  private droppedUnsupported = 0;

  constructor(readonly file: string) {}

  issue(line: number, reason: string, field?: string): void {
    if (this.issues.length >= MAX_ISSUES) { this.droppedIssues++; return; }
    this.issues.push(field === undefined ? { file: this.file, line, reason } : { file: this.file, line, field, reason });
  }

  unsupportedPart(line: number, reason: string, field?: string): void {
    if (this.unsupported.length >= MAX_ISSUES) { this.droppedUnsupported++; return; }
    this.unsupported.push(field === undefined ? { file: this.file, line, reason } : { file: this.file, line, field, reason });
  }

  result(): FeedParseResult {
    const issues = this.issues.slice();
    if (this.droppedIssues > 0) {
      issues.push({ file: this.file, line: 0, reason: `${this.droppedIssues} more problems not listed` });
    }
    const unsupported = this.unsupported.slice();
    if (this.droppedUnsupported > 0) {
      unsupported.push({ file: this.file, line: 0, reason: `${this.droppedUnsupported} more unsupported parts not listed` });
    }
    return unsupported.length > 0
      ? { indicators: this.indicators, issues, unsupported }
      : { indicators: this.indicators, issues };
  }
}

/**
 * Calls `fn` for every line with its 1-based number; CR before LF is dropped, a leading BOM too.
 * Over-long lines are reported to `col` and not passed on.
 */
export function eachLine(text: string, col: FeedCollector, fn: (line: string, lineNo: number) => void): void {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let lineNo = 0;
  while (pos <= text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    lineNo++;
    let end = nl;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    if (end - pos > MAX_LINE_LENGTH) {
      col.issue(lineNo, `line longer than ${MAX_LINE_LENGTH} characters`);
    } else if (end > pos || nl < text.length) {
      fn(text.slice(pos, end), lineNo);
    }
    pos = nl + 1;
  }
}

/**
 * Splits one CSV line (RFC 4180 quoting, `""` inside quotes) into trimmed fields. Whitespace around
 * a quoted field is ignored (ThreatFox writes `", "`). Returns a string describing the problem when
 * the line is malformed.
 */
export function splitCsvLine(line: string): string[] | string {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    if (i < n && line.charCodeAt(i) === 34) {
      i++;
      let value = '';
      let start = i;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q === -1) return 'unterminated quoted field';
        if (line.charCodeAt(q + 1) === 34) {
          value += line.slice(start, q + 1);
          i = q + 2;
          start = i;
          continue;
        }
        value += line.slice(start, q);
        i = q + 1;
        break;
      }
      while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
      if (i < n && line.charCodeAt(i) !== 44) return `unexpected text after a quoted field at column ${i + 1}`;
      out.push(value);
    } else {
      let comma = line.indexOf(',', i);
      if (comma === -1) comma = n;
      out.push(line.slice(i, comma).trim());
      i = comma;
    }
    if (out.length > MAX_FIELDS) return `more than ${MAX_FIELDS} fields`;
    if (i >= n) return out;
    i++; // past the comma
    if (i === n) { out.push(''); return out; }
  }
}

/** Header names compared without case, spaces, underscores or punctuation: `first_seen_utc` = `Firstseen UTC`. */
export function columnKey(name: string): string {
  let k = '';
  for (let i = 0; i < name.length && i < 200; i++) {
    const c = name.charCodeAt(i) | 32;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) k += String.fromCharCode(c);
  }
  return k;
}

let lastTimeIn = '';
let lastTimeOut: string | undefined;

function digitsAt(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** `YYYY-MM-DD HH:MM:SS` (abuse.ch's UTC form) without going through Date, or undefined. */
function fastUtc(s: string): string | undefined {
  if (s.length !== 19 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const sep = s.charCodeAt(10);
  if (sep !== 32 && sep !== 84) return undefined;
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  const h = digitsAt(s, 11, 2);
  const mi = digitsAt(s, 14, 2);
  const se = digitsAt(s, 17, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59) return undefined;
  // Days in month: the 0th day of the next month.
  if (d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return undefined;
  return `${s.slice(0, 10)}T${s.slice(11)}Z`;
}

/**
 * Feed timestamps to ISO 8601 UTC. abuse.ch writes `YYYY-MM-DD HH:MM:SS` in UTC; a bare date stays
 * a date; anything `Date` understands with an explicit zone is converted. Unparseable → undefined.
 */
export function toIsoTime(input: string | number | undefined): string | undefined {
  if (input === undefined) return undefined;
  if (typeof input === 'string') {
    // Feeds repeat timestamps row after row; and most are in the one fixed form.
    if (input === lastTimeIn) return lastTimeOut;
    const fast = fastUtc(input);
    if (fast !== undefined) {
      lastTimeIn = input;
      lastTimeOut = fast;
      return fast;
    }
  }
  return slowIsoTime(input);
}

function slowIsoTime(input: string | number): string | undefined {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input <= 0) return undefined;
    // MISP writes epoch seconds; anything this large is already milliseconds.
    const d = new Date(input < 1e11 ? input * 1000 : input);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace('.000Z', 'Z');
  }
  const s = input.trim();
  if (s.length === 0 || s.length > 40) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return Number.isNaN(Date.parse(s)) ? undefined : s;
  if (/^\d{9,13}$/.test(s)) return slowIsoTime(Number(s));
  let t = s;
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t)) t = `${t.replace(' ', 'T')}Z`;
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Up to `SAMPLE_SIZE` characters' worth of non-empty lines from the start of a sample. */
export function sampleLines(sample: string, max = 50): string[] {
  const out: string[] = [];
  const text = sample.length > SAMPLE_SIZE ? sample.slice(0, SAMPLE_SIZE) : sample;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (pos < text.length && out.length < max) {
    let nl = text.indexOf('\n', pos);
    // The last line of a truncated sample may be cut short: only use it when the sample is whole.
    if (nl === -1) {
      if (sample.length > text.length) break;
      nl = text.length;
    }
    const line = text.slice(pos, nl).trim();
    if (line.length > 0) out.push(line);
    pos = nl + 1;
  }
  return out;
}

/** Splits a tag list written as `a,b,c` (URLhaus, ThreatFox) into trimmed, non-empty tags. */
export function splitTags(s: string | undefined): string[] {
  if (s === undefined || s.length === 0 || s === 'None') return [];
  const out: string[] = [];
  for (const t of s.split(',', MAX_FIELDS)) {
    const v = t.trim();
    if (v.length > 0 && v.length <= 200 && !out.includes(v)) out.push(v);
  }
  return out;
}

/** 1-based line of a JSON.parse syntax error, from the position its message names (1 when it names none). */
export function syntaxErrorLine(text: string, err: unknown): number {
  const m = err instanceof Error ? /position (\d+)/.exec(err.message) : null;
  if (!m) return 1;
  const pos = Math.min(Number(m[1]), text.length);
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
