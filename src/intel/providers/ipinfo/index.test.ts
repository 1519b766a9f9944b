import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { IntelResult } from '../../../core/types.js';
import { mockServer, providerHarness, type MockAnswer, type MockRequest, type MockServer } from '../../remote/testing.js';
import ipinfo from './index.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

let srv: MockServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

async function setup(handler: (r: MockRequest) => MockAnswer, config: Record<string, unknown> = {}) {
  srv = await mockServer(handler);
  return providerHarness(ipinfo, { apiKey: 'tok', baseUrl: srv.url, timeout: '5s', ...config });
}

function routes(r: MockRequest): MockAnswer {
  if (r.headers.authorization !== 'Bearer tok') return { status: 403, body: fixture('unknown-token') };
  if (r.path === '/8.8.8.8') return { body: fixture('free') };
  if (r.path === '/185.220.101.47') return { body: fixture('business') };
  if (r.path === '/100.64.0.1') return { body: fixture('bogon') };
  return { status: 404, body: fixture('wrong-ip') };
}

describe('ipinfo provider', () => {
  it('gives location, network and hostname as context (free plan shape)', async () => {
    const h = await setup(routes);
    const r = await h.lookup({ type: 'ipv4', value: '8.8.8.8' });
    expect(IntelResult.parse(r)).toEqual(r);
    expect(r).toMatchObject({ verdict: 'info', score: 0, tags: ['country:US', 'AS15169'] });
    expect(r.evidence).toEqual(['located in Mountain View, California, US', 'network AS15169 Google LLC', 'hostname dns.google']);
    expect(srv!.requests[0]!.query.get('token')).toBeNull();
  });

  it('shows privacy flags, company and abuse contact (paid plan shape)', async () => {
    const h = await setup(routes);
    const r = await h.lookup({ type: 'ipv4', value: '185.220.101.47' });
    expect(r.evidence).toEqual([
      'located in Berlin, Land Berlin, DE',
      'network AS60729 Stiftung Erneuerbare Freiheit (relayon.example, route 185.220.101.0/24, type hosting)',
      'hostname tor-exit-47.relayon.example',
      'company Stiftung Erneuerbare Freiheit (hosting)',
      'privacy: Tor, hosting',
      'abuse contact abuse@relayon.example',
    ]);
    expect(r.tags).toEqual(['country:DE', 'AS60729', 'tor', 'hosting']);
    expect(r.score).toBe(0);
  });

  it('says when IPinfo calls an address a bogon, and when it has nothing (404)', async () => {
    const h = await setup(routes);
    expect(await h.lookup({ type: 'ipv4', value: '100.64.0.1' })).toMatchObject({ verdict: 'info', evidence: ['bogon: not routable on the internet'], tags: ['bogon'] });
    expect(await h.lookup({ type: 'ipv6', value: '2001:db8::1' })).toMatchObject({ verdict: 'unknown', evidence: ['IPinfo has no data: Please provide a valid IP address'] });
  });

  it('reports an unknown token, a 429 it waits out, a 5xx and a timeout', async () => {
    const bad = await setup(routes, { apiKey: 'nope' });
    expect(await bad.lookup({ type: 'ipv4', value: '8.8.8.8' })).toMatchObject({ partial: true, error: "API key refused (HTTP 403: Please ensure you've entered your token correctly.)" });
    await srv!.close();
    let n = 0;
    const limited = await setup((r) => (n++ === 0 ? { status: 429, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:20 GMT' }, body: fixture('rate-limit') } : routes(r)));
    expect((await limited.lookup({ type: 'ipv4', value: '8.8.8.8' })).verdict).toBe('info');
    expect(limited.time.sleeps).toContain(20_000);
    await srv!.close();
    const down = await setup(() => ({ status: 502, body: 'Bad Gateway' }), { retries: 1 });
    expect(await down.lookup({ type: 'ipv4', value: '8.8.8.8' })).toMatchObject({ partial: true, error: 'HTTP 502: Bad Gateway' });
    await srv!.close();
    const slow = await setup(() => ({ delayMs: 500, body: fixture('free') }), { timeout: '80ms', retries: 0 });
    expect(await slow.lookup({ type: 'ipv4', value: '8.8.8.8' })).toMatchObject({ partial: true, error: 'timed out after 80 ms' });
  });

  it('is off without a token', () => {
    expect(providerHarness(ipinfo, {}).engine.disabled[0]!.reason).toBe('no API key (set intel.providers.ipinfo.apiKey or VIGIL_IPINFO_KEY)');
  });
});
