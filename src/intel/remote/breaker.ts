import type { Clock } from '../../core/clock.js';
import { formatWait } from './config.js';
import { RemoteFailure } from './errors.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerStatus {
  state: BreakerState;
  /** Consecutive failed requests so far. */
  failures: number;
  /** When an open circuit lets the next trial through (ISO). */
  retryAt?: string;
  lastFailure?: string;
}

/**
 * Per-provider circuit breaker. After `threshold` consecutive failed requests it opens: lookups fail
 * fast (answered as partial) instead of queueing behind a provider that is down. After `cooldownMs`
 * one trial request goes through (half-open); its success closes the circuit, its failure opens it
 * again for another cool-down.
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private lastFailure: string | undefined;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly clock: Clock,
  ) {}

  /**
   * Throws when the circuit is open (or half-open with its trial already running); otherwise admits
   * the request, and returns true when it is the half-open trial.
   */
  enter(): boolean {
    if (this.state === 'open') {
      const retryAt = this.openedAt + this.cooldownMs;
      const now = this.clock.now().getTime();
      if (now < retryAt) throw this.openError(retryAt - now);
      this.state = 'half-open';
    }
    if (this.state === 'half-open') {
      if (this.trialInFlight) throw this.openError(0);
      this.trialInFlight = true;
      return true;
    }
    return false;
  }

  /** Throws like `enter` but admits nothing: for checking before waiting in the queue. */
  check(): void {
    if (this.state !== 'open') return;
    const retryAt = this.openedAt + this.cooldownMs;
    const now = this.clock.now().getTime();
    if (now < retryAt) throw this.openError(retryAt - now);
  }

  success(): void {
    this.state = 'closed';
    this.failures = 0;
    this.trialInFlight = false;
  }

  failure(reason: string): void {
    this.failures++;
    this.lastFailure = reason;
    this.trialInFlight = false;
    if (this.state === 'half-open' || this.failures >= this.threshold) {
      this.state = 'open';
      this.openedAt = this.clock.now().getTime();
    }
  }

  /** The request ended without saying anything about the provider's health (a 429, a refund). */
  neutral(trial: boolean): void {
    if (trial) this.trialInFlight = false;
  }

  status(): BreakerStatus {
    const s: BreakerStatus = { state: this.state, failures: this.failures };
    if (this.state === 'open') s.retryAt = new Date(this.openedAt + this.cooldownMs).toISOString();
    if (this.lastFailure !== undefined) s.lastFailure = this.lastFailure;
    return s;
  }

  private openError(waitMs: number): RemoteFailure {
    const why = this.lastFailure ? ` (last: ${this.lastFailure})` : '';
    const when = waitMs > 0 ? `; next try in ${formatWait(waitMs)}` : '; a trial request is running';
    return new RemoteFailure('circuit-open', `circuit open after ${this.failures} consecutive failure${this.failures === 1 ? '' : 's'}${why}${when}`, { retryable: false });
  }
}
