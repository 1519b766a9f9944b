// Turns a rule's `detection` into one closure per rule plus an index hint ("need"): a set of
// (field, literal) pairs of which at least one must occur in the event for the rule to match.
import ipaddr from 'ipaddr.js';
import { AhoCorasick } from './ahocorasick.js';
import { ConditionError, parseCondition, resolveOf, type CondAst } from './condition.js';
import { View, viewOf, type EventContext, type FieldTable } from './context.js';
import { base64, base64Offsets, latin1, utf16Bytes, utf8Bytes } from './encode.js';
import {
  affixListTest,
  compilePattern,
  hasWildcards,
  literalPattern,
  longestLiteral,
  mapLiterals,
  parsePattern,
  patternText,
  STAR,
  wrapPattern,
  type Pattern,
  type StringTest,
} from './pattern.js';
import { RegexError, compileRegex, regexNeedles } from './regex.js';

/** A rule problem found while compiling; `field` is the dotted path inside the rule. */
export class RuleCompileError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'unsupported',
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A compiled predicate over the current event. */
export type Test = (ctx: EventContext) => boolean;

/** One literal the indexer can look for: `text` is lower-cased with dashes unified. */
export interface Needle {
  slot: number;
  text: string;
}

/** Needles of which one must occur for a match, or null when the rule cannot be pre-filtered. */
export type Need = Needle[] | null;

/** A compiled detection or part of one: its test and its index hint. */
export interface Compiled {
  test: Test;
  need: Need;
}

/** Options that change how rules compile. */
export interface CompileOptions {
  /**
   * Values for `expand` placeholders: `%Servers%` → `Servers: ['srv*', 'dc01']`. A rule using a
   * placeholder not listed here is reported unsupported.
   */
  placeholders?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Rule field name → where the value lives in events (`Image` → `process.executable`). Several
   * targets mean "any of them". Names not listed are used as written.
   */
  fieldMap?: Readonly<Record<string, string | readonly string[]>>;
}

const KNOWN_MODIFIERS = new Set([
  'contains', 'startswith', 'endswith', 'all', 'cased', 'exists', 'neq',
  'windash', 're', 'i', 'm', 's', 'base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide',
  'lt', 'lte', 'gt', 'gte', 'minute', 'hour', 'day', 'week', 'month', 'year',
  'cidr', 'expand', 'fieldref',
]);
const TIME_PARTS = new Set(['minute', 'hour', 'day', 'week', 'month', 'year']);
const COMPARE = new Set(['lt', 'lte', 'gt', 'gte']);
const MAX_ALTERNATIVES = 4096;
const LIST_AUTOMATON_MIN = 8;

/** Compiles a rule's detection section. Throws `RuleCompileError`. */
export function compileDetection(detection: Record<string, unknown>, fields: FieldTable, opts: CompileOptions = {}): Compiled {
  const ids = new Map<string, Compiled>();
  for (const [name, value] of Object.entries(detection)) {
    if (name === 'condition' || name === 'timeframe') continue;
    ids.set(name, compileIdentifier(value, `detection.${name}`, fields, opts));
  }
  const cond = detection['condition'];
  const conds = Array.isArray(cond) ? cond : [cond];
  if (conds.length === 0 || conds.some((c) => typeof c !== 'string')) {
    throw new RuleCompileError('condition must be a string or a list of strings', 'invalid', 'detection.condition');
  }
  const parts = (conds as string[]).map((c) => {
    let ast: CondAst;
    try {
      ast = parseCondition(c);
    } catch (e) {
      if (e instanceof ConditionError) {
        throw new RuleCompileError(e.message, e.unsupported ? 'unsupported' : 'invalid', 'detection.condition');
      }
      throw e;
    }
    return compileCondition(ast, ids);
  });
  return parts.length === 1 ? parts[0]! : anyOf(parts);
}

