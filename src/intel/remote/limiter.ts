import type { Clock } from '../../core/clock.js';
import { formatWait, formatWindow, type QuotaWindow } from './config.js';
import { RemoteFailure } from './errors.js';

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Held while a request is in flight; exactly one of `release` (it was sent) or `refund` (it was not) must be called. */
export interface Permit {
  release(): void;
  refund(): void;
}

/**
 * One quota window. A token is spent when a request starts and comes back one full window after the
 * request finished. A classic refilling bucket lets 2× the limit through across a window boundary
 * (a full bucket emptied at the end of one minute, refilled during the next), and providers that
 * count per fixed or sliding window answer that with 429s. Counting from the finish, not the start,
 * also covers the request's time on the wire: the provider has counted it by the time it answers.
 */
class Window {
  /** Finish times of the requests still inside the window, oldest first (a ring buffer). */
  private readonly times: Float64Array;
  private head = 0;
  size = 0;

  constructor(
    readonly limit: number,
    readonly perMs: number,
  ) {
    this.times = new Float64Array(limit);
  }

  evict(now: number): void {
    while (this.size > 0 && this.times[this.head]! + this.perMs <= now) {
      this.head = (this.head + 1) % this.limit;
      this.size--;
    }
  }

  push(t: number): void {
    if (this.size === this.limit) {
      // Only reachable through restore(); drop the oldest.
      this.head = (this.head + 1) % this.limit;
      this.size--;
    }
    this.times[(this.head + this.size) % this.limit] = t;
    this.size++;
  }

  /** Finish time of the i-th oldest request in the window. */
  at(i: number): number {
    return this.times[(this.head + i) % this.limit]!;
  }

  list(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.at(i));
    return out;
  }
}

interface Waiter {
  resolve(p: Permit): void;
  reject(e: unknown): void;
}

export interface LimiterSnapshot {
  /**
   * Finish times per window, rounded up into at most ~1,000 buckets per window (`[bucket end, count]`),
   * so a 50,000-a-month quota saves a few kilobytes, not every timestamp. Rounding up only makes
   * the restored use look later, never earlier: still within quota.
   */
  windows: Array<{ perMs: number; buckets: Array<[number, number]> }>;
  pausedUntil: number;
}

export interface LimiterStatus {
  windows: Array<{ limit: number; per: string; used: number; remaining: number }>;
  queued: number;
  inFlight: number;
  /** ISO time until which the provider asked us to wait (`Retry-After`), when in the future. */
  pausedUntil?: string;
}

/**
 * Per-provider rate limiter: every quota window is enforced, plus a cap on requests in flight.
 * Lookups beyond the quota wait in a FIFO queue instead of failing; only a lookup whose wait would
 * exceed `maxWaitMs` is refused at once (a daily quota that is used up should not hold a batch for hours).
 */
export class RateLimiter {
  private readonly windows: Window[];
  private readonly queue: Waiter[] = [];
  private qHead = 0;
  private inFlight = 0;
  private pausedUntil = 0;
  private sleeping = false;

  constructor(
    quota: readonly QuotaWindow[],
    private readonly opts: { concurrency: number; maxWaitMs: number; clock: Clock; sleep: Sleep },
  ) {
    this.windows = quota.map((q) => new Window(q.limit, q.per));
  }

  get queued(): number {
    return this.queue.length - this.qHead;
  }

  /** Waits for a free slot in every window (FIFO) and returns the permit for one request. */
  acquire(): Promise<Permit> {
    const now = this.now();
    if (this.queued === 0 && this.grantable(now)) return Promise.resolve(this.grant());
    const wait = this.estimate(this.queued, now);
    if (wait > this.opts.maxWaitMs) {
      return Promise.reject(new RemoteFailure('quota', `quota used up (${this.describeQuota()}); the next free slot is ${Number.isFinite(wait) ? `in ${formatWait(wait)}` : 'not in sight'}, longer than maxQueueWait ${formatWait(this.opts.maxWaitMs)}`, { retryable: false }));
    }
    return new Promise<Permit>((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.pump();
    });
  }

  /** The provider asked us to wait (429 with `Retry-After`): nothing is sent before `until`. */
  pauseUntil(untilMs: number): void {
    if (untilMs > this.pausedUntil) this.pausedUntil = untilMs;
  }

  status(): LimiterStatus {
    const now = this.now();
    const windows = this.windows.map((w) => {
      w.evict(now);
      const used = w.size + this.inFlight;
      return { limit: w.limit, per: formatWindow(w.perMs), used, remaining: Math.max(0, w.limit - used) };
    });
    return {
      windows,
      queued: this.queued,
      inFlight: this.inFlight,
      ...(this.pausedUntil > now && { pausedUntil: new Date(this.pausedUntil).toISOString() }),
    };
  }

