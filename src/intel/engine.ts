import type { ObservableRisk } from '../assess/index.js';
import type { IntelResult, Observable, Verdict } from '../core/types.js';
import type { Logger } from '../core/log.js';
import { cacheKey, type CachePut, type IntelCache } from './cache.js';
import type { BreakerStatus } from './remote/breaker.js';
import { answerConfigHash, hasRemoteOptions, pickRemoteOptions, type RemoteOptions } from './remote/config.js';
import { RemoteFailure } from './remote/errors.js';
import { RemoteHttp } from './remote/http.js';
import { realSleep, type LimiterStatus, type Sleep } from './remote/limiter.js';
import { RemoteRuntime, type RemoteCounters, type RuntimeSnapshot } from './remote/runtime.js';
import type { IntelContext, IntelProviderDefinition, IntelProviderInstance, ObservableRef } from './provider.js';
import type { WarninglistHit, Warninglists } from './warninglists.js';

export interface EnrichedObservable {
  /** One answer per provider that supports the type, in registry order. */
  results: IntelResult[];
  risk: ObservableRisk;
  /** True when some provider could not answer (its result is marked partial, with the reason). */
  partial?: boolean;
  /** Providers whose answer came from the cache. */
  cached?: string[];
  /** The warninglist the observable is on, if any. */
  warninglist?: WarninglistHit;
}

export interface FreshnessConfig {
  /** Evidence last seen at most this many days ago counts in full. */
  freshDays: number;
  /** Evidence last seen this many days ago or more counts `staleFactor` of its score. */
  staleDays: number;
  /** What stale evidence still counts (0–1); linear in between. */
  staleFactor: number;
}

export interface RiskConfig {
  /** Multiplier per provider id (default 1): how much its score counts. */
  weights: Record<string, number>;
  /** Points added for each further provider that flags the observable (agreement between sources). */
  agreementBonus: number;
  /** Old evidence counts less; false turns this off. */
  freshness?: FreshnessConfig | false;
  /** Known-good and non-routable values: never scored as malicious. */
  warninglists?: Warninglists;
}

export const DEFAULT_FRESHNESS: FreshnessConfig = { freshDays: 180, staleDays: 730, staleFactor: 0.5 };
export const DEFAULT_RISK: RiskConfig = { weights: {}, agreementBonus: 10, freshness: DEFAULT_FRESHNESS };

const DAY = 86_400_000;
// Addresses and names change hands; a file hash is malicious for ever, so hashes never go stale.
const DECAYS = new Set(['ipv4', 'ipv6', 'cidr', 'domain', 'url', 'email', 'asn']);

export function observableKey(o: ObservableRef): string {
  return `${o.type}:${o.value}`;
}

/** How much a result's score still counts given when its evidence was last seen (1 when undated). */
export function freshnessFactor(r: Pick<IntelResult, 'lastSeen' | 'firstSeen'>, nowMs: number, f: FreshnessConfig): number {
  const seen = r.lastSeen ?? r.firstSeen;
  if (seen === undefined) return 1;
  const t = Date.parse(seen);
  if (Number.isNaN(t)) return 1;
  const days = (nowMs - t) / DAY;
  if (days <= f.freshDays) return 1;
  if (days >= f.staleDays || f.staleDays <= f.freshDays) return f.staleFactor;
  return 1 - ((1 - f.staleFactor) * (days - f.freshDays)) / (f.staleDays - f.freshDays);
}

/**
 * Unified risk of one observable from every provider's answer:
 *
 *   score = min(100, max over providers of (score × weight × freshness) + agreementBonus × (flagging providers − 1))
 *
 * A provider flags the observable when its verdict is malicious or suspicious. Freshness is 1 for
 * evidence last seen within `freshDays`, falling linearly to `staleFactor` at `staleDays` (addresses,
 * names and URLs only: a file hash does not become benign with age). Verdict
 * bands: ≥70 malicious, ≥35 suspicious; only safe answers give `safe`; otherwise `info` when some
 * provider said something, else `unknown`. An observable on a warninglist scores 0 (`safe`, or
 * `info` for non-routable values) whatever the providers say, and the first evidence line says why.
 * Partial answers add no score; their reason is listed last.
 */
