import { afterEach, describe, expect, it } from 'vitest';
import { VigilError } from '../../core/errors.js';
import { CircuitBreaker } from './breaker.js';
import { answerConfigHash, formatWait, type RemoteOptions } from './config.js';
import { parseRetryAfter, RemoteFailure } from './errors.js';
import { RemoteHttp } from './http.js';
import { RateLimiter } from './limiter.js';
import { RemoteRuntime } from './runtime.js';
import { mockServer, virtualTime, type MockServer } from './testing.js';

const MIN = 60_000;

function options(over: Partial<RemoteOptions> = {}): RemoteOptions {
  return {
    timeout: 2000,
    retries: 2,
    concurrency: 4,
    quota: [{ limit: 1000, per: 1000 }],
    maxQueueWait: 10 * MIN,
    maxRetryAfter: 2 * MIN,
    breaker: { failures: 5, cooldown: MIN },
    cache: { positiveTtl: 0, negativeTtl: 0 },
    ...over,
  };
}

/** Largest number of grants inside any window of `perMs`. */
function peak(times: number[], perMs: number): number {
  const s = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i]! - s[j]! >= perMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('RateLimiter', () => {
  it('queues lookups beyond 4/min instead of failing them, and never lets 5 through in a minute', async () => {
    const vt = virtualTime();
    const lim = new RateLimiter([{ limit: 4, per: MIN }, { limit: 500, per: 86_400_000 }], { concurrency: 4, maxWaitMs: 10 * MIN, clock: vt.clock, sleep: vt.sleep });
    const start = vt.nowMs();
    const granted: number[] = [];
    const all = Array.from({ length: 10 }, async () => {
      const p = await lim.acquire();
      granted.push(vt.nowMs() - start);
      p.release();
    });
    await Promise.resolve();
    expect(lim.status().queued).toBe(6);
    await Promise.all(all);
    expect(granted).toHaveLength(10);
    expect(peak(granted, MIN)).toBe(4);
    expect(granted.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(granted[4]).toBe(MIN);
    expect(granted[9]).toBe(2 * MIN);
    const st = lim.status();
    expect(st.queued).toBe(0);
    expect(st.windows).toEqual([
      { limit: 4, per: '1m', used: 2, remaining: 2 },
      { limit: 500, per: '1d', used: 10, remaining: 490 },
    ]);
  });

  it('refuses at once a lookup that would wait longer than maxQueueWait', async () => {
    const vt = virtualTime();
    const lim = new RateLimiter([{ limit: 2, per: 86_400_000 }], { concurrency: 4, maxWaitMs: 10 * MIN, clock: vt.clock, sleep: vt.sleep });
    (await lim.acquire()).release();
    (await lim.acquire()).release();
    const e = await lim.acquire().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteFailure);
    expect((e as RemoteFailure).kind).toBe('quota');
    expect((e as Error).message).toBe('quota used up (2/1d); the next free slot is in 24 h, longer than maxQueueWait 10 min');
  });

  it('caps requests in flight, and a refund gives the slot back without using quota', async () => {
    const vt = virtualTime();
    const lim = new RateLimiter([{ limit: 3, per: MIN }], { concurrency: 1, maxWaitMs: MIN, clock: vt.clock, sleep: vt.sleep });
    const a = await lim.acquire();
    let second = false;
    const b = lim.acquire().then((p) => {
      second = true;
      return p;
    });
    await new Promise((r) => setImmediate(r));
    expect(second).toBe(false);
    expect(lim.status().inFlight).toBe(1);
    a.refund();
    (await b).release();
    expect(lim.status().windows[0]).toMatchObject({ used: 1, remaining: 2 });
  });

  it('waits out a Retry-After pause and carries usage over to the next process', async () => {
    const vt = virtualTime();
    const lim = new RateLimiter([{ limit: 4, per: MIN }], { concurrency: 4, maxWaitMs: 10 * MIN, clock: vt.clock, sleep: vt.sleep });
    (await lim.acquire()).release();
    (await lim.acquire()).release();
    lim.pauseUntil(vt.nowMs() + 30_000);
    const t0 = vt.nowMs();
    (await lim.acquire()).release();
    expect(vt.nowMs() - t0).toBe(30_000);
    const next = new RateLimiter([{ limit: 4, per: MIN }], { concurrency: 4, maxWaitMs: 10 * MIN, clock: vt.clock, sleep: vt.sleep });
    next.restore(JSON.parse(JSON.stringify(lim.snapshot())));
    expect(next.status().windows[0]).toMatchObject({ used: 3, remaining: 1 });
  });
});

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures, fails fast, lets one trial through after the cool-down', () => {
    const vt = virtualTime();
    const b = new CircuitBreaker(3, MIN, vt.clock);
    for (let i = 0; i < 3; i++) {
      b.enter();
      b.failure('HTTP 503');
    }
    expect(b.status()).toMatchObject({ state: 'open', failures: 3 });
    expect(() => b.enter()).toThrow('circuit open after 3 consecutive failures (last: HTTP 503); next try in 1 min');
    vt.advance(MIN);
    expect(b.enter()).toBe(true);
    expect(b.status().state).toBe('half-open');
    expect(() => b.enter()).toThrow(/a trial request is running/);
    b.failure('HTTP 503');
    expect(b.status().state).toBe('open');
    vt.advance(MIN);
    b.enter();
    b.success();
    expect(b.status()).toEqual({ state: 'closed', failures: 0, lastFailure: 'HTTP 503' });
  });
});

