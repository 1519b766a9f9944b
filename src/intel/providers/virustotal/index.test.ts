import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { IntelResult } from '../../../core/types.js';
import { mockServer, providerHarness, type MockAnswer, type MockRequest, type MockServer } from '../../remote/testing.js';
import virustotal from './index.js';
import { vtPath } from './map.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
const SHA = '0f2c6b8a5fd1c1c35cbd1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7';

let srv: MockServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

async function setup(handler: (r: MockRequest) => MockAnswer, config: Record<string, unknown> = {}) {
  srv = await mockServer(handler);
  return providerHarness(virustotal, { apiKey: 'test-key', baseUrl: srv.url, timeout: '5s', ...config });
}

function routes(r: MockRequest): MockAnswer {
  if (r.headers['x-apikey'] !== 'test-key') return { status: 401, body: fixture('wrong-key') };
  if (r.path === '/api/v3/ip_addresses/185.220.101.47') return { body: fixture('ip') };
  if (r.path === `/api/v3/files/${SHA}`) return { body: fixture('file') };
  if (r.path === '/api/v3/domains/northwind-traders.com') return { body: fixture('domain-clean') };
  return { status: 404, body: fixture('not-found') };
}

describe('virustotal provider', () => {
  it('explains a flagged IP: engines, reputation, network', async () => {
    const h = await setup(routes);
    const r = await h.lookup({ type: 'ipv4', value: '185.220.101.47' });
    expect(IntelResult.parse(r)).toEqual(r);
    expect(r).toMatchObject({ provider: 'virustotal', verdict: 'malicious', score: 100, tags: ['AS60729', 'country:DE', 'tor'], lastSeen: '2025-11-17T17:20:00.000Z' });
    expect(r.evidence).toEqual([
      '42/94 engines flag it, 2 more call it suspicious',
      'flagged by BitDefender (malware), Fortinet (malware), G-Data, …',
      'community reputation -23 (votes: 3 harmless, 41 malicious)',
      'network AS60729 Stiftung Erneuerbare Freiheit, DE, 185.220.101.0/24',
    ]);
    expect(Object.keys((r.raw as any).attributes.last_analysis_results)).toEqual(['BitDefender', 'Fortinet', 'G-Data']);
    expect(srv!.requests[0]!.headers['x-apikey']).toBe('test-key');
  });

  it('names the threat of a file hash and counts every engine category', async () => {
    const h = await setup(routes);
    const r = await h.lookup({ type: 'sha256', value: SHA });
    expect(r).toMatchObject({ verdict: 'malicious', score: 100, firstSeen: '2023-11-14T22:13:20.000Z' });
    expect(r.evidence).toEqual([
      '31/66 engines flag it',
      'flagged by Kaspersky (HEUR:Backdoor.Linux.Ebury.a), ESET-NOD32 (Linux/Ebury.A), …',
      'threat label trojan.ebury/sshdoor',
      'sshd, ELF, 2,104,320 bytes',
    ]);
    expect(r.tags).toEqual(['trojan.ebury/sshdoor', 'elf', '64bits']);
  });

  it('calls a domain no engine flags safe, with its registration', async () => {
    const h = await setup(routes);
    const r = await h.lookup({ type: 'domain', value: 'northwind-traders.com' });
    expect(r).toMatchObject({ verdict: 'safe', score: 0, evidence: ['0/94 engines flag it', 'categories: business and economy, business', 'registered 2010-01-01 with Example Registrar, Inc.'] });
  });

  it('asks for a URL by its unpadded base64url id', async () => {
    expect(vtPath({ type: 'url', value: 'http://evil.example/a?b=1' })).toBe('/api/v3/urls/aHR0cDovL2V2aWwuZXhhbXBsZS9hP2I9MQ');
    const h = await setup(routes);
    await h.lookup({ type: 'url', value: 'http://evil.example/a?b=1' });
    expect(srv!.requests[0]!.path).toBe('/api/v3/urls/aHR0cDovL2V2aWwuZXhhbXBsZS9hP2I9MQ');
  });

  it('answers unknown (not an error) for what VirusTotal has never seen', async () => {
    const h = await setup(routes);
    const r = await h.lookup({ type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' });
    expect(r).toEqual({ provider: 'virustotal', observable: { type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' }, verdict: 'unknown', score: 0, evidence: ['not known to VirusTotal'], tags: [] });
  });

  it('degrades to a partial answer on a refused key, without retrying', async () => {
    const h = await setup(routes, { apiKey: 'wrong' });
    const r = await h.lookup({ type: 'ipv4', value: '185.220.101.47' });
    expect(r).toMatchObject({ verdict: 'unknown', score: 0, partial: true, error: 'API key refused (HTTP 401: Wrong API key)' });
    expect(srv!.requests).toHaveLength(1);
  });

  it('waits out a 429 with Retry-After and then answers', async () => {
    let first = true;
    const h = await setup((r) => {
      if (first) {
        first = false;
        return { status: 429, headers: { 'retry-after': '30' }, body: fixture('quota') };
      }
      return routes(r);
    });
    const r = await h.lookup({ type: 'ipv4', value: '185.220.101.47' });
    expect(r.verdict).toBe('malicious');
    expect(h.time.sleeps).toContain(30_000);
    expect(h.engine.status()[0]!.calls).toMatchObject({ requests: 2, rateLimited: 1, retried: 1, ok: 1 });
  });

  it('retries a 5xx and reports it when it persists', async () => {
    const h = await setup(() => ({ status: 503, body: 'Service Unavailable' }), { retries: 2 });
    const r = await h.lookup({ type: 'ipv4', value: '185.220.101.47' });
    expect(r).toMatchObject({ partial: true, error: 'HTTP 503: Service Unavailable' });
    expect(srv!.requests).toHaveLength(3);
  });

  it('gives up on a provider that does not answer in time', async () => {
    const h = await setup(() => ({ hang: true }), { retries: 0, timeout: '100ms' });
    const r = await h.lookup({ type: 'ipv4', value: '185.220.101.47' });
    expect(r).toMatchObject({ partial: true, error: 'timed out after 100 ms' });
  });

  it('keeps to 4 requests a minute by queueing, not failing', async () => {
    const arrivals: number[] = [];
    let now = (): number => 0;
    const h = await setup(() => {
      arrivals.push(now());
      return { body: fixture('ip') };
    });
    now = () => h.time.nowMs();
    const start = h.time.nowMs();
    const ips = Array.from({ length: 9 }, (_, i) => ({ type: 'ipv4' as const, value: `185.220.101.${i + 1}` }));
    const out = await h.engine.enrichMany(ips);
    expect([...out.values()].every((e) => !e.partial && e.results[0]!.verdict === 'malicious')).toBe(true);
    expect(arrivals).toHaveLength(9);
    for (const t of arrivals) expect(arrivals.filter((u) => u >= t && u < t + 60_000).length).toBeLessThanOrEqual(4);
    expect(h.time.nowMs() - start).toBeGreaterThanOrEqual(120_000);
    const [minute, day] = h.engine.status()[0]!.quota!;
    expect(minute!.used).toBeLessThanOrEqual(4);
    expect(day).toEqual({ limit: 500, per: '1d', used: 9, remaining: 491 });
  });

  it('is off without a key, and says how to set one', () => {
    const h = providerHarness(virustotal, {});
    expect(h.engine.disabled).toEqual([{ id: 'virustotal', reason: 'no API key (set intel.providers.virustotal.apiKey or VIGIL_VIRUSTOTAL_KEY)' }]);
  });
});
