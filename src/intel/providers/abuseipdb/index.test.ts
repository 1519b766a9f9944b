import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { IntelResult } from '../../../core/types.js';
import { mockServer, providerHarness, type MockAnswer, type MockRequest, type MockServer } from '../../remote/testing.js';
import abuseipdb from './index.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

let srv: MockServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

async function setup(handler: (r: MockRequest) => MockAnswer, config: Record<string, unknown> = {}) {
  srv = await mockServer(handler);
  return providerHarness(abuseipdb, { apiKey: 'test-key', baseUrl: srv.url, timeout: '5s', ...config });
}

function routes(r: MockRequest): MockAnswer {
  if (r.headers.key !== 'test-key') return { status: 401, body: fixture('unauthorized') };
  if (r.path !== '/api/v2/check') return { status: 404, body: '<html>Not Found</html>' };
  const ip = r.query.get('ipAddress');
  if (ip === '45.148.10.95') return { body: fixture('check') };
  if (ip === '93.184.216.34') return { body: fixture('clean') };
  return { status: 422, body: fixture('invalid') };
}

describe('abuseipdb provider', () => {
  it('explains a reported address: confidence, reports, categories, network', async () => {
    const h = await setup(routes);
    const r = await h.lookup({ type: 'ipv4', value: '45.148.10.95' });
    expect(IntelResult.parse(r)).toEqual(r);
    expect(r).toMatchObject({ verdict: 'malicious', score: 100, lastSeen: '2026-11-18T05:59:02.000Z', tags: ['brute-force', 'ssh', 'port scan', 'country:NL'] });
    expect(r.evidence).toEqual([
      'abuse confidence 100, 1,204 reports',
      'reported by 312 distinct users in the last 90 days, last on 2026-11-18',
      'reported for Brute-Force (2), SSH (2), Port Scan (1)',
      'Data Center/Web Hosting/Transit, Techoff Srv Limited (techoff.example), Netherlands',
    ]);
    const req = srv!.requests[0]!;
    expect(req.query.get('maxAgeInDays')).toBe('90');
    expect(req.query.has('verbose')).toBe(true);
    expect(req.headers.accept).toBe('application/json');
  });

  it('answers unknown for an address nobody reported, and for one AbuseIPDB refuses', async () => {
    const h = await setup(routes);
    const clean = await h.lookup({ type: 'ipv4', value: '93.184.216.34' });
    expect(clean).toMatchObject({ verdict: 'unknown', score: 0, evidence: ['no abuse reports in the last 90 days', 'Content Delivery Network, Edgecast Inc. (edgecast.com), US'] });
    const refused = await h.lookup({ type: 'ipv6', value: '2001:67c:2e8::1' });
    expect(refused).toMatchObject({ verdict: 'unknown', evidence: ['AbuseIPDB did not check it: The ip address must be a valid IPv4 or IPv6 address (e.g. 8.8.8.8 or 2001:4860:4860::8888).'] });
    expect(refused.partial).toBeUndefined();
  });

  it('takes thresholds and the look-back from config', async () => {
    const h = await setup(routes, { maliciousAt: 100, suspiciousAt: 50, maxAgeInDays: 30, verbose: false });
    await h.lookup({ type: 'ipv4', value: '45.148.10.95' });
    expect(srv!.requests[0]!.query.get('maxAgeInDays')).toBe('30');
    expect(srv!.requests[0]!.query.has('verbose')).toBe(false);
  });

  it('treats a 404 as a failure (a wrong base URL), not as an unknown address', async () => {
    const closed = await mockServer(routes);
    await closed.close();
    const h = providerHarness(abuseipdb, { apiKey: 'test-key', baseUrl: closed.url, retries: 0 });
    const r = await h.lookup({ type: 'ipv4', value: '45.148.10.95' });
    expect(r).toMatchObject({ partial: true, verdict: 'unknown' });
    expect(r.error).toMatch(/^connection failed: ECONNREFUSED/);
    srv = await mockServer(routes);
    const h2 = providerHarness(abuseipdb, { apiKey: 'test-key', baseUrl: `${srv.url}/v9`, retries: 0 });
    expect(await h2.lookup({ type: 'ipv4', value: '45.148.10.95' })).toMatchObject({ partial: true, error: 'HTTP 404' });
  });

  it('reports a refused key as a partial answer with AbuseIPDB’s words', async () => {
    const h = await setup(routes, { apiKey: 'revoked' });
    const r = await h.lookup({ type: 'ipv4', value: '45.148.10.95' });
    expect(r.partial).toBe(true);
    expect(r.error).toBe('API key refused (HTTP 401: Authentication failed. Your API key is either missing, incorrect, or revoked. Note: The APIv2 key differs from the APIv1 key.)');
  });

  it('honours Retry-After on 429, and gives up when the wait is a whole day', async () => {
    let n = 0;
    const h = await setup((r) => (n++ === 0 ? { status: 429, headers: { 'retry-after': '45', 'x-ratelimit-remaining': '0' }, body: fixture('too-many') } : routes(r)));
    expect((await h.lookup({ type: 'ipv4', value: '45.148.10.95' })).verdict).toBe('malicious');
    expect(h.time.sleeps).toContain(45_000);
    await srv!.close();
    srv = await mockServer(() => ({ status: 429, headers: { 'retry-after': '86400' }, body: fixture('too-many') }));
    const h2 = providerHarness(abuseipdb, { apiKey: 'test-key', baseUrl: srv.url });
    const r = await h2.lookup({ type: 'ipv4', value: '45.148.10.95' });
    expect(r).toMatchObject({ partial: true });
    expect(r.error).toBe('rate limited (HTTP 429: Daily rate limit of 1000 requests exceeded for this endpoint. See headers for additional details.); asked to wait 24 h, longer than maxRetryAfter 2 min');
    // The queue is paused: the next lookup is refused at once instead of waiting a day.
    const next = await h2.lookup({ type: 'ipv4', value: '45.148.10.96' });
    expect(next.error).toMatch(/^quota used up \(1000\/1d\); the next free slot is in 24 h/);
    expect(srv.requests).toHaveLength(1);
  });

  it('retries 5xx answers and a provider that hangs, then degrades', async () => {
    const h = await setup(() => ({ status: 500, body: { errors: [{ detail: 'Internal error', status: 500 }] } }), { retries: 1 });
    expect(await h.lookup({ type: 'ipv4', value: '45.148.10.95' })).toMatchObject({ partial: true, error: 'HTTP 500: Internal error' });
    expect(srv!.requests).toHaveLength(2);
    await srv!.close();
    srv = await mockServer(() => ({ hang: true }));
    const h2 = providerHarness(abuseipdb, { apiKey: 'test-key', baseUrl: srv.url, timeout: '100ms', retries: 1 });
    expect(await h2.lookup({ type: 'ipv4', value: '45.148.10.95' })).toMatchObject({ partial: true, error: 'timed out after 100 ms' });
    // Two attempts; under load the second may be abandoned before the server sees it.
    expect(h2.engine.status()[0]!.calls).toMatchObject({ requests: 2, retried: 1, failed: 1 });
  });

  it('is off without a key', () => {
    expect(providerHarness(abuseipdb, {}).engine.disabled[0]!.reason).toBe('no API key (set intel.providers.abuseipdb.apiKey or VIGIL_ABUSEIPDB_KEY)');
  });
});
