import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { plain } from './index.js';

const text = readFileSync(new URL('./fixtures/list.txt', import.meta.url), 'utf8');

describe('plain', () => {
  const r = plain.parse(text, { file: 'list.txt' });

  it('detects each value type and normalizes it', () => {
    expect(r.indicators.map((i) => [i.type, i.value, i.line])).toEqual([
      ['ipv4', '198.51.100.7', 2],
      ['ipv6', '2001:db8::7', 3],
      ['cidr', '192.0.2.0/24', 4],
      ['domain', 'bad.example.com', 5],
      ['domain', 'evil.example', 6],
      ['url', 'http://evil.example/path', 7],
      ['md5', '44d88612fea8a8f36de82e1278abb02f', 8],
      ['email', 'phisher@example.com', 9],
      ['asn', 'AS64500', 10],
    ]);
  });

  it('treats *.domain as covering subdomains', () => {
    expect(r.indicators[4]?.matchSubdomains).toBe(true);
    expect(r.indicators[3]?.matchSubdomains).toBeUndefined();
  });

  it('reports unrecognizable lines', () => {
    expect(r.issues).toEqual([{ file: 'list.txt', line: 11, reason: '"this is not an indicator" is not a recognizable indicator' }]);
  });

  it('skips over-long lines without reading them', () => {
    const res = plain.parse(`198.51.100.1\n${'a'.repeat(70_000)}\n198.51.100.2\n`, { file: 'x' });
    expect(res.indicators.map((i) => i.value)).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(res.issues[0]?.line).toBe(2);
  });

  it('detects a list of indicators weakly (it is the fallback)', () => {
    expect(plain.detect(text, 'list.txt')).toBeGreaterThan(0.3);
    expect(plain.detect(text, 'list.txt')).toBeLessThan(0.5);
    expect(plain.detect('hello world\nthis is prose\n', 'x')).toBe(0);
  });
});
