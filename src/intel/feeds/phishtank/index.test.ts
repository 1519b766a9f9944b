import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { phishtank } from './index.js';

const text = readFileSync(new URL('./fixtures/online-valid.csv', import.meta.url), 'utf8');

describe('phishtank', () => {
  const r = phishtank.parse(text, { file: 'online-valid.csv' });

  it('reads phishing URLs with target, verification and detail link', () => {
    expect(r.indicators).toHaveLength(2);
    expect(r.indicators[0]).toMatchObject({
      type: 'url',
      value: 'https://login.example-bank.test/verify',
      threat: 'phishing',
      confidence: 100,
      firstSeen: '2025-01-15T07:12:03Z',
      reference: 'http://www.phishtank.com/phish_detail.php?phish_id=8800001',
      tags: ['target:Example Bank'],
      line: 2,
    });
    expect(r.indicators[1]?.value).toBe('http://example.com/secure,login?u=1');
    expect(r.indicators[1]?.tags).toEqual([]);
  });

  it('rejects non-web URLs with the line number', () => {
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]?.line).toBe(4);
  });

  it('detects the format', () => {
    expect(phishtank.detect(text, 'online-valid.csv')).toBeGreaterThan(0.9);
  });
});
