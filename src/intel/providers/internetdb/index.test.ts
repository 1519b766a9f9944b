import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { describeFailureModes } from '../../remote/failure-modes.js';
import { mockServer, providerHarness, type MockServer } from '../../remote/testing.js';
import internetdb from './index.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

describeFailureModes({
  def: internetdb,
  config: (url) => ({ enabled: true, baseUrl: url }),
  routes: (_r, which) => (which === 'found' ? { body: fixture('c2') } : { status: 404, body: fixture('not-found') }),
  found: {
    observable: { type: 'ipv4', value: '45.148.10.95' },
    check: (r) => {
      expect(r).toMatchObject({ verdict: 'suspicious', score: 50, tags: ['c2', 'cloud', 'port:22', 'port:443', 'port:8080', 'vulnerable'] });
      expect(r.evidence).toEqual([
        'open ports 22, 443, 8080',
        'Shodan tags: c2, cloud',
        '3 known vulnerabilities by version: CVE-2021-23017, CVE-2023-38408, CVE-2020-15778',
        'software cpe:/a:openbsd:openssh:8.2p1, cpe:/a:nginx:nginx:1.18.0, cpe:/o:canonical:ubuntu_linux',
        'hostname vps-2231.hostkey.example',
      ]);
    },
  },
  notFound: {
    observable: { type: 'ipv4', value: '93.184.216.34' },
    check: (r) => expect(r).toMatchObject({ verdict: 'unknown', score: 0, evidence: ['not in Shodan InternetDB (no open ports seen)'] }),
  },
  unauthorized: { body: fixture('unauthorized') },
  rateLimited: { body: fixture('rate-limited') },
});

let srv: MockServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

describe('internetdb provider', () => {
  it('gives exposure as context for an ordinary host, with no key sent', async () => {
    srv = await mockServer(() => ({ body: fixture('cdn') }));
    const h = providerHarness(internetdb, { enabled: true, baseUrl: srv.url });
    expect(await h.lookup({ type: 'ipv4', value: '1.1.1.1' })).toMatchObject({ verdict: 'info', score: 0, evidence: ['open ports 53, 80, 443, 853', 'Shodan tags: cdn', 'hostname one.one.one.one'] });
    expect(srv.requests[0]!.path).toBe('/1.1.1.1');
    expect(Object.keys(srv.requests[0]!.headers).filter((k) => /key|auth/i.test(k))).toEqual([]);
  });

  it('is off unless enabled', () => {
    expect(providerHarness(internetdb, {}).engine.disabled[0]!.reason).toMatch(/^Shodan InternetDB lookups are off \(set intel.providers.internetdb.enabled: true/);
  });
});
