// A small, safe expression language for playbooks: property paths, literals, comparisons,
// and/or/not, `in`, `+`/`-` and a fixed set of functions. It is parsed by hand into a tree and
// evaluated by walking it: there is no `eval`, no `Function`, no access to prototypes, no regular
// expressions built from playbook text, and every evaluation is bounded in steps and sizes.
import { globMatch } from '../core/glob.js';
import { SEVERITIES } from '../core/types.js';

const MAX_SOURCE = 2_000;
const MAX_TOKENS = 400;
const MAX_DEPTH = 32;
const MAX_STEPS = 20_000;
const MAX_LIST = 10_000;
const MAX_STRING = 65_536;

/** A parse or evaluation problem; `column` is 1-based within the expression. */
export class ExprError extends Error {
  constructor(
    message: string,
    readonly column?: number,
  ) {
    super(column === undefined ? message : `${message} (column ${column})`);
    this.name = 'ExprError';
  }
}

export type Node =
  | { k: 'lit'; v: unknown }
  | { k: 'id'; name: string; at: number }
  | { k: 'mem'; obj: Node; prop: string }
  | { k: 'idx'; obj: Node; index: Node }
  | { k: 'call'; fn: string; args: Node[]; at: number }
  | { k: 'list'; items: Node[] }
  | { k: 'not'; arg: Node }
  | { k: 'neg'; arg: Node }
  | { k: 'bin'; op: BinOp; l: Node; r: Node };

type BinOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | '+' | '-' | 'and' | 'or';

type Tok = { t: 'num'; v: number; at: number } | { t: 'str'; v: string; at: number } | { t: 'name'; v: string; at: number } | { t: 'op'; v: string; at: number };

const PUNCT = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', ',', '.', '+', '-'];

