import { describe, expect, it } from 'vitest';
import type { Indicator } from './feeds/format.js';
import { LocalIndex } from './local-index.js';

let line = 0;
const ind = (type: Indicator['type'], value: string, extra: Partial<Indicator> = {}): Indicator => ({ type, value, tags: [], line: ++line, ...extra });

const index = LocalIndex.build([
  {
    name: 'Feodo Tracker',
    indicators: [ind('ipv4', '198.51.100.23', { malware: 'Pikabot' }), ind('ipv6', '2001:db8::c2')],
  },
  {
    name: 'Spamhaus DROP',
    indicators: [
      ind('cidr', '198.51.100.0/22', { reference: 'SBL1' }),
      ind('cidr', '198.51.100.0/24', { reference: 'SBL2' }),
      ind('cidr', '10.0.0.0/8'),
      ind('cidr', '2001:db8:1000::/36'),
      ind('cidr', '0.0.0.0/0'),
    ],
  },
  {
    name: 'Domains',
    indicators: [
      ind('domain', 'evil.example', { matchSubdomains: true }),
      ind('domain', 'exact.example'),
      ind('domain', 'sub.exact.example'),
    ],
  },
  {
    name: 'Mixed',
    indicators: [
      ind('sha256', '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f'),
      ind('md5', '44d88612fea8a8f36de82e1278abb02f'),
      ind('url', 'http://files.example.net/dl/Invoice.exe'),
      ind('email', 'phisher@example.com'),
      ind('asn', 'AS64500'),
      ind('domain', 'exact.example'),
      ind('cidr', 'not-a-range'),
    ],
  },
]);

const summary = (type: Parameters<LocalIndex['lookup']>[0], value: string) =>
  index.lookup(type, value).map((m) => `${m.feed}|${m.indicator.value}|${m.matchedBy}`);

