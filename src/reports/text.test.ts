import { describe, expect, it } from 'vitest';
import { byTime, cleanText, formatDelta, formatTime, oneLine, truncate } from './text.js';

describe('text helpers', () => {
  it('signs points the way a reader expects', () => {
    expect(formatDelta(30)).toBe('+30');
    expect(formatDelta(-10)).toBe('-10');
    expect(formatDelta(0)).toBe('0');
    expect(formatDelta(2.25)).toBe('+2.3');
  });

  it('formats times in UTC and keeps what it cannot parse', () => {
    expect(formatTime('2025-03-14T09:12:03.512+01:00')).toBe('2025-03-14 08:12:03 UTC');
    expect(formatTime('yesterday-ish')).toBe('yesterday-ish');
    expect(formatTime(undefined)).toBe('');
  });

  it('shows control and invisible characters as their escapes', () => {
    expect(cleanText('a\u0007b\r\nc\u200Bd')).toBe('a\\u0007b\nc\\u200Bd');
    expect(oneLine('  a\n\tb  ')).toBe('a b');
    expect(cleanText(undefined)).toBe('');
  });

  it('returns clean text as it is, and treats every other kind of white space and hidden character', () => {
    const clean = 'sshd: authentication failed from 185.220.101.47 (port 22)';
    expect(oneLine(clean)).toBe(clean);
    expect(cleanText(clean)).toBe(clean);
    // Each changes something: no-break and other Unicode spaces, a lone CR, a BOM, a bidi override, DEL.
    expect(oneLine('a\u00A0b\u2003c\u3000d')).toBe('a b c d');
    expect(oneLine(' a')).toBe('a');
    expect(oneLine('a ')).toBe('a');
    expect(oneLine('a  b')).toBe('a b');
    expect(cleanText('a\rb')).toBe('a\nb');
    expect(oneLine('\uFEFFinvoice\u202Efdp.exe\u007F')).toBe('\\uFEFFinvoice\\u202Efdp.exe\\u007F');
  });

  it('truncates by characters with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });

  it('sorts by time stably, unparseable times last', () => {
    const items = [{ t: '2025-01-02T00:00:00Z', n: 1 }, { t: 'bad', n: 2 }, { t: '2025-01-01T00:00:00Z', n: 3 }, { t: '2025-01-01T00:00:00Z', n: 4 }];
    expect(byTime(items, (i) => i.t).map((i) => i.n)).toEqual([3, 4, 1, 2]);
  });
});
