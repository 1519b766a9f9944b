import type { Clock } from '../../core/clock.js';
import { CircuitBreaker, type BreakerStatus } from './breaker.js';
import { formatWait, type RemoteOptions } from './config.js';
import { RemoteFailure } from './errors.js';
import { RateLimiter, type LimiterSnapshot, type LimiterStatus, type Sleep } from './limiter.js';

export interface RemoteCounters {
  /** Requests sent (every attempt, retries included). */
  requests: number;
  /** Lookups answered by the provider. */
  ok: number;
  /** Lookups that failed after their retries (answered as partial). */
  failed: number;
  /** Attempts retried after a timeout, network error, 429 or 5xx. */
  retried: number;
  /** 429 answers received, and lookups refused because the quota was used up. */
  rateLimited: number;
  cacheHits: number;
  cacheMisses: number;
}

export interface RuntimeStatus {
  quota: LimiterStatus;
  breaker: BreakerStatus;
  counters: RemoteCounters;
  lastError?: { at: string; message: string };
}

export interface RuntimeSnapshot {
  limiter: LimiterSnapshot;
  counters: RemoteCounters;
  lastError?: { at: string; message: string };
}

export interface RuntimeDeps {
  clock: Clock;
  sleep: Sleep;
  /** 0..1, for backoff jitter; tests pass a constant. */
  random?: () => number;
}

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;

export function zeroCounters(): RemoteCounters {
  return { requests: 0, ok: 0, failed: 0, retried: 0, rateLimited: 0, cacheHits: 0, cacheMisses: 0 };
}

/**
 * Everything between a remote provider and the network: the rate limiter (queueing), the circuit
 * breaker, a timeout per attempt and retries with exponential backoff that honour `Retry-After`.
 * One per provider, kept across engine rebuilds so a reload does not reset the quota.
 */
export class RemoteRuntime {
  readonly limiter: RateLimiter;
  readonly breaker: CircuitBreaker;
  counters: RemoteCounters = zeroCounters();
  private lastError: { at: string; message: string } | undefined;
  private readonly random: () => number;

  constructor(
    readonly provider: string,
    readonly options: RemoteOptions,
    private readonly deps: RuntimeDeps,
  ) {
    this.limiter = new RateLimiter(options.quota, { concurrency: options.concurrency, maxWaitMs: options.maxQueueWait, clock: deps.clock, sleep: deps.sleep });
    this.breaker = new CircuitBreaker(options.breaker.failures, options.breaker.cooldown, deps.clock);
    this.random = deps.random ?? Math.random;
  }

  /**
   * Runs one remote operation with every protection. `attempt` gets an AbortSignal that fires at the
   * timeout; it throws a RemoteFailure to say what went wrong (anything else counts as a network
   * error). The result is the attempt's value, or a VigilError after the retries are spent.
   */
  async call<T>(attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      const v = await this.run(attempt);
      this.counters.ok++;
      return v;
    } catch (e) {
      const f = e instanceof RemoteFailure ? e : new RemoteFailure('network', (e as Error).message, { cause: e });
      this.counters.failed++;
      if (f.kind === 'quota') this.counters.rateLimited++;
      this.lastError = { at: this.deps.clock.now().toISOString(), message: f.message };
      throw f.toVigilError(this.provider);
    }
  }

  status(): RuntimeStatus {
    return {
      quota: this.limiter.status(),
      breaker: this.breaker.status(),
      counters: { ...this.counters },
      ...(this.lastError && { lastError: this.lastError }),
    };
  }

  snapshot(): RuntimeSnapshot {
    return { limiter: this.limiter.snapshot(), counters: { ...this.counters }, ...(this.lastError && { lastError: this.lastError }) };
  }

  restore(s: RuntimeSnapshot): void {
    if (s.limiter) this.limiter.restore(s.limiter);
    if (s.counters) for (const k of Object.keys(this.counters) as Array<keyof RemoteCounters>) this.counters[k] += Number(s.counters[k]) || 0;
    if (s.lastError && !this.lastError) this.lastError = s.lastError;
  }

  private async run<T>(attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (let n = 0; ; n++) {
      this.breaker.check();
      const permit = await this.limiter.acquire();
      let trial: boolean;
      try {
        trial = this.breaker.enter();
      } catch (e) {
        permit.refund();
        throw e;
      }
      let failure: RemoteFailure;
      try {
        this.counters.requests++;
        const v = await this.withTimeout(attempt);
        this.breaker.success();
        return v;
      } catch (e) {
        failure = e instanceof RemoteFailure ? e : new RemoteFailure('network', `request failed: ${(e as Error).message}`, { cause: e });
        if (failure.unhealthy) this.breaker.failure(failure.message);
        else this.breaker.neutral(trial);
      } finally {
        permit.release();
      }
      if (failure.kind === 'rate-limited') this.counters.rateLimited++;
      if (!failure.retryable || n >= this.options.retries) throw failure;
      const now = this.deps.clock.now().getTime();
      const asked = failure.opts.retryAfterMs;
      if (asked !== undefined) {
        this.limiter.pauseUntil(now + asked);
        if (asked > this.options.maxRetryAfter) {
          throw new RemoteFailure('rate-limited', `${failure.message}; asked to wait ${formatWait(asked)}, longer than maxRetryAfter ${formatWait(this.options.maxRetryAfter)}`, { retryable: false, status: failure.opts.status });
        }
      }
      this.counters.retried++;
      const b = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** n);
      // Half fixed, half random, so clients that failed together do not retry together.
      await this.deps.sleep(asked ?? b / 2 + (this.random() * b) / 2);
    }
  }

  private withTimeout<T>(attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ms = this.options.timeout;
    const ctl = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const f = new RemoteFailure('timeout', `timed out after ${formatWait(ms)}`);
        ctl.abort(f);
        reject(f);
      }, ms);
    });
    // The race returns at the timeout even when the attempt ignores its signal.
    return Promise.race([attempt(ctl.signal), timedOut]).finally(() => clearTimeout(timer));
  }
}