function compileCondition(ast: CondAst, ids: Map<string, Compiled>): Compiled {
  switch (ast.t) {
    case 'id': {
      const c = ids.get(ast.name);
      if (!c) throw new RuleCompileError(`condition refers to "${ast.name}", which the detection does not define`, 'invalid', 'detection.condition');
      return c;
    }
    case 'and':
      return allOf(ast.a.map((x) => compileCondition(x, ids)));
    case 'or':
      return anyOf(ast.a.map((x) => compileCondition(x, ids)));
    case 'not': {
      const inner = compileCondition(ast.a, ids).test;
      return { test: (ctx) => !inner(ctx), need: null };
    }
    case 'of': {
      const names = resolveOf(ast.pattern, [...ids.keys()]);
      if (names.length === 0) {
        throw new RuleCompileError(`"${ast.pattern}" in the condition matches no search identifier`, 'invalid', 'detection.condition');
      }
      const items = names.map((n) => ids.get(n)!);
      if (ast.count === 'all') return allOf(items);
      if (ast.count === 1) return anyOf(items);
      const n = ast.count;
      const tests = items.map((i) => i.test);
      return {
        test: (ctx) => {
          let hits = 0;
          for (const t of tests) if (t(ctx) && ++hits >= n) return true;
          return false;
        },
        need: unionNeeds(items.map((i) => i.need)),
      };
    }
  }
}

function allOf(items: Compiled[]): Compiled {
  if (items.length === 1) return items[0]!;
  const tests = items.map((i) => i.test);
  const test: Test =
    tests.length === 2
      ? ((a, b) => (ctx: EventContext) => a(ctx) && b(ctx))(tests[0]!, tests[1]!)
      : (ctx) => {
          for (const t of tests) if (!t(ctx)) return false;
          return true;
        };
  return { test, need: bestNeed(items.map((i) => i.need)) };
}

function anyOf(items: Compiled[]): Compiled {
  if (items.length === 1) return items[0]!;
  const tests = items.map((i) => i.test);
  return {
    test: (ctx) => {
      for (const t of tests) if (t(ctx)) return true;
      return false;
    },
    need: unionNeeds(items.map((i) => i.need)),
  };
}

