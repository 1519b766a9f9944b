// GET /metrics in the Prometheus text format: store counts at scrape time plus in-process counters.
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import type { App } from '../../app.js';
import { scopeOf, type OrgScope } from '../../store/scope.js';
import { rows } from './common.js';
import { sessionsFor } from './session.js';

type Labels = Record<string, string>;

/** Counters kept by this process since it started (HTTP requests, ingested records). */
export class Metrics {
  readonly http = new Map<string, number>();
  readonly ingest = new Map<string, number>();
  readonly startedAt = Date.now();
  /** Webhook batches stored, and the requests they carried (more requests than batches: coalescing at work). */
  batches = 0;
  batchedRequests = 0;
  /** Webhook requests waiting for the batch in progress to finish. */
  ingestQueue: () => number = () => 0;

  request(method: string, route: string, status: number): void {
    const k = `${method}\u0000${route}\u0000${status}`;
    this.http.set(k, (this.http.get(k) ?? 0) + 1);
  }

  /** What an ingest request carried, by outcome (stored, duplicate, rejected, ignored). */
  ingested(route: string, counts: Record<string, number>): void {
    for (const [outcome, n] of Object.entries(counts)) {
      if (!n) continue;
      const k = `${route}\u0000${outcome}`;
      this.ingest.set(k, (this.ingest.get(k) ?? 0) + n);
    }
  }
}

const byApp = new WeakMap<App, Metrics>();

export function metricsFor(app: App): Metrics {
  let m = byApp.get(app);
  if (!m) byApp.set(app, (m = new Metrics()));
  return m;
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Labels, number]>): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${esc(x)}"`).join(',');
      this.lines.push(`${name}${l ? `{${l}}` : ''} ${Number.isFinite(v) ? v : 0}`);
    }
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/**
 * The store's counts are the scraping key's organisation's; the IOC database is shared; the process's
 * own counters (webhooks, intel calls, HTTP, sessions) serve the pipeline and are its organisation's.
 */
