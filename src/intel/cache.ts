import { hash } from 'node:crypto';
import { and, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Clock } from '../core/clock.js';
import type { IntelResult } from '../core/types.js';
import type { Db } from '../store/db.js';
import { intelCache, kv } from '../store/schema.js';
import type { ObservableRef } from './provider.js';

const CHUNK = 500;
// Postgres refuses btree entries over ~2.7 kB; long URLs are keyed by their digest instead.
const MAX_PLAIN_VALUE = 512;

/**
 * The cache key: provider, the hash of the provider's answer-changing config, and the observable.
 * A config change gives new keys, so old answers are simply never read again (and expire).
 */
export function cacheKey(provider: string, configHash: string, o: ObservableRef): string {
  const v = o.value.length > MAX_PLAIN_VALUE ? `sha256:${hash('sha256', o.value, 'hex')}` : o.value;
  return `${provider}|${configHash}|${o.type}:${v}`;
}

export interface CachePut {
  key: string;
  result: IntelResult;
  ttlMs: number;
}

export interface CacheEntryCounts {
  provider: string;
  live: number;
  expired: number;
}

/**
 * Remote providers' answers in the store (`intel_cache`), so a repeated lookup costs no quota.
 * Reads and writes are batched: one statement per 500 keys.
 */
export class IntelCache {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The live entries among `keys`. */
  async getMany(keys: readonly string[]): Promise<Map<string, IntelResult>> {
    const out = new Map<string, IntelResult>();
    const now = this.clock.now().toISOString();
    const unique = [...new Set(keys)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const c = unique.slice(i, i + CHUNK);
      const rows = await this.db
        .select({ key: intelCache.key, result: intelCache.result })
        .from(intelCache)
        .where(and(inArray(intelCache.key, c), gt(intelCache.expiresAt, now)));
      for (const r of rows) out.set(r.key, r.result as IntelResult);
    }
    return out;
  }

  async putMany(entries: readonly CachePut[]): Promise<void> {
    const now = this.clock.now();
    const rows = new Map<string, typeof intelCache.$inferInsert>();
    for (const e of entries) {
      if (e.ttlMs <= 0) continue;
      rows.set(e.key, {
        key: e.key,
        provider: e.result.provider,
        observableType: e.result.observable.type,
        observableValue: e.result.observable.value.slice(0, 8192),
        result: e.result,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + e.ttlMs).toISOString(),
      });
    }
    const all = [...rows.values()];
    for (let i = 0; i < all.length; i += CHUNK) {
      await this.db
        .insert(intelCache)
        .values(all.slice(i, i + CHUNK))
        .onConflictDoUpdate({
          target: intelCache.key,
          set: { result: sql`excluded.result`, createdAt: sql`excluded.created_at`, expiresAt: sql`excluded.expires_at` },
        });
    }
  }

  /** Deletes expired entries; returns how many. */
  async purgeExpired(): Promise<number> {
    const rows = await this.db.delete(intelCache).where(lte(intelCache.expiresAt, this.clock.now().toISOString())).returning({ key: intelCache.key });
    return rows.length;
  }

  async clear(provider?: string): Promise<number> {
    const q = provider ? this.db.delete(intelCache).where(eq(intelCache.provider, provider)) : this.db.delete(intelCache);
    return (await q.returning({ key: intelCache.key })).length;
  }

  async counts(): Promise<CacheEntryCounts[]> {
    const now = this.clock.now().toISOString();
    const rows = await this.db
      .select({
        provider: intelCache.provider,
        live: sql<number>`count(*) filter (where ${intelCache.expiresAt} > ${now})`.mapWith(Number),
        expired: sql<number>`count(*) filter (where ${intelCache.expiresAt} <= ${now})`.mapWith(Number),
      })
      .from(intelCache)
      .groupBy(intelCache.provider);
    return rows.sort((a, b) => a.provider.localeCompare(b.provider));
  }

  // ---- provider state (quota usage, counters) kept across processes, in the kv table ----

  async loadState(provider: string): Promise<unknown> {
    const rows = await this.db.select({ value: kv.value }).from(kv).where(eq(kv.key, stateKey(provider)));
    return rows[0]?.value;
  }

  async saveState(states: ReadonlyArray<{ provider: string; state: unknown }>): Promise<void> {
    if (!states.length) return;
    const at = this.clock.now().toISOString();
    await this.db
      .insert(kv)
      .values(states.map((s) => ({ key: stateKey(s.provider), value: s.state, updatedAt: at })))
      .onConflictDoUpdate({ target: kv.key, set: { value: sql`excluded.value`, updatedAt: sql`excluded.updated_at` } });
  }
}

function stateKey(provider: string): string {
  return `intel.provider.${provider}`;
}
