// TheHive v1 API, mounted under `thehive.prefix` (default /thehive), so TheHive4py scripts and
// Shuffle/n8n/Wazuh integrations configured with `http://HOST:PORT/thehive` work against Vigil.
// Authentication is Vigil's (`Authorization: Bearer vgl_…`, checked by the server's hook); the key's
// organisation scopes everything, and `X-Organisation` may only name that organisation.
import { and, eq, inArray } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../app.js';
import { formatIssue } from '../../core/errors.js';
import { CaseError, invalid } from '../../cases/errors.js';
import { causeLine, httpErrorOf } from '../errors.js';
import type { HiveKind } from '../../cases/hive-ids.js';
import { CaseService, type Actor } from '../../cases/service.js';
import { loadTemplates, type CaseTemplate } from '../../cases/templates.js';
import { artifacts } from '../../store/schema.js';
import { alertsOut, artifactsOut, casesOut, commentsOut, logsOut, proceduresOut, tasksOut, type Json } from './output.js';
import { QueryRunner } from './query.js';

const BODY_LIMIT = 8 * 1024 * 1024;
const MAX_BULK = 1000;

const services = new WeakMap<App, CaseService>();

/** The case service of an App (one per App: it caches ids and what it has materialized). */
export function caseServiceFor(app: App): CaseService {
  let s = services.get(app);
  if (!s) {
    const { templates, issues } = loadTemplates(app.config.thehive.caseTemplates, app.config.thehive.caseTemplatesDir);
    for (const i of issues) app.log.warn(`case template problem: ${formatIssue(i)}`);
    s = new CaseService({
      db: app.repo.db,
      repo: app.repo,
      clock: app.clock,
      log: app.log,
      thehive: app.config.thehive,
      grouping: app.config.cases,
      templates,
      intel: () => app.intel,
      ingest: (items) => app.ingest(items),
      casesChanged: () => app.resetCases(),
      falsePositive: (c, by) => app.releaseFalsePositive(c, by),
      caseTouched: (ids) => ids.forEach((id) => app.caseChanged(id)),
    });
    services.set(app, s);
  }
  return s;
}

function actorOf(req: FastifyRequest): Actor {
  const key = req.apiKey;
  if (!key) throw new CaseError('AuthorizationError', 'an API key is required');
  const header = req.headers['x-organisation'];
  const asked = Array.isArray(header) ? header[0] : header;
  if (asked !== undefined && asked.trim() !== '' && asked.trim().toLowerCase() !== key.org.toLowerCase()) {
    throw new CaseError('AuthorizationError', `this API key belongs to organisation "${key.org}", not "${asked.trim()}"`);
  }
  return { name: key.name, org: key.org, role: key.role };
}

function idsOf(body: unknown): string[] {
  const ids = (body as { ids?: unknown } | undefined)?.ids;
  if (!Array.isArray(ids) || !ids.length || !ids.every((x) => typeof x === 'string')) throw invalid('ids', 'a list of ids is required');
  if (ids.length > MAX_BULK) throw invalid('ids', `at most ${MAX_BULK} ids`);
  return ids as string[];
}

function withoutIds(body: unknown): Record<string, unknown> {
  const { ids: _ids, ...rest } = (body ?? {}) as Record<string, unknown>;
  return rest;
}

/** Drops the fields a query asked to leave out (`excludeFields`). */
function exclude(items: Json[], fields: unknown): Json[] {
  if (!Array.isArray(fields) || !fields.length) return items;
  const drop = new Set(fields.filter((x): x is string => typeof x === 'string'));
  return items.map((o) => Object.fromEntries(Object.entries(o).filter(([k]) => !drop.has(k))));
}

type Params = Record<string, string>;

