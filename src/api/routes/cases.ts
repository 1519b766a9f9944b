// The case page's work: list with filters, status change and close, tasks (status, logs), comments,
// and the case's playbook runs and pending approvals. Changes go through the case service (the one
// behind the TheHive API), so they obey the same organisation checks and land on the timeline the
// same way, naming the API key that made them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { App } from '../../app.js';
import type { Actor } from '../../cases/service.js';
import { VigilError } from '../../core/errors.js';
import { CaseStatus, SEVERITIES, TaskStatus } from '../../core/types.js';
import { OPEN_STATUSES } from '../../store/repo.js';
import { scopeOf } from '../../store/scope.js';
import { caseServiceFor } from '../thehive/index.js';
import { CaseSummary, containsPattern, csv, ErrorBody, Paging, rows } from './common.js';

const MAX_TEXT = 20_000;

const CaseRow = CaseSummary.extend({
  updatedAt: z.string(),
  tags: z.array(z.string()),
  openTasks: z.number(),
  pendingApprovals: z.number(),
});

const Note = z.object({ id: z.string(), message: z.string(), createdBy: z.string(), createdAt: z.string() });
const Params = z.object({ number: z.coerce.number().int().min(1) });
const TaskParams = Params.extend({ taskId: z.string().min(1).max(200) });
const iso = (v: unknown): string => new Date(v as string).toISOString();

function actor(req: FastifyRequest): Actor {
  const k = req.apiKey!;
  return { name: k.name, org: k.org, role: k.role };
}

/** The case of the key's organisation with this number, or a 404 naming it. */
export async function caseOf(app: App, req: FastifyRequest, n: number): Promise<{ id: string; status: string; number: number }> {
  try {
    return await caseServiceFor(app).case(actor(req), String(n));
  } catch (e) {
    if (e instanceof VigilError && e.code === 'VIGIL_INPUT_NOT_FOUND') throw new VigilError('VIGIL_INPUT_NOT_FOUND', `there is no case #${n}`, { field: 'number' });
    throw e;
  }
}

/** A task of that case (a task id of another case is a 404 here, whatever it is elsewhere). */
async function taskOf(app: App, req: FastifyRequest, n: number, taskId: string): Promise<{ id: string; title: string; status: string }> {
  const c = await caseOf(app, req, n);
  let found: Awaited<ReturnType<ReturnType<typeof caseServiceFor>['task']>> | undefined;
  try {
    found = await caseServiceFor(app).task(actor(req), taskId);
  } catch (e) {
    if (!(e instanceof VigilError && e.code === 'VIGIL_INPUT_NOT_FOUND')) throw e;
  }
  if (!found || found.case.id !== c.id) throw new VigilError('VIGIL_INPUT_NOT_FOUND', `case #${n} has no task ${taskId}`, { field: 'taskId' });
  return found.task;
}

