// The producer side of the distributed mode: what `vigil serve` (webhooks, live sources, built
// alerts) does instead of running the pipeline in-process. Each input goes to the ingest partition
// of its host; the call returns once JetStream has stored it.
import type { Bus } from '../bus/types.js';
import { VigilError, type InputIssue } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { IngestItem, RunSummary } from '../pipeline/run.js';
import { emptySummary } from '../pipeline/run.js';
import type { Repo } from '../store/repo.js';
import { alertKey, contentId, encode, partitionOf, recordKey, type IngestMessage } from './messages.js';

type Item = Exclude<IngestItem, { fileDone: string }>;

interface LaneResult {
  messages: number;
  duplicates: number;
  queued: number;
}

/** One request's items for one partition, waiting for its turn. */
interface Ticket {
  items: Item[];
  sizes: number[];
  bytes: number;
  resolve(r: LaneResult): void;
  reject(e: unknown): void;
}

/** Serialized messages stay well under NATS's default 1 MiB payload limit. */
const MAX_MESSAGE_BYTES = 800_000;
const BACKLOG_CACHE_MS = 1_000;
const WAIT_POLL_MS = 100;

export interface PublishOutcome {
  /** Records and alerts handed to the workers. */
  queued: number;
  /** Input refused before it was queued (not a JSON object, wrong format for the route). */
  rejected: number;
  issues: InputIssue[];
  /** Messages published, and how many of them JetStream already had (a client retry). */
  messages: number;
  duplicates: number;
}

export interface PublisherDeps {
  bus: Bus;
  /** Records per message at most (`bus.batchRecords`). */
  batchRecords: number;
  /** The ingest backlog past which new input is refused (`bus.maxIngestBytes`). */
  maxIngestBytes: number;
  log: Logger;
  /** For `ingest` callers that need built alerts stored before they go on (TheHive API, phishing cases). */
  repo?: Repo;
  /** How long `ingest` waits for built alerts to be stored. */
  waitMs?: number;
}

export class Publisher {
  private backlog: { at: number; bytes: number } | undefined;

  constructor(private readonly d: PublisherDeps) {}

  /**
   * Refuses new input while the ingest stream is over its limit (VIGIL_BUS_FULL, answered 503 with
   * Retry-After). The stream refuses past its limit itself too; this check keeps a request from
   * being taken in part.
   */
  private async checkRoom(): Promise<void> {
    const now = Date.now();
    if (!this.backlog || now - this.backlog.at > BACKLOG_CACHE_MS) {
      try {
        this.backlog = { at: now, bytes: (await this.d.bus.backlog('ingest')).bytes };
      } catch (e) {
        throw new VigilError('VIGIL_BUS_FAILED', `the bus does not answer: ${(e as Error).message}`, { retryable: true, cause: e });
      }
    }
    if (this.backlog.bytes >= this.d.maxIngestBytes) {
      throw new VigilError('VIGIL_BUS_FULL', `the ingest stream holds ${this.backlog.bytes} bytes, over bus.maxIngestBytes ${this.d.maxIngestBytes}: workers are behind`, { retryable: true });
    }
  }

  /**
   * Publishes records and built alerts, grouped by partition. Requests that arrive while a
   * partition's previous message is being stored go out together as its next message (group
   * commit): a burst of single-alert webhooks becomes a few large messages, and each worker
   * transaction then carries many alerts. A request bigger than a message is split.
   */
  async publish(items: readonly Item[]): Promise<PublishOutcome> {
    const out: PublishOutcome = { queued: 0, rejected: 0, issues: [], messages: 0, duplicates: 0 };
    const byPartition = new Map<number, { items: Item[]; sizes: number[] }>();
    const P = this.d.bus.topology.partitions;
    for (const item of items) {
      if ('issue' in item) {
        out.rejected++;
        out.issues.push(item.issue);
        continue;
      }
      const size = JSON.stringify(item).length;
      if (size > MAX_MESSAGE_BYTES) {
        // The size caps on input lines keep this from happening; a record this big cannot travel.
        out.rejected++;
        out.issues.push({ file: item.file, line: item.line, reason: `${size} bytes as JSON: over the ${MAX_MESSAGE_BYTES}-byte message limit of the distributed mode` });
        continue;
      }
      const p = partitionOf('record' in item ? recordKey(item.record) : alertKey(item.alert), P);
      let l = byPartition.get(p);
      if (!l) byPartition.set(p, (l = { items: [], sizes: [] }));
      l.items.push(item);
      l.sizes.push(size);
    }
    if (!byPartition.size) return out;
    await this.checkRoom();
    const results = await Promise.all([...byPartition].map(([p, l]) => this.enqueue(p, l.items, l.sizes)));
    for (const r of results) {
      out.messages += r.messages;
      out.duplicates += r.duplicates;
      out.queued += r.queued;
    }
    return out;
  }

