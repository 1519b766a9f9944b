import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { threatfox } from './index.js';

const text = readFileSync(new URL('./fixtures/export.csv', import.meta.url), 'utf8');

describe('threatfox', () => {
  const r = threatfox.parse(text, { file: 'export.csv' });

  it('maps each IOC type to an indicator type', () => {
    expect(r.indicators.map((i) => [i.type, i.value])).toEqual([
      ['ipv4', '198.51.100.44'],
      ['domain', 'bad-cdn.example.org'],
      ['url', 'https://bad-cdn.example.org/gate.php'],
      ['md5', '44d88612fea8a8f36de82e1278abb02f'],
      ['sha256', '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f'],
    ]);
  });

  it('keeps family, threat, confidence, port and the ThreatFox link', () => {
    expect(r.indicators[0]).toMatchObject({
      malware: 'Cobalt Strike',
      threat: 'botnet_cc',
      confidence: 100,
      reference: 'https://threatfox.abuse.ch/ioc/1400001/',
      firstSeen: '2025-01-15T07:00:00Z',
    });
    expect(r.indicators[0]?.tags).toContain('port:3333');
    expect(r.indicators[1]).toMatchObject({ confidence: 75, lastSeen: '2025-01-15T07:30:00Z' });
    // "Unknown malware" is not a family name.
    expect(r.indicators[2]?.malware).toBeUndefined();
  });

  it('reports bad values as issues and unknown IOC types as unsupported', () => {
    expect(r.issues).toEqual([{ file: 'export.csv', line: 14, reason: '"abc123" is not a valid sha256_hash' }]);
    expect(r.unsupported).toEqual([
      { file: 'export.csv', line: 15, field: 'ioc_type', reason: '1 IOC(s) of type "sha3_384_hash" not supported' },
    ]);
  });

  it('detects the format', () => {
    expect(threatfox.detect(text, 'full.csv')).toBeGreaterThan(0.9);
  });
});
