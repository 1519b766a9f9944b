// Webhook ingestion: Wazuh (raw alerts and the `shuffle` integration's payload), Suricata EVE lines,
// and raw events for Sigma. A request is answered only after what it carried is stored.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../app.js';
import { VigilError } from '../core/errors.js';
import type { Alert } from '../core/types.js';
import { parseEventStream } from '../detect/sigma/io.js';
import { extractForPipeline } from '../pipeline/extract.js';
import { normalizeRecord, type IngestItem, type IngestOptions, type RunSummary } from '../pipeline/run.js';
import { sourceFor } from '../sources/registry.js';
import { metricsFor } from './routes/metrics.js';
import { refusePipelineChange } from './routes/common.js';
import { scopeOf } from '../store/scope.js';


// A webhook is answered once its alerts and cases are stored; playbooks, reports and notifications
// for the cases follow right after, coalesced per case (Pipeline.ingest's deferResponse).
const STREAMING = { deferResponse: true } as const;
const INGEST_BODY_LIMIT = 10 * 1024 * 1024;

const IngestResult = z.object({
  received: z.number(),
  stored: z.number(),
  duplicate: z.number(),
  ignored: z.number(),
  rejected: z.number(),
  issues: z.array(z.object({ line: z.number(), field: z.string().optional(), reason: z.string() })),
  alertIds: z.array(z.string()),
  cases: z.array(z.number()),
  detect: z.object({ events: z.number(), detections: z.number(), correlations: z.number() }).optional(),
});
const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional(), retryable: z.boolean().optional() }) });
/** The distributed mode's answer (202): the input is durable on the bus and the workers store it (docs/scaling.md). */
const QueuedResult = z.object({
  received: z.number(),
  queued: z.number(),
  rejected: z.number(),
  issues: z.array(z.object({ line: z.number(), field: z.string().optional(), reason: z.string() })),
  messages: z.number(),
  duplicates: z.number(),
});

function result(s: RunSummary, received: number): z.infer<typeof IngestResult> {
  return {
    received,
    stored: s.alerts.new,
    duplicate: s.alerts.duplicate,
    ignored: s.alerts.ignored,
    rejected: s.alerts.rejected,
    issues: s.issues.map((i) => ({ line: i.line, ...(i.field !== undefined && { field: i.field }), reason: i.reason })),
    alertIds: s.alertIds,
    cases: s.caseNumbers,
    ...(s.detect && { detect: { events: s.detect.events, detections: s.detect.detections, correlations: s.detect.correlations } }),
  };
}

/** 200 when anything was taken (or was already there), 400 when every record was refused. */
function reply400IfNothing(reply: FastifyReply, r: z.infer<typeof IngestResult>): z.infer<typeof IngestResult> {
  if (r.received > 0 && r.rejected === r.received) reply.status(400);
  return r;
}

function records(body: unknown, expect: 'wazuh' | 'suricata' | 'any', where: string): { items: IngestItem[]; received: number } {
  const items: IngestItem[] = [];
  let list: Array<{ line: number; value: unknown }> = [];
  let unreadable = 0;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const { events, errors, lines } = parseEventStream(body.toString());
    list = events.map((value, i) => ({ line: lines[i]!, value }));
    unreadable = errors.length;
    for (const e of errors) items.push({ file: where, line: e.line, issue: { file: where, line: e.line, reason: e.reason } });
  } else if (Array.isArray(body)) list = body.map((value, i) => ({ line: i + 1, value }));
  else if (body !== undefined && body !== null) list = [{ line: 1, value: body }];
  for (const { line, value } of list) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      items.push({ file: where, line, issue: { file: where, line, reason: 'not a JSON object' } });
      continue;
    }
    let record = value as Record<string, unknown>;
    // Wazuh's `shuffle` integration wraps the alert: {severity, pretext, title, text, …, all_fields: <alert>}.
    const all = record['all_fields'];
    if (expect === 'wazuh' && all && typeof all === 'object' && !Array.isArray(all)) record = all as Record<string, unknown>;
    if (expect !== 'any' && sourceFor(record)?.id !== expect) {
      const reason = expect === 'wazuh' ? 'not a Wazuh alert (needs "rule" and "agent" or "manager", or the shuffle payload\'s "all_fields")' : 'not a Suricata EVE event (needs "event_type")';
      items.push({ file: where, line, issue: { file: where, line, reason } });
      continue;
    }
    items.push({ file: where, line, record });
  }
  return { items, received: list.length + unreadable };
}

type Result = z.infer<typeof IngestResult>;

interface Waiting {
  items: IngestItem[];
  received: number;
  resolve(r: Result): void;
  reject(e: unknown): void;
}

/** One record's outcome worked out before the batch goes in, so a coalesced batch can answer per request. */
type Outcome = { kind: 'alert'; alert: Alert } | { kind: 'ignored' } | { kind: 'rejected'; issue: { line: number; field?: string; reason: string } };

