import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Assessor, ObservableRisk } from '../assess/index.js';
import { CaseGrouper, describeKey } from '../cases/grouper.js';
import { buildCaseReport } from '../cases/report.js';
import type { Clock } from '../core/clock.js';
import { VigilError, type InputIssue } from '../core/errors.js';
import { stableId } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import { severityRank, type Alert, type Assessment, type Severity } from '../core/types.js';
import { IntelEngine, observableKey, type EnrichedObservable } from '../intel/engine.js';
import type { NotificationChannelInstance, OutgoingNotification } from '../notify/channel.js';
import type { PlaybookCase } from '../playbooks/action.js';
import type { PlaybookRunner } from '../playbooks/runner.js';
import { renderNotification, renderReportHtml, renderReportMarkdown, reportFileName } from '../reports/index.js';
import { expandInputs, readAlertFile, type InputRecord } from '../sources/reader.js';
import { sourceFor } from '../sources/registry.js';
import type { AuditRow, CaseUpsert, ObservableUpsert, Repo, StoredAlert } from '../store/repo.js';
import { completeObservables, type TextExtractor } from './observables.js';

export interface PipelineDeps {
  repo: Repo;
  intel: IntelEngine;
  assessor: Assessor;
  grouping: ConstructorParameters<typeof CaseGrouper>[0];
  playbooks: PlaybookRunner;
  channels: Array<{ id: string; instance: NotificationChannelInstance }>;
  notifyMinSeverity: Severity;
  extractText?: TextExtractor;
  maxLineBytes: number;
  clock: Clock;
  log: Logger;
}

export interface RunProgress {
  file: string;
  records: number;
  alerts: number;
}

export interface RunOptions {
  paths: string[];
  outDir: string;
  batchSize?: number;
  onProgress?: (p: RunProgress) => void;
}

export interface RunSummary {
  files: string[];
  alerts: { read: number; new: number; duplicate: number; rejected: number; ignored: number };
  cases: { opened: number; updated: number; bySeverity: Record<Severity, number> };
  actions: Record<string, number>;
  tasks: number;
  notifications: number;
  reports: number;
  elapsedMs: number;
  /** Rejected input, each with file:line and the reason. */
  issues: InputIssue[];
  out: { dir: string; actions: string; outbox: string; reports: string };
  caseNumbers: number[];
}

/** The per-alert part of the pipeline: record → alert with observables. No I/O. */
export function normalizeRecord(rec: Record<string, unknown>, extract: TextExtractor | undefined): Alert | null {
  const source = sourceFor(rec);
  if (!source) {
    throw new VigilError('VIGIL_INPUT_INVALID', 'not a Wazuh alert (needs "rule" and "agent") nor a Suricata EVE event (needs "event_type")');
  }
  const n = source.normalize(rec);
  return n ? completeObservables(n, extract) : null;
}

/** The observables of an alert that intel should be asked about. */
export function enrichables(alert: Alert): Alert['observables'] {
  return alert.observables.filter(IntelEngine.enrichable);
}

export function risksOf(alert: Alert, intel: Map<string, EnrichedObservable>): ObservableRisk[] {
  const out: ObservableRisk[] = [];
  for (const o of alert.observables) {
    const e = intel.get(observableKey(o));
    if (e) out.push(e.risk);
  }
  return out;
}

/**
 * Carries alert files through the whole flow. Alerts are processed in batches, each stored in one
 * transaction; response, notification and reports then run once per case the run touched.
 */
export class Pipeline {
  constructor(private readonly d: PipelineDeps) {}

  async seedGrouper(): Promise<CaseGrouper> {
    const grouper = new CaseGrouper(this.d.grouping);
    const open = await this.d.repo.openCases();
    const keys = await this.d.repo.caseKeysFor(open.map((c) => c.id));
    const byCase = new Map<string, Array<{ key: string; firstSeen: number; lastSeen: number }>>();
    for (const k of keys) {
      let l = byCase.get(k.caseId);
      if (!l) byCase.set(k.caseId, (l = []));
      l.push({ key: k.key, firstSeen: Date.parse(k.firstSeen), lastSeen: Date.parse(k.lastSeen) });
    }
    for (const c of open) {
      grouper.seed(
        {
          id: c.id,
          severity: c.severity as Severity,
          score: c.score,
          title: c.title,
          assessment: c.assessment as Assessment,
          firstAlertAt: Date.parse(c.firstAlertAt),
          lastAlertAt: Date.parse(c.lastAlertAt),
          alertCount: c.alertCount,
          hosts: new Set(),
        },
        byCase.get(c.id) ?? [],
      );
    }
    return grouper;
  }

