import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { stableId } from '../core/ids.js';
import type { ActionRecord, Alert, Assessment, IntelResult, Observable, Severity, Task, Verdict } from '../core/types.js';
import type { Indicator } from '../intel/feeds/format.js';
import type { Db } from './db.js';
import { executePrepared, type PreparedStatement } from './prepared.js';
import * as t from './schema.js';

const CHUNK = 500;

function chunks<T>(rows: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

export interface StoredAlert {
  alert: Alert;
  assessment: Assessment;
  caseId: string;
}

export interface CaseUpsert {
  id: string;
  opened: boolean;
  title: string;
  severity: Severity;
  score: number;
  assessment: Assessment;
  alertCount: number;
  firstAlertAt: string;
  lastAlertAt: string;
  summary: string;
}

export interface AuditRow {
  at: string;
  actor: string;
  kind: string;
  caseId?: string;
  subject?: string;
  message: string;
  data?: unknown;
}

export interface ObservableUpsert {
  observable: Observable;
  seenAt: string;
  risk?: { score: number; verdict: Verdict };
  intel?: IntelResult[];
}

export const OPEN_STATUSES = ['New', 'InProgress'];

/** An alert as a list shows it: its columns without the JSON body. */
export const ALERT_LIST_COLUMNS = {
  id: t.alerts.id,
  source: t.alerts.source,
  sourceRef: t.alerts.sourceRef,
  time: t.alerts.time,
  title: t.alerts.title,
  ruleId: t.alerts.ruleId,
  ruleLevel: t.alerts.ruleLevel,
  host: t.alerts.host,
  severity: t.alerts.severity,
  score: t.alerts.score,
};

/**
 * The batch write (see Repo.saveBatch). Every CTE sees the store as it was before the statement, so
 * `new_cases` inserts exactly the cases `old_cases` cannot update. (An upsert would take a number
 * from the case sequence even when it only updates, leaving gaps in the case numbers.)
 */
const SAVE_BATCH: PreparedStatement = {
  name: 'vigil_save_batch',
  types: ['jsonb', 'timestamptz'],
  text: `
      with p as (select $1::jsonb as j),
      c as (
        select x.* from p, jsonb_to_recordset(p.j->'cases') as x(id text, title text, severity text, score real, assessment jsonb, summary text,
          alert_count int, first_alert_at timestamptz, last_alert_at timestamptz)
      ),
      new_cases as (
        insert into cases (id, title, severity, score, assessment, summary, alert_count, first_alert_at, last_alert_at, created_at, updated_at)
        select id, title, severity, score, assessment, summary, alert_count, first_alert_at, last_alert_at, $2, $2
        from c where not exists (select 1 from cases e where e.id = c.id)
        returning id, number
      ),
      old_cases as (
        update cases e set title = c.title, severity = c.severity, score = c.score, assessment = c.assessment, alert_count = c.alert_count,
          first_alert_at = least(e.first_alert_at, c.first_alert_at), last_alert_at = greatest(e.last_alert_at, c.last_alert_at), updated_at = $2
        from c where e.id = c.id
        returning e.id, e.number
      ),
      new_alerts as (
        insert into alerts (id, source, source_ref, time, title, rule_id, rule_level, host, severity, score, case_id, data)
        select x.* from p, jsonb_to_recordset(p.j->'alerts') as x(id text, source text, source_ref text, time timestamptz, title text, rule_id text,
          rule_level int, host text, severity text, score real, case_id text, data jsonb)
        on conflict do nothing
      ),
      keys as (
        insert into case_keys (key, case_id, first_seen, last_seen)
        select x.* from p, jsonb_to_recordset(p.j->'keys') as x(key text, case_id text, first_seen timestamptz, last_seen timestamptz)
        on conflict (key, case_id) do update set
          first_seen = least(case_keys.first_seen, excluded.first_seen),
          last_seen = greatest(case_keys.last_seen, excluded.last_seen)
      ),
      obs as (
        insert into observables (id, type, value, scope, risk_score, verdict, intel, first_seen, last_seen)
        select id, type, value, scope, risk_score, verdict, coalesce(intel, '[]'::jsonb), first_seen, last_seen
        from p, jsonb_to_recordset(p.j->'observables') as x(id text, type text, value text, scope text, risk_score real, verdict text, intel jsonb,
          first_seen timestamptz, last_seen timestamptz)
        on conflict (id) do update set
          last_seen = greatest(observables.last_seen, excluded.last_seen),
          first_seen = least(observables.first_seen, excluded.first_seen),
          risk_score = coalesce(excluded.risk_score, observables.risk_score),
          verdict = coalesce(excluded.verdict, observables.verdict),
          intel = case when jsonb_array_length(excluded.intel) > 0 then excluded.intel else observables.intel end
      ),
      iocs as (
        -- Observables found malicious are IOCs in the TheHive API too, unless a person has edited them since.
        update artifacts a set ioc = true
        from p, jsonb_array_elements_text(p.j->'malicious') as m(id)
        where a.observable_id = m.id and not a.ioc and a.updated_at is null
      ),
      links as (
        insert into case_observables (case_id, observable_id, role, provenance)
        select x.* from p, jsonb_to_recordset(p.j->'links') as x(case_id text, observable_id text, role text, provenance jsonb)
        on conflict do nothing
      ),
      audit as (
        -- In the batch's order: the timeline is ordered by id.
        insert into audit_log (at, actor, kind, case_id, subject, message, data)
        select (e->>'at')::timestamptz, e->>'actor', e->>'kind', e->>'case_id', e->>'subject', e->>'message', nullif(e->'data', 'null'::jsonb)
        from p, jsonb_array_elements(p.j->'audit') with ordinality as x(e, n)
        order by n
      )
      select id, number from new_cases union all select id, number from old_cases`,
};

const EXISTING_ALERTS: PreparedStatement = {
  name: 'vigil_existing_alerts',
  types: ['jsonb'],
  text: 'select id from alerts where id = any(array(select jsonb_array_elements_text($1)))',
};

/** How an observable that was not written plainly was found: its field, decoding layers, wrapping link. */
export interface ObservableProvenance {
  field?: string;
  layers?: string[];
  wrapper?: string;
}

/** The provenance worth keeping for a case link: only for decoded or unwrapped values. */
export function provenanceOf(o: Observable): ObservableProvenance | null {
  if (!o.layers?.length && o.wrapper === undefined) return null;
  return { ...(o.context !== undefined && { field: o.context }), ...(o.layers?.length && { layers: o.layers }), ...(o.wrapper !== undefined && { wrapper: o.wrapper }) };
}

/** Every read and write the pipeline and API make; one place, so PGlite and PostgreSQL stay identical. */
export class Repo {
  constructor(readonly db: Db) {}

  /** Which of `ids` are stored: asked before every batch, so prepared (planning an IN list of 30 costs more than running it). */
  async existingAlertIds(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await executePrepared<{ id: string }>(this.db, EXISTING_ALERTS, [JSON.stringify(ids)]);
    return new Set(rows.map((r) => r.id));
  }

  async openCases(): Promise<Array<typeof t.cases.$inferSelect>> {
    return this.db.select().from(t.cases).where(inArray(t.cases.status, OPEN_STATUSES));
  }

  async caseKeysFor(caseIds: string[]): Promise<Array<typeof t.caseKeys.$inferSelect>> {
    if (!caseIds.length) return [];
    const out: Array<typeof t.caseKeys.$inferSelect> = [];
    for (const c of chunks(caseIds, 1000)) out.push(...(await this.db.select().from(t.caseKeys).where(inArray(t.caseKeys.caseId, c))));
    return out;
  }

  /** Writes one processed batch atomically: a crash mid-batch leaves the store as it was before it. */
  /**
   * Stores one batch (alerts, their cases, case keys, observables, links and timeline) as a single
   * statement: one JSON parameter expanded by jsonb_to_recordset, each table written by its own
   * data-modifying CTE. One statement is atomic on its own, and on PGlite a statement's fixed cost
   * is what a small batch (a burst of webhook requests) mostly pays. Returns the number of every
   * case the batch touched.
   */
  async saveBatch(batch: {
    alerts: StoredAlert[];
    cases: CaseUpsert[];
    keys: Array<{ key: string; caseId: string; firstSeen: string; lastSeen: string }>;
    observables: ObservableUpsert[];
    caseObservables: Array<{ caseId: string; observable: Observable }>;
    audit: AuditRow[];
  }): Promise<Map<string, number>> {
    const now = new Date().toISOString();
    const payload = {
      cases: batch.cases.map((x) => ({ id: x.id, title: x.title, severity: x.severity, score: x.score, assessment: x.assessment, summary: x.summary, alert_count: x.alertCount, first_alert_at: x.firstAlertAt, last_alert_at: x.lastAlertAt })),
      alerts: batch.alerts.map(({ alert: a, assessment, caseId }) => ({
        id: a.id,
        source: a.source,
        source_ref: a.sourceRef,
        time: a.time,
        title: a.title,
        rule_id: a.rule.id,
        rule_level: a.rule.level,
        host: a.host.name,
        severity: assessment.severity,
        score: assessment.score,
        case_id: caseId,
        data: { ...a, assessment },
      })),
      keys: mergeSpans(batch.keys).map((k) => ({ key: k.key, case_id: k.caseId, first_seen: k.firstSeen, last_seen: k.lastSeen })),
      observables: mergeObservables(batch.observables).map((o) => ({
        id: observableId(o.observable),
        type: o.observable.type,
        value: o.observable.value,
        scope: o.observable.scope ?? null,
        risk_score: o.risk?.score ?? null,
        verdict: o.risk?.verdict ?? null,
        intel: o.intel ?? [],
        first_seen: o.firstSeen,
        last_seen: o.lastSeen,
      })),
      malicious: [...new Set(batch.observables.filter((o) => o.risk?.verdict === 'malicious').map((o) => observableId(o.observable)))],
      links: dedupeBy(batch.caseObservables, (l) => `${l.caseId}:${l.observable.type}:${l.observable.value}`).map((l) => ({
        case_id: l.caseId,
        observable_id: observableId(l.observable),
        role: l.observable.role ?? null,
        provenance: provenanceOf(l.observable),
      })),
      audit: batch.audit.map((r) => ({ at: r.at, actor: r.actor, kind: r.kind, case_id: r.caseId ?? null, subject: r.subject ?? '', message: r.message, data: r.data ?? null })),
    };
    const rows = await executePrepared<{ id: string; number: number }>(this.db, SAVE_BATCH, [JSON.stringify(payload), now]);
    return new Map(rows.map((r) => [r.id, Number(r.number)]));
  }

  async audit(rows: AuditRow[]): Promise<void> {
    await insertAudit(this.db, rows);
  }

  /** The number of the case holding each of these alerts (alerts in no case are left out). */
  async caseNumbersOfAlerts(alertIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const c of chunks(alertIds, 1000)) {
      const rows = await this.db
        .select({ id: t.alerts.id, n: t.cases.number })
        .from(t.alerts)
        .innerJoin(t.cases, eq(t.cases.id, t.alerts.caseId))
        .where(inArray(t.alerts.id, c));
      for (const r of rows) out.set(r.id, r.n);
    }
    return out;
  }

  async caseById(id: string): Promise<typeof t.cases.$inferSelect | undefined> {
    return (await this.db.select().from(t.cases).where(eq(t.cases.id, id)))[0];
  }

  /** A case by number; with `org`, only when it belongs to that organisation. */
  async caseByNumber(n: number, org?: string): Promise<typeof t.cases.$inferSelect | undefined> {
    return (await this.db.select().from(t.cases).where(org === undefined ? eq(t.cases.number, n) : and(eq(t.cases.number, n), eq(t.cases.org, org))))[0];
  }

  async listCases(limit = 100, offset = 0, org?: string): Promise<Array<typeof t.cases.$inferSelect>> {
    return this.db.select().from(t.cases).where(org === undefined ? undefined : eq(t.cases.org, org)).orderBy(desc(t.cases.number)).limit(limit).offset(offset);
  }

  async alertsOfCase(caseId: string): Promise<Array<typeof t.alerts.$inferSelect>> {
    return this.db.select().from(t.alerts).where(eq(t.alerts.caseId, caseId)).orderBy(asc(t.alerts.time));
  }

  /** A case's latest `limit` alerts, oldest first, without their JSON bodies. */
  async recentAlertsOfCase(caseId: string, limit: number) {
    const rows = await this.db
      .select(ALERT_LIST_COLUMNS)
      .from(t.alerts)
      .where(eq(t.alerts.caseId, caseId))
      .orderBy(desc(t.alerts.time), desc(t.alerts.id))
      .limit(limit);
    return rows.reverse();
  }

  /**
   * What a case's alerts have in common, over all of them however many: one row per rule, source
   * and host, with how many alerts share it, and the host's role and the rule's ATT&CK mapping read
   * from one of them, and every rule group its alerts carry. Only the grouping reads every alert, and
   * it reads no alert body (the groups have a column of their own).
   */
  async alertFacetsOfCase(caseId: string): Promise<Array<{ ruleId: string; source: string; host: string; hostRole: string | null; hostAliases?: string[]; mitre: unknown; ruleGroups: string[]; count: number }>> {
    const groups = await this.db
      .select({
        ruleId: t.alerts.ruleId,
        source: t.alerts.source,
        host: t.alerts.host,
        count: sql<number>`count(*)::int`,
        sample: sql<string>`min(${t.alerts.id})`,
        ruleGroups: t.alerts.ruleGroups,
      })
      .from(t.alerts)
      .where(eq(t.alerts.caseId, caseId))
      // Grouped by the rule groups too (hashed, where a distinct aggregate would sort every alert's):
      // a rule whose alerts disagree on them comes back as more than one row, merged below.
      .groupBy(t.alerts.ruleId, t.alerts.source, t.alerts.host, t.alerts.ruleGroups)
      .orderBy(sql`min(${t.alerts.time})`, t.alerts.ruleId, t.alerts.source, t.alerts.host);
    const samples = new Map<string, { role: string | null; aliases: unknown; mitre: unknown }>();
    for (const c of chunks(groups.map((g) => g.sample), 1000)) {
      const rows = await this.db
        .select({ id: t.alerts.id, role: sql<string | null>`${t.alerts.data}->'host'->>'role'`, aliases: sql<unknown>`${t.alerts.data}->'host'->'aliases'`, mitre: sql<unknown>`${t.alerts.data}->'rule'->'mitre'` })
        .from(t.alerts)
        .where(inArray(t.alerts.id, c));
      for (const r of rows) samples.set(r.id, { role: r.role, aliases: r.aliases, mitre: r.mitre });
    }
    const facets = new Map<string, { ruleId: string; source: string; host: string; hostRole: string | null; hostAliases?: string[]; mitre: unknown; ruleGroups: string[]; count: number }>();
    for (const g of groups) {
      const key = `${g.ruleId}\u0000${g.source}\u0000${g.host}`;
      const listed = Array.isArray(g.ruleGroups) ? g.ruleGroups.filter((x): x is string => typeof x === 'string') : [];
      const f = facets.get(key);
      if (f) {
        f.count += Number(g.count);
        f.ruleGroups = [...new Set([...f.ruleGroups, ...listed])];
      } else {
        const sample = samples.get(g.sample);
        const aliases = Array.isArray(sample?.aliases) ? sample.aliases.filter((x): x is string => typeof x === 'string' && !x.startsWith('id:')) : [];
        facets.set(key, {
          ruleId: g.ruleId,
          source: g.source,
          host: g.host,
          hostRole: sample?.role ?? null,
          ...(aliases.length && { hostAliases: aliases }),
          mitre: sample?.mitre ?? null,
          ruleGroups: listed,
          count: Number(g.count),
        });
      }
    }
    return [...facets.values()];
  }

  /**
   * A case's observables, at most `limit` of them: every malicious or suspicious one first, then the
   * riskiest of the rest; and how many the case has in all.
   */
  async observablesOfCase(
    caseId: string,
    limit?: number,
  ): Promise<{ rows: Array<typeof t.observables.$inferSelect & { role: string | null; provenance: ObservableProvenance | null }>; total: number }> {
    const q = this.db
      .select({ o: t.observables, role: t.caseObservables.role, provenance: t.caseObservables.provenance })
      .from(t.caseObservables)
      .innerJoin(t.observables, eq(t.observables.id, t.caseObservables.observableId))
      .where(eq(t.caseObservables.caseId, caseId));
    if (limit === undefined) {
      const rows = (await q).map((r) => ({ ...r.o, role: r.role, provenance: r.provenance ?? null }));
      return { rows, total: rows.length };
    }
    const [rows, count] = await Promise.all([
      q.orderBy(sql`(${t.observables.verdict} in ('malicious', 'suspicious')) desc`, sql`${t.observables.riskScore} desc nulls last`, asc(t.observables.id)).limit(limit),
      this.db.select({ n: sql<number>`count(*)::int` }).from(t.caseObservables).where(eq(t.caseObservables.caseId, caseId)),
    ]);
    return { rows: rows.map((r) => ({ ...r.o, role: r.role, provenance: r.provenance ?? null })), total: Number(count[0]?.n ?? 0) };
  }

  /** Other cases that share observables with this one: "also seen in cases #12, #40". */
  async relatedCaseNumbers(caseId: string): Promise<number[]> {
    const rows = await this.db.execute<{ number: number }>(sql`
      select distinct c.number from case_observables a
      join case_observables b on b.observable_id = a.observable_id and b.case_id <> a.case_id
      join cases c on c.id = b.case_id
      where a.case_id = ${caseId} and c.org = (select org from cases where id = ${caseId}) order by c.number limit 50`);
    return ((rows as unknown as { rows: Array<{ number: number }> }).rows ?? []).map((r) => Number(r.number));
  }

  async actionIdsOfCase(caseId: string): Promise<Set<string>> {
    const rows = await this.db.select({ id: t.actions.id }).from(t.actions).where(eq(t.actions.caseId, caseId));
    return new Set(rows.map((r) => r.id));
  }

  async actionsOfCase(caseId: string): Promise<ActionRecord[]> {
    const rows = await this.db.select().from(t.actions).where(eq(t.actions.caseId, caseId)).orderBy(asc(t.actions.at), asc(t.actions.id));
    return rows.map((r) => ({
      id: r.id,
      caseId: r.caseId,
      playbook: r.playbook,
      action: r.action,
      status: r.status as ActionRecord['status'],
      target: r.target,
      reason: r.reason,
      details: r.details as Record<string, unknown>,
      at: r.at,
      ...(r.artifact && { artifact: r.artifact }),
    }));
  }

  async saveResponse(records: ActionRecord[], tasks: Task[], audit: AuditRow[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const c of chunks(records)) {
        await tx
          .insert(t.actions)
          .values(c.map((r) => ({ id: r.id, caseId: r.caseId, playbook: r.playbook, action: r.action, status: r.status, target: r.target, reason: r.reason, details: r.details, artifact: r.artifact ?? null, at: r.at })))
          .onConflictDoNothing();
      }
      for (const c of chunks(tasks)) await tx.insert(t.tasks).values(c).onConflictDoNothing();
      await insertAudit(tx as unknown as Db, audit);
    });
  }

  async tasksOfCase(caseId: string): Promise<Task[]> {
    const rows = await this.db.select().from(t.tasks).where(eq(t.tasks.caseId, caseId)).orderBy(asc(t.tasks.createdAt), asc(t.tasks.id));
    return rows.map((r) => ({ ...r, status: r.status as Task['status'] }));
  }

  async timelineOfCase(caseId: string): Promise<Array<typeof t.auditLog.$inferSelect>> {
    return this.db.select().from(t.auditLog).where(eq(t.auditLog.caseId, caseId)).orderBy(asc(t.auditLog.id));
  }

  /** A case's latest `limit` timeline entries, oldest first, and how many it has in all. */
  async recentTimelineOfCase(caseId: string, limit: number): Promise<{ rows: Array<typeof t.auditLog.$inferSelect>; total: number }> {
    const [rows, count] = await Promise.all([
      this.db.select().from(t.auditLog).where(eq(t.auditLog.caseId, caseId)).orderBy(desc(t.auditLog.id)).limit(limit),
      this.db.select({ n: sql<number>`count(*)::int` }).from(t.auditLog).where(eq(t.auditLog.caseId, caseId)),
    ]);
    return { rows: rows.reverse(), total: Number(count[0]?.n ?? 0) };
  }

  async notificationExists(id: string): Promise<boolean> {
    return (await this.db.select({ id: t.notifications.id }).from(t.notifications).where(eq(t.notifications.id, id))).length > 0;
  }

  async saveNotification(row: typeof t.notifications.$inferInsert): Promise<void> {
    await this.db.insert(t.notifications).values(row).onConflictDoNothing();
  }

  async getKv(key: string): Promise<unknown> {
    const rows = await this.db.select({ value: t.kv.value }).from(t.kv).where(eq(t.kv.key, key));
    return rows[0]?.value;
  }

  async setKv(key: string, value: unknown, at: string): Promise<void> {
    await this.db.insert(t.kv).values({ key, value, updatedAt: at }).onConflictDoUpdate({ target: t.kv.key, set: { value, updatedAt: at } });
  }

  async deleteKv(key: string): Promise<void> {
    await this.db.delete(t.kv).where(eq(t.kv.key, key));
  }

  async counts(): Promise<Record<string, number>> {
    const r = await this.db.execute<Record<string, number>>(sql`select
      (select count(*) from alerts)::int as alerts, (select count(*) from cases)::int as cases,
      (select count(*) from actions)::int as actions, (select count(*) from notifications)::int as notifications,
      (select count(*) from indicators)::int as indicators`);
    return ((r as unknown as { rows: Array<Record<string, number>> }).rows ?? [])[0] ?? {};
  }

  // ---- feeds ----

  async feedBySource(source: string): Promise<typeof t.feeds.$inferSelect | undefined> {
    return (await this.db.select().from(t.feeds).where(eq(t.feeds.source, source)))[0];
  }

  async listFeeds(): Promise<Array<typeof t.feeds.$inferSelect>> {
    return this.db.select().from(t.feeds).orderBy(asc(t.feeds.name));
  }

  async loadFeedIndicators(): Promise<Array<{ name: string; indicators: Indicator[] }>> {
    const feeds = await this.listFeeds();
    const out: Array<{ name: string; indicators: Indicator[] }> = [];
    for (const f of feeds) {
      const rows = await this.db.select().from(t.indicators).where(eq(t.indicators.feedId, f.id));
      out.push({
        name: f.name,
        indicators: rows.map((r) => ({
          type: r.type as Indicator['type'],
          value: r.value,
          tags: r.tags,
          line: r.line,
          matchSubdomains: r.matchSubdomains,
          ...(r.malware && { malware: r.malware }),
          ...(r.threat && { threat: r.threat }),
          ...(r.confidence !== null && { confidence: r.confidence }),
          ...(r.firstSeen && { firstSeen: r.firstSeen }),
          ...(r.lastSeen && { lastSeen: r.lastSeen }),
          ...(r.validUntil && { validUntil: r.validUntil }),
          ...(r.reference && { reference: r.reference }),
        })),
      });
    }
    return out;
  }

}