export function unifiedRisk(o: ObservableRef, results: readonly IntelResult[], cfg: RiskConfig = DEFAULT_RISK, nowMs: number = Date.now(), wl?: WarninglistHit | null): ObservableRisk {
  let best = 0;
  let flagged = 0;
  let safe = 0;
  let info = 0;
  const evidence: Array<{ line: string; score: number }> = [];
  const fresh = cfg.freshness === undefined ? DEFAULT_FRESHNESS : cfg.freshness;
  for (const r of results) {
    if (r.partial) {
      evidence.push({ line: `${r.provider}: no answer (${r.error ?? 'unknown error'})`, score: -1 });
      continue;
    }
    let weighted = r.score * (cfg.weights[r.provider] ?? 1);
    if (weighted > 0 && fresh && DECAYS.has(o.type)) {
      const f = freshnessFactor(r, nowMs, fresh);
      if (f < 1) {
        weighted *= f;
        evidence.push({ line: `${r.provider}: last seen ${(r.lastSeen ?? r.firstSeen)!.slice(0, 10)}, counted at ${Math.round(f * 100)}% (freshness)`, score: weighted - 0.5 });
      }
    }
    if (weighted > best) best = weighted;
    if (r.verdict === 'malicious' || r.verdict === 'suspicious') flagged++;
    else if (r.verdict === 'safe') safe++;
    else if (r.verdict === 'info') info++;
    for (const e of r.evidence) evidence.push({ line: `${r.provider}: ${e}`, score: weighted });
  }
  let score = Math.min(100, Math.round(best + Math.max(0, flagged - 1) * cfg.agreementBonus));
  let verdict: Verdict = 'unknown';
  if (score >= 70) verdict = 'malicious';
  else if (score >= 35) verdict = 'suspicious';
  else if (safe > 0 && flagged === 0) verdict = 'safe';
  else if (info > 0 || flagged > 0) verdict = 'info';
  evidence.sort((a, b) => b.score - a.score);
  const lines = evidence.map((e) => e.line);
  const hit = wl === undefined ? cfg.warninglists?.match(o) : wl ?? undefined;
  if (hit) {
    const setAside = score > 0 ? ` (the providers' score ${score} is set aside)` : '';
    lines.unshift(`warninglist ${hit.list}: ${hit.detail}; never scored as malicious${setAside}`);
    score = 0;
    verdict = hit.kind === 'non-routable' ? 'info' : 'safe';
  }
  return { type: o.type, value: o.value, score, verdict, evidence: lines };
}

interface ActiveProvider {
  id: string;
  supports: ReadonlySet<string>;
  remote: boolean;
  instance: IntelProviderInstance;
  runtime?: RemoteRuntime;
  /** Part of every cache key: changes when a setting that changes answers changes. */
  configHash: string;
  ttl?: { positive: number; negative: number };
}

export interface EnrichOptions {
  /** Only these provider ids. */
  providers?: readonly string[];
  /** false: do not read the cache (fresh answers are still stored). */
  cache?: boolean;
  /** Called after each remote answer: done of total remote lookups. */
  onProgress?: (done: number, total: number) => void;
}

export interface ProviderStatus {
  id: string;
  remote: boolean;
  enabled: boolean;
  /** Why it is off. */
  reason?: string;
  quota?: LimiterStatus['windows'];
  queued?: number;
  inFlight?: number;
  pausedUntil?: string;
  breaker?: BreakerStatus;
  calls?: RemoteCounters;
  lastError?: { at: string; message: string };
}

export interface EngineOptions {
  /** The store cache for remote answers; none = no caching. */
  cache?: IntelCache;
  /** The engine this one replaces: its remote runtimes (quota use, breaker) are kept. */
  previous?: IntelEngine;
  /** How waiting is done (tests pass virtual time). */
  sleep?: Sleep;
  random?: () => number;
}

function failed(p: { id: string }, o: ObservableRef, e: unknown): IntelResult {
  const cause = (e as { cause?: unknown }).cause;
  const message = cause instanceof RemoteFailure ? cause.message : e instanceof Error ? e.message : String(e);
  return { provider: p.id, observable: { type: o.type, value: o.value }, verdict: 'unknown', score: 0, evidence: [], tags: [], partial: true, error: message };
}

/** Runs the enabled providers over observables; one instance per process, shared by every stage. */
export class IntelEngine {
  private readonly active: ActiveProvider[] = [];
  /** Providers that are off and why, said once at start. */
  readonly disabled: Array<{ id: string; reason: string }> = [];
  private readonly defs: ReadonlyArray<{ id: string; remote: boolean }>;
  private readonly cache: IntelCache | undefined;
  private readonly restored = new Set<string>();
  private readonly dirty = new Set<string>();