  private readonly lanes = new Map<number, { queue: Ticket[]; busy: boolean }>();

  private enqueue(p: number, items: Item[], sizes: number[]): Promise<LaneResult> {
    return new Promise((resolve, reject) => {
      let lane = this.lanes.get(p);
      if (!lane) this.lanes.set(p, (lane = { queue: [], busy: false }));
      lane.queue.push({ items, sizes, bytes: sizes.reduce((a, b) => a + b, 0), resolve, reject });
      if (!lane.busy) void this.drain(p, lane);
    });
  }

  private async drain(p: number, lane: { queue: Ticket[]; busy: boolean }): Promise<void> {
    lane.busy = true;
    try {
      while (lane.queue.length) {
        const take: Ticket[] = [];
        let n = 0;
        let bytes = 0;
        while (lane.queue.length) {
          const t = lane.queue[0]!;
          if (take.length && (n + t.items.length > this.d.batchRecords || bytes + t.bytes > MAX_MESSAGE_BYTES)) break;
          take.push(lane.queue.shift()!);
          n += t.items.length;
          bytes += t.bytes;
        }
        try {
          if (take.length === 1) take[0]!.resolve(await this.publishSplit(p, take[0]!));
          else {
            const r = await this.publishOne(p, take.flatMap((t) => t.items));
            for (const t of take) t.resolve({ messages: 1, duplicates: r.duplicate ? 1 : 0, queued: t.items.length });
          }
        } catch (e) {
          for (const t of take) t.reject(e);
        }
      }
    } finally {
      lane.busy = false;
    }
  }

  private async publishOne(p: number, items: Item[]): Promise<{ duplicate: boolean }> {
    const body: IngestMessage = { v: 1, items };
    const data = encode(body);
    return this.d.bus.publish('ingest', p, contentId('in', new TextDecoder().decode(data)), data);
  }

  /** One request on its own, in as many messages as its size needs. */
  private async publishSplit(p: number, t: Ticket): Promise<LaneResult> {
    const r: LaneResult = { messages: 0, duplicates: 0, queued: 0 };
    let batch: Item[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      if (!batch.length) return;
      const x = await this.publishOne(p, batch);
      r.messages++;
      if (x.duplicate) r.duplicates++;
      r.queued += batch.length;
      batch = [];
      bytes = 0;
    };
    for (let i = 0; i < t.items.length; i++) {
      const size = t.sizes[i]!;
      if (batch.length >= this.d.batchRecords || bytes + size > MAX_MESSAGE_BYTES) await flush();
      batch.push(t.items[i]!);
      bytes += size;
    }
    await flush();
    return r;
  }

  /**
   * `App.ingest` in the distributed mode. Records are published and counted as read (workers store
   * them); built alerts are also waited for until stored, because their callers read them back.
   */
  async ingest(items: Iterable<IngestItem> | AsyncIterable<IngestItem>, outDir: string): Promise<RunSummary> {
    const started = performance.now();
    const summary = emptySummary(outDir);
    const list: Item[] = [];
    for await (const item of items) if (!('fileDone' in item)) list.push(item);
    const built = list.flatMap((i) => ('alert' in i ? [i.alert.id] : []));
    const before = built.length && this.d.repo ? await this.d.repo.existingAlertIds(built) : new Set<string>();
    const r = await this.publish(list);
    summary.alerts.read = list.length;
    summary.alerts.rejected = r.rejected;
    summary.issues = r.issues;
    summary.alertIds = built;
    summary.alerts.duplicate = before.size;
    const waitFor = built.filter((id) => !before.has(id));
    if (waitFor.length && this.d.repo) {
      const deadline = Date.now() + (this.d.waitMs ?? 30_000);
      let stored = new Set<string>();
      while (Date.now() < deadline) {
        stored = await this.d.repo.existingAlertIds(waitFor);
        if (stored.size === waitFor.length) break;
        await new Promise((res) => setTimeout(res, WAIT_POLL_MS));
      }
      summary.alerts.new = stored.size;
      if (stored.size < waitFor.length) this.d.log.warn({ waiting: waitFor.length - stored.size }, 'built alerts queued but not stored yet: are workers running?');
      const numbers = new Set<number>();
      for (const id of stored) {
        const caseId = (await this.d.repo.db.query.alerts.findFirst({ where: (a, { eq }) => eq(a.id, id), columns: { caseId: true } }))?.caseId;
        const c = caseId ? await this.d.repo.caseById(caseId) : undefined;
        if (c) numbers.add(c.number);
      }
      summary.caseNumbers = [...numbers].sort((a, b) => a - b);
    }
    summary.elapsedMs = Math.round(performance.now() - started);
    return summary;
  }
}