describe('RemoteRuntime over HTTP', () => {
  let srv: MockServer | undefined;
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });

  function client(over: Partial<RemoteOptions> = {}) {
    const vt = virtualTime();
    const rt = new RemoteRuntime('test', options(over), { clock: vt.clock, sleep: vt.sleep, random: () => 1 });
    return { vt, rt, http: new RemoteHttp(rt, globalThis.fetch, vt.clock) };
  }

  it('retries a 429 after the Retry-After seconds and pauses the queue meanwhile', async () => {
    let n = 0;
    srv = await mockServer(() => (n++ === 0 ? { status: 429, headers: { 'retry-after': '7' }, body: { error: { code: 'QuotaExceededError', message: 'Quota exceeded' } } } : { body: { ok: true } }));
    const { vt, rt, http } = client();
    const a = await http.get(`${srv.url}/x`);
    expect(a.json).toEqual({ ok: true });
    expect(vt.sleeps).toContain(7000);
    expect(srv.requests).toHaveLength(2);
    expect(rt.status().counters).toMatchObject({ requests: 2, ok: 1, retried: 1, rateLimited: 1, failed: 0 });
  });

  it('reads Retry-After as an HTTP date too', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:30 GMT', now)).toBe(90_000);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('gives up on a Retry-After longer than maxRetryAfter without waiting', async () => {
    srv = await mockServer(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    const { vt, http } = client();
    const e = (await http.get(`${srv.url}/x`).catch((x: unknown) => x)) as VigilError;
    expect(e).toBeInstanceOf(VigilError);
    expect(e.code).toBe('VIGIL_INTEL_RATE_LIMITED');
    expect(e.message).toBe('test: rate limited (HTTP 429); asked to wait 1 h, longer than maxRetryAfter 2 min');
    expect(vt.sleeps).toEqual([]);
    expect(srv.requests).toHaveLength(1);
  });

  it('backs off exponentially on 5xx and succeeds when the service recovers', async () => {
    let n = 0;
    srv = await mockServer(() => (n++ < 2 ? { status: 503, body: 'busy' } : { body: { ok: 1 } }));
    const { vt, http } = client();
    expect((await http.get(`${srv.url}/x`)).json).toEqual({ ok: 1 });
    expect(vt.sleeps).toEqual([500, 1000]);
  });

  it('fails with the reason once the retries are spent', async () => {
    srv = await mockServer(() => ({ status: 502, body: { message: 'bad gateway' } }));
    const { rt, http } = client({ retries: 1 });
    const e = (await http.get(`${srv.url}/x`).catch((x: unknown) => x)) as VigilError;
    expect(e.code).toBe('VIGIL_INTEL_FAILED');
    expect(e.message).toBe('test: HTTP 502: bad gateway');
    expect(e.retryable).toBe(true);
    expect(srv.requests).toHaveLength(2);
    expect(rt.status().lastError?.message).toBe('HTTP 502: bad gateway');
  });

  it('times out a request that never answers, and retries it', async () => {
    srv = await mockServer(() => ({ hang: true }));
    const { rt, http } = client({ timeout: 80, retries: 1 });
    const e = (await http.get(`${srv.url}/x`).catch((x: unknown) => x)) as VigilError;
    expect(e.message).toBe('test: timed out after 80 ms');
    expect(rt.status().counters).toMatchObject({ requests: 2, retried: 1, failed: 1 });
  });

  it('does not retry a refused key and opens the circuit after repeated failures', async () => {
    srv = await mockServer(() => ({ status: 401, body: { error: { code: 'WrongCredentialsError', message: 'Wrong API key' } } }));
    const { rt, http } = client({ breaker: { failures: 2, cooldown: MIN } });
    const e1 = (await http.get(`${srv.url}/x`).catch((x: unknown) => x)) as VigilError;
    expect(e1.message).toBe('test: API key refused (HTTP 401: Wrong API key)');
    await http.get(`${srv.url}/x`).catch(() => {});
    expect(rt.status().breaker.state).toBe('open');
    const e3 = (await http.get(`${srv.url}/x`).catch((x: unknown) => x)) as VigilError;
    expect(e3.message).toMatch(/^test: circuit open after 2 consecutive failures \(last: API key refused/);
    expect(srv.requests).toHaveLength(2);
  });

  it('passes accepted statuses to the provider and refuses redirects', async () => {
    srv = await mockServer((r) => (r.path === '/gone' ? { status: 404, body: { error: { code: 'NotFoundError', message: 'not found' } } } : { status: 302, headers: { location: 'http://169.254.169.254/' } }));
    const { http } = client({ retries: 0 });
    expect((await http.get(`${srv.url}/gone`, {}, [404])).status).toBe(404);
    const e = (await http.get(`${srv.url}/moved`).catch((x: unknown) => x)) as VigilError;
    expect(e.code).toBe('VIGIL_INTEL_FAILED');
    expect(srv.requests).toHaveLength(2);
  });
});

describe('remote config helpers', () => {
  it('hashes only the settings that change answers', () => {
    const a = answerConfigHash({ apiKey: 'k1', baseUrl: 'https://x', maliciousAt: 5, quota: [{ limit: 4, per: MIN }], timeout: 1 });
    expect(answerConfigHash({ apiKey: 'k2', baseUrl: 'https://x', maliciousAt: 5, quota: [{ limit: 9, per: MIN }], timeout: 5 })).toBe(a);
    expect(answerConfigHash({ apiKey: 'k1', baseUrl: 'https://x', maliciousAt: 6 })).not.toBe(a);
    expect(formatWait(95_000)).toBe('1 min 35 s');
  });
});
