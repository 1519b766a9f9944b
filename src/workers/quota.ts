// Provider quotas shared by every worker. Each process still runs its own rate limiter
// (src/intel/remote/limiter.ts) for queueing and concurrency; this gate sits under it, at the fetch
// every remote provider calls, and counts each request against one usage record per provider in
// the store, so N workers together stay within the quota one key has.
import { eq } from 'drizzle-orm';
import type { VigilConfig } from '../config.js';
import type { Clock } from '../core/clock.js';
import { hasRemoteOptions, type QuotaWindow } from '../intel/remote/config.js';
import { RemoteFailure } from '../intel/remote/errors.js';
import { INTEL_PROVIDERS } from '../intel/providers/registry.js';
import type { Db } from '../store/db.js';
import { kv } from '../store/schema.js';

/** A provider's quota and the origin its requests go to. */
export interface QuotaRule {
  provider: string;
  origin: string;
  windows: QuotaWindow[];
}

/** Usage per window: request start times rounded up into at most ~1,000 buckets (`[bucket end, count]`). */
interface Usage {
  windows: Array<{ perMs: number; buckets: Array<[number, number]> }>;
}

/** A wait up to this long is done here; a longer one is answered as a 429 with Retry-After, which the runtime honours. */
const INLINE_WAIT_MS = 1_000;

/** The remote providers configured with an API base URL and a quota, from config (disabled ones too: they make no requests). */
export function remoteQuotas(config: VigilConfig): QuotaRule[] {
  const out: QuotaRule[] = [];
  for (const def of INTEL_PROVIDERS) {
    if (!def.remote) continue;
    const parsed = (def.configSchema as { safeParse(v: unknown): { success: boolean; data?: unknown } }).safeParse(config.intel.providers[def.id] ?? {});
    const data = parsed.data;
    if (!parsed.success || !hasRemoteOptions(data)) continue;
    const base = (data as { baseUrl?: unknown }).baseUrl;
    if (typeof base !== 'string') continue;
    try {
      out.push({ provider: def.id, origin: new URL(base).origin, windows: data.quota });
    } catch {
      // An invalid base URL is the provider's own config error, reported when it is built.
    }
  }
  return out;
}

function bucketMs(perMs: number): number {
  return Math.max(1_000, Math.ceil(perMs / 1_000));
}

/**
 * Takes one request from every window of a provider's shared usage if all have room; otherwise
 * says how long until they do. Pure, so the store part stays a read-modify-write under a row lock.
 */
export function takeSlot(usage: Usage | undefined, windows: readonly QuotaWindow[], now: number): { usage: Usage; waitMs: number } {
  const next: Usage = { windows: [] };
  let waitMs = 0;
  for (const w of windows) {
    const saved = usage?.windows.find((x) => x.perMs === w.per);
    const buckets = (saved?.buckets ?? []).filter(([end, n]) => Number.isFinite(end) && n > 0 && end + w.per > now);
    const used = buckets.reduce((a, [, n]) => a + n, 0);
    if (used >= w.limit) {
      // The oldest requests leave the window first: wait until enough of them have.
      let over = used - w.limit + 1;
      for (const [end, n] of buckets) {
        over -= n;
        if (over <= 0) {
          waitMs = Math.max(waitMs, end + w.per - now);
          break;
        }
      }
    }
    next.windows.push({ perMs: w.per, buckets });
  }
  if (waitMs > 0) return { usage: next, waitMs };
  for (const w of next.windows) {
    const size = bucketMs(w.perMs);
    const end = Math.ceil((now + 1) / size) * size;
    const last = w.buckets[w.buckets.length - 1];
    if (last && last[0] === end) last[1]++;
    else w.buckets.push([end, 1]);
  }
  return { usage: next, waitMs: 0 };
}

export class GlobalQuota {
  private db: Db | undefined;
  private readonly byOrigin: Map<string, QuotaRule>;

  constructor(
    rules: readonly QuotaRule[],
    private readonly clock: Clock,
  ) {
    this.byOrigin = new Map(rules.map((r) => [r.origin, r]));
  }

  /** The store holding the shared usage; requests made before it is bound are not gated (none are). */
  bind(db: Db): void {
    this.db = db;
  }

  /** `fetch` with the shared quota in front of every request to a provider's origin. */
  wrap(fetchFn: typeof fetch): typeof fetch {
    return (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      let origin: string | undefined;
      try {
        origin = new URL(url).origin;
      } catch {
        origin = undefined;
      }
      const rule = origin ? this.byOrigin.get(origin) : undefined;
      if (rule) await this.acquire(rule);
      return fetchFn(input, init);
    }) as typeof fetch;
  }

  /** Waits briefly for a shared slot, or throws the rate-limited failure the provider runtime retries after. */
  async acquire(rule: QuotaRule): Promise<void> {
    const db = this.db;
    if (!db) return;
    const deadline = this.clock.now().getTime() + INLINE_WAIT_MS;
    for (;;) {
      const waitMs = await this.tryTake(db, rule);
      if (waitMs <= 0) return;
      const now = this.clock.now().getTime();
      if (now + waitMs > deadline) {
        throw new RemoteFailure('rate-limited', `shared quota of ${rule.provider} used up across the workers; next slot in ${Math.ceil(waitMs / 1000)} s`, { retryAfterMs: waitMs });
      }
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }

  private async tryTake(db: Db, rule: QuotaRule): Promise<number> {
    const key = `intel.quota.shared.${rule.provider}`;
    const now = this.clock.now();
    return db.transaction(async (txn) => {
      const tx = txn as unknown as Db;
      await tx.insert(kv).values({ key, value: { windows: [] }, updatedAt: now.toISOString() }).onConflictDoNothing();
      const row = (await tx.select({ value: kv.value }).from(kv).where(eq(kv.key, key)).for('update'))[0];
      const { usage, waitMs } = takeSlot(row?.value as Usage | undefined, rule.windows, now.getTime());
      if (waitMs > 0) return waitMs;
      await tx.update(kv).set({ value: usage, updatedAt: now.toISOString() }).where(eq(kv.key, key));
      return 0;
    });
  }
}
