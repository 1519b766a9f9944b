import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LocalIndex } from '../local-index.js';
import { detectFormat } from './registry.js';
import { sharedData } from '../../../test/helpers/shared-data.js';

// Real third-party samples live outside the repository (licences forbid copying them in); this
// evaluation runs when they are on this machine and says why it skipped otherwise.
const feeds = sharedData('feeds');
const dataDir = `${feeds.path}/`;

function load(rel: string) {
  const text = readFileSync(`${dataDir}${rel}`, 'utf8');
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  const det = detectFormat(text, name);
  if (det === undefined) throw new Error(`${rel}: format not detected`);
  return { format: det.format.id, ...det.format.parse(text, { file: rel }) };
}

describe.skipIf(!feeds.present)(`real feed samples (shared data feeds)${feeds.note}`, () => {
  it('Feodo Tracker CSV', () => {
    const r = load('feodo/feodo_ipblocklist_sample.csv');
    expect(r.format).toBe('feodo');
    expect(r.issues).toEqual([]);
    expect(r.indicators).toHaveLength(11);
    expect(r.indicators[0]).toMatchObject({ type: 'ipv4', value: '192.9.135.73', malware: 'Pikabot', firstSeen: '2023-05-23T17:51:44Z' });
  });

  it('Spamhaus DROP, DROPv6 and ASN-DROP', () => {
    const drop = load('spamhaus/drop_sample.txt');
    expect(drop.format).toBe('spamhaus-drop');
    expect(drop.issues).toEqual([]);
    expect(drop.indicators.map((i) => [i.value, i.reference])).toEqual([['1.4.0.0/17', 'SBL256893'], ['2a06:e480::/29', 'SBL301771']]);
    const v6 = load('spamhaus/drop_ipv6_sample.txt');
    expect(v6.format).toBe('spamhaus-drop');
    expect(v6.issues).toEqual([]);
    expect(v6.indicators).toHaveLength(15);
    const asn = load('spamhaus/asn_drop_sample.json');
    expect(asn.format).toBe('spamhaus-drop');
    expect(asn.indicators.map((i) => i.value)).toEqual(['AS932', 'AS6060', 'AS6134', 'AS7411', 'AS15828']);
  });

  it('OpenPhish', () => {
    const r = load('openphish/feed_sample.txt');
    expect(r.format).toBe('openphish');
    expect(r.issues).toEqual([]);
    expect(r.indicators).toHaveLength(25);
    expect(r.indicators.every((i) => i.type === 'url' && i.threat === 'phishing')).toBe(true);
  });

  it('MISP event (PyMISP test data, a bare event)', () => {
    const r = load('misp/pymisp_misp_event.json');
    expect(r.format).toBe('misp');
    expect(r.indicators.map((i) => [i.type, i.value, i.confidence])).toEqual([['url', 'http://fake.website.com/malware/is/here', 30]]);
    expect(r.unsupported?.map((u) => u.reason)).toEqual(['1 attribute(s) of type "text" not used as indicators']);
  });

  it('STIX 2.1 examples: indicators extracted, email patterns reported as unsupported', () => {
    const c2 = load('stix21/indicators-for-C2-with-COA.json');
    expect(c2.format).toBe('stix21');
    expect(c2.indicators.map((i) => [i.type, i.value, i.malware])).toEqual([
      ['ipv4', '10.0.0.0', 'Poison Ivy'],
      ['sha256', 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c', 'Poison Ivy'],
    ]);
    const mail = load('stix21/malicious-email-indicator-with-attachment.json');
    expect(mail.indicators).toEqual([]);
    expect(mail.issues).toEqual([]);
    expect(mail.unsupported).toHaveLength(2);
    expect(mail.unsupported?.[0]).toMatchObject({ line: 3, field: 'objects[2].pattern' });
  });

  it('the samples load into one index that answers for them', () => {
    const feeds = [
      'feodo/feodo_ipblocklist_sample.csv', 'spamhaus/drop_sample.txt', 'spamhaus/drop_ipv6_sample.txt',
      'openphish/feed_sample.txt', 'stix21/indicators-for-C2-with-COA.json',
    ].map((rel) => ({ name: rel, indicators: load(rel).indicators }));
    const idx = LocalIndex.build(feeds);
    expect(idx.skipped).toBe(0);
    expect(idx.lookup('ipv4', '1.4.1.2').map((m) => m.matchedBy)).toEqual(['cidr']);
    expect(idx.lookup('ipv6', '2a06:e480:1::1')).toHaveLength(1);
    expect(idx.lookup('ipv4', '192.9.135.73')[0]?.indicator.malware).toBe('Pikabot');
    expect(idx.lookup('url', 'http://send-usdt-9999.netlify.app/')).toHaveLength(1);
  });
});
