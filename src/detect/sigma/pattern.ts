// Sigma string values: escapes, `*`/`?` wildcards, and a matcher whose cost is bounded by
// O(value length × pattern length) — never exponential, whatever the rule or the event holds.

/** A token of a parsed Sigma string: literal text, `*` (any run) or `?` (one character). */
export type PatternPart = string | typeof STAR | typeof ONE;
export const STAR: unique symbol = Symbol('*');
export const ONE: unique symbol = Symbol('?');

/** A Sigma string after escape processing: literal runs and wildcards, adjacent literals merged. */
export interface Pattern {
  readonly parts: readonly PatternPart[];
}

/**
 * Parses a Sigma string value. `\*`, `\?` and `\\` are escapes; any other backslash is literal,
 * so Windows paths need no doubling (spec: "Escape Character").
 */
export function parsePattern(raw: string): Pattern {
  const parts: PatternPart[] = [];
  let lit = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const n = raw[i + 1];
      if (n === '*' || n === '?' || n === '\\') {
        lit += n;
        i++;
        continue;
      }
      lit += c;
      continue;
    }
    if (c === '*' || c === '?') {
      if (lit) parts.push(lit);
      lit = '';
      const tok = c === '*' ? STAR : ONE;
      // Consecutive stars mean the same as one; keeping one keeps the matcher's segments simple.
      if (tok === STAR && parts[parts.length - 1] === STAR) continue;
      parts.push(tok);
      continue;
    }
    lit += c;
  }
  if (lit) parts.push(lit);
  return { parts };
}

/** A pattern that is exactly `text`, wildcard characters included. */
export function literalPattern(text: string): Pattern {
  return { parts: text ? [text] : [] };
}

/** True when the pattern has a `*` or `?`. */
export function hasWildcards(p: Pattern): boolean {
  return p.parts.some((x) => typeof x !== 'string');
}

/** The pattern's text with wildcards as `*`/`?` (escapes dropped: for literal-only patterns). */
export function patternText(p: Pattern): string {
  return p.parts.map((x) => (x === STAR ? '*' : x === ONE ? '?' : x)).join('');
}

/** Wraps a pattern in stars as `contains` / `startswith` / `endswith` do. */
export function wrapPattern(p: Pattern, before: boolean, after: boolean): Pattern {
  const parts = [...p.parts];
  if (before && parts[0] !== STAR) parts.unshift(STAR);
  if (after && parts[parts.length - 1] !== STAR) parts.push(STAR);
  return { parts };
}

/** Applies `f` to every literal run (case folding, dash unification). */
export function mapLiterals(p: Pattern, f: (s: string) => string): Pattern {
  return { parts: p.parts.map((x) => (typeof x === 'string' ? f(x) : x)) };
}

/** The longest literal run: the indexer's "must appear" needle. Empty when there is none. */
export function longestLiteral(p: Pattern): string {
  let best = '';
  for (const x of p.parts) if (typeof x === 'string' && x.length > best.length) best = x;
  return best;
}

/** A compiled string test over an already-normalized value. */
export type StringTest = (v: string) => boolean;

/**
 * Compiles a pattern into a test. Common shapes get a single native call (`===`, `startsWith`,
 * `endsWith`, `includes`); anything else uses the segment matcher below.
 */
export function compilePattern(p: Pattern): StringTest {
  const parts = p.parts;
  if (parts.length === 0) return (v) => v.length === 0;
  if (parts.length === 1) {
    const a = parts[0]!;
    if (typeof a === 'string') return (v) => v === a;
    if (a === STAR) return () => true;
    return (v) => v.length === 1;
  }
  if (parts.length === 2) {
    const [a, b] = parts;
    if (a === STAR && typeof b === 'string') return (v) => v.endsWith(b);
    if (b === STAR && typeof a === 'string') return (v) => v.startsWith(a);
  }
  if (parts.length === 3) {
    const [a, b, c] = parts;
    if (a === STAR && c === STAR && typeof b === 'string') return (v) => v.includes(b);
  }
  return globTest(parts);
}

// A segment is the run between two stars: fixed-length, made of literal characters and `?`.
// `anchor` is the segment's longest literal run and `anchorAt` its offset: segments with `?` are
// located by a native search for the anchor, then checked in place.
type Segment = { text: string; anyAt: Uint8Array | null; length: number; anchor: string; anchorAt: number };

