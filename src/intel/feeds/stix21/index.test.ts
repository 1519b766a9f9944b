import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stix21 } from './index.js';
import { PatternError, parsePattern } from './pattern.js';

const text = readFileSync(new URL('./fixtures/bundle.json', import.meta.url), 'utf8');

describe('stix21', () => {
  const r = stix21.parse(text, { file: 'bundle.json' });
  const of = (line: number) => r.indicators.filter((i) => i.line === line);

  it('extracts every supported comparison of OR patterns with indicator metadata', () => {
    expect(of(3).map((i) => [i.type, i.value])).toEqual([
      ['ipv4', '198.51.100.70'],
      ['domain', 'update.example.com'],
    ]);
    expect(of(3)[0]).toMatchObject({
      threat: 'malicious-activity',
      tags: ['malicious-activity', 'apt'],
      confidence: 85,
      firstSeen: '2025-01-01T00:00:00Z',
      validUntil: '2026-01-01T00:00:00Z',
      description: 'PlugX C2',
      malware: 'PlugX',
      reference: 'indicator--00000000-0000-4000-8000-000000000004',
    });
  });

  it('extracts the hashes of an AND and reports the condition it cannot use', () => {
    expect(of(4).map((i) => i.type)).toEqual(['sha256', 'md5']);
    expect(r.unsupported).toContainEqual({
      file: 'bundle.json', line: 4, field: 'objects[3].pattern',
      reason: 'file:size > 1024: object path file:size is not an indicator Vigil looks up',
    });
  });

  it('handles IN, ISSUBSET, observation AND, and reports FOLLOWEDBY and qualifiers', () => {
    expect(of(5).map((i) => [i.type, i.value])).toEqual([
      ['email', 'a@example.org'],
      ['email', 'b@example.org'],
      ['cidr', '203.0.113.0/24'],
      ['url', 'http://example.org/x'],
    ]);
    const reasons = r.unsupported?.filter((u) => u.line === 5).map((u) => u.reason);
    expect(reasons).toEqual([
      'FOLLOWEDBY: sequence ignored, each observation is used on its own',
      'WITHIN 300 SECONDS: qualifier ignored, the observations are used without it',
    ]);
  });

  it('never drops a part silently: unsupported paths, operators and pattern types are listed', () => {
    expect(of(6)).toEqual([]);
    expect(r.unsupported?.filter((u) => u.line === 6)).toHaveLength(2);
    expect(r.unsupported).toContainEqual({ file: 'bundle.json', line: 8, field: 'pattern_type', reason: 'pattern_type "snort" is not supported' });
    expect(r.unsupported).toContainEqual({
      file: 'bundle.json', line: 9, field: 'objects[8].pattern', reason: "ipv4-addr:value != '192.0.2.1': operator != is not supported",
    });
  });

  it("turns LIKE '%.domain' into a subdomain entry and normalizes IPv6", () => {
    expect(of(9).map((i) => [i.type, i.value, i.matchSubdomains])).toEqual([
      ['domain', 'bad.example', true],
      ['ipv6', '2001:db8::1', undefined],
    ]);
  });

  it('reports an invalid pattern as an issue and skips revoked indicators', () => {
    expect(r.issues).toEqual([{ file: 'bundle.json', line: 7, field: 'objects[6].pattern', reason: 'invalid STIX pattern: "]" expected at the end' }]);
    expect(r.indicators.some((i) => i.value === '192.0.2.99')).toBe(false);
  });

  it('detects bundles', () => {
    expect(stix21.detect(text, 'bundle.json')).toBeGreaterThan(0.9);
    expect(stix21.detect('{"Event":{}}', 'x.json')).toBe(0);
  });
});

describe('STIX pattern parser', () => {
  it('parses nesting, escapes and typed literals', () => {
    const t = parsePattern("([file:name = 'a\\'b' AND (file:size >= 10 OR file:created > t'2020-01-01T00:00:00Z')]) REPEATS 2 TIMES");
    expect(t.kind).toBe('qualified');
  });

  it.each([
    ["[ipv4-addr:value = '1.2.3.4'", 'expected at the end'],
    ["[ipv4-addr:value = '1.2.3.4", 'unterminated string'],
    ["[ipv4-addr:value == '1.2.3.4']", 'comparison operator expected'],
    ["[ipv4-addr:value = '1'] AND", '"[" expected'],
  ])('rejects %s', (p, msg) => {
    expect(() => parsePattern(p)).toThrow(PatternError);
    expect(() => parsePattern(p)).toThrow(msg);
  });

  it('stays fast and bounded on hostile input', () => {
    const deep = `${'('.repeat(10_000)}[a:b = 'c']${')'.repeat(10_000)}`;
    expect(() => parsePattern(deep)).toThrow('nested too deeply');
    const long = Array.from({ length: 3000 }, (_, i) => `ipv4-addr:value = '10.0.${i >> 8}.${i & 255}'`).join(' OR ');
    const t0 = performance.now();
    expect(() => parsePattern(`[${long}]`)).toThrow('longer than');
    const ok = parsePattern(`[${long.slice(0, 60_000).replace(/ OR [^O]*$/, '')}]`);
    expect(ok.kind).toBe('obs');
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
