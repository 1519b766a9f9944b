// GET /api/alerts (filters, paging), GET /api/alerts/:id, GET /api/observables (top, search).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, asc, count, desc, eq, gte, ilike, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { App } from '../../app.js';
import { VigilError } from '../../core/errors.js';
import { OBSERVABLE_TYPES, SEVERITIES, Verdict } from '../../core/types.js';
import * as t from '../../store/schema.js';
import { ALERT_LIST_COLUMNS } from '../../store/repo.js';
import { scopeOf } from '../../store/scope.js';
import { containsPattern, csv, ErrorBody, Paging, rows } from './common.js';

export const AlertRow = z.object({
  id: z.string(),
  source: z.string(),
  sourceRef: z.string(),
  time: z.string(),
  title: z.string(),
  ruleId: z.string(),
  ruleLevel: z.number(),
  host: z.string(),
  severity: z.string(),
  score: z.number(),
  caseNumber: z.number().nullable(),
  ingestedAt: z.string(),
});

const ObservableRow = z.object({
  type: z.string(),
  value: z.string(),
  scope: z.string().nullable(),
  verdict: z.string().nullable(),
  riskScore: z.number().nullable(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  cases: z.number(),
  caseNumbers: z.array(z.number()).describe('Up to 10 case numbers, newest first'),
});

/** What an alert row shows (with its case number, through a join on cases). */
const ALERT_COLUMNS = {
  ...ALERT_LIST_COLUMNS,
  caseNumber: t.cases.number,
  ingestedAt: t.alerts.ingestedAt,
};

export function registerAlerts(server: FastifyInstance, app: App): void {
  const s = server.withTypeProvider<ZodTypeProvider>();
  const db = app.repo.db;

  s.get(
    '/api/alerts',
    {
      schema: {
        summary: 'Alerts, newest first, with filters',
        tags: ['ui'],
        querystring: z.object({
          q: z.string().max(200).optional().describe('Text in the title, host, rule id or source id'),
          severity: csv(SEVERITIES).optional().describe('Comma-separated: HIGH,CRITICAL'),
          source: z.string().max(100).optional(),
          host: z.string().max(300).optional(),
          rule: z.string().max(200).optional().describe('Rule id'),
          case: z.coerce.number().int().min(1).optional().describe('Case number'),
          since: z.iso.datetime({ offset: true }).optional(),
          until: z.iso.datetime({ offset: true }).optional(),
          ...Paging,
        }),
        response: { 200: z.object({ total: z.number(), alerts: z.array(AlertRow) }) },
      },
    },
    async (req) => {
      const q = req.query;
      const scope = scopeOf(req);
      const where: SQL[] = [scope.owns(t.alerts.org)];
      if (q.q?.trim()) {
        const p = containsPattern(q.q.trim());
        where.push(or(ilike(t.alerts.title, p), ilike(t.alerts.host, p), ilike(t.alerts.ruleId, p), ilike(t.alerts.sourceRef, p))!);
      }
      if (q.severity?.length) where.push(inArray(t.alerts.severity, q.severity));
      if (q.source) where.push(eq(t.alerts.source, q.source));
      if (q.host) where.push(eq(t.alerts.host, q.host));
      if (q.rule) where.push(eq(t.alerts.ruleId, q.rule));
      if (q.since) where.push(gte(t.alerts.time, new Date(q.since).toISOString()));
      if (q.until) where.push(lte(t.alerts.time, new Date(q.until).toISOString()));
      if (q.case !== undefined) {
        const [c] = await db.select({ id: t.cases.id }).from(t.cases).where(and(eq(t.cases.number, q.case), scope.owns(t.cases.org)));
        where.push(c ? eq(t.alerts.caseId, c.id) : sql`false`);
      }
      const cond = and(...where);
      const [total] = await db.select({ n: count() }).from(t.alerts).where(cond);
      const list = await db
        .select(ALERT_COLUMNS)
        .from(t.alerts)
        .leftJoin(t.cases, eq(t.cases.id, t.alerts.caseId))
        .where(cond)
        .orderBy(desc(t.alerts.time), asc(t.alerts.id))
        .limit(q.limit)
        .offset(q.offset);
      return { total: Number(total?.n ?? 0), alerts: list };
    },
  );

  s.get(
    '/api/alerts/:id',
    {
      schema: {
        summary: 'One alert as stored: the normalized alert with its observables and the raw record',
        tags: ['ui'],
        params: z.object({ id: z.string().min(1).max(200) }),
        response: { 200: z.object({ alert: AlertRow, data: z.unknown() }), 404: ErrorBody },
      },
    },
    async (req) => {
      const [a] = await db
        .select({ ...ALERT_COLUMNS, data: t.alerts.data })
        .from(t.alerts)
        .leftJoin(t.cases, eq(t.cases.id, t.alerts.caseId))
        .where(and(eq(t.alerts.id, req.params.id), scopeOf(req).owns(t.alerts.org)));
      if (!a) throw new VigilError('VIGIL_INPUT_NOT_FOUND', `there is no alert ${req.params.id}`, { field: 'id' });
      const { data, ...alert } = a;
      return { alert, data };
    },
  );

  s.get(
    '/api/observables',
    {
      schema: {
        summary: 'Observables seen in cases: the most shared first (sort=cases), the riskiest, or the latest; with search',
        tags: ['ui'],
        querystring: z.object({
          q: z.string().max(300).optional().describe('Text in the value'),
          type: csv(OBSERVABLE_TYPES).optional(),
          verdict: csv(Verdict.options).optional(),
          sort: z.enum(['cases', 'risk', 'recent']).default('cases'),
          ...Paging,
        }),
        response: { 200: z.object({ total: z.number(), observables: z.array(ObservableRow) }) },
      },
    },
    async (req) => {
      const q = req.query;
      const scope = scopeOf(req);
      // Observables are shared; a key sees those that appear in its organisation's cases.
      const where: SQL[] = [sql`exists (select 1 from case_observables x where x.observable_id = o.id and ${scope.caseIn(sql`x.case_id`)})`];
      if (q.q?.trim()) where.push(sql`o.value ilike ${containsPattern(q.q.trim().toLowerCase())}`);
      if (q.type?.length) where.push(sql`o.type in (${sql.join(q.type.map((x) => sql`${x}`), sql`, `)})`);
      if (q.verdict?.length) where.push(sql`coalesce(o.verdict, 'unknown') in (${sql.join(q.verdict.map((x) => sql`${x}`), sql`, `)})`);
      const cond = sql.join(where, sql` and `);
      const order = q.sort === 'risk' ? sql`o.risk_score desc nulls last, cases desc` : q.sort === 'recent' ? sql`o.last_seen desc` : sql`cases desc, o.risk_score desc nulls last`;
      const [total] = await rows<{ n: number }>(db, sql`select count(*)::int as n from observables o where ${cond}`);
      const list = await rows<{ type: string; value: string; scope: string | null; verdict: string | null; risk_score: number | null; first_seen: string; last_seen: string; cases: number; numbers: number[] | null }>(
        db,
        sql`select o.type, o.value, o.scope, o.verdict, o.risk_score, o.first_seen, o.last_seen,
          count(c.id)::int as cases, (array_agg(c.number order by c.number desc) filter (where c.id is not null))[1:10] as numbers
          from observables o
          left join case_observables co on co.observable_id = o.id
          left join cases c on c.id = co.case_id and ${scope.ownsAlias('c')}
          where ${cond}
          group by o.id, o.type, o.value, o.scope, o.verdict, o.risk_score, o.first_seen, o.last_seen
          order by ${order}, o.value limit ${q.limit} offset ${q.offset}`,
      );
      return {
        total: Number(total?.n ?? 0),
        observables: list.map((o) => ({
          type: o.type,
          value: o.value,
          scope: o.scope,
          verdict: o.verdict,
          riskScore: o.risk_score === null ? null : Number(o.risk_score),
          firstSeen: new Date(o.first_seen).toISOString(),
          lastSeen: new Date(o.last_seen).toISOString(),
          cases: Number(o.cases),
          caseNumbers: (o.numbers ?? []).map(Number),
        })),
      };
    },
  );
}
