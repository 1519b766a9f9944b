import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { describeFailureModes } from '../../remote/failure-modes.js';
import { mockServer, providerHarness, type MockRequest, type MockServer } from '../../remote/testing.js';
import { parseBootstrap, serverFor } from './bootstrap.js';
import rdap from './index.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
const rdapJson = { 'content-type': 'application/rdap+json' };

describeFailureModes({
  def: rdap,
  config: (url) => ({ enabled: true, server: url }),
  routes: (_r, which) => (which === 'found' ? { headers: rdapJson, body: fixture('young') } : { status: 404, headers: rdapJson, body: fixture('not-found') }),
  found: {
    observable: { type: 'domain', value: 'paypa1-login.top' },
    check: (r) => {
      expect(r).toMatchObject({ verdict: 'suspicious', score: 30, firstSeen: '2025-12-26T09:14:02.000Z' });
      expect(r.evidence[0]).toBe('registered 2025-12-26, 5 days ago, by NameCheap, Inc. — newly registered (under 30 days)');
    },
  },
  notFound: {
    observable: { type: 'domain', value: 'never-registered-zz.com' },
    check: (r) => expect(r).toMatchObject({ verdict: 'unknown', score: 0, evidence: ['no RDAP record for never-registered-zz.com (The domain you are seeking does not exist in this registry.): not registered, or not in this registry'] }),
  },
  unauthorized: { headers: rdapJson, body: fixture('unauthorized') },
  rateLimited: { headers: rdapJson, body: fixture('too-many') },
});

let srv: MockServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

/** Sends every https request to the local server instead, keeping the path: the bootstrap lists real registry URLs. */
function viaLocal(local: string): typeof fetch {
  return (input, init) => {
    const u = new URL(String(input));
    return fetch(`${local}/${u.host}${u.pathname}`, init);
  };
}

describe('rdap provider', () => {
  it('tells domain age, registrar, dates, status and name servers of an established domain', async () => {
    srv = await mockServer(() => ({ headers: rdapJson, body: fixture('established') }));
    const h = providerHarness(rdap, { enabled: true, server: srv.url });
    const r = await h.lookup({ type: 'domain', value: 'www.example.com' });
    expect(r).toMatchObject({ verdict: 'info', score: 0, tags: ['domain-age:11097d', 'registrar:RESERVED-Internet Assigned Numbers Authority'] });
    expect(r.evidence).toEqual([
      'registered 1995-08-14, 30 years ago (example.com), by RESERVED-Internet Assigned Numbers Authority',
      'last changed 2025-08-14, expires 2026-08-13',
      'status: client delete prohibited, client transfer prohibited, client update prohibited',
      'name servers a.iana-servers.net, b.iana-servers.net',
    ]);
    // Registries hold registered domains: the subdomain is asked as its registrable domain.
    expect(srv.requests[0]!.path).toBe('/domain/example.com');
    expect(srv.requests[0]!.headers.accept).toBe('application/rdap+json, application/json');
  });

  it('finds the registry of each TLD in the IANA bootstrap, read once', async () => {
    srv = await mockServer((r: MockRequest) => {
      if (r.path === '/data.iana.org/rdap/dns.json') return { body: fixture('bootstrap') };
      if (r.path === '/rdap.nic.top/domain/paypa1-login.top') return { headers: rdapJson, body: fixture('young') };
      if (r.path === '/rdap.verisign.com/com/v1/domain/example.com') return { headers: rdapJson, body: fixture('established') };
      return { status: 404, body: fixture('not-found') };
    });
    const h = providerHarness(rdap, { enabled: true }, { fetch: viaLocal(srv.url) });
    expect((await h.lookup({ type: 'domain', value: 'paypa1-login.top' })).tags).toContain('new-domain');
    expect((await h.lookup({ type: 'domain', value: 'example.com' })).verdict).toBe('info');
    expect(await h.lookup({ type: 'domain', value: 'shop.example.museum' })).toMatchObject({ verdict: 'unknown', evidence: ['no RDAP server for .museum in the IANA bootstrap'] });
    expect(srv.requests.map((r) => r.path)).toEqual(['/data.iana.org/rdap/dns.json', '/rdap.nic.top/domain/paypa1-login.top', '/rdap.verisign.com/com/v1/domain/example.com']);
  });

  it('never takes a server from the bootstrap that is plain http or a private address', () => {
    const b = parseBootstrap(fixture('bootstrap'));
    expect(serverFor(b, 'x.evil')).toBeUndefined();
    expect(serverFor(b, 'shop.example.co.uk')).toBe('https://rdap.nominet.uk/uk');
    expect(parseBootstrap({ services: 'nope' }).size).toBe(0);
  });

  it('marks young domains by the configured age and score', async () => {
    srv = await mockServer(() => ({ headers: rdapJson, body: fixture('young') }));
    const h = providerHarness(rdap, { enabled: true, server: srv.url, newDomainDays: 3, newDomainScore: 50 });
    const r = await h.lookup({ type: 'domain', value: 'paypa1-login.top' });
    expect(r).toMatchObject({ verdict: 'info', score: 0 });
    expect(r.tags).toContain('status:hold-or-deleting');
  });

  it('is off unless enabled', () => {
    expect(providerHarness(rdap, {}).engine.disabled[0]!.reason).toMatch(/^RDAP lookups are off \(set intel.providers.rdap.enabled: true/);
  });
});
