import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Duration } from '../../core/clock.js';

export const QuotaWindow = z.strictObject({
  /** Requests allowed in any window of `per`. */
  limit: z.number().int().min(1).max(1_000_000),
  /** The window: `1s`, `1m`, `1h`, `1d`, `30d`. */
  per: Duration,
});
export type QuotaWindow = z.infer<typeof QuotaWindow>;

/** A provider's documented limits and cache lifetimes, the defaults of its remote options. */
export interface RemoteDefaults {
  quota: Array<{ limit: number; per: string }>;
  positiveTtl: string;
  negativeTtl: string;
  concurrency?: number;
  timeout?: string;
}

/**
 * The settings every remote provider shares (spread into its config schema): how long a call may
 * take, how often it is retried, how many run at once, the provider's quota, how long a lookup may
 * wait in the queue, the circuit breaker and the cache lifetimes.
 */
export function remoteOptions(d: RemoteDefaults) {
  return {
    /** Longest a single request may take before it is abandoned (and retried). */
    timeout: Duration.prefault(d.timeout ?? '15s'),
    /** Further attempts after a timeout, a network error, a 429 or a 5xx answer. */
    retries: z.number().int().min(0).max(10).default(2),
    /** Requests in flight at once. */
    concurrency: z.number().int().min(1).max(64).default(d.concurrency ?? 4),
    /** Requests allowed per window; every window is enforced. Defaults are the provider's documented free quota. */
    quota: z.array(QuotaWindow).min(1).max(5).prefault(d.quota),
    /** A lookup that would wait longer than this for quota is answered as partial at once instead. */
    maxQueueWait: Duration.prefault('10m'),
    /** Longest `Retry-After` honoured by waiting; a longer one fails the lookup (partial) and pauses the queue. */
    maxRetryAfter: Duration.prefault('2m'),
    breaker: z
      .strictObject({
        /** Consecutive failed requests that open the circuit (lookups then fail fast). */
        failures: z.number().int().min(1).max(1000).default(5),
        /** How long the circuit stays open before one trial request is let through. */
        cooldown: Duration.prefault('1m'),
      })
      .prefault({}),
    cache: z
      .strictObject({
        /** How long an answer that knows the observable is reused. `0` turns caching off. */
        positiveTtl: Duration.prefault(d.positiveTtl),
        /** How long an "unknown to this provider" answer is reused. */
        negativeTtl: Duration.prefault(d.negativeTtl),
      })
      .prefault({}),
  };
}

/** The parsed remote options (milliseconds everywhere). */
export interface RemoteOptions {
  timeout: number;
  retries: number;
  concurrency: number;
  quota: QuotaWindow[];
  maxQueueWait: number;
  maxRetryAfter: number;
  breaker: { failures: number; cooldown: number };
  cache: { positiveTtl: number; negativeTtl: number };
}

export const REMOTE_OPTION_KEYS = ['timeout', 'retries', 'concurrency', 'quota', 'maxQueueWait', 'maxRetryAfter', 'breaker', 'cache'] as const;

/** The remote options out of a provider's parsed config. */
export function pickRemoteOptions(config: RemoteOptions): RemoteOptions {
  const out: Record<string, unknown> = {};
  for (const k of REMOTE_OPTION_KEYS) out[k] = config[k];
  return out as unknown as RemoteOptions;
}

/** Whether a parsed provider config carries remote options (every remote provider's schema spreads them in). */
export function hasRemoteOptions(config: unknown): config is RemoteOptions {
  const c = config as Partial<RemoteOptions> | null;
  return typeof c === 'object' && c !== null && Array.isArray(c.quota) && typeof c.timeout === 'number' && typeof c.cache === 'object';
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * A hash of the settings that change a provider's answers (base URL, thresholds, look-back days…),
 * part of every cache key, so changing one of them misses the cache. The API key and the
 * operational settings (quota, timeouts, cache lifetimes) are left out: rotating a key or raising a
 * quota does not change what the provider says, and a digest of a secret has no place in the store.
 */
export function answerConfigHash(config: unknown): string {
  const c = { ...(config as Record<string, unknown>) };
  for (const k of [...REMOTE_OPTION_KEYS, 'apiKey', 'enabled']) delete c[k];
  return createHash('sha256').update(stable(c)).digest('hex').slice(0, 16);
}

/** `60000` → `1m`, `86400000` → `1d`: how a window is shown. */
export function formatWindow(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** `95000` → `1 min 35 s`: how a wait is shown to a person. */
export function formatWait(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}
