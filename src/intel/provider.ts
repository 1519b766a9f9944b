import type { z } from 'zod';
import type { Clock } from '../core/clock.js';
import type { IntelResult, ObservableType } from '../core/types.js';
import type { Logger } from '../core/log.js';
import type { LocalIndex } from './local-index.js';
import type { RemoteHttp } from './remote/http.js';
import type { Sleep } from './remote/limiter.js';
import type { RemoteRuntime } from './remote/runtime.js';

/** What a provider may use for I/O; the composition root hands it in, tests hand in fakes. */
export interface IntelContext {
  clock: Clock;
  log: Logger;
  fetch: typeof fetch;
  /** The local IOC database, for the `local-feeds` provider. */
  localIndex: LocalIndex;
  /** How waiting is done (retry backoff, quota queues); tests pass virtual time. Default: real timers. */
  sleep?: Sleep;
  /**
   * Remote providers only, set by the engine per provider: the runtime every remote call goes
   * through (quota queue, circuit breaker, timeout, retries), and HTTP over it.
   */
  remote?: RemoteRuntime;
  http?: RemoteHttp;
}

export interface ObservableRef {
  type: ObservableType;
  value: string;
}

export interface IntelProviderInstance {
  /** Look one observable up. Unknown to the provider is a result (verdict `unknown`), not an error. */
  lookup(observable: ObservableRef): Promise<IntelResult>;
  /**
   * The same answer without a promise, for providers that never do I/O (the local database): the
   * engine uses it on the per-alert path, where a promise per observable costs more than the lookup.
   */
  lookupSync?(observable: ObservableRef): IntelResult;
  /** Narrower than the definition's `supports` when the config chooses the types (`http-json`). */
  supports?: readonly ObservableType[];
}

/** A threat-intel source. One folder under `src/intel/providers/` per provider, listed in `registry.ts`. */
export interface IntelProviderDefinition<C = unknown> {
  /** Equals the folder name: `virustotal`, `abuseipdb`, `local-feeds`. */
  id: string;
  description: string;
  /** Observable types this provider can answer for. */
  supports: readonly ObservableType[];
  /** Remote providers: true, so nothing leaves the machine unless configured with a key. */
  remote: boolean;
  configSchema: z.ZodType<C>;
  /**
   * Remote providers: the smallest config that turns it on (the contract suite creates it with
   * this). Default `{ apiKey: 'k' }`.
   */
  enabledExample?: Record<string, unknown>;
  /** Returns the instance, or `{ disabled: reason }` when it is not configured (said once at start). */
  create(config: C, ctx: IntelContext): IntelProviderInstance | { disabled: string };
}

export function defineIntelProvider<C>(def: IntelProviderDefinition<C>): IntelProviderDefinition<C> {
  return def;
}

/** One provider's answer as Vigil shows it (API, CLI): the verdict and why, without the raw body. */
export function shownAnswer(r: IntelResult): Pick<IntelResult, 'provider' | 'verdict' | 'score' | 'evidence' | 'tags' | 'firstSeen' | 'lastSeen'> {
  return {
    provider: r.provider,
    verdict: r.verdict,
    score: r.score,
    evidence: r.evidence,
    tags: r.tags,
    ...(r.firstSeen && { firstSeen: r.firstSeen }),
    ...(r.lastSeen && { lastSeen: r.lastSeen }),
  };
}