  async run(opts: RunOptions): Promise<RunSummary> {
    const started = performance.now();
    const files = await expandInputs(opts.paths);
    const summary: RunSummary = {
      files,
      alerts: { read: 0, new: 0, duplicate: 0, rejected: 0, ignored: 0 },
      cases: { opened: 0, updated: 0, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } },
      actions: {},
      tasks: 0,
      notifications: 0,
      reports: 0,
      elapsedMs: 0,
      issues: [],
      out: { dir: opts.outDir, actions: join(opts.outDir, 'actions'), outbox: join(opts.outDir, 'outbox'), reports: join(opts.outDir, 'reports') },
      caseNumbers: [],
    };
    const grouper = await this.seedGrouper();
    const opened = new Set<string>();
    const touched = new Set<string>();
    const seenThisRun = new Set<string>();
    const enrichedLogged = new Set<string>();
    const batchSize = opts.batchSize ?? 1000;
    let batch: Array<{ file: string; line: number; alert: Alert }> = [];

    const flush = async (): Promise<void> => {
      if (!batch.length) return;
      const b = batch;
      batch = [];
      await this.processBatch(b, grouper, summary, opened, touched, enrichedLogged);
    };

    for (const file of files) {
      for await (const rec of readAlertFile(file, { maxLineBytes: this.d.maxLineBytes })) {
        summary.alerts.read++;
        const alert = this.toAlert(rec, summary);
        if (alert === undefined) continue;
        if (seenThisRun.has(alert.id)) {
          summary.alerts.duplicate++;
          continue;
        }
        seenThisRun.add(alert.id);
        batch.push({ file: rec.file, line: rec.line, alert });
        if (batch.length >= batchSize) {
          await flush();
          opts.onProgress?.({ file, records: summary.alerts.read, alerts: summary.alerts.new });
        }
      }
      await flush();
      opts.onProgress?.({ file, records: summary.alerts.read, alerts: summary.alerts.new });
    }
    summary.cases.opened = opened.size;
    summary.cases.updated = [...touched].filter((id) => !opened.has(id)).length;

