import { describe, expect, it } from 'vitest';
import { MAX_REGEX_INPUT, RegexError, compileRegex, regexNeedles } from './regex.js';

describe('re modifier compilation', () => {
  it('is case-sensitive unless i is given, and lifts (?i)', () => {
    expect(compileRegex('Evil\\d+', {}).test('xEvil42')).toBe(true);
    expect(compileRegex('Evil\\d+', {}).test('xevil42')).toBe(false);
    expect(compileRegex('Evil\\d+', { i: true }).test('xevil42')).toBe(true);
    expect(compileRegex('(?i)Evil\\d+', {}).test('xEVIL42')).toBe(true);
  });

  it('honours m and s', () => {
    expect(compileRegex('^b', {}).test('a\nb')).toBe(false);
    expect(compileRegex('^b', { m: true }).test('a\nb')).toBe(true);
    expect(compileRegex('a.b', {}).test('a\nb')).toBe(false);
    expect(compileRegex('a.b', { s: true }).test('a\nb')).toBe(true);
  });

  it('turns literal-and-dot-star patterns into the linear glob matcher', () => {
    const rx = compileRegex('\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+.*\\+', {});
    expect(rx.glob).toBeDefined();
    expect(rx.test('+a+b+c+d+e+f+g+h+i+j+k+')).toBe(true);
    const hostile = '+'.repeat(11) + 'x'.repeat(50_000);
    const t = performance.now();
    expect(rx.test(hostile)).toBe(false);
    expect(performance.now() - t).toBeLessThan(500);
    // Without s, . does not cross lines.
    expect(compileRegex('a.*b', {}).test('a\nb')).toBe(false);
    expect(compileRegex('a.*b', {}).test('x\na-b')).toBe(true);
  });

  it('runs the patterns that froze the server in linear time: ambiguous alternation and nested repeats', () => {
    // Each took 40–100 s on the backtracking engine, on events of 31–201 characters.
    const cases: Array<[string, string, boolean]> = [
      ['(a|a)*$', 'a'.repeat(30) + '!', true],
      ['(a|aa)+$', 'a'.repeat(200) + '!', false],
      ['(.*a){12}$', 'a'.repeat(200) + '!', false],
      ['(a+)+$', 'a'.repeat(5000) + '!', false],
      ['^(\\w+\\s?)*$', 'word '.repeat(1500) + '!', false],
    ];
    for (const [pattern, event, want] of cases) {
      const rx = compileRegex(pattern, {});
      const t = performance.now();
      expect(rx.test(event), pattern).toBe(want);
      expect(performance.now() - t, pattern).toBeLessThan(250);
    }
  });

  it('refuses lookarounds and backreferences with the reason, and programs too large to run per event', () => {
    expect(() => compileRegex('(?=evil)e', {})).toThrow(/lookarounds and backreferences need a backtracking engine/);
    expect(() => compileRegex('(?<!x)y\\d', {})).toThrow(RegexError);
    expect(() => compileRegex('(a)\\1', {})).toThrow(/backreferences/);
    expect(() => compileRegex('(\\w+\\s*){1,500}$', {})).toThrow(/compiles to \d+ steps \(limit 2000\)/);
    expect(() => compileRegex('x'.repeat(5000) + '\\d', {})).toThrow(/limit 4096/);
    expect(() => compileRegex('(?:\\s*\\d{1,3}\\s*,){2}', {})).not.toThrow();
  });

  it('rejects invalid patterns, and understands inline flags anywhere and \\u escapes', () => {
    expect(() => compileRegex('(', {})).toThrow(RegexError);
    expect(compileRegex('a(?i)b\\d', {}).test('aB1')).toBe(true);
    expect(compileRegex('a(?i)b\\d', {}).test('AB1')).toBe(false);
    expect(compileRegex('\\u0041\\d', {}).test('xA1')).toBe(true);
  });

  it('only looks at the first MAX_REGEX_INPUT characters', () => {
    const rx = compileRegex('needle[0-9]', {});
    expect(rx.test('x'.repeat(MAX_REGEX_INPUT - 10) + 'needle1')).toBe(true);
    expect(rx.test('x'.repeat(MAX_REGEX_INPUT + 10) + 'needle1')).toBe(false);
  });

  it('finds literals a match must contain', () => {
    expect(regexNeedles('\\$PSHome\\[\\s*\\d{1,3}\\s*\\]')).toEqual(['$pshome[']);
    expect(regexNeedles('ipconfig\\s+/all|arp\\s+-a')).toEqual(['ipconfig', 'arp']);
    expect(regexNeedles('https?://0[0-9]{3,11}')).toEqual(['http']);
    expect(regexNeedles('(foo|bar)baz')).toEqual(['baz']);
    expect(regexNeedles('[a-z]+\\d')).toBeNull();
    expect(regexNeedles('abc?d')).toEqual(['ab']);
  });
});
