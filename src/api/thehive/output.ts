// Vigil rows in TheHive's output shape: `_id` as `~N`, epoch-millisecond dates, severity/TLP/PAP
// labels, stage, observable counts. Everything a page needs is loaded in a few queries per page,
// never per item.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Alert, Assessment, IntelResult } from '../../core/types.js';
import { alertStage, alertStatus, caseStage, papLabel, severityToNumber, TACTICS, tlpLabel } from '../../cases/model.js';
import type { AlertRow, ArtifactRow, CaseRow, CaseService, CommentRow, LogRow, ProcedureRow, TaskRow } from '../../cases/service.js';
import * as t from '../../store/schema.js';

export type Json = Record<string, unknown>;

export interface OutOptions {
  /** `extraData` names asked for (TheHive's `page.extraData`). */
  extraData?: string[];
  /** Observable counts already known (a fresh alert's), so they are not counted again. */
  observableCounts?: Map<string, number>;
}

function ms(v: string | null | undefined): number | undefined {
  if (!v) return undefined;
  const n = Date.parse(v);
  return Number.isNaN(n) ? undefined : n;
}

function meta(createdBy: string | null | undefined, createdAt: string, updatedBy: string | null | undefined, updatedAt: string | null | undefined): Json {
  const created = ms(createdAt)!;
  const updated = ms(updatedAt);
  return {
    _createdBy: createdBy ?? 'vigil',
    _createdAt: created,
    ...(updated !== undefined && updated > created && { _updatedBy: updatedBy ?? createdBy ?? 'vigil', _updatedAt: updated }),
  };
}

function customFieldsOut(cf: Record<string, { value: unknown; order: number }>): Json[] {
  return Object.entries(cf)
    .sort((a, b) => a[1].order - b[1].order)
    .map(([name, f]) => ({
      _id: name,
      name,
      description: '',
      type: typeof f.value === 'boolean' ? 'boolean' : typeof f.value === 'number' ? (Number.isInteger(f.value) ? 'integer' : 'float') : 'string',
      value: f.value,
      order: f.order,
    }));
}

/** The words a pipeline case is described by when nobody wrote a description. */
function autoDescription(c: CaseRow): string {
  const a = c.assessment as Assessment;
  const reasons = [...(a.reasons ?? [])]
    .sort((x, y) => y.delta - x.delta)
    .slice(0, 3)
    .map((r) => r.detail);
  const when = c.firstAlertAt === c.lastAlertAt ? `at ${c.firstAlertAt}` : `between ${c.firstAlertAt} and ${c.lastAlertAt}`;
  return `${c.alertCount} alert${c.alertCount === 1 ? '' : 's'} grouped by Vigil ${when}. Assessed ${c.severity} (score ${c.score})${reasons.length ? `: ${reasons.join('; ')}` : ''}.`;
}

