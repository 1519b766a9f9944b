// `vigil worker`: consumes the stage partitions, runs the same stage functions as the embedded
// pipeline, publishes downstream and acks after the store commit.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Assessor } from '../assess/index.js';
import type { App } from '../app.js';
import type { Bus, Delivery, Stage } from '../bus/types.js';
import type { Subscription } from '../bus/subscription.js';
import { formatIssue, VigilError } from '../core/errors.js';
import type { Alert } from '../core/types.js';
import { DetectionStage, type DetectSnapshot } from '../detect/stage.js';
import type { EnrichedObservable } from '../intel/engine.js';
import { extractForPipeline } from '../pipeline/extract.js';
import { completeObservables } from '../pipeline/observables.js';
import { alertsOfItem, emptySummary, enrichables } from '../pipeline/run.js';
import { Repo } from '../store/repo.js';
import * as t from '../store/schema.js';
import { inArray } from 'drizzle-orm';
import { storeCaseBatch } from './case-store.js';
import type { Leases } from './leases.js';
import { CaseMessage, contentId, decode, encode, IngestMessage, partitionOf, RespondMessage } from './messages.js';

/** What a worker uses of the composition root. */
export type WorkerApp = Pick<App, 'repo' | 'intel' | 'config' | 'clock' | 'log' | 'pipeline'> & Partial<Pick<App, 'hosts'>>;

/** Partitions of these stages are owned by one worker at a time; respond partitions are shared. */
const OWNED: readonly Stage[] = ['ingest', 'case'];
const PULL_WAIT_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;
const TRANSIENT_BACKOFF_MS = 30_000;
// A case message carries alerts with their raw records; NATS refuses messages over 1 MiB by default.
const MAX_MESSAGE_BYTES = 900_000;

export interface WorkerOptions {
  stages: readonly Stage[];
  /** Messages processed at once (each owned or shared partition holds at most one). */
  concurrency: number;
  /** Shown in logs and in PostgreSQL's application_name; default host-pid-random. */
  id?: string;
}

export interface WorkerStats {
  ingest: { messages: number; records: number; alerts: number; rejected: number; ignored: number; forwarded: number };
  case: { messages: number; stored: number; duplicate: number; cases: number };
  respond: { messages: number; ran: number; coalesced: number; actions: number; notifications: number };
  retried: number;
  deadLettered: number;
  /** Partitions owned right now, per ordered stage. */
  owned: Record<string, number[]>;
  /** Wall time spent in each step (ms), for "where the time goes". */
  timing: {
    /** Sigma, normalize, observables. */
    normalize: number;
    /** Duplicate check and intel lookups. */
    enrich: number;
    /** Case messages out. */
    forward: number;
    /** The case stage's transaction: locks, reads, assess, group, write. */
    store: number;
    /** Respond messages out. */
    notifyOut: number;
    /** Playbooks, report files, notifications. */
    respond: number;
    /** Bytes of case messages published. */
    caseBytes: number;
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '40001', '40P01', '55P03']);

/**
 * Whether an error says the store or the bus is away or busy (a connection refused, a restart, a
 * deadlock) rather than that the message cannot be processed: such messages wait and are tried
 * again for as long as it takes, without counting towards the dead letters.
 */
export function isTransient(e: unknown): boolean {
  for (let cur = e as { code?: unknown; cause?: unknown; message?: unknown } | undefined, i = 0; cur && i < 6; cur = cur.cause as typeof cur, i++) {
    if (cur instanceof VigilError && (cur.code === 'VIGIL_BUS_FAILED' || cur.code === 'VIGIL_BUS_FULL' || cur.code === 'VIGIL_STORE_FAILED')) return true;
    const code = typeof cur.code === 'string' ? cur.code : '';
    // SQLSTATE classes 08 (connection), 53 (resources), 57P (shutdown, restart).
    if (TRANSIENT_CODES.has(code) || /^(08|53)[0-9A-Z]{3}$/.test(code) || /^57P0[1-4]$/.test(code)) return true;
    if (typeof cur.message === 'string' && /Connection terminated|connection (?:is )?closed|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(cur.message)) return true;
  }
  return false;
}

