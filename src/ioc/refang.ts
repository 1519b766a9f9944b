import { CT, F_ALPHA, F_DIGIT, isWordCode } from './chars.js';

/**
 * Where each length-changing replacement sits, so spans found in the refanged text can be mapped back
 * to the original. Four parallel arrays sorted by position: replacement i turned
 * `original[origStart[i], origEnd[i])` into `refanged[normStart[i], normEnd[i])`.
 */
export interface OffsetMap {
  normStart: number[];
  normEnd: number[];
  origStart: number[];
  origEnd: number[];
}

/** The refanged text and, when a replacement changed its length, the map back to the original. */
export interface Refanged {
  text: string;
  /** Null when no replacement changed the length: offsets are then identical. */
  map: OffsetMap | null;
  /** True when any replacement was made (including same-length ones like `hxxp` → `http`). */
  changed: boolean;
}

const enum C {
  TAB = 9, LF = 10, CR = 13, SPACE = 32, BANG = 33, STAR = 42, COMMA = 44, DOT = 46, SLASH = 47, COLON = 58,
  AT = 64, LBRACK = 91, BSLASH = 92, RBRACK = 93, LPAREN = 40, RPAREN = 41, LBRACE = 123, RBRACE = 125,
}

function isOpen(c: number): boolean {
  return c === C.LBRACK || c === C.LPAREN || c === C.LBRACE;
}
function isClose(c: number): boolean {
  return c === C.RBRACK || c === C.RPAREN || c === C.RBRACE;
}
function isBracket(c: number): boolean {
  return isOpen(c) || isClose(c);
}
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}
function isSpaceCode(c: number): boolean {
  return c === C.SPACE || c === C.TAB || c === C.LF || c === C.CR;
}

// Trigger table: only these code units can start a defang token, so the loop skips everything else
// with one array read.
// 2 marks triggers that only count after a non-word character (` . `, ` dot `, `hxxp`, `fxp`), which the
// loop checks inline before paying for a call.
const TRIGGER = new Uint8Array(128);
for (const ch of '[({])}\\') TRIGGER[ch.charCodeAt(0)] = 1;
for (const ch of '.hHfFdD') TRIGGER[ch.charCodeAt(0)] = 2;

/**
 * Refang `text`: turn every recognised defang form back into the character it stands for, and record
 * where the text changed so the caller can map spans back. Runs in one pass, linear in the input.
 *
 * Recognised forms (the dot and at forms only between two letters/digits, so prose and code keep their
 * brackets): `[.]` `(.)` `{.}` and any mix of those brackets around the dot (`[.)`, `].[`), `[.` with
 * only the opening bracket, `[dot]` `(dot)` `{dot}` in any case, ` dot ` / ` DOT ` and ` . ` between
 * words, `\.`, `[,]` `(,)` (dotted quads written with commas), `[@]` `(@)` `{@}` `[at]` `(at)` `{at}`,
 * `[:]`, `[://]`, `[/]`, `hxxp` `hXXp` `h**p` `hxxps` `fxp` before a scheme separator, and zero-width
 * characters (U+200B–U+200D, U+2060, U+FEFF, soft hyphen) between word characters.
 */
export function refangText(text: string): Refanged {
  const n = text.length;
  let out = '';
  let copied = 0; // text[0, copied) has been flushed into `out`
  let map: OffsetMap | null = null;
  let changed = false;

  const replace = (from: number, to: number, repl: string): void => {
    if (from > copied) out += text.slice(copied, from);
    const normStart = out.length;
    out += repl;
    copied = to;
    changed = true;
    if (repl.length !== to - from) {
      map ??= { normStart: [], normEnd: [], origStart: [], origEnd: [] };
      map.normStart.push(normStart);
      map.normEnd.push(out.length);
      map.origStart.push(from);
      map.origEnd.push(to);
    }
  };

  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 128) {
      if ((c >= 0x200b && c <= 0x200d) || c === 0x2060 || c === 0xfeff || c === 0xad) {
        if (i > 0 && isWordOrDot(text.charCodeAt(i - 1)) && isWordOrDot(text.charCodeAt(i + 1))) {
          replace(i, i + 1, '');
        }
      }
      i++;
      continue;
    }
    const trig = TRIGGER[c]!;
    if (trig === 0) {
      i++;
      continue;
    }
    const prev = i > 0 ? text.charCodeAt(i - 1) : 0;
    if (trig === 2 && prev < 128 && (CT[prev]! & (F_ALPHA | F_DIGIT)) !== 0) {
      i++;
      continue;
    }
    const end = matchAt(text, i, c, prev);
    // matchAt leaves the replacement in `lastRepl`; a token may start just before i (` . `), but never
    // inside one already replaced.
    if (end > 0 && lastFrom >= copied) {
      replace(lastFrom, end, lastRepl);
      i = end;
      continue;
    }
    i++;
  }
  if (!changed) return { text, map: null, changed: false };
  if (copied < n) out += text.slice(copied);
  return { text: out, map, changed: true };
}