/**
 * Coalesces concurrent webhook requests: while the pipeline works on one batch, the requests that
 * arrive wait together and go in as the next batch. Each request is still answered only after what
 * it carried is stored, with its own counts. A batch costs one store transaction and one response
 * pass per case it touched (playbooks, report, notification), instead of one per request, which is
 * what lets a burst of single-alert requests through.
 */
export class IngestBatcher {
  private queue: Waiting[] = [];
  private running = false;

  constructor(
    private readonly app: App,
    private readonly maxRecords = 5000,
    private readonly metrics = metricsFor(app),
  ) {
    this.metrics.ingestQueue = () => this.queue.length;
  }

  submit(items: IngestItem[], received: number): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, received, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) {
        // The embedded store answers without yielding to I/O, so without this turn of the event loop
        // the requests that arrived meanwhile would not be read yet, and every batch would be one request.
        await new Promise((r) => setImmediate(r));
        let n = 0;
        let records = 0;
        while (n < this.queue.length && (n === 0 || records + this.queue[n]!.items.length <= this.maxRecords)) records += this.queue[n++]!.items.length;
        const batch = this.queue.splice(0, n);
        this.metrics.batches++;
        this.metrics.batchedRequests += batch.length;
        // The next batch is formed once this one knows which alerts are new, so it is checked while
        // this one is grouped and written; each request is still answered only once its own is stored.
        let mayStart!: () => void;
        const nextMayStart = new Promise<void>((r) => (mayStart = r));
        const opts = { ...STREAMING, onNextMayStart: mayStart };
        const done = (async () => {
          try {
            if (batch.length === 1) {
              // Alone: the pipeline's own summary is the exact answer.
              const only = batch[0]!;
              only.resolve(result(await this.app.ingest(only.items, opts), only.received));
            } else await this.together(batch, opts);
          } catch (e) {
            for (const w of batch) w.reject(e);
          } finally {
            mayStart();
          }
        })();
        await Promise.race([nextMayStart, done]);
      }
    } finally {
      this.running = false;
    }
  }

  private async together(batch: Waiting[], opts: Partial<IngestOptions>): Promise<void> {
    // Without Sigma rules the alerts are built here once and handed over built; with rules, the
    // records go in raw so the rules see them as events, and this pass only predicts the outcome.
    const raw = Boolean(this.app.detector);
    const outcomes: Outcome[][] = [];
    const items: IngestItem[] = [];
    for (const w of batch) {
      const mine: Outcome[] = [];
      for (const item of w.items) {
        if ('fileDone' in item) continue;
        if ('issue' in item) {
          mine.push({ kind: 'rejected', issue: { line: item.line, ...(item.issue.field !== undefined && { field: item.issue.field }), reason: item.issue.reason } });
          items.push(item);
          continue;
        }
        if ('alert' in item) {
          mine.push({ kind: 'alert', alert: item.alert });
          items.push(item);
          continue;
        }
        try {
          const alert = normalizeRecord(item.record, extractForPipeline, this.app.hosts);
          mine.push(alert ? { kind: 'alert', alert } : { kind: 'ignored' });
          if (raw) items.push(item);
          else if (alert) items.push({ file: item.file, line: item.line, alert });
        } catch (e) {
          const err = e instanceof VigilError ? e : undefined;
          mine.push({ kind: 'rejected', issue: { line: item.line, ...(err?.field !== undefined && { field: err.field }), reason: (e as Error).message } });
          if (raw) items.push(item);
        }
      }
      outcomes.push(mine);
    }
    const placed = (await this.app.ingest(items, opts)).placed ?? new Map<string, { caseNumber: number; stored: boolean }>();
    // The first request to carry an alert stored it; later ones in the batch carried a duplicate.
    const claimed = new Set<string>();
    batch.forEach((w, i) => {
      const r: Result = { received: w.received, stored: 0, duplicate: 0, ignored: 0, rejected: 0, issues: [], alertIds: [], cases: [] };
      const cases = new Set<number>();
      for (const o of outcomes[i]!) {
        if (o.kind === 'ignored') r.ignored++;
        else if (o.kind === 'rejected') {
          r.rejected++;
          r.issues.push(o.issue);
        } else {
          const id = o.alert.id;
          if (!r.alertIds.includes(id)) r.alertIds.push(id);
          const p = placed.get(id);
          if (!p?.stored || claimed.has(id)) r.duplicate++;
          else {
            r.stored++;
            claimed.add(id);
          }
          if (p) cases.add(p.caseNumber);
        }
      }
      r.cases = [...cases].sort((a, b) => a - b);
      w.resolve(r);
    });
  }
}