  /** Usage to carry over to the next process, so a quota is not reset by restarting Vigil. */
  snapshot(): LimiterSnapshot {
    const now = this.now();
    return {
      windows: this.windows.map((w) => {
        w.evict(now);
        const size = Math.max(1000, Math.ceil(w.perMs / 1000));
        const buckets: Array<[number, number]> = [];
        for (const t of w.list()) {
          const end = Math.ceil(t / size) * size;
          const last = buckets[buckets.length - 1];
          if (last && last[0] === end) last[1]++;
          else buckets.push([end, 1]);
        }
        return { perMs: w.perMs, buckets };
      }),
      pausedUntil: this.pausedUntil,
    };
  }

  restore(s: LimiterSnapshot): void {
    const now = this.now();
    for (const w of this.windows) {
      const saved = Array.isArray(s.windows) ? s.windows.find((x) => x.perMs === w.perMs) : undefined;
      if (!saved || !Array.isArray(saved.buckets)) continue;
      const times: number[] = [];
      for (const b of saved.buckets) {
        if (!Array.isArray(b)) continue;
        const [end, n] = b;
        if (!Number.isFinite(end) || !Number.isInteger(n) || n <= 0 || end + w.perMs <= now) continue;
        // The requests finished before the snapshot, so before now: capping a rounded-up end at now
        // stays on the safe side and keeps the ring in time order.
        for (let i = 0; i < Math.min(n, w.limit); i++) times.push(Math.min(end, now));
      }
      times.sort((a, b) => a - b);
      for (const t of times.slice(-w.limit)) w.push(t);
    }
    if (Number.isFinite(s.pausedUntil)) this.pauseUntil(s.pausedUntil);
  }

  private now(): number {
    return this.opts.clock.now().getTime();
  }

  private describeQuota(): string {
    return this.windows.map((w) => `${w.limit}/${formatWindow(w.perMs)}`).join(', ');
  }

  private grantable(now: number): boolean {
    if (this.inFlight >= this.opts.concurrency || now < this.pausedUntil) return false;
    for (const w of this.windows) {
      w.evict(now);
      if (w.size + this.inFlight >= w.limit) return false;
    }
    return true;
  }

  private grant(): Permit {
    this.inFlight++;
    let done = false;
    return {
      release: () => {
        if (done) return;
        done = true;
        this.inFlight--;
        const t = this.now();
        for (const w of this.windows) {
          w.evict(t);
          w.push(t);
        }
        this.pump();
      },
      refund: () => {
        if (done) return;
        done = true;
        this.inFlight--;
        this.pump();
      },
    };
  }

  /** Milliseconds until the next slot in every window opens; Infinity when only a finishing request can open one. */
  private waitMs(now: number): number {
    if (this.inFlight >= this.opts.concurrency) return Infinity;
    let wait = this.pausedUntil - now;
    for (const w of this.windows) {
      w.evict(now);
      const over = w.size + this.inFlight - w.limit + 1;
      if (over <= 0) continue;
      if (over > w.size) return Infinity;
      wait = Math.max(wait, w.at(over - 1) + w.perMs - now);
    }
    return wait;
  }

  /** Roughly how long the lookup at queue position `pos` will wait (assuming requests finish quickly). */
  private estimate(pos: number, now: number): number {
    let wait = Math.max(0, this.pausedUntil - now);
    for (const w of this.windows) {
      w.evict(now);
      const free = w.limit - w.size - this.inFlight;
      if (pos < free) continue;
      const j = pos - Math.max(0, free);
      let t: number;
      if (j < w.size) t = w.at(j) + w.perMs;
      else t = now + w.perMs * (1 + Math.floor((j - w.size) / w.limit));
      wait = Math.max(wait, t - now);
    }
    return wait;
  }

  private pump(): void {
    let now = this.now();
    while (this.queued > 0 && this.grantable(now)) {
      const w = this.queue[this.qHead]!;
      this.queue[this.qHead++] = undefined as never;
      if (this.qHead > 1024 && this.qHead * 2 > this.queue.length) {
        this.queue.splice(0, this.qHead);
        this.qHead = 0;
      }
      w.resolve(this.grant());
      now = this.now();
    }
    if (this.queued === 0 || this.sleeping) return;
    const wait = this.waitMs(now);
    if (!Number.isFinite(wait)) return; // a release will pump again
    this.sleeping = true;
    this.opts.sleep(Math.max(1, wait)).then(
      () => {
        this.sleeping = false;
        this.pump();
      },
      (e: unknown) => {
        this.sleeping = false;
        for (let w = this.queue[this.qHead]; w; w = this.queue[this.qHead]) {
          this.queue[this.qHead++] = undefined as never;
          w.reject(e);
        }
      },
    );
  }
}