function toSegments(parts: readonly PatternPart[]): { segs: Segment[]; anchoredStart: boolean; anchoredEnd: boolean } {
  const segs: Segment[] = [];
  let text = '';
  let anyIdx: number[] = [];
  const flush = (): void => {
    let anyAt: Uint8Array | null = null;
    if (anyIdx.length) {
      anyAt = new Uint8Array(text.length);
      for (const i of anyIdx) anyAt[i] = 1;
    }
    let anchor = '';
    let anchorAt = 0;
    if (anyAt) {
      let start = 0;
      for (let i = 0; i <= text.length; i++) {
        if (i === text.length || anyAt[i] === 1) {
          if (i - start > anchor.length) {
            anchor = text.slice(start, i);
            anchorAt = start;
          }
          start = i + 1;
        }
      }
    }
    segs.push({ text, anyAt, length: text.length, anchor, anchorAt });
    text = '';
    anyIdx = [];
  };
  for (const x of parts) {
    if (x === STAR) flush();
    else if (x === ONE) {
      anyIdx.push(text.length);
      text += '?';
    } else text += x;
  }
  flush();
  return { segs, anchoredStart: parts[0] !== STAR, anchoredEnd: parts[parts.length - 1] !== STAR };
}

function segAt(v: string, at: number, s: Segment): boolean {
  if (at < 0 || at + s.length > v.length) return false;
  if (s.anyAt === null) return v.startsWith(s.text, at);
  for (let i = 0; i < s.length; i++) {
    if (s.anyAt[i] === 0 && v.charCodeAt(at + i) !== s.text.charCodeAt(i)) return false;
  }
  return true;
}

function segFind(v: string, from: number, s: Segment): number {
  if (s.anyAt === null) return v.indexOf(s.text, from);
  if (s.anchor === '') {
    for (let at = from; at + s.length <= v.length; at++) if (segAt(v, at, s)) return at;
    return -1;
  }
  let hit = v.indexOf(s.anchor, from + s.anchorAt);
  while (hit >= 0) {
    const at = hit - s.anchorAt;
    if (at + s.length > v.length) return -1;
    if (segAt(v, at, s)) return at;
    hit = v.indexOf(s.anchor, hit + 1);
  }
  return -1;
}

/**
 * Glob matching without backtracking: with only fixed-length segments between stars, taking each
 * middle segment at its leftmost position is always safe (a later position can only leave less
 * room for what follows), so one left-to-right pass decides the match.
 */
function globTest(parts: readonly PatternPart[]): StringTest {
  const { segs, anchoredStart, anchoredEnd } = toSegments(parts);
  if (segs.length === 1) {
    const s = segs[0]!;
    return (v) => v.length === s.length && segAt(v, 0, s);
  }
  const first = segs[0]!;
  const last = segs[segs.length - 1]!;
  const middle = segs.slice(1, -1);
  return (v) => {
    let pos = 0;
    if (anchoredStart) {
      if (!segAt(v, 0, first)) return false;
      pos = first.length;
    }
    let end = v.length;
    if (anchoredEnd) {
      end = v.length - last.length;
      if (end < pos || !segAt(v, end, last)) return false;
    }
    for (const s of middle) {
      if (s.length === 0) continue;
      const at = segFind(v, pos, s);
      if (at < 0 || at + s.length > end) return false;
      pos = at + s.length;
    }
    return true;
  };
}

interface TrieNode {
  end: boolean;
  next: Map<number, TrieNode>;
}

/**
 * One test for a list of `startswith` (or, with `fromEnd`, `endswith`) literals: walks the value
 * from its start (end) through a trie, so the cost is the longest literal, not the list length.
 */
export function affixListTest(literals: readonly string[], fromEnd: boolean): StringTest {
  const root: TrieNode = { end: false, next: new Map() };
  for (const lit of literals) {
    let n = root;
    for (let i = 0; i < lit.length; i++) {
      const c = lit.charCodeAt(fromEnd ? lit.length - 1 - i : i);
      let m = n.next.get(c);
      if (!m) n.next.set(c, (m = { end: false, next: new Map() }));
      n = m;
    }
    n.end = true;
  }
  if (root.end) return () => true;
  return fromEnd
    ? (v) => {
        let n: TrieNode | undefined = root;
        for (let i = v.length - 1; i >= 0; i--) {
          n = n.next.get(v.charCodeAt(i));
          if (n === undefined) return false;
          if (n.end) return true;
        }
        return false;
      }
    : (v) => {
        let n: TrieNode | undefined = root;
        for (let i = 0; i < v.length; i++) {
          n = n.next.get(v.charCodeAt(i));
          if (n === undefined) return false;
          if (n.end) return true;
        }
        return false;
      };
}
