import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { misp, mispManifestEvents } from './index.js';

const read = (n: string) => readFileSync(new URL(`./fixtures/${n}`, import.meta.url), 'utf8');

describe('misp', () => {
  const r = misp.parse(read('event.json'), { file: 'event.json' });
  const byValue = (v: string) => r.indicators.find((i) => i.value === v);

  it('maps attributes and object attributes to indicators', () => {
    expect(r.indicators.map((i) => [i.type, i.value])).toEqual([
      ['ipv4', '198.51.100.61'],
      ['domain', 'loader.example.com'],
      ['url', 'http://loader.example.com/stage2.bin'],
      ['sha256', '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f'],
      ['ipv4', '203.0.113.9'],
      ['domain', 'c2.example.net'],
      ['ipv4', '192.0.2.44'],
      ['email', 'billing@example.org'],
      ['sha1', '3395856ce81f2b7382dee72602f798b642f14140'],
      ['md5', 'd41d8cd98f00b204e9800998ecf8427e'],
    ]);
  });

  it('takes the hash out of filename|sha256 and the IP out of ip-dst|port', () => {
    expect(byValue('275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f')?.firstSeen).toBe('2025-01-09T12:00:00Z');
    expect(byValue('203.0.113.9')?.line).toBe(5);
  });

  it('turns to_ids into confidence and a tag', () => {
    expect(byValue('198.51.100.61')).toMatchObject({ confidence: 90 });
    expect(byValue('198.51.100.61')?.tags).toContain('misp:to_ids');
    expect(byValue('http://loader.example.com/stage2.bin')).toMatchObject({ confidence: 30 });
    expect(byValue('http://loader.example.com/stage2.bin')?.tags).toContain('misp:context-only');
  });

  it('keeps event context: tags, threat level, info, category, family from galaxies', () => {
    const ip = byValue('198.51.100.61');
    expect(ip).toMatchObject({
      threat: 'network_activity',
      malware: 'IcedID',
      description: 'Fixture: loader campaign against finance',
      reference: 'misp:event/11111111-2222-4333-8444-555555555555',
      firstSeen: '2025-01-10T09:06:40Z',
    });
    expect(ip?.tags).toEqual(expect.arrayContaining(['tlp:green', 'misp:threat-level="high"']));
    // An attribute's own galaxy beats the event's.
    expect(byValue('3395856ce81f2b7382dee72602f798b642f14140')?.malware).toBe('LockBit');
    expect(byValue('d41d8cd98f00b204e9800998ecf8427e')?.tags).toContain('misp-object:file');
  });

  it('skips deleted attributes, reports bad values and unused types', () => {
    expect(byValue('da39a3ee5e6b4b0d3255bfef95601890afd80709')).toBeUndefined();
    expect(r.issues).toEqual([{ file: 'event.json', line: 10, field: 'md5', reason: '"not-a-hash" is not a valid md5' }]);
    expect(r.unsupported?.map((u) => u.reason)).toEqual([
      '2 attribute(s) of type "text" not used as indicators',
      '1 attribute(s) of type "filename" not used as indicators',
    ]);
  });

  it('accepts a bare event object as PyMISP writes it', () => {
    const res = misp.parse(JSON.stringify({ info: 'x', uuid: 'u', Attribute: [{ type: 'ip-src', value: '198.51.100.1', to_ids: true }] }), { file: 'x' });
    expect(res.indicators[0]?.value).toBe('198.51.100.1');
  });

  it('recognises a feed manifest and lists its events for the caller', () => {
    const text = read('manifest.json');
    expect(mispManifestEvents(text)).toEqual(['11111111-2222-4333-8444-555555555555', '66666666-7777-4888-9999-000000000000']);
    const res = misp.parse(text, { file: 'manifest.json' });
    expect(res.indicators).toEqual([]);
    expect(res.issues).toEqual([]);
    expect(res.unsupported?.[0]?.reason).toContain('manifest listing 2 event(s)');
    expect(mispManifestEvents(read('event.json'))).toBeUndefined();
  });

  it('reports invalid JSON with the line of the error', () => {
    const res = misp.parse('{\n"Event": {\n"info": "x"\n"uuid": "y"}}', { file: 'bad.json' });
    expect(res.indicators).toEqual([]);
    expect(res.issues[0]?.line).toBe(4);
  });

  it('detects events and manifests', () => {
    expect(misp.detect(read('event.json'), 'a.json')).toBeGreaterThan(0.9);
    expect(misp.detect(read('manifest.json'), 'manifest.json')).toBeGreaterThan(0.8);
    expect(misp.detect('{"type":"bundle","objects":[]}', 'x.json')).toBe(0);
  });

  it("a URL attribute makes its host known to the local index (STIX url patterns alike)", async () => {
    const { LocalIndex } = await import('../../local-index.js');
    const { stix21 } = await import('../stix21/index.js');
    const stix = stix21.parse(readFileSync(new URL('../stix21/fixtures/bundle.json', import.meta.url), 'utf8'), { file: 'bundle.json' });
    const idx = LocalIndex.build([{ name: 'MISP', indicators: r.indicators.filter((i) => i.type === 'url') }, { name: 'STIX', indicators: stix.indicators }]);
    expect(idx.lookup('domain', 'loader.example.com').map((m) => `${m.feed} ${m.indicator.value} ${m.matchedBy}`)).toEqual(['MISP http://loader.example.com/stage2.bin url-host']);
    expect(idx.lookup('domain', 'example.org').some((m) => m.feed === 'STIX' && m.matchedBy === 'url-host')).toBe(true);
  });
});
