// GET /api/stats: the dashboard's numbers in one request.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { App } from '../../app.js';
import { SEVERITIES } from '../../core/types.js';
import { OPEN_STATUSES } from '../../store/repo.js';
import { scopeOf, type OrgScope } from '../../store/scope.js';
import { rows } from './common.js';

const RANGES = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
// Bucket widths a chart can use, smallest first; the first that yields at most MAX_BUCKETS wins.
const BUCKETS_S = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86_400, 7 * 86_400, 30 * 86_400];
const MAX_BUCKETS = 60;
/** Observable types that say where or who, not what is bad: left out of "top observables". */
const CONTEXT_TYPES = ['host', 'user', 'process', 'commandline', 'filepath', 'registry'];

const BySeverity = z.object({ LOW: z.number(), MEDIUM: z.number(), HIGH: z.number(), CRITICAL: z.number() });
export const StatsResponse = z.object({
  generatedAt: z.string(),
  totals: z.object({ alerts: z.number(), cases: z.number(), openCases: z.number(), observables: z.number(), indicators: z.number(), feeds: z.number() }),
  openCasesBySeverity: BySeverity,
  casesByStatus: z.record(z.string(), z.number()),
  alertsOverTime: z.object({
    range: z.string(),
    bucketSeconds: z.number(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    buckets: z.array(z.object({ start: z.string(), total: z.number() }).extend(BySeverity.shape)),
  }),
  topObservables: z.array(z.object({ type: z.string(), value: z.string(), verdict: z.string().nullable(), riskScore: z.number().nullable(), cases: z.number() })),
  topRules: z.array(z.object({ ruleId: z.string(), source: z.string(), title: z.string(), alerts: z.number(), maxSeverity: z.string() })),
  providers: z.array(
    z.object({
      id: z.string(),
      remote: z.boolean(),
      enabled: z.boolean(),
      reason: z.string().optional(),
      quota: z.array(z.object({ limit: z.number(), per: z.string(), used: z.number(), remaining: z.number() })).optional(),
      queued: z.number().optional(),
      inFlight: z.number().optional(),
      pausedUntil: z.string().optional(),
      breaker: z.object({ state: z.string(), failures: z.number(), retryAt: z.string().optional(), lastFailure: z.string().optional() }).optional(),
      calls: z.record(z.string(), z.number()).optional(),
      lastError: z.object({ at: z.string(), message: z.string() }).optional(),
    }),
  ),
  playbookRuns: z.array(z.object({ id: z.string(), playbook: z.string(), caseNumber: z.number().nullable(), status: z.string(), dryRun: z.boolean(), startedAt: z.string(), finishedAt: z.string().nullable(), error: z.string().nullable() })),
  pendingApprovals: z.number(),
  notifications: z.record(z.string(), z.number()),
});
export type Stats = z.infer<typeof StatsResponse>;

function bucketFor(spanMs: number): number {
  for (const b of BUCKETS_S) if (spanMs / (b * 1000) <= MAX_BUCKETS) return b;
  return BUCKETS_S[BUCKETS_S.length - 1]!;
}

const iso = (v: unknown): string => new Date(v as string).toISOString();

/**
 * The dashboard of one organisation: its cases and alerts; the IOC database is shared; intel providers'
 * state (their errors name looked-up values) is the pipeline organisation's.
 */
export async function computeStats(app: App, range: 'all' | keyof typeof RANGES, scope: OrgScope): Promise<Stats> {
  const db = app.repo.db;
  const now = app.clock.now().getTime();
  const open = sql.join(OPEN_STATUSES.map((s) => sql`${s}`), sql`, `);
  const [totals] = await rows<Record<string, number>>(
    db,
    sql`select (select count(*) from alerts a where ${scope.ownsAlias('a')})::int as alerts, (select count(*) from cases c where ${scope.ownsAlias('c')})::int as cases,
      (select count(*) from cases c where ${scope.ownsAlias('c')} and status in (${open}))::int as open_cases,
      (select count(distinct co.observable_id) from case_observables co join cases c on c.id = co.case_id where ${scope.ownsAlias('c')})::int as observables,
      (select count(*) from indicators)::int as indicators, (select count(*) from feeds)::int as feeds,
      (select min(time) from alerts a where ${scope.ownsAlias('a')}) as min_time, (select max(time) from alerts a where ${scope.ownsAlias('a')}) as max_time`,
  );
  const bySev = { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 };
  const byStatus: Record<string, number> = {};
  for (const r of await rows<{ status: string; severity: string; n: number }>(db, sql`select status, severity, count(*)::int as n from cases c where ${scope.ownsAlias('c')} group by status, severity`)) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + Number(r.n);
    if (OPEN_STATUSES.includes(r.status) && r.severity in bySev) bySev[r.severity as keyof typeof bySev] += Number(r.n);
  }

  // "all" spans the data (demo and replayed alerts carry their own times); the others end now.
  const maxT = totals?.['max_time'] ? Date.parse(iso(totals['max_time'])) : undefined;
  const minT = totals?.['min_time'] ? Date.parse(iso(totals['min_time'])) : undefined;
  let from: number | undefined;
  let to: number | undefined;
  if (range === 'all') {
    from = minT;
    to = maxT;
  } else {
    to = now;
    from = now - RANGES[range];
  }
  const bucketS = from !== undefined && to !== undefined ? bucketFor(Math.max(to - from, 60_000)) : 3600;
  const buckets: Stats['alertsOverTime']['buckets'] = [];
  if (from !== undefined && to !== undefined) {
    const first = Math.floor(from / 1000 / bucketS);
    const last = Math.floor(to / 1000 / bucketS);
    for (let b = first; b <= last; b++) buckets.push({ start: new Date(b * bucketS * 1000).toISOString(), total: 0, LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 });
    const counts = await rows<{ b: number; severity: string; n: number }>(
      db,
      sql`select floor(extract(epoch from time) / ${bucketS})::bigint as b, severity, count(*)::int as n from alerts a
        where ${scope.ownsAlias('a')} and time >= ${new Date(first * bucketS * 1000).toISOString()}::timestamptz and time < ${new Date((last + 1) * bucketS * 1000).toISOString()}::timestamptz
        group by 1, 2`,
    );
    for (const c of counts) {
      const slot = buckets[Number(c.b) - first];
      if (!slot) continue;
      slot.total += Number(c.n);
      if ((SEVERITIES as readonly string[]).includes(c.severity)) slot[c.severity as keyof typeof bySev] += Number(c.n);
    }
  }

  const ctx = sql.join(CONTEXT_TYPES.map((s) => sql`${s}`), sql`, `);
  const topObservables = await rows<{ type: string; value: string; verdict: string | null; risk_score: number | null; cases: number }>(
    db,
    sql`select o.type, o.value, o.verdict, o.risk_score, count(co.case_id)::int as cases from observables o
      join case_observables co on co.observable_id = o.id
      join cases c on c.id = co.case_id and ${scope.ownsAlias('c')}
      where o.type not in (${ctx}) and coalesce(o.scope, 'public') = 'public'
      group by o.id, o.type, o.value, o.verdict, o.risk_score
      order by count(co.case_id) desc, o.risk_score desc nulls last, o.value limit 10`,
  );
  // Alerts per observable from the stored alert documents would cost a scan; cases are what analysts count.
  const topRules = await rows<{ rule_id: string; source: string; title: string; alerts: number; max_sev: number }>(
    db,
    sql`select rule_id, source, min(title) as title, count(*)::int as alerts,
      max(case severity when 'CRITICAL' then 3 when 'HIGH' then 2 when 'MEDIUM' then 1 else 0 end)::int as max_sev
      from alerts a where ${scope.ownsAlias('a')} group by rule_id, source order by count(*) desc, rule_id limit 10`,
  );
  const runs = await rows<{ id: string; playbook: string; number: number | null; status: string; dry_run: boolean; started_at: string; finished_at: string | null; error: string | null }>(
    db,
    sql`select r.id, r.playbook, c.number, r.status, r.dry_run, r.started_at, r.finished_at, r.error from playbook_runs r
      join cases c on c.id = r.case_id where ${scope.ownsAlias('c')} order by r.started_at desc, r.id limit 10`,
  );
  const [pending] = await rows<{ n: number }>(db, sql`select count(*)::int as n from approvals a join cases c on c.id = a.case_id where a.status = 'pending' and ${scope.ownsAlias('c')}`);
  const notifications: Record<string, number> = {};
  for (const r of await rows<{ status: string; n: number }>(db, sql`select nt.status, count(*)::int as n from notifications nt join cases c on c.id = nt.case_id where ${scope.ownsAlias('c')} group by nt.status`)) notifications[r.status] = Number(r.n);

  return {
    generatedAt: new Date(now).toISOString(),
    totals: {
      alerts: Number(totals?.['alerts'] ?? 0),
      cases: Number(totals?.['cases'] ?? 0),
      openCases: Number(totals?.['open_cases'] ?? 0),
      observables: Number(totals?.['observables'] ?? 0),
      indicators: Number(totals?.['indicators'] ?? 0),
      feeds: Number(totals?.['feeds'] ?? 0),
    },
    openCasesBySeverity: bySev,
    casesByStatus: byStatus,
    alertsOverTime: { range, bucketSeconds: bucketS, from: from !== undefined ? new Date(from).toISOString() : null, to: to !== undefined ? new Date(to).toISOString() : null, buckets },
    topObservables: topObservables.map((o) => ({ type: o.type, value: o.value, verdict: o.verdict, riskScore: o.risk_score === null ? null : Number(o.risk_score), cases: Number(o.cases) })),
    topRules: topRules.map((r) => ({ ruleId: r.rule_id, source: r.source, title: r.title, alerts: Number(r.alerts), maxSeverity: SEVERITIES[Number(r.max_sev)] ?? 'LOW' })),
    providers: scope.pipelineOnly(app.intel.status().map((p) => ({ ...p, ...(p.calls && { calls: { ...p.calls } as Record<string, number> }) })) as Stats['providers'], []),
    playbookRuns: runs.map((r) => ({ id: r.id, playbook: r.playbook, caseNumber: r.number === null ? null : Number(r.number), status: r.status, dryRun: Boolean(r.dry_run), startedAt: iso(r.started_at), finishedAt: r.finished_at ? iso(r.finished_at) : null, error: r.error })),
    pendingApprovals: Number(pending?.n ?? 0),
    notifications,
  };
}

export function registerStats(server: FastifyInstance, app: App): void {
  server.withTypeProvider<ZodTypeProvider>().get(
    '/api/stats',
    {
      schema: {
        summary: 'Dashboard numbers: open cases by severity, alerts over time, top observables and rules, intel provider health and quota, recent playbook runs',
        tags: ['ui'],
        querystring: z.object({ range: z.enum(['all', '24h', '7d', '30d']).default('all').describe('Window of the alerts chart: all (the span of the stored alerts) or the last 24h/7d/30d') }),
        response: { 200: StatsResponse },
      },
    },
    async (req) => computeStats(app, req.query.range, scopeOf(req)),
  );
}
