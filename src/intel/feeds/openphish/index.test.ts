import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openphish } from './index.js';

const text = readFileSync(new URL('./fixtures/feed.txt', import.meta.url), 'utf8');

describe('openphish', () => {
  const r = openphish.parse(text, { file: 'feed.txt' });

  it('reads one phishing URL per line, normalized', () => {
    expect(r.indicators.map((i) => i.value)).toEqual([
      'https://paypa1-login.example.com/',
      'http://secure-update.example.net/account/verify.php?id=7',
      'https://example.org/',
    ]);
    expect(r.indicators.every((i) => i.type === 'url' && i.threat === 'phishing')).toBe(true);
  });

  it('reports lines that are not http(s) URLs', () => {
    expect(r.issues.map((i) => i.line)).toEqual([4]);
  });

  it('detects a URL list, surely when the file is named after the feed', () => {
    const clean = 'https://a.example/\nhttp://b.example/x\n';
    expect(openphish.detect(clean, 'feed.txt')).toBeGreaterThan(0.4);
    expect(openphish.detect(clean, 'openphish.txt')).toBeGreaterThan(0.9);
    expect(openphish.detect('1.2.3.4\n', 'feed.txt')).toBe(0);
  });
});
