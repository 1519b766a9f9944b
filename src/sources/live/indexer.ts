import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import { hasPosition } from './checkpoints.js';
import { request } from './http.js';
import { rejected } from './records.js';
import { Duration } from '../../core/clock.js';
import { ConfigProblem, formatAge, secret, sleep, type LiveSink, type LiveSourceContext, type LiveSourceInstance, type LiveSourceStatus, type OfflineView } from './source.js';
import type { InputRecord } from '../reader.js';

/**
 * Polling an OpenSearch / Elasticsearch index with a persisted `search_after` cursor, shared by the
 * `opensearch` and `elasticsearch` sources (they differ in their defaults).
 */

export interface IndexerDefaults {
  index: string;
  timestampField: string;
  tiebreaker: string;
}

export function indexerConfig(d: IndexerDefaults) {
  return z
    .strictObject({
      /** Base URL of the cluster: `https://wazuh-indexer:9200`. */
      url: z
        .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
        .refine((u) => !URL.canParse(u) || (!new URL(u).username && !new URL(u).password), 'put credentials in username/password or apiKey, not in the URL'),
      /** Index, pattern or comma-separated list to search. */
      index: z.string().min(1).default(d.index),
      /** A query_string (`rule.level:>=7`) or a query DSL object (`{bool: {…}}`); default: every document. */
      query: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
      /** Date field the cursor follows. */
      timestampField: z.string().min(1).default(d.timestampField),
      /** Field unique per document, second sort key, so documents with the same timestamp are neither skipped nor repeated. */
      tiebreaker: z.string().min(1).default(d.tiebreaker),
      /** Documents per request. */
      pageSize: z.number().int().min(1).max(10_000).default(500),
      /** Time between polls once caught up. */
      interval: Duration.default(10_000),
      /** Only documents at least this old are read, so ones still being indexed with an earlier timestamp are not passed by. */
      delay: Duration.default(30_000),
      /** On the first start (no checkpoint): how far back to begin, or `all`. */
      since: z.union([z.literal('all'), Duration]).default(86_400_000),
      /** Request timeout. */
      timeout: Duration.default(30_000),
      /** Largest response accepted, in bytes. */
      maxResponseBytes: z.number().int().positive().default(64 * 1024 * 1024),
      /** Basic auth user (with `password` or `passwordEnv`). */
      username: z.string().min(1).optional(),
      password: z.string().optional(),
      /** Environment variable holding the password. */
      passwordEnv: z.string().min(1).optional(),
      /** API key, the base64 `id:key` form: sent as `Authorization: ApiKey …`. */
      apiKey: z.string().min(1).optional(),
      /** Environment variable holding the API key. */
      apiKeyEnv: z.string().min(1).optional(),
      tls: z
        .strictObject({
          /** PEM file of the CA that signed the cluster's certificate (Wazuh: `root-ca.pem`). */
          caFile: z.string().min(1).optional(),
          /** Accept any certificate. Only for a lab; the status says so. */
          insecure: z.boolean().default(false),
        })
        .optional(),
    })
    .superRefine((c, ctx) => {
      const basic = c.username !== undefined || c.password !== undefined || c.passwordEnv !== undefined;
      const key = c.apiKey !== undefined || c.apiKeyEnv !== undefined;
      if (basic && key) ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'use either username/password or apiKey, not both' });
      if (basic && c.username === undefined) ctx.addIssue({ code: 'custom', path: ['username'], message: 'a password needs a username' });
      if (c.username !== undefined && c.password === undefined && c.passwordEnv === undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: 'set password or passwordEnv' });
      if (c.password !== undefined && c.passwordEnv !== undefined) ctx.addIssue({ code: 'custom', path: ['passwordEnv'], message: 'set password or passwordEnv, not both' });
      if (c.apiKey !== undefined && c.apiKeyEnv !== undefined) ctx.addIssue({ code: 'custom', path: ['apiKeyEnv'], message: 'set apiKey or apiKeyEnv, not both' });
    });
}

export type IndexerConfig = z.infer<ReturnType<typeof indexerConfig>>;

/** The checkpoint: the sort values of the last document read, where the first start began, and the newest timestamp seen. */
export const IndexerPosition = z.object({
  after: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  from: z.string().optional(),
  newest: z.string().optional(),
});
export type IndexerPosition = z.infer<typeof IndexerPosition>;

const MAX_BACKOFF_MS = 5 * 60_000;

interface Hit {
  _index?: string;
  _id?: string;
  _source?: unknown;
  sort?: unknown[];
}

export class IndexerPoller implements LiveSourceInstance {
  private readonly base: URL;
  private readonly headers: Record<string, string>;
  private readonly ca: Buffer | undefined;
  private readonly agent: http.Agent;
  private position: IndexerPosition = {};
  private sink: LiveSink | undefined;
  private loop: Promise<void> | undefined;
  private abort = new AbortController();
  private state: LiveSourceStatus['state'] = 'stopped';
  private detail = '';
  private failures = 0;
  private seq = 0;
  private readonly counters = { requests: 0, documents: 0, rejected: 0, failures: 0 };

