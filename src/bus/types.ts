import type { VigilConfig } from '../config.js';
import type { Subscription } from './subscription.js';

/**
 * The scale-out stages, in flow order. `ingest` (detect + normalize + observables + enrich) and
 * `case` (assess + group + store) are ordered per partition; `respond` (playbooks, report, notify)
 * is ordered per case.
 */
export const STAGES = ['ingest', 'case', 'respond'] as const;
export type Stage = (typeof STAGES)[number];

export type BusConfig = VigilConfig['bus'];

/** Names of the streams, subjects and consumers of one deployment (`bus.prefix`). */
export class Topology {
  constructor(
    readonly prefix: string,
    readonly partitions: number,
  ) {}

  /** `VIGIL_INGEST`, `VIGIL_CASE`, `VIGIL_RESPOND`, `VIGIL_DLQ`. */
  stream(stage: Stage | 'dlq'): string {
    return `${this.prefix.toUpperCase().replaceAll('-', '_')}_${stage.toUpperCase()}`;
  }

  /** `vigil.ingest.3` */
  subject(stage: Stage, partition: number): string {
    return `${this.prefix}.${stage}.${partition}`;
  }

  /** `vigil.dlq.case.3` */
  deadSubject(stage: Stage, partition: number): string {
    return `${this.prefix}.dlq.${stage}.${partition}`;
  }

  /** Durable pull consumer of one partition: `ingest-3`. */
  consumer(stage: Stage, partition: number): string {
    return `${stage}-${partition}`;
  }

  /** Stage and partition of a stage subject, or undefined when it is not one of ours. */
  parse(subject: string): { stage: Stage; partition: number } | undefined {
    const parts = subject.split('.');
    const stage = parts[parts.length - 2] as Stage;
    const partition = Number(parts[parts.length - 1]);
    if (parts.length < 3 || !STAGES.includes(stage) || !Number.isInteger(partition) || partition < 0 || partition >= this.partitions) return undefined;
    if (parts.slice(0, -2).join('.') !== this.prefix) return undefined;
    return { stage, partition };
  }
}

/** One delivered message. Exactly one of ack, nak or term settles it; until then it counts as in flight. */
export interface Delivery {
  /** The stable message id it was published with (`Nats-Msg-Id`). */
  readonly id: string;
  readonly stage: Stage;
  readonly partition: number;
  /** Stream sequence. */
  readonly seq: number;
  /** 1 on the first delivery. */
  readonly deliveries: number;
  readonly data: Uint8Array;
  /** Done: the message is removed. Resolves once the bus confirmed it. */
  ack(): Promise<void>;
  /** Failed for now: delivered again after `delayMs` (or at once). */
  nak(delayMs?: number): void;
  /** Still working on it: the ack deadline starts again. */
  working(): void;
}

/** A message that failed `maxDeliver` times, kept with why. */
export interface DeadLetter {
  /** Sequence in the dead-letter stream: what `vigil dlq retry` takes. */
  seq: number;
  id: string;
  stage: Stage;
  partition: number;
  error: string;
  deliveries: number;
  /** When it was given up on (ISO). */
  at: string;
  bytes: number;
}

export interface PublishResult {
  seq: number;
  /** The id was already stored within the duplicate window: nothing new was stored. */
  duplicate: boolean;
}

/**
 * Moves messages between the stages. Publishing is durable once it resolves; each stage partition
 * has one consumer whose in-flight messages are bounded (ordered stages take them one batch at a
 * time). Delivery is at least once: consumers ack after their effect is committed.
 */
export interface Bus {
  readonly kind: 'memory' | 'nats';
  readonly topology: Topology;
  /** Creates or updates the streams and consumers; safe to run from every process at start. */
  ensure(): Promise<void>;
  /** Stores `data` on a stage partition; the same `id` within the duplicate window is stored once. */
  publish(stage: Stage, partition: number, id: string, data: Uint8Array): Promise<PublishResult>;
  /** The messages of one stage partition, in order, one unsettled at a time. */
  subscribe(stage: Stage, partition: number): Subscription;
  /** Messages waiting in a stage's stream (all partitions). */
  backlog(stage: Stage): Promise<{ messages: number; bytes: number }>;
  /** Moves a message that cannot be processed to the dead-letter stream, then acks it. */
  deadLetter(d: Delivery, error: string): Promise<void>;
  listDead(limit?: number): Promise<DeadLetter[]>;
  /** Publishes dead letters again on their stage partition and removes them from the dead-letter stream. */
  retryDead(seqs: number[] | 'all'): Promise<{ retried: number[]; missing: number[] }>;
  close(): Promise<void>;
}

/**
 * Unsettled messages per consumer. One: a partition's next message is not handed out before the
 * previous one is settled, so a message left by a crashed worker is redelivered before anything
 * after it and every partition is processed strictly in order, by one worker at a time.
 */
export const MAX_ACK_PENDING = 1;
