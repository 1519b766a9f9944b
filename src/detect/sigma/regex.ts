// Running rule-supplied regular expressions against attacker-influenced event text. JavaScript's
// engine backtracks: `(a|aa)+$` or `(.*a){12}$` ran for a minute on a 200-character event and froze
// the server. So: (1) patterns that are only literals and `.`/`.*` become the linear glob matcher;
// (2) every other pattern runs on RE2JS, a port of RE2 whose matching time is linear in the input
// (no backtracking; lookarounds and backreferences, which need it, are refused at load with the
// reason); (3) a pattern whose compiled program is over MAX_PROGRAM steps is refused, and matching
// sees at most MAX_REGEX_INPUT characters of a field, which together bound one test's work.
import { RE2JS } from 're2js';
import { ONE, STAR, compilePattern, type Pattern, type PatternPart, type StringTest } from './pattern.js';

/** Longest slice of a field value a rule's regular expression is run on. */
export const MAX_REGEX_INPUT = 8192;
/** Longest pattern text accepted. */
export const MAX_REGEX_SOURCE = 4096;
/**
 * Largest compiled program (RE2 instructions) accepted: matching costs up to program size × input
 * length. SigmaHQ's largest is under 600; `(\w+\s*){1,500}` is about 3,500.
 */
export const MAX_PROGRAM = 2000;

/** Thrown for a pattern this engine refuses or cannot compile. */
export class RegexError extends Error {}

/** A rule's `re` value ready to run. */
export interface CompiledRegex {
  test: StringTest;
  /** True when `test` expects a lower-cased value (the `i` flag on a glob-converted pattern). */
  lowered: boolean;
  /** The glob form when the pattern was converted, for the indexer's literal needles. */
  glob?: Pattern;
}

const LINE_BREAK = /[\n\r\u2028\u2029]/;

/**
 * Compiles a Sigma `re` value with the sub-modifier flags (`i`, `m`, `s`). Leading inline flags
 * such as `(?i)` (PCRE style, common in SigmaHQ) are lifted into flags; RE2 understands inline
 * flag groups anywhere else too.
 */
export function compileRegex(source: string, flags: { i?: boolean; m?: boolean; s?: boolean }): CompiledRegex {
  if (source.length > MAX_REGEX_SOURCE) throw new RegexError(`the pattern is ${source.length} characters long (limit ${MAX_REGEX_SOURCE})`);
  let src = source;
  const f = { i: !!flags.i, m: !!flags.m, s: !!flags.s };
  const inline = /^\(\?([ims]+)\)/.exec(src);
  if (inline) {
    for (const c of inline[1]!) f[c as 'i' | 'm' | 's'] = true;
    src = src.slice(inline[0].length);
  }
  const glob = f.m ? undefined : toGlob(src, f.i);
  if (glob) return { ...globTest(glob.pattern, glob.anchoredStart, glob.anchoredEnd, f.s), lowered: f.i, glob: glob.pattern };
  const re = compileLinear(toRe2Syntax(src), (f.i ? RE2JS.CASE_INSENSITIVE : 0) | (f.m ? RE2JS.MULTILINE : 0) | (f.s ? RE2JS.DOTALL : 0));
  // A cheap check before the automaton: one of the literals every match contains must be there.
  const needles = f.m || src.includes('\\Q') ? null : regexNeedles(src);
  const pre = needles && needles.every((n) => n.length >= 2 && /^[\x20-\x7e]+$/.test(n)) ? needles : null;
  return {
    lowered: false,
    test: (v) => {
      const s = v.length > MAX_REGEX_INPUT ? v.slice(0, MAX_REGEX_INPUT) : v;
      if (pre) {
        const low = s.toLowerCase();
        if (!pre.some((n) => low.includes(n))) return false;
      }
      return re.test(s);
    },
  };
}

/**
 * A pattern in RE2 syntax on the linear-time engine, or a RegexError saying why not. Used for
 * Sigma `re` and for any other pattern a user supplies.
 */
