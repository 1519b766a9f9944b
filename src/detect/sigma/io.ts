import type { SigmaIssue } from './types.js';

/** `file:line: [unsupported] field: reason (rule id)`, one line per issue. */
export function formatSigmaIssue(i: SigmaIssue): string {
  const rule = i.ruleId ? ` (${i.ruleId})` : '';
  return `${i.file}:${i.line}: ${i.kind === 'unsupported' ? 'unsupported: ' : ''}${i.field ? `${i.field}: ` : ''}${i.reason}${rule}`;
}

/**
 * Reads events from text holding JSON lines, a JSON array, or JSON objects simply concatenated
 * (as Windows event exports often are). Malformed stretches are reported by line and skipped.
 */
export function parseEventStream(text: string): { events: Record<string, unknown>[]; errors: { line: number; reason: string }[]; lines: number[] } {
  const events: Record<string, unknown>[] = [];
  const errors: { line: number; reason: string }[] = [];
  /** The line each event starts on (for a JSON array: its index, 1-based). */
  const lines: number[] = [];
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    try {
      const arr: unknown = JSON.parse(trimmed);
      if (Array.isArray(arr)) {
        arr.forEach((e, i) => {
          if (e && typeof e === 'object' && !Array.isArray(e)) {
            events.push(e as Record<string, unknown>);
            lines.push(i + 1);
          } else errors.push({ line: 1, reason: `array item ${i} is not an object` });
        });
        return { events, errors, lines };
      }
    } catch {
      // Not one array after all: fall through to the streaming reader.
    }
  }
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 0xfeff) {
      i++;
      continue;
    }
    const startLine = line;
    if (c !== 123 /* { */) {
      const eol = text.indexOf('\n', i);
      errors.push({ line: startLine, reason: 'expected a JSON object' });
      i = eol < 0 ? n : eol;
      continue;
    }
    // Find the end of this object by brace depth, respecting strings.
    let depth = 0;
    let inStr = false;
    let j = i;
    for (; j < n; j++) {
      const d = text.charCodeAt(j);
      if (d === 10) line++;
      if (inStr) {
        if (d === 92) j++;
        else if (d === 34) inStr = false;
        continue;
      }
      if (d === 34) inStr = true;
      else if (d === 123) depth++;
      else if (d === 125 && --depth === 0) break;
    }
    const chunk = text.slice(i, j + 1);
    const start = i;
    i = j + 1;
    try {
      const v: unknown = JSON.parse(chunk);
      events.push(v as Record<string, unknown>);
      lines.push(startLine);
    } catch (e) {
      errors.push({ line: startLine, reason: `invalid JSON: ${(e as Error).message}` });
      // An unclosed object swallows the lines after it. A later line opening with "{" at its very
      // start is where the next record begins (JSON lines, concatenated exports); the lines of a
      // pretty-printed object are indented, so a broken one is still skipped whole.
      const next = chunk.indexOf('\n{');
      if (next >= 0) {
        i = start + next + 1;
        line = startLine + countNewlines(chunk, next + 1);
      }
    }
  }
  return { events, errors, lines };
}

function countNewlines(s: string, end: number): number {
  let n = 0;
  for (let k = s.indexOf('\n'); k >= 0 && k < end; k = s.indexOf('\n', k + 1)) n++;
  return n;
}

/**
 * The event's own time in epoch milliseconds, when it carries one: ECS `@timestamp`,
 * `timestamp`, a Windows export's `TimeCreated`, Sysmon's `UtcTime` (UTC without a zone), `time`.
 */
export function eventTimestamp(ev: Record<string, unknown>): number | undefined {
  const sys = (ev['Event'] as Record<string, Record<string, unknown>> | undefined)?.['System'];
  const created = (sys?.['TimeCreated'] as Record<string, Record<string, unknown>> | undefined)?.['#attributes']?.['SystemTime'];
  for (const v of [ev['@timestamp'], ev['timestamp'], created, ev['UtcTime'], ev['time']]) {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v) {
      const t = Date.parse(/^\d{4}-\d\d-\d\d \d/.test(v) ? `${v.replace(' ', 'T')}Z` : v);
      if (!Number.isNaN(t)) return t;
    }
  }
  return undefined;
}
