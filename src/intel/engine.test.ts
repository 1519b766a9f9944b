import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { silentLogger } from '../core/log.js';
import type { IntelResult } from '../core/types.js';
import type { StoreHandle } from '../store/db.js';
import { backends } from '../../test/helpers/store.js';
import { IntelCache } from './cache.js';
import { DEFAULT_RISK, IntelEngine, unifiedRisk, type RiskConfig } from './engine.js';
import { LocalIndex } from './local-index.js';
import { defineIntelProvider, type IntelContext, type ObservableRef } from './provider.js';
import localFeeds from './providers/local-feeds/index.js';
import { remoteOptions } from './remote/config.js';
import { virtualTime } from './remote/testing.js';
import { Warninglists } from './warninglists.js';

const NOW = Date.parse('2026-11-20T00:00:00Z');
const r = (provider: string, verdict: IntelResult['verdict'], score: number, extra: Partial<IntelResult> = {}): IntelResult => ({
  provider,
  observable: { type: 'ipv4', value: '45.148.10.95' },
  verdict,
  score,
  evidence: [`${provider} says ${verdict}`],
  tags: [],
  ...extra,
});
const ip: ObservableRef = { type: 'ipv4', value: '45.148.10.95' };

describe('unifiedRisk', () => {
  it('takes the best weighted score and adds a bonus per further flagging source', () => {
    const risk = unifiedRisk(ip, [r('a', 'malicious', 80), r('b', 'suspicious', 40), r('c', 'safe', 0)], DEFAULT_RISK, NOW);
    expect(risk).toEqual({ type: 'ipv4', value: '45.148.10.95', score: 90, verdict: 'malicious', evidence: ['a: a says malicious', 'b: b says suspicious', 'c: c says safe'] });
    const weighted = unifiedRisk(ip, [r('a', 'malicious', 80), r('b', 'suspicious', 40)], { ...DEFAULT_RISK, weights: { a: 0.25 } }, NOW);
    expect(weighted.score).toBe(50);
    expect(weighted.evidence[0]).toBe('b: b says suspicious');
  });

  it('gives safe only when every answer is safe, info when someone said something', () => {
    expect(unifiedRisk(ip, [r('a', 'safe', 0), r('b', 'unknown', 0)], DEFAULT_RISK, NOW).verdict).toBe('safe');
    expect(unifiedRisk(ip, [r('a', 'info', 0)], DEFAULT_RISK, NOW).verdict).toBe('info');
    expect(unifiedRisk(ip, [r('a', 'unknown', 0, { evidence: [] })], DEFAULT_RISK, NOW)).toMatchObject({ verdict: 'unknown', score: 0, evidence: [] });
  });

  it('counts old evidence about an address less, and says so; a hash never goes stale', () => {
    const old = r('feed', 'malicious', 90, { lastSeen: '2024-11-20' });
    const risk = unifiedRisk(ip, [old], DEFAULT_RISK, NOW);
    // 730 days old: the floor, 50%.
    expect(risk.score).toBe(45);
    expect(risk.verdict).toBe('suspicious');
    expect(risk.evidence).toEqual(['feed: feed says malicious', 'feed: last seen 2024-11-20, counted at 50% (freshness)']);
    const midway = unifiedRisk(ip, [r('feed', 'malicious', 90, { lastSeen: '2025-11-20' })], DEFAULT_RISK, NOW);
    expect(midway.score).toBe(Math.round(90 * (1 - (0.5 * (365 - 180)) / 550)));
    const hash = unifiedRisk({ type: 'sha256', value: 'a'.repeat(64) }, [old], DEFAULT_RISK, NOW);
    expect(hash.score).toBe(90);
    expect(unifiedRisk(ip, [old], { ...DEFAULT_RISK, freshness: false }, NOW).score).toBe(90);
  });

  it('lists a failed provider last and scores from the others', () => {
    const risk = unifiedRisk(ip, [r('vt', 'unknown', 0, { partial: true, error: 'timed out after 15 s', evidence: [] }), r('feed', 'malicious', 90)], DEFAULT_RISK, NOW);
    expect(risk).toMatchObject({ score: 90, verdict: 'malicious', evidence: ['feed: feed says malicious', 'vt: no answer (timed out after 15 s)'] });
  });

  it('never scores a warninglisted value as malicious, and says why', () => {
    const cfg: RiskConfig = { ...DEFAULT_RISK, warninglists: Warninglists.build({ allowlist: ['45.148.10.95'] }) };
    const risk = unifiedRisk(ip, [r('feed', 'malicious', 90)], cfg, NOW);
    expect(risk).toEqual({
      type: 'ipv4',
      value: '45.148.10.95',
      score: 0,
      verdict: 'safe',
      evidence: ["warninglist allowlist: allowlisted as 45.148.10.95; never scored as malicious (the providers' score 90 is set aside)", 'feed: feed says malicious'],
    });
    const resolver = unifiedRisk({ type: 'ipv4', value: '8.8.8.8' }, [r('feed', 'malicious', 85)], cfg, NOW);
    expect(resolver).toMatchObject({ score: 0, verdict: 'safe' });
    expect(resolver.evidence[0]).toBe("warninglist public-dns-resolvers: public DNS resolver (Google Public DNS); never scored as malicious (the providers' score 85 is set aside)");
    expect(unifiedRisk({ type: 'ipv4', value: '10.0.0.5' }, [], cfg, NOW)).toMatchObject({ verdict: 'info', evidence: ['warninglist non-routable: RFC 1918 private range 10.0.0.0/8; never scored as malicious'] });
  });
});

