// Running rule-supplied regular expressions against attacker-influenced event text. JavaScript's
// engine backtracks, so the stance is: (1) patterns that are only literals and `.`/`.*` are turned
// into the linear glob matcher; (2) patterns with nested unbounded quantifiers (`(a+)+`, `(.*)*`),
// the classic exponential shape, are refused as unsupported; (3) every other pattern runs on at
// most MAX_REGEX_INPUT characters of a field, which bounds the polynomial cases.
import { ONE, STAR, compilePattern, type Pattern, type PatternPart, type StringTest } from './pattern.js';

/** Longest slice of a field value a rule's regular expression is run on. */
export const MAX_REGEX_INPUT = 8192;

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
 * such as `(?i)` (PCRE style, common in SigmaHQ) are lifted into JavaScript flags.
 */
export function compileRegex(source: string, flags: { i?: boolean; m?: boolean; s?: boolean }): CompiledRegex {
  let src = source;
  const f = { i: !!flags.i, m: !!flags.m, s: !!flags.s };
  const inline = /^\(\?([ims]+)\)/.exec(src);
  if (inline) {
    for (const c of inline[1]!) f[c as 'i' | 'm' | 's'] = true;
    src = src.slice(inline[0].length);
  }
  if (/\(\?[a-zA-Z-]+\)/.test(src)) throw new RegexError('inline flag groups inside the pattern are not supported');
  checkNesting(src);
  const glob = f.m ? undefined : toGlob(src, f.i);
  if (glob) return { ...globTest(glob.pattern, glob.anchoredStart, glob.anchoredEnd, f.s), lowered: f.i, glob: glob.pattern };
  let re: RegExp;
  try {
    re = new RegExp(src, `${f.i ? 'i' : ''}${f.m ? 'm' : ''}${f.s ? 's' : ''}`);
  } catch (e) {
    throw new RegexError(`invalid regular expression: ${(e as Error).message}`);
  }
  return {
    lowered: false,
    test: (v) => re.test(v.length > MAX_REGEX_INPUT ? v.slice(0, MAX_REGEX_INPUT) : v),
  };
}

// Star height > 1 is what makes backtracking exponential; finding it needs only group structure.
function checkNesting(src: string): void {
  const stack: { unbounded: boolean }[] = [{ unbounded: false }];
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      continue;
    }
    if (c === '(') {
      stack.push({ unbounded: false });
      continue;
    }
    const q = quantifierAt(src, i);
    if (c === ')') {
      const inner = stack.pop();
      if (!inner || stack.length === 0) throw new RegexError('unbalanced parentheses');
      const after = quantifierAt(src, i + 1);
      // A bounded repeat of such a group (`(\s*\d,){2}`) stays polynomial, so only unbounded ones are refused.
      if (after && after.unbounded && inner.unbounded) {
        throw new RegexError(
          'nested unbounded quantifiers (e.g. "(a+)+") can take exponential time; refused to protect the engine',
        );
      }
      if (inner.unbounded || (after && after.unbounded)) stack[stack.length - 1]!.unbounded = true;
      if (after) i += after.length;
      continue;
    }
    if (q) {
      if (q.unbounded) stack[stack.length - 1]!.unbounded = true;
      i += q.length - 1;
    }
  }
  if (stack.length !== 1) throw new RegexError('unbalanced parentheses');
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
      end = i + 2;
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
