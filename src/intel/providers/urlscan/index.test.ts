import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { IntelResult } from '../../../core/types.js';
import { mockServer, providerHarness, type MockAnswer, type MockRequest, type MockServer } from '../../remote/testing.js';
import urlscan from './index.js';
import { searchQuery } from './map.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
const PHISH = 'https://paypa1-login.example-secure.top/signin';
const NEW = 'https://new-thing.example-secure.top/';

let srv: MockServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

async function setup(handler: (r: MockRequest) => MockAnswer, config: Record<string, unknown> = {}) {
  srv = await mockServer(handler);
  return providerHarness(urlscan, { apiKey: 'k', baseUrl: srv.url, timeout: '5s', ...config });
}

function routes(r: MockRequest): MockAnswer {
  if (r.headers['api-key'] !== 'k') return { status: 401, body: fixture('unauthorized') };
  if (r.path === '/api/v1/search/') return { body: r.query.get('q')!.includes('paypa1') ? fixture('search') : fixture('search-empty') };
  if (r.path === '/api/v1/result/0199a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b/') return { body: fixture('result') };
  return { status: 404, body: fixture('not-finished') };
}

describe('urlscan provider', () => {
  it('builds an escaped search per type', () => {
    expect(searchQuery({ type: 'url', value: 'https://a.example/"x' }, 30)).toBe('(task.url:"https://a.example/\\"x" OR page.url:"https://a.example/\\"x") AND date:>now-30d');
    expect(searchQuery({ type: 'domain', value: 'a.example' }, 365)).toBe('page.domain:"a.example" AND date:>now-365d');
  });

  it('judges a URL by its newest existing scan: verdict, brand, hosting, link', async () => {
    const h = await setup(routes);
    const r = await h.lookup({ type: 'url', value: PHISH });
    expect(IntelResult.parse(r)).toEqual(r);
    expect(r).toMatchObject({ verdict: 'malicious', score: 100, tags: ['brand:PayPal', 'phishing'], lastSeen: '2026-11-17T09:12:44.102Z', firstSeen: '2026-11-16T21:03:10.000Z' });
    expect(r.evidence).toEqual([
      '2 urlscan.io scans, latest 2026-11-17',
      'latest scan verdict: malicious (score 100)',
      'impersonates PayPal',
      'categories: phishing',
      `page ${PHISH} on 45.155.205.12, RU, EXAMPLE-AS, RU`,
      `result ${srv!.url}/result/0199a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b/`,
    ]);
    expect(srv!.requests.map((q) => q.path)).toEqual(['/api/v1/search/', '/api/v1/result/0199a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b/']);
    expect(srv!.requests[0]!.query.get('size')).toBe('10');
  });

  it('uses only scans about the queried value: a hit for another domain or URL is not its answer', async () => {
    // a search that answers with scans of a different host whatever it is asked
    const h = await setup((r) => (r.path === '/api/v1/search/' ? { body: fixture('search') } : routes(r)));
    const d = await h.lookup({ type: 'domain', value: 'example-secure.top' });
    expect(d).toMatchObject({ verdict: 'unknown', score: 0 });
    expect(d.evidence).toEqual(['no urlscan.io scans in the last 365 days; 2 scans the search returned are about other domains']);
    const u = await h.lookup({ type: 'url', value: 'https://paypa1-login.example-secure.top/other' });
    expect(u).toMatchObject({ verdict: 'unknown', score: 0 });
    // the same URL spelled with an upper-case host is the same URL
    expect((await h.lookup({ type: 'url', value: 'https://PAYPA1-login.example-secure.top/signin' })).verdict).toBe('malicious');
    expect((await h.lookup({ type: 'domain', value: 'paypa1-login.example-secure.top' })).verdict).toBe('malicious');
  });

  it('answers unknown when nobody scanned it, and does not submit unless configured', async () => {
    const h = await setup(routes);
    const r = await h.lookup({ type: 'domain', value: 'quiet.example-secure.top' });
    expect(r).toMatchObject({ verdict: 'unknown', evidence: ['no urlscan.io scans in the last 365 days'] });
    expect(srv!.requests.every((q) => q.method === 'GET')).toBe(true);
  });

  it('submits when configured, polls until the result is ready, and answers from it', async () => {
    let polls = 0;
    const h = await setup(
      (r) => {
        if (r.method === 'POST') {
          expect(JSON.parse(r.body)).toEqual({ url: NEW, visibility: 'unlisted', tags: ['vigil'] });
          return { body: fixture('submitted') };
        }
        if (r.path.startsWith('/api/v1/result/0199b000')) return ++polls < 3 ? { status: 404, body: fixture('not-finished') } : { body: fixture('result-clean') };
        return routes(r);
      },
      { submit: true, visibility: 'unlisted' },
    );
    const r = await h.lookup({ type: 'url', value: NEW });
    expect(r).toMatchObject({ verdict: 'info', score: 0 });
    expect(r.evidence.slice(0, 3)).toEqual(['1 urlscan.io scan, latest 2026-01-01', "scanned now at Vigil's request (unlisted)", 'latest scan verdict: no threat found (score 0)']);
    expect(h.time.sleeps).toEqual([10_000, 5_000, 5_000]);
  });

  it('says a submission is pending (not cached) when the result takes longer than submitWait', async () => {
    const h = await setup((r) => (r.method === 'POST' ? { body: fixture('submitted') } : r.path.startsWith('/api/v1/result/') ? { status: 404, body: fixture('not-finished') } : routes(r)), { submit: true, submitWait: '20s' });
    const r = await h.lookup({ type: 'url', value: NEW });
    expect(r).toMatchObject({ partial: true, error: 'scan submitted, result pending' });
    expect(r.evidence[0]).toMatch(/^submitted to urlscan.io \(private\); result not ready after the wait: http:\/\/127\.0\.0\.1:\d+\/result\/0199b000-aaaa-7bbb-8ccc-dddd0000eeee\/$/);
  });

  it('reports a refused submission as an answer', async () => {
    const h = await setup((r) => (r.method === 'POST' ? { status: 400, body: fixture('refused') } : routes(r)), { submit: true });
    const r = await h.lookup({ type: 'url', value: NEW });
    expect(r.evidence).toEqual(['no urlscan.io scans in the last 365 days; urlscan.io would not scan it: DNS Error - Could not resolve domain']);
  });

  it('degrades on a refused key, waits out 429, retries 5xx, times out', async () => {
    const bad = await setup(routes, { apiKey: 'x' });
    expect(await bad.lookup({ type: 'url', value: PHISH })).toMatchObject({ partial: true, error: 'API key refused (HTTP 401: API key supplied but not found in database!)' });
    await srv!.close();
    let n = 0;
    const limited = await setup((r) => (n++ === 0 ? { status: 429, headers: { 'retry-after': '17' }, body: fixture('rate-limited') } : routes(r)));
    expect((await limited.lookup({ type: 'url', value: PHISH })).verdict).toBe('malicious');
    expect(limited.time.sleeps).toContain(17_000);
    await srv!.close();
    const down = await setup(() => ({ status: 503, body: { message: 'Service unavailable', status: 503 } }), { retries: 1 });
    expect(await down.lookup({ type: 'domain', value: 'a.example-secure.top' })).toMatchObject({ partial: true, error: 'HTTP 503: Service unavailable' });
    expect(srv!.requests).toHaveLength(2);
    await srv!.close();
    const slow = await setup(() => ({ hang: true }), { timeout: '60ms', retries: 0 });
    expect(await slow.lookup({ type: 'domain', value: 'a.example-secure.top' })).toMatchObject({ partial: true, error: 'timed out after 60 ms' });
  });

  it('is off without a key', () => {
    expect(providerHarness(urlscan, {}).engine.disabled[0]!.reason).toBe('no API key (set intel.providers.urlscan.apiKey or VIGIL_URLSCAN_KEY)');
  });
});