// A remote provider whose answers come from a map, through the engine's runtime (quota, breaker, retries).
function fakeRemote(answers: Map<string, number>, calls: string[], opts: { fail?: Set<string>; id?: string } = {}) {
  const Config = z.strictObject({ enabled: z.boolean().default(false), threshold: z.number().default(50), ...remoteOptions({ quota: [{ limit: 3, per: '1m' }], positiveTtl: '1h', negativeTtl: '10m' }) });
  return defineIntelProvider<z.infer<typeof Config>>({
    id: opts.id ?? 'fake',
    description: 'fake remote provider for engine tests',
    supports: ['ipv4', 'domain'],
    remote: true,
    configSchema: Config,
    create(config, ctx: IntelContext) {
      if (!config.enabled) return { disabled: 'off' };
      return {
        lookup: (o) =>
          ctx.remote!.call(async () => {
            calls.push(o.value);
            if (opts.fail?.has(o.value)) throw new Error('boom');
            const score = answers.get(o.value);
            if (score === undefined) return { provider: opts.id ?? 'fake', observable: o, verdict: 'unknown', score: 0, evidence: ['never heard of it'], tags: [] };
            return { provider: opts.id ?? 'fake', observable: o, verdict: score >= config.threshold ? 'malicious' : 'suspicious', score, evidence: [`score ${score}`], tags: [] };
          }),
      };
    },
  });
}

