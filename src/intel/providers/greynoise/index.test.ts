import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { describeFailureModes } from '../../remote/failure-modes.js';
import { mockServer, providerHarness, type MockRequest, type MockServer } from '../../remote/testing.js';
import greynoise from './index.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

describeFailureModes({
  def: greynoise,
  config: (url) => ({ apiKey: 'gn-key', baseUrl: url }),
  routes: (_r, which) => (which === 'found' ? { body: fixture('malicious') } : { status: 404, body: fixture('not-found') }),
  found: {
    observable: { type: 'ipv4', value: '45.148.10.95' },
    check: (r) => {
      expect(r).toMatchObject({ verdict: 'suspicious', score: 50, lastSeen: '2025-12-30T00:00:00.000Z', tags: ['scanner', 'greynoise:malicious'] });
      expect(r.evidence).toEqual(['seen scanning the internet with malicious intent, last on 2025-12-30', 'https://viz.greynoise.io/ip/45.148.10.95']);
    },
  },
  notFound: {
    observable: { type: 'ipv4', value: '93.184.216.34' },
    check: (r) => expect(r).toMatchObject({ verdict: 'unknown', score: 0, evidence: ['IP not observed scanning the internet or contained in RIOT data set.'] }),
  },
  unauthorized: { body: fixture('unauthorized') },
  rateLimited: { body: fixture('rate-limited') },
});

let srv: MockServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

function routes(r: MockRequest) {
  const ip = r.path.split('/').pop();
  if (ip === '8.8.8.8') return { body: fixture('riot') };
  if (ip === '71.6.135.131') return { body: fixture('benign') };
  return { status: 404, body: fixture('not-found') };
}

describe('greynoise provider', () => {
  it('calls known business services and benign scanners safe: background noise, not an attack', async () => {
    srv = await mockServer(routes);
    const h = providerHarness(greynoise, { apiKey: 'gn-key', baseUrl: srv.url });
    expect(await h.lookup({ type: 'ipv4', value: '8.8.8.8' })).toMatchObject({
      verdict: 'safe',
      score: 0,
      tags: ['riot', 'greynoise:benign'],
      evidence: ['a known business service (Google Public DNS): traffic from it is expected (GreyNoise RIOT)', 'https://viz.greynoise.io/riot/8.8.8.8'],
    });
    expect(await h.lookup({ type: 'ipv4', value: '71.6.135.131' })).toMatchObject({ verdict: 'safe', evidence: ['seen scanning the internet by a benign scanner (Shodan.io), last on 2025-12-31', 'https://viz.greynoise.io/ip/71.6.135.131'] });
    expect(srv.requests[0]!.headers.key).toBe('gn-key');
    expect(srv.requests[0]!.path).toBe('/v3/community/8.8.8.8');
  });

  it('runs keyless when enabled, sending no key header', async () => {
    srv = await mockServer(routes);
    const h = providerHarness(greynoise, { enabled: true, baseUrl: srv.url });
    await h.lookup({ type: 'ipv4', value: '8.8.8.8' });
    expect(srv.requests[0]!.headers.key).toBeUndefined();
  });

  it('is off without a key or enabled: true', () => {
    expect(providerHarness(greynoise, {}).engine.disabled[0]!.reason).toMatch(/^no API key \(set intel.providers.greynoise.apiKey or VIGIL_GREYNOISE_KEY/);
  });
});