export function compileLinear(src: string, flags = 0): { test(s: string): boolean } {
  let re: RE2JS;
  try {
    re = RE2JS.compile(src, flags);
  } catch (e) {
    const msg = (e as Error).message.replace(/^error parsing regexp: /, '');
    if (/unsupported Perl syntax: `\(\?[=!<]/.test(msg) || /invalid escape sequence: `\\[1-9]/.test(msg)) {
      throw new RegexError(`${msg}: lookarounds and backreferences need a backtracking engine, which event text could stall; rewrite the pattern without them (RE2 syntax)`);
    }
    throw new RegexError(`invalid regular expression: ${msg}`);
  }
  const size = programSize(re);
  if (size > MAX_PROGRAM) throw new RegexError(`the pattern compiles to ${size} steps (limit ${MAX_PROGRAM}): large counted repeats such as {1,500} multiply the work per character; simplify it`);
  return re;
}

// RE2JS keeps its program out of its typed surface; the version is pinned, and a test checks the limit bites.
function programSize(re: RE2JS): number {
  const prog = (re as unknown as { re2Input?: { prog?: { inst?: unknown[] } } }).re2Input?.prog?.inst;
  return Array.isArray(prog) ? prog.length : 0;
}

// JavaScript's `\uXXXX` is RE2's `\x{XXXX}`; everything else Sigma rules use is common syntax.
function toRe2Syntax(src: string): string {
  if (!src.includes('\\u')) return src;
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const m = /^u([0-9a-fA-F]{4})/.exec(src.slice(i + 1, i + 6));
      if (m) {
        out += `\\x{${m[1]}}`;
        i += 5;
        continue;
      }
      out += c + (src[i + 1] ?? '');
      i++;
      continue;
    }
    out += c;
  }
  return out;
}

function quantifierAt(src: string, i: number): { unbounded: boolean; length: number } | undefined {
  const c = src[i];
  let len = 1;
  let res: { unbounded: boolean } | undefined;
  if (c === '*' || c === '+') res = { unbounded: true };
  else if (c === '?') res = { unbounded: false };
  else if (c === '{') {
    const m = /^\{(\d*)(,(\d*))?\}/.exec(src.slice(i));
    if (!m) return undefined;
    len = m[0].length;
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
    res = { unbounded: max === Infinity };
  } else return undefined;
  // Lazy and possessive suffixes do not change the shape.
  if (src[i + len] === '?' || src[i + len] === '+') len++;
  return { ...res, length: len };
}

// Literals, `.`, `.*`, `^` at the start and `$` at the end: exactly what a glob can say.
function toGlob(src: string, lower: boolean): { pattern: Pattern; anchoredStart: boolean; anchoredEnd: boolean } | undefined {
  let i = 0;
  let anchoredStart = false;
  let anchoredEnd = false;
  let body = src;
  if (body.startsWith('^')) {
    anchoredStart = true;
    body = body.slice(1);
  }
  if (body.endsWith('$') && !body.endsWith('\\$')) {
    anchoredEnd = true;
    body = body.slice(0, -1);
  }
  const parts: PatternPart[] = [];
  let lit = '';
  const push = (p: PatternPart): void => {
    if (lit) parts.push(lower ? lit.toLowerCase() : lit);
    lit = '';
    if (p === STAR && parts[parts.length - 1] === STAR) return;
    parts.push(p);
  };
  for (i = 0; i < body.length; i++) {
    const c = body[i]!;
    const next = body[i + 1];
    if (c === '\\') {
      if (next === undefined || /[0-9A-Za-z]/.test(next)) return undefined;
      if (isQuant(body[i + 2])) return undefined;
      lit += next;
      i++;
      continue;
    }
    if (c === '.') {
      if (next === '*') {
        if (body[i + 2] === '?' || body[i + 2] === '+') return undefined;
        push(STAR);
        i++;
        continue;
      }
      if (isQuant(next)) return undefined;
      push(ONE);
      continue;
    }
    if ('^$*+?()[]{}|'.includes(c)) return undefined;
    if (isQuant(next)) return undefined;
    if (LINE_BREAK.test(c)) return undefined;
    lit += c;
  }
  if (lit) parts.push(lower ? lit.toLowerCase() : lit);
  if (!anchoredStart && parts[0] !== STAR) parts.unshift(STAR);
  if (!anchoredEnd && parts[parts.length - 1] !== STAR) parts.push(STAR);
  return { pattern: { parts }, anchoredStart, anchoredEnd };
}