function tokenize(src: string): Tok[] {
  if (src.length > MAX_SOURCE) throw new ExprError(`expression longer than ${MAX_SOURCE} characters`);
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (out.length >= MAX_TOKENS) throw new ExprError(`expression has more than ${MAX_TOKENS} tokens`);
    const at = i + 1;
    const prev = out[out.length - 1];
    // After a dot, a property name may hold dashes and start with a digit: `steps.create-task-1`, `list.0`.
    if (prev?.t === 'op' && prev.v === '.') {
      const m = /^[A-Za-z0-9_][A-Za-z0-9_-]*/.exec(src.slice(i, i + 200));
      if (!m) throw new ExprError('a property name must follow "."', at);
      out.push({ t: 'name', v: m[0], at });
      i += m[0].length;
      continue;
    }
    if (c >= '0' && c <= '9') {
      const m = /^\d+(\.\d+)?/.exec(src.slice(i, i + 40))!;
      out.push({ t: 'num', v: Number(m[0]), at });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let s = '';
      let j = i + 1;
      for (;;) {
        if (j >= src.length) throw new ExprError('unterminated string', at);
        const d = src[j]!;
        if (d === c) break;
        if (d === '\\') {
          const e = src[j + 1];
          if (e === undefined) throw new ExprError('unterminated string', at);
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
          continue;
        }
        s += d;
        j++;
      }
      out.push({ t: 'str', v: s, at });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i, i + 200))!;
      out.push({ t: 'name', v: m[0], at });
      i += m[0].length;
      continue;
    }
    const p = PUNCT.find((x) => src.startsWith(x, i));
    if (!p) throw new ExprError(`unexpected "${c}"`, at);
    out.push({ t: 'op', v: p, at });
    i += p.length;
  }
  return out;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly src: string,
  ) {}

  private peek(): Tok | undefined {
    return this.toks[this.i];
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'op' && t.v === v;
  }

  private isWord(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'name' && t.v === v;
  }

  private expectOp(v: string): void {
    if (!this.isOp(v)) throw this.unexpected(`expected "${v}"`);
    this.i++;
  }

  private unexpected(why: string): ExprError {
    const t = this.peek();
    if (!t) return new ExprError(`${why} but the expression ends`, this.src.length + 1);
    return new ExprError(`${why}, found "${t.t === 'str' ? JSON.stringify(t.v) : String(t.v)}"`, t.at);
  }

  parse(): Node {
    if (!this.toks.length) throw new ExprError('empty expression');
    const n = this.or();
    if (this.i < this.toks.length) throw this.unexpected('expected the end of the expression');
    return n;
  }

  private nest<T>(f: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new ExprError(`expression nested deeper than ${MAX_DEPTH}`, this.peek()?.at);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private or(): Node {
    let l = this.and();
    while (this.isWord('or') || this.isOp('||')) {
      this.i++;
      l = { k: 'bin', op: 'or', l, r: this.and() };
    }
    return l;
  }

  private and(): Node {
    let l = this.not();
    while (this.isWord('and') || this.isOp('&&')) {
      this.i++;
      l = { k: 'bin', op: 'and', l, r: this.not() };
    }
    return l;
  }

  private not(): Node {
    if (this.isWord('not') || this.isOp('!')) {
      this.i++;
      return this.nest(() => ({ k: 'not', arg: this.not() }));
    }
    return this.cmp();
  }

  private cmp(): Node {
    const l = this.add();
    const t = this.peek();
    if (t?.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      this.i++;
      return { k: 'bin', op: t.v as BinOp, l, r: this.add() };
    }
    if (this.isWord('in')) {
      this.i++;
      return { k: 'bin', op: 'in', l, r: this.add() };
    }
    if (this.isWord('not') && this.toks[this.i + 1]?.t === 'name' && this.toks[this.i + 1]!.v === 'in') {
      this.i += 2;
      return { k: 'bin', op: 'not in', l, r: this.add() };
    }
    return l;
  }

  private add(): Node {
    let l = this.unary();
    while (this.isOp('+') || this.isOp('-')) {
      const op = (this.peek() as { v: string }).v as '+' | '-';
      this.i++;
      l = { k: 'bin', op, l, r: this.unary() };
    }
    return l;
  }

  private unary(): Node {
    if (this.isOp('-')) {
      this.i++;
      return this.nest(() => ({ k: 'neg', arg: this.unary() }));
    }
    return this.postfix();
  }

  private postfix(): Node {
    let n = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const t = this.peek();
        if (!t || t.t !== 'name') throw this.unexpected('a property name must follow "."');
        this.i++;
        n = { k: 'mem', obj: n, prop: t.v };
      } else if (this.isOp('[')) {
        this.i++;
        const index = this.nest(() => this.or());
        this.expectOp(']');
        n = { k: 'idx', obj: n, index };
      } else return n;
    }
  }

  private primary(): Node {
    const t = this.peek();
    if (!t) throw this.unexpected('expected a value');
    if (t.t === 'num' || t.t === 'str') {
      this.i++;
      return { k: 'lit', v: t.v };
    }
    if (t.t === 'op' && t.v === '(') {
      this.i++;
      const n = this.nest(() => this.or());
      this.expectOp(')');
      return n;
    }
    if (t.t === 'op' && t.v === '[') {
      this.i++;
      const items: Node[] = [];
      if (!this.isOp(']')) {
        for (;;) {
          items.push(this.nest(() => this.or()));
          if (this.isOp(',')) {
            this.i++;
            continue;
          }
          break;
        }
      }
      this.expectOp(']');
      return { k: 'list', items };
    }
    if (t.t === 'name') {
      this.i++;
      if (t.v === 'true') return { k: 'lit', v: true };
      if (t.v === 'false') return { k: 'lit', v: false };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (['and', 'or', 'not', 'in'].includes(t.v)) throw new ExprError(`"${t.v}" needs a value before it`, t.at);
      if (this.isOp('(')) {
        this.i++;
        const args: Node[] = [];
        if (!this.isOp(')')) {
          for (;;) {
            args.push(this.nest(() => this.or()));
            if (this.isOp(',')) {
              this.i++;
              continue;
            }
            break;
          }
        }
        this.expectOp(')');
        const fn = FUNCTIONS[t.v];
        if (!fn || !Object.hasOwn(FUNCTIONS, t.v)) throw new ExprError(`unknown function "${t.v}" (known: ${Object.keys(FUNCTIONS).join(', ')})`, t.at);
        if (args.length < fn.min || args.length > fn.max) {
          throw new ExprError(`${t.v}() takes ${fn.min === fn.max ? fn.min : `${fn.min} to ${fn.max}`} argument${fn.max === 1 ? '' : 's'}, not ${args.length}`, t.at);
        }
        return { k: 'call', fn: t.v, args, at: t.at };
      }
      return { k: 'id', name: t.v, at: t.at };
    }
    throw this.unexpected('expected a value');
  }
}