  constructor(
    private readonly kind: string,
    private readonly cfg: IndexerConfig,
    private readonly ctx: LiveSourceContext,
  ) {
    this.base = new URL(cfg.url.endsWith('/') ? cfg.url : `${cfg.url}/`);
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    const password = secret(cfg.password, cfg.passwordEnv, ctx.env, 'password');
    const apiKey = secret(cfg.apiKey, cfg.apiKeyEnv, ctx.env, 'apiKey');
    if (cfg.username !== undefined) this.headers.authorization = `Basic ${Buffer.from(`${cfg.username}:${password ?? ''}`).toString('base64')}`;
    if (apiKey !== undefined) this.headers.authorization = `ApiKey ${apiKey}`;
    if (cfg.tls?.caFile) {
      try {
        this.ca = readFileSync(cfg.tls.caFile);
      } catch (e) {
        throw new ConfigProblem(`cannot read the CA file ${cfg.tls.caFile}: ${(e as Error).message}`, 'tls.caFile');
      }
    }
    if (this.base.protocol === 'http:' && this.headers.authorization) {
      ctx.log.warn({ source: ctx.name }, 'credentials are sent over plain http; use https');
    }
    this.agent = this.base.protocol === 'https:' ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
    const cp = hasPosition(ctx.checkpoint) ? IndexerPosition.safeParse(ctx.checkpoint) : undefined;
    if (cp && !cp.success) ctx.log.warn({ source: ctx.name }, 'stored cursor is not usable; starting without it');
    if (cp?.success) this.position = cp.data;
  }

  async start(sink: LiveSink): Promise<void> {
    if (this.loop) return;
    this.sink = sink;
    this.abort = new AbortController();
    if (!this.position.after && !this.position.from && this.cfg.since !== 'all') {
      // Fixed once, so a first start that finds nothing does not slide its window forward and skip late documents.
      this.position = { ...this.position, from: new Date(this.ctx.clock.now().getTime() - this.cfg.since).toISOString() };
    }
    this.state = 'running';
    this.detail = `polling ${this.searchUrl().origin}/${this.cfg.index}${this.cfg.tls?.insecure ? ' (certificate checks OFF)' : ''}`;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.loop = undefined;
    this.agent.destroy();
    this.state = 'stopped';
  }