function describe(e: unknown): string {
  if (e instanceof VigilError) return `${e.code}: ${e.message}`;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(n: number) {
    this.free = n;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** One partition's consumer loop: take a message, process it, settle it, repeat. */
class Loop {
  private stopping = false;
  readonly done: Promise<void>;

  constructor(
    readonly stage: Stage,
    readonly partition: number,
    private readonly sub: Subscription,
    private readonly handle: (d: Delivery) => Promise<void>,
    private readonly onError: (e: unknown) => void,
  ) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let d: Delivery | undefined;
      try {
        d = await this.sub.take(PULL_WAIT_MS);
      } catch (e) {
        this.onError(e);
        await sleep(PULL_WAIT_MS);
        continue;
      }
      if (d) await this.handle(d);
    }
  }

  /** Finishes the message in hand, then stops taking more. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.sub.stop();
    await this.done;
  }
}

export class Worker {
  readonly id: string;
  readonly stats: WorkerStats = {
    ingest: { messages: 0, records: 0, alerts: 0, rejected: 0, ignored: 0, forwarded: 0 },
    case: { messages: 0, stored: 0, duplicate: 0, cases: 0 },
    respond: { messages: 0, ran: 0, coalesced: 0, actions: 0, notifications: 0 },
    retried: 0,
    deadLettered: 0,
    owned: { ingest: [], case: [] },
    timing: { normalize: 0, enrich: 0, forward: 0, store: 0, notifyOut: 0, respond: 0, caseBytes: 0 },
  };
  private readonly stages: Set<Stage>;
  private readonly slots: Slots;
  private readonly assessor: Assessor;
  private readonly owned = new Map<string, Loop>();
  private readonly shared: Loop[] = [];
  private readonly detectors = new Map<number, DetectionStage>();
  private readonly dirty = new Set<number>();
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private rebalancing: Promise<void> | undefined;

  constructor(
    private readonly app: WorkerApp,
    private readonly bus: Bus,
    private leases: Leases,
    opts: WorkerOptions,
    private readonly reopenLeases?: () => Promise<Leases>,
  ) {
    this.id = opts.id ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
    this.stages = new Set(opts.stages);
    this.slots = new Slots(Math.max(1, opts.concurrency));
    this.assessor = new Assessor(app.config.assess);
    this.watchLeases();
  }

  private get cfg() {
    return this.app.config.bus;
  }

  private get partitions(): number {
    return this.bus.topology.partitions;
  }

  /** Starts consuming: the shared respond partitions at once, the ordered ones as leases are won. */
  async start(): Promise<void> {
    if (this.stages.has('respond')) {
      for (let p = 0; p < this.partitions; p++) this.shared.push(this.loop('respond', p));
    }
    await this.rebalance();
    const every = (ms: number, fn: () => Promise<void>): void => {
      const t = setInterval(() => void fn().catch((e: unknown) => this.app.log.error({ err: e, worker: this.id }, 'worker housekeeping failed')), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.cfg.rebalance, () => this.rebalance());
    if (this.stages.has('ingest') && this.app.config.detect.rules.length) every(this.cfg.snapshotEvery, () => this.correlationTick());
  }

  /** Finishes what is in hand, saves correlation state and gives every partition up. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.rebalancing?.catch(() => {});
    await Promise.all([...this.shared.map((l) => l.stop()), ...[...this.owned.values()].map((l) => l.stop())]);
    await this.saveDetectors([...this.detectors.keys()]);
    this.owned.clear();
    this.updateOwned();
    await this.leases.close();
  }

  private loop(stage: Stage, p: number): Loop {
    return new Loop(stage, p, this.bus.subscribe(stage, p), (d) => this.handle(d), (e) => this.app.log.warn({ err: describe(e), stage, partition: p, worker: this.id }, 'could not pull from the bus'));
  }

  private updateOwned(): void {
    for (const s of OWNED) {
      this.stats.owned[s] = [...this.owned.values()].filter((l) => l.stage === s).map((l) => l.partition).sort((a, b) => a - b);
    }
  }

  private watchLeases(): void {
    this.leases.onLost((e) => {
      this.app.log.error({ err: e.message, worker: this.id }, 'partition leases lost: stopping the owned partitions');
      const loops = [...this.owned.values()];
      this.owned.clear();
      this.updateOwned();
      void Promise.all(loops.map((l) => l.stop())).then(async () => {
        while (!this.stopping && this.reopenLeases) {
          try {
            this.leases = await this.reopenLeases();
            this.watchLeases();
            return;
          } catch (err) {
            this.app.log.warn({ err: describe(err), worker: this.id }, 'lease connection not back yet');
            await sleep(2_000);
          }
        }
      });
    });
  }

  /**
   * Takes this worker's fair share of each ordered stage's partitions: `ceil(partitions / workers
   * running the stage)`. Extra ones are given up after their message in hand; free ones are taken,
   * starting at a place of the worker's own so newcomers spread out.
   */
  rebalance(): Promise<void> {
    this.rebalancing ??= this.rebalanceNow().finally(() => (this.rebalancing = undefined));
    return this.rebalancing;
  }

  private async rebalanceNow(): Promise<void> {
    if (this.stopping) return;
    const P = this.partitions;
    const start = partitionOf(this.id, P);
    for (const stage of OWNED) {
      if (!this.stages.has(stage)) continue;
      const fair = Math.ceil(P / (await this.leases.members(stage)));
      const mine = [...this.owned.values()].filter((l) => l.stage === stage);
      for (const l of mine.slice(fair)) await this.giveUp(l);
      let count = Math.min(mine.length, fair);
      for (let i = 0; i < P && count < fair && !this.stopping; i++) {
        const p = (start + i) % P;
        if (this.owned.has(`${stage}.${p}`)) continue;
        if (await this.leases.tryAcquire(stage, p)) {
          this.owned.set(`${stage}.${p}`, this.loop(stage, p));
          count++;
        }
      }
    }
    this.updateOwned();
  }

  private async giveUp(l: Loop): Promise<void> {
    await l.stop();
    if (l.stage === 'ingest') {
      await this.saveDetectors([l.partition]);
      this.detectors.delete(l.partition);
    }
    this.owned.delete(`${l.stage}.${l.partition}`);
    await this.leases.release(l.stage, l.partition);
  }

  /**
   * Processes one message with retries; acks it after its effect is committed. A message that is
   * malformed, or failed on its last allowed delivery, goes to the dead letters with the reason.
   */
  private async handle(d: Delivery): Promise<void> {
    const keepAlive = setInterval(() => d.working(), Math.max(500, this.cfg.ackWait / 3));
    try {
      await this.slots.acquire();
      try {
        if (d.deliveries > this.cfg.maxDeliver) {
          await this.deadLetter(d, `given up after ${d.deliveries - 1} deliveries: the worker holding it stopped (crashed or timed out) each time`);
          return;
        }
        let attempt = 0;
        for (let tries = 0; ; tries++) {
          try {
            await this.process(d);
            await d.ack();
            return;
          } catch (e) {
            const malformed = e instanceof VigilError && e.code === 'VIGIL_INPUT_INVALID';
            const transient = !malformed && isTransient(e);
            if (this.stopping && !malformed) {
              // Someone else takes it from here.
              d.nak();
              return;
            }
            if (!transient) attempt++;
            if (malformed || d.deliveries - 1 + attempt >= this.cfg.maxDeliver) {
              await this.deadLetter(d, describe(e));
              return;
            }
            this.stats.retried++;
            this.app.log.warn({ err: describe(e), stage: d.stage, partition: d.partition, id: d.id, attempt: d.deliveries + attempt, transient, worker: this.id }, transient ? 'store or bus unavailable; waiting' : 'stage failed; trying again');
            await sleep(Math.min(transient ? TRANSIENT_BACKOFF_MS : MAX_BACKOFF_MS, 250 * 2 ** Math.min(tries, 10)));
          }
        }
      } finally {
        this.slots.release();
      }
    } catch (e) {
      // The bus did not take the ack or the dead letter: the message comes back and is processed again (idempotently).
      this.app.log.error({ err: describe(e), stage: d.stage, partition: d.partition, id: d.id, worker: this.id }, 'could not settle a message');
    } finally {
      clearInterval(keepAlive);
    }
  }

  private async deadLetter(d: Delivery, error: string): Promise<void> {
    this.app.log.error({ stage: d.stage, partition: d.partition, id: d.id, deliveries: d.deliveries, error, worker: this.id }, 'message moved to the dead letters');
    await this.bus.deadLetter(d, error);
    this.stats.deadLettered++;
  }

  private process(d: Delivery): Promise<void> {
    if (d.stage === 'ingest') return this.ingest(d);
    if (d.stage === 'case') return this.case(d);
    return this.respond(d);
  }

  // ---------------------------------------------------------------- ingest: detect, normalize, observables, enrich

  private async detectorFor(p: number): Promise<DetectionStage | undefined> {
    const d = this.app.config.detect;
    if (!d.rules.length) return undefined;
    let det = this.detectors.get(p);
    if (!det) {
      det = DetectionStage.fromConfig(d);
      const saved = await this.app.repo.getKv(detectStateKey(this.cfg.prefix, p));
      if (saved) {
        const n = det.restore(saved as DetectSnapshot);
        if (n) this.app.log.info({ partition: p, groups: n, worker: this.id }, 'correlation windows resumed');
      }
      this.detectors.set(p, det);
    }
    return det;
  }

  private async saveDetectors(ps: number[]): Promise<void> {
    for (const p of ps) {
      const det = this.detectors.get(p);
      if (!det || !this.dirty.has(p) || !det.correlation.rules.length) continue;
      await this.app.repo.setKv(detectStateKey(this.cfg.prefix, p), det.snapshot(), this.app.clock.now().toISOString());
      this.dirty.delete(p);
    }
  }

  /** Windows that ended with no event to close them fire now; the state of each owned partition is saved. */
  private async correlationTick(): Promise<void> {
    const now = this.app.clock.now().getTime();
    for (const [p, det] of this.detectors) {
      if (!this.owned.has(`ingest.${p}`) || !det.correlation.rules.length) continue;
      const closed = det.close(now);
      if (closed.alerts.length) {
        this.dirty.add(p);
        await this.forward(p, `close:${p}`, closed.alerts.map((n) => completeObservables(n, extractForPipeline, this.app.hosts)));
      }
    }
    await this.saveDetectors([...this.dirty]);
  }

  private async ingest(d: Delivery): Promise<void> {
    const t0 = performance.now();
    const msg = decode<IngestMessage>(IngestMessage, d.data, 'ingest');
    const detector = await this.detectorFor(d.partition);
    const summary = emptySummary(this.app.config.out);
    const deps = { ...(detector && { detector }), extractText: extractForPipeline, hosts: this.app.hosts, clock: this.app.clock, log: this.app.log };
    const alerts = new Map<string, Alert>();
    for (const item of msg.items) {
      for (const a of alertsOfItem(item, deps, summary)) if (!alerts.has(a.id)) alerts.set(a.id, a);
    }
    if (detector) this.dirty.add(d.partition);
    for (const i of summary.issues.slice(0, 3)) this.app.log.warn({ worker: this.id }, `input rejected: ${formatIssue(i)}`);
    this.stats.timing.normalize += performance.now() - t0;
    await this.forward(d.partition, d.id, [...alerts.values()]);
    const s = this.stats.ingest;
    s.messages++;
    s.records += msg.items.length;
    s.alerts += alerts.size;
    s.rejected += summary.alerts.rejected;
    s.ignored += summary.alerts.ignored;
  }

  /** New alerts, enriched, to the case stage of the same partition, in messages under the size limit. */
  private async forward(p: number, fromId: string, alerts: Alert[]): Promise<void> {
    if (!alerts.length) return;
    const t0 = performance.now();
    const existing = await this.app.repo.existingAlertIds(alerts.map((a) => a.id));
    const fresh = alerts.filter((a) => !existing.has(a.id));
    if (!fresh.length) return;
    const intel = await this.app.intel.enrichMany(fresh.flatMap(enrichables));
    const t1 = performance.now();
    this.stats.timing.enrich += t1 - t0;
    const chunks: Array<{ alerts: Alert[]; intel: Map<string, CaseMessage['intel'][number][1]>; bytes: number }> = [];
    let cur: (typeof chunks)[number] | undefined;
    for (const a of fresh) {
      const own = new Map<string, CaseMessage['intel'][number][1]>();
      for (const o of a.observables) {
        const k = `${o.type}:${o.value}`;
        const e = intel.get(k);
        if (e) own.set(k, { risk: e.risk, results: e.results.map(({ raw: _raw, ...r }) => r) });
      }
      const bytes = JSON.stringify(a).length + JSON.stringify([...own]).length;
      if (!cur || (cur.bytes + bytes > MAX_MESSAGE_BYTES && cur.alerts.length)) chunks.push((cur = { alerts: [], intel: new Map(), bytes: 0 }));
      cur.alerts.push(a);
      for (const [k, v] of own) cur.intel.set(k, v);
      cur.bytes += bytes;
    }
    for (const c of chunks) {
      // The id names the alerts it carries: a redelivery that splits differently is not mistaken for a duplicate.
      const id = contentId('case', `${fromId}\u0000${c.alerts.map((a) => a.id).join(',')}`);
      const body = encode({ v: 1, alerts: c.alerts, intel: [...c.intel] } satisfies CaseMessage);
      await this.bus.publish('case', p, id, body);
      this.stats.ingest.forwarded += c.alerts.length;
      this.stats.timing.caseBytes += body.length;
    }
    this.stats.timing.forward += performance.now() - t1;
  }

  // ---------------------------------------------------------------- case: assess, group, store

  private async case(d: Delivery): Promise<void> {
    const msg = decode<CaseMessage>(CaseMessage, d.data, 'case');
    // The cases a committed batch touched are kept with it, so a crash between the commit and the
    // respond messages does not lose the response: the redelivery finds them and publishes again.
    const marker = `bus.case.${contentId('m', d.id)}`;
    const t0 = performance.now();
    // Only a redelivery can find its marker (a first delivery of an id is a first publish of it).
    let touched = d.deliveries > 1 ? ((await this.app.repo.getKv(marker)) as string[] | undefined) : undefined;
    if (!Array.isArray(touched)) {
      const intel = new Map(msg.intel) as unknown as Map<string, EnrichedObservable>;
      const at = this.app.clock.now().toISOString();
      const r = await storeCaseBatch({ db: this.app.repo.db, assessor: this.assessor, grouping: this.app.config.cases }, msg.alerts, intel, async (tx, ids) => {
        if (ids.length) await new Repo(tx).setKv(marker, ids, at);
      });
      touched = r.touched;
      this.stats.case.stored += r.stored;
      this.stats.case.duplicate += r.duplicate;
      this.stats.case.cases += r.touched.length;
    }
    const t1 = performance.now();
    this.stats.timing.store += t1 - t0;
    // One respond message per respond partition: a case always lands on the same one, so its
    // responses run one at a time and in order.
    const byPartition = new Map<number, string[]>();
    for (const caseId of touched) {
      const p = partitionOf(caseId, this.partitions);
      byPartition.set(p, [...(byPartition.get(p) ?? []), caseId]);
    }
    for (const [p, caseIds] of byPartition) {
      const body: RespondMessage = { v: 1, caseIds };
      await this.bus.publish('respond', p, `respond:${p}:${d.id}`, encode(body));
    }
    if (touched.length) await this.app.repo.deleteKv(marker);
    this.stats.timing.notifyOut += performance.now() - t1;
    this.stats.case.messages++;
  }

  // ---------------------------------------------------------------- respond: playbooks, report, notify

  /**
   * Runs the after-case work on each case as it is now. A case that has not changed since its last
   * run is done already (several batches touched it while this stage was behind): skipped.
   */
  private async respond(d: Delivery): Promise<void> {
    const { caseIds } = decode<RespondMessage>(RespondMessage, d.data, 'respond');
    this.stats.respond.messages++;
    const t0 = performance.now();
    const ids = [...new Set(caseIds)];
    const rows = new Map((await this.app.repo.db.select().from(t.cases).where(inArray(t.cases.id, ids))).map((c) => [c.id, c]));
    const keys = ids.map(respondKey);
    const marks = new Map((await this.app.repo.db.select({ key: t.kv.key, value: t.kv.value }).from(t.kv).where(inArray(t.kv.key, keys))).map((r) => [r.key, r.value]));
    const out = this.app.config.out;
    for (const caseId of ids) {
      const row = rows.get(caseId);
      if (!row) continue;
      const mark = `${row.updatedAt}|${row.alertCount}|${row.severity}|${row.status}`;
      const prev = marks.get(respondKey(caseId));
      if (prev === mark) {
        this.stats.respond.coalesced++;
        continue;
      }
      const s = await this.app.pipeline(out).respondCase(caseId, prev === undefined, out);
      await this.app.repo.setKv(respondKey(caseId), mark, this.app.clock.now().toISOString());
      this.stats.respond.ran++;
      this.stats.respond.actions += Object.values(s.actions).reduce((a, b) => a + b, 0);
      this.stats.respond.notifications += s.notifications;
      d.working();
    }
    this.stats.timing.respond += performance.now() - t0;
  }
}

function respondKey(caseId: string): string {
  return `respond.case.${caseId}`;
}

export function detectStateKey(prefix: string, p: number): string {
  return `detect.correlation.state.${prefix}.p${p}`;
}