/** Parses an expression; throws `ExprError` naming the column. */
export function parseExpression(src: string): Node {
  return new Parser(tokenize(src), src).parse();
}

// ---------------------------------------------------------------- evaluation

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function own(obj: unknown, key: string): unknown {
  if (obj === null || obj === undefined || typeof obj !== 'object' || FORBIDDEN.has(key)) return undefined;
  if (Array.isArray(obj)) {
    if (key === 'length') return obj.length;
    if (!/^\d+$/.test(key)) return undefined;
  }
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return Boolean(v);
}

const SEV = SEVERITIES as readonly string[];

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'string' && typeof b === 'string') {
    // Severity names compare by rank, so `case.severity >= 'HIGH'` means what it says.
    const ra = SEV.indexOf(a.toUpperCase());
    const rb = SEV.indexOf(b.toUpperCase());
    if (ra >= 0 && rb >= 0) return ra - rb;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const na = typeof a === 'number' ? a : typeof a === 'string' && a.trim() !== '' ? Number(a) : NaN;
  const nb = typeof b === 'number' ? b : typeof b === 'string' && b.trim() !== '' ? Number(b) : NaN;
  if ((typeof a === 'number' || typeof b === 'number') && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return undefined;
}

function equal(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  if (typeof a === 'number' || typeof b === 'number') {
    const c = compare(a, b);
    return c === 0;
  }
  return a === b;
}

function toText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(toText).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function cap(s: string): string {
  if (s.length > MAX_STRING) throw new ExprError(`a string grew beyond ${MAX_STRING} characters`);
  return s;
}

function list(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) {
    if (v.length > MAX_LIST) throw new ExprError(`a list grew beyond ${MAX_LIST} items`);
    return v;
  }
  return undefined;
}

// Wildcards are matched in linear time: no regular expression is built from playbook text.
export { globMatch } from '../core/glob.js';

type Fn = { min: number; max: number; doc: string; f: (args: unknown[]) => unknown };

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : toText(v));