describe('LocalIndex', () => {
  it('counts what it indexed and what it skipped', () => {
    expect(index.size).toBe(16);
    expect(index.skipped).toBe(1);
    expect(index.feedNames).toEqual(['Feodo Tracker', 'Spamhaus DROP', 'Domains', 'Mixed']);
  });

  it('matches an IPv4 exactly and inside every enclosing range, most specific first', () => {
    expect(summary('ipv4', '198.51.100.23')).toEqual([
      'Feodo Tracker|198.51.100.23|exact',
      'Spamhaus DROP|198.51.100.0/24|cidr',
      'Spamhaus DROP|198.51.100.0/22|cidr',
      'Spamhaus DROP|0.0.0.0/0|cidr',
    ]);
    expect(summary('ipv4', '198.51.103.255')).toEqual(['Spamhaus DROP|198.51.100.0/22|cidr', 'Spamhaus DROP|0.0.0.0/0|cidr']);
    expect(summary('ipv4', '10.255.255.255')).toEqual(['Spamhaus DROP|10.0.0.0/8|cidr', 'Spamhaus DROP|0.0.0.0/0|cidr']);
  });

  it('matches IPv6 exactly (whatever the spelling) and inside ranges; mapped IPv4 goes to IPv4', () => {
    expect(summary('ipv6', '2001:DB8:0::C2')).toEqual(['Feodo Tracker|2001:db8::c2|exact']);
    expect(summary('ipv6', '2001:db8:1fff:ffff::1')).toEqual(['Spamhaus DROP|2001:db8:1000::/36|cidr']);
    expect(summary('ipv6', '2001:db8:2000::1')).toEqual([]);
    expect(summary('ipv6', '::ffff:10.1.2.3')).toEqual(['Spamhaus DROP|10.0.0.0/8|cidr', 'Spamhaus DROP|0.0.0.0/0|cidr']);
  });

  it('matches a CIDR observable against the same and enclosing ranges', () => {
    expect(summary('cidr', '198.51.100.0/24')).toEqual([
      'Spamhaus DROP|198.51.100.0/24|exact',
      'Spamhaus DROP|198.51.100.0/22|cidr',
      'Spamhaus DROP|0.0.0.0/0|cidr',
    ]);
    expect(summary('cidr', '2001:db8:1000::/48')).toEqual(['Spamhaus DROP|2001:db8:1000::/36|cidr']);
  });

  it('matches domains exactly, and subdomains only where the entry says so', () => {
    expect(summary('domain', 'evil.example')).toEqual(['Domains|evil.example|exact']);
    expect(summary('domain', 'a.b.Evil.Example.')).toEqual(['Domains|evil.example|subdomain']);
    expect(summary('domain', 'notevil.example')).toEqual([]);
    expect(summary('domain', 'exact.example')).toEqual(['Domains|exact.example|exact', 'Mixed|exact.example|exact']);
    expect(summary('domain', 'x.exact.example')).toEqual([]);
    expect(summary('domain', 'sub.exact.example')).toEqual(['Domains|sub.exact.example|exact']);
  });

  it('matches URLs exactly and by host', () => {
    expect(summary('url', 'http://files.example.net/dl/Invoice.exe')).toEqual(['Mixed|http://files.example.net/dl/Invoice.exe|url']);
    expect(summary('url', 'HTTP://Files.Example.NET:80/dl/Invoice.exe#top')).toEqual(['Mixed|http://files.example.net/dl/Invoice.exe|url']);
    expect(summary('url', 'http://files.example.net/dl/invoice.exe')).toEqual([]);
    expect(summary('url', 'https://user@cdn.evil.example:8443/x')).toEqual(['Domains|evil.example|subdomain']);
    expect(summary('url', 'http://198.51.100.23:8080/gate')).toEqual([
      'Feodo Tracker|198.51.100.23|exact',
      'Spamhaus DROP|198.51.100.0/24|cidr',
      'Spamhaus DROP|198.51.100.0/22|cidr',
      'Spamhaus DROP|0.0.0.0/0|cidr',
    ]);
    expect(summary('url', 'http://[2001:db8::c2]/')).toEqual(['Feodo Tracker|2001:db8::c2|exact']);
  });

  it('the http and https forms of a listed URL share the listing; a URL written without a scheme finds it too', () => {
    expect(summary('url', 'https://files.example.net/dl/Invoice.exe')).toEqual(['Mixed|http://files.example.net/dl/Invoice.exe|url']);
    expect(summary('url', 'files.example.net/dl/Invoice.exe')).toEqual(['Mixed|http://files.example.net/dl/Invoice.exe|url']);
    expect(summary('url', 'ftp://files.example.net/dl/Invoice.exe')).toEqual([]);
  });

  it("a domain or address not listed itself is matched by the listed URLs on it ('url-host'), not by its parent's", () => {
    expect(summary('domain', 'files.example.net')).toEqual(['Mixed|http://files.example.net/dl/Invoice.exe|url-host']);
    expect(summary('domain', 'FILES.example.net.')).toEqual(['Mixed|http://files.example.net/dl/Invoice.exe|url-host']);
    expect(summary('domain', 'example.net')).toEqual([]);
    const byIp = LocalIndex.build([{ name: 'URLhaus', indicators: [ind('url', 'http://203.0.113.77/bins/arm7')] }]);
    expect(byIp.lookup('ipv4', '203.0.113.77').map((m) => m.matchedBy)).toEqual(['url-host']);
    // a URL lookup does not inherit from other URLs on its host
    expect(byIp.lookup('url', 'http://203.0.113.77/other')).toEqual([]);
  });

  it('matches hashes, emails and ASNs tolerating case', () => {
    expect(summary('sha256', '275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F')).toHaveLength(1);
    expect(summary('md5', '44d88612fea8a8f36de82e1278abb02f')).toEqual(['Mixed|44d88612fea8a8f36de82e1278abb02f|exact']);
    expect(summary('sha1', '44d88612fea8a8f36de82e1278abb02f')).toEqual([]);
    expect(summary('email', 'Phisher@Example.com')).toHaveLength(1);
    expect(summary('asn', 'as64500')).toEqual(['Mixed|AS64500|exact']);
  });

  it('answers a miss with one shared empty array and rejects junk quietly', () => {
    const a = index.lookup('md5', 'ffffffffffffffffffffffffffffffff');
    expect(a).toEqual([]);
    expect(index.lookup('domain', 'nothing.test')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    for (const v of ['', '1.2.3', '999.1.1.1', ':::', '1::2::3', 'zz']) {
      expect(index.lookup('ipv4', v)).toEqual([]);
      expect(index.lookup('ipv6', v)).toEqual([]);
    }
  });

  it('is empty when built from nothing', () => {
    const e = LocalIndex.empty();
    expect(e.size).toBe(0);
    expect(e.lookup('ipv4', '198.51.100.1')).toEqual([]);
    expect(e.lookup('domain', 'a.b')).toEqual([]);
  });

  it('finds the right ranges among many nested and disjoint ones', () => {
    // Compare with a brute-force scan over random laminar ranges.
    const ranges: Array<[number, number, string]> = [];
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const inds: Indicator[] = [];
    for (let k = 0; k < 2000; k++) {
      const prefix = 8 + (rnd() % 25);
      const size = 2 ** (32 - prefix);
      const start = Math.floor((rnd() * 2 ** 32 / 2 ** 32) / size) * size % 2 ** 32;
      const a = start >>> 0;
      const text = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${prefix}`;
      ranges.push([a, a + size - 1, text]);
      inds.push(ind('cidr', text));
    }
    const idx = LocalIndex.build([{ name: 'r', indicators: inds }]);
    for (let q = 0; q < 2000; q++) {
      const ip = q % 2 === 0 ? rnd() : (ranges[q % ranges.length]?.[0] ?? 0) + (rnd() % 256);
      const text = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
      const want = ranges.filter(([s, e]) => s <= ip && ip <= e).map((r) => r[2]).sort();
      const got = idx.lookup('ipv4', text).map((m) => m.indicator.value).sort();
      expect(got).toEqual(want);
    }
  });
});
