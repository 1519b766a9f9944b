import { and, asc, desc, eq, inArray, isNull, like, lte, or, sql } from 'drizzle-orm';
import type { ActionRecord, Task } from '../core/types.js';
import type { Db } from '../store/db.js';
import { observableId, type AuditRow } from '../store/repo.js';
import { actions, approvals, auditLog, cases, kv, observables, playbookRuns, tasks } from '../store/schema.js';
import type { OrgScope } from '../store/scope.js';
import type { CaseChanges, EnrichAnswer } from './action.js';
import type { CaseSnapshot } from './case.js';

export type RunStatus = 'running' | 'waiting_approval' | 'succeeded' | 'failed' | 'rejected' | 'expired';
export type RunRow = typeof playbookRuns.$inferSelect;
export type ApprovalRow = typeof approvals.$inferSelect;

/** An action record as the playbook engine stores it: with its run and, for blocks, its expiry. */
export interface StoredAction extends ActionRecord {
  runId?: string;
  expiresAt?: string;
}

/** Everything one step (or the end of a run) writes, in one transaction. */
export interface Commit {
  records: StoredAction[];
  tasks: Task[];
  audit: AuditRow[];
  changes: Array<{ caseId: string; changes: CaseChanges }>;
  run?: { id: string; patch: Partial<typeof playbookRuns.$inferInsert>; onlyIf?: RunStatus[] };
  /** A run stored for the first time, with its outcome. */
  insertRun?: typeof playbookRuns.$inferInsert;
  approval?: typeof approvals.$inferInsert;
  /** Actions undone by this commit (their `undone_at` is set). */
  undone?: Array<{ id: string; at: string }>;
}

const SNAPSHOT_KEY = 'playbooks.seen:';