  constructor(
    defs: readonly IntelProviderDefinition<unknown>[],
    configs: Record<string, unknown>,
    private readonly ctx: IntelContext,
    private readonly risk: RiskConfig = DEFAULT_RISK,
    private readonly log?: Logger,
    opts: EngineOptions = {},
  ) {
    this.defs = defs.map((d) => ({ id: d.id, remote: d.remote }));
    this.cache = opts.cache;
    const sleep = opts.sleep ?? ctx.sleep ?? realSleep;
    for (const def of defs) {
      const parsed = def.configSchema.safeParse(configs[def.id] ?? {});
      if (!parsed.success) {
        this.disabled.push({ id: def.id, reason: `invalid config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
        continue;
      }
      let pctx = ctx;
      let runtime: RemoteRuntime | undefined;
      if (def.remote && hasRemoteOptions(parsed.data)) {
        const options = pickRemoteOptions(parsed.data);
        runtime = opts.previous?.reusableRuntime(def.id, options);
        if (runtime) this.restored.add(def.id);
        else runtime = new RemoteRuntime(def.id, options, { clock: ctx.clock, sleep, ...(opts.random && { random: opts.random }) });
        // A per-provider view of the context: getters on the shared one (localIndex) keep working.
        pctx = Object.create(ctx, { remote: { value: runtime }, http: { value: new RemoteHttp(runtime, ctx.fetch, ctx.clock) }, sleep: { value: sleep } }) as IntelContext;
      }
      const made = def.create(parsed.data, pctx);
      if ('disabled' in made) {
        this.disabled.push({ id: def.id, reason: made.disabled });
        continue;
      }
      const p: ActiveProvider = { id: def.id, supports: new Set(made.supports ?? def.supports), remote: def.remote, instance: made, configHash: answerConfigHash(parsed.data) };
      if (runtime) {
        p.runtime = runtime;
        p.ttl = { positive: runtime.options.cache.positiveTtl, negative: runtime.options.cache.negativeTtl };
      }
      this.active.push(p);
    }
    for (const d of this.disabled) log?.info({ provider: d.id }, `intel provider ${d.id} disabled: ${d.reason}`);
  }

  get providers(): string[] {
    return this.active.map((p) => p.id);
  }

  /** Whether an observable is worth looking up at all: private and reserved IPs are not. */
  static enrichable(o: Observable): boolean {
    if (o.type === 'ipv4' || o.type === 'ipv6') return o.scope === 'public';
    return o.type === 'domain' || o.type === 'url' || o.type === 'email' || o.type === 'md5' || o.type === 'sha1' || o.type === 'sha256' || o.type === 'sha512';
  }

  /** The runtime for `id` when its remote options are unchanged, so a rebuilt engine keeps the quota in use. */
  reusableRuntime(id: string, options: RemoteOptions): RemoteRuntime | undefined {
    const rt = this.active.find((p) => p.id === id)?.runtime;
    return rt && JSON.stringify(rt.options) === JSON.stringify(options) ? rt : undefined;
  }

  /** Loads each remote provider's quota use and counters saved by earlier processes, and drops expired cache rows. */
  async restoreState(): Promise<void> {
    if (!this.cache) return;
    try {
      for (const p of this.active) {
        if (!p.runtime || this.restored.has(p.id)) continue;
        this.restored.add(p.id);
        const s = (await this.cache.loadState(p.id)) as RuntimeSnapshot | undefined;
        if (s && typeof s === 'object') p.runtime.restore(s);
      }
      if (this.active.some((p) => p.runtime)) await this.cache.purgeExpired();
    } catch (e) {
      this.log?.warn({ err: (e as Error).message }, 'intel state not restored');
    }
  }

  /** Saves quota use and counters of the providers that made calls since the last save. */
  async saveState(): Promise<void> {
    if (!this.cache || this.dirty.size === 0) return;
    const states = this.active.filter((p) => p.runtime && this.dirty.has(p.id)).map((p) => ({ provider: p.id, state: p.runtime!.snapshot() }));
    this.dirty.clear();
    try {
      await this.cache.saveState(states);
    } catch (e) {
      this.log?.warn({ err: (e as Error).message }, 'intel state not saved');
    }
  }

  /** Per provider: enabled or why not, quota left, queue depth, breaker, cache hits/misses, calls. */
  status(): ProviderStatus[] {
    const out: ProviderStatus[] = [];
    for (const d of this.defs) {
      const p = this.active.find((a) => a.id === d.id);
      if (!p) {
        const reason = this.disabled.find((x) => x.id === d.id)?.reason ?? 'not configured';
        out.push({ id: d.id, remote: d.remote, enabled: false, reason });
        continue;
      }
      if (!p.runtime) {
        out.push({ id: p.id, remote: p.remote, enabled: true });
        continue;
      }
      const s = p.runtime.status();
      out.push({
        id: p.id,
        remote: p.remote,
        enabled: true,
        quota: s.quota.windows,
        queued: s.quota.queued,
        inFlight: s.quota.inFlight,
        ...(s.quota.pausedUntil && { pausedUntil: s.quota.pausedUntil }),
        breaker: s.breaker,
        calls: s.counters,
        ...(s.lastError && { lastError: s.lastError }),
      });
    }
    return out;
  }

  /**
   * Looks every distinct observable up with every provider that supports its type. Local providers
   * answer synchronously; remote ones run concurrently, each through its rate limiter (queueing),
   * breaker and the store cache. A provider that fails degrades that answer (marked partial with
   * the reason); it never fails the batch. Non-routable addresses and names are never sent out.
   */
  async enrichMany(observables: Iterable<ObservableRef>, opts: EnrichOptions = {}): Promise<Map<string, EnrichedObservable>> {
    const unique = new Map<string, ObservableRef>();
    for (const o of observables) unique.set(observableKey(o), o);
    const providers = opts.providers ? this.active.filter((p) => opts.providers!.includes(p.id)) : this.active;
    const nowMs = this.ctx.clock.now().getTime();
    const out = new Map<string, EnrichedObservable>();
    const hasRemote = providers.some((p) => !p.instance.lookupSync);

    if (!hasRemote) {
      // The per-alert path: no promise per observable.
      for (const [key, o] of unique) {
        const results: IntelResult[] = [];
        for (const p of providers) {
          if (!p.supports.has(o.type)) continue;
          try {
            results.push(p.instance.lookupSync!(o));
          } catch (e) {
            results.push(failed(p, o, e));
          }
        }
        out.set(key, this.finish(o, results, nowMs, undefined, []));
      }
      return out;
    }

    interface Pending {
      o: ObservableRef;
      slots: Array<IntelResult | undefined>;
      cached: string[];
      wl: WarninglistHit | undefined;
    }
    const pending: Pending[] = [];
    const tasks: Array<{ item: Pending; slot: number; p: ActiveProvider; key?: string }> = [];
    for (const o of unique.values()) {
      const wl = this.risk.warninglists?.match(o);
      const item: Pending = { o, slots: [], cached: [], wl };
      pending.push(item);
      providers.forEach((p, slot) => {
        if (!p.supports.has(o.type)) return;
        if (p.instance.lookupSync) {
          try {
            item.slots[slot] = p.instance.lookupSync(o);
          } catch (e) {
            item.slots[slot] = failed(p, o, e);
          }
          return;
        }
        // A private address or a .local name means nothing to an outside service and tells it about our network.
        if (wl?.kind === 'non-routable') return;
        tasks.push({ item, slot, p, ...(this.cache && p.ttl && { key: cacheKey(p.id, p.configHash, o) }) });
      });
    }

    let hits = new Map<string, IntelResult>();
    const readCache = this.cache !== undefined && opts.cache !== false;
    if (readCache) {
      const keys = tasks.flatMap((t) => (t.key ? [t.key] : []));
      try {
        if (keys.length) hits = await this.cache.getMany(keys);
      } catch (e) {
        this.log?.warn({ err: (e as Error).message }, 'intel cache not read');
      }
    }
    const live = tasks.filter((t) => {
      const hit = t.key ? hits.get(t.key) : undefined;
      if (t.p.runtime) this.dirty.add(t.p.id);
      if (!hit) {
        if (readCache && t.key && t.p.runtime) t.p.runtime.counters.cacheMisses++;
        return true;
      }
      t.p.runtime!.counters.cacheHits++;
      t.item.slots[t.slot] = { ...hit, observable: { type: t.item.o.type, value: t.item.o.value } };
      t.item.cached.push(t.p.id);
      return false;
    });

    const puts: CachePut[] = [];
    let done = 0;
    await Promise.all(
      live.map(async (t) => {
        let r: IntelResult;
        try {
          r = await t.p.instance.lookup(t.item.o);
        } catch (e) {
          r = failed(t.p, t.item.o, e);
        }
        t.item.slots[t.slot] = r;
        if (t.key && !r.partial && t.p.ttl) puts.push({ key: t.key, result: r, ttlMs: r.verdict === 'unknown' ? t.p.ttl.negative : t.p.ttl.positive });
        opts.onProgress?.(++done, live.length);
      }),
    );
    if (this.cache && puts.length) {
      try {
        await this.cache.putMany(puts);
      } catch (e) {
        this.log?.warn({ err: (e as Error).message }, 'intel cache not written');
      }
    }
    await this.saveState();

    for (const item of pending) {
      const results = item.slots.filter((r): r is IntelResult => r !== undefined);
      out.set(observableKey(item.o), this.finish(item.o, results, nowMs, item.wl ?? null, item.cached));
    }
    return out;
  }

  private finish(o: ObservableRef, results: IntelResult[], nowMs: number, wl: WarninglistHit | null | undefined, cached: string[]): EnrichedObservable {
    const hit = wl === undefined ? this.risk.warninglists?.match(o) : wl ?? undefined;
    const e: EnrichedObservable = { results, risk: unifiedRisk(o, results, this.risk, nowMs, hit ?? null) };
    if (results.some((r) => r.partial)) e.partial = true;
    if (cached.length) e.cached = cached;
    if (hit) e.warninglist = hit;
    return e;
  }
}