export async function renderMetrics(app: App, scope: OrgScope): Promise<string> {
  const db = app.repo.db;
  const m = metricsFor(app);
  const out = new Exposition();
  const own = scope.ownsPipeline;
  const group = async (q: ReturnType<typeof sql>, keys: string[]): Promise<Array<[Labels, number]>> =>
    (await rows<Record<string, unknown>>(db, q)).map((r) => [Object.fromEntries(keys.map((k) => [k, String(r[k] ?? '')])), Number(r['n'])]);

  out.family('vigil_alerts_stored', 'gauge', 'Alerts in the store, by source and severity (every alert ingested and kept)', await group(sql`select source, severity, count(*)::int as n from alerts a where ${scope.ownsAlias('a')} group by 1, 2 order by 1, 2`, ['source', 'severity']));
  out.family(
    'vigil_ingest_records_total',
    'counter',
    'Records received on the ingest webhooks since start, by route and outcome (stored, duplicate, rejected, ignored)',
    own
      ? [...m.ingest].map(([k, v]) => {
          const [route, outcome] = k.split('\u0000') as [string, string];
          return [{ route, outcome }, v];
        })
      : [],
  );
  if (own) {
    out.family('vigil_ingest_batches_total', 'counter', 'Batches of webhook requests sent through the pipeline (concurrent requests are coalesced)', [[{}, m.batches]]);
    out.family('vigil_ingest_batched_requests_total', 'counter', 'Webhook requests carried by those batches', [[{}, m.batchedRequests]]);
    out.family('vigil_ingest_queue_depth', 'gauge', 'Webhook requests waiting for the batch in progress', [[{}, m.ingestQueue()]]);
  }
  out.family('vigil_cases', 'gauge', 'Cases by status and severity', await group(sql`select status, severity, count(*)::int as n from cases c where ${scope.ownsAlias('c')} group by 1, 2 order by 1, 2`, ['status', 'severity']));
  out.family('vigil_actions', 'gauge', 'Response actions recorded, by action and outcome', await group(sql`select action, status, count(*)::int as n from actions x where ${scope.caseIn(sql`x.case_id`)} group by 1, 2 order by 1, 2`, ['action', 'status']));
  out.family('vigil_playbook_runs', 'gauge', 'Playbook runs by status', await group(sql`select status, count(*)::int as n from playbook_runs x where ${scope.caseIn(sql`x.case_id`)} group by 1 order by 1`, ['status']));
  out.family('vigil_approvals', 'gauge', 'Playbook approvals by status (pending = waiting for a human)', await group(sql`select status, count(*)::int as n from approvals x where ${scope.caseIn(sql`x.case_id`)} group by 1 order by 1`, ['status']));
  out.family(
    'vigil_notifications',
    'gauge',
    'Notifications by channel and status (sent = delivered; retrying and dead = failures; pending = queued)',
    await group(sql`select channel, status, count(*)::int as n from notifications x where ${scope.caseIn(sql`x.case_id`)} group by 1, 2 order by 1, 2`, ['channel', 'status']),
  );
  out.family('vigil_indicators', 'gauge', 'Indicators in the local IOC database, by feed', await group(sql`select f.name as feed, count(i.value)::int as n from feeds f left join indicators i on i.feed_id = f.id group by f.name order by 1`, ['feed']));

  if (!own) return out.toString();
  const providers = app.intel.status();
  out.family('vigil_intel_provider_enabled', 'gauge', 'Intel providers: 1 enabled, 0 off', providers.map((p) => [{ provider: p.id }, p.enabled ? 1 : 0]));
  const calls = (field: 'requests' | 'ok' | 'failed' | 'retried' | 'rateLimited' | 'cacheHits' | 'cacheMisses'): Array<[Labels, number]> =>
    providers.filter((p) => p.calls).map((p) => [{ provider: p.id }, p.calls![field]]);
  out.family('vigil_intel_requests_total', 'counter', 'Requests sent to remote intel providers (retries included)', calls('requests'));
  out.family('vigil_intel_lookups_failed_total', 'counter', 'Remote lookups that failed after their retries', calls('failed'));
  out.family('vigil_intel_rate_limited_total', 'counter', 'Remote lookups answered 429 or refused because the quota was used up', calls('rateLimited'));
  out.family('vigil_intel_cache_hits_total', 'counter', 'Remote lookups answered from the intel cache', calls('cacheHits'));
  out.family('vigil_intel_cache_misses_total', 'counter', 'Remote lookups the intel cache could not answer', calls('cacheMisses'));
  out.family('vigil_intel_queue_depth', 'gauge', 'Remote lookups waiting for their provider\'s rate limiter', providers.filter((p) => p.queued !== undefined).map((p) => [{ provider: p.id }, p.queued!]));
  const quota: Array<[Labels, number]> = [];
  for (const p of providers) for (const w of p.quota ?? []) quota.push([{ provider: p.id, window: w.per }, w.remaining]);
  out.family('vigil_intel_quota_remaining', 'gauge', 'Requests left in each quota window of a remote provider', quota);

  out.family(
    'vigil_http_requests_total',
    'counter',
    'HTTP requests answered since start, by method, route and status',
    [...m.http].map(([k, v]) => {
      const [method, route, status] = k.split('\u0000') as [string, string, string];
      return [{ method, route, status }, v];
    }),
  );
  out.family('vigil_ui_sessions', 'gauge', 'Signed-in web UI sessions', [[{}, sessionsFor(app).size]]);
  out.family('vigil_process_uptime_seconds', 'gauge', 'Seconds since this process started serving', [[{}, Math.round((Date.now() - m.startedAt) / 1000)]]);
  out.family('vigil_process_resident_memory_bytes', 'gauge', 'Resident memory of this process', [[{}, process.memoryUsage.rss()]]);
  return out.toString();
}

export function registerMetrics(server: FastifyInstance, app: App): void {
  const m = metricsFor(app);
  server.addHook('onResponse', async (req, reply) => {
    // The route pattern, not the URL: ids and keys in paths must not become label values.
    m.request(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode);
  });
  server.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (text format 0.0.4): alerts, cases, actions, playbook runs, notifications, intel calls and cache hits per provider, HTTP requests', tags: ['ops'] } },
    async (req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').header('cache-control', 'no-store').send(await renderMetrics(app, scopeOf(req))),
  );
}
