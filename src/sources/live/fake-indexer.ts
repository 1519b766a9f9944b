import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ecsGet } from '../ecs/index.js';

/**
 * A local stand-in for an OpenSearch / Elasticsearch `_search` endpoint, for tests: the request and
 * response shapes of the real API (query.bool.filter with range and query_string, sort, search_after,
 * hits.hits[]._source/sort) over an in-memory index. Only what the indexer sources send is implemented.
 */

export interface FakeDoc {
  _index: string;
  _id: string;
  _source: Record<string, unknown>;
}

export interface SearchRequest {
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

type SortSpec = Array<Record<string, { order?: 'asc' | 'desc' }>>;

function globToRe(p: string): RegExp {
  return new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

function fieldValue(doc: FakeDoc, field: string): unknown {
  return field === '_id' ? doc._id : ecsGet(doc._source, field);
}

function dateMs(v: unknown, now: number): number {
  if (typeof v === 'number') return v;
  const s = String(v);
  const m = /^now(?:-(\d+)([smhd]))?$/.exec(s);
  if (m) return now - (m[1] ? Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's']! : 0);
  return Date.parse(s.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
}

function matches(doc: FakeDoc, clause: Record<string, unknown>, now: number): boolean {
  if (clause.range) {
    const [[field, r]] = Object.entries(clause.range as Record<string, Record<string, unknown>>) as [[string, Record<string, unknown>]];
    const t = dateMs(fieldValue(doc, field), now);
    if (r.gte !== undefined && !(t >= dateMs(r.gte, now))) return false;
    if (r.gt !== undefined && !(t > dateMs(r.gt, now))) return false;
    if (r.lte !== undefined && !(t <= dateMs(r.lte, now))) return false;
    if (r.lt !== undefined && !(t < dateMs(r.lt, now))) return false;
    return true;
  }
  if (clause.query_string) {
    // `field:>=N`, `field:N` and `*`: enough for the tests' queries.
    const q = String((clause.query_string as { query: unknown }).query);
    if (q === '*') return true;
    const m = /^([\w.@]+):(>=|>|<=|<)?(.+)$/.exec(q);
    if (!m) throw new Error(`fake indexer: unsupported query_string ${q}`);
    const v = fieldValue(doc, m[1]!);
    const n = Number(m[3]);
    switch (m[2]) {
      case '>=':
        return Number(v) >= n;
      case '>':
        return Number(v) > n;
      case '<=':
        return Number(v) <= n;
      case '<':
        return Number(v) < n;
      default:
        return String(v) === m[3];
    }
  }
  if (clause.term) {
    const [field, v] = Object.entries(clause.term as Record<string, unknown>)[0]!;
    return String(fieldValue(doc, field)) === String(typeof v === 'object' && v !== null ? (v as { value: unknown }).value : v);
  }
  if (clause.exists) {
    const v = fieldValue(doc, (clause.exists as { field: string }).field);
    return v !== undefined && v !== null;
  }
  if (clause.match_all) return true;
  throw new Error(`fake indexer: unsupported clause ${JSON.stringify(clause)}`);
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

export class FakeIndexer {
  readonly docs: FakeDoc[] = [];
  readonly requests: SearchRequest[] = [];
  /** Answers to give before searching again: an HTTP status and body each. */
  readonly failures: Array<{ status: number; body: unknown }> = [];
  private server: http.Server | https.Server | undefined;

  constructor(
    private readonly opts: {
      authorization?: string;
      tls?: { certFile: string; keyFile: string };
      /** Elasticsearch 8 refuses to sort on `_id`. */
      refuseIdSort?: boolean;
      /** Alias → index pattern (`.alerts-security.alerts-default` → `.internal.alerts-security.alerts-default-*`). */
      aliases?: Record<string, string>;
    } = {},
  ) {}

  async listen(): Promise<string> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const send = (status: number, body: unknown): void => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        let body: Record<string, unknown> = {};
        try {
          body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
        } catch {
          return send(400, { error: { type: 'parse_exception', reason: 'request body is not JSON' }, status: 400 });
        }
        this.requests.push({ path: url.pathname, query: url.searchParams, authorization: req.headers.authorization, body });
        if (this.opts.authorization && req.headers.authorization !== this.opts.authorization) {
          return send(401, { error: { root_cause: [{ type: 'security_exception', reason: 'missing authentication credentials for REST request [/_search]' }], type: 'security_exception', reason: 'missing authentication credentials' }, status: 401 });
        }
        const fail = this.failures.shift();
        if (fail) return send(fail.status, fail.body);
        const m = /^\/([^/]+)\/_search$/.exec(url.pathname);
        if (!m || req.method !== 'POST') return send(404, { error: { type: 'not_found', reason: `no handler for ${req.method} ${url.pathname}` }, status: 404 });
        try {
          send(200, this.search(decodeURIComponent(m[1]!), body));
        } catch (e) {
          send(400, { error: { root_cause: [{ type: 'illegal_argument_exception', reason: (e as Error).message }], type: 'search_phase_execution_exception', reason: 'all shards failed' }, status: 400 });
        }
      });
    };
    this.server = this.opts.tls ? https.createServer({ cert: readFileSync(this.opts.tls.certFile), key: readFileSync(this.opts.tls.keyFile) }, handler) : http.createServer(handler);
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    const a = this.server.address() as AddressInfo;
    return `${this.opts.tls ? 'https' : 'http'}://${this.opts.tls ? 'localhost' : '127.0.0.1'}:${a.port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  search(indexPattern: string, body: Record<string, unknown>): unknown {
    const now = Date.now();
    const patterns = indexPattern.split(',').map((p) => globToRe(this.opts.aliases?.[p] ?? p));
    const filter = ((body.query as { bool?: { filter?: unknown[] } } | undefined)?.bool?.filter ?? []) as Array<Record<string, unknown>>;
    const sort = (body.sort ?? []) as SortSpec;
    const keys = sort.map((s) => Object.entries(s)[0]!).map(([field, o]) => ({ field, desc: o.order === 'desc' }));
    for (const k of keys) if (k.field === '_id' && this.opts.refuseIdSort) throw new Error('Fielddata access on the _id field is disallowed');
    const sortValues = (d: FakeDoc): unknown[] =>
      keys.map((k, i) => {
        const v = fieldValue(d, k.field);
        return i === 0 ? dateMs(v, now) : v;
      });
    const cmp = (a: unknown[], b: unknown[]): number => {
      for (let i = 0; i < keys.length; i++) {
        const c = compare(a[i], b[i]);
        if (c) return keys[i]!.desc ? -c : c;
      }
      return 0;
    };
    let hits = this.docs
      .filter((d) => patterns.some((p) => p.test(d._index)))
      .filter((d) => filter.every((c) => matches(d, c, now)))
      .map((d) => ({ d, sort: sortValues(d) }))
      .sort((a, b) => cmp(a.sort, b.sort));
    const after = body.search_after as unknown[] | undefined;
    if (after) hits = hits.filter((h) => cmp(h.sort, after) > 0);
    const size = typeof body.size === 'number' ? body.size : 10;
    return {
      took: 1,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: { max_score: null, hits: hits.slice(0, size).map((h) => ({ _index: h.d._index, _id: h.d._id, _score: null, _source: h.d._source, sort: h.sort })) },
    };
  }
}