export async function alertsOut(svc: CaseService, rows: AlertRow[], opts: OutOptions = {}): Promise<Json[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const db = svc.db;
  const counts = new Map<string, number>(opts.observableCounts);
  const toCount = ids.filter((id) => !counts.has(id));
  if (toCount.length) {
    await svc.syncAlertArtifacts(rows.filter((r) => r.extra['origin'] !== 'thehive' && !counts.has(r.id)).map((r) => r.id));
    for (const r of await db
      .select({ id: t.artifacts.parentId, n: sql<number>`count(*)::int` })
      .from(t.artifacts)
      .where(and(eq(t.artifacts.parentKind, 'alert'), inArray(t.artifacts.parentId, toCount)))
      .groupBy(t.artifacts.parentId)) {
      counts.set(r.id, Number(r.n));
    }
  }
  const hiveIds = await svc.ids.ids('alert', ids);
  const caseIds = [...new Set(rows.flatMap((r) => (r.caseId ? [r.caseId] : [])))];
  const caseHive = new Map<string, string>();
  if (caseIds.length) (await svc.ids.ids('case', caseIds)).forEach((h, i) => caseHive.set(caseIds[i]!, h));
  const wants = new Set(opts.extraData ?? []);
  let caseNumbers = new Map<string, { number: number; title: string }>();
  if (caseIds.length && (wants.has('case') || wants.has('caseNumber'))) {
    caseNumbers = new Map((await db.select({ id: t.cases.id, number: t.cases.number, title: t.cases.title }).from(t.cases).where(inArray(t.cases.id, caseIds))).map((c) => [c.id, c]));
  }
  return rows.map((r, i) => {
    const data = r.data as Alert & { assessment?: Assessment };
    const status = alertStatus(r.hiveStatus, r.caseId);
    const created = ms(r.ingestedAt)!;
    const date = ms(r.time) ?? created;
    const extra: Json = {};
    if (wants.has('vigil')) extra.vigil = { id: r.id, score: r.score, ...(data.assessment && { reasons: data.assessment.reasons }) };
    if (r.caseId && caseNumbers.has(r.caseId)) extra.case = { _id: caseHive.get(r.caseId), number: caseNumbers.get(r.caseId)!.number, title: caseNumbers.get(r.caseId)!.title };
    return {
      _id: hiveIds[i],
      _type: 'Alert',
      ...meta(r.createdBy, r.ingestedAt, r.updatedBy, r.updatedAt),
      type: r.type,
      source: r.source,
      sourceRef: r.sourceRef,
      ...(typeof r.extra['externalLink'] === 'string' && { externalLink: r.extra['externalLink'] }),
      title: r.title,
      description: data.description ?? '',
      severity: severityToNumber(r.severity),
      severityLabel: r.severity,
      date,
      tags: [...new Set([...r.tags, ...(data.rule?.groups ?? [])])],
      tlp: r.tlp,
      tlpLabel: tlpLabel(r.tlp),
      pap: r.pap,
      papLabel: papLabel(r.pap),
      follow: r.extra['follow'] !== false,
      flag: r.flag,
      customFields: customFieldsOut(r.customFields),
      ...(typeof r.extra['caseTemplate'] === 'string' && { caseTemplate: r.extra['caseTemplate'] }),
      observableCount: counts.get(r.id) ?? 0,
      ...(r.caseId && { caseId: caseHive.get(r.caseId) }),
      status,
      stage: alertStage(status),
      ...(typeof r.extra['assignee'] === 'string' && { assignee: r.extra['assignee'] }),
      ...(typeof r.extra['summary'] === 'string' && { summary: r.extra['summary'] }),
      extraData: extra,
      newDate: created,
      ...(r.caseId && r.updatedAt && { importedDate: ms(r.updatedAt) }),
      timeToDetect: Math.max(0, created - date),
    };
  });
}

export async function casesOut(svc: CaseService, org: string, rows: CaseRow[], opts: OutOptions = {}): Promise<Json[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const hiveIds = await svc.ids.ids('case', ids);
  const wants = new Set(opts.extraData ?? []);
  const db = svc.db;
  const extras = new Map<string, Json>(ids.map((id) => [id, {}]));
  if (wants.has('observableStats')) {
    await svc.syncCaseArtifacts(ids);
    for (const r of await db
      .select({ id: t.artifacts.parentId, n: sql<number>`count(*)::int`, ioc: sql<number>`count(*) filter (where ${t.artifacts.ioc})::int` })
      .from(t.artifacts)
      .where(and(eq(t.artifacts.parentKind, 'case'), inArray(t.artifacts.parentId, ids)))
      .groupBy(t.artifacts.parentId)) {
      extras.get(r.id)!.observableStats = { total: Number(r.n), ioc: Number(r.ioc) };
    }
    for (const id of ids) extras.get(id)!.observableStats ??= { total: 0, ioc: 0 };
  }
  if (wants.has('taskStats')) {
    for (const id of ids) extras.get(id)!.taskStats = { Waiting: 0, InProgress: 0, Completed: 0, Cancel: 0, total: 0 };
    for (const r of await db.select({ id: t.tasks.caseId, status: t.tasks.status, n: sql<number>`count(*)::int` }).from(t.tasks).where(inArray(t.tasks.caseId, ids)).groupBy(t.tasks.caseId, t.tasks.status)) {
      const s = extras.get(r.id)!.taskStats as Record<string, number>;
      s[r.status] = Number(r.n);
      s.total! += Number(r.n);
    }
  }
  if (wants.has('alertCount')) for (const r of rows) extras.get(r.id)!.alertCount = r.alertCount;
  if (wants.has('alerts')) {
    const alerts = await db.select().from(t.alerts).where(inArray(t.alerts.caseId, ids)).limit(1000);
    const out = await alertsOut(svc, alerts);
    alerts.forEach((a, i) => {
      const e = extras.get(a.caseId!)!;
      ((e.alerts ??= []) as Json[]).push({ _id: out[i]!._id, type: a.type, source: a.source, sourceRef: a.sourceRef, title: a.title, date: out[i]!.date });
    });
    for (const id of ids) extras.get(id)!.alerts ??= [];
  }
  if (wants.has('relatedCases')) {
    for (const r of rows) extras.get(r.id)!.relatedCases = await relatedCasesOf(svc, org, r.id);
  }
  if (wants.has('vigil')) for (const r of rows) extras.get(r.id)!.vigil = { id: r.id, score: r.score, alertCount: r.alertCount, assessment: r.assessment };
  return rows.map((r, i) => {
    const created = ms(r.createdAt)!;
    const closed = caseStage(r.status) === 'Closed';
    const end = ms(r.endDate);
    return {
      _id: hiveIds[i],
      _type: 'Case',
      ...meta(r.createdBy, r.createdAt, r.updatedBy, r.updatedAt),
      number: r.number,
      title: r.title,
      description: r.description || autoDescription(r),
      severity: severityToNumber(r.severity),
      severityLabel: r.severity,
      startDate: ms(r.startDate ?? r.firstAlertAt) ?? created,
      ...(end !== undefined && { endDate: end }),
      tags: r.tags,
      flag: r.flag,
      tlp: r.tlp,
      tlpLabel: tlpLabel(r.tlp),
      pap: r.pap,
      papLabel: papLabel(r.pap),
      status: r.status,
      stage: caseStage(r.status),
      ...(r.summary && { summary: r.summary }),
      ...(r.impactStatus && { impactStatus: r.impactStatus }),
      ...(r.assignee && { assignee: r.assignee }),
      customFields: customFieldsOut(r.customFields),
      ...(r.template && { caseTemplate: r.template }),
      access: { kind: 'OrganisationAccess' },
      extraData: extras.get(r.id)!,
      newDate: created,
      ...(r.inProgressAt && { inProgressDate: ms(r.inProgressAt) }),
      ...(closed && end !== undefined && { closedDate: end, timeToResolve: Math.max(0, end - created), handlingDuration: Math.max(0, end - created) }),
      alertDate: ms(r.firstAlertAt),
      timeToDetect: 0,
    };
  });
}