export function observableId(o: { type: string; value: string }): string {
  return stableId('obs', o.type, o.value);
}

/** A JSON text parameter for jsonb_to_recordset. */
function json(rows: unknown[]): string {
  return JSON.stringify(rows);
}

/** Audit rows in order (the timeline is ordered by id), as one statement. */
async function insertAudit(db: Db, rows: AuditRow[]): Promise<void> {
  if (!rows.length) return;
  await db.execute(sql`
    insert into audit_log (at, actor, kind, case_id, subject, message, data)
    select (e->>'at')::timestamptz, e->>'actor', e->>'kind', e->>'case_id', e->>'subject', e->>'message', nullif(e->'data', 'null'::jsonb)
    from jsonb_array_elements(${json(rows.map((r) => ({ at: r.at, actor: r.actor, kind: r.kind, case_id: r.caseId ?? null, subject: r.subject ?? '', message: r.message, data: r.data ?? null })))}::jsonb)
      with ordinality as x(e, n)
    order by n`);
}

/** One row per observable, with the span of times it was seen in the batch and its latest intel. */
function mergeObservables(rows: ObservableUpsert[]): Array<ObservableUpsert & { firstSeen: string; lastSeen: string }> {
  const m = new Map<string, ObservableUpsert & { firstSeen: string; lastSeen: string }>();
  for (const r of rows) {
    const k = `${r.observable.type}:${r.observable.value}`;
    const cur = m.get(k);
    if (!cur) m.set(k, { ...r, firstSeen: r.seenAt, lastSeen: r.seenAt });
    else {
      if (r.seenAt < cur.firstSeen) cur.firstSeen = r.seenAt;
      if (r.seenAt > cur.lastSeen) cur.lastSeen = r.seenAt;
      if (r.risk) cur.risk = r.risk;
      if (r.intel?.length) cur.intel = r.intel;
    }
  }
  return [...m.values()];
}

function mergeSpans(keys: Array<{ key: string; caseId: string; firstSeen: string; lastSeen: string }>) {
  const m = new Map<string, { key: string; caseId: string; firstSeen: string; lastSeen: string }>();
  for (const k of keys) {
    const id = `${k.key}\u0000${k.caseId}`;
    const cur = m.get(id);
    if (!cur) m.set(id, { ...k });
    else {
      if (k.firstSeen < cur.firstSeen) cur.firstSeen = k.firstSeen;
      if (k.lastSeen > cur.lastSeen) cur.lastSeen = k.lastSeen;
    }
  }
  return [...m.values()];
}

function dedupeBy<T>(rows: T[], key: (r: T) => string): T[] {
  const m = new Map<string, T>();
  for (const r of rows) m.set(key(r), r);
  return [...m.values()];
}