describe('IntelEngine with remote providers, on the store', () => {
  let store: StoreHandle;
  beforeAll(async () => {
    store = (await backends[0]!.open()).store;
  }, 60_000);
  afterAll(async () => {
    await store.close();
  });

  function engine(calls: string[], config: Record<string, unknown> = {}, extra: { previous?: IntelEngine; fail?: Set<string>; time?: ReturnType<typeof virtualTime> } = {}) {
    const time = extra.time ?? virtualTime('2026-11-20T00:00:00Z');
    const answers = new Map([['45.148.10.95', 90], ['evil.top', 40]]);
    const ctx: IntelContext = { clock: time.clock, log: silentLogger, fetch: globalThis.fetch, localIndex: LocalIndex.empty() };
    const risk: RiskConfig = { ...DEFAULT_RISK, warninglists: Warninglists.build() };
    const e = new IntelEngine([localFeeds, fakeRemote(answers, calls, extra.fail ? { fail: extra.fail } : {})] as never, { fake: { enabled: true, ...config } }, ctx, risk, silentLogger, {
      cache: new IntelCache(store.db, time.clock),
      sleep: time.sleep,
      random: () => 1,
      ...(extra.previous && { previous: extra.previous }),
    });
    return { e, time };
  }

  it('looks each distinct observable up once, queues past the quota, caches answers', async () => {
    const calls: string[] = [];
    const { e, time } = engine(calls);
    await e.restoreState();
    const obs: ObservableRef[] = [
      { type: 'ipv4', value: '45.148.10.95' },
      { type: 'ipv4', value: '45.148.10.95' },
      { type: 'domain', value: 'evil.top' },
      { type: 'domain', value: 'quiet.top' },
      { type: 'ipv4', value: '5.6.7.8' },
      { type: 'ipv4', value: '10.1.1.1' },
    ];
    const out = await e.enrichMany(obs);
    expect(calls.sort()).toEqual(['45.148.10.95', '5.6.7.8', 'evil.top', 'quiet.top']);
    // 4 lookups at 3/min: the fourth waited a minute instead of failing.
    expect(time.nowMs() - NOW).toBe(60_000);
    expect(out.get('ipv4:45.148.10.95')).toMatchObject({ risk: { score: 90, verdict: 'malicious' } });
    expect(out.get('ipv4:45.148.10.95')!.results.map((x) => x.provider)).toEqual(['local-feeds', 'fake']);
    // A private address is never sent out; the warninglist says what it is.
    expect(out.get('ipv4:10.1.1.1')).toMatchObject({ results: [{ provider: 'local-feeds' }], warninglist: { list: 'non-routable' }, risk: { verdict: 'info' } });

    const again = await e.enrichMany(obs);
    expect(calls).toHaveLength(4);
    expect(again.get('domain:evil.top')).toMatchObject({ cached: ['fake'], risk: { score: 40 } });
    const st = e.status().find((s) => s.id === 'fake')!;
    expect(st).toMatchObject({ enabled: true, queued: 0, breaker: { state: 'closed' }, calls: { requests: 4, ok: 4, cacheHits: 4, cacheMisses: 4 } });
    expect(st.quota).toEqual([{ limit: 3, per: '1m', used: 1, remaining: 2 }]);

    // --no-cache asks again (and refreshes the stored answer).
    await e.enrichMany([{ type: 'domain', value: 'evil.top' }], { cache: false });
    expect(calls).toHaveLength(5);
  });

  it('misses the cache when an answer-changing setting changes, not when the quota does', async () => {
    const calls: string[] = [];
    const a = engine(calls, { quota: [{ limit: 100, per: '1m' }] }).e;
    await a.enrichMany([{ type: 'ipv4', value: '45.148.10.95' }]);
    expect(calls).toEqual([]);
    const b = engine(calls, { threshold: 95 }).e;
    const out = await b.enrichMany([{ type: 'ipv4', value: '45.148.10.95' }]);
    expect(calls).toEqual(['45.148.10.95']);
    expect(out.get('ipv4:45.148.10.95')!.results[1]!.verdict).toBe('suspicious');
  });

  it('degrades a failing provider to a partial answer, never caches it, and opens the breaker', async () => {
    const calls: string[] = [];
    const { e } = engine(calls, { retries: 0, breaker: { failures: 2, cooldown: '5m' } }, { fail: new Set(['1.2.3.4', '1.2.3.5', '1.2.3.6']) });
    const out = await e.enrichMany([{ type: 'ipv4', value: '1.2.3.4' }]);
    expect(out.get('ipv4:1.2.3.4')).toMatchObject({ partial: true, results: [{ provider: 'local-feeds' }, { provider: 'fake', partial: true, error: 'request failed: boom' }] });
    expect(out.get('ipv4:1.2.3.4')!.risk.evidence).toEqual(['fake: no answer (request failed: boom)']);
    await e.enrichMany([{ type: 'ipv4', value: '1.2.3.5' }]);
    const fast = await e.enrichMany([{ type: 'ipv4', value: '1.2.3.6' }]);
    expect(fast.get('ipv4:1.2.3.6')!.results[1]!.error).toBe('circuit open after 2 consecutive failures (last: request failed: boom); next try in 5 min');
    expect(calls).toEqual(['1.2.3.4', '1.2.3.5']);
    expect(e.status().find((s) => s.id === 'fake')!.breaker).toMatchObject({ state: 'open', failures: 2 });
    const retry = await e.enrichMany([{ type: 'ipv4', value: '1.2.3.4' }]);
    expect(retry.get('ipv4:1.2.3.4')!.partial).toBe(true);
  });

  it('keeps quota use across a rebuilt engine and across processes', async () => {
    const calls: string[] = [];
    const time = virtualTime('2026-11-21T00:00:00Z');
    const first = engine(calls, {}, { time }).e;
    await first.enrichMany([1, 2, 3].map((i) => ({ type: 'ipv4' as const, value: `9.9.${i}.1` })), { cache: false });
    expect(first.status().find((s) => s.id === 'fake')!.quota![0]!.remaining).toBe(0);
    // Same process, feeds reloaded: the runtime is handed over.
    const rebuilt = engine(calls, {}, { time, previous: first }).e;
    expect(rebuilt.status().find((s) => s.id === 'fake')!.quota![0]!.remaining).toBe(0);
    // Next process: restored from the store.
    const next = engine(calls, {}, { time }).e;
    await next.restoreState();
    const st = next.status().find((s) => s.id === 'fake')!;
    expect(st.quota![0]!.remaining).toBe(0);
    expect(st.calls!.requests).toBeGreaterThanOrEqual(3);
  });

  it('reports disabled providers with their reason', () => {
    const st = engine([], { enabled: false }).e.status();
    expect(st).toEqual([
      { id: 'local-feeds', remote: false, enabled: true },
      { id: 'fake', remote: true, enabled: false, reason: 'off' },
    ]);
  });
});
