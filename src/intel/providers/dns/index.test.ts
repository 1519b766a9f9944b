import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntelResult } from '../../../core/types.js';
import { providerHarness } from '../../remote/testing.js';
import dns from './index.js';
import { DnsConfig } from './config.js';

// A small authoritative-style DNS server on 127.0.0.1 answering from a fixed zone.
type Rr = dnsPacket.Answer;
const ZONE: Record<string, Rr[]> = {
  'northwind-traders.com/A': [{ type: 'A', name: 'northwind-traders.com', ttl: 300, data: '93.184.216.34' }],
  'northwind-traders.com/AAAA': [{ type: 'AAAA', name: 'northwind-traders.com', ttl: 300, data: '2606:2800:220:1:248:1893:25c8:1946' }],
  'northwind-traders.com/MX': [
    { type: 'MX', name: 'northwind-traders.com', ttl: 300, data: { preference: 20, exchange: 'mx2.northwind-traders.com' } },
    { type: 'MX', name: 'northwind-traders.com', ttl: 300, data: { preference: 10, exchange: 'mx1.northwind-traders.com' } },
  ],
  'northwind-traders.com/NS': [
    { type: 'NS', name: 'northwind-traders.com', ttl: 300, data: 'ns1.dnshost.net' },
    { type: 'NS', name: 'northwind-traders.com', ttl: 300, data: 'ns2.dnshost.net' },
  ],
  'northwind-traders.com/TXT': [
    { type: 'TXT', name: 'northwind-traders.com', ttl: 300, data: ['v=spf1 include:_spf.mailhost.net ', '-all'] },
    { type: 'TXT', name: 'northwind-traders.com', ttl: 300, data: 'google-site-verification=abc' },
  ],
  '_dmarc.northwind-traders.com/TXT': [{ type: 'TXT', name: '_dmarc.northwind-traders.com', ttl: 300, data: 'v=DMARC1; p=reject; rua=mailto:d@northwind-traders.com' }],
  'fresh-phish.top/A': [{ type: 'A', name: 'fresh-phish.top', ttl: 60, data: '45.155.205.12' }],
  'fresh-phish.top/NS': [{ type: 'NS', name: 'fresh-phish.top', ttl: 60, data: 'ns1.cheap-dns.top' }],
  '8.8.8.8.in-addr.arpa/PTR': [{ type: 'PTR', name: '8.8.8.8.in-addr.arpa', ttl: 300, data: 'dns.google' }],
};
const EXISTS = new Set(['northwind-traders.com', '_dmarc.northwind-traders.com', 'fresh-phish.top', '8.8.8.8.in-addr.arpa', 'hang.top', 'broken.top']);

let server: Socket;
let addr = '';
const asked: string[] = [];

beforeAll(async () => {
  server = createSocket('udp4');
  server.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    const question = q.questions![0]!;
    asked.push(`${question.type} ${question.name}`);
    if (question.name === 'hang.top') return; // never answers: the resolver times out
    const rcode = question.name === 'broken.top' ? 2 /* SERVFAIL */ : EXISTS.has(question.name) ? 0 : 3; /* NXDOMAIN */
    const answers = rcode === 0 ? (ZONE[`${question.name}/${question.type}`] ?? []) : [];
    const out = dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode, questions: q.questions, answers });
    server.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const harness = (extra: Record<string, unknown> = {}) => providerHarness(dns, { enabled: true, servers: [addr], ...extra });

describe('dns provider', () => {
  it('is off unless enabled, since queries leave the machine', () => {
    expect(providerHarness(dns, {}).engine.disabled[0]!.reason).toBe('DNS lookups are off (set intel.providers.dns.enabled: true; queries leave the machine)');
    expect(DnsConfig.safeParse({ enabled: true, servers: ['resolver.example'] }).success).toBe(false);
    expect(DnsConfig.safeParse({ enabled: true, servers: ['[::1]:5353', '1.1.1.1', '127.0.0.1:53'] }).success).toBe(true);
  });

  it('reads addresses, mail servers, name servers, SPF and DMARC of a domain', async () => {
    const r = await harness().lookup({ type: 'domain', value: 'northwind-traders.com' });
    expect(IntelResult.parse(r)).toEqual(r);
    expect(r).toMatchObject({ provider: 'dns', verdict: 'info', score: 0, tags: ['dmarc:reject'] });
    expect(r.evidence).toEqual([
      'resolves to 93.184.216.34, 2606:2800:220:1:248:1893:25c8:1946',
      'mail: 10 mx1.northwind-traders.com, 20 mx2.northwind-traders.com',
      'name servers: ns1.dnshost.net, ns2.dnshost.net',
      'SPF: v=spf1 include:_spf.mailhost.net -all',
      '1 other TXT record',
      'DMARC: v=DMARC1; p=reject; rua=mailto:d@northwind-traders.com',
    ]);
  });

  it('flags a domain without mail authentication, and one that does not exist', async () => {
    const h = harness();
    const fresh = await h.lookup({ type: 'domain', value: 'fresh-phish.top' });
    expect(fresh.evidence).toEqual(['resolves to 45.155.205.12', 'no MX record', 'name servers: ns1.cheap-dns.top', 'no SPF record', 'no DMARC record']);
    expect(fresh.tags).toEqual(['no-mx', 'no-spf', 'no-dmarc']);
    const gone = await h.lookup({ type: 'domain', value: 'gone-already.top' });
    expect(gone).toMatchObject({ verdict: 'info', evidence: ['gone-already.top does not exist (NXDOMAIN)'], tags: ['nxdomain'] });
  });

  it('reads the reverse name of an address and the mail records of an email domain', async () => {
    const h = harness();
    expect((await h.lookup({ type: 'ipv4', value: '8.8.8.8' })).evidence).toEqual(['reverse name dns.google']);
    expect((await h.lookup({ type: 'ipv4', value: '45.155.205.12' })).evidence).toEqual(['no reverse (PTR) record']);
    const mail = await h.lookup({ type: 'email', value: 'billing@northwind-traders.com' });
    expect(mail.evidence).toEqual(['mail: 10 mx1.northwind-traders.com, 20 mx2.northwind-traders.com', 'SPF: v=spf1 include:_spf.mailhost.net -all', '1 other TXT record', 'DMARC: v=DMARC1; p=reject; rua=mailto:d@northwind-traders.com']);
    // An email address asks only for the mail records of its domain.
    expect(asked.filter((q) => q.includes('billing'))).toEqual([]);
  });

  it('degrades on SERVFAIL and on a resolver that never answers', async () => {
    const broken = await harness({ retries: 1 }).lookup({ type: 'domain', value: 'broken.top' });
    expect(broken).toMatchObject({ partial: true });
    expect(broken.error).toMatch(/^(A|AAAA|NS|MX|TXT|TXT _dmarc\.)\S* ?broken\.top: ESERVFAIL$/);
    const h = harness({ timeout: '150ms', retries: 0 });
    const slow = await h.lookup({ type: 'domain', value: 'hang.top' });
    expect(slow.partial).toBe(true);
    expect(slow.error).toMatch(/timed out after 150 ms|the resolver did not answer/);
  });

  it('spends one quota token per query', async () => {
    const h = harness({ quota: [{ limit: 100, per: '1m' }] });
    await h.lookup({ type: 'domain', value: 'northwind-traders.com' });
    expect(h.engine.status()[0]!.quota![0]).toMatchObject({ used: 6, remaining: 94 });
  });
});