function isWordOrDot(c: number): boolean {
  return c === C.DOT || isWordCode(c);
}

// Side channel for matchAt's result: avoids allocating a tuple per token on the hot path.
let lastRepl = '';
let lastFrom = 0;

/** Returns the end of a defang token starting at (or, for ` . `, just before) i, or 0. */
function matchAt(t: string, i: number, c: number, prev: number): number {
  const c1 = t.charCodeAt(i + 1);
  if (isOpen(c)) {
    const prevWord = isWordCode(prev);
    // Every bracketed form needs a non-space before it, except a spaced dot (`example [.] com`).
    if (!prevWord && (prev === 0 || isSpaceCode(prev)) && !(prev === C.SPACE && isWordCode(t.charCodeAt(i - 2)))) return 0;
    // [.]  [.  [,]  [.)
    if (c1 === C.DOT || c1 === C.COMMA) {
      const c2 = t.charCodeAt(i + 2);
      if (isBracket(c2)) return dotToken(t, i, i + 3, prevWord, prev);
      if (c1 === C.DOT && prevWord && isWordCode(c2)) return set(i, i + 2, '.');
      return 0;
    }
    // [dot] (dot) {dot}
    if (lower(c1) === 100 && lower(t.charCodeAt(i + 2)) === 111 && lower(t.charCodeAt(i + 3)) === 116 && isBracket(t.charCodeAt(i + 4))) {
      return dotToken(t, i, i + 5, prevWord, prev);
    }
    // [@] (@) {@} [@
    if (c1 === C.AT) {
      const c2 = t.charCodeAt(i + 2);
      const end = isBracket(c2) ? i + 3 : i + 2;
      if (isWordOrDot(prev) && isWordCode(t.charCodeAt(end))) return set(i, end, '@');
      return 0;
    }
    // [at] (at) {at}
    if (lower(c1) === 97 && lower(t.charCodeAt(i + 2)) === 116 && isBracket(t.charCodeAt(i + 3))) {
      if (prevWord && isWordCode(t.charCodeAt(i + 4))) return set(i, i + 4, '@');
      return 0;
    }
    // [:]  [://]
    if (c1 === C.COLON && prevWord) {
      if (isClose(t.charCodeAt(i + 2))) return set(i, i + 3, ':');
      if (t.charCodeAt(i + 2) === C.SLASH && t.charCodeAt(i + 3) === C.SLASH && isClose(t.charCodeAt(i + 4))) return set(i, i + 5, '://');
      return 0;
    }
    // [/]  [//]
    if (c1 === C.SLASH && !isSpaceCode(prev) && prev !== 0) {
      if (isClose(t.charCodeAt(i + 2))) return set(i, i + 3, '/');
      if (t.charCodeAt(i + 2) === C.SLASH && isClose(t.charCodeAt(i + 3))) return set(i, i + 4, '//');
    }
    return 0;
  }
  if (isClose(c)) {
    // ].[  ).(  ].]
    if (c1 === C.DOT && isBracket(t.charCodeAt(i + 2)) && isWordCode(prev) && isWordCode(t.charCodeAt(i + 3))) {
      return set(i, i + 3, '.');
    }
    return 0;
  }
  if (c === C.DOT) {
    // ` . ` between words
    if (prev === C.SPACE && c1 === C.SPACE && isWordCode(t.charCodeAt(i - 2)) && isWordCode(t.charCodeAt(i + 2))) {
      return set(i - 1, i + 2, '.');
    }
    return 0;
  }
  if (c === C.BSLASH) {
    // `\.` as in a regex-escaped domain, but not a Windows path segment starting with a dot.
    if (c1 === C.DOT && isWordCode(prev) && isWordCode(t.charCodeAt(i + 2)) && !inPathWord(t, i)) return set(i, i + 2, '.');
    return 0;
  }
  const lc = lower(c);
  if (lc === 100) {
    // ` dot ` / ` DOT ` between words (only all-lower or all-upper: "Dot" is usually a name)
    if (prev === C.SPACE && t.charCodeAt(i + 3) === C.SPACE && isWordCode(t.charCodeAt(i - 2)) && isWordCode(t.charCodeAt(i + 4))) {
      const w = t.slice(i, i + 3);
      if (w === 'dot' || w === 'DOT') return set(i - 1, i + 4, '.');
    }
    return 0;
  }
  if (isWordCode(prev)) return 0;
  if (lc === 104) {
    // hxxp, hXXp, h**p, htxp … followed by an optional s and a (possibly bracketed) colon
    const a = lower(c1);
    const b = lower(t.charCodeAt(i + 2));
    if (lower(t.charCodeAt(i + 3)) !== 112) return 0;
    if ((a === 120 || a === C.STAR || a === 116) && (b === 120 || b === C.STAR || b === 116) && !(a === 116 && b === 116)) {
      let j = i + 4;
      const s = lower(t.charCodeAt(j)) === 115;
      if (s) j++;
      if (schemeSep(t, j)) return set(i, j, s ? 'https' : 'http');
    }
    return 0;
  }
  if (lc === 102) {
    // fxp → ftp
    if (lower(c1) === 120 && lower(t.charCodeAt(i + 2)) === 112 && schemeSep(t, i + 3)) return set(i, i + 3, 'ftp');
  }
  return 0;
}