function isQuant(c: string | undefined): boolean {
  return c === '*' || c === '+' || c === '?' || c === '{';
}

// `.` stops at line breaks unless `s` is set, so without it a match lives inside one line: the
// first line when anchored at the start, the last when anchored at the end.
function globTest(p: Pattern, anchoredStart: boolean, anchoredEnd: boolean, dotAll: boolean): { test: StringTest } {
  const t = compilePattern(p);
  const usesDot = p.parts.some((x) => x === STAR || x === ONE);
  if (dotAll || !usesDot) return { test: t };
  return {
    test: (v) => {
      if (!LINE_BREAK.test(v)) return t(v);
      const lines = v.split(/\r\n|[\n\r\u2028\u2029]/);
      if (anchoredStart && anchoredEnd) return false;
      if (anchoredStart) return t(lines[0]!);
      if (anchoredEnd) return t(lines[lines.length - 1]!);
      return lines.some(t);
    },
  };
}

/**
 * Literals one of which must occur in any text the pattern matches (one per top-level
 * alternative, the longest fixed run in each), lower-cased for the index; null when some
 * alternative has no fixed run. Inside groups, classes and optional atoms nothing is assumed.
 */
export function regexNeedles(source: string): string[] | null {
  const src = source.replace(/^\(\?[ims]+\)/, '');
  const branches: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      branches.push(src.slice(start, i));
      start = i + 1;
    }
  }
  branches.push(src.slice(start));
  const out: string[] = [];
  for (const b of branches) {
    const lit = longestRequiredRun(b);
    if (!lit) return null;
    const low = lit.toLowerCase();
    if (!out.includes(low)) out.push(low);
  }
  return out;
}

function longestRequiredRun(src: string): string {
  let best = '';
  let run = '';
  const close = (): void => {
    if (run.length > best.length) best = run;
    run = '';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    let atom: string | null = null;
    let end = i + 1;
    if (c === '\\') {
      const n = src[i + 1];
      // Escapes with a body (\u0041, \x41, \x{41}, \p{L}) are one atom: their digits are not literals.
      const body = /^(?:u[0-9a-fA-F]{4}|x\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|[pP]\{[^}]*\}|[pP][A-Za-z])/.exec(src.slice(i + 1));
      end = i + 1 + (body ? body[0].length : 1);
      if (n !== undefined && !/[0-9A-Za-z]/.test(n)) atom = n;
    } else if (c === '[') {
      let j = i + 1;
      if (src[j] === '^') j++;
      if (src[j] === ']') j++;
      while (j < src.length && src[j] !== ']') j += src[j] === '\\' ? 2 : 1;
      end = j + 1;
    } else if (c === '(') {
      let d = 0;
      let j = i;
      let cls = false;
      for (; j < src.length; j++) {
        const x = src[j]!;
        if (x === '\\') j++;
        else if (cls) cls = x !== ']';
        else if (x === '[') cls = true;
        else if (x === '(') d++;
        else if (x === ')' && --d === 0) break;
      }
      end = j + 1;
    } else if (!'.^$|*+?{}'.includes(c) && c.charCodeAt(0) < 128) atom = c;
    const q = quantifierAt(src, end);
    const optional = q !== undefined && (src[end] === '?' || src[end] === '*' || /^\{0[,}]/.test(src.slice(end)));
    if (atom === null || optional) close();
    else {
      run += atom;
      // A repeated atom is required once, but what follows it need not be adjacent to that copy.
      if (q) close();
    }
    i = q ? end + q.length : end;
  }
  close();
  return best;
}