  status(): LiveSourceStatus {
    const newest = this.position.newest ? Date.parse(this.position.newest) : NaN;
    return {
      state: this.state,
      resumable: true,
      position: this.position,
      ...(Number.isFinite(newest) && { lag: { ms: Math.max(0, this.ctx.clock.now().getTime() - newest) } }),
      detail: this.detail,
      counters: { ...this.counters },
    };
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      let full = false;
      try {
        const hits = await this.page(signal);
        if (signal.aborted) break;
        full = hits.length >= this.cfg.pageSize;
        if (hits.length) await this.deliver(hits);
        if (this.failures) this.ctx.log.info({ source: this.ctx.name }, `${this.kind} answers again`);
        this.failures = 0;
        this.state = 'running';
      } catch (e) {
        if (signal.aborted) break;
        this.failures++;
        this.counters.failures++;
        const wait = Math.min(MAX_BACKOFF_MS, Math.max(this.cfg.interval, 1000) * 2 ** Math.min(this.failures - 1, 16));
        this.state = 'backoff';
        this.detail = `request failed ${this.failures}× in a row; next try in ${formatAge(wait)}: ${(e as Error).message}`;
        this.sink?.error(e as Error);
        await sleep(wait, signal);
        continue;
      }
      // A full page means more is waiting: ask again at once.
      if (!full) await sleep(this.cfg.interval, signal);
    }
  }

  private searchUrl(): URL {
    const index = this.cfg.index
      .split(',')
      .map((p) => encodeURIComponent(p.trim()).replaceAll('%2A', '*'))
      .join(',');
    const u = new URL(`${index}/_search`, this.base);
    // A pattern that matches no index yet (a fresh cluster) is an empty result, not an error.
    u.searchParams.set('ignore_unavailable', 'true');
    u.searchParams.set('allow_no_indices', 'true');
    return u;
  }

  /** The request body: the user's query, the time window, and the cursor. */
  searchBody(): Record<string, unknown> {
    const ts = this.cfg.timestampField;
    const range: Record<string, string> = { lte: `now-${Math.round(this.cfg.delay / 1000)}s` };
    if (this.position.from) range.gte = this.position.from;
    const tb = this.cfg.tiebreaker;
    const meta = tb.startsWith('_');
    // The range already leaves out documents without a timestamp; one without a tiebreaker would sort
    // last with a null or maximal value, and a cursor taken from it would pass every later document.
    const filter: unknown[] = [{ range: { [ts]: range } }, ...(meta ? [] : [{ exists: { field: tb } }])];
    if (typeof this.cfg.query === 'string') filter.unshift({ query_string: { query: this.cfg.query } });
    else if (this.cfg.query) filter.unshift(this.cfg.query);
    return {
      size: this.cfg.pageSize,
      query: { bool: { filter } },
      // unmapped_type: an index in the pattern without these fields (yet) sorts, instead of failing the search.
      sort: [{ [ts]: { order: 'asc', unmapped_type: 'date' } }, { [tb]: meta ? { order: 'asc' } : { order: 'asc', unmapped_type: 'keyword' } }],
      ...(this.position.after && { search_after: this.position.after }),
      track_total_hits: false,
    };
  }

  private async page(signal: AbortSignal): Promise<Hit[]> {
    this.counters.requests++;
    const res = await request(this.searchUrl(), {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify(this.searchBody()),
      timeoutMs: this.cfg.timeout,
      maxResponseBytes: this.cfg.maxResponseBytes,
      ...(this.ca && { ca: this.ca }),
      insecure: this.cfg.tls?.insecure ?? false,
      signal,
      agent: this.agent,
    });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      throw new Error(`${this.kind} answered HTTP ${res.status} with something that is not JSON: ${res.body.slice(0, 200)}`);
    }
    if (res.status === 401 || res.status === 403) {
      throw new Error(`${this.kind} refused the credentials (HTTP ${res.status}): ${errorReason(body)}`);
    }
    if (res.status >= 400) {
      const reason = errorReason(body);
      const hint = /fielddata|_id field/i.test(reason) ? ` (set tiebreaker to a keyword field unique per document, e.g. "id" for Wazuh alerts or "kibana.alert.uuid" for Elastic Security alerts)` : '';
      throw new Error(`${this.kind} answered HTTP ${res.status}: ${reason}${hint}`);
    }
    const shards = body._shards as { failed?: number } | undefined;
    // Results from some shards only would move the cursor past documents on the others.
    if (shards?.failed) throw new Error(`${shards.failed} shard(s) failed to answer (${errorReason(body)}); not moving the cursor`);
    const hits = (body.hits as { hits?: unknown } | undefined)?.hits;
    if (!Array.isArray(hits)) throw new Error(`${this.kind} answered without hits.hits`);
    return hits as Hit[];
  }

  private async deliver(hits: Hit[]): Promise<void> {
    const items: InputRecord[] = [];
    let after = this.position.after;
    let newest = this.position.newest;
    for (const h of hits) {
      if (!Array.isArray(h.sort) || h.sort.length !== 2) throw new Error('a hit came back without its two sort values; is the timestamp field mapped as a date?');
      const file = `source:${this.ctx.name}/${h._index ?? '?'}/${h._id ?? '?'}`;
      const line = ++this.seq;
      const src = h._source;
      if (src !== null && typeof src === 'object' && !Array.isArray(src)) items.push({ file, line, record: src as Record<string, unknown> });
      else {
        items.push(rejected(file, line, 'the document has no _source object'));
        this.counters.rejected++;
      }
      after = h.sort as IndexerPosition['after'];
      const t = h.sort[0];
      const iso = typeof t === 'number' ? new Date(t).toISOString() : typeof t === 'string' && !Number.isNaN(Date.parse(t)) ? new Date(Date.parse(t)).toISOString() : undefined;
      if (iso && (!newest || iso > newest)) newest = iso;
    }
    this.counters.documents += hits.length;
    this.position = { ...this.position, ...(after && { after }), ...(newest && { newest }) };
    const p = this.sink?.deliver({ items, position: this.position, ...(newest && { lastEventAt: newest }) });
    if (p) await p;
  }
}

function errorReason(body: Record<string, unknown>): string {
  const err = body.error;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object') {
    const e = err as { reason?: unknown; type?: unknown; root_cause?: Array<{ reason?: unknown }> };
    const root = Array.isArray(e.root_cause) ? e.root_cause[0]?.reason : undefined;
    return String(root ?? e.reason ?? e.type ?? JSON.stringify(err).slice(0, 200));
  }
  const failures = (body._shards as { failures?: Array<{ reason?: { reason?: unknown } }> } | undefined)?.failures;
  if (failures?.[0]?.reason?.reason) return String(failures[0].reason.reason);
  return 'no reason given';
}

/** Position and lag from the stored cursor. */
export function describeIndexer(checkpoint: { position: unknown; lastEventAt: string | null }, now: Date): OfflineView {
  const p = hasPosition(checkpoint.position) ? IndexerPosition.safeParse(checkpoint.position) : undefined;
  if (!p?.success || (!p.data.after && !p.data.from)) return { position: 'not started' };
  const position = p.data.after ? `after ${JSON.stringify(p.data.after)}` : `from ${p.data.from} (nothing read yet)`;
  const newest = p.data.newest ?? checkpoint.lastEventAt ?? undefined;
  if (!newest) return { position };
  const ms = Math.max(0, now.getTime() - Date.parse(newest));
  return { position, lag: `newest document ${formatAge(ms)} old`, lagMs: ms };
}
