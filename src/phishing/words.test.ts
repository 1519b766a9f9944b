import { describe, expect, it } from 'vitest';
import { ASCII_ALNUM, foldText, scanWords, wordAt, wordHash, wordIsOrPlural } from './words.js';

const words = (text: string, ...rest: Parameters<typeof scanWords> extends [string, ...infer R] ? R : never) => {
  const w = scanWords(text, ...rest);
  return Array.from({ length: w.n }, (_, k) => wordAt(w, k));
};

describe('scanWords', () => {
  it('splits folded text into words, joining parts with apostrophes and hyphens', () => {
    expect(words(foldText("Didn’t request this? Sign-in from 203.0.113.5 — ÉTÉ, прaвда 日本語"))).toEqual(["didn't", 'request', 'this', 'sign-in', 'from', '203', '0', '113', '5', 'été', 'прaвда', '日本語']);
    expect(words("- leading -- and trailing ' quotes '")).toEqual(['leading', 'and', 'trailing', 'quotes']);
  });

  it('hashes each word as wordHash does, and remembers the hash without the last letter (plurals)', () => {
    const w = scanWords('prizes rewards');
    expect(w.hash[0]).toBe(wordHash('prizes'));
    expect(w.stem[0]).toBe(wordHash('prize'));
    expect(w.stem[1]).toBe(wordHash('reward'));
    expect(wordIsOrPlural(w, 0, 'prize')).toBe(true);
    expect(wordIsOrPlural(w, 1, 'rewards')).toBe(true);
    expect(wordIsOrPlural(w, 1, 'rew')).toBe(false);
  });

  it('can step over written web addresses', () => {
    const text = 'please verify your https://bank.example/verify/your/account now';
    expect(words(text)).toContain('account');
    expect(words(text, 100, false, undefined, true)).toEqual(['please', 'verify', 'your', 'now']);
  });

  it('splits at every non-ASCII-alphanumeric character with ASCII_ALNUM', () => {
    expect(words('my-paypal société', 100, false, ASCII_ALNUM)).toEqual(['my', 'paypal', 'soci', 't']);
  });

  it('keeps results made with own buffers when the shared ones are reused', () => {
    const mine = scanWords('first text here', 100, true);
    scanWords('something else entirely with more words than before');
    expect(Array.from({ length: mine.n }, (_, k) => wordAt(mine, k))).toEqual(['first', 'text', 'here']);
  });

  it('stops at the word limit and stays linear', () => {
    expect(scanWords('a '.repeat(1000), 10).n).toBe(10);
    const t = Date.now();
    scanWords('x'.repeat(2_000_000));
    scanWords("a'".repeat(1_000_000));
    expect(Date.now() - t).toBeLessThan(1500);
  });
});