    for (const caseId of touched) await this.afterCase(caseId, opened.has(caseId), opts.outDir, summary);
    summary.caseNumbers.sort((a, b) => a - b);
    summary.elapsedMs = Math.round(performance.now() - started);
    return summary;
  }

  private toAlert(rec: InputRecord, summary: RunSummary): Alert | undefined {
    if ('issue' in rec) {
      summary.alerts.rejected++;
      summary.issues.push(rec.issue);
      return undefined;
    }
    try {
      const alert = normalizeRecord(rec.record, this.d.extractText);
      if (alert === null) {
        summary.alerts.ignored++;
        return undefined;
      }
      return alert;
    } catch (e) {
      summary.alerts.rejected++;
      const err = e instanceof VigilError ? e : undefined;
      summary.issues.push({ file: rec.file, line: rec.line, ...(err?.field !== undefined && { field: err.field }), reason: (e as Error).message });
      if (!err) this.d.log.warn({ err: e, file: rec.file, line: rec.line }, 'unexpected error normalizing a record');
      return undefined;
    }
  }

  private async processBatch(
    batch: Array<{ file: string; line: number; alert: Alert }>,
    grouper: CaseGrouper,
    summary: RunSummary,
    opened: Set<string>,
    touched: Set<string>,
    /** case + observable pairs whose intel verdict is already on the timeline this run. */
    enrichedLogged: Set<string>,
  ): Promise<void> {
    const existing = await this.d.repo.existingAlertIds(batch.map((b) => b.alert.id));
    const fresh = batch.filter((b) => !existing.has(b.alert.id));
    summary.alerts.duplicate += batch.length - fresh.length;
    if (!fresh.length) return;

    const intel = await this.d.intel.enrichMany(fresh.flatMap((b) => enrichables(b.alert)));
    const stored: StoredAlert[] = [];
    const keys: Array<{ key: string; caseId: string; firstSeen: string; lastSeen: string }> = [];
    const observables: ObservableUpsert[] = [];
    const caseObservables: Array<{ caseId: string; observable: Alert['observables'][number] }> = [];
    const audit: AuditRow[] = [];
    const batchCases = new Set<string>();

    for (const { alert } of fresh) {
      const assessment = this.d.assessor.assess(alert, risksOf(alert, intel));
      const change = grouper.assign(alert, assessment);
      stored.push({ alert, assessment, caseId: change.caseId });
      batchCases.add(change.caseId);
      touched.add(change.caseId);
      if (change.opened) opened.add(change.caseId);
      for (const k of change.keys) keys.push({ key: k, caseId: change.caseId, firstSeen: alert.time, lastSeen: alert.time });
      for (const o of alert.observables) {
        const e = intel.get(observableKey(o));
        observables.push({ observable: o, seenAt: alert.time, ...(e && { risk: { score: e.risk.score, verdict: e.risk.verdict }, intel: e.results.map(({ raw: _raw, ...r }) => r) }) });
        caseObservables.push({ caseId: change.caseId, observable: o });
      }
      const at = alert.time;
      if (change.opened) {
        audit.push({ at, actor: 'vigil', kind: 'case.opened', caseId: change.caseId, subject: alert.id, message: `Case opened by ${alert.source} alert "${alert.title}" on ${alert.host.name} (${assessment.severity}, score ${assessment.score})` });
      } else {
        audit.push({ at, actor: 'vigil', kind: 'alert.merged', caseId: change.caseId, subject: alert.id, message: `Alert "${alert.title}" on ${alert.host.name} added (${assessment.severity}, score ${assessment.score}): ${describeKey(change.joinedBy ?? '')}` });
      }
      if (change.escalated) {
        audit.push({ at, actor: 'vigil', kind: 'case.severity', caseId: change.caseId, subject: alert.id, message: `Severity raised to ${assessment.severity} by "${alert.title}"` });
      }
      for (const o of alert.observables) {
        const e = intel.get(observableKey(o));
        const logKey = `${change.caseId}|${observableKey(o)}`;
        if (e && (e.risk.verdict === 'malicious' || e.risk.verdict === 'suspicious') && !enrichedLogged.has(logKey)) {
          enrichedLogged.add(logKey);
          audit.push({ at, actor: 'intel', kind: 'observable.enriched', caseId: change.caseId, subject: `${o.type}:${o.value}`, message: `${o.type} ${o.value} is ${e.risk.verdict} (risk ${e.risk.score}): ${e.risk.evidence[0] ?? ''}` });
        }
      }
    }
    const cases: CaseUpsert[] = [];
    for (const id of batchCases) {
      const c = grouper.cases.get(id)!;
      cases.push({
        id,
        opened: opened.has(id),
        title: c.title,
        severity: c.severity,
        score: c.score,
        assessment: c.assessment,
        alertCount: c.alertCount,
        firstAlertAt: new Date(c.firstAlertAt).toISOString(),
        lastAlertAt: new Date(c.lastAlertAt).toISOString(),
        summary: '',
      });
    }
    await this.d.repo.saveBatch({ alerts: stored, cases, keys, observables, caseObservables, audit });
    summary.alerts.new += fresh.length;
  }

  /** Response, notification and report for one case the run touched. */
  private async afterCase(caseId: string, wasOpened: boolean, outDir: string, summary: RunSummary): Promise<void> {
    const repo = this.d.repo;
    let report = await buildCaseReport(repo, caseId, this.d.clock);
    if (!report) return;
    summary.caseNumbers.push(report.case.number);
    summary.cases.bySeverity[report.case.severity]++;

    const pcase = toPlaybookCase(report);
    const done = await repo.actionIdsOfCase(caseId);
    const { records, tasks } = await this.d.playbooks.run(pcase, wasOpened ? 'case.created' : 'case.updated', done);
    if (records.length || tasks.length) {
      for (const r of records) {
        if (r.artifact) {
          const path = join(outDir, r.artifact);
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, `${JSON.stringify({ ...r, case: { id: pcase.id, number: pcase.number, title: pcase.title, severity: pcase.severity } }, null, 2)}\n`);
        }
        summary.actions[r.status] = (summary.actions[r.status] ?? 0) + 1;
      }
      summary.tasks += tasks.length;
      const audit: AuditRow[] = records.map((r) => ({
        at: r.at,
        actor: `playbook:${r.playbook}`,
        kind: `action.${r.status}`,
        caseId,
        subject: `${r.action}:${r.target}`,
        message: `${r.action} ${r.target}: ${r.status}${r.reason ? ` — ${r.reason}` : ''}`,
        data: { actionId: r.id, artifact: r.artifact },
      }));
      for (const t of tasks) audit.push({ at: t.createdAt, actor: t.createdBy, kind: 'task.created', caseId, subject: t.id, message: `Task "${t.title}" created` });
      await repo.saveResponse(records, tasks, audit);
      report = (await buildCaseReport(repo, caseId, this.d.clock))!;
    }

    const reportsDir = join(outDir, 'reports');
    const htmlName = reportFileName(report, 'html');
    report.reportFiles = { html: join(reportsDir, htmlName), markdown: join(reportsDir, reportFileName(report, 'md')) };
    const rendered = renderNotification(report);
    await mkdir(reportsDir, { recursive: true });
    const html = renderReportHtml(report);
    await writeFile(join(reportsDir, htmlName), html);
    await writeFile(join(reportsDir, reportFileName(report, 'md')), renderReportMarkdown(report));
    summary.reports++;

    if (severityRank(report.case.severity) >= severityRank(this.d.notifyMinSeverity)) {
      for (const ch of this.d.channels) {
        // One message per case, channel and severity: the same case does not notify twice unless it escalates.
        const id = stableId('ntf', caseId, report.case.severity, ch.id);
        if (await repo.notificationExists(id)) continue;
        const n: OutgoingNotification = {
          id,
          caseId,
          caseNumber: report.case.number,
          severity: report.case.severity,
          ...rendered,
          data: {
            case: { id: caseId, number: report.case.number, title: report.case.title, severity: report.case.severity, status: report.case.status },
            reasons: report.assessment.reasons,
            observables: report.observables.filter((o) => o.risk && o.risk.score > 0).map((o) => ({ type: o.type, value: o.value, verdict: o.risk!.verdict, score: o.risk!.score })),
            actions: report.actions.map((a) => ({ action: a.action, target: a.target, status: a.status, reason: a.reason })),
            report: join('reports', htmlName),
          },
          attachments: [{ filename: htmlName, contentType: 'text/html', content: html }],
        };
        const at = this.d.clock.now().toISOString();
        try {
          const { location } = await ch.instance.send(n);
          await repo.saveNotification({ id, caseId, channel: ch.id, severity: n.severity, subject: n.subject, location, status: 'sent', createdAt: at });
          await repo.audit([{ at, actor: 'notify', kind: 'notification.sent', caseId, subject: id, message: `Notified via ${ch.id}: ${n.subject}` }]);
          summary.notifications++;
        } catch (e) {
          await repo.audit([{ at, actor: 'notify', kind: 'notification.failed', caseId, subject: id, message: `Notification via ${ch.id} failed: ${(e as Error).message}` }]);
          this.d.log.error({ err: e, channel: ch.id }, 'notification failed');
        }
      }
    }
  }
}

export function toPlaybookCase(r: NonNullable<Awaited<ReturnType<typeof buildCaseReport>>>): PlaybookCase {
  return {
    id: r.case.id,
    number: r.case.number,
    title: r.case.title,
    severity: r.case.severity,
    score: r.assessment.score,
    // Sensors saw the traffic; containing them would blind the SOC, so only the assets count as case hosts.
    hosts: [...new Set(r.alerts.filter((a) => a.hostRole !== 'sensor').map((a) => a.host))],
    tags: r.case.tags,
    observables: r.observables.map((o) => ({
      type: o.type,
      value: o.value,
      ...(o.scope && { scope: o.scope }),
      ...(o.role && { role: o.role }),
      verdict: o.risk?.verdict ?? 'unknown',
      risk: o.risk?.score ?? 0,
    })),
    alerts: r.alerts.map((a) => ({ id: a.id, title: a.title, ruleId: a.ruleId, host: a.host, source: a.source, time: a.time })),
  };
}