export function registerIngest(server: FastifyInstance, app: App): void {
  const s = server.withTypeProvider<ZodTypeProvider>();
  for (const type of ['application/x-ndjson', 'text/plain']) {
    if (!s.hasContentTypeParser(type)) s.addContentTypeParser(type, { parseAs: 'string', bodyLimit: INGEST_BODY_LIMIT }, (_req, body, done) => done(null, body));
  }
  const responses = { 200: IngestResult, 202: QueuedResult, 400: IngestResult.or(QueuedResult).or(ErrorBody), 403: ErrorBody, 503: ErrorBody };
  // The pipeline's alerts and cases are its organisation's: another organisation's key would write into them.
  const foreign = (req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const scope = scopeOf(req);
    return scope.ownsPipeline ? undefined : refusePipelineChange(reply, `${scope.pipelineRefusal('webhook ingestion')}; create alerts of your organisation with POST /thehive/api/v1/alert`);
  };
  /**
   * Distributed mode: answered once JetStream has stored the request (202), or 503 with Retry-After
   * while the ingest stream is over its size (or NATS is away), so the sender retries instead of losing it.
   */
  const publishTo = async (reply: FastifyReply, items: IngestItem[], received: number) => {
    try {
      const r = await app.publisher!.publish(items.filter((i): i is Exclude<IngestItem, { fileDone: string }> => !('fileDone' in i)));
      reply.status(received > 0 && r.rejected === received ? 400 : 202);
      return { received, queued: r.queued, rejected: r.rejected, issues: r.issues.map((i) => ({ line: i.line, ...(i.field !== undefined && { field: i.field }), reason: i.reason })), messages: r.messages, duplicates: r.duplicates };
    } catch (e) {
      if (e instanceof VigilError && (e.code === 'VIGIL_BUS_FULL' || e.code === 'VIGIL_BUS_FAILED')) {
        return reply.status(503).header('retry-after', String(app.config.bus.retryAfter)).send({ error: { code: e.code, message: e.message, retryable: true } });
      }
      throw e;
    }
  };
  const batcher = new IngestBatcher(app);
  const metrics = metricsFor(app);
  const answer = (route: string, reply: FastifyReply, r: Result): Result => {
    metrics.ingested(route, { stored: r.stored, duplicate: r.duplicate, rejected: r.rejected, ignored: r.ignored });
    return reply400IfNothing(reply, r);
  };

  const wazuh = {
    schema: {
      summary: 'Ingest one Wazuh alert (raw, or the payload of Wazuh\'s shuffle/custom integration with the alert in "all_fields"); a JSON array or JSON lines carry several',
      tags: ['ingest'],
      response: responses,
    },
    bodyLimit: INGEST_BODY_LIMIT,
  };
  const handleWazuh = async (req: FastifyRequest, reply: FastifyReply) => {
    const refused = foreign(req, reply);
    if (refused) return refused;
    const { items, received } = records(req.body, 'wazuh', 'request');
    if (app.publisher) return publishTo(reply, items, received);
    return answer('wazuh', reply, await batcher.submit(items, received));
  };
  s.post('/api/ingest/wazuh', wazuh, handleWazuh);
  // The key in the path is checked by the auth hook; the route only has to exist.
  s.post('/api/ingest/wazuh/:key', { ...wazuh, schema: { ...wazuh.schema, hide: true, params: z.object({ key: z.string() }) } }, handleWazuh);

  const suricata = {
    schema: { summary: 'Ingest Suricata EVE JSON lines (alert events become alerts; other event types are counted as ignored)', tags: ['ingest'], response: responses },
    bodyLimit: INGEST_BODY_LIMIT,
  };
  const handleSuricata = async (req: FastifyRequest, reply: FastifyReply) => {
    const refused = foreign(req, reply);
    if (refused) return refused;
    const { items, received } = records(req.body, 'suricata', 'request');
    if (app.publisher) return publishTo(reply, items, received);
    return answer('suricata', reply, await batcher.submit(items, received));
  };
  s.post('/api/ingest/suricata', suricata, handleSuricata);
  s.post('/api/ingest/suricata/:key', { ...suricata, schema: { ...suricata.schema, hide: true, params: z.object({ key: z.string() }) } }, handleSuricata);

  s.post(
    '/api/ingest/events',
    {
      schema: {
        summary: 'Ingest raw events (JSON lines, a JSON array or one object); the configured Sigma rules run over them and their detections become alerts',
        tags: ['ingest'],
        response: { ...responses, 409: ErrorBody },
      },
      bodyLimit: INGEST_BODY_LIMIT,
    },
    async (req, reply) => {
      const refused = foreign(req, reply);
      if (refused) return refused;
      const { items, received } = records(req.body, 'any', 'request');
      if (!app.detector && items.some((i) => 'record' in i && !sourceFor(i.record))) {
        return reply.status(409).send({ error: { code: 'VIGIL_NO_RULES', message: 'no Sigma rules are configured (detect.rules in vigil.yaml, or VIGIL_RULES): events that are not alerts would be dropped', field: 'detect.rules' } });
      }
      if (app.publisher) return publishTo(reply, items, received);
      return answer('events', reply, result(await app.ingest(items, STREAMING), received));
    },
  );
}