export function registerTheHive(server: FastifyInstance, app: App): void {
  const prefix = app.config.thehive.prefix;
  void server.register(
    async (api) => {
      const svc = caseServiceFor(app);
      const query = new QueryRunner(svc, app.config.thehive.maxResults);
      // Observables added just before shutdown finish their enrichment before the store closes.
      api.addHook('onClose', async () => svc.settled());

      // Empty bodies are fine (TheHive4py posts promote/merge/follow without one); prototype keys are dropped.
      api.removeContentTypeParser('application/json');
      api.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
        const text = String(body);
        if (!text.trim()) return done(null, undefined);
        try {
          done(null, JSON.parse(text, (k, v: unknown) => (k === '__proto__' || k === 'constructor' ? undefined : v)));
        } catch (e) {
          done(new CaseError('BadRequest', `Invalid JSON: ${(e as Error).message}`), undefined);
        }
      });

      api.setErrorHandler((err, _req, reply) => {
        if (err instanceof CaseError) return reply.status(err.status).send(err.body());
        const e = err as Error & { statusCode?: number; code?: string };
        if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
          return reply.status(415).send({ type: 'NotSupported', message: 'only application/json bodies are accepted (attachments and file observables are not supported)' });
        }
        if (e.statusCode && e.statusCode < 500) return reply.status(e.statusCode).send({ type: 'BadRequest', message: e.message });
        // The catalogue's answer in TheHive's shape: a store that is away is 503 with Retry-After (a
        // client retries), a value the store cannot hold is the request's fault (400), the rest a bug.
        const h = httpErrorOf(e);
        if (h.status === 503) {
          app.log.warn({ code: h.code, route: _req.routeOptions.url, reason: h.message, cause: causeLine(e) }, 'TheHive API request not done: the store is away');
          return reply.status(503).header('retry-after', String(app.config.bus.retryAfter)).send({ type: 'ServiceUnavailable', message: h.message });
        }
        if (h.status < 500) {
          app.log.info({ code: h.code, route: _req.routeOptions.url, reason: h.message }, 'TheHive API request refused');
          return reply.status(400).send({ type: 'BadRequest', message: h.message });
        }
        app.log.error({ err: e }, 'TheHive API request failed');
        return reply.status(500).send({ type: 'InternalError', message: 'internal error (see the Vigil log)' });
      });
      const noRoute = async (req: FastifyRequest, reply: FastifyReply) => reply.status(404).send({ type: 'NotFoundError', message: `no TheHive API route ${req.method} ${req.url.split('?')[0]}` });
      api.setNotFoundHandler(noRoute);
      // Other catch-all routes (the web UI's) must not answer for paths under the prefix.
      api.route({ method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'], url: '/*', schema: { hide: true }, handler: noRoute });

      const tags = ['thehive'];
      const route = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, summary: string, handler: (req: FastifyRequest<{ Params: Params; Body: unknown }>, reply: FastifyReply) => Promise<unknown>) =>
        api.route<{ Params: Params; Body: unknown }>({ method, url, schema: { summary, tags }, bodyLimit: BODY_LIMIT, handler });
      const created = (reply: FastifyReply, body: unknown) => reply.status(201).send(body);
      const none = (reply: FastifyReply) => reply.status(204).send();

      const oneAlert = async (actor: Actor, ref: string) => (await alertsOut(svc, [await svc.alert(actor, ref)]))[0]!;
      const oneCase = async (actor: Actor, ref: string, extraData: string[] = []) => (await casesOut(svc, actor.org, [await svc.case(actor, ref)], { extraData }))[0]!;

      // ---- alerts ----
      route('POST', '/api/v1/alert', 'Create an alert (with observables and procedures); a duplicate type+source+sourceRef is refused', async (req, reply) => {
        const a = actorOf(req);
        const { alert, observables } = await svc.createAlert(a, req.body);
        return created(reply, (await alertsOut(svc, [alert], { observableCounts: new Map([[alert.id, observables]]) }))[0]);
      });
      route('GET', '/api/v1/alert/:id', 'An alert', async (req) => oneAlert(actorOf(req), req.params.id!));
      route('PATCH', '/api/v1/alert/_bulk', 'Update several alerts', async (req, reply) => {
        const a = actorOf(req);
        const ids = idsOf(req.body);
        for (const id of ids) await svc.alert(a, id);
        for (const id of ids) await svc.updateAlert(a, id, withoutIds(req.body));
        return none(reply);
      });
      route('PATCH', '/api/v1/alert/:id', 'Update an alert', async (req, reply) => {
        await svc.updateAlert(actorOf(req), req.params.id!, req.body ?? {});
        return none(reply);
      });
      route('DELETE', '/api/v1/alert/:id', 'Delete an alert', async (req, reply) => {
        await svc.deleteAlert(actorOf(req), req.params.id!);
        return none(reply);
      });
      route('POST', '/api/v1/alert/delete/_bulk', 'Delete several alerts', async (req, reply) => {
        const a = actorOf(req);
        const ids = idsOf(req.body);
        for (const id of ids) await svc.alert(a, id);
        for (const id of ids) await svc.deleteAlert(a, id);
        return none(reply);
      });
      for (const [path, follow] of [['follow', true], ['unfollow', false]] as const) {
        route('POST', `/api/v1/alert/:id/${path}`, `${follow ? 'Follow' : 'Unfollow'} an alert`, async (req) => {
          const a = actorOf(req);
          await svc.updateAlert(a, req.params.id!, { follow });
          return oneAlert(a, req.params.id!);
        });
      }
      route('POST', '/api/v1/alert/:id/case', 'Promote an alert to a new case (body: {} or {caseTemplate})', async (req, reply) => {
        const a = actorOf(req);
        const c = await svc.promote(a, req.params.id!, req.body);
        return created(reply, (await casesOut(svc, a.org, [c]))[0]);
      });
      route('POST', '/api/v1/alert/:id/merge/:caseId', 'Merge an alert into a case (an alert in another case moves)', async (req) => {
        const a = actorOf(req);
        const c = await svc.merge(a, req.params.id!, req.params.caseId!);
        return (await casesOut(svc, a.org, [c]))[0];
      });
      route('POST', '/api/v1/alert/merge/_bulk', 'Merge several alerts into a case: {caseId, alertIds}; all or nothing', async (req) => {
        const a = actorOf(req);
        const c = await svc.bulkMerge(a, req.body);
        return (await casesOut(svc, a.org, [c]))[0];
      });
      route('POST', '/api/v1/alert/:id/observable', 'Add observables to an alert (a list comes back)', async (req, reply) => {
        const a = actorOf(req);
        return created(reply, await artifactsOut(svc, a.org, await svc.addObservables(a, 'alert', req.params.id!, req.body)));
      });
      route('POST', '/api/v1/alert/:id/procedure', 'Add an ATT&CK procedure to an alert', async (req, reply) => {
        const a = actorOf(req);
        return created(reply, (await proceduresOut(svc, [await svc.addProcedure(a, 'alert', req.params.id!, req.body)]))[0]);
      });
      route('POST', '/api/v1/alert/:id/comment', 'Comment on an alert', async (req, reply) => {
        const a = actorOf(req);
        return created(reply, (await commentsOut(svc, [await svc.addComment(a, 'alert', req.params.id!, req.body)]))[0]);
      });

      // ---- cases ----
      route('POST', '/api/v1/case', 'Create a case (with tasks, or from a case template)', async (req, reply) => {
        const a = actorOf(req);
        return created(reply, (await casesOut(svc, a.org, [await svc.createCase(a, req.body)]))[0]);
      });
      route('GET', '/api/v1/case/:id', 'A case (by ~id or number), with the cases it shares observables with', async (req) => {
        const a = actorOf(req);
        return oneCase(a, req.params.id!, ['relatedCases']);
      });
      route('PATCH', '/api/v1/case/_bulk', 'Update several cases', async (req, reply) => {
        const a = actorOf(req);
        const ids = idsOf(req.body);
        for (const id of ids) await svc.case(a, id);
        for (const id of ids) await svc.updateCase(a, id, withoutIds(req.body));
        return none(reply);
      });
      route('PATCH', '/api/v1/case/:id', 'Update a case; close it with {status, impactStatus, summary}', async (req, reply) => {
        await svc.updateCase(actorOf(req), req.params.id!, req.body ?? {});
        return none(reply);
      });
      route('DELETE', '/api/v1/case/:id', 'Delete a case (admin keys only); its alerts are kept', async (req, reply) => {
        await svc.deleteCase(actorOf(req), req.params.id!);
        return none(reply);
      });
      route('POST', '/api/v1/case/:id/observable', 'Add observables to a case (a list comes back)', async (req, reply) => {
        const a = actorOf(req);
        return created(reply, await artifactsOut(svc, a.org, await svc.addObservables(a, 'case', req.params.id!, req.body)));
      });
      route('POST', '/api/v1/case/:id/task', 'Add a task to a case', async (req, reply) => {
        const a = actorOf(req);
        return created(reply, (await tasksOut(svc, [await svc.createTask(a, req.params.id!, req.body)]))[0]);
      });
      route('POST', '/api/v1/case/:id/comment', 'Comment on a case', async (req, reply) => {
        const a = actorOf(req);
        return created(reply, (await commentsOut(svc, [await svc.addComment(a, 'case', req.params.id!, req.body)]))[0]);
      });
      route('POST', '/api/v1/case/:id/procedure', 'Add an ATT&CK procedure to a case', async (req, reply) => {
        const a = actorOf(req);
        return created(reply, (await proceduresOut(svc, [await svc.addProcedure(a, 'case', req.params.id!, req.body)]))[0]);
      });
      route('DELETE', '/api/v1/case/:id/alert/:alertId', 'Detach an alert from its case (it becomes New again)', async (req, reply) => {
        await svc.detach(actorOf(req), req.params.id!, req.params.alertId!);
        return none(reply);
      });
      route('GET', '/api/v1/case/:id/timeline', 'Everything that happened to the case, and who did it', async (req) => {
        const a = actorOf(req);
        const rows = await svc.timeline(a, req.params.id!);
        // Vigil ids in the timeline are shown as the `~N` ids clients know.
        const kinds: Array<[string, HiveKind]> = [['al_', 'alert'], ['case_', 'case'], ['task_', 'task'], ['cmt_', 'comment']];
        const hive = new Map<string, string>();
        for (const [prefix, kind] of kinds) {
          const refs = [...new Set(rows.map((r) => r.subject).filter((x) => x.startsWith(prefix)))];
          if (refs.length) (await svc.ids.ids(kind, refs)).forEach((h, i) => hive.set(refs[i]!, h));
        }
        return {
          events: rows.map((r) => ({
            date: Date.parse(r.at),
            kind: r.kind,
            entity: ({ case: 'Case', alert: 'Alert', task: 'Task', observable: 'Observable', comment: 'Comment', procedure: 'Procedure', action: 'Action' } as Record<string, string>)[r.kind.split('.')[0]!] ?? 'Case',
            entityId: hive.get(r.subject) ?? r.subject,
            details: { message: r.message, actor: r.actor, ...(r.data !== null && r.data !== undefined && { data: r.data }) },
          })),
        };
      });
      route('GET', '/api/v1/case/:id/links', 'Cases sharing observables with this one', async (req) => {
        const a = actorOf(req);
        const links = await svc.links(a, req.params.id!);
        const cases = await casesOut(svc, a.org, links.map((l) => l.case));
        const arts = await Promise.all(
          links.map(async (l) => {
            await svc.syncCaseArtifacts([l.case.id]);
            return artifactsOut(svc, a.org, await svc.db.select().from(artifacts).where(and(eq(artifacts.parentKind, 'case'), eq(artifacts.parentId, l.case.id), inArray(artifacts.observableId, l.observableIds))));
          }),
        );
        return cases.map((c, i) => ({ ...c, linksCount: links[i]!.observableIds.length, linkedWith: arts[i] }));
      });

      // ---- tasks and logs ----
      route('GET', '/api/v1/task/:id', 'A task', async (req) => {
        const a = actorOf(req);
        return (await tasksOut(svc, [(await svc.task(a, req.params.id!)).task], { extraData: ['case'] }))[0];
      });
      route('PATCH', '/api/v1/task/_bulk', 'Update several tasks', async (req, reply) => {
        const a = actorOf(req);
        const ids = idsOf(req.body);
        for (const id of ids) await svc.task(a, id);
        for (const id of ids) await svc.updateTask(a, id, withoutIds(req.body));
        return none(reply);
      });
      route('PATCH', '/api/v1/task/:id', 'Update a task', async (req, reply) => {
        await svc.updateTask(actorOf(req), req.params.id!, req.body ?? {});
        return none(reply);
      });
      route('DELETE', '/api/v1/task/:id', 'Delete a task and its logs', async (req, reply) => {
        await svc.deleteTask(actorOf(req), req.params.id!);
        return none(reply);
      });
      route('POST', '/api/v1/task/:id/log', 'Add a log to a task (a waiting task starts)', async (req, reply) => {
        const a = actorOf(req);
        return created(reply, (await logsOut(svc, [await svc.addLog(a, req.params.id!, req.body)]))[0]);
      });
      route('GET', '/api/v1/log/:id', 'A task log', async (req) => (await logsOut(svc, [await svc.logEntry(actorOf(req), req.params.id!)]))[0]);
      route('PATCH', '/api/v1/log/:id', 'Update a task log', async (req, reply) => {
        await svc.updateLog(actorOf(req), req.params.id!, req.body ?? {});
        return none(reply);
      });
      route('DELETE', '/api/v1/log/:id', 'Delete a task log', async (req, reply) => {
        await svc.deleteLog(actorOf(req), req.params.id!);
        return none(reply);
      });

      // ---- observables, comments, procedures ----
      route('GET', '/api/v1/observable/:id', 'An observable, with its intel reports and the other cases it is in', async (req) => {
        const a = actorOf(req);
        return (await artifactsOut(svc, a.org, [await svc.artifact(a, req.params.id!)]))[0];
      });
      route('PATCH', '/api/v1/observable/_bulk', 'Update several observables', async (req, reply) => {
        const a = actorOf(req);
        const ids = idsOf(req.body);
        for (const id of ids) await svc.artifact(a, id);
        for (const id of ids) await svc.updateArtifact(a, id, withoutIds(req.body));
        return none(reply);
      });
      route('PATCH', '/api/v1/observable/:id', 'Update an observable (IOC flag, sighted, TLP, tags…)', async (req, reply) => {
        await svc.updateArtifact(actorOf(req), req.params.id!, req.body ?? {});
        return none(reply);
      });
      route('DELETE', '/api/v1/observable/:id', 'Delete an observable', async (req, reply) => {
        await svc.deleteArtifact(actorOf(req), req.params.id!);
        return none(reply);
      });
      route('GET', '/api/v1/comment/:id', 'A comment', async (req) => (await commentsOut(svc, [await svc.comment(actorOf(req), req.params.id!)]))[0]);
      route('PATCH', '/api/v1/comment/:id', 'Edit a comment', async (req, reply) => {
        await svc.updateComment(actorOf(req), req.params.id!, req.body);
        return none(reply);
      });
      route('DELETE', '/api/v1/comment/:id', 'Delete a comment', async (req, reply) => {
        await svc.deleteComment(actorOf(req), req.params.id!);
        return none(reply);
      });
      route('GET', '/api/v1/procedure/:id', 'A procedure', async (req) => (await proceduresOut(svc, [await svc.procedure(actorOf(req), req.params.id!)]))[0]);
      route('PATCH', '/api/v1/procedure/:id', 'Update a procedure', async (req, reply) => {
        await svc.updateProcedure(actorOf(req), req.params.id!, req.body ?? {});
        return none(reply);
      });
      route('DELETE', '/api/v1/procedure/:id', 'Delete a procedure', async (req, reply) => {
        await svc.deleteProcedure(actorOf(req), req.params.id!);
        return none(reply);
      });

      // ---- query, templates, session ----
      route('POST', '/api/v1/query', 'TheHive query: listAlert/listCase/getCase/…, filter, sort, page, count', async (req) => {
        const a = actorOf(req);
        const out = await query.run(a, req.body);
        return typeof out === 'number' ? out : exclude(out, (req.body as { excludeFields?: unknown }).excludeFields);
      });
      route('GET', '/api/v1/caseTemplate', 'Case templates (Vigil extension)', async (req) => {
        actorOf(req);
        return svc.templates().map(templateOut);
      });
      route('GET', '/api/v1/caseTemplate/:name', 'A case template', async (req) => {
        actorOf(req);
        const tpl = svc.templates().find((x) => x.name === req.params.name);
        if (!tpl) throw new CaseError('NotFoundError', `CaseTemplate ${req.params.name} not found`);
        return templateOut(tpl);
      });
      route('GET', '/api/v1/user/current', 'The API key as TheHive describes a user (integrations test their credentials with it)', async (req) => {
        const a = actorOf(req);
        const k = req.apiKey!;
        return { _id: k.id, _type: 'User', login: k.name, name: k.name, organisation: a.org, organisations: [{ organisation: a.org, profile: a.role }], profile: a.role, locked: false, hasKey: true, _createdAt: Date.parse(k.createdAt), _createdBy: 'vigil', extraData: {} };
      });
      route('GET', '/api/v1/status', 'Version information', async () => ({ versions: { TheHive: '5 (Vigil compatible API)', Vigil: '0.1.0' }, config: { authType: ['key'], capabilities: [] } }));
    },
    { prefix },
  );
}

function templateOut(tpl: CaseTemplate): Json {
  return {
    _id: tpl.name,
    _type: 'CaseTemplate',
    name: tpl.name,
    displayName: tpl.displayName ?? tpl.name,
    ...(tpl.titlePrefix && { titlePrefix: tpl.titlePrefix }),
    ...(tpl.description && { description: tpl.description }),
    ...(tpl.severity && { severity: tpl.severity }),
    ...(tpl.tlp !== undefined && { tlp: tpl.tlp }),
    ...(tpl.pap !== undefined && { pap: tpl.pap }),
    tags: tpl.tags ?? [],
    flag: tpl.flag ?? false,
    customFields: Object.entries(tpl.customFields ?? {}).map(([name, value], order) => ({ name, value, order })),
    tasks: tpl.tasks.map((k, i) => ({ title: k.title, group: k.group ?? 'default', description: k.description ?? '', order: k.order ?? i, mandatory: k.mandatory ?? false })),
  };
}