export function registerCaseWork(server: FastifyInstance, app: App): void {
  const s = server.withTypeProvider<ZodTypeProvider>();
  const db = app.repo.db;

  s.get(
    '/api/cases/search',
    {
      schema: {
        summary: 'Cases with filters and search (the case list of the web UI)',
        tags: ['ui'],
        querystring: z.object({
          q: z.string().max(200).optional().describe('Text in the title or summary, or #number'),
          status: z.union([z.enum(['open', 'closed']), csv(CaseStatus.options)]).optional().describe('open, closed, or statuses comma-separated'),
          severity: csv(SEVERITIES).optional(),
          sort: z.enum(['updated', 'number', 'severity']).default('updated'),
          ...Paging,
        }),
        response: { 200: z.object({ total: z.number(), cases: z.array(CaseRow) }) },
      },
    },
    async (req) => {
      const q = req.query;
      const where: SQL[] = [scopeOf(req).ownsAlias('c')];
      const text = q.q?.trim();
      if (text) {
        const num = /^#?(\d{1,9})$/.exec(text);
        where.push(num ? sql`c.number = ${Number(num[1])}` : sql`(c.title ilike ${containsPattern(text)} or c.summary ilike ${containsPattern(text)})`);
      }
      const open = sql.join(OPEN_STATUSES.map((x) => sql`${x}`), sql`, `);
      if (q.status === 'open') where.push(sql`c.status in (${open})`);
      else if (q.status === 'closed') where.push(sql`c.status not in (${open})`);
      else if (Array.isArray(q.status) && q.status.length) where.push(sql`c.status in (${sql.join(q.status.map((x) => sql`${x}`), sql`, `)})`);
      if (q.severity?.length) where.push(sql`c.severity in (${sql.join(q.severity.map((x) => sql`${x}`), sql`, `)})`);
      const cond = sql.join(where, sql` and `);
      const order =
        q.sort === 'number'
          ? sql`c.number desc`
          : q.sort === 'severity'
            ? sql`case c.severity when 'CRITICAL' then 3 when 'HIGH' then 2 when 'MEDIUM' then 1 else 0 end desc, c.score desc, c.number desc`
            : sql`c.updated_at desc, c.number desc`;
      const [total] = await rows<{ n: number }>(db, sql`select count(*)::int as n from cases c where ${cond}`);
      const list = await rows<Record<string, unknown>>(
        db,
        sql`select c.id, c.number, c.title, c.status, c.severity, c.score, c.alert_count, c.first_alert_at, c.last_alert_at, c.updated_at, c.tags,
          (select count(*) from tasks t where t.case_id = c.id and t.status in ('Waiting', 'InProgress'))::int as open_tasks,
          (select count(*) from approvals a where a.case_id = c.id and a.status = 'pending')::int as pending
          from cases c where ${cond} order by ${order} limit ${q.limit} offset ${q.offset}`,
      );
      return {
        total: Number(total?.n ?? 0),
        cases: list.map((c) => ({
          id: String(c['id']),
          number: Number(c['number']),
          title: String(c['title']),
          status: String(c['status']),
          severity: String(c['severity']),
          score: Number(c['score']),
          alertCount: Number(c['alert_count']),
          firstAlertAt: iso(c['first_alert_at']),
          lastAlertAt: iso(c['last_alert_at']),
          updatedAt: iso(c['updated_at']),
          tags: (c['tags'] as string[] | null) ?? [],
          openTasks: Number(c['open_tasks']),
          pendingApprovals: Number(c['pending']),
        })),
      };
    },
  );

  s.patch(
    '/api/cases/:number',
    {
      schema: {
        summary: 'Change a case\'s status (close it with a resolution: TruePositive, FalsePositive, Indeterminate, Other, Duplicated; reopen with New or InProgress)',
        tags: ['ui'],
        params: Params,
        body: z.object({ status: CaseStatus, reason: z.string().max(MAX_TEXT).optional().describe('Why, for the timeline') }),
        response: { 200: z.object({ number: z.number(), status: z.string(), previous: z.string() }), 404: ErrorBody },
      },
    },
    async (req) => {
      const c = await caseOf(app, req, req.params.number);
      const { status, reason } = req.body;
      const svc = caseServiceFor(app);
      // The service also tells the pipeline, so a closed case stops collecting alerts.
      if (c.status !== status) await svc.updateCase(actor(req), c.id, { status });
      if (reason?.trim()) await svc.addComment(actor(req), 'case', c.id, { message: `${OPEN_STATUSES.includes(status) ? 'Set to' : 'Closed as'} ${status}: ${reason.trim()}` });
      return { number: req.params.number, status, previous: c.status };
    },
  );

  s.patch(
    '/api/cases/:number/tasks/:taskId',
    {
      schema: {
        summary: 'Change a task\'s status (Waiting, InProgress, Completed, Cancel)',
        tags: ['ui'],
        params: TaskParams,
        body: z.object({ status: TaskStatus }),
        response: { 200: z.object({ id: z.string(), status: z.string(), previous: z.string() }), 404: ErrorBody },
      },
    },
    async (req) => {
      const t = await taskOf(app, req, req.params.number, req.params.taskId);
      const { status } = req.body;
      if (t.status !== status) await caseServiceFor(app).updateTask(actor(req), t.id, { status });
      return { id: t.id, status, previous: t.status };
    },
  );

  s.get(
    '/api/cases/:number/tasks/:taskId/logs',
    { schema: { summary: 'A task\'s logs, oldest first', tags: ['ui'], params: TaskParams, response: { 200: z.object({ logs: z.array(Note) }), 404: ErrorBody } } },
    async (req) => {
      const t = await taskOf(app, req, req.params.number, req.params.taskId);
      const list = await caseServiceFor(app).logsOfTask(t.id);
      return { logs: list.map((l) => ({ id: l.id, message: l.message, createdBy: l.createdBy, createdAt: l.createdAt })) };
    },
  );

  s.post(
    '/api/cases/:number/tasks/:taskId/logs',
    {
      schema: {
        summary: 'Add a log to a task (what was done, what was found)',
        tags: ['ui'],
        params: TaskParams,
        body: z.object({ message: z.string().trim().min(1).max(MAX_TEXT) }),
        response: { 201: Note, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const t = await taskOf(app, req, req.params.number, req.params.taskId);
      const l = await caseServiceFor(app).addLog(actor(req), t.id, { message: req.body.message });
      return reply.status(201).send({ id: l.id, message: l.message, createdBy: l.createdBy, createdAt: l.createdAt });
    },
  );

  s.get(
    '/api/cases/:number/comments',
    { schema: { summary: 'A case\'s comments, oldest first', tags: ['ui'], params: Params, response: { 200: z.object({ comments: z.array(Note) }), 404: ErrorBody } } },
    async (req) => {
      const c = await caseOf(app, req, req.params.number);
      const list = await rows<{ id: string; message: string; created_by: string; created_at: string }>(db, sql`select id, message, created_by, created_at from comments where parent_kind = 'case' and parent_id = ${c.id} order by created_at, id`);
      return { comments: list.map((l) => ({ id: l.id, message: l.message, createdBy: l.created_by, createdAt: iso(l.created_at) })) };
    },
  );

  s.post(
    '/api/cases/:number/comments',
    {
      schema: {
        summary: 'Comment on a case',
        tags: ['ui'],
        params: Params,
        body: z.object({ message: z.string().trim().min(1).max(MAX_TEXT) }),
        response: { 201: Note, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const c = await caseOf(app, req, req.params.number);
      const m = await caseServiceFor(app).addComment(actor(req), 'case', c.id, { message: req.body.message });
      return reply.status(201).send({ id: m.id, message: m.message, createdBy: m.createdBy, createdAt: m.createdAt });
    },
  );

  const Approval = z.object({ id: z.string(), runId: z.string(), stepId: z.string(), status: z.string(), message: z.string(), requestedAt: z.string(), expiresAt: z.string(), decidedBy: z.string().nullable(), decidedAt: z.string().nullable(), reason: z.string().nullable() });
  const Run = z.object({ id: z.string(), playbook: z.string(), trigger: z.string(), status: z.string(), dryRun: z.boolean(), startedAt: z.string(), finishedAt: z.string().nullable(), error: z.string().nullable(), steps: z.unknown() });
  s.get(
    '/api/cases/:number/playbooks',
    {
      schema: {
        summary: 'The case\'s playbook runs (newest first) with their steps, and its approvals (pending first); approve or reject with POST /api/playbooks/runs/{id}/approve|reject',
        tags: ['ui'],
        params: Params,
        response: { 200: z.object({ runs: z.array(Run), approvals: z.array(Approval) }), 404: ErrorBody },
      },
    },
    async (req) => {
      const c = await caseOf(app, req, req.params.number);
      const runs = await rows<Record<string, unknown>>(db, sql`select id, playbook, trigger, status, dry_run, started_at, finished_at, error, steps from playbook_runs where case_id = ${c.id} order by started_at desc, id limit 100`);
      const approvals = await rows<Record<string, unknown>>(
        db,
        sql`select id, run_id, step_id, status, message, requested_at, expires_at, decided_by, decided_at, reason from approvals where case_id = ${c.id}
          order by (status = 'pending') desc, requested_at desc limit 100`,
      );
      return {
        runs: runs.map((r) => ({
          id: String(r['id']),
          playbook: String(r['playbook']),
          trigger: String(r['trigger']),
          status: String(r['status']),
          dryRun: Boolean(r['dry_run']),
          startedAt: iso(r['started_at']),
          finishedAt: r['finished_at'] ? iso(r['finished_at']) : null,
          error: (r['error'] as string | null) ?? null,
          steps: r['steps'] ?? [],
        })),
        approvals: approvals.map((a) => ({
          id: String(a['id']),
          runId: String(a['run_id']),
          stepId: String(a['step_id']),
          status: String(a['status']),
          message: String(a['message'] ?? ''),
          requestedAt: iso(a['requested_at']),
          expiresAt: iso(a['expires_at']),
          decidedBy: (a['decided_by'] as string | null) ?? null,
          decidedAt: a['decided_at'] ? iso(a['decided_at']) : null,
          reason: (a['reason'] as string | null) ?? null,
        })),
      };
    },
  );
}
