/**
 * A parser for STIX 2.1 patterning, enough to pull indicators out of a pattern and to say exactly
 * which parts were left out. It is a hand-written tokenizer plus recursive descent with a depth cap:
 * patterns come from other organisations' feeds and are treated as hostile.
 */

/** Longest pattern accepted; real ones are far below this. */
export const MAX_PATTERN_LENGTH = 65_536;
const MAX_DEPTH = 64;

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'typed'; prefix: 't' | 'h' | 'b'; value: string };

/** One comparison: `object-path [NOT] op value`, or `EXISTS path` (op `EXISTS`, no value). */
export interface Comparison {
  kind: 'cmp';
  /** The path as written, quotes removed: `file:hashes.SHA-256`. */
  path: string;
  negated: boolean;
  op: string;
  values: Literal[];
  /** The comparison's text in the pattern, for messages. */
  text: string;
}

export type CompExpr = Comparison | { kind: 'and' | 'or'; items: CompExpr[] };

export type ObsExpr =
  | { kind: 'obs'; expr: CompExpr }
  | { kind: 'and' | 'or' | 'followedby'; items: ObsExpr[] }
  | { kind: 'qualified'; inner: ObsExpr; qualifier: string };

type Tok =
  | { t: 'punct'; v: string; pos: number; end: number }
  | { t: 'word'; v: string; pos: number; end: number }
  | { t: 'path'; v: string; pos: number; end: number }
  | { t: 'lit'; v: Literal; pos: number; end: number };

export class PatternError extends Error {}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

/** Reads a `'…'` literal starting at the quote; returns the unescaped value and the index after it. */
function readQuoted(s: string, start: number): [string, number] {
  let out = '';
  let i = start + 1;
  let from = i;
  for (;;) {
    if (i >= s.length) throw new PatternError(`unterminated string starting at ${start + 1}`);
    const c = s.charCodeAt(i);
    if (c === 92) { // backslash: only \' and \\ are escapes in STIX patterning
      const n = s.charCodeAt(i + 1);
      if (n !== 39 && n !== 92) throw new PatternError(`invalid escape at ${i + 1}`);
      out += s.slice(from, i) + String.fromCharCode(n);
      i += 2;
      from = i;
      continue;
    }
    if (c === 39) return [out + s.slice(from, i), i + 1];
    i++;
  }
}

function tokenize(s: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) { i++; continue; }
    const start = i;
    if (c === 91 || c === 93 || c === 40 || c === 41 || c === 44) {
      toks.push({ t: 'punct', v: s[i] as string, pos: start, end: i + 1 });
      i++;
      continue;
    }
    if (c === 61 || c === 33 || c === 60 || c === 62) {
      let v = s[i] as string;
      if (s.charCodeAt(i + 1) === 61) v += '=';
      else if (c === 33) throw new PatternError(`unexpected "!" at ${i + 1}`);
      i += v.length;
      toks.push({ t: 'punct', v, pos: start, end: i });
      continue;
    }
    if (c === 39) {
      const [v, next] = readQuoted(s, i);
      i = next;
      toks.push({ t: 'lit', v: { kind: 'string', value: v }, pos: start, end: i });
      continue;
    }
    if ((c === 116 || c === 104 || c === 98) && s.charCodeAt(i + 1) === 39) {
      const [v, next] = readQuoted(s, i + 1);
      i = next;
      toks.push({ t: 'lit', v: { kind: 'typed', prefix: s[start] as 't' | 'h' | 'b', value: v }, pos: start, end: i });
      continue;
    }
    if ((c >= 48 && c <= 57) || ((c === 45 || c === 43) && s.charCodeAt(i + 1) >= 48 && s.charCodeAt(i + 1) <= 57)) {
      i++;
      while (i < s.length && ((s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) || s.charCodeAt(i) === 46)) i++;
      const n = Number(s.slice(start, i));
      if (!Number.isFinite(n)) throw new PatternError(`bad number at ${start + 1}`);
      // `1234:` cannot start an object path, so a number is always a literal here.
      toks.push({ t: 'lit', v: { kind: 'number', value: n }, pos: start, end: i });
      continue;
    }
    if (isWordChar(c)) {
      while (i < s.length && isWordChar(s.charCodeAt(i))) i++;
      if (s.charCodeAt(i) !== 58) {
        const w = s.slice(start, i);
        if (w === 'true' || w === 'false') toks.push({ t: 'lit', v: { kind: 'bool', value: w === 'true' }, pos: start, end: i });
        else toks.push({ t: 'word', v: w, pos: start, end: i });
        continue;
      }
      // An object path: type ':' property ( '.' property | '[' index ']' )*, properties may be quoted.
      let path = `${s.slice(start, i)}:`;
      i++;
      let expectProp = true;
      for (;;) {
        if (expectProp) {
          if (s.charCodeAt(i) === 39) {
            const [v, next] = readQuoted(s, i);
            path += v;
            i = next;
          } else {
            const p0 = i;
            while (i < s.length && isWordChar(s.charCodeAt(i))) i++;
            if (i === p0) throw new PatternError(`object path expected at ${p0 + 1}`);
            path += s.slice(p0, i);
          }
          expectProp = false;
        }
        const n = s.charCodeAt(i);
        if (n === 46) { path += '.'; i++; expectProp = true; continue; }
        if (n === 91) {
          const close = s.indexOf(']', i);
          const idx = close === -1 ? '' : s.slice(i + 1, close);
          if (idx === '*' || /^\d{1,9}$/.test(idx)) { path += `[${idx}]`; i = close + 1; continue; }
        }
        break;
      }
      toks.push({ t: 'path', v: path, pos: start, end: i });
      continue;
    }
    throw new PatternError(`unexpected character "${s[i]}" at ${i + 1}`);
  }
  return toks;
}

