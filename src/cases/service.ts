// Case management over the store: alerts created by TheHive clients, cases, observables, tasks, task
// logs, comments and ATT&CK procedures, with promotion, merge, bulk merge and detach. Every change is
// written to the audit log (a case's timeline) with who made it. The pipeline's own alerts and cases
// are the same rows, so they are managed here too; their observables and procedures are materialized
// into this module's tables the first time a client looks at them.
import { createHash } from 'node:crypto';
import { and, asc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { VigilConfig } from '../config.js';
import type { Clock } from '../core/clock.js';
import { randomId, stableId } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import type { Alert, Assessment, Observable } from '../core/types.js';
import type { EnrichedObservable } from '../intel/engine.js';
import { IntelEngine } from '../intel/engine.js';
import type { IngestItem, RunSummary } from '../pipeline/run.js';
import type { Db } from '../store/db.js';
import { observableId, type AuditRow, type Repo } from '../store/repo.js';
import * as t from '../store/schema.js';
import { OrgScope, PIPELINE_ORG } from '../store/scope.js';
import { CaseError, invalid, notFound, parseInput } from './errors.js';
import { CaseGrouper } from './grouper.js';
import { HiveIds } from './hive-ids.js';
import {
  AlertInput,
  AlertUpdate,
  BulkMergeInput,
  CaseInput,
  CaseUpdate,
  CommentInput,
  LogInput,
  LogUpdate,
  ObservableInput,
  ObservableUpdate,
  ProcedureInput,
  ProcedureUpdate,
  PromoteInput,
  TaskInput,
  TaskUpdate,
} from './inputs.js';
import {
  ALERT_STATUSES,
  CASE_STATUSES,
  caseStage,
  HIVE_TYPE_OF,
  normalizeCaseStatus,
  OPEN_CASE_STATUSES,
  SEVERITY_SCORE,
  severityFromNumber,
  severityToNumber,
  TACTICS,
  tacticSlug,
  vigilObservable,
} from './model.js';
import type { CaseTemplate } from './templates.js';

export type AlertRow = typeof t.alerts.$inferSelect;
export type CaseRow = typeof t.cases.$inferSelect;
export type TaskRow = typeof t.tasks.$inferSelect;
export type ArtifactRow = typeof t.artifacts.$inferSelect;
export type LogRow = typeof t.taskLogs.$inferSelect;
export type CommentRow = typeof t.comments.$inferSelect;
export type ProcedureRow = typeof t.procedures.$inferSelect;
export type ParentKind = 'case' | 'alert';

const scope = (actor: Actor): OrgScope => new OrgScope(actor.org);

/** Who is asking: the API key's name (recorded as the actor), organisation and role. */
export interface Actor {
  name: string;
  org: string;
  role: 'admin' | 'analyst' | 'read-only' | 'ingest';
}

export interface CaseServiceDeps {
  db: Db;
  repo: Repo;
  clock: Clock;
  log: Logger;
  thehive: VigilConfig['thehive'];
  grouping: VigilConfig['cases'];
  templates: Map<string, CaseTemplate>;
  /** Intel for observables added through the API (the pipeline enriches its own). */
  intel?: () => IntelEngine | undefined;
  /** The pipeline, for `thehive.groupAlerts`. */
  ingest?: (items: IngestItem[]) => Promise<RunSummary>;
  /** Cases changed outside the pipeline: its grouping re-reads open cases. */
  casesChanged?: () => void;
  /** Cases an actor changed (status, task, comment, merge): their reports are written again (src/reports/refresh.ts). */
  caseTouched?: (caseIds: string[]) => void;
  /** A case was closed as a false positive: it lets go of the response effects it holds (src/playbooks/ledger.ts). */
  falsePositive?: (c: { id: string; number: number }, by: string) => Promise<void>;
}

/** `case <expr> when 'ipv4' then 'ip' … else 'other' end`: Vigil observable type → TheHive data type, in SQL. */
export function hiveTypeSql(expr: SQL): SQL {
  const whens = Object.entries(HIVE_TYPE_OF).map(([v, h]) => `when '${v}' then '${h}'`).join(' ');
  return sql`(case ${expr} ${sql.raw(whens)} else 'other' end)`;
}

export function artifactId(kind: ParentKind, parentId: string, dataType: string, data: string): string {
  return `art_${createHash('md5').update(`${kind}|${parentId}|${dataType}|${data}`).digest('hex')}`;
}

function procedureId(kind: ParentKind, parentId: string, patternId: string, tactic: string): string {
  return `proc_${createHash('md5').update(`${kind}|${parentId}|${patternId}|${tactic}`).digest('hex')}`;
}

function rowsOf<T>(r: unknown): T[] {
  return ((r as { rows?: T[] }).rows ?? []) as T[];
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function mergeTags(cur: string[], set?: string[], add?: string[], remove?: string[]): string[] {
  let out = set ? [...set] : [...cur];
  if (add) out.push(...add);
  if (remove) out = out.filter((x) => !remove.includes(x));
  return [...new Set(out)].slice(0, 200);
}

function clip(s: string, n = 200): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

interface PreparedObservable {
  dataType: string;
  data: string;
  vigil?: Observable;
  message: string | null;
  tlp: number;
  pap: number;
  tags: string[];
  ioc: boolean;
  sighted: boolean;
  sightedAt: string | null;
  ignoreSimilarity: boolean;
  startDate: string;
}

export class CaseService {
  readonly ids: HiveIds;
  readonly db: Db;
  private enrichQueue: Promise<unknown> = Promise.resolve();
  /** Parents whose pipeline observables and procedures were materialized by this process. */
  private readonly synced = new Set<string>();

  constructor(private readonly d: CaseServiceDeps) {
    this.db = d.db;
    this.ids = new HiveIds(d.db);
  }

  private now(): string {
    return this.d.clock.now().toISOString();
  }

  private changed(): void {
    this.d.casesChanged?.();
  }

  /** Timeline rows for what an actor did; the cases they name have their reports written again. */
  private async audit(rows: AuditRow[]): Promise<void> {
    await this.d.repo.audit(rows);
    const ids = [...new Set(rows.map((r) => r.caseId).filter((x): x is string => typeof x === 'string' && x !== ''))];
    if (ids.length) this.d.caseTouched?.(ids);
  }

  template(name: string | undefined, field = 'caseTemplate'): CaseTemplate | undefined {
    if (name === undefined || name === '') return undefined;
    const tpl = this.d.templates.get(name);
    if (!tpl) throw invalid(field, `no case template named "${name}" (known: ${[...this.d.templates.keys()].join(', ') || 'none'})`);
    return tpl;
  }

  templates(): CaseTemplate[] {
    return [...this.d.templates.values()];
  }

  /** Waits for background enrichment started by earlier calls (tests, shutdown). */
  async settled(): Promise<void> {
    await this.enrichQueue;
  }

  // ---- loading with organisation checks (OrgScope); another organisation's row is not found ----

  async alert(actor: Actor, ref: string): Promise<AlertRow> {
    const id = await this.ids.resolve('alert', ref);
    const row = id && (await this.db.select().from(t.alerts).where(and(eq(t.alerts.id, id), scope(actor).owns(t.alerts.org))))[0];
    if (!row) throw notFound('Alert', ref);
    return row;
  }

  /** A case by `~N`, by number (`12` or `#12`), or by Vigil id. */
  async case(actor: Actor, ref: string): Promise<CaseRow> {
    let where: SQL | undefined;
    const num = /^#?(\d{1,9})$/.exec(ref);
    if (num) where = eq(t.cases.number, Number(num[1]));
    else {
      const id = await this.ids.resolve('case', ref);
      if (id) where = eq(t.cases.id, id);
    }
    const row = where && (await this.db.select().from(t.cases).where(and(where, scope(actor).owns(t.cases.org))))[0];
    if (!row) throw notFound('Case', ref);
    return row;
  }

  async task(actor: Actor, ref: string): Promise<{ task: TaskRow; case: CaseRow }> {
    const id = await this.ids.resolve('task', ref);
    const rows = id ? await this.db.select({ task: t.tasks, case: t.cases }).from(t.tasks).innerJoin(t.cases, eq(t.cases.id, t.tasks.caseId)).where(and(eq(t.tasks.id, id), scope(actor).owns(t.cases.org))) : [];
    if (!rows[0]) throw notFound('Task', ref);
    return rows[0];
  }

  async artifact(actor: Actor, ref: string): Promise<ArtifactRow> {
    const id = await this.ids.resolve('observable', ref);
    const row = id && (await this.db.select().from(t.artifacts).where(and(eq(t.artifacts.id, id), scope(actor).parentIn(t.artifacts.parentKind, t.artifacts.parentId))))[0];
    if (!row) throw notFound('Observable', ref);
    return row;
  }

  async logEntry(actor: Actor, ref: string): Promise<LogRow> {
    const id = await this.ids.resolve('log', ref);
    const row = id && (await this.db.select().from(t.taskLogs).where(and(eq(t.taskLogs.id, id), scope(actor).caseIn(t.taskLogs.caseId))))[0];
    if (!row) throw notFound('Log', ref);
    return row;
  }

  async comment(actor: Actor, ref: string): Promise<CommentRow> {
    const id = await this.ids.resolve('comment', ref);
    const row = id && (await this.db.select().from(t.comments).where(and(eq(t.comments.id, id), scope(actor).parentIn(t.comments.parentKind, t.comments.parentId))))[0];
    if (!row) throw notFound('Comment', ref);
    return row;
  }

  async procedure(actor: Actor, ref: string): Promise<ProcedureRow> {
    const id = await this.ids.resolve('procedure', ref);
    const row = id && (await this.db.select().from(t.procedures).where(and(eq(t.procedures.id, id), isNull(t.procedures.deletedAt), scope(actor).parentIn(t.procedures.parentKind, t.procedures.parentId))))[0];
    if (!row) throw notFound('Procedure', ref);
    return row;
  }

  private async parent(actor: Actor, kind: ParentKind, ref: string): Promise<AlertRow | CaseRow> {
    return kind === 'case' ? this.case(actor, ref) : this.alert(actor, ref);
  }

  // ---- materializing the pipeline's observables and procedures ----

  /** Gives the pipeline's observables of these cases their TheHive form (once per case and process). */
  async syncCaseArtifacts(caseIds: string[]): Promise<void> {
    const todo = caseIds.filter((id) => !this.synced.has(`co:${id}`));
    if (!todo.length) return;
    const payload = JSON.stringify(todo);
    const dt = hiveTypeSql(sql`o.type`);
    await this.db.execute(sql`
      insert into artifacts (id, parent_kind, parent_id, data_type, data, observable_id, tlp, pap, tags, ioc, sighted, ignore_similarity, start_date, created_by, created_at)
      select 'art_' || md5('case|' || co.case_id || '|' || ${dt} || '|' || o.value), 'case', co.case_id, ${dt}, o.value, o.id, 2, 2,
        case when co.role is null then '[]'::jsonb else jsonb_build_array('role:' || co.role) end,
        coalesce(o.verdict = 'malicious', false), false, false, o.first_seen, 'vigil', o.first_seen
      from case_observables co join observables o on o.id = co.observable_id
      where co.case_id in (select jsonb_array_elements_text(${payload}::jsonb))
      on conflict do nothing`);
    this.remember(todo.map((id) => `co:${id}`));
  }

  /** The same for alerts the pipeline stored (alerts created through the API have theirs already). */
  async syncAlertArtifacts(alertIds: string[]): Promise<void> {
    const todo = alertIds.filter((id) => !this.synced.has(`ao:${id}`));
    if (!todo.length) return;
    const payload = JSON.stringify(todo);
    const dt = hiveTypeSql(sql`(e->>'type')`);
    await this.db.execute(sql`
      insert into artifacts (id, parent_kind, parent_id, data_type, data, observable_id, tlp, pap, tags, ioc, sighted, ignore_similarity, start_date, created_by, created_at)
      select 'art_' || md5('alert|' || a.id || '|' || ${dt} || '|' || (e->>'value')), 'alert', a.id, ${dt}, e->>'value', o.id, 2, 2,
        case when e->>'role' is null then '[]'::jsonb else jsonb_build_array('role:' || (e->>'role')) end,
        coalesce(o.verdict = 'malicious', false), false, false, a.time, 'vigil', a.ingested_at
      from alerts a cross join lateral jsonb_array_elements(coalesce(a.data->'observables', '[]'::jsonb)) as e
      left join observables o on o.type = e->>'type' and o.value = e->>'value'
      where a.id in (select jsonb_array_elements_text(${payload}::jsonb)) and a.extra->>'origin' is distinct from 'thehive'
      on conflict do nothing`);
    this.remember(todo.map((id) => `ao:${id}`));
  }

  /** ATT&CK techniques of the alerts' rules, as procedures of the alert or of the case holding them. */
  async syncProcedures(kind: ParentKind, parentIds: string[]): Promise<void> {
    const todo = parentIds.filter((id) => !this.synced.has(`pr:${kind}:${id}`));
    if (!todo.length) return;
    const rows = await this.db
      .select({ id: t.alerts.id, caseId: t.alerts.caseId, time: t.alerts.time, mitre: sql<Alert['rule']['mitre'] | null>`${t.alerts.data}->'rule'->'mitre'` })
      .from(t.alerts)
      .where(kind === 'case' ? inArray(t.alerts.caseId, todo) : inArray(t.alerts.id, todo));
    const found = new Map<string, typeof t.procedures.$inferInsert>();
    for (const r of rows) {
      const parentId = kind === 'case' ? r.caseId! : r.id;
      const m = r.mitre;
      if (!m?.ids?.length) continue;
      m.ids.forEach((pid, i) => {
        const tactic = tacticSlug(m.tactics?.[i] ?? m.tactics?.[0] ?? '');
        if (!tactic || !/^T\d{4}(\.\d{3})?$/.test(pid)) return;
        const id = procedureId(kind, parentId, pid, tactic);
        const cur = found.get(id);
        if (cur && cur.occurDate <= r.time) return;
        found.set(id, { id, parentKind: kind, parentId, patternId: pid, patternName: m.techniques?.[i] ?? null, tactic, occurDate: r.time, createdBy: 'vigil', createdAt: r.time });
      });
    }
    const values = [...found.values()];
    for (let i = 0; i < values.length; i += 500) await this.db.insert(t.procedures).values(values.slice(i, i + 500)).onConflictDoNothing();
    this.remember(todo.map((id) => `pr:${kind}:${id}`));
  }

  private remember(keys: string[]): void {
    if (this.synced.size > 200_000) this.synced.clear();
    for (const k of keys) this.synced.add(k);
  }

  /** Alerts and cases whose observables changed through the API must be materialized again. */
  private forget(...keys: string[]): void {
    for (const k of keys) this.synced.delete(k);
  }

  // ---- observables ----

  /** `prefix(i)` names the i-th input in errors: `observables.3` in an alert, nothing for one observable. */
  private prepareObservables(inputs: unknown[], prefix: (i: number) => string, nowMs: number): PreparedObservable[] {
    const byKey = new Map<string, PreparedObservable>();
    inputs.forEach((raw, i) => {
      const at = (f: string) => [prefix(i), f].filter(Boolean).join('.');
      const o = parseInput(ObservableInput, raw, prefix(i));
      if (o.dataType === 'file') throw new CaseError('NotSupported', `${at('dataType')}: file observables need an attachment, which Vigil does not store; send the file's hash as a "hash" observable`, { field: at('dataType') });
      if (o.data === undefined) throw invalid(at('data'), 'is required');
      for (const data of Array.isArray(o.data) ? o.data : [o.data]) {
        const key = `${o.dataType}\u0000${data}`;
        const prev = byKey.get(key);
        if (prev) {
          // TheHive merges the tags of one value given twice instead of refusing the request.
          prev.tags = mergeTags(prev.tags, undefined, o.tags);
          prev.ioc ||= o.ioc ?? false;
          prev.sighted ||= o.sighted ?? false;
          continue;
        }
        const v = vigilObservable(o.dataType, data);
        byKey.set(key, {
          dataType: o.dataType,
          data,
          ...(v && { vigil: { type: v.type, value: v.value, ...(v.scope && { scope: v.scope }), context: 'thehive' } }),
          message: o.message ?? null,
          tlp: o.tlp ?? 2,
          pap: o.pap ?? 2,
          tags: [...new Set(o.tags ?? [])],
          ioc: o.ioc ?? false,
          sighted: o.sighted ?? false,
          sightedAt: o.sightedAt !== undefined ? iso(o.sightedAt) : null,
          ignoreSimilarity: o.ignoreSimilarity ?? false,
          startDate: iso(o.startDate ?? nowMs),
        });
      }
    });
    return [...byKey.values()];
  }

  /**
   * Adds observables to a case or an alert (one already there gets the new tags and flags), links
   * those with a Vigil type to the shared observables (and, for a case, to "also seen in"), and
   * returns the rows in the order given.
   */
  private async insertArtifacts(db: Db, kind: ParentKind, parentId: string, obs: PreparedObservable[], actor: string, at: string): Promise<ArtifactRow[]> {
    if (!obs.length) return [];
    const shared = obs.filter((o) => o.vigil);
    if (shared.length) {
      await db
        .insert(t.observables)
        .values(dedupe(shared.map((o) => ({ id: observableId(o.vigil!), type: o.vigil!.type, value: o.vigil!.value, scope: o.vigil!.scope ?? null, firstSeen: o.startDate, lastSeen: o.startDate }))))
        .onConflictDoUpdate({ target: t.observables.id, set: { lastSeen: sql`greatest(${t.observables.lastSeen}, excluded.last_seen)` } });
      if (kind === 'case') {
        await db
          .insert(t.caseObservables)
          .values(dedupeBy(shared.map((o) => ({ caseId: parentId, observableId: observableId(o.vigil!), role: null })), (r) => r.observableId))
          .onConflictDoNothing();
      }
    }
    const rows = await db
      .insert(t.artifacts)
      .values(
        obs.map((o) => ({
          id: artifactId(kind, parentId, o.dataType, o.data),
          parentKind: kind,
          parentId,
          dataType: o.dataType,
          data: o.data,
          observableId: o.vigil ? observableId(o.vigil) : null,
          message: o.message,
          tlp: o.tlp,
          pap: o.pap,
          tags: o.tags,
          ioc: o.ioc,
          sighted: o.sighted,
          sightedAt: o.sightedAt,
          ignoreSimilarity: o.ignoreSimilarity,
          startDate: o.startDate,
          createdBy: actor,
          createdAt: at,
        })),
      )
      .onConflictDoUpdate({
        target: [t.artifacts.parentKind, t.artifacts.parentId, t.artifacts.dataType, t.artifacts.data],
        set: {
          tags: sql`(select coalesce(jsonb_agg(distinct x), '[]'::jsonb) from jsonb_array_elements(${t.artifacts.tags} || excluded.tags) as x)`,
          ioc: sql`${t.artifacts.ioc} or excluded.ioc`,
          sighted: sql`${t.artifacts.sighted} or excluded.sighted`,
          message: sql`coalesce(excluded.message, ${t.artifacts.message})`,
          updatedBy: actor,
          updatedAt: at,
        },
      })
      .returning();
    const byId = new Map(rows.map((r) => [r.id, r]));
    return obs.map((o) => byId.get(artifactId(kind, parentId, o.dataType, o.data))!).filter(Boolean);
  }

  async addObservables(actor: Actor, kind: ParentKind, parentRef: string, body: unknown): Promise<ArtifactRow[]> {
    const parent = await this.parent(actor, kind, parentRef);
    const at = this.now();
    const obs = this.prepareObservables([body], () => '', Date.parse(at));
    const rows = await this.db.transaction(async (tx) => {
      const out = await this.insertArtifacts(tx as unknown as Db, kind, parent.id, obs, actor.name, at);
      if (kind === 'alert') {
        await tx.update(t.alerts).set({ updatedAt: at, updatedBy: actor.name }).where(eq(t.alerts.id, parent.id));
      } else await tx.update(t.cases).set({ updatedAt: at, updatedBy: actor.name }).where(eq(t.cases.id, parent.id));
      return out;
    });
    const caseId = kind === 'case' ? parent.id : (parent as AlertRow).caseId ?? undefined;
    if (kind === 'case') {
      await this.audit(
        obs.map((o) => ({ at, actor: actor.name, kind: 'observable.added', caseId: parent.id, subject: `${o.dataType}:${o.data}`, message: `Observable ${o.dataType} ${clip(o.data, 120)} added${o.ioc ? ' (IOC)' : ''}` })),
      );
    }
    this.enrichLater(caseId, obs.flatMap((o) => (o.vigil ? [o.vigil] : [])));
    return rows;
  }

  async updateArtifact(actor: Actor, ref: string, body: unknown): Promise<ArtifactRow> {
    const row = await this.artifact(actor, ref);
    const p = parseInput(ObservableUpdate, body);
    const at = this.now();
    const [out] = await this.db
      .update(t.artifacts)
      .set({
        ...(p.message !== undefined && { message: p.message }),
        ...(p.tlp !== undefined && { tlp: p.tlp }),
        ...(p.pap !== undefined && { pap: p.pap }),
        ...(p.ioc !== undefined && { ioc: p.ioc }),
        ...(p.sighted !== undefined && { sighted: p.sighted }),
        ...(p.sightedAt !== undefined && { sightedAt: iso(p.sightedAt) }),
        ...(p.ignoreSimilarity !== undefined && { ignoreSimilarity: p.ignoreSimilarity }),
        tags: mergeTags(row.tags, p.tags, p.addTags, p.removeTags),
        updatedBy: actor.name,
        updatedAt: at,
      })
      .where(eq(t.artifacts.id, row.id))
      .returning();
    if (row.parentKind === 'case') {
      await this.audit([{ at, actor: actor.name, kind: 'observable.updated', caseId: row.parentId, subject: `${row.dataType}:${row.data}`, message: `Observable ${row.dataType} ${clip(row.data, 120)} updated${p.ioc === true ? ' (marked IOC)' : p.ioc === false ? ' (no longer an IOC)' : ''}` }]);
    }
    return out!;
  }

  async deleteArtifact(actor: Actor, ref: string): Promise<void> {
    const row = await this.artifact(actor, ref);
    const at = this.now();
    await this.db.transaction(async (tx) => {
      await tx.delete(t.artifacts).where(eq(t.artifacts.id, row.id));
      if (row.parentKind === 'case' && row.observableId) {
        const still = await tx.select({ id: t.artifacts.id }).from(t.artifacts).where(and(eq(t.artifacts.parentKind, 'case'), eq(t.artifacts.parentId, row.parentId), eq(t.artifacts.observableId, row.observableId)));
        if (!still.length) await tx.delete(t.caseObservables).where(and(eq(t.caseObservables.caseId, row.parentId), eq(t.caseObservables.observableId, row.observableId)));
      }
      if (row.parentKind === 'alert') {
        // The pipeline's alerts carry their observables in their data: drop it there too, or the next
        // materialization would bring it back.
        const v = vigilObservable(row.dataType, row.data);
        if (v) {
          await tx.execute(sql`update alerts set data = jsonb_set(data, '{observables}', (
            select coalesce(jsonb_agg(e), '[]'::jsonb) from jsonb_array_elements(coalesce(data->'observables', '[]'::jsonb)) e
            where not (e->>'type' = ${v.type} and e->>'value' = ${v.value}))) where id = ${row.parentId}`);
        }
      }
    });
    if (row.parentKind === 'case') {
      await this.audit([{ at, actor: actor.name, kind: 'observable.deleted', caseId: row.parentId, subject: `${row.dataType}:${row.data}`, message: `Observable ${row.dataType} ${clip(row.data, 120)} removed` }]);
    }
  }

  /**
   * Looks up observables added by hand with the configured intel providers, in the background (a
   * slow provider must not hold the client's request), and records the verdicts on the shared
   * observables and, when one is flagged, on the case's timeline.
   */
  private enrichLater(caseId: string | undefined, observables: Observable[]): void {
    const intel = this.d.intel?.();
    const wanted = observables.filter(IntelEngine.enrichable);
    if (!intel || !wanted.length) return;
    this.enrichQueue = this.enrichQueue.then(async () => {
      try {
        const found = await intel.enrichMany(wanted);
        await this.recordIntel(caseId, found);
      } catch (e) {
        this.d.log.warn({ err: e }, 'enrichment of observables added through the TheHive API failed');
      }
    });
  }

  private async recordIntel(caseId: string | undefined, found: Map<string, EnrichedObservable>): Promise<void> {
    const at = this.now();
    const audit: AuditRow[] = [];
    for (const e of found.values()) {
      const o = e.results[0]?.observable;
      if (!o) continue;
      await this.db
        .update(t.observables)
        .set({ riskScore: e.risk.score, verdict: e.risk.verdict, intel: e.results.map(({ raw: _raw, ...r }) => r) })
        .where(eq(t.observables.id, observableId(o)));
      // Found malicious: an IOC wherever it was added, unless a person has edited it since.
      if (e.risk.verdict === 'malicious') {
        await this.db
          .update(t.artifacts)
          .set({ ioc: true })
          .where(and(eq(t.artifacts.observableId, observableId(o)), eq(t.artifacts.ioc, false), isNull(t.artifacts.updatedAt)));
      }
      if (caseId && (e.risk.verdict === 'malicious' || e.risk.verdict === 'suspicious')) {
        audit.push({ at, actor: 'intel', kind: 'observable.enriched', caseId, subject: `${o.type}:${o.value}`, message: `${o.type} ${o.value} is ${e.risk.verdict} (risk ${e.risk.score}): ${e.risk.evidence[0] ?? ''}` });
      }
    }
    await this.audit(audit);
  }

  // ---- procedures ----

  async addProcedure(actor: Actor, kind: ParentKind, parentRef: string, body: unknown): Promise<ProcedureRow> {
    const parent = await this.parent(actor, kind, parentRef);
    const p = parseInput(ProcedureInput, body);
    const at = this.now();
    const id = procedureId(kind, parent.id, p.patternId, p.tactic);
    const [row] = await this.db
      .insert(t.procedures)
      .values({ id, parentKind: kind, parentId: parent.id, patternId: p.patternId, tactic: p.tactic, occurDate: iso(p.occurDate), description: p.description ?? null, createdBy: actor.name, createdAt: at })
      .onConflictDoUpdate({ target: t.procedures.id, set: { occurDate: iso(p.occurDate), description: p.description ?? null, deletedAt: null, updatedBy: actor.name, updatedAt: at } })
      .returning();
    if (kind === 'case') {
      await this.audit([{ at, actor: actor.name, kind: 'procedure.added', caseId: parent.id, subject: p.patternId, message: `ATT&CK ${p.patternId} (${TACTICS[p.tactic]}) added` }]);
    }
    return row!;
  }

  async updateProcedure(actor: Actor, ref: string, body: unknown): Promise<ProcedureRow> {
    const row = await this.procedure(actor, ref);
    const p = parseInput(ProcedureUpdate, body);
    const [out] = await this.db
      .update(t.procedures)
      .set({ ...(p.description !== undefined && { description: p.description }), ...(p.occurDate !== undefined && { occurDate: iso(p.occurDate) }), updatedBy: actor.name, updatedAt: this.now() })
      .where(eq(t.procedures.id, row.id))
      .returning();
    return out!;
  }

  async deleteProcedure(actor: Actor, ref: string): Promise<void> {
    const row = await this.procedure(actor, ref);
    // Kept as deleted, so the technique is not taken from the alerts' rules again.
    await this.db.update(t.procedures).set({ deletedAt: this.now(), updatedBy: actor.name }).where(eq(t.procedures.id, row.id));
  }

  // ---- alerts ----

  /** Creates an alert; `observables` is how many it holds (for the answer, without counting them again). */
  async createAlert(actor: Actor, body: unknown): Promise<{ alert: AlertRow; observables: number }> {
    const a = parseInput(AlertInput, body);
    const at = this.now();
    const nowMs = Date.parse(at);
    const nObs = a.observables?.length ?? 0;
    const observables = this.prepareObservables([...(a.observables ?? []), ...(a.artifacts ?? [])], (i) => (i < nObs ? `observables.${i}` : `artifacts.${i - nObs}`), nowMs);
    const procs = (a.procedures ?? []).map((p, i) => parseInput(ProcedureInput, p, `procedures.${i}`));
    if (a.caseTemplate) this.template(a.caseTemplate);
    if (a.status !== undefined && !(ALERT_STATUSES as readonly string[]).includes(a.status)) throw invalid('status', `must be one of ${ALERT_STATUSES.join(', ')}`);

    const severity = severityFromNumber(a.severity ?? 2);
    const id = stableId('al', 'thehive', actor.org, a.type, a.source, a.sourceRef);
    const time = iso(a.date ?? nowMs);
    const vigilObs = observables.flatMap((o) => (o.vigil ? [o.vigil] : []));
    const host = observables.find((o) => o.vigil?.type === 'host')?.vigil?.value ?? '';
    const alert: Alert = {
      id,
      source: a.source,
      sourceRef: a.sourceRef,
      time,
      title: a.title,
      description: a.description,
      rule: {
        id: a.type,
        level: a.severity ?? 2,
        scale: 'generic',
        groups: [],
        mitre: { ids: procs.map((p) => p.patternId), tactics: procs.map((p) => TACTICS[p.tactic]!), techniques: [] },
      },
      host: { name: host },
      observables: vigilObs,
      raw: null,
    };
    const assessment: Assessment = { severity, score: SEVERITY_SCORE[severity], reasons: [{ factor: 'source', detail: `severity ${severityToNumber(severity)} (${severity}) set by ${a.source}`, delta: SEVERITY_SCORE[severity] }] };
    const hive = {
      org: actor.org,
      type: a.type,
      hiveStatus: a.status && a.status !== 'New' ? a.status : null,
      tlp: a.tlp ?? 2,
      pap: a.pap ?? 2,
      tags: [...new Set(a.tags ?? [])],
      flag: a.flag ?? false,
      customFields: a.customFields ?? {},
      extra: {
        origin: 'thehive',
        ...(a.externalLink !== undefined && { externalLink: a.externalLink }),
        ...(a.summary !== undefined && { summary: a.summary }),
        ...(a.caseTemplate !== undefined && { caseTemplate: a.caseTemplate }),
        ...(a.assignee !== undefined && { assignee: a.assignee }),
        ...(a.follow !== undefined && { follow: a.follow }),
      },
      createdBy: actor.name,
    };

    if (this.d.thehive.groupAlerts && scope(actor).ownsPipeline && this.d.ingest) {
      // Through the pipeline: enriched, assessed and grouped like any alert; then given its TheHive fields.
      const summary = await this.d.ingest([{ file: 'thehive', line: 1, alert }]);
      if (summary.alerts.new === 0) throw await this.duplicate(a, id);
      await this.db.transaction(async (tx) => {
        await tx.update(t.alerts).set(hive).where(eq(t.alerts.id, id));
        await this.insertArtifacts(tx as unknown as Db, 'alert', id, observables, actor.name, at);
        await this.insertProcedures(tx as unknown as Db, 'alert', id, procs, actor.name, at);
      });
      const row = (await this.db.select().from(t.alerts).where(eq(t.alerts.id, id)))[0]!;
      this.remember([`ao:${id}`]);
      if (row.caseId) {
        // The grouped case gets the alert's observables in their TheHive form too.
        await this.syncProcedures('alert', [id]);
        await this.copyToCase(this.db, row, row.caseId, actor.name, at);
      }
      return { alert: row, observables: observables.length };
    }

    // The id is derived from organisation, type, source and sourceRef: resent alerts (the common
    // duplicate) are found by key before any write. The four are unique too, so an insert that adds
    // nothing is also a duplicate (one created meanwhile, or a pipeline alert with the same fields).
    if ((await this.db.select({ id: t.alerts.id }).from(t.alerts).where(eq(t.alerts.id, id))).length) throw await this.duplicate(a, id);
    const insert = async (db: Db): Promise<AlertRow | undefined> => {
      const rows = await db
        .insert(t.alerts)
        .values({ id, source: a.source, sourceRef: a.sourceRef, time, title: a.title, ruleId: a.type, ruleLevel: a.severity ?? 2, host, severity, score: assessment.score, caseId: null, data: { ...alert, assessment }, ingestedAt: at, ...hive })
        .onConflictDoNothing()
        .returning();
      if (!rows[0]) return undefined;
      await this.insertArtifacts(db, 'alert', id, observables, actor.name, at);
      await this.insertProcedures(db, 'alert', id, procs, actor.name, at);
      return rows[0];
    };
    const inserted = observables.length || procs.length ? await this.db.transaction((tx) => insert(tx as unknown as Db)) : await insert(this.db);
    if (!inserted) {
      const existing = await this.db
        .select({ id: t.alerts.id })
        .from(t.alerts)
        .where(and(scope(actor).owns(t.alerts.org), eq(t.alerts.type, a.type), eq(t.alerts.source, a.source), eq(t.alerts.sourceRef, a.sourceRef)));
      throw await this.duplicate(a, existing[0]?.id ?? id);
    }
    this.remember([`ao:${id}`, `pr:alert:${id}`]);
    await this.audit([{ at, actor: actor.name, kind: 'alert.created', subject: id, message: `Alert "${clip(a.title)}" created (${a.type} from ${a.source}, ${a.sourceRef})`, data: { org: actor.org } }]);
    this.enrichLater(undefined, vigilObs);
    return { alert: inserted, observables: observables.length };
  }

  private async duplicate(a: { type: string; source: string; sourceRef: string }, existingId: string): Promise<CaseError> {
    const hid = await this.ids.id('alert', existingId);
    return new CaseError('CreateError', `Alert (type=${a.type}, source=${a.source}, sourceRef=${a.sourceRef}) already exists: ${hid}`, { field: 'sourceRef', reason: `already used by alert ${hid}` });
  }

  private async insertProcedures(db: Db, kind: ParentKind, parentId: string, procs: Array<{ patternId: string; tactic: string; occurDate: number; description?: string | undefined }>, actor: string, at: string): Promise<void> {
    if (!procs.length) return;
    await db
      .insert(t.procedures)
      .values(dedupeBy(procs.map((p) => ({ id: procedureId(kind, parentId, p.patternId, p.tactic), parentKind: kind, parentId, patternId: p.patternId, tactic: p.tactic, occurDate: iso(p.occurDate), description: p.description ?? null, createdBy: actor, createdAt: at })), (r) => r.id))
      .onConflictDoNothing();
  }

  async updateAlert(actor: Actor, ref: string, body: unknown): Promise<AlertRow> {
    const row = await this.alert(actor, ref);
    const p = parseInput(AlertUpdate, body);
    const fromThehive = row.extra['origin'] === 'thehive';
    const at = this.now();
    for (const f of ['type', 'source', 'sourceRef'] as const) {
      if (p[f] !== undefined && p[f] !== (f === 'type' ? row.type : f === 'source' ? row.source : row.sourceRef) && !fromThehive) {
        throw invalid(f, `set by the pipeline (it identifies the ${row.source} alert) and cannot be changed`);
      }
    }
    if (p.status !== undefined && !(ALERT_STATUSES as readonly string[]).includes(p.status)) throw invalid('status', `must be one of ${ALERT_STATUSES.join(', ')}`);
    const type = p.type ?? row.type;
    const source = p.source ?? row.source;
    const sourceRef = p.sourceRef ?? row.sourceRef;
    if (type !== row.type || source !== row.source || sourceRef !== row.sourceRef) {
      const dup = await this.db
        .select({ id: t.alerts.id })
        .from(t.alerts)
        .where(and(eq(t.alerts.org, row.org), eq(t.alerts.type, type), eq(t.alerts.source, source), eq(t.alerts.sourceRef, sourceRef)));
      if (dup[0] && dup[0].id !== row.id) throw await this.duplicate({ type, source, sourceRef }, dup[0].id);
    }
    const data = { ...(row.data as Alert & { assessment: Assessment }) };
    if (p.title !== undefined) data.title = p.title;
    if (p.description !== undefined) data.description = p.description;
    if (p.date !== undefined) data.time = iso(p.date);
    const extra = { ...row.extra };
    for (const k of ['externalLink', 'summary', 'follow', 'assignee'] as const) {
      if (p[k] === null) delete extra[k];
      else if (p[k] !== undefined) extra[k] = p[k];
    }
    const severity = p.severity !== undefined ? severityFromNumber(p.severity) : undefined;
    const [out] = await this.db
      .update(t.alerts)
      .set({
        type,
        source,
        sourceRef,
        ...(p.title !== undefined && { title: p.title }),
        ...(p.date !== undefined && { time: iso(p.date) }),
        ...(severity && { severity }),
        ...(p.tlp !== undefined && { tlp: p.tlp }),
        ...(p.pap !== undefined && { pap: p.pap }),
        ...(p.flag !== undefined && { flag: p.flag }),
        ...(p.status !== undefined && { hiveStatus: p.status === 'New' && !row.caseId ? null : p.status }),
        ...(p.customFields !== undefined && { customFields: p.customFields }),
        tags: mergeTags(row.tags, p.tags, p.addTags, p.removeTags),
        data,
        extra,
        updatedBy: actor.name,
        updatedAt: at,
      })
      .where(eq(t.alerts.id, row.id))
      .returning();
    if (row.caseId) {
      const what = Object.keys(p).join(', ');
      await this.audit([{ at, actor: actor.name, kind: 'alert.updated', caseId: row.caseId, subject: row.id, message: `Alert "${clip(out!.title)}" updated (${what})` }]);
    }
    return out!;
  }

  async deleteAlert(actor: Actor, ref: string): Promise<void> {
    const row = await this.alert(actor, ref);
    const at = this.now();
    await this.db.transaction(async (tx) => {
      await tx.delete(t.artifacts).where(and(eq(t.artifacts.parentKind, 'alert'), eq(t.artifacts.parentId, row.id)));
      await tx.delete(t.procedures).where(and(eq(t.procedures.parentKind, 'alert'), eq(t.procedures.parentId, row.id)));
      await tx.delete(t.comments).where(and(eq(t.comments.parentKind, 'alert'), eq(t.comments.parentId, row.id)));
      await tx.delete(t.alerts).where(eq(t.alerts.id, row.id));
      if (row.caseId) await this.recount(tx as unknown as Db, row.caseId, at);
    });
    this.forget(`ao:${row.id}`, `pr:alert:${row.id}`);
    await this.audit([{ at, actor: actor.name, kind: 'alert.deleted', ...(row.caseId && { caseId: row.caseId }), subject: row.id, message: `Alert "${clip(row.title)}" (${row.source} ${row.sourceRef}) deleted` }]);
    if (row.caseId) this.changed();
  }

  // ---- promote, merge, bulk merge, detach ----

  /**
   * Copies an alert's observables and procedures onto a case (as TheHive does when it merges). The
   * alert's must be materialized first, outside any transaction (PGlite has one connection).
   */
  private async copyToCase(db: Db, alert: AlertRow, caseId: string, actor: string, at: string): Promise<number> {
    const arts = await db.select().from(t.artifacts).where(and(eq(t.artifacts.parentKind, 'alert'), eq(t.artifacts.parentId, alert.id)));
    const prepared: PreparedObservable[] = arts.map((a) => {
      const v = vigilObservable(a.dataType, a.data);
      return {
        dataType: a.dataType,
        data: a.data,
        ...(v && { vigil: { type: v.type, value: v.value, ...(v.scope && { scope: v.scope }) } }),
        message: a.message,
        tlp: a.tlp,
        pap: a.pap,
        tags: a.tags,
        ioc: a.ioc,
        sighted: a.sighted,
        sightedAt: a.sightedAt,
        ignoreSimilarity: a.ignoreSimilarity,
        startDate: a.startDate,
      };
    });
    // Observables the alert has in its data but TheHive cannot name keep their case link for the report.
    const data = alert.data as Alert;
    const extraLinks = (data.observables ?? []).filter((o) => HIVE_TYPE_OF[o.type] === 'other');
    if (extraLinks.length) {
      await db.insert(t.caseObservables).values(dedupeBy(extraLinks.map((o) => ({ caseId, observableId: observableId(o), role: o.role ?? null })), (r) => r.observableId)).onConflictDoNothing();
    }
    await this.insertArtifacts(db, 'case', caseId, prepared, actor, at);
    const procs = await db.select().from(t.procedures).where(and(eq(t.procedures.parentKind, 'alert'), eq(t.procedures.parentId, alert.id), isNull(t.procedures.deletedAt)));
    if (procs.length) {
      await db
        .insert(t.procedures)
        .values(procs.map((p) => ({ ...p, id: procedureId('case', caseId, p.patternId, p.tactic), parentKind: 'case', parentId: caseId, createdAt: at, updatedAt: null, updatedBy: null })))
        .onConflictDoNothing();
    }
    return prepared.length;
  }

  /** Case keys for an alert merged by hand, so later pipeline alerts related to it join the same case. */
  private async addCaseKeys(db: Db, alert: AlertRow, caseId: string): Promise<void> {
    if (alert.org !== PIPELINE_ORG) return;
    const keys = new CaseGrouper(this.d.grouping).keysOf(alert.data as Alert);
    if (!keys.length) return;
    await db
      .insert(t.caseKeys)
      .values(keys.map((key) => ({ key, caseId, firstSeen: alert.time, lastSeen: alert.time })))
      .onConflictDoUpdate({
        target: [t.caseKeys.key, t.caseKeys.caseId],
        set: { firstSeen: sql`least(${t.caseKeys.firstSeen}, excluded.first_seen)`, lastSeen: sql`greatest(${t.caseKeys.lastSeen}, excluded.last_seen)` },
      });
  }

  private async recount(db: Db, caseId: string, at: string, actor?: string): Promise<void> {
    await db.execute(sql`update cases set
      alert_count = (select count(*) from alerts where case_id = ${caseId}),
      first_alert_at = coalesce((select min(time) from alerts where case_id = ${caseId}), first_alert_at),
      last_alert_at = coalesce((select max(time) from alerts where case_id = ${caseId}), last_alert_at),
      updated_at = ${at}::timestamptz${actor ? sql`, updated_by = ${actor}` : sql``}
      where id = ${caseId}`);
  }

  /** Puts alerts into a case: observables and procedures copied, the old case (if any) left, the timeline told. */
  private async attach(actor: Actor, alerts: AlertRow[], target: CaseRow, opened: boolean): Promise<void> {
    const at = this.now();
    const audit: AuditRow[] = [];
    await this.syncAlertArtifacts(alerts.map((a) => a.id));
    await this.syncProcedures('alert', alerts.map((a) => a.id));
    await this.syncCaseArtifacts([target.id]);
    await this.syncProcedures('case', [target.id]);
    await this.db.transaction(async (tx) => {
      const db = tx as unknown as Db;
      const left = new Set<string>();
      for (const a of alerts) {
        if (a.caseId === target.id) continue;
        await db.update(t.alerts).set({ caseId: target.id, hiveStatus: null, updatedAt: at, updatedBy: actor.name }).where(eq(t.alerts.id, a.id));
        await this.copyToCase(db, a, target.id, actor.name, at);
        await this.addCaseKeys(db, a, target.id);
        if (a.caseId) {
          left.add(a.caseId);
          audit.push({ at, actor: actor.name, kind: 'alert.detached', caseId: a.caseId, subject: a.id, message: `Alert "${clip(a.title)}" moved to case #${target.number}` });
        }
        audit.push({
          at,
          actor: actor.name,
          kind: 'alert.merged',
          caseId: target.id,
          subject: a.id,
          message: opened ? `Case opened from alert "${clip(a.title)}" (${a.source} ${a.sourceRef})` : `Alert "${clip(a.title)}" (${a.source} ${a.sourceRef}) merged${a.caseId ? ' from another case' : ''}`,
        });
      }
      for (const c of left) await this.recount(db, c, at, actor.name);
      await this.recount(db, target.id, at, actor.name);
    });
    await this.audit(audit);
    this.changed();
    const obs = alerts.flatMap((a) => (a.data as Alert).observables ?? []);
    this.enrichLater(target.id, obs);
  }

  async promote(actor: Actor, alertRef: string, body: unknown): Promise<CaseRow> {
    const alert = await this.alert(actor, alertRef);
    const p = parseInput(PromoteInput, body ?? {});
    if (alert.caseId) {
      const c = (await this.db.select({ number: t.cases.number }).from(t.cases).where(eq(t.cases.id, alert.caseId)))[0];
      throw new CaseError('BadRequest', `Alert ${alertRef} is already in case #${c?.number ?? '?'}; merge or detach it instead`);
    }
    const tpl = this.template(p.caseTemplate ?? (alert.extra['caseTemplate'] as string | undefined));
    const data = alert.data as Alert;
    const c = await this.insertCase(actor, {
      title: p.title ?? alert.title,
      description: p.description ?? data.description ?? '',
      severity: p.severity ?? severityToNumber(alert.severity),
      tlp: p.tlp ?? alert.tlp,
      pap: p.pap ?? alert.pap,
      tags: [...new Set([...alert.tags, ...(p.tags ?? [])])],
      flag: p.flag ?? alert.flag,
      customFields: alert.customFields,
      ...(p.assignee !== undefined && { assignee: p.assignee }),
      ...(p.summary !== undefined && { summary: p.summary }),
      startDate: Date.parse(alert.time),
    }, tpl, [], `promoted from alert "${clip(alert.title)}"`);
    await this.attach(actor, [alert], c, true);
    return (await this.db.select().from(t.cases).where(eq(t.cases.id, c.id)))[0]!;
  }

  async merge(actor: Actor, alertRef: string, caseRef: string): Promise<CaseRow> {
    const alert = await this.alert(actor, alertRef);
    const { target, opened } = await this.mergeTarget(actor, await this.case(actor, caseRef), 'caseId');
    await this.attach(actor, [alert], target, opened);
    return (await this.db.select().from(t.cases).where(eq(t.cases.id, target.id)))[0]!;
  }

  /**
   * Where alerts merged into `c` go. A closed case stays closed: with `cases.mergeIntoClosed: new`
   * (the default) a new case is opened that follows it, both timelines naming the other; with
   * `refuse` the merge is a 400 naming the case and what to do instead.
   */
  private async mergeTarget(actor: Actor, c: CaseRow, field: string): Promise<{ target: CaseRow; opened: boolean }> {
    if (caseStage(c.status) !== 'Closed') return { target: c, opened: false };
    if (this.d.grouping.mergeIntoClosed === 'refuse') {
      throw new CaseError('BadRequest', `case #${c.number} is closed (${c.status}): a merge would change a closed investigation; reopen it first, or promote the alerts to a new case (cases.mergeIntoClosed: new does that)`, { field, reason: 'closed' });
    }
    const next = await this.insertCase(
      actor,
      {
        title: c.title,
        description: `Follows case #${c.number}, closed as ${c.status}: alerts merged into it after it was closed are here.${c.description ? `\n\n${c.description}` : ''}`,
        severity: severityToNumber(c.severity),
        tlp: c.tlp,
        pap: c.pap,
        tags: c.tags,
        customFields: { ...c.customFields, followsCase: { value: c.number, order: Object.keys(c.customFields ?? {}).length } },
      },
      undefined,
      [],
      `for alerts merged into closed case #${c.number}`,
    );
    await this.audit([
      { at: this.now(), actor: actor.name, kind: 'case.followed', caseId: c.id, subject: next.id, message: `Alerts merged after the case was closed (${c.status}) went to new case #${next.number}; this case stays closed` },
      { at: this.now(), actor: actor.name, kind: 'case.follows', caseId: next.id, subject: c.id, message: `Follows case #${c.number} (closed as ${c.status})` },
    ]);
    return { target: next, opened: true };
  }

  /** All or nothing: every alert must exist (in the caller's organisation) before any is merged. */
  async bulkMerge(actor: Actor, body: unknown): Promise<CaseRow> {
    const p = parseInput(BulkMergeInput, body);
    const asked = await this.case(actor, p.caseId).catch((e: unknown) => {
      throw e instanceof CaseError && e.hiveType === 'NotFoundError' ? new CaseError('NotFoundError', e.message, { field: 'caseId', reason: 'not found' }) : e;
    });
    const alerts: AlertRow[] = [];
    for (const [i, ref] of [...new Set(p.alertIds)].entries()) {
      try {
        alerts.push(await this.alert(actor, ref));
      } catch (e) {
        if (e instanceof CaseError && e.hiveType === 'NotFoundError') throw new CaseError('NotFoundError', `Alert ${ref} not found; nothing was merged`, { field: `alertIds.${i}`, reason: 'not found' });
        throw e;
      }
    }
    const { target, opened } = await this.mergeTarget(actor, asked, 'caseId');
    await this.attach(actor, alerts, target, opened);
    return (await this.db.select().from(t.cases).where(eq(t.cases.id, target.id)))[0]!;
  }

  /** An alert leaves its case (its observables stay on the case, as in TheHive) and is New again. */
  async detach(actor: Actor, caseRef: string, alertRef: string): Promise<void> {
    const c = await this.case(actor, caseRef);
    const alert = await this.alert(actor, alertRef);
    if (alert.caseId !== c.id) throw new CaseError('NotFoundError', `Alert ${alertRef} is not in case #${c.number}`);
    const at = this.now();
    await this.db.transaction(async (tx) => {
      await tx.update(t.alerts).set({ caseId: null, hiveStatus: null, updatedAt: at, updatedBy: actor.name }).where(eq(t.alerts.id, alert.id));
      await this.recount(tx as unknown as Db, c.id, at, actor.name);
    });
    await this.audit([{ at, actor: actor.name, kind: 'alert.detached', caseId: c.id, subject: alert.id, message: `Alert "${clip(alert.title)}" (${alert.source} ${alert.sourceRef}) removed from the case` }]);
    this.changed();
  }

  // ---- cases ----

  private async insertCase(
    actor: Actor,
    c: {
      title: string;
      description: string;
      severity?: number | undefined;
      tlp?: number | undefined;
      pap?: number | undefined;
      tags?: string[] | undefined;
      flag?: boolean | undefined;
      status?: string | undefined;
      resolutionStatus?: string | undefined;
      impactStatus?: string | undefined;
      summary?: string | undefined;
      assignee?: string | undefined;
      customFields?: Record<string, { value: unknown; order: number }> | undefined;
      startDate?: number | undefined;
      endDate?: number | undefined;
    },
    tpl: CaseTemplate | undefined,
    tasks: TaskInput[],
    why: string,
  ): Promise<CaseRow> {
    const at = this.now();
    const nowMs = Date.parse(at);
    const severity = severityFromNumber(c.severity ?? tpl?.severity ?? 2);
    const status = c.status !== undefined ? normalizeCaseStatus(c.status, c.resolutionStatus) : 'New';
    if (!status) throw invalid('status', `must be one of ${CASE_STATUSES.join(', ')}`);
    const closed = caseStage(status) === 'Closed';
    const cf: Record<string, { value: unknown; order: number }> = {};
    Object.entries(tpl?.customFields ?? {}).forEach(([k, v], i) => (cf[k] = { value: v, order: i }));
    Object.assign(cf, c.customFields ?? {});
    const score = SEVERITY_SCORE[severity];
    const start = c.startDate ?? nowMs;
    const id = randomId('case');
    const allTasks: Array<TaskInput & { id: string; fromTemplate?: boolean }> = [...(tpl?.tasks ?? []).map((k) => ({ ...k, fromTemplate: true })), ...tasks].map((k) => ({ ...k, id: randomId('task') }));
    const row = await this.db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(t.cases)
        .values({
          id,
          title: `${tpl?.titlePrefix ?? ''}${c.title}`.slice(0, 1024),
          status,
          severity,
          score,
          summary: c.summary ?? tpl?.summary ?? '',
          tags: [...new Set([...(tpl?.tags ?? []), ...(c.tags ?? [])])],
          assessment: { severity, score, reasons: [{ factor: 'analyst', detail: `severity ${severityToNumber(severity)} (${severity}) set by ${actor.name}`, delta: score }] },
          alertCount: 0,
          firstAlertAt: iso(start),
          lastAlertAt: iso(start),
          createdAt: at,
          updatedAt: at,
          org: actor.org,
          description: c.description || tpl?.description || '',
          tlp: c.tlp ?? tpl?.tlp ?? 2,
          pap: c.pap ?? tpl?.pap ?? 2,
          flag: c.flag ?? tpl?.flag ?? false,
          assignee: c.assignee ?? null,
          startDate: iso(start),
          endDate: c.endDate !== undefined ? iso(c.endDate) : closed ? at : null,
          inProgressAt: status === 'InProgress' ? at : null,
          impactStatus: closed ? (c.impactStatus ?? 'NotApplicable') : null,
          customFields: cf,
          template: tpl?.name ?? null,
          createdBy: actor.name,
        })
        .returning();
      if (allTasks.length) {
        await tx.insert(t.tasks).values(
          allTasks.map((k, i) => ({
            id: k.id,
            caseId: id,
            title: k.title,
            description: k.description ?? '',
            group: k.group ?? 'default',
            status: k.status ?? 'Waiting',
            createdBy: actor.name,
            createdAt: at,
            flag: k.flag ?? false,
            order: k.order ?? i,
            mandatory: k.mandatory ?? false,
            assignee: k.assignee ?? null,
            dueDate: k.dueDate !== undefined ? iso(k.dueDate) : null,
            startDate: k.startDate !== undefined ? iso(k.startDate) : k.status === 'InProgress' ? at : null,
            endDate: k.endDate !== undefined ? iso(k.endDate) : k.status === 'Completed' ? at : null,
          })),
        );
      }
      return inserted!;
    });
    const audit: AuditRow[] = [
      { at, actor: actor.name, kind: 'case.opened', caseId: id, subject: id, message: `Case #${row.number} "${clip(row.title)}" opened by ${actor.name} (${severity}${tpl ? `, template ${tpl.name}` : ''}), ${why}` },
      ...allTasks.map((k) => ({ at, actor: actor.name, kind: 'task.created', caseId: id, subject: k.id, message: `Task "${clip(k.title)}" created${k.fromTemplate ? ` from template ${tpl!.name}` : ''}` })),
    ];
    // A new case has no grouping keys yet: the pipeline's grouping need not re-read anything.
    await this.audit(audit);
    return row;
  }

  async createCase(actor: Actor, body: unknown): Promise<CaseRow> {
    const c = parseInput(CaseInput, body);
    const tpl = this.template(c.caseTemplate);
    const tasks = (c.tasks ?? []).map((k, i) => parseInput(TaskInput, k, `tasks.${i}`));
    return this.insertCase(actor, c, tpl, tasks, 'through the TheHive API');
  }

  async updateCase(actor: Actor, ref: string, body: unknown): Promise<CaseRow> {
    const row = await this.case(actor, ref);
    const p = parseInput(CaseUpdate, body);
    const at = this.now();
    const audit: AuditRow[] = [];
    let status: string | undefined;
    if (p.status !== undefined) {
      status = normalizeCaseStatus(p.status, p.resolutionStatus);
      if (!status) throw invalid('status', `must be one of ${CASE_STATUSES.join(', ')} (or TheHive 4's Open / Resolved with resolutionStatus)`);
    }
    const severity = p.severity !== undefined ? severityFromNumber(p.severity) : undefined;
    const set: Partial<typeof t.cases.$inferInsert> = { updatedAt: at, updatedBy: actor.name };
    if (p.title !== undefined) set.title = p.title;
    if (p.description !== undefined) set.description = p.description;
    if (p.summary !== undefined) set.summary = p.summary;
    if (p.tlp !== undefined) set.tlp = p.tlp;
    if (p.pap !== undefined) set.pap = p.pap;
    if (p.flag !== undefined) set.flag = p.flag;
    if (p.startDate !== undefined) set.startDate = iso(p.startDate);
    if (p.endDate !== undefined) set.endDate = iso(p.endDate);
    if (p.assignee !== undefined) set.assignee = p.assignee;
    if (p.customFields !== undefined) set.customFields = { ...row.customFields, ...p.customFields };
    if (p.tags || p.addTags || p.removeTags) set.tags = mergeTags(row.tags, p.tags, p.addTags, p.removeTags);
    if (severity && severity !== row.severity) {
      set.severity = severity;
      audit.push({ at, actor: actor.name, kind: 'case.severity', caseId: row.id, subject: row.id, message: `Severity changed from ${row.severity} to ${severity}` });
    }
    if (status && status !== row.status) {
      set.status = status;
      const closing = caseStage(status) === 'Closed';
      const wasClosed = caseStage(row.status) === 'Closed';
      if (closing) {
        set.endDate = p.endDate !== undefined ? iso(p.endDate) : at;
        set.impactStatus = p.impactStatus ?? row.impactStatus ?? 'NotApplicable';
      } else if (wasClosed) {
        set.endDate = null;
        set.impactStatus = null;
      }
      if (status === 'InProgress' && !row.inProgressAt) set.inProgressAt = at;
      const impact = closing ? ` (impact: ${set.impactStatus})` : '';
      audit.push({ at, actor: actor.name, kind: closing ? 'case.closed' : wasClosed ? 'case.reopened' : 'case.status', caseId: row.id, subject: row.id, message: `Status changed from ${row.status} to ${status}${impact}${p.summary ? `: ${clip(p.summary)}` : ''}` });
    } else if (p.impactStatus !== undefined) set.impactStatus = p.impactStatus;
    // A summary given with a status change is part of that change's timeline entry.
    const other = Object.keys(p).filter((k) => !['status', 'severity', 'resolutionStatus', 'impactStatus', ...(set.status ? ['summary'] : [])].includes(k));
    if (other.length) audit.push({ at, actor: actor.name, kind: 'case.updated', caseId: row.id, subject: row.id, message: `Case updated: ${other.join(', ')}` });
    const [out] = await this.db.update(t.cases).set(set).where(eq(t.cases.id, row.id)).returning();
    await this.audit(audit);
    if (status !== undefined && OPEN_CASE_STATUSES.includes(status) !== OPEN_CASE_STATUSES.includes(row.status)) this.changed();
    if (status === 'FalsePositive' && row.status !== 'FalsePositive') await this.d.falsePositive?.(row, actor.name);
    return out!;
  }

  /** Deletes a case and everything in it; its alerts are kept, out of any case. Admins only. */
  async deleteCase(actor: Actor, ref: string): Promise<void> {
    if (actor.role !== 'admin') throw new CaseError('AuthorizationError', 'only an admin key may delete a case (close it instead)');
    const row = await this.case(actor, ref);
    const at = this.now();
    await this.db.transaction(async (tx) => {
      const taskIds = (await tx.select({ id: t.tasks.id }).from(t.tasks).where(eq(t.tasks.caseId, row.id))).map((r) => r.id);
      if (taskIds.length) await tx.delete(t.taskLogs).where(inArray(t.taskLogs.taskId, taskIds));
      await tx.delete(t.tasks).where(eq(t.tasks.caseId, row.id));
      await tx.delete(t.comments).where(and(eq(t.comments.parentKind, 'case'), eq(t.comments.parentId, row.id)));
      await tx.delete(t.artifacts).where(and(eq(t.artifacts.parentKind, 'case'), eq(t.artifacts.parentId, row.id)));
      await tx.delete(t.procedures).where(and(eq(t.procedures.parentKind, 'case'), eq(t.procedures.parentId, row.id)));
      await tx.delete(t.caseObservables).where(eq(t.caseObservables.caseId, row.id));
      await tx.delete(t.caseKeys).where(eq(t.caseKeys.caseId, row.id));
      await tx.update(t.alerts).set({ caseId: null, hiveStatus: null, updatedAt: at, updatedBy: actor.name }).where(eq(t.alerts.caseId, row.id));
      await tx.delete(t.cases).where(eq(t.cases.id, row.id));
    });
    this.forget(`co:${row.id}`, `pr:case:${row.id}`);
    await this.audit([{ at, actor: actor.name, kind: 'case.deleted', caseId: row.id, subject: row.id, message: `Case #${row.number} "${clip(row.title)}" deleted` }]);
    this.changed();
  }

  // ---- tasks and logs ----

  async createTask(actor: Actor, caseRef: string, body: unknown): Promise<TaskRow> {
    const c = await this.case(actor, caseRef);
    const k = parseInput(TaskInput, body);
    const at = this.now();
    const count = (await this.db.select({ n: sql<number>`count(*)::int` }).from(t.tasks).where(eq(t.tasks.caseId, c.id)))[0]?.n ?? 0;
    const status = k.status ?? 'Waiting';
    const [row] = await this.db
      .insert(t.tasks)
      .values({
        id: randomId('task'),
        caseId: c.id,
        title: k.title,
        description: k.description ?? '',
        group: k.group ?? 'default',
        status,
        createdBy: actor.name,
        createdAt: at,
        flag: k.flag ?? false,
        order: k.order ?? count,
        mandatory: k.mandatory ?? false,
        assignee: k.assignee ?? null,
        startDate: k.startDate !== undefined ? iso(k.startDate) : status === 'InProgress' ? at : null,
        endDate: k.endDate !== undefined ? iso(k.endDate) : status === 'Completed' ? at : null,
        dueDate: k.dueDate !== undefined ? iso(k.dueDate) : null,
      })
      .returning();
    await this.audit([{ at, actor: actor.name, kind: 'task.created', caseId: c.id, subject: row!.id, message: `Task "${clip(k.title)}" created${k.group ? ` in ${k.group}` : ''}` }]);
    return row!;
  }

  async updateTask(actor: Actor, ref: string, body: unknown): Promise<TaskRow> {
    const { task, case: c } = await this.task(actor, ref);
    const p = parseInput(TaskUpdate, body);
    const at = this.now();
    const set: Partial<typeof t.tasks.$inferInsert> = { updatedAt: at, updatedBy: actor.name };
    if (p.title !== undefined) set.title = p.title;
    if (p.group !== undefined) set.group = p.group;
    if (p.description !== undefined) set.description = p.description;
    if (p.flag !== undefined) set.flag = p.flag;
    if (p.order !== undefined) set.order = p.order;
    if (p.mandatory !== undefined) set.mandatory = p.mandatory;
    if (p.assignee !== undefined) set.assignee = p.assignee;
    if (p.dueDate !== undefined) set.dueDate = iso(p.dueDate);
    if (p.startDate !== undefined) set.startDate = iso(p.startDate);
    if (p.endDate !== undefined) set.endDate = iso(p.endDate);
    const audit: AuditRow[] = [];
    if (p.status !== undefined && p.status !== task.status) {
      set.status = p.status;
      if (p.status === 'InProgress' && !task.startDate && p.startDate === undefined) set.startDate = at;
      if ((p.status === 'Completed' || p.status === 'Cancel') && p.endDate === undefined) set.endDate = at;
      audit.push({ at, actor: actor.name, kind: 'task.status', caseId: c.id, subject: task.id, message: `Task "${clip(task.title)}" ${p.status === 'Completed' ? 'completed' : p.status === 'Cancel' ? 'cancelled' : p.status === 'InProgress' ? 'started' : 'set to Waiting'}` });
    }
    const other = Object.keys(p).filter((k) => k !== 'status');
    if (other.length) audit.push({ at, actor: actor.name, kind: 'task.updated', caseId: c.id, subject: task.id, message: `Task "${clip(p.title ?? task.title)}" updated: ${other.join(', ')}` });
    const [out] = await this.db.update(t.tasks).set(set).where(eq(t.tasks.id, task.id)).returning();
    await this.audit(audit);
    return out!;
  }

  async deleteTask(actor: Actor, ref: string): Promise<void> {
    const { task, case: c } = await this.task(actor, ref);
    await this.db.transaction(async (tx) => {
      await tx.delete(t.taskLogs).where(eq(t.taskLogs.taskId, task.id));
      await tx.delete(t.tasks).where(eq(t.tasks.id, task.id));
    });
    await this.audit([{ at: this.now(), actor: actor.name, kind: 'task.deleted', caseId: c.id, subject: task.id, message: `Task "${clip(task.title)}" deleted` }]);
  }

  /** A log on a waiting task starts it, as in TheHive. */
  async addLog(actor: Actor, taskRef: string, body: unknown): Promise<LogRow> {
    const { task, case: c } = await this.task(actor, taskRef);
    const p = parseInput(LogInput, body);
    const at = this.now();
    const [row] = await this.db
      .insert(t.taskLogs)
      .values({ id: randomId('log'), taskId: task.id, caseId: c.id, message: p.message, date: iso(p.startDate ?? Date.parse(at)), includeInTimeline: p.includeInTimeline !== undefined ? iso(p.includeInTimeline) : null, createdBy: actor.name, createdAt: at })
      .returning();
    if (task.status === 'Waiting') await this.db.update(t.tasks).set({ status: 'InProgress', startDate: task.startDate ?? at, updatedAt: at, updatedBy: actor.name }).where(eq(t.tasks.id, task.id));
    await this.audit([{ at, actor: actor.name, kind: 'task.log', caseId: c.id, subject: task.id, message: `Log on task "${clip(task.title, 80)}": ${clip(p.message)}` }]);
    return row!;
  }

  async updateLog(actor: Actor, ref: string, body: unknown): Promise<LogRow> {
    const row = await this.logEntry(actor, ref);
    const p = parseInput(LogUpdate, body);
    const [out] = await this.db
      .update(t.taskLogs)
      .set({ ...(p.message !== undefined && { message: p.message }), ...(p.includeInTimeline !== undefined && { includeInTimeline: iso(p.includeInTimeline) }), updatedBy: actor.name, updatedAt: this.now() })
      .where(eq(t.taskLogs.id, row.id))
      .returning();
    return out!;
  }

  async deleteLog(actor: Actor, ref: string): Promise<void> {
    const row = await this.logEntry(actor, ref);
    await this.db.delete(t.taskLogs).where(eq(t.taskLogs.id, row.id));
  }

  async logsOfTask(taskId: string): Promise<LogRow[]> {
    return this.db.select().from(t.taskLogs).where(eq(t.taskLogs.taskId, taskId)).orderBy(asc(t.taskLogs.createdAt));
  }

  // ---- comments ----

  async addComment(actor: Actor, kind: ParentKind, parentRef: string, body: unknown): Promise<CommentRow> {
    const parent = await this.parent(actor, kind, parentRef);
    const p = parseInput(CommentInput, body);
    const at = this.now();
    const [row] = await this.db.insert(t.comments).values({ id: randomId('cmt'), parentKind: kind, parentId: parent.id, message: p.message, createdBy: actor.name, createdAt: at }).returning();
    const caseId = kind === 'case' ? parent.id : (parent as AlertRow).caseId;
    if (caseId) await this.audit([{ at, actor: actor.name, kind: 'comment.added', caseId, subject: row!.id, message: `${actor.name} commented: ${clip(p.message)}` }]);
    return row!;
  }

  async updateComment(actor: Actor, ref: string, body: unknown): Promise<CommentRow> {
    const row = await this.comment(actor, ref);
    const p = parseInput(CommentInput, body);
    const [out] = await this.db.update(t.comments).set({ message: p.message, updatedBy: actor.name, updatedAt: this.now() }).where(eq(t.comments.id, row.id)).returning();
    return out!;
  }

  async deleteComment(actor: Actor, ref: string): Promise<void> {
    const row = await this.comment(actor, ref);
    await this.db.delete(t.comments).where(eq(t.comments.id, row.id));
  }

  // ---- related cases ----

  /** Other cases of the same organisation sharing observables with these ones: "also seen in cases #12, #40". */
  async relatedCases(org: string, observableIds: string[]): Promise<Map<string, Array<{ id: string; number: number; title: string }>>> {
    const out = new Map<string, Array<{ id: string; number: number; title: string }>>();
    if (!observableIds.length) return out;
    const rows = await this.db
      .select({ obs: t.caseObservables.observableId, id: t.cases.id, number: t.cases.number, title: t.cases.title })
      .from(t.caseObservables)
      .innerJoin(t.cases, eq(t.cases.id, t.caseObservables.caseId))
      .where(and(inArray(t.caseObservables.observableId, [...new Set(observableIds)]), new OrgScope(org).owns(t.cases.org)))
      .orderBy(asc(t.cases.number));
    for (const r of rows) {
      let l = out.get(r.obs);
      if (!l) out.set(r.obs, (l = []));
      if (l.length < 50) l.push({ id: r.id, number: r.number, title: r.title });
    }
    return out;
  }

  /** Cases sharing observables with this one, with how many and which. */
  async links(actor: Actor, caseRef: string): Promise<Array<{ case: CaseRow; observableIds: string[] }>> {
    const c = await this.case(actor, caseRef);
    const rows = rowsOf<{ case_id: string; obs: string[] }>(
      await this.db.execute(sql`
        select b.case_id, jsonb_agg(distinct b.observable_id) as obs from case_observables a
        join case_observables b on b.observable_id = a.observable_id and b.case_id <> a.case_id
        join cases c on c.id = b.case_id
        where a.case_id = ${c.id} and ${scope(actor).ownsAlias('c')}
        group by b.case_id order by count(distinct b.observable_id) desc limit 100`),
    );
    if (!rows.length) return [];
    const cases = await this.db.select().from(t.cases).where(inArray(t.cases.id, rows.map((r) => r.case_id)));
    const byId = new Map(cases.map((x) => [x.id, x]));
    return rows.flatMap((r) => (byId.has(r.case_id) ? [{ case: byId.get(r.case_id)!, observableIds: typeof r.obs === 'string' ? (JSON.parse(r.obs) as string[]) : r.obs }] : []));
  }

  async timeline(actor: Actor, caseRef: string): Promise<Array<typeof t.auditLog.$inferSelect>> {
    const c = await this.case(actor, caseRef);
    return this.d.repo.timelineOfCase(c.id);
  }
}

function dedupe<T extends { id: string }>(rows: T[]): T[] {
  return dedupeBy(rows, (r) => r.id);
}

function dedupeBy<T>(rows: T[], key: (r: T) => string): T[] {
  const m = new Map<string, T>();
  for (const r of rows) if (!m.has(key(r))) m.set(key(r), r);
  return [...m.values()];
}
