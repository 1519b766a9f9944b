// The bus on NATS JetStream: one work-queue stream per stage, one durable pull consumer per stage
// partition, and a dead-letter stream. Everything is created or updated at start, from any process.
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StreamConfig,
} from '@nats-io/jetstream';
import { VigilError } from '../core/errors.js';
import { MAX_ACK_PENDING, STAGES, Topology, type Bus, type BusConfig, type DeadLetter, type Delivery, type PublishResult, type Stage } from './types.js';
import { Subscription, type Source } from './subscription.js';

const NS_PER_MS = 1_000_000;
const DLQ_MAX_AGE_MS = 30 * 86_400_000;
const MAX_ERROR_CHARS = 2_000;
// JetStream API error codes this file acts on.
const STREAM_NAME_IN_USE = 10058;
const STREAM_LIMITS = 10077;

const H_STAGE = 'Vigil-Stage';
const H_PARTITION = 'Vigil-Partition';
const H_ID = 'Vigil-Msg-Id';
const H_ERROR = 'Vigil-Error';
const H_DELIVERIES = 'Vigil-Deliveries';
const H_AT = 'Vigil-Failed-At';

function maskUrl(url: string): string {
  return url.replace(/(\w+:\/\/[^/@\s:]+):[^/@\s]+@/g, '$1:***@');
}