function unionNeeds(needs: Need[]): Need {
  const out: Needle[] = [];
  const seen = new Set<string>();
  for (const n of needs) {
    if (n === null) return null;
    for (const x of n) {
      const k = `${x.slot}\u0000${x.text}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(x);
    }
  }
  return out;
}

// Substrings nearly every Windows process event contains: needles made only of these filter little.
const COMMON_TEXT = [
  'c:\\windows\\system32\\', 'c:\\windows\\syswow64\\', 'c:\\program files (x86)\\', 'c:\\programdata\\',
  'c:\\users\\', '\\appdata\\local\\temp\\', '\\appdata\\roaming\\', '.exe', '.dll', '\\windows\\system32\\cmd.exe',
  '\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe', '\\windows\\explorer.exe', '\\windows\\system32\\svchost.exe',
  '\\windows\\system32\\rundll32.exe', '\\windows\\system32\\conhost.exe', ' -c ', ' -', ' --', 'https://', 'http://',
];

/** Rough chance a needle occurs in an unrelated event: 1 for well-known common text. */
export function needleCost(text: string): number {
  if (text.length === 0) return 1;
  if (COMMON_TEXT.some((c) => c.includes(text))) return 1;
  // Roughly how often a random-looking literal of this length turns up in event text.
  return Math.pow(2, -Math.min(text.length, 24));
}

function needCost(n: Needle[]): number {
  let c = 0;
  for (const x of n) c += needleCost(x.text);
  return c;
}

function bestNeed(needs: Need[]): Need {
  let best: Needle[] | null = null;
  let bestCost = Infinity;
  for (const n of needs) {
    if (n === null || n.length === 0) continue;
    const c = needCost(n);
    if (c < bestCost) {
      best = n;
      bestCost = c;
    }
  }
  return best;
}

function compileIdentifier(value: unknown, path: string, fields: FieldTable, opts: CompileOptions): Compiled {
  if (isMap(value)) return compileMap(value, path, fields, opts);
  if (Array.isArray(value)) {
    if (value.length === 0) throw new RuleCompileError('empty list', 'invalid', path);
    const keywords: unknown[] = [];
    const parts: Compiled[] = [];
    value.forEach((item, i) => {
      if (isMap(item)) parts.push(compileMap(item, `${path}[${i}]`, fields, opts));
      else if (Array.isArray(item)) throw new RuleCompileError('nested lists are not allowed in a search identifier', 'invalid', `${path}[${i}]`);
      else keywords.push(item);
    });
    if (keywords.length) parts.unshift(compileItem(null, [], keywords, path, fields, opts));
    return anyOf(parts);
  }
  if (typeof value === 'string' || typeof value === 'number') return compileItem(null, [], [value], path, fields, opts);
  throw new RuleCompileError('a search identifier must be a map, a list of maps or a list of keywords', 'invalid', path);
}

function compileMap(map: Record<string, unknown>, path: string, fields: FieldTable, opts: CompileOptions): Compiled {
  const entries = Object.entries(map);
  if (entries.length === 0) throw new RuleCompileError('empty map', 'invalid', path);
  return allOf(
    entries.map(([key, value]) => {
      const [field = '', ...mods] = key.split('|');
      const values = Array.isArray(value) ? value : [value];
      if (field === '') return compileItem(null, mods, values, `${path}.${key}`, fields, opts);
      const mapped = opts.fieldMap?.[field];
      const targets = mapped === undefined ? [field] : typeof mapped === 'string' ? [mapped] : [...mapped];
      return anyOf(targets.map((t) => compileItem(t, mods, values, `${path}.${key}`, fields, opts)));
    }),
  );
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// A value on its way through transformation modifiers: still Sigma string syntax, or already
// exact text / bytes produced by an encoder.
type Alt = { text: string; exact: boolean; cased: boolean } | { bytes: Uint8Array };

/** Compiles `field|mods: values`; `field` null means a keyword search over all values. */
function compileItem(
  field: string | null,
  rawMods: string[],
  values: unknown[],
  path: string,
  fields: FieldTable,
  opts: CompileOptions,
): Compiled {
  const mods = rawMods.map((m) => m.toLowerCase());
  for (const m of mods) {
    if (!KNOWN_MODIFIERS.has(m)) throw new RuleCompileError(`unknown modifier "${m}"`, 'unsupported', path);
  }
  const has = (m: string): boolean => mods.includes(m);
  if (values.length === 0) throw new RuleCompileError('empty value list', 'invalid', path);
  for (const v of values) {
    if (v !== null && typeof v === 'object') throw new RuleCompileError('values must be scalars', 'invalid', path);
  }
  const slot = field === null ? -1 : fields.slot(field);
  const needsField = (what: string): void => {
    if (field === null) throw new RuleCompileError(`"${what}" needs a field name`, 'invalid', path);
  };
  // `all` on a single value is discouraged by the spec but means the same as without it: accepted.
  const all = has('all');
  const combine = (parts: Compiled[]): Compiled => (all ? allOf(parts) : anyOf(parts));

  if (has('exists')) {
    needsField('exists');
    const want = values[0];
    if (values.length !== 1 || (typeof want !== 'boolean' && want !== 'true' && want !== 'false')) {
      throw new RuleCompileError('exists takes one boolean value', 'invalid', path);
    }
    const expect = want === true || want === 'true';
    return { test: (ctx) => (ctx.get(slot) !== undefined) === expect, need: null };
  }

  if (has('fieldref')) {
    needsField('fieldref');
    return combine(
      values.map((v) => {
        const ref = opts.fieldMap?.[String(v)];
        return compileFieldref(slot, ref === undefined ? String(v) : typeof ref === 'string' ? ref : (ref[0] ?? String(v)), mods, fields);
      }),
    );
  }

  const timePart = mods.find((m) => TIME_PARTS.has(m));
  const cmp = mods.find((m) => COMPARE.has(m));
  if (timePart || cmp) {
    needsField(cmp ?? timePart!);
    return combine(
      values.map((v) => {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (!Number.isFinite(n)) throw new RuleCompileError(`${cmp ?? timePart} needs a number, got ${JSON.stringify(v)}`, 'invalid', path);
        return { test: numericTest(slot, n, cmp ?? (has('neq') ? 'neq' : 'eq'), timePart), need: null };
      }),
    );
  }

  if (has('cidr')) {
    needsField('cidr');
    const neq = has('neq');
    return combine(
      values.map((v) => {
        const t = compileCidr(slot, String(v), path);
        return { test: neq ? (ctx) => ctx.get(slot) != null && !t(ctx) : t, need: null };
      }),
    );
  }

  if (has('re')) {
    for (const m of mods) {
      if (!['re', 'i', 'm', 's', 'all', 'neq'].includes(m)) {
        throw new RuleCompileError(`modifier "${m}" cannot be combined with re`, 'invalid', path);
      }
    }
    return combine(
      values.map((v) => {
        if (typeof v !== 'string') throw new RuleCompileError('re needs a string value', 'invalid', path);
        let rx;
        try {
          rx = compileRegex(v, { i: has('i'), m: has('m'), s: has('s') });
        } catch (e) {
          if (e instanceof RegexError) throw new RuleCompileError(e.message, 'unsupported', path);
          throw e;
        }
        const view = rx.lowered ? View.Lower : View.Raw;
        const t = onText(slot, view, rx.test);
        const lits = rx.glob ? [longestLiteral(rx.glob)] : regexNeedles(v);
        const need =
          slot >= 0 && lits && lits.every((l) => l && /^[\x20-\x7e]*$/.test(l))
            ? lits.map((l) => ({ slot, text: viewOf(l, View.LowerDash) }))
            : null;
        return has('neq') ? { test: (ctx) => ctx.get(slot) != null && !t(ctx), need: null } : { test: t, need };
      }),
    );
  }

  // Plain null: the field is absent or null. Kept apart from strings since null has no text form.
  if (values.length === 1 && values[0] === null && mods.every((m) => m === 'neq')) {
    needsField('null');
    return has('neq')
      ? { test: (ctx) => ctx.get(slot) != null, need: null }
      : { test: (ctx) => ctx.get(slot) == null, need: null };
  }

  const cased = has('cased');
  const windash = has('windash');
  const groups: Alt[][] = [];
  for (const v of values) {
    if (v === null) throw new RuleCompileError('null cannot be part of a list of values; use a separate selection', 'invalid', path);
    let alts: Alt[] = [{ text: typeof v === 'string' ? v : String(v), exact: typeof v !== 'string', cased: false }];
    for (const m of mods) alts = transform(alts, m, path, opts);
    groups.push(alts);
  }
  const wrapBefore = has('contains') || has('endswith') || field === null;
  const wrapAfter = has('contains') || has('startswith') || field === null;
  const neq = has('neq');

  const toPatterns = (alts: Alt[]): { p: Pattern; view: View }[] =>
    alts.map((a) => {
      let p: Pattern;
      let exactCase = cased;
      if ('bytes' in a) {
        p = literalPattern(latin1(a.bytes));
        exactCase = true;
      } else {
        p = a.exact ? literalPattern(a.text) : parsePattern(a.text);
        exactCase ||= a.cased;
      }
      p = wrapPattern(p, wrapBefore, wrapAfter);
      const view = exactCase ? (windash ? View.RawDash : View.Raw) : windash ? View.LowerDash : View.Lower;
      p = mapLiterals(p, (s) => viewOf(s, view));
      return { p, view };
    });
  // OR over every value's alternatives is one alternative set, so long lists share one Set or
  // automaton; `all` keeps one set per value.
  const result = all ? allOf(groups.map((alts) => textAlternatives(slot, toPatterns(alts)))) : textAlternatives(slot, toPatterns(groups.flat()));
  if (neq) {
    const t = result.test;
    return { test: (ctx) => ctx.get(slot) != null && !t(ctx), need: null };
  }
  return result;
}

function transform(alts: Alt[], mod: string, path: string, opts: CompileOptions): Alt[] {
  const plain = (a: Alt, what: string): string => {
    if ('bytes' in a) throw new RuleCompileError(`${what} cannot follow an encoding modifier`, 'invalid', path);
    if (a.exact) return a.text;
    const p = parsePattern(a.text);
    if (hasWildcards(p)) throw new RuleCompileError(`${what} cannot encode a value with wildcards`, 'unsupported', path);
    return patternText(p);
  };
  const bytesOf = (a: Alt): Uint8Array => ('bytes' in a ? a.bytes : utf8Bytes(plain(a, 'base64')));
  switch (mod) {
    case 'expand':
      return alts.flatMap((a) => {
        if ('bytes' in a || a.exact) throw new RuleCompileError('expand must come before encoding modifiers', 'invalid', path);
        return expandPlaceholders(a.text, path, opts).map((text) => ({ text, exact: false, cased: a.cased }));
      });
    case 'utf16le':
    case 'wide':
      return alts.map((a) => ({ bytes: utf16Bytes(plain(a, mod), 'le', false) }));
    case 'utf16be':
      return alts.map((a) => ({ bytes: utf16Bytes(plain(a, mod), 'be', false) }));
    case 'utf16':
      return alts.map((a) => ({ bytes: utf16Bytes(plain(a, mod), 'le', true) }));
    // Base64 text is case-significant: matching it case-insensitively would accept other bytes.
    case 'base64':
      return alts.map((a) => ({ text: base64(bytesOf(a)), exact: true, cased: true }));
    case 'base64offset':
      return alts.flatMap((a) => base64Offsets(bytesOf(a)).map((text) => ({ text, exact: true, cased: true })));
    default:
      return alts;
  }
}

/**
 * `%name%` placeholders become the configured values (each a Sigma string, so wildcards work);
 * `\%` is a literal percent sign. Several placeholders in one value multiply out.
 */
function expandPlaceholders(text: string, path: string, opts: CompileOptions): string[] {
  let outs = [''];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '%') {
      outs = outs.map((o) => o + '%');
      i++;
      continue;
    }
    if (c === '%') {
      const end = text.indexOf('%', i + 1);
      if (end < 0) {
        outs = outs.map((o) => o + c);
        continue;
      }
      const name = text.slice(i + 1, end);
      const v = opts.placeholders?.[name];
      if (v === undefined) throw new RuleCompileError(`placeholder %${name}% has no configured values`, 'unsupported', path);
      const list = typeof v === 'string' ? [v] : [...v];
      if (list.length === 0) throw new RuleCompileError(`placeholder %${name}% is configured with no values`, 'unsupported', path);
      outs = outs.flatMap((o) => list.map((x) => o + x));
      if (outs.length > MAX_ALTERNATIVES) throw new RuleCompileError('placeholder expansion produces too many values', 'unsupported', path);
      i = end;
      continue;
    }
    outs = outs.map((o) => o + c);
  }
  return outs;
}

function onText(slot: number, view: View, t: StringTest): Test {
  if (slot < 0) {
    return (ctx) => {
      for (const s of ctx.keywords(view)) if (t(s)) return true;
      return false;
    };
  }
  return (ctx) => {
    const v = ctx.text(slot, view);
    if (typeof v === 'string') return t(v);
    if (v === undefined) return false;
    for (const s of v) if (t(s)) return true;
    return false;
  };
}

// OR over a value's alternatives. Exact values share one Set lookup; the rest run in order.
function textAlternatives(slot: number, pats: { p: Pattern; view: View }[]): Compiled {
  const byView = new Map<View, Pattern[]>();
  for (const { p, view } of pats) {
    const list = byView.get(view);
    if (list) list.push(p);
    else byView.set(view, [p]);
  }
  const tests: Test[] = [];
  for (const [view, ps] of byView) {
    const exact = new Set<string>();
    const rest: StringTest[] = [];
    const contains: string[] = [];
    const prefixes: string[] = [];
    const suffixes: string[] = [];
    for (const p of ps) {
      const [a, b, c] = p.parts;
      if (p.parts.length === 0) exact.add('');
      else if (p.parts.length === 1 && typeof a === 'string') exact.add(a);
      else if (p.parts.length === 3 && a === STAR && c === STAR && typeof b === 'string') contains.push(b);
      else if (p.parts.length === 2 && a === STAR && typeof b === 'string') suffixes.push(b);
      else if (p.parts.length === 2 && b === STAR && typeof a === 'string') prefixes.push(a);
      else rest.push(compilePattern(p));
    }
    // Long endswith/startswith lists (image names, install paths) cost one trie walk.
    for (const [list, fromEnd] of [[suffixes, true], [prefixes, false]] as const) {
      if (list.length >= LIST_AUTOMATON_MIN) rest.push(affixListTest(list, fromEnd));
      else for (const x of list) rest.push(fromEnd ? (v) => v.endsWith(x) : (v) => v.startsWith(x));
    }
    // Long `contains` lists (emoji, tool names, cmdlets) cost one pass instead of one per value.
    if (contains.length >= LIST_AUTOMATON_MIN) {
      const ac = new AhoCorasick(contains.map((text) => ({ text, id: 0 })));
      rest.push((v) => ac.test(v));
    } else for (const c of contains) rest.push((v) => v.includes(c));
    let st: StringTest;
    if (rest.length === 0) st = exact.size === 1 ? ((e) => (v: string) => v === e)([...exact][0]!) : (v) => exact.has(v);
    else if (exact.size === 0 && rest.length === 1) st = rest[0]!;
    else
      st = (v) => {
        if (exact.has(v)) return true;
        for (const r of rest) if (r(v)) return true;
        return false;
      };
    tests.push(onText(slot, view, st));
  }
  const test: Test =
    tests.length === 1
      ? tests[0]!
      : (ctx) => {
          for (const t of tests) if (t(ctx)) return true;
          return false;
        };
  let need: Need = null;
  if (slot >= 0) {
    need = [];
    // A Set, not a scan of `need`: value lists run to 100,000 entries and must compile in linear time.
    const seen = new Set<string>();
    for (const { p, view } of pats) {
      const lit = longestLiteral(p);
      // A case-sensitive non-ASCII literal may lower-case differently in context, so skip it.
      if (!lit || ((view === View.Raw || view === View.RawDash) && !/^[\x00-\x7f]*$/.test(lit))) {
        need = null;
        break;
      }
      const text = viewOf(lit, View.LowerDash);
      if (!seen.has(text)) {
        seen.add(text);
        need.push({ slot, text });
      }
    }
  }
  return { test, need };
}

function numericValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function timePartOf(v: unknown, part: string): number | undefined {
  let d: Date;
  if (typeof v === 'number') d = new Date(v);
  else if (typeof v === 'string') d = new Date(v.includes('T') || v.includes('Z') ? v : v.replace(' ', 'T') + 'Z');
  else return undefined;
  if (Number.isNaN(d.getTime())) return undefined;
  switch (part) {
    case 'minute':
      return d.getUTCMinutes();
    case 'hour':
      return d.getUTCHours();
    case 'day':
      return d.getUTCDate();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'year':
      return d.getUTCFullYear();
    default: {
      // ISO 8601 week: the week with the year's first Thursday is week 1.
      const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const day = t.getUTCDay() || 7;
      t.setUTCDate(t.getUTCDate() + 4 - day);
      const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
      return Math.ceil(((t.getTime() - yearStart) / 86400000 + 1) / 7);
    }
  }
}

function numericTest(slot: number, n: number, op: string, timePart: string | undefined): Test {
  const cmp = (x: number): boolean => {
    switch (op) {
      case 'lt':
        return x < n;
      case 'lte':
        return x <= n;
      case 'gt':
        return x > n;
      case 'gte':
        return x >= n;
      case 'neq':
        return x !== n;
      default:
        return x === n;
    }
  };
  const one = (v: unknown): boolean => {
    const x = timePart ? timePartOf(v, timePart) : numericValue(v);
    return x !== undefined && cmp(x);
  };
  return (ctx) => {
    const v = ctx.get(slot);
    if (Array.isArray(v)) return v.some(one);
    return one(v);
  };
}

function compileCidr(slot: number, value: string, path: string): Test {
  let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    range = ipaddr.parseCIDR(value.trim());
  } catch {
    throw new RuleCompileError(`"${value}" is not a CIDR range`, 'invalid', path);
  }
  const one = (v: unknown): boolean => {
    if (typeof v !== 'string' || !ipaddr.isValid(v)) return false;
    let a = ipaddr.parse(v);
    if (a.kind() === 'ipv6' && range[0].kind() === 'ipv4' && (a as ipaddr.IPv6).isIPv4MappedAddress()) {
      a = (a as ipaddr.IPv6).toIPv4Address();
    }
    if (a.kind() !== range[0].kind()) return false;
    return a.match(range);
  };
  return (ctx) => {
    const v = ctx.get(slot);
    if (Array.isArray(v)) return v.some(one);
    return one(v);
  };
}

function compileFieldref(slot: number, ref: string, mods: string[], fields: FieldTable): Compiled {
  const other = fields.slot(ref);
  const view = mods.includes('cased') ? View.Raw : View.Lower;
  const how = mods.includes('contains') ? 'c' : mods.includes('startswith') ? 's' : mods.includes('endswith') ? 'e' : '=';
  const neq = mods.includes('neq');
  return {
    test: (ctx) => {
      const a = ctx.text(slot, view);
      const b = ctx.text(other, view);
      if (typeof a !== 'string' || typeof b !== 'string') return false;
      const hit = how === '=' ? a === b : how === 'c' ? a.includes(b) : how === 's' ? a.startsWith(b) : a.endsWith(b);
      return neq ? !hit : hit;
    },
    need: null,
  };
}
