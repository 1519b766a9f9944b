import type { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { InputRecord } from '../reader.js';

/**
 * Live transports: where records come from while Vigil runs (a followed file, an indexer polled with
 * a cursor, a syslog listener). The record FORMAT is still an `AlertSource` (src/sources/<id>); a live
 * source only moves raw records and says where it is, so a restart can resume there.
 */

export interface LiveSourceContext {
  /** The configured name (`sources[].name`): the checkpoint key and the origin shown in messages. */
  name: string;
  clock: Clock;
  log: Logger;
  /** `input.maxLineBytes`: the longest record a source accepts; longer ones are reported, not buffered. */
  maxLineBytes: number;
  /** Where secrets named by `*Env` settings are read from. */
  env: NodeJS.ProcessEnv;
  /** The position committed last time (the source validates it), undefined on the first start. */
  checkpoint: unknown;
}

/** Records read since the last delivery and the position just after them. */
export interface LiveBatch {
  /** Raw records or rejected input, with their origin (`file`, `line`) for messages. */
  items: InputRecord[];
  /** The position after these items; committed once they are stored. Omit when it did not move. */
  position?: unknown;
  /** Event time of the newest record (indexers) or the time it was received (files, syslog), ISO 8601. */
  lastEventAt?: string;
}

export interface LiveSink {
  /**
   * Hands records over. Returns nothing when they were accepted into the current batch, or a promise
   * when the batch is full: await it before reading more (back-pressure).
   */
  deliver(batch: LiveBatch): void | Promise<void>;
  /** A problem the source recovers from by itself (a remote that fails, a file it cannot read yet). */
  error(err: Error): void;
}

export interface LiveSourceStatus {
  state: 'starting' | 'running' | 'waiting' | 'backoff' | 'stopped';
  /** False when records sent while Vigil is down are lost (syslog). */
  resumable: boolean;
  /** The position in memory (it may be ahead of the committed checkpoint by one batch). */
  position: unknown;
  /** How far behind the producer: bytes not yet read (files), or how old the newest record seen is. */
  lag?: { bytes?: number; ms?: number };
  /** What a human should know: where it listens, what it waits for, why it backs off. */
  detail?: string;
  counters: Record<string, number>;
}

export interface LiveSourceInstance {
  /** Starts reading; resolves once the source is running (listening, file opened or waited for). */
  start(sink: LiveSink): Promise<void>;
  /** Stops reading and resolves once no delivery is in progress. */
  stop(): Promise<void>;
  status(): LiveSourceStatus;
}

/** A position and lag worked out from the store and the config alone (for `vigil sources status` in another process). */
export interface OfflineView {
  position: string;
  lag?: string;
  lagBytes?: number;
  lagMs?: number;
}

/** One kind of live source. One folder under `src/sources/live/` per kind, listed in `registry.ts`. */
export interface LiveSourceDefinition<C = any> {
  /** Equals the folder name and the `type` in config: `file-follow`, `opensearch`, `syslog`. */
  id: string;
  description: string;
  /** True when a restart continues from the checkpoint with nothing lost. */
  resumable: boolean;
  /** The settings under `sources[]` besides `name`, `type` and `enabled` (strict: unknown keys are errors). */
  configSchema: z.ZodType<C>;
  /** Dotted paths of settings that are file paths, resolved against the config file's folder. */
  pathFields?: string[];
  /** Validates secrets and files it needs, then builds the source; throws a VigilError naming the field. */
  create(config: C, ctx: LiveSourceContext): LiveSourceInstance;
  /** Position and lag from a stored checkpoint, without a running instance. */
  describe(config: C, checkpoint: { position: unknown; lastEventAt: string | null }, now: Date): Promise<OfflineView>;
}

export function defineLiveSource<C>(def: LiveSourceDefinition<C>): LiveSourceDefinition<C> {
  return def;
}

/** Milliseconds as a short human duration: `850 ms`, `12 s`, `4 min`, `3.2 h`, `2.1 d`. */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** Bytes as `512 B`, `3.4 KiB`, `12.0 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** Reads a secret given inline or through the environment variable an `*Env` setting names. */
export function secret(inline: string | undefined, envName: string | undefined, env: NodeJS.ProcessEnv, field: string): string | undefined {
  if (inline !== undefined) return inline;
  if (envName === undefined) return undefined;
  const v = env[envName];
  if (v === undefined || v === '') {
    throw new ConfigProblem(`the environment variable ${envName} is not set`, `${field}Env`);
  }
  return v;
}

/** A setting that cannot be used (a secret missing, a CA file unreadable); the runner adds `sources.N.` to the field. */
export class ConfigProblem extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'ConfigProblem';
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
