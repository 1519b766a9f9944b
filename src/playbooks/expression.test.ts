import { describe, expect, it } from 'vitest';
import { compile, evaluate, ExprError, globMatch, parseExpression, references } from './expression.js';

const scope = {
  case: {
    number: 12,
    severity: 'HIGH',
    score: 71.5,
    title: 'SSH brute force on WEB-01',
    hosts: ['web-01', 'dc-01'],
    tags: ['brute-force'],
    mitre: ['T1110.001', 'T1078'],
    observables: [
      { type: 'ipv4', value: '185.220.101.4', verdict: 'malicious', risk: 90 },
      { type: 'ipv4', value: '10.0.2.20', verdict: 'suspicious', risk: 40 },
      { type: 'domain', value: 'evil.top', verdict: 'malicious', risk: 80 },
    ],
  },
  item: { type: 'ipv4', value: '185.220.101.4', verdict: 'malicious', risk: 90 },
  steps: { 'block-ip-1': { status: 'succeeded', outputs: { expiresAt: '2026-01-01T00:00:00.000Z' } } },
};

const ev = (src: string, s: Record<string, unknown> = scope): unknown => evaluate(compile(src), s);

describe('expressions: values and paths', () => {
  it('reads paths, indexes and literals', () => {
    expect(ev('case.number')).toBe(12);
    expect(ev('case.hosts[1]')).toBe('dc-01');
    expect(ev('case.hosts.0')).toBe('web-01');
    expect(ev("case['title']")).toBe('SSH brute force on WEB-01');
    expect(ev('case.observables[0].value')).toBe('185.220.101.4');
    expect(ev("'it\\'s'")).toBe("it's");
    expect(ev('[1, "a", true, null]')).toEqual([1, 'a', true, null]);
    expect(ev('-3 + 5')).toBe(2);
  });

  it('reads step ids with dashes after a dot', () => {
    expect(ev('steps.block-ip-1.outputs.expiresAt')).toBe('2026-01-01T00:00:00.000Z');
    expect(ev('steps.block-ip-1.status == "succeeded"')).toBe(true);
  });

  it('gives undefined for missing paths and records them, instead of throwing', () => {
    const st = { steps: 0, missing: [] as string[] };
    expect(evaluate(compile('case.owner.name'), scope, st)).toBeUndefined();
    expect(st.missing).toEqual(['case.owner']);
    expect(ev('nothing')).toBeUndefined();
  });

  it('never reaches prototypes or constructors', () => {
    expect(ev('case.__proto__')).toBeUndefined();
    expect(ev('case.constructor')).toBeUndefined();
    expect(ev("case['constructor']['constructor']")).toBeUndefined();
    expect(ev('case.hosts.constructor')).toBeUndefined();
    expect(ev('case.title.length')).toBeUndefined();
    expect(ev('case.hosts.length')).toBe(2);
    expect(ev('case.hosts.push')).toBeUndefined();
  });
});

describe('expressions: operators', () => {
  it('compares numbers, text, and severities by rank', () => {
    expect(ev('item.risk >= 80')).toBe(true);
    expect(ev('case.score < 70')).toBe(false);
    expect(ev("case.severity >= 'HIGH'")).toBe(true);
    expect(ev("case.severity > 'HIGH'")).toBe(false);
    expect(ev("'MEDIUM' < 'critical'")).toBe(true);
    expect(ev("'5712' == 5712")).toBe(true);
    expect(ev("'abc' < 'abd'")).toBe(true);
    expect(ev('null == nothing')).toBe(true);
    expect(ev("case.title > 3")).toBe(false);
  });

  it('has and/or/not in words and symbols, short-circuiting', () => {
    expect(ev("item.type == 'ipv4' and item.verdict in ['malicious', 'suspicious']")).toBe(true);
    expect(ev("item.type == 'domain' || item.risk > 50")).toBe(true);
    expect(ev('not item.risk > 95')).toBe(true);
    expect(ev('!(item.risk > 50) && x.y')).toBe(false);
    expect(ev("nothing or 'fallback'")).toBe('fallback');
  });

  it('tests membership in lists and text', () => {
    expect(ev("'web-01' in case.hosts")).toBe(true);
    expect(ev("'db-01' not in case.hosts")).toBe(true);
    expect(ev("'brute' in case.title")).toBe(true);
    expect(ev("'x' in nothing")).toBe(false);
  });

  it('adds numbers, joins text and lists', () => {
    expect(ev("'Case #' + case.number")).toBe('Case #12');
    expect(ev('case.tags + ["new"]')).toEqual(['brute-force', 'new']);
    expect(ev('nothing + 1')).toBeUndefined();
  });
});

