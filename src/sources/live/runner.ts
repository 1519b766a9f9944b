import type { Clock } from '../../core/clock.js';
import { formatIssue, VigilError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { IngestItem, RunSummary } from '../../pipeline/run.js';
import type { Db } from '../../store/db.js';
import type { InputRecord } from '../reader.js';
import { commitCheckpoint, loadCheckpoint, recordSourceError } from './checkpoints.js';
import type { LiveSourceConfig } from './config.js';
import { getLiveSource } from './registry.js';
import { ConfigProblem, sleep, type LiveBatch, type LiveSink, type LiveSourceInstance, type LiveSourceStatus } from './source.js';

/** What the runner needs from the application: the one ingest entry point and the store. */
export interface RunnerHost {
  ingest(items: IngestItem[]): Promise<RunSummary>;
  db: Db;
  clock: Clock;
  log: Logger;
  maxLineBytes: number;
  env?: NodeJS.ProcessEnv;
}

export interface RunnerOptions {
  /** Records per ingest call at most. */
  batchSize?: number;
  /** A batch that is not full is ingested after this long. */
  flushMs?: number;
  /** First and longest wait before storing a batch again after the store failed. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** Counts from the pipeline for one source since it started in this process. */
export interface ChannelCounters {
  delivered: number;
  new: number;
  duplicate: number;
  rejected: number;
  ignored: number;
  batches: number;
}

/**
 * Batches one source's records into `ingest` (up to batchSize records or flushMs), and commits the
 * source's position only after ingest resolved: a crash in between re-reads, never skips.
 */
class Channel implements LiveSink {
  private buffer: InputRecord[] = [];
  private position: unknown;
  private moved = false;
  private lastEventAt: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closing = false;
  private readonly abort = new AbortController();
  readonly counters: ChannelCounters = { delivered: 0, new: 0, duplicate: 0, rejected: 0, ignored: 0, batches: 0 };
  lastError: { message: string; at: string } | undefined;

  constructor(
    readonly name: string,
    readonly kind: string,
    private readonly host: RunnerHost,
    private readonly o: Required<RunnerOptions>,
  ) {}

  deliver(b: LiveBatch): void | Promise<void> {
    for (const i of b.items) this.buffer.push(i);
    if (b.position !== undefined) {
      this.position = b.position;
      this.moved = true;
    }
    if (b.lastEventAt) this.lastEventAt = b.lastEventAt;
    if (this.buffer.length >= this.o.batchSize) return this.flush();
    if (!this.timer && (this.buffer.length || this.moved)) {
      this.timer = setTimeout(() => void this.flush(), this.o.flushMs);
      this.timer.unref();
    }
  }

  error(err: Error): void {
    const at = this.host.clock.now().toISOString();
    const t = Date.parse(at);
    const repeat = this.lastError?.message === err.message && t - this.lastLoggedAt < 60_000;
    this.lastError = { message: err.message, at };
    // A source failing every poll, or a stream of bad lines, must not flood the log or the store.
    if (!repeat) {
      this.lastLoggedAt = t;
      this.host.log.warn({ source: this.name, err: err.message }, 'source problem');
    }
    if (this.errorTimer) return;
    const wait = Math.max(0, this.lastSavedAt + 5_000 - t);
    this.errorTimer = setTimeout(() => {
      this.errorTimer = undefined;
      const e = this.lastError!;
      this.lastSavedAt = Date.parse(e.at);
      this.errorWrite = recordSourceError(this.host.db, { source: this.name, kind: this.kind, message: e.message, at: e.at }).catch((x: Error) =>
        this.host.log.error({ source: this.name, err: x.message }, 'could not record the source error'),
      );
    }, wait);
    this.errorTimer.unref();
  }

  private lastLoggedAt = 0;
  private lastSavedAt = 0;
  private errorTimer: NodeJS.Timeout | undefined;
  private errorWrite: Promise<void> = Promise.resolve();

  /** Writes a pending last error now (at stop, before the store closes). */
  async saveError(): Promise<void> {
    if (this.errorTimer) {
      clearTimeout(this.errorTimer);
      this.errorTimer = undefined;
      const e = this.lastError!;
      this.errorWrite = recordSourceError(this.host.db, { source: this.name, kind: this.kind, message: e.message, at: e.at }).catch(() => undefined);
    }
    await this.errorWrite;
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.chain.then(() => this.flushNow());
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Stops retrying; the next flush is the last, with one attempt. */
  beginClose(): void {
    this.closing = true;
    this.abort.abort();
  }

  private async flushNow(): Promise<void> {
    if (!this.buffer.length && !this.moved) return;
    const items = this.buffer;
    const position = this.position;
    const moved = this.moved;
    const lastEventAt = this.lastEventAt;
    this.buffer = [];
    this.moved = false;
    this.lastEventAt = undefined;
    // A source may hand over more than a batch at once (a file chunk): ingest in slices, and commit the
    // position, which stands after the last of them, only once every slice is stored.
    for (let at = 0; at < items.length; at += this.o.batchSize) {
      const slice = items.slice(at, at + this.o.batchSize);
      for (let attempt = 1; ; attempt++) {
        try {
          this.account(await this.host.ingest(slice));
          break;
        } catch (e) {
          this.error(new Error(`storing ${slice.length} record(s) failed (attempt ${attempt}); the position is not moved: ${(e as Error).message}`));
          // Not committed, so a resumable source reads these again after a restart.
          if (this.closing) return;
          await sleep(Math.min(this.o.retryMaxMs, this.o.retryMinMs * 2 ** Math.min(attempt - 1, 16)), this.abort.signal);
          if (this.closing) return;
        }
      }
    }
    try {
      await commitCheckpoint(this.host.db, {
        source: this.name,
        kind: this.kind,
        position: moved ? position : undefined,
        delivered: items.length,
        lastEventAt,
        at: this.host.clock.now().toISOString(),
      });
    } catch (e) {
      // The records are stored; the position is committed with the next batch (they are re-read at worst).
      if (moved && !this.moved) {
        this.position = position;
        this.moved = true;
      }
      this.error(new Error(`could not save the position: ${(e as Error).message}`));
    }
  }

  private account(s: RunSummary): void {
    this.counters.batches++;
    this.counters.delivered += s.alerts.read;
    this.counters.new += s.alerts.new;
    this.counters.duplicate += s.alerts.duplicate;
    this.counters.rejected += s.alerts.rejected;
    this.counters.ignored += s.alerts.ignored;
    if (s.issues.length) {
      for (const i of s.issues.slice(0, 3)) this.host.log.warn({ source: this.name }, `input rejected: ${formatIssue(i)}`);
      const first = s.issues[0]!;
      this.error(new Error(`input rejected (${s.issues.length} in the last batch), e.g. ${formatIssue(first)}`));
    }
  }
}

interface Running {
  index: number;
  config: LiveSourceConfig;
  instance: LiveSourceInstance;
  channel: Channel;
}

/** One source as the runner sees it right now. */
export interface LiveView {
  name: string;
  type: string;
  status: LiveSourceStatus;
  pipeline: ChannelCounters;
  lastError?: { message: string; at: string };
}

/**
 * Runs every enabled source from `sources:` and feeds their records to the pipeline. A failing
 * remote or a bad line is recorded (last_error) and the source keeps going.
 */
export class SourceRunner {
  private running: Running[] = [];
  private readonly o: Required<RunnerOptions>;

  constructor(
    private readonly host: RunnerHost,
    private readonly configs: LiveSourceConfig[],
    opts: RunnerOptions = {},
  ) {
    this.o = { batchSize: 500, flushMs: 200, retryMinMs: 1000, retryMaxMs: 60_000, ...opts };
  }

  get started(): boolean {
    return this.running.length > 0;
  }

  /**
   * Builds and starts every enabled source, each from its stored checkpoint. A source that cannot be
   * built or started (a missing secret, a port in use) is a config error: nothing is left running.
   */
  async start(): Promise<void> {
    if (this.running.length) return;
    const prepared: Running[] = [];
    for (const [index, config] of this.configs.entries()) {
      if (!config.enabled) continue;
      const def = getLiveSource(config.type);
      if (!def) throw new VigilError('VIGIL_PLUGIN_UNKNOWN', `unknown source type "${config.type}"`, { field: `sources.${index}.type` });
      const row = await loadCheckpoint(this.host.db, config.name);
      const { name, type: _type, enabled: _enabled, ...settings } = config;
      let instance: LiveSourceInstance;
      try {
        instance = def.create(settings, {
          name,
          clock: this.host.clock,
          log: this.host.log,
          maxLineBytes: this.host.maxLineBytes,
          env: this.host.env ?? process.env,
          checkpoint: row?.position,
        });
      } catch (e) {
        throw asConfigError(e, index, name);
      }
      prepared.push({ index, config, instance, channel: new Channel(name, config.type, this.host, this.o) });
    }
    const started: Running[] = [];
    for (const r of prepared) {
      try {
        await r.instance.start(r.channel);
        started.push(r);
        this.host.log.info({ source: r.config.name, type: r.config.type }, 'source started');
      } catch (e) {
        for (const s of started) await this.stopOne(s);
        throw asConfigError(e, r.index, r.config.name);
      }
    }
    this.running = started;
  }

  /** Stops every source, then stores what they had read; resolves when their positions are committed. */
  async stop(): Promise<void> {
    const running = this.running;
    this.running = [];
    await Promise.all(running.map((r) => this.stopOne(r)));
  }

  private async stopOne(r: Running): Promise<void> {
    r.channel.beginClose();
    try {
      await r.instance.stop();
    } catch (e) {
      this.host.log.warn({ source: r.config.name, err: (e as Error).message }, 'source did not stop cleanly');
    }
    await r.channel.flush().catch(() => undefined);
    await r.channel.saveError();
  }

  /** Each running source's own view (state, position in memory, counters). */
  live(): LiveView[] {
    return this.running.map((r) => ({
      name: r.config.name,
      type: r.config.type,
      status: r.instance.status(),
      pipeline: { ...r.channel.counters },
      ...(r.channel.lastError && { lastError: r.channel.lastError }),
    }));
  }
}

function asConfigError(e: unknown, index: number, name: string): VigilError {
  if (e instanceof VigilError) return e;
  if (e instanceof ConfigProblem) return new VigilError('VIGIL_CONFIG_INVALID', `source "${name}": ${e.message}`, { field: `sources.${index}.${e.field}`, cause: e });
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') {
    return new VigilError('VIGIL_CONFIG_INVALID', `source "${name}" cannot listen: ${err.message}`, { field: `sources.${index}.port`, cause: e });
  }
  return new VigilError('VIGIL_CONFIG_INVALID', `source "${name}" did not start: ${err.message}`, { field: `sources.${index}`, cause: e });
}
