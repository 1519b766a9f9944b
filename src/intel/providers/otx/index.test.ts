import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { describeFailureModes } from '../../remote/failure-modes.js';
import { mockServer, providerHarness, type MockRequest, type MockServer } from '../../remote/testing.js';
import otx from './index.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

describeFailureModes({
  def: otx,
  config: (url) => ({ apiKey: 'otx-key', baseUrl: url }),
  routes: (_r, which) => (which === 'found' ? { body: fixture('pulses') } : { body: fixture('unknown') }),
  found: {
    observable: { type: 'ipv4', value: '45.148.10.95' },
    check: (r) => {
      expect(r).toMatchObject({ verdict: 'malicious', score: 72, lastSeen: '2025-12-29T10:11:12.345Z', firstSeen: '2025-12-15T08:00:00.000Z' });
      expect(r.evidence).toEqual(['in 6 OTX pulses, newest "Mirai and SSH brute-force sources, December" (2025-12-29), "Webserver attacks 2025-12-15" (2025-12-15)', 'malware: Mirai', 'ATT&CK T1110, T1190']);
      expect(r.tags).toEqual(['mirai', 'T1110', 'T1190', 'bruteforce', 'ssh', 'scanner']);
    },
  },
  notFound: {
    observable: { type: 'ipv4', value: '93.184.216.34' },
    check: (r) => expect(r).toMatchObject({ verdict: 'unknown', score: 0, evidence: ['in no OTX pulse'] }),
  },
  unauthorized: { body: fixture('unauthorized') },
  rateLimited: { body: fixture('throttled') },
});

let srv: MockServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

function routes(r: MockRequest) {
  if (r.headers['x-otx-api-key'] !== 'otx-key') return { status: 403, body: fixture('unauthorized') };
  if (r.path === '/api/v1/indicators/domain/example.org/general') return { body: fixture('clean') };
  if (r.path.startsWith('/api/v1/indicators/IPv4/45.148.10.95/')) return { body: fixture('pulses') };
  return { status: 404, body: fixture('not-found') };
}

describe('otx provider', () => {
  it('asks the section of each observable type, with the key header', async () => {
    srv = await mockServer(routes);
    const h = providerHarness(otx, { apiKey: 'otx-key', baseUrl: srv.url });
    expect(await h.lookup({ type: 'domain', value: 'example.org' })).toMatchObject({ verdict: 'safe', score: 0, evidence: ['in no OTX pulse', 'OTX validation: Whitelisted domain example.org'] });
    expect(await h.lookup({ type: 'url', value: 'http://bad.example.net/x?a=1' })).toMatchObject({ verdict: 'unknown', evidence: ['not in OTX (Not found.)'] });
    expect(await h.lookup({ type: 'sha256', value: 'a'.repeat(64) })).toMatchObject({ verdict: 'unknown' });
    expect(srv.requests.map((r) => r.path)).toEqual([
      '/api/v1/indicators/domain/example.org/general',
      '/api/v1/indicators/url/http%3A%2F%2Fbad.example.net%2Fx%3Fa%3D1/general',
      `/api/v1/indicators/file/${'a'.repeat(64)}/general`,
    ]);
  });

  it('takes the pulse thresholds from config', async () => {
    srv = await mockServer(routes);
    const h = providerHarness(otx, { apiKey: 'otx-key', baseUrl: srv.url, maliciousAt: 10, suspiciousAt: 3 });
    expect(await h.lookup({ type: 'ipv4', value: '45.148.10.95' })).toMatchObject({ verdict: 'suspicious', score: 55 });
  });

  it('is off without a key', () => {
    expect(providerHarness(otx, {}).engine.disabled[0]!.reason).toBe('no API key (set intel.providers.otx.apiKey or VIGIL_OTX_KEY)');
  });
});