async function relatedCasesOf(svc: CaseService, org: string, caseId: string): Promise<Json[]> {
  const db = svc.db;
  const obs = (await db.select({ id: t.caseObservables.observableId }).from(t.caseObservables).where(eq(t.caseObservables.caseId, caseId))).map((r) => r.id);
  const related = await svc.relatedCases(org, obs);
  const seen = new Map<string, { number: number; title: string; shared: number }>();
  for (const list of related.values()) {
    for (const c of list) {
      if (c.id === caseId) continue;
      const cur = seen.get(c.id);
      if (cur) cur.shared++;
      else seen.set(c.id, { number: c.number, title: c.title, shared: 1 });
    }
  }
  const ids = [...seen.keys()].slice(0, 50);
  const hive = await svc.ids.ids('case', ids);
  return ids.map((id, i) => ({ _id: hive[i], number: seen.get(id)!.number, title: seen.get(id)!.title, sharedObservables: seen.get(id)!.shared })).sort((a, b) => a.number - b.number);
}

export async function tasksOut(svc: CaseService, rows: TaskRow[], opts: OutOptions = {}): Promise<Json[]> {
  if (!rows.length) return [];
  const hiveIds = await svc.ids.ids('task', rows.map((r) => r.id));
  const wants = new Set(opts.extraData ?? []);
  const caseInfo = new Map<string, Json>();
  if (wants.has('case')) {
    const caseIds = [...new Set(rows.map((r) => r.caseId))];
    const db = svc.db;
    const cs = await db.select({ id: t.cases.id, number: t.cases.number, title: t.cases.title }).from(t.cases).where(inArray(t.cases.id, caseIds));
    const hc = await svc.ids.ids('case', cs.map((c) => c.id));
    cs.forEach((c, i) => caseInfo.set(c.id, { _id: hc[i], number: c.number, title: c.title }));
  }
  return rows.map((r, i) => ({
    _id: hiveIds[i],
    _type: 'Task',
    ...meta(r.createdBy, r.createdAt, r.updatedBy, r.updatedAt),
    title: r.title,
    group: r.group,
    description: r.description,
    status: r.status,
    flag: r.flag,
    ...(r.startDate && { startDate: ms(r.startDate) }),
    ...(r.endDate && { endDate: ms(r.endDate) }),
    order: r.order,
    ...(r.dueDate && { dueDate: ms(r.dueDate) }),
    ...(r.assignee && { assignee: r.assignee }),
    mandatory: r.mandatory,
    extraData: caseInfo.has(r.caseId) ? { case: caseInfo.get(r.caseId) } : {},
  }));
}

export async function logsOut(svc: CaseService, rows: LogRow[]): Promise<Json[]> {
  if (!rows.length) return [];
  const hiveIds = await svc.ids.ids('log', rows.map((r) => r.id));
  return rows.map((r, i) => ({
    _id: hiveIds[i],
    _type: 'Log',
    ...meta(r.createdBy, r.createdAt, r.updatedBy, r.updatedAt),
    message: r.message,
    date: ms(r.date),
    owner: r.createdBy,
    attachments: [],
    ...(r.includeInTimeline && { includeInTimeline: ms(r.includeInTimeline) }),
    extraData: {},
  }));
}

