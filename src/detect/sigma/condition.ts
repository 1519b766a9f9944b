// The `condition` language: identifiers, and/or/not, parentheses, `N of pattern`, `all of pattern`,
// with `them` meaning every identifier not starting with `_`. Precedence, loosest first:
// or, and, not, `x of`, parentheses (spec: "Condition").

/** A parsed condition before `of` expressions are resolved against the rule's identifiers. */
export type CondAst =
  | { t: 'id'; name: string }
  | { t: 'and'; a: CondAst[] }
  | { t: 'or'; a: CondAst[] }
  | { t: 'not'; a: CondAst }
  | { t: 'of'; count: number | 'all'; pattern: string };

/** Thrown for a condition that cannot be parsed; `unsupported` marks valid-but-unhandled syntax. */
export class ConditionError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

type Tok = { v: string; at: number };

/** Deepest nesting of parentheses and `not` a condition may have: real rules use a handful. */
export const MAX_CONDITION_DEPTH = 64;
/** Longest condition text accepted. */
export const MAX_CONDITION_LENGTH = 16_384;

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ v: c, at: i });
      i++;
      continue;
    }
    if (c === '|') {
      throw new ConditionError(
        `aggregation expression "${src.slice(i).trim()}" (Sigma 1.x) is not supported; use a correlation rule`,
        true,
      );
    }
    const start = i;
    while (i < src.length && !/[\s()|]/.test(src[i]!)) i++;
    out.push({ v: src.slice(start, i), at: start });
  }
  return out;
}

/** Parses one condition string. Throws `ConditionError` with the offending position. */
export function parseCondition(src: string): CondAst {
  if (src.length > MAX_CONDITION_LENGTH) throw new ConditionError(`the condition is ${src.length} characters long (limit ${MAX_CONDITION_LENGTH})`);
  const toks = tokenize(src);
  let p = 0;
  // The parser recurses per level: a bound keeps a hostile rule from exhausting the stack.
  let depth = 0;
  const deeper = (): void => {
    if (++depth > MAX_CONDITION_DEPTH) fail(`nested more than ${MAX_CONDITION_DEPTH} levels deep (parentheses and not)`);
  };
  const peek = (): string | undefined => toks[p]?.v.toLowerCase();
  const fail = (msg: string): never => {
    const t = toks[p];
    throw new ConditionError(`${msg} ${t ? `at "${t.v}" (column ${t.at + 1})` : 'at end of condition'}`);
  };

  const parseOr = (): CondAst => {
    const a = [parseAnd()];
    while (peek() === 'or') {
      p++;
      a.push(parseAnd());
    }
    return a.length === 1 ? a[0]! : { t: 'or', a };
  };
  const parseAnd = (): CondAst => {
    const a = [parseNot()];
    while (peek() === 'and') {
      p++;
      a.push(parseNot());
    }
    return a.length === 1 ? a[0]! : { t: 'and', a };
  };
  const parseNot = (): CondAst => {
    if (peek() === 'not') {
      p++;
      deeper();
      const a = parseNot();
      depth--;
      return { t: 'not', a };
    }
    return parsePrimary();
  };
  const parsePrimary = (): CondAst => {
    const t = toks[p];
    if (!t) return fail('expected an identifier');
    const v = t.v.toLowerCase();
    if (v === '(') {
      p++;
      deeper();
      const e = parseOr();
      depth--;
      if (peek() !== ')') fail('expected ")"');
      p++;
      return e;
    }
    if (v === ')' || v === 'and' || v === 'or' || v === 'of') return fail('unexpected');
    if (toks[p + 1]?.v.toLowerCase() === 'of') {
      let count: number | 'all';
      if (v === 'all') count = 'all';
      else if (v === 'any') count = 1;
      else if (/^[0-9]+$/.test(v) && Number(v) >= 1) count = Number(v);
      else return fail('expected "1", "all" or a number before "of"');
      p += 2;
      const pat = toks[p];
      if (!pat || pat.v === '(' || pat.v === ')') return fail('expected a pattern or "them" after "of"');
      p++;
      return { t: 'of', count, pattern: pat.v };
    }
    p++;
    return { t: 'id', name: t.v };
  };

  if (toks.length === 0) throw new ConditionError('empty condition');
  const ast = parseOr();
  if (p < toks.length) fail('unexpected');
  return ast;
}

/** Identifiers an `of` pattern selects, in declaration order. `them` skips `_`-prefixed names. */
export function resolveOf(pattern: string, identifiers: readonly string[]): string[] {
  if (pattern.toLowerCase() === 'them') return identifiers.filter((n) => !n.startsWith('_'));
  if (!pattern.includes('*')) return identifiers.filter((n) => n === pattern);
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return identifiers.filter((n) => re.test(n));
}
