import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { urlhaus } from './index.js';

const text = readFileSync(new URL('./fixtures/csv_recent.txt', import.meta.url), 'utf8');

describe('urlhaus', () => {
  const r = urlhaus.parse(text, { file: 'csv_recent.txt' });

  it('reads URLs with the commented header, tags and status', () => {
    expect(r.indicators).toHaveLength(3);
    expect(r.indicators[0]).toMatchObject({
      type: 'url',
      value: 'http://198.51.100.5:36753/i',
      threat: 'malware_download',
      reference: 'https://urlhaus.abuse.ch/url/900001/',
      firstSeen: '2025-01-15T07:55:01Z',
      line: 9,
    });
    expect(r.indicators[0]?.tags).toEqual(['32-bit', 'elf', 'mips', 'Mozi', 'url:online']);
  });

  it('normalizes URLs: host case, default port and fragment', () => {
    expect(r.indicators[1]?.value).toBe('https://files.example.com/dl/Invoice.exe');
  });

  it('keeps commas and doubled quotes inside quoted fields', () => {
    expect(r.indicators[2]?.value).toBe('http://example.net/a,b?c=%22d%22');
    expect(r.indicators[2]?.tags).toEqual(['url:online']);
  });

  it('reports bad rows by line', () => {
    expect(r.issues.map((i) => [i.line, i.reason])).toEqual([
      [12, '"not a url" is not a URL'],
      [13, 'missing url'],
    ]);
  });

  it('detects the format', () => {
    expect(urlhaus.detect(text, 'csv.txt')).toBeGreaterThan(0.9);
  });
});
