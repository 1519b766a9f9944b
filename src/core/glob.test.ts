import { describe, expect, it } from 'vitest';
import { compileGlob, globMatch } from './glob.js';

describe('wildcard patterns from config', () => {
  it('match anchored and case-insensitively, with * and ?', () => {
    expect(compileGlob('web-*').test('WEB-01')).toBe(true);
    expect(compileGlob('web-??').test('web-001')).toBe(false);
    expect(compileGlob('*.corp.example').test('dc1.corp.example')).toBe(true);
    expect(compileGlob('*.corp.example').test('dc1.corp.example.evil')).toBe(false);
    expect(globMatch('a.b', 'a?b')).toBe(true);
  });

  it('stay fast on a host name built to stall a backtracking matcher', () => {
    // As a regular expression (^a.*a.*…b$) this allowlist entry took time growing with the 20th power of the name.
    const g = compileGlob(`${'a*'.repeat(20)}b`);
    const t = performance.now();
    expect(g.test('a'.repeat(4000))).toBe(false);
    expect(performance.now() - t).toBeLessThan(500);
  });
});
