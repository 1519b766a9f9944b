// The bus in one process, with JetStream's delivery rules: per-partition order, bounded in-flight
// messages, redelivery after nak or after the ack deadline, publish dedupe by id, a size limit on the
// entry stream and a dead-letter list. Tests and single-process runs of the worker use it.
import { VigilError } from '../core/errors.js';
import { Subscription } from './subscription.js';
import { MAX_ACK_PENDING, STAGES, Topology, type Bus, type BusConfig, type DeadLetter, type Delivery, type PublishResult, type Stage } from './types.js';

interface Entry {
  seq: number;
  id: string;
  data: Uint8Array;
  deliveries: number;
  state: 'ready' | 'pending' | 'done';
  readyAt: number;
  timer?: NodeJS.Timeout;
}

class Consumer {
  readonly entries: Entry[] = [];
  private readonly waiters: Array<(d: Delivery) => void> = [];
  private pending = 0;
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stage: Stage,
    private readonly partition: number,
    private readonly ackWaitMs: number,
    private readonly onDone: (e: Entry) => void,
  ) {}

  add(e: Entry): void {
    this.entries.push(e);
    this.pump();
  }

  /** One pull: the next message within `waitMs`, or null. */
  pull(waitMs: number): Promise<Delivery | null> {
    return new Promise((resolve) => {
      const waiter = (d: Delivery): void => {
        clearTimeout(timer);
        resolve(d);
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(null);
      }, waitMs);
      this.waiters.push(waiter);
      this.pump();
    });
  }

  private pump(): void {
    const now = Date.now();
    let soonest = Infinity;
    while (this.pending < MAX_ACK_PENDING && this.waiters.length) {
      let pick: Entry | undefined;
      for (const e of this.entries) {
        if (e.state !== 'ready') continue;
        if (e.readyAt <= now) {
          pick = e;
          break;
        }
        soonest = Math.min(soonest, e.readyAt);
      }
      if (!pick) break;
      this.deliver(pick, this.waiters.shift()!);
    }
    if (Number.isFinite(soonest) && !this.wakeTimer) {
      this.wakeTimer = setTimeout(() => {
        this.wakeTimer = undefined;
        this.pump();
      }, Math.max(1, soonest - now));
      this.wakeTimer.unref();
    }
  }

  private deliver(e: Entry, to: (d: Delivery) => void): void {
    e.state = 'pending';
    e.deliveries++;
    this.pending++;
    const delivery = e.deliveries;
    const settle = (state: 'ready' | 'done', delayMs = 0): boolean => {
      if (e.state !== 'pending' || e.deliveries !== delivery) return false;
      clearTimeout(e.timer);
      this.pending--;
      e.state = state;
      e.readyAt = Date.now() + delayMs;
      if (state === 'done') {
        this.entries.splice(this.entries.indexOf(e), 1);
        this.onDone(e);
      }
      queueMicrotask(() => this.pump());
      return true;
    };
    const arm = (): void => {
      clearTimeout(e.timer);
      e.timer = setTimeout(() => settle('ready'), this.ackWaitMs);
      e.timer.unref();
    };
    arm();
    to({
      id: e.id,
      stage: this.stage,
      partition: this.partition,
      seq: e.seq,
      deliveries: e.deliveries,
      data: e.data,
      ack: async () => {
        settle('done');
      },
      nak: (delayMs) => void settle('ready', delayMs ?? 0),
      working: () => {
        if (e.state === 'pending' && e.deliveries === delivery) arm();
      },
    });
  }
}

