// A case's alerts, observables and timeline, however many: each a list paged by cursor with the
// true total, and the alerts grouped by rule with counts. The case itself (GET /api/cases/:number)
// stays a report with a window of each list; these are what the case page pages through.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { and, count, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { App } from '../../app.js';
import { VigilError } from '../../core/errors.js';
import { SEVERITIES } from '../../core/types.js';
import { ALERT_LIST_COLUMNS } from '../../store/repo.js';
import * as t from '../../store/schema.js';
import { AlertRow } from './alerts.js';
import { caseOf } from './cases.js';
import { ErrorBody, Paging, rows } from './common.js';

const Params = z.object({ number: z.coerce.number().int().min(1) });
const iso = (v: unknown): string => new Date(v as string).toISOString();

/** Opaque to clients: the sort key of the last item of the page, as the store compares it. */
const Cursor = z.string().max(400).optional().describe('`nextCursor` of the previous page; absent for the first page');
const Limit = z.coerce.number().int().min(1).max(500).default(50);
const Page = { total: z.number().describe('How many there are in all (with the filter)'), nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page') };

function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The key a cursor carries, checked against the shape this list writes; anything else is a 400 naming `cursor`. */
function decodeCursor<T extends z.ZodType>(cursor: string | undefined, shape: T): z.infer<T> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = shape.safeParse(value);
  if (!parsed.success) throw new VigilError('VIGIL_INPUT_INVALID', 'cursor is not one this list handed out; start again without it', { field: 'cursor' });
  return parsed.data;
}

/** A page of `limit` from `limit + 1` rows read: the extra row only says there is a next page. */
function page<R>(read: R[], limit: number, key: (last: R) => unknown[]): { items: R[]; nextCursor: string | null } {
  const items = read.slice(0, limit);
  return { items, nextCursor: read.length > limit ? encodeCursor(key(items.at(-1)!)) : null };
}

const SEVERITY_RANK = sql`case a.severity when 'CRITICAL' then 3 when 'HIGH' then 2 when 'MEDIUM' then 1 else 0 end`;
const severityOfRank = (n: unknown): string => SEVERITIES[Number(n)] ?? 'LOW';

const CaseAlertRow = AlertRow.omit({ caseNumber: true, ingestedAt: true }).extend({
  hostRole: z.string().optional().describe('`sensor`: a network sensor that saw the traffic rather than the asset itself'),
});

const RuleGroup = z.object({
  source: z.string(),
  ruleId: z.string(),
  title: z.string(),
  ruleLevel: z.number().describe('Highest level among its alerts'),
  severity: z.string().describe('Most severe among its alerts'),
  alerts: z.number(),
  hosts: z.number().describe('Distinct hosts among its alerts'),
  firstAt: z.string(),
  lastAt: z.string(),
});

const ObservableRow = z.object({
  type: z.string(),
  value: z.string(),
  scope: z.string().optional(),
  role: z.string().optional(),
  risk: z.object({ score: z.number(), verdict: z.string() }).optional().describe('Unified risk over all providers'),
  intel: z.array(z.unknown()).describe('Each provider\'s latest answer'),
  provenance: z
    .object({ field: z.string().optional(), layers: z.array(z.string()).optional(), wrapper: z.string().optional() })
    .optional()
    .describe('How the case got it when it was not written plainly: the field, the decoding layers (powershell-enc, safelinks, …), the wrapping link'),
});

const TimelineRow = z.object({ id: z.number(), at: z.string(), kind: z.string(), message: z.string(), actor: z.string() });