describe('expressions: functions', () => {
  it('covers text, lists and choices', () => {
    expect(ev('lower(case.title)')).toBe('ssh brute force on web-01');
    expect(ev('upper(item.verdict)')).toBe('MALICIOUS');
    expect(ev('length(case.observables)')).toBe(3);
    expect(ev('length(nothing)')).toBe(0);
    expect(ev('join(case.hosts)')).toBe('web-01, dc-01');
    expect(ev("join(case.hosts, ' ')")).toBe('web-01 dc-01');
    expect(ev("split('a,b,c', ',')")).toEqual(['a', 'b', 'c']);
    expect(ev("contains(case.hosts, 'dc-01')")).toBe(true);
    expect(ev("starts_with(case.title, 'SSH')")).toBe(true);
    expect(ev("ends_with(case.title, '01')")).toBe(true);
    expect(ev("matches(case.mitre[0], 't1110*')")).toBe(true);
    expect(ev("default(case.owner, 'tier1')")).toBe('tier1');
    expect(ev("when(item.verdict == 'malicious', '24h', '6h')")).toBe('24h');
    expect(ev('unique(["a", "b", "a"])')).toEqual(['a', 'b']);
    expect(ev('first(case.hosts)')).toBe('web-01');
    expect(ev('last(case.hosts)')).toBe('dc-01');
    expect(ev("pluck(case.observables, 'value')")).toEqual(['185.220.101.4', '10.0.2.20', 'evil.top']);
    expect(ev("pluck(where(case.observables, 'verdict', 'malicious'), 'value')")).toEqual(['185.220.101.4', 'evil.top']);
    expect(ev("length(where(case.observables, 'type', ['ipv4', 'ipv6']))")).toBe(2);
    expect(ev('string(case.number) + "!"')).toBe('12!');
    expect(ev("number('42')")).toBe(42);
    expect(ev("number('x')")).toBeNull();
    expect(ev('severity_rank(case.severity)')).toBe(2);
  });
});

describe('expressions: errors name the column', () => {
  const err = (src: string): string => {
    try {
      parseExpression(src);
    } catch (e) {
      expect(e).toBeInstanceOf(ExprError);
      return (e as Error).message;
    }
    throw new Error(`no error for ${src}`);
  };

  it('reports syntax errors with where they are', () => {
    expect(err('case.number ==')).toBe('expected a value but the expression ends (column 15)');
    expect(err('case.number = 3')).toBe('unexpected "=" (column 13)');
    expect(err("lower('a'")).toBe('expected ")" but the expression ends (column 10)');
    expect(err("'open")).toBe('unterminated string (column 1)');
    expect(err('a b')).toBe('expected the end of the expression, found "b" (column 3)');
    expect(err('')).toBe('empty expression');
    expect(err('and x')).toBe('"and" needs a value before it (column 1)');
  });

  it('knows its functions and their arity', () => {
    expect(err('eval("1")')).toMatch(/^unknown function "eval" \(known: lower, upper/);
    expect(err('lower()')).toBe('lower() takes 1 argument, not 0 (column 1)');
    expect(err('join(a, b, c)')).toBe('join() takes 1 to 2 arguments, not 3 (column 1)');
    expect(err('toString()')).toMatch(/unknown function "toString"/);
  });

  it('bounds size and nesting', () => {
    expect(err('x'.repeat(2_001))).toMatch(/longer than 2000 characters/);
    expect(err(`${'('.repeat(40)}1${')'.repeat(40)}`)).toMatch(/nested deeper than 32/);
    expect(err(Array.from({ length: 300 }, () => 'a').join(' + '))).toMatch(/more than 400 tokens/);
  });

  it('bounds evaluation: a list that would blow up is refused', () => {
    const big = { xs: Array.from({ length: 9_000 }, (_, i) => i) };
    expect(() => ev('xs + xs', big)).toThrow(/beyond 10000 items/);
    const long = { s: 'x'.repeat(40_000) };
    expect(() => ev('s + s', long)).toThrow(/beyond 65536 characters/);
  });
});

describe('expression helpers', () => {
  it('lists the roots and step ids an expression refers to', () => {
    const r = references(parseExpression("steps.block.outputs.x == 1 and steps['b-2'].status and lower(case.title) in item.tags"));
    expect([...r.roots].sort()).toEqual(['case', 'item', 'steps']);
    expect([...r.steps].sort()).toEqual(['b-2', 'block']);
  });

  it('matches wildcards in linear time, ignoring case', () => {
    expect(globMatch('T1110.001', 't1110*')).toBe(true);
    expect(globMatch('web-01', 'web-??')).toBe(true);
    expect(globMatch('web-001', 'web-??')).toBe(false);
    expect(globMatch('abc', '*b*')).toBe(true);
    const t = performance.now();
    expect(globMatch('a'.repeat(5_000), `${'a*'.repeat(40)}b`)).toBe(false);
    expect(performance.now() - t).toBeLessThan(500);
  });
});
