import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { spamhausDrop } from './index.js';

const read = (n: string) => readFileSync(new URL(`./fixtures/${n}`, import.meta.url), 'utf8');

describe('spamhaus-drop', () => {
  it('reads DROP/EDROP text lines as ranges with their SBL id', () => {
    const r = spamhausDrop.parse(read('drop.txt'), { file: 'drop.txt' });
    expect(r.indicators.map((i) => [i.value, i.reference])).toEqual([
      ['192.0.2.0/24', 'SBL100001'],
      ['198.51.100.0/22', 'SBL100002'],
      ['203.0.113.128/25', 'SBL100003'],
      ['2001:db8:1000::/36', 'SBL100005'],
    ]);
    expect(r.indicators[0]).toMatchObject({ type: 'cidr', threat: 'hijacked-range', line: 3 });
    expect(r.issues).toEqual([{ file: 'drop.txt', line: 6, reason: '"not-a-cidr" is not a CIDR range' }]);
  });

  it('reads DROPv6 lines without an SBL id, normalizing the address', () => {
    const r = spamhausDrop.parse(read('drop_v6.txt'), { file: 'drop_v6.txt' });
    expect(r.indicators.map((i) => i.value)).toEqual(['2001:db8:2000::/36', '2001:db8:3000::/40']);
    expect(r.indicators[0]?.reference).toBeUndefined();
  });

  it('reads ASN-DROP JSON lines as asn indicators and skips the metadata record', () => {
    const r = spamhausDrop.parse(read('asndrop.json'), { file: 'asndrop.json' });
    expect(r.indicators.map((i) => [i.type, i.value, i.description])).toEqual([
      ['asn', 'AS64500', 'EXAMPLE-NET'],
      ['asn', 'AS64501', 'EXAMPLE-ORG'],
    ]);
    expect(r.indicators[1]?.tags).toEqual(['spamhaus-drop', 'rir:ripencc', 'cc:NL']);
    expect(r.issues.map((i) => i.line)).toEqual([3]);
  });

  it('reads the JSON DROP variant', () => {
    const r = spamhausDrop.parse('{"cidr":"192.0.2.0/24","sblid":"SBL1","rir":"arin"}\n{"cidr":"nope"}\n', { file: 'x' });
    expect(r.indicators[0]).toMatchObject({ type: 'cidr', value: '192.0.2.0/24', reference: 'SBL1' });
    expect(r.issues[0]?.line).toBe(2);
  });

  it('detects every shape', () => {
    expect(spamhausDrop.detect(read('drop.txt'), 'drop.txt')).toBeGreaterThan(0.9);
    expect(spamhausDrop.detect(read('asndrop.json'), 'asndrop.json')).toBeGreaterThan(0.9);
    expect(spamhausDrop.detect(read('drop_v6.txt'), 'dropv6.txt')).toBeGreaterThan(0.8);
    expect(spamhausDrop.detect(read('drop_v6.txt'), 'ranges.txt')).toBeGreaterThan(0.4);
    expect(spamhausDrop.detect('198.51.100.1\n', 'x')).toBe(0);
  });
});