export function registerCaseLists(server: FastifyInstance, app: App): void {
  const s = server.withTypeProvider<ZodTypeProvider>();
  const db = app.repo.db;

  s.get(
    '/api/cases/:number/alerts',
    {
      schema: {
        summary: 'A case\'s alerts, newest first, paged by cursor; with source and ruleId, only that rule\'s',
        tags: ['ui'],
        params: Params,
        querystring: z.object({ limit: Limit, cursor: Cursor, source: z.string().max(100).optional(), ruleId: z.string().max(200).optional() }),
        response: { 200: z.object({ ...Page, alerts: z.array(CaseAlertRow) }), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const c = await caseOf(app, req, req.params.number);
      const q = req.query;
      const filter = and(eq(t.alerts.caseId, c.id), q.source === undefined ? undefined : eq(t.alerts.source, q.source), q.ruleId === undefined ? undefined : eq(t.alerts.ruleId, q.ruleId));
      const after = decodeCursor(q.cursor, z.tuple([z.string().max(40), z.string().max(200)]));
      const [counted] = await db.select({ n: count() }).from(t.alerts).where(filter);
      const read = await db
        .select({
          ...ALERT_LIST_COLUMNS,
          hostRole: sql<string | null>`${t.alerts.data}->'host'->>'role'`,
          // The stored time to the microsecond: a cursor made from the ISO string of a Date would round it.
          timeKey: sql<string>`to_char(${t.alerts.time} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        })
        .from(t.alerts)
        .where(after ? and(filter, sql`(${t.alerts.time}, ${t.alerts.id}) < (${after[0]}::timestamptz, ${after[1]})`) : filter)
        .orderBy(desc(t.alerts.time), desc(t.alerts.id))
        .limit(q.limit + 1);
      const { items, nextCursor } = page(read, q.limit, (r) => [r.timeKey, r.id]);
      return { total: Number(counted?.n ?? 0), nextCursor, alerts: items.map(({ timeKey: _key, hostRole, ...a }) => ({ ...a, ...(hostRole && { hostRole }) })) };
    },
  );

  s.get(
    '/api/cases/:number/alerts/by-rule',
    {
      schema: {
        summary: 'A case\'s alerts grouped by rule: how many each rule raised, on how many hosts, when; the most frequent first',
        tags: ['ui'],
        params: Params,
        querystring: z.object({ ...Paging }),
        response: { 200: z.object({ alerts: z.number(), total: z.number().describe('How many rules in all'), groups: z.array(RuleGroup) }), 404: ErrorBody },
      },
    },
    async (req) => {
      const c = await caseOf(app, req, req.params.number);
      const [count] = await rows<{ alerts: number; groups: number }>(db, sql`select count(*)::int as alerts, count(distinct (a.source, a.rule_id))::int as groups from alerts a where a.case_id = ${c.id}`);
      const groups = await rows<Record<string, unknown>>(
        db,
        sql`select a.source, a.rule_id, min(a.title) as title, max(a.rule_level) as rule_level, max(${SEVERITY_RANK}) as severity, count(*)::int as n,
          count(distinct a.host)::int as hosts, min(a.time) as first_at, max(a.time) as last_at
          from alerts a where a.case_id = ${c.id} group by a.source, a.rule_id
          order by n desc, a.source, a.rule_id limit ${req.query.limit} offset ${req.query.offset}`,
      );
      return {
        alerts: Number(count?.alerts ?? 0),
        total: Number(count?.groups ?? 0),
        groups: groups.map((g) => ({
          source: String(g['source']),
          ruleId: String(g['rule_id']),
          title: String(g['title']),
          ruleLevel: Number(g['rule_level']),
          severity: severityOfRank(g['severity']),
          alerts: Number(g['n']),
          hosts: Number(g['hosts']),
          firstAt: iso(g['first_at']),
          lastAt: iso(g['last_at']),
        })),
      };
    },
  );

  s.get(
    '/api/cases/:number/observables',
    {
      schema: {
        summary: 'A case\'s observables, paged by cursor: malicious and suspicious first, then by risk',
        tags: ['ui'],
        params: Params,
        querystring: z.object({ limit: Limit, cursor: Cursor }),
        response: { 200: z.object({ ...Page, observables: z.array(ObservableRow) }), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const c = await caseOf(app, req, req.params.number);
      const q = req.query;
      const flagged = sql`coalesce(o.verdict in ('malicious', 'suspicious'), false)`;
      const risk = sql`coalesce(o.risk_score, -1)`;
      const after = decodeCursor(q.cursor, z.tuple([z.boolean(), z.string().max(40), z.string().max(200)]));
      // The risk key as the store prints it: a real read into a double and back would not compare equal.
      const keyed = after
        ? sql` and (${flagged} < ${after[0]} or (${flagged} = ${after[0]} and (${risk} < ${after[1]}::real or (${risk} = ${after[1]}::real and o.id > ${after[2]}))))`
        : sql``;
      const [count] = await rows<{ n: number }>(db, sql`select count(*)::int as n from case_observables where case_id = ${c.id}`);
      const read = await rows<Record<string, unknown>>(
        db,
        sql`select o.id, o.type, o.value, o.scope, o.risk_score, o.verdict, o.intel, co.role, co.provenance, ${flagged} as flagged, ${risk}::text as risk_key
          from case_observables co join observables o on o.id = co.observable_id
          where co.case_id = ${c.id}${keyed} order by ${flagged} desc, ${risk} desc, o.id limit ${q.limit + 1}`,
      );
      const { items, nextCursor } = page(read, q.limit, (r) => [Boolean(r['flagged']), r['risk_key'], r['id']]);
      return {
        total: Number(count?.n ?? 0),
        nextCursor,
        observables: items.map((o) => ({
          type: String(o['type']),
          value: String(o['value']),
          ...(typeof o['scope'] === 'string' && { scope: o['scope'] }),
          ...(typeof o['role'] === 'string' && { role: o['role'] }),
          ...(o['risk_score'] !== null && typeof o['verdict'] === 'string' && { risk: { score: Number(o['risk_score']), verdict: o['verdict'] } }),
          intel: Array.isArray(o['intel']) ? o['intel'] : [],
          ...(o['provenance'] !== null && typeof o['provenance'] === 'object' && { provenance: o['provenance'] as { field?: string; layers?: string[]; wrapper?: string } }),
        })),
      };
    },
  );

  s.get(
    '/api/cases/:number/timeline',
    {
      schema: {
        summary: 'A case\'s timeline (every change, by whom), newest first, paged by cursor',
        tags: ['ui'],
        params: Params,
        querystring: z.object({ limit: Limit, cursor: Cursor }),
        response: { 200: z.object({ ...Page, entries: z.array(TimelineRow) }), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const c = await caseOf(app, req, req.params.number);
      const q = req.query;
      const after = decodeCursor(q.cursor, z.tuple([z.number().int()]));
      const [count] = await rows<{ n: number }>(db, sql`select count(*)::int as n from audit_log where case_id = ${c.id}`);
      const read = await rows<Record<string, unknown>>(
        db,
        sql`select id, at, kind, message, actor from audit_log where case_id = ${c.id}${after ? sql` and id < ${after[0]}` : sql``} order by id desc limit ${q.limit + 1}`,
      );
      const { items, nextCursor } = page(read, q.limit, (r) => [Number(r['id'])]);
      return {
        total: Number(count?.n ?? 0),
        nextCursor,
        entries: items.map((e) => ({ id: Number(e['id']), at: iso(e['at']), kind: String(e['kind']), message: String(e['message']), actor: String(e['actor']) })),
      };
    },
  );
}
