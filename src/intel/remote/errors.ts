import { VigilError } from '../../core/errors.js';

export type FailureKind = 'timeout' | 'network' | 'http' | 'auth' | 'rate-limited' | 'bad-response' | 'circuit-open' | 'quota';

/**
 * One failed attempt, classified so the runtime knows whether to retry it, whether it says the
 * service is unhealthy (circuit breaker) and how long the service asked us to wait.
 */
export class RemoteFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly opts: { status?: number; retryAfterMs?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RemoteFailure';
  }

  get retryable(): boolean {
    if (this.opts.retryable !== undefined) return this.opts.retryable;
    return this.kind === 'timeout' || this.kind === 'network' || this.kind === 'rate-limited' || (this.kind === 'http' && (this.opts.status ?? 0) >= 500);
  }

  /** Whether this attempt says the service is unhealthy: a rate limit is the service working as designed. */
  get unhealthy(): boolean {
    return this.kind === 'timeout' || this.kind === 'network' || this.kind === 'auth' || this.kind === 'bad-response' || (this.kind === 'http' && (this.opts.status ?? 0) >= 500);
  }

  toVigilError(provider: string): VigilError {
    const rateLimited = this.kind === 'rate-limited' || this.kind === 'quota';
    return new VigilError(rateLimited ? 'VIGIL_INTEL_RATE_LIMITED' : 'VIGIL_INTEL_FAILED', `${provider}: ${this.message}`, { cause: this, retryable: this.kind !== 'auth' });
  }
}

/** A `Retry-After` value (seconds or an HTTP date) as milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  if (v.length > 64) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now.getTime());
}
