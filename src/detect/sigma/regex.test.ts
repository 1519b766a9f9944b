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

  it('refuses nested unbounded quantifiers but accepts bounded repeats', () => {
    expect(() => compileRegex('(a+)+$', {})).toThrow(RegexError);
    expect(() => compileRegex('(?:.*x){1,}', {})).toThrow(RegexError);
    expect(() => compileRegex('(?:\\s*\\d{1,3}\\s*,){2}', {})).not.toThrow();
    expect(() => compileRegex('[(a+)+]', {})).not.toThrow();
  });

  it('rejects invalid patterns and mid-pattern inline flags', () => {
    expect(() => compileRegex('(', {})).toThrow(RegexError);
    expect(() => compileRegex('a(?i)b', {})).toThrow(/inline flag/);
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