export async function commentsOut(svc: CaseService, rows: CommentRow[]): Promise<Json[]> {
  if (!rows.length) return [];
  const hiveIds = await svc.ids.ids('comment', rows.map((r) => r.id));
  return rows.map((r, i) => ({
    _id: hiveIds[i],
    _type: 'Comment',
    createdBy: r.createdBy,
    createdAt: ms(r.createdAt),
    ...(r.updatedAt && { updatedBy: r.updatedBy ?? r.createdBy, updatedAt: ms(r.updatedAt) }),
    message: r.message,
    isEdited: r.updatedAt !== null,
    extraData: {},
  }));
}

export async function proceduresOut(svc: CaseService, rows: ProcedureRow[]): Promise<Json[]> {
  if (!rows.length) return [];
  const hiveIds = await svc.ids.ids('procedure', rows.map((r) => r.id));
  return rows.map((r, i) => ({
    _id: hiveIds[i],
    _type: 'Procedure',
    ...meta(r.createdBy, r.createdAt, r.updatedBy, r.updatedAt),
    occurDate: ms(r.occurDate),
    tactic: r.tactic,
    tacticLabel: TACTICS[r.tactic] ?? r.tactic,
    patternId: r.patternId,
    patternName: r.patternName ?? r.patternId,
    ...(r.description && { description: r.description }),
    extraData: {},
  }));
}

const LEVEL: Record<string, string> = { malicious: 'malicious', suspicious: 'suspicious', safe: 'safe', info: 'info', unknown: 'info' };

/**
 * Observables with their intel as Cortex-style reports (`reports[provider].taxonomies`), and the other
 * cases of the organisation that have them ("also seen in cases #12, #40").
 */
export async function artifactsOut(svc: CaseService, org: string, rows: ArtifactRow[]): Promise<Json[]> {
  if (!rows.length) return [];
  const db = svc.db;
  const hiveIds = await svc.ids.ids('observable', rows.map((r) => r.id));
  const obsIds = [...new Set(rows.flatMap((r) => (r.observableId ? [r.observableId] : [])))];
  const intel = new Map<string, { risk: number | null; verdict: string | null; results: IntelResult[] }>();
  if (obsIds.length) {
    for (const o of await db.select({ id: t.observables.id, risk: t.observables.riskScore, verdict: t.observables.verdict, intel: t.observables.intel }).from(t.observables).where(inArray(t.observables.id, obsIds))) {
      intel.set(o.id, { risk: o.risk, verdict: o.verdict, results: (o.intel as IntelResult[]) ?? [] });
    }
  }
  const related = await svc.relatedCases(org, obsIds);
  const relatedIds = [...new Set([...related.values()].flatMap((l) => l.map((c) => c.id)))];
  const relatedHive = new Map<string, string>();
  if (relatedIds.length) (await svc.ids.ids('case', relatedIds)).forEach((h, i) => relatedHive.set(relatedIds[i]!, h));
  return rows.map((r, i) => {
    const info = r.observableId ? intel.get(r.observableId) : undefined;
    const reports: Json = {};
    for (const res of info?.results ?? []) {
      reports[res.provider] = { taxonomies: [{ level: LEVEL[res.verdict] ?? 'info', namespace: res.provider, predicate: 'Score', value: String(res.score) }], evidence: res.evidence };
    }
    if (info?.verdict && info.risk !== null) reports.vigil = { taxonomies: [{ level: LEVEL[info.verdict] ?? 'info', namespace: 'Vigil', predicate: 'Risk', value: String(info.risk) }] };
    const others = (r.observableId ? (related.get(r.observableId) ?? []) : []).filter((c) => !(r.parentKind === 'case' && c.id === r.parentId));
    return {
      _id: hiveIds[i],
      _type: 'Observable',
      ...meta(r.createdBy, r.createdAt, r.updatedBy, r.updatedAt),
      dataType: r.dataType,
      data: r.data,
      startDate: ms(r.startDate),
      tlp: r.tlp,
      tlpLabel: tlpLabel(r.tlp),
      pap: r.pap,
      papLabel: papLabel(r.pap),
      ioc: r.ioc,
      sighted: r.sighted,
      ...(r.sightedAt && { sightedAt: ms(r.sightedAt) }),
      reports,
      ...(r.message && { message: r.message }),
      tags: r.tags,
      ignoreSimilarity: r.ignoreSimilarity,
      extraData: {
        seen: { ioc: r.ioc, count: others.length },
        relatedCases: others.map((c) => ({ _id: relatedHive.get(c.id), number: c.number, title: c.title })),
      },
    };
  });
}
