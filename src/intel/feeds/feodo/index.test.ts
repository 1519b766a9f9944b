import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { feodo } from './index.js';

const text = readFileSync(new URL('./fixtures/ipblocklist.csv', import.meta.url), 'utf8');

describe('feodo', () => {
  const r = feodo.parse(text, { file: 'ipblocklist.csv' });

  it('reads every C2 row with family, port, status and dates', () => {
    expect(r.indicators.map((i) => i.value)).toEqual(['198.51.100.23', '203.0.113.77', '2001:db8::c2', '198.51.100.99']);
    expect(r.indicators[0]).toMatchObject({
      type: 'ipv4',
      threat: 'botnet_cc',
      malware: 'Pikabot',
      firstSeen: '2023-05-23T17:51:44Z',
      lastSeen: '2025-01-14',
      line: 9,
      reference: 'https://feodotracker.abuse.ch/browse/host/198.51.100.23/',
    });
    expect(r.indicators[0]?.tags).toEqual(['pikabot', 'port:1194', 'c2:online']);
    expect(r.indicators[2]?.type).toBe('ipv6');
    expect(r.indicators[3]?.lastSeen).toBeUndefined();
  });

  it('reports malformed lines with their number and keeps going', () => {
    expect(r.issues.map((i) => i.line)).toEqual([12, 13]);
    expect(r.issues[0]?.reason).toContain('203.0.113.300');
  });

  it('works without a header, in the documented column order', () => {
    const res = feodo.parse('"2024-01-01 00:00:00","198.51.100.1","443","online","2024-01-02","Pikabot"\n', { file: 'x' });
    expect(res.indicators[0]).toMatchObject({ value: '198.51.100.1', malware: 'Pikabot' });
  });

  it('detects the format by its header or banner', () => {
    expect(feodo.detect(text, 'whatever.csv')).toBeGreaterThan(0.9);
    expect(feodo.detect('# abuse.ch Feodo Tracker Botnet C2 IP Blocklist\n', 'x')).toBeGreaterThan(0.5);
    expect(feodo.detect('1.2.3.4\n', 'x')).toBe(0);
  });
});