const COMPARE_OPS = new Set(['=', '!=', '<', '>', '<=', '>=', 'IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET']);

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Tok[], private readonly src: string) {}

  private peek(): Tok | undefined { return this.toks[this.i]; }
  private isWord(v: string): boolean { const t = this.peek(); return t !== undefined && t.t === 'word' && t.v === v; }
  private isPunct(v: string): boolean { const t = this.peek(); return t !== undefined && t.t === 'punct' && t.v === v; }
  private where(): string { const t = this.peek(); return t ? `at ${t.pos + 1}` : 'at the end'; }
  private expectPunct(v: string): Tok {
    const t = this.peek();
    if (!t || t.t !== 'punct' || t.v !== v) throw new PatternError(`"${v}" expected ${this.where()}`);
    this.i++;
    return t;
  }
  private enter(): void { if (++this.depth > MAX_DEPTH) throw new PatternError('pattern nested too deeply'); }

  parse(): ObsExpr {
    const e = this.obsFollowed();
    if (this.i < this.toks.length) throw new PatternError(`unexpected ${this.where()}`);
    return e;
  }

  private obsFollowed(): ObsExpr { return this.chain('FOLLOWEDBY', 'followedby', () => this.obsOr()); }
  private obsOr(): ObsExpr { return this.chain('OR', 'or', () => this.obsAnd()); }
  private obsAnd(): ObsExpr { return this.chain('AND', 'and', () => this.obsQualified()); }

  private chain(word: string, kind: 'and' | 'or' | 'followedby', next: () => ObsExpr): ObsExpr {
    const first = next();
    if (!this.isWord(word)) return first;
    const items = [first];
    while (this.isWord(word)) { this.i++; items.push(next()); }
    return { kind, items };
  }

  private obsQualified(): ObsExpr {
    let e = this.obsAtom();
    for (;;) {
      const t = this.peek();
      if (!t || t.t !== 'word') return e;
      const start = t.pos;
      if (t.v === 'WITHIN') { this.i++; this.literal(); this.word('SECONDS'); }
      else if (t.v === 'REPEATS') { this.i++; this.literal(); this.word('TIMES'); }
      else if (t.v === 'START') { this.i++; this.literal(); this.word('STOP'); this.literal(); }
      else return e;
      const end = (this.toks[this.i - 1] as Tok).end;
      e = { kind: 'qualified', inner: e, qualifier: this.src.slice(start, end) };
    }
  }

  private word(v: string): void {
    if (!this.isWord(v)) throw new PatternError(`"${v}" expected ${this.where()}`);
    this.i++;
  }

  private literal(): Literal {
    const t = this.peek();
    if (!t || t.t !== 'lit') throw new PatternError(`value expected ${this.where()}`);
    this.i++;
    return t.v;
  }

  private obsAtom(): ObsExpr {
    this.enter();
    try {
      if (this.isPunct('[')) {
        this.i++;
        const expr = this.compOr();
        this.expectPunct(']');
        return { kind: 'obs', expr };
      }
      if (this.isPunct('(')) {
        this.i++;
        const e = this.obsFollowed();
        this.expectPunct(')');
        return e;
      }
      throw new PatternError(`"[" expected ${this.where()}`);
    } finally {
      this.depth--;
    }
  }

  private compOr(): CompExpr {
    const first = this.compAnd();
    if (!this.isWord('OR')) return first;
    const items = [first];
    while (this.isWord('OR')) { this.i++; items.push(this.compAnd()); }
    return { kind: 'or', items };
  }

  private compAnd(): CompExpr {
    const first = this.compAtom();
    if (!this.isWord('AND')) return first;
    const items = [first];
    while (this.isWord('AND')) { this.i++; items.push(this.compAtom()); }
    return { kind: 'and', items };
  }

  private compAtom(): CompExpr {
    this.enter();
    try {
      if (this.isPunct('(')) {
        this.i++;
        const e = this.compOr();
        this.expectPunct(')');
        return e;
      }
      const start = this.peek();
      if (start && start.t === 'word' && start.v === 'EXISTS') {
        this.i++;
        const p = this.peek();
        if (!p || p.t !== 'path') throw new PatternError(`object path expected ${this.where()}`);
        this.i++;
        return { kind: 'cmp', path: p.v, negated: false, op: 'EXISTS', values: [], text: this.src.slice(start.pos, p.end) };
      }
      if (!start || start.t !== 'path') throw new PatternError(`object path expected ${this.where()}`);
      this.i++;
      let negated = false;
      if (this.isWord('NOT')) { negated = true; this.i++; }
      const opTok = this.peek();
      if (!opTok || (opTok.t !== 'punct' && opTok.t !== 'word') || !COMPARE_OPS.has(opTok.v)) {
        throw new PatternError(`comparison operator expected ${this.where()}`);
      }
      this.i++;
      const values: Literal[] = [];
      if (opTok.v === 'IN') {
        this.expectPunct('(');
        values.push(this.literal());
        while (this.isPunct(',')) { this.i++; values.push(this.literal()); }
        this.expectPunct(')');
      } else {
        values.push(this.literal());
      }
      const end = (this.toks[this.i - 1] as Tok).end;
      return { kind: 'cmp', path: start.v, negated, op: opTok.v, values, text: this.src.slice(start.pos, end) };
    } finally {
      this.depth--;
    }
  }
}

/** Parses a STIX pattern; throws `PatternError` with the position of the first problem. */
export function parsePattern(pattern: string): ObsExpr {
  if (pattern.length > MAX_PATTERN_LENGTH) throw new PatternError(`pattern longer than ${MAX_PATTERN_LENGTH} characters`);
  return new Parser(tokenize(pattern), pattern).parse();
}