/** The functions expressions may call; nothing else is reachable. */
export const FUNCTIONS: Record<string, Fn> = {
  lower: { min: 1, max: 1, doc: 'lower-case text', f: ([v]) => str(v)?.toLowerCase() },
  upper: { min: 1, max: 1, doc: 'upper-case text', f: ([v]) => str(v)?.toUpperCase() },
  trim: { min: 1, max: 1, doc: 'text without surrounding spaces', f: ([v]) => str(v)?.trim() },
  length: {
    min: 1,
    max: 1,
    doc: 'items in a list, characters in a text, keys in an object (0 for null)',
    f: ([v]) => (Array.isArray(v) ? v.length : typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  },
  join: {
    min: 1,
    max: 2,
    doc: 'a list as text, `, ` between items unless a separator is given',
    f: ([v, sep]) => (Array.isArray(v) ? cap(list(v)!.map(toText).join(sep === undefined ? ', ' : toText(sep))) : str(v)),
  },
  split: {
    min: 2,
    max: 2,
    doc: 'text cut at a separator (at most 1,000 parts)',
    f: ([v, sep]) => (typeof v === 'string' ? v.split(toText(sep), 1000) : undefined),
  },
  contains: {
    min: 2,
    max: 2,
    doc: 'whether a list holds a value, or a text holds a piece of text',
    f: ([h, n]) => (Array.isArray(h) ? h.some((x) => equal(x, n)) : typeof h === 'string' ? h.includes(toText(n)) : false),
  },
  starts_with: { min: 2, max: 2, doc: 'whether text starts with a prefix', f: ([v, p]) => typeof v === 'string' && v.startsWith(toText(p)) },
  ends_with: { min: 2, max: 2, doc: 'whether text ends with a suffix', f: ([v, p]) => typeof v === 'string' && v.endsWith(toText(p)) },
  matches: {
    min: 2,
    max: 2,
    doc: 'whether text matches a `*`/`?` wildcard pattern, ignoring case',
    f: ([v, p]) => typeof v === 'string' && typeof p === 'string' && globMatch(v, p),
  },
  when: { min: 3, max: 3, doc: 'the second value when the first is true, else the third: `when(item.verdict == "malicious", "24h", "6h")`', f: ([c, a, b]) => (truthy(c) ? a : b) },
  default: { min: 2, max: 2, doc: 'the first value unless it is null, missing or empty text, else the second', f: ([a, b]) => (a === undefined || a === null || a === '' ? b : a) },
  unique: { min: 1, max: 1, doc: 'a list without repeated values', f: ([v]) => (Array.isArray(v) ? [...new Set(list(v))] : undefined) },
  first: { min: 1, max: 1, doc: 'the first item of a list', f: ([v]) => (Array.isArray(v) ? v[0] : undefined) },
  last: { min: 1, max: 1, doc: 'the last item of a list', f: ([v]) => (Array.isArray(v) ? v[v.length - 1] : undefined) },
  pluck: {
    min: 2,
    max: 2,
    doc: 'one field of every object in a list: `pluck(case.observables, "value")`',
    f: ([v, field]) => (Array.isArray(v) ? list(v)!.map((x) => own(x, toText(field))).filter((x) => x !== undefined) : undefined),
  },
  where: {
    min: 3,
    max: 3,
    doc: 'the objects of a list whose field equals a value, or is one of a list of values: `where(case.observables, "verdict", ["malicious", "suspicious"])`',
    f: ([v, field, want]) => {
      if (!Array.isArray(v)) return undefined;
      const key = toText(field);
      const wanted = Array.isArray(want) ? want : [want];
      return list(v)!.filter((x) => wanted.some((w) => equal(own(x, key), w)));
    },
  },
  string: { min: 1, max: 1, doc: 'a value as text (lists joined with `, `)', f: ([v]) => cap(toText(v)) },
  number: {
    min: 1,
    max: 1,
    doc: 'a value as a number (null when it is not one)',
    f: ([v]) => {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      return Number.isFinite(n) ? n : null;
    },
  },
  severity_rank: { min: 1, max: 1, doc: 'LOW 0, MEDIUM 1, HIGH 2, CRITICAL 3 (-1 otherwise)', f: ([v]) => (typeof v === 'string' ? SEV.indexOf(v.toUpperCase()) : -1) },
};

export interface EvalState {
  steps: number;
  /** Dotted paths that were looked up and not found. */
  missing: string[];
}

function pathOf(n: Node): string | undefined {
  if (n.k === 'id') return n.name;
  if (n.k === 'mem') {
    const p = pathOf(n.obj);
    return p === undefined ? undefined : `${p}.${n.prop}`;
  }
  if (n.k === 'idx' && n.index.k === 'lit') {
    const p = pathOf(n.obj);
    return p === undefined ? undefined : `${p}[${JSON.stringify(n.index.v)}]`;
  }
  return undefined;
}

function ev(n: Node, scope: Record<string, unknown>, st: EvalState): unknown {
  if (++st.steps > MAX_STEPS) throw new ExprError(`expression took more than ${MAX_STEPS} steps`);
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'id': {
      const v = own(scope, n.name);
      if (v === undefined) st.missing.push(n.name);
      return v;
    }
    case 'mem':
    case 'idx': {
      const obj = ev(n.obj, scope, st);
      if (obj === undefined) return undefined;
      const key = n.k === 'mem' ? n.prop : ev(n.index, scope, st);
      const v = typeof key === 'number' || typeof key === 'string' ? own(obj, String(key)) : undefined;
      if (v === undefined) {
        const p = pathOf(n);
        if (p !== undefined) st.missing.push(p);
      }
      return v;
    }
    case 'list':
      return n.items.map((x) => ev(x, scope, st));
    case 'not':
      return !truthy(ev(n.arg, scope, st));
    case 'neg': {
      const v = ev(n.arg, scope, st);
      return typeof v === 'number' ? -v : undefined;
    }
    case 'call': {
      const args = n.args.map((a) => ev(a, scope, st));
      return FUNCTIONS[n.fn]!.f(args);
    }
    case 'bin': {
      if (n.op === 'and') {
        const l = ev(n.l, scope, st);
        return truthy(l) ? ev(n.r, scope, st) : l;
      }
      if (n.op === 'or') {
        const l = ev(n.l, scope, st);
        return truthy(l) ? l : ev(n.r, scope, st);
      }
      const l = ev(n.l, scope, st);
      const r = ev(n.r, scope, st);
      switch (n.op) {
        case '==':
          return equal(l, r);
        case '!=':
          return !equal(l, r);
        case '<':
        case '<=':
        case '>':
        case '>=': {
          const c = compare(l, r);
          if (c === undefined) return false;
          return n.op === '<' ? c < 0 : n.op === '<=' ? c <= 0 : n.op === '>' ? c > 0 : c >= 0;
        }
        case 'in':
        case 'not in': {
          const has = Array.isArray(r) ? r.some((x) => equal(l, x)) : typeof r === 'string' && l !== undefined && l !== null ? r.includes(toText(l)) : false;
          return n.op === 'in' ? has : !has;
        }
        case '+':
          if (typeof l === 'number' && typeof r === 'number') return l + r;
          if (Array.isArray(l) && Array.isArray(r)) return list([...l, ...r]);
          if (l === undefined || r === undefined) return undefined;
          return cap(toText(l) + toText(r));
        case '-':
          return typeof l === 'number' && typeof r === 'number' ? l - r : undefined;
      }
    }
  }
  return undefined;
}

