import { describe, expect, it } from 'vitest';
import { compilePattern, longestLiteral, parsePattern, wrapPattern } from './pattern.js';

const m = (pattern: string, value: string): boolean => compilePattern(parsePattern(pattern))(value);

describe('Sigma string patterns', () => {
  it('treats * and ? as wildcards', () => {
    expect(m('prog?.exe', 'progA.exe')).toBe(true);
    expect(m('prog?.exe', 'prog.exe')).toBe(false);
    expect(m('antivirus_V*.exe', 'antivirus_V21.2.1.exe')).toBe(true);
    expect(m('a*b*c', 'aXXbYYc')).toBe(true);
    expect(m('a*b*c', 'aXXcYYb')).toBe(false);
    expect(m('*', '')).toBe(true);
    expect(m('', '')).toBe(true);
    expect(m('', 'x')).toBe(false);
  });

  it('applies the escape rules from the specification', () => {
    expect(m('C:\\Windows\\whoami.exe', 'C:\\Windows\\whoami.exe')).toBe(true);
    expect(m('a\\*b', 'a*b')).toBe(true);
    expect(m('a\\*b', 'aXb')).toBe(false);
    expect(m('a\\?', 'a?')).toBe(true);
    // `\\*` is a backslash followed by a wildcard.
    expect(m('dir\\\\*', 'dir\\anything')).toBe(true);
    // `\\\*` is a backslash and a literal star.
    expect(m('dir\\\\\\*', 'dir\\*')).toBe(true);
    expect(m('dir\\\\\\*', 'dir\\x')).toBe(false);
    // Four backslashes are two.
    expect(parsePattern('\\\\\\\\').parts).toEqual(['\\\\']);
    // A trailing lone backslash is literal.
    expect(m('C:\\Temp\\', 'C:\\Temp\\')).toBe(true);
  });

  it('wraps for contains, startswith and endswith', () => {
    const p = parsePattern('evil');
    expect(compilePattern(wrapPattern(p, true, true))('an evil thing')).toBe(true);
    expect(compilePattern(wrapPattern(p, false, true))('evil thing')).toBe(true);
    expect(compilePattern(wrapPattern(p, false, true))('an evil')).toBe(false);
    expect(compilePattern(wrapPattern(p, true, false))('an evil')).toBe(true);
  });

  it('matches segments with ? inside without backtracking', () => {
    expect(m('*a?c*x?z', '--abc--xyz')).toBe(true);
    expect(m('*a?c*x?z', '--abc--xyzz')).toBe(false);
    expect(m('a?c*a?c', 'abcabc')).toBe(true);
    expect(m('a?c*a?c', 'abc')).toBe(false);
  });

  it('stays linear on hostile input', () => {
    const value = 'a'.repeat(200_000);
    const t = performance.now();
    expect(m('*a*a*a*a*a*a*a*a*a*a*b', value)).toBe(false);
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('offers the longest literal run as the index needle', () => {
    expect(longestLiteral(parsePattern('*\\cmd.exe*/c*'))).toBe('\\cmd.exe');
    expect(longestLiteral(parsePattern('*'))).toBe('');
  });
});

describe('affix lists', () => {
  it('matches any listed suffix or prefix', async () => {
    const { affixListTest } = await import('./pattern.js');
    const ends = affixListTest(['\\cmd.exe', '\\powershell.exe', '.exe'], true);
    expect(ends('c:\\x\\cmd.exe')).toBe(true);
    expect(ends('c:\\x\\a.exe')).toBe(true);
    expect(ends('c:\\x\\a.dll')).toBe(false);
    expect(ends('')).toBe(false);
    const starts = affixListTest(['c:\\windows\\', 'c:\\program files'], false);
    expect(starts('c:\\windows\\system32')).toBe(true);
    expect(starts('c:\\program')).toBe(false);
    expect(affixListTest(['', 'x'], true)('anything')).toBe(true);
  });
});