export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  readonly topology: Topology;
  private readonly consumers = new Map<string, Consumer>();
  private readonly seqs = new Map<Stage, number>();
  private readonly bytes = new Map<Stage, number>();
  private readonly recent = new Map<string, { seq: number; at: number }>();
  private readonly dead: Array<DeadLetter & { data: Uint8Array }> = [];
  private deadSeq = 0;
  private readonly subs = new Set<Subscription>();

  constructor(private readonly cfg: BusConfig) {
    this.topology = new Topology(cfg.prefix, cfg.partitions);
    for (const stage of STAGES) {
      for (let p = 0; p < cfg.partitions; p++) {
        this.consumers.set(`${stage}.${p}`, new Consumer(stage, p, cfg.ackWait, (e) => this.bytes.set(stage, (this.bytes.get(stage) ?? 0) - e.data.length)));
      }
    }
  }

  async ensure(): Promise<void> {}

  private consumer(stage: Stage, partition: number): Consumer {
    const c = this.consumers.get(`${stage}.${partition}`);
    if (!c) throw new VigilError('VIGIL_BUS_FAILED', `no partition ${partition} of ${stage} (bus.partitions is ${this.cfg.partitions})`);
    return c;
  }

  async publish(stage: Stage, partition: number, id: string, data: Uint8Array): Promise<PublishResult> {
    const c = this.consumer(stage, partition);
    const now = Date.now();
    const key = `${stage}\u0000${id}`;
    const seen = this.recent.get(key);
    if (seen && now - seen.at < this.cfg.duplicateWindow) return { seq: seen.seq, duplicate: true };
    const size = this.bytes.get(stage) ?? 0;
    if (stage === 'ingest' && size + data.length > this.cfg.maxIngestBytes) {
      throw new VigilError('VIGIL_BUS_FULL', `the ingest stream is full (bus.maxIngestBytes ${this.cfg.maxIngestBytes} bytes): workers are behind`, { retryable: true });
    }
    const seq = (this.seqs.get(stage) ?? 0) + 1;
    this.seqs.set(stage, seq);
    this.bytes.set(stage, size + data.length);
    this.recent.set(key, { seq, at: now });
    if (this.recent.size > 100_000) {
      for (const [k, v] of this.recent) if (now - v.at >= this.cfg.duplicateWindow) this.recent.delete(k);
    }
    c.add({ seq, id, data: new Uint8Array(data), deliveries: 0, state: 'ready', readyAt: 0 });
    return { seq, duplicate: false };
  }

  subscribe(stage: Stage, partition: number): Subscription {
    const c = this.consumer(stage, partition);
    const sub = new Subscription({ pull: (waitMs) => c.pull(waitMs) }, () => this.subs.delete(sub));
    this.subs.add(sub);
    return sub;
  }

  async backlog(stage: Stage): Promise<{ messages: number; bytes: number }> {
    let messages = 0;
    for (let p = 0; p < this.cfg.partitions; p++) messages += this.consumer(stage, p).entries.length;
    return { messages, bytes: this.bytes.get(stage) ?? 0 };
  }

  async deadLetter(d: Delivery, error: string): Promise<void> {
    this.dead.push({ seq: ++this.deadSeq, id: d.id, stage: d.stage, partition: d.partition, error: error.replace(/[\r\n]+/g, ' ').slice(0, 2000), deliveries: d.deliveries, at: new Date().toISOString(), bytes: d.data.length, data: d.data });
    await d.ack();
  }

  async listDead(limit = 100): Promise<DeadLetter[]> {
    return this.dead.slice(0, limit).map(({ data: _data, ...rest }) => rest);
  }

  async retryDead(seqs: number[] | 'all'): Promise<{ retried: number[]; missing: number[] }> {
    const wanted = seqs === 'all' ? this.dead.map((d) => d.seq) : seqs;
    const retried: number[] = [];
    const missing: number[] = [];
    for (const seq of wanted) {
      const i = this.dead.findIndex((d) => d.seq === seq);
      if (i < 0) {
        missing.push(seq);
        continue;
      }
      const d = this.dead[i]!;
      await this.publish(d.stage, d.partition, `${d.id}~retry${seq}`, d.data);
      this.dead.splice(i, 1);
      retried.push(seq);
    }
    return { retried, missing };
  }

  async close(): Promise<void> {
    await Promise.all([...this.subs].map((s) => s.stop()));
  }
}