/** Evaluates a parsed expression against a scope; paths that do not exist give `undefined`. */
export function evaluate(n: Node, scope: Record<string, unknown>, st: EvalState = { steps: 0, missing: [] }): unknown {
  return ev(n, scope, st);
}

const cache = new Map<string, Node | ExprError>();

/** Parses with a bounded cache: the same expression text is parsed once per process. */
export function compile(src: string): Node {
  let n = cache.get(src);
  if (!n) {
    try {
      n = parseExpression(src);
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      n = e;
    }
    if (cache.size > 5_000) cache.clear();
    cache.set(src, n);
  }
  if (n instanceof ExprError) throw n;
  return n;
}

/** Every `steps.<id>` an expression refers to, and its root names, for load-time checks. */
export function references(n: Node): { roots: Set<string>; steps: Set<string> } {
  const roots = new Set<string>();
  const steps = new Set<string>();
  const walk = (x: Node): void => {
    switch (x.k) {
      case 'id':
        roots.add(x.name);
        return;
      case 'mem':
        if (x.obj.k === 'id' && x.obj.name === 'steps') steps.add(x.prop);
        walk(x.obj);
        return;
      case 'idx':
        if (x.obj.k === 'id' && x.obj.name === 'steps' && x.index.k === 'lit' && typeof x.index.v === 'string') steps.add(x.index.v);
        walk(x.obj);
        walk(x.index);
        return;
      case 'call':
        x.args.forEach(walk);
        return;
      case 'list':
        x.items.forEach(walk);
        return;
      case 'not':
      case 'neg':
        walk(x.arg);
        return;
      case 'bin':
        walk(x.l);
        walk(x.r);
        return;
      case 'lit':
        return;
    }
  };
  walk(n);
  return { roots, steps };
}