/** Connects to NATS; a clear config error naming `bus.url` when the server cannot be reached. */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  try {
    return await connect({ servers: url.split(',').map((s) => s.trim()).filter(Boolean), name, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  } catch (e) {
    throw new VigilError('VIGIL_CONFIG_INVALID', `cannot connect to NATS at ${maskUrl(url)}: ${(e as Error).message}`, { field: 'bus.url', cause: e });
  }
}

export class NatsBus implements Bus {
  readonly kind = 'nats' as const;
  readonly topology: Topology;
  private readonly js: JetStreamClient;
  private readonly subs = new Set<Subscription>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly cfg: BusConfig,
    private readonly ownsConnection: boolean,
  ) {
    this.topology = new Topology(cfg.prefix, cfg.partitions);
    this.js = jetstream(nc);
  }

  static async open(cfg: BusConfig, opts: { name?: string; connection?: NatsConnection } = {}): Promise<NatsBus> {
    if (!cfg.url && !opts.connection) throw new VigilError('VIGIL_CONFIG_INVALID', 'no NATS URL (bus.url or VIGIL_NATS_URL)', { field: 'bus.url' });
    const nc = opts.connection ?? (await connectNats(cfg.url!, opts.name ?? 'vigil'));
    try {
      const jsm = await jetstreamManager(nc);
      return new NatsBus(nc, jsm, cfg, !opts.connection);
    } catch (e) {
      if (!opts.connection) await nc.close();
      throw new VigilError('VIGIL_CONFIG_INVALID', `NATS at ${maskUrl(cfg.url ?? '')} has no JetStream (start nats-server with -js): ${(e as Error).message}`, { field: 'bus.url', cause: e });
    }
  }

  async ensure(): Promise<void> {
    const t = this.topology;
    for (const stage of STAGES) {
      const ingest = stage === 'ingest';
      await this.ensureStream({
        name: t.stream(stage),
        subjects: [`${t.prefix}.${stage}.*`],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
        num_replicas: this.cfg.replicas,
        duplicate_window: this.cfg.duplicateWindow * NS_PER_MS,
        // Only the entry stream is bounded: refusing new work there is back-pressure (503), while
        // refusing it between stages would only make workers retry.
        max_bytes: ingest ? this.cfg.maxIngestBytes : -1,
        discard: DiscardPolicy.New,
      });
      for (let p = 0; p < t.partitions; p++) {
        await this.jsm.consumers.add(t.stream(stage), {
          durable_name: t.consumer(stage, p),
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: t.subject(stage, p),
          max_ack_pending: MAX_ACK_PENDING,
          ack_wait: this.cfg.ackWait * NS_PER_MS,
          // Workers count deliveries themselves and dead-letter a message on its last one (also one
          // whose earlier deliveries crashed their worker), so the server never drops one silently.
          max_deliver: -1,
        });
      }
    }
    await this.ensureStream({
      name: t.stream('dlq'),
      subjects: [`${t.prefix}.dlq.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: this.cfg.replicas,
      max_age: DLQ_MAX_AGE_MS * NS_PER_MS,
      duplicate_window: this.cfg.duplicateWindow * NS_PER_MS,
    });
  }

  private async ensureStream(cfg: Partial<StreamConfig> & { name: string }): Promise<void> {
    try {
      await this.jsm.streams.add(cfg);
    } catch (e) {
      if (!(e instanceof JetStreamApiError) || e.code !== STREAM_NAME_IN_USE) throw e;
      const { name, ...rest } = cfg;
      await this.jsm.streams.update(name, rest);
    }
  }

  async publish(stage: Stage, partition: number, id: string, data: Uint8Array): Promise<PublishResult> {
    try {
      // The message id is the only header: NATS 2.9 does not apply discard-new to messages with other headers.
      const a = await this.js.publish(this.topology.subject(stage, partition), data, { msgID: id, timeout: 10_000 });
      return { seq: a.seq, duplicate: a.duplicate };
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === STREAM_LIMITS) {
        throw new VigilError('VIGIL_BUS_FULL', `the ${stage} stream is full (bus.maxIngestBytes ${this.cfg.maxIngestBytes} bytes): workers are behind`, { retryable: true, cause: e });
      }
      throw new VigilError('VIGIL_BUS_FAILED', `could not publish to ${this.topology.subject(stage, partition)}: ${(e as Error).message}`, { retryable: true, cause: e });
    }
  }

  subscribe(stage: Stage, partition: number): Subscription {
    const t = this.topology;
    let consumer: Consumer | undefined;
    const source: Source = {
      pull: async (waitMs) => {
        consumer ??= await this.js.consumers.get(t.stream(stage), t.consumer(stage, partition));
        let m: JsMsg | null;
        try {
          // JetStream's shortest pull expiry is one second.
          m = await consumer.next({ expires: Math.max(1_000, waitMs) });
        } catch (e) {
          // A pull whose heartbeats were late (a busy machine, a reconnect) simply brought nothing:
          // its message, if the server sent one, is redelivered after the ack wait.
          if (/heartbeats missed/i.test((e as Error).message)) return null;
          throw e;
        }
        return m ? this.delivery(stage, partition, m) : null;
      },
    };
    const sub = new Subscription(source, () => this.subs.delete(sub));
    this.subs.add(sub);
    return sub;
  }

  private delivery(stage: Stage, partition: number, m: JsMsg): Delivery {
    return {
      id: m.headers?.get('Nats-Msg-Id') ?? `seq:${m.seq}`,
      stage,
      partition,
      seq: m.seq,
      deliveries: m.info.deliveryCount,
      data: m.data,
      ack: async () => {
        await m.ackAck({ timeout: 10_000 });
      },
      nak: (delayMs) => m.nak(delayMs),
      working: () => m.working(),
    };
  }

  async backlog(stage: Stage): Promise<{ messages: number; bytes: number }> {
    const s = await this.jsm.streams.info(this.topology.stream(stage));
    return { messages: s.state.messages, bytes: s.state.bytes };
  }

  async deadLetter(d: Delivery, error: string): Promise<void> {
    const h = headers();
    h.set(H_STAGE, d.stage);
    h.set(H_PARTITION, String(d.partition));
    h.set(H_ID, d.id);
    h.set(H_ERROR, error.replace(/[\r\n]+/g, ' ').slice(0, MAX_ERROR_CHARS));
    h.set(H_DELIVERIES, String(d.deliveries));
    h.set(H_AT, new Date().toISOString());
    // One dead letter per stored message: the same id dead-lettered again after a retry is a new one.
    await this.js.publish(this.topology.deadSubject(d.stage, d.partition), d.data, { msgID: `dlq:${d.stage}:${d.seq}:${d.id}`, headers: h, timeout: 10_000 });
    await d.ack();
  }

  async listDead(limit = 100): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    const stream = this.topology.stream('dlq');
    let seq = 1;
    while (out.length < limit) {
      const m = await this.jsm.streams.getMessage(stream, { seq, next_by_subj: `${this.topology.prefix}.dlq.>` } as never);
      if (!m) break;
      const letter = this.letterOf(m.seq, m.header, m.data.length);
      if (letter) out.push(letter);
      seq = m.seq + 1;
    }
    return out;
  }

  private letterOf(seq: number, h: { get(k: string): string }, bytes: number): DeadLetter | undefined {
    const stage = h.get(H_STAGE) as Stage;
    if (!STAGES.includes(stage)) return undefined;
    return {
      seq,
      id: h.get(H_ID),
      stage,
      partition: Number(h.get(H_PARTITION)),
      error: h.get(H_ERROR),
      deliveries: Number(h.get(H_DELIVERIES)) || 0,
      at: h.get(H_AT),
      bytes,
    };
  }

  async retryDead(seqs: number[] | 'all'): Promise<{ retried: number[]; missing: number[] }> {
    const stream = this.topology.stream('dlq');
    const wanted = seqs === 'all' ? (await this.listDead(Number.MAX_SAFE_INTEGER)).map((d) => d.seq) : seqs;
    const retried: number[] = [];
    const missing: number[] = [];
    for (const seq of wanted) {
      const m = await this.jsm.streams.getMessage(stream, { seq });
      const letter = m && this.letterOf(m.seq, m.header, m.data.length);
      if (!m || !letter || letter.partition >= this.topology.partitions || !(letter.partition >= 0)) {
        missing.push(seq);
        continue;
      }
      // A new id: the original may still be inside the duplicate window. Stages are keyed by their
      // content (alert ids, case ids), so a retried message cannot do anything twice.
      await this.publish(letter.stage, letter.partition, `${letter.id}~retry${seq}`, m.data);
      await this.jsm.streams.deleteMessage(stream, seq);
      retried.push(seq);
    }
    return { retried, missing };
  }

  /** Deletes this prefix's streams and everything in them (tests, benchmarks, `vigil dlq` never). */
  async destroy(): Promise<void> {
    await Promise.all([...this.subs].map((s) => s.stop()));
    for (const s of [...STAGES, 'dlq'] as const) {
      await this.jsm.streams.delete(this.topology.stream(s)).catch(() => false);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subs].map((s) => s.stop()));
    if (this.ownsConnection) await this.nc.drain().catch(() => this.nc.close());
  }
}