function schemeSep(t: string, j: number): boolean {
  const c = t.charCodeAt(j);
  if (c === C.COLON) return true;
  return isOpen(c) && t.charCodeAt(j + 1) === C.COLON;
}

function dotToken(t: string, from: number, end: number, prevWord: boolean, prev: number): number {
  // A space on both sides (`example [.] com`) is part of the token.
  let f = from;
  let e = end;
  if (!prevWord) {
    if (prev !== C.SPACE) return 0;
    f = from - 1;
    if (t.charCodeAt(e) !== C.SPACE) return 0;
    e++;
  }
  if (!isWordCode(t.charCodeAt(e))) return 0;
  return set(f, e, '.');
}

function set(from: number, end: number, repl: string): number {
  lastFrom = from;
  lastRepl = repl;
  return end;
}

// True when the word before a backslash is itself preceded by a path separator or a drive colon
// (C:\Users\x\.config), looking back a bounded distance to stay linear.
function inPathWord(t: string, i: number): boolean {
  const stop = Math.max(0, i - 256);
  for (let j = i - 1; j >= stop; j--) {
    const c = t.charCodeAt(j);
    if (isWordCode(c) || c === 45 || c === 95 || c === C.DOT) continue;
    return c === C.BSLASH || c === C.SLASH || c === C.COLON;
  }
  return false;
}

/** Map a start offset in the refanged text back to the original text. */
export function mapStart(map: OffsetMap | null, n: number): number {
  if (map === null) return n;
  const r = lastAtMost(map.normStart, n);
  if (r < 0) return n;
  if (n < map.normEnd[r]!) return map.origStart[r]!;
  return n - map.normEnd[r]! + map.origEnd[r]!;
}

/** Map an exclusive end offset in the refanged text back to the original text. */
export function mapEnd(map: OffsetMap | null, n: number): number {
  if (map === null) return n;
  const r = lastAtMost(map.normStart, n - 1);
  if (r < 0) return n;
  if (n <= map.normEnd[r]!) return map.origEnd[r]!;
  return n - map.normEnd[r]! + map.origEnd[r]!;
}

/** True when some length-changing replacement lies inside [from, to) of the refanged text. */
export function replacedWithin(map: OffsetMap | null, from: number, to: number): boolean {
  if (map === null) return false;
  const r = lastAtMost(map.normStart, to - 1);
  return r >= 0 && map.normEnd[r]! > from;
}

function lastAtMost(arr: number[], x: number): number {
  let lo = 0;
  let hi = arr.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid]! <= x) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** Refang a string and return only the text: `hxxp://evil[.]com` → `http://evil.com`. */
export function refang(text: string): string {
  return refangText(text).text;
}