function chunks<T>(rows: T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** Store access for playbooks, over the same database as the rest (drizzle on `repo.db`). */
export class PlaybookStore {
  constructor(readonly db: Db) {}

  /**
   * What the engine needs about a case before deciding anything, in one round trip: the latest
   * assignee, the remembered snapshot, the actions already recorded, the playbooks with a run going,
   * and (when asked) the rule groups of its alerts.
   */
  async caseState(caseId: string, opts: { ruleGroups: boolean }): Promise<{ assignee?: string; ruleGroups?: string[]; snapshot?: CaseSnapshot; done: Set<string>; active: Set<string> }> {
    const groups = opts.ruleGroups
      ? sql`(select coalesce(jsonb_agg(distinct g), '[]'::jsonb) from alerts a, jsonb_array_elements_text(case jsonb_typeof(a.rule_groups) when 'array' then a.rule_groups else '[]'::jsonb end) g where a.case_id = ${caseId})`
      : sql`null::jsonb`;
    const r = await this.db.execute(sql`select
      (select assignee from cases where id = ${caseId}) as assignee,
      (select value from kv where key = ${SNAPSHOT_KEY + caseId}) as snapshot,
      (select coalesce(jsonb_agg(id), '[]'::jsonb) from actions where case_id = ${caseId}) as done,
      (select coalesce(jsonb_agg(distinct playbook), '[]'::jsonb) from playbook_runs where case_id = ${caseId} and status in ('running', 'waiting_approval')) as active,
      ${groups} as groups`);
    const row = (r as unknown as { rows: Array<Record<string, unknown>> }).rows[0] ?? {};
    // node-postgres parses jsonb; PGlite may hand back text.
    const js = <T>(v: unknown): T | undefined => (typeof v === 'string' ? (JSON.parse(v) as T) : ((v ?? undefined) as T | undefined));
    const groupsOut = js<string[]>(row.groups);
    const snap = js<CaseSnapshot>(row.snapshot);
    return {
      ...(typeof row.assignee === 'string' && row.assignee && { assignee: row.assignee }),
      ...(opts.ruleGroups && { ruleGroups: groupsOut ?? [] }),
      ...(snap && { snapshot: snap }),
      done: new Set(js<string[]>(row.done) ?? []),
      active: new Set(js<string[]>(row.active) ?? []),
    };
  }

  /** The latest assignee and, when asked, the rule groups of every alert of the case. */
  async caseExtras(caseId: string, opts: { ruleGroups: boolean }): Promise<{ assignee?: string; ruleGroups?: string[] }> {
    const s = await this.caseState(caseId, opts);
    return { ...(s.assignee && { assignee: s.assignee }), ...(s.ruleGroups && { ruleGroups: s.ruleGroups }) };
  }

  async snapshot(caseId: string): Promise<CaseSnapshot | undefined> {
    const rows = await this.db.select({ value: kv.value }).from(kv).where(eq(kv.key, SNAPSHOT_KEY + caseId));
    return rows[0]?.value as CaseSnapshot | undefined;
  }

  async saveSnapshot(caseId: string, snap: CaseSnapshot, at: string): Promise<void> {
    await this.db.insert(kv).values({ key: SNAPSHOT_KEY + caseId, value: snap, updatedAt: at }).onConflictDoUpdate({ target: kv.key, set: { value: snap, updatedAt: at } });
  }

  async actionIdsOfCase(caseId: string): Promise<Set<string>> {
    const rows = await this.db.select({ id: actions.id }).from(actions).where(eq(actions.caseId, caseId));
    return new Set(rows.map((r) => r.id));
  }

  /** Playbooks with a run still going (or paused) on the case: a new trigger does not start a second. */
  async activePlaybooks(caseId: string): Promise<Set<string>> {
    const rows = await this.db
      .select({ playbook: playbookRuns.playbook })
      .from(playbookRuns)
      .where(and(eq(playbookRuns.caseId, caseId), inArray(playbookRuns.status, ['running', 'waiting_approval'])));
    return new Set(rows.map((r) => r.playbook));
  }

  async insertRun(row: typeof playbookRuns.$inferInsert): Promise<void> {
    await this.db.insert(playbookRuns).values(row);
  }

  /** Writes a step's or a run's outcome atomically; false when `run.onlyIf` no longer held (the sweep got there first). */
  async commit(c: Commit): Promise<boolean> {
    return (await this.commitMany([c]))[0]!;
  }

  /**
   * Several commits in one transaction (the runs one case event started), with the case's snapshot:
   * one round trip to the disk instead of one per run.
   */
  async commitMany(cs: Commit[], snapshot?: { caseId: string; value: CaseSnapshot; at: string }): Promise<boolean[]> {
    const applied: boolean[] = [];
    await this.db.transaction(async (tx) => {
      for (const c of cs) applied.push(await this.apply(tx as unknown as Db, c));
      if (snapshot) {
        await tx
          .insert(kv)
          .values({ key: SNAPSHOT_KEY + snapshot.caseId, value: snapshot.value, updatedAt: snapshot.at })
          .onConflictDoUpdate({ target: kv.key, set: { value: snapshot.value, updatedAt: snapshot.at } });
      }
    });
    return applied;
  }

  private async apply(tx: Db, c: Commit): Promise<boolean> {
    for (const part of chunks(c.records)) {
      await tx
        .insert(actions)
        .values(
          part.map((r) => ({
            id: r.id,
            caseId: r.caseId,
            playbook: r.playbook,
            action: r.action,
            status: r.status,
            target: r.target,
            reason: r.reason,
            details: r.details,
            artifact: r.artifact ?? null,
            at: r.at,
            runId: r.runId ?? null,
            expiresAt: r.expiresAt ?? null,
          })),
        )
        .onConflictDoNothing();
    }
    for (const part of chunks(c.tasks)) await tx.insert(tasks).values(part).onConflictDoNothing();
    for (const { caseId, changes } of c.changes) {
      const patch: Record<string, unknown> = {};
      // Appended in the statement itself, so a tag added meanwhile by someone else is kept.
      if (changes.addTags?.length) {
        patch.tags = sql`${cases.tags} || (select coalesce(jsonb_agg(x), '[]'::jsonb) from jsonb_array_elements_text(${JSON.stringify(changes.addTags)}::jsonb) x where not jsonb_exists(${cases.tags}, x))`;
      }
      if (changes.severity) patch.severity = changes.severity;
      if (changes.status) patch.status = changes.status;
      if (changes.assignee) patch.assignee = changes.assignee;
      if (Object.keys(patch).length) await tx.update(cases).set({ ...patch, updatedAt: new Date().toISOString() }).where(eq(cases.id, caseId));
    }
    if (c.audit.length) {
      await tx.insert(auditLog).values(c.audit.map((a) => ({ at: a.at, actor: a.actor, kind: a.kind, caseId: a.caseId ?? null, subject: a.subject ?? '', message: a.message, data: a.data ?? null })));
    }
    if (c.insertRun) await tx.insert(playbookRuns).values(c.insertRun);
    if (c.approval) await tx.insert(approvals).values(c.approval).onConflictDoNothing();
    for (const u of c.undone ?? []) await tx.update(actions).set({ undoneAt: u.at }).where(eq(actions.id, u.id));
    if (!c.run) return true;
    const where = c.run.onlyIf ? and(eq(playbookRuns.id, c.run.id), inArray(playbookRuns.status, c.run.onlyIf)) : eq(playbookRuns.id, c.run.id);
    return (await tx.update(playbookRuns).set(c.run.patch).where(where).returning({ id: playbookRuns.id })).length > 0;
  }

  async updateRun(id: string, patch: Partial<typeof playbookRuns.$inferInsert>, onlyIf?: RunStatus[]): Promise<boolean> {
    const where = onlyIf ? and(eq(playbookRuns.id, id), inArray(playbookRuns.status, onlyIf)) : eq(playbookRuns.id, id);
    return (await this.db.update(playbookRuns).set(patch).where(where).returning({ id: playbookRuns.id })).length > 0;
  }

  /**
   * A run by id, or by a unique prefix of at least 8 characters (what people type from a table).
   * With a scope, only a run on a case of that organisation.
   */
  async run(id: string, scope?: OrgScope): Promise<RunRow | undefined> {
    const mine = scope ? scope.caseIn(playbookRuns.caseId) : undefined;
    const exact = (await this.db.select().from(playbookRuns).where(and(eq(playbookRuns.id, id), mine)))[0];
    if (exact || id.length < 8 || !/^[A-Za-z0-9_]+$/.test(id)) return exact;
    const rows = await this.db.select().from(playbookRuns).where(and(like(playbookRuns.id, `${id}%`), mine)).limit(2);
    return rows.length === 1 ? rows[0] : undefined;
  }

  async runs(filter: { caseId?: string; status?: RunStatus[]; limit?: number; scope?: OrgScope } = {}): Promise<RunRow[]> {
    const conds = [
      ...(filter.caseId ? [eq(playbookRuns.caseId, filter.caseId)] : []),
      ...(filter.status ? [inArray(playbookRuns.status, filter.status)] : []),
      ...(filter.scope ? [filter.scope.caseIn(playbookRuns.caseId)] : []),
    ];
    return this.db
      .select()
      .from(playbookRuns)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(desc(playbookRuns.startedAt), desc(playbookRuns.id))
      .limit(filter.limit ?? 100);
  }

  async approvalsOf(runId: string): Promise<ApprovalRow[]> {
    return this.db.select().from(approvals).where(eq(approvals.runId, runId)).orderBy(asc(approvals.requestedAt));
  }

  async insertApproval(row: typeof approvals.$inferInsert): Promise<void> {
    await this.db.insert(approvals).values(row).onConflictDoNothing();
  }

  /** Decides a pending approval; undefined when it was not pending any more (someone else decided). */
  async decide(id: string, patch: { status: 'approved' | 'rejected' | 'expired'; decidedBy?: string; decidedAt: string; reason?: string }): Promise<ApprovalRow | undefined> {
    const r = await this.db
      .update(approvals)
      .set({ status: patch.status, decidedBy: patch.decidedBy ?? null, decidedAt: patch.decidedAt, reason: patch.reason ?? null })
      .where(and(eq(approvals.id, id), eq(approvals.status, 'pending')))
      .returning();
    return r[0];
  }

  async expiredApprovals(now: string): Promise<ApprovalRow[]> {
    return this.db.select().from(approvals).where(and(eq(approvals.status, 'pending'), lte(approvals.expiresAt, now))).limit(500);
  }

  /** Runs still `running` past their deadline: their process stopped or hung. */
  async staleRuns(now: string): Promise<RunRow[]> {
    return this.db.select().from(playbookRuns).where(and(eq(playbookRuns.status, 'running'), lte(playbookRuns.deadlineAt, now))).limit(500);
  }

  /** Actions whose effect lapsed (a block's TTL) and that were not undone yet. */
  async expiredActions(now: string): Promise<Array<typeof actions.$inferSelect>> {
    return this.db
      .select()
      .from(actions)
      .where(and(isNull(actions.undoneAt), lte(actions.expiresAt, now), or(eq(actions.status, 'executed'), eq(actions.status, 'simulated'))))
      .orderBy(asc(actions.expiresAt))
      .limit(500);
  }

  /** Action records by id (the ledger's holders), for the undo's records and artifacts. */
  async actionsByIds(ids: string[]): Promise<Map<string, typeof actions.$inferSelect>> {
    const out = new Map<string, typeof actions.$inferSelect>();
    for (const part of chunks(ids)) for (const r of await this.db.select().from(actions).where(inArray(actions.id, part))) out.set(r.id, r);
    return out;
  }

  async markUndone(id: string, at: string): Promise<boolean> {
    return (await this.db.update(actions).set({ undoneAt: at }).where(and(eq(actions.id, id), isNull(actions.undoneAt))).returning({ id: actions.id })).length > 0;
  }

  async updateUndone(id: string, at: string | null): Promise<void> {
    await this.db.update(actions).set({ undoneAt: at }).where(eq(actions.id, id));
  }

  async caseRef(caseId: string): Promise<{ id: string; number: number; title: string; severity: string } | undefined> {
    return (await this.db.select({ id: cases.id, number: cases.number, title: cases.title, severity: cases.severity }).from(cases).where(eq(cases.id, caseId)))[0];
  }

  /** Stores fresh intel verdicts on the observables (what `enrich` found). */
  async saveVerdicts(answers: EnrichAnswer[], raw: Map<string, unknown[]>): Promise<void> {
    for (const a of answers) {
      await this.db
        .update(observables)
        .set({ riskScore: a.score, verdict: a.verdict, intel: raw.get(`${a.type}:${a.value}`) ?? [] })
        .where(eq(observables.id, observableId(a as { type: string; value: string })));
    }
  }
}
