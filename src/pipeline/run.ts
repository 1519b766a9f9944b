import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Assessor, ObservableRisk } from '../assess/index.js';
import { CaseGrouper, describeKey } from '../cases/grouper.js';
import { buildCaseReport, pendingApprovals } from '../cases/report.js';
import type { Clock } from '../core/clock.js';
import { VigilError, type InputIssue } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Alert, Assessment, Severity } from '../core/types.js';
import { IntelEngine, observableKey, type EnrichedObservable } from '../intel/engine.js';
import type { Notifier } from '../notify/dispatcher.js';
import { caseUrlFor } from '../notify/payload.js';
import { applyResponse, type PlaybookEngine } from '../playbooks/engine.js';
import { renderNotification, renderReportHtml, renderReportMarkdown, reportFileName, type CaseReport } from '../reports/index.js';
import { expandInputs, readAlertFile, type InputRecord } from '../sources/reader.js';
import { sourceFor } from '../sources/registry.js';
import type { NormalizedAlert } from '../sources/source.js';
import { overBudgetReason, type DetectionStage } from '../detect/stage.js';
import type { AuditRow, CaseUpsert, ObservableUpsert, Repo, StoredAlert } from '../store/repo.js';
import { completeObservables, type TextExtractor } from './observables.js';
import type { HostIdentities } from '../core/identity.js';

export interface PipelineDeps {
  repo: Repo;
  intel: IntelEngine;
  assessor: Assessor;
  grouping: ConstructorParameters<typeof CaseGrouper>[0];
  /** Starts the playbooks a case event triggers and records what they do (src/playbooks/engine.ts). */
  playbooks: Pick<PlaybookEngine, 'onCase'>;
  /** Routes and delivers case notifications (src/notify/dispatcher.ts). */
  notifier: Pick<Notifier, 'notifyCase'>;
  extractText?: TextExtractor;
  /** Canonical host identities (`assets.domains` and what alerts teach); without it names are only compared case-insensitively. */
  hosts?: HostIdentities;
  /** Sigma detection and correlation over every raw record, when rules are configured. */
  detector?: DetectionStage;
  maxLineBytes: number;
  clock: Clock;
  log: Logger;
  /** The link to a case in Vigil (`notify.caseUrl`, which defaults from `server.publicUrl`), put in its reports. */
  caseUrl?: string | undefined;
  /** How long deferred case responses wait to coalesce updates (default 1 s): a busy case is answered at most about once per this interval plus its round. */
  responseDelayMs?: number;
}

export interface RunProgress {
  file: string;
  records: number;
  alerts: number;
  /** A file run: bytes read so far over all its files, and their total size when the run started. */
  bytesRead?: number;
  bytesTotal?: number;
}

export interface IngestOptions {
  outDir: string;
  batchSize?: number;
  onProgress?: (p: RunProgress) => void;
  /**
   * The input is finite and has ended (a file run): correlation windows judged at their close
   * (upper-bound conditions) are closed now instead of waiting for later events.
   */
  endOfInput?: boolean;
  /**
   * Streaming input (webhooks, live sources): return once the alerts and cases are stored, and run
   * the per-case response (playbooks, report, notification) shortly after, at most one round per
   * case at a time, coalescing every update that arrived meanwhile.
   */
  deferResponse?: boolean;
  /**
   * Streaming input: called once the run's last batch knows which of its alerts are new (or the run
   * has ended). The next call may then start on its own batch while this one is enriched and written.
   */
  onNextMayStart?: () => void;
}

/** What one ingest call carries from batch to batch. */
interface RunState {
  grouper: CaseGrouper;
  summary: RunSummary;
  opened: Set<string>;
  touched: Set<string>;
  /** case + observable pairs whose intel verdict is already on the timeline this run. */
  enrichedLogged: Set<string>;
  placed: RunSummary['placed'];
}

export interface RunOptions extends IngestOptions {
  paths: string[];
}

/**
 * One input to the pipeline: a raw record with where it came from (a file and line, a source name
 * and position, a request), an alert another stage already built (Sigma, phishing), rejected input
 * (counted and reported), or the end of a file (flushes and reports progress).
 */
export type IngestItem = InputRecord | { file: string; line: number; alert: Alert } | { fileDone: string };

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
  /** Ids of the alerts read, in order (duplicates of earlier input included once). */
  alertIds: string[];
  /** Sigma over the raw records, when rules are loaded. */
  detect?: { rules: number; events: number; detections: number; correlations: number };
  /**
   * With `deferResponse`: the case of every alert in `alertIds`, and whether this call stored it
   * (false: it was stored before). What a webhook answers per request.
   */
  placed?: Map<string, { caseNumber: number; stored: boolean }>;
}

/** The per-alert part of the pipeline: record → alert with observables. No I/O. */
export function normalizeRecord(rec: Record<string, unknown>, extract: TextExtractor | undefined, hosts?: HostIdentities): Alert | null {
  const source = sourceFor(rec);
  if (!source) {
    throw new VigilError('VIGIL_INPUT_INVALID', 'not an alert Vigil reads: a Wazuh alert (needs "rule" and "agent"), a Suricata EVE event (needs "event_type") or an Elastic Security alert (needs "kibana.alert.*")');
  }
  const n = source.normalize(rec);
  return n ? completeObservables(n, extract, hosts) : null;
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

export function emptySummary(outDir: string): RunSummary {
  return {
    files: [],
    alerts: { read: 0, new: 0, duplicate: 0, rejected: 0, ignored: 0 },
    cases: { opened: 0, updated: 0, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } },
    actions: {},
    tasks: 0,
    notifications: 0,
    reports: 0,
    elapsedMs: 0,
    issues: [],
    out: { dir: outDir, actions: join(outDir, 'actions'), outbox: join(outDir, 'outbox'), reports: join(outDir, 'reports') },
    caseNumbers: [],
    alertIds: [],
  };
}

/** What the normalize + detect + observables stage needs. */
export type ItemStageDeps = Pick<PipelineDeps, 'detector' | 'extractText' | 'hosts' | 'clock' | 'log'>;

/**
 * Stage 1 for one input item — Sigma over a raw record (when rules are loaded), normalize, complete
 * observables — returning the alerts it yields (detections first) and counting the item in
 * `summary`. The embedded pipeline and the scale-out workers both run every item through it.
 */
export function alertsOfItem(item: InputRecord | { file: string; line: number; alert: Alert }, d: ItemStageDeps, summary: RunSummary): Alert[] {
  const out: Alert[] = [];
  const detector = d.detector;
  if (detector && 'record' in item) {
    // Every raw record is an event for Sigma; only those in an alert format are alerts themselves.
    const r = detector.detect(item.record, d.clock.now().getTime());
    summary.detect ??= { rules: detector.ruleCount, events: 0, detections: 0, correlations: 0 };
    summary.detect.events++;
    summary.detect.detections += r.detections;
    summary.detect.correlations += r.correlations;
    // The record still goes on; the rules it did not get to are named so the gap is visible.
    if (r.overBudget) summary.issues.push({ file: item.file, line: item.line, field: 'detect', reason: overBudgetReason(r.overBudget) });
    summary.alerts.read += r.alerts.length;
    for (const n of r.alerts) out.push(completeObservables(n, d.extractText, d.hosts));
    if (!sourceFor(item.record)) return out;
  }
  summary.alerts.read++;
  if ('alert' in item) {
    out.push(item.alert);
    return out;
  }
  if ('issue' in item) {
    summary.alerts.rejected++;
    summary.issues.push(item.issue);
    return out;
  }
  try {
    const alert = normalizeRecord(item.record, d.extractText, d.hosts);
    if (alert === null) summary.alerts.ignored++;
    else out.push(alert);
  } catch (e) {
    summary.alerts.rejected++;
    const err = e instanceof VigilError ? e : undefined;
    summary.issues.push({ file: item.file, line: item.line, ...(err?.field !== undefined && { field: err.field }), reason: (e as Error).message });
    if (!err) d.log.warn({ err: e, file: item.file, line: item.line }, 'unexpected error normalizing a record');
  }
  return out;
}

/** What one batch writes to the store (`Repo.saveBatch`). */
export type BatchWrite = Parameters<Repo['saveBatch']>[0];

/**
 * Assess + group for a batch of new alerts with their intel: each alert scored, assigned to a case
 * by `grouper` (whose state it advances), and turned into the rows `Repo.saveBatch` writes. Pure
 * apart from the grouper; `opened`/`touched` collect case ids, `enrichedLogged` keeps the timeline
 * to one intel line per case and observable.
 */
export function groupBatch(
  fresh: readonly Alert[],
  intel: Map<string, EnrichedObservable>,
  grouper: CaseGrouper,
  assessor: Assessor,
  opened: Set<string>,
  touched: Set<string>,
  enrichedLogged: Set<string>,
): BatchWrite {
  const stored: StoredAlert[] = [];
  const keys: Array<{ key: string; caseId: string; firstSeen: string; lastSeen: string }> = [];
  const observables: ObservableUpsert[] = [];
  const caseObservables: Array<{ caseId: string; observable: Alert['observables'][number] }> = [];
  const audit: AuditRow[] = [];
  const batchCases = new Set<string>();

  for (const alert of fresh) {
    const assessment = assessor.assess(alert, risksOf(alert, intel));
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
  return { alerts: stored, cases, keys, observables, caseObservables, audit };
}

/** The next response round waits this many times the last round's cost… */
const RESPONSE_PACE = 10;
/** …but never longer than this. */
const RESPONSE_PACE_MAX_MS = 30_000;

/** Gives the grouper stored cases with the time spans of their keys, as the store holds them. */
export function seedStoredCases(
  grouper: CaseGrouper,
  cases: ReadonlyArray<{ id: string; severity: string; score: number; title: string; assessment: unknown; firstAlertAt: string; lastAlertAt: string; alertCount: number }>,
  keys: ReadonlyArray<{ key: string; caseId: string; firstSeen: string; lastSeen: string }>,
): void {
  const byCase = new Map<string, Array<{ key: string; firstSeen: number; lastSeen: number }>>();
  for (const k of keys) {
    let l = byCase.get(k.caseId);
    if (!l) byCase.set(k.caseId, (l = []));
    l.push({ key: k.key, firstSeen: Date.parse(k.firstSeen), lastSeen: Date.parse(k.lastSeen) });
  }
  for (const c of cases) {
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
    seedStoredCases(grouper, open, await this.d.repo.caseKeysFor(open.map((c) => c.id)));
    return grouper;
  }

  /** `vigil run`: alert files and folders. */
  async run(opts: RunOptions): Promise<RunSummary> {
    const files = await expandInputs(opts.paths);
    const maxLineBytes = this.d.maxLineBytes;
    const bytes = { done: 0, file: 0, total: 0 };
    const onProgress = opts.onProgress;
    if (onProgress) for (const f of files) bytes.total += (await stat(f)).size;
    const onRead = onProgress && ((n: number) => (bytes.file += n));
    async function* records(): AsyncGenerator<IngestItem> {
      for (const file of files) {
        for await (const rec of readAlertFile(file, { maxLineBytes, onRead })) yield rec;
        bytes.done += bytes.file;
        bytes.file = 0;
        yield { fileDone: file };
      }
    }
    const summary = await this.ingest(records(), {
      endOfInput: true,
      ...opts,
      ...(onProgress && { onProgress: (p: RunProgress) => onProgress({ ...p, bytesRead: bytes.done + bytes.file, bytesTotal: bytes.total }) }),
    });
    summary.files = files;
    return summary;
  }

  /**
   * The one entry point for every input: files, webhooks, live sources, Sigma detections, phishing
   * verdicts. Items are raw records (routed to their `AlertSource`), already-built alerts, or rejected
   * input to count. Calls are serialized, because the case grouper is shared across them.
   */
  ingest(items: Iterable<IngestItem> | AsyncIterable<IngestItem>, opts: IngestOptions): Promise<RunSummary> {
    let mayStart!: () => void;
    const nextMayStart = new Promise<void>((r) => (mayStart = r));
    const release = (): void => {
      mayStart();
      opts.onNextMayStart?.();
    };
    const next = this.queue.then(() => this.ingestNow(items, opts, release));
    const ended = next.then(
      () => undefined,
      () => undefined,
    );
    void ended.then(release);
    // Streaming input overlaps: the next call checks its alerts while this one is enriched, grouped and
    // written (see processBatch). A file run holds the queue to the end, because its case responses
    // run inline and may change the cases the next call would group.
    this.queue = opts.deferResponse ? nextMayStart : ended;
    return next;
  }

  private queue: Promise<unknown> = Promise.resolve();
  private grouper: CaseGrouper | undefined;
  /** The last batch write handed to the store (true once stored), and the case state it was worked out from. */
  private lastWrite: { done: Promise<boolean>; grouper: CaseGrouper } | undefined;
  /** Alerts a batch has found new and not yet stored, with whether that batch stored them. */
  private readonly writing = new Map<string, Promise<boolean>>();

  /** Forget the in-memory case state, so the next ingest reads open cases from the store again. */
  resetCases(): void {
    this.grouper = undefined;
  }

  private async ingestNow(items: Iterable<IngestItem> | AsyncIterable<IngestItem>, opts: IngestOptions, release: () => void): Promise<RunSummary> {
    const started = performance.now();
    const summary = emptySummary(opts.outDir);
    if (opts.deferResponse) summary.placed = new Map();
    this.grouper ??= await this.seedGrouper();
    const grouper = this.grouper;
    const opened = new Set<string>();
    const touched = new Set<string>();
    const seenThisRun = new Set<string>();
    const enrichedLogged = new Set<string>();
    const batchSize = opts.batchSize ?? 1000;
    let batch: Array<{ file: string; line: number; alert: Alert }> = [];
    let file = '';

    const state: RunState = { grouper, summary, opened, touched, enrichedLogged, placed: summary.placed };
    const flush = async (last = false): Promise<void> => {
      if (!batch.length) return;
      const b = batch;
      batch = [];
      try {
        await this.processBatch(b, state, last ? release : undefined);
      } catch (e) {
        // The store refused the batch: the in-memory case state may now be ahead of it.
        if (this.grouper === grouper) this.grouper = undefined;
        throw e;
      }
    };

    const detector = this.d.detector;
    if (detector) summary.detect = { rules: detector.ruleCount, events: 0, detections: 0, correlations: 0 };
    const add = async (item: { file: string; line: number }, alert: Alert): Promise<void> => {
      if (seenThisRun.has(alert.id)) {
        summary.alerts.duplicate++;
        return;
      }
      seenThisRun.add(alert.id);
      summary.alertIds.push(alert.id);
      batch.push({ file: item.file, line: item.line, alert });
      if (batch.length >= batchSize) {
        await flush();
        opts.onProgress?.({ file, records: summary.alerts.read, alerts: summary.alerts.new });
      }
    };
    const detected = async (item: { file: string; line: number }, found: NormalizedAlert[]): Promise<void> => {
      for (const n of found) await add(item, completeObservables(n, this.d.extractText, this.d.hosts));
    };

    for await (const item of items) {
      if ('fileDone' in item) {
        await flush();
        opts.onProgress?.({ file: item.fileDone, records: summary.alerts.read, alerts: summary.alerts.new });
        continue;
      }
      file = item.file;
      for (const alert of alertsOfItem(item, this.d, summary)) await add(item, alert);
    }
    if (detector && opts.endOfInput) {
      const closed = detector.close(Number.POSITIVE_INFINITY);
      summary.detect!.correlations += closed.correlations;
      summary.alerts.read += closed.alerts.length;
      await detected({ file: 'correlation', line: 0 }, closed.alerts);
    }
    await flush(true);
    summary.cases.opened = opened.size;
    summary.cases.updated = [...touched].filter((id) => !opened.has(id)).length;

    if (opts.deferResponse) {
      for (const caseId of touched) this.pending.set(caseId, (this.pending.get(caseId) ?? false) || opened.has(caseId));
      // A webhook caller wants the case its alert is in, also when the alert was already stored.
      summary.caseNumbers.push(...new Set([...summary.placed!.values()].map((p) => p.caseNumber)));
      this.scheduleResponses(opts.outDir);
    } else {
      for (const caseId of touched) await this.afterCase(caseId, opened.has(caseId), opts.outDir, summary);
    }
    summary.caseNumbers.sort((a, b) => a - b);
    summary.elapsedMs = Math.round(performance.now() - started);
    return summary;
  }

  /** Cases whose response is due (case id → opened since the last round). */
  private readonly pending = new Map<string, boolean>();
  /**
   * When the next round for cases that only grew may start. A round costs more the bigger its
   * cases (their reports), so after each round the next one waits RESPONSE_PACE × what it cost:
   * response work stays a small share of the time, however many cases keep growing at once. A
   * newly opened case never waits.
   */
  private nextRoundAt = 0;
  private responseTimer: NodeJS.Timeout | undefined;
  private responseDueAt = 0;
  private responding: Promise<void> | undefined;
  private responseOut = '';

  private scheduleResponses(outDir: string): void {
    this.responseOut = outDir;
    if (this.responding || !this.pending.size) return;
    const now = performance.now();
    const wait = [...this.pending.values()].some(Boolean) ? 0 : this.nextRoundAt - now;
    const delay = Math.max(this.d.responseDelayMs ?? 1000, wait);
    // A timer already set for sooner stays; a new case must not wait for the growing cases' pace.
    if (this.responseTimer && this.responseDueAt <= now + delay) return;
    if (this.responseTimer) clearTimeout(this.responseTimer);
    this.responseDueAt = now + delay;
    this.responseTimer = setTimeout(() => {
      this.responseTimer = undefined;
      this.responding = this.respondPending(false).finally(() => {
        this.responding = undefined;
        this.scheduleResponses(this.responseOut);
      });
    }, delay);
    this.responseTimer.unref();
  }

  private async respondPending(all: boolean): Promise<void> {
    const started = performance.now();
    const due = [...this.pending].filter(([, opened]) => all || opened || this.nextRoundAt <= started);
    for (const [id] of due) this.pending.delete(id);
    const summary = emptySummary(this.responseOut);
    for (const [caseId, opened] of due) {
      try {
        await this.afterCase(caseId, opened, this.responseOut, summary);
      } catch (e) {
        this.d.log.error({ err: e, caseId }, 'case response failed');
      }
      // The store answers without ever yielding to I/O: let waiting webhook requests in between cases.
      await new Promise((r) => setImmediate(r));
    }
    const ended = performance.now();
    this.nextRoundAt = Math.max(this.nextRoundAt, ended + Math.min(RESPONSE_PACE_MAX_MS, (ended - started) * RESPONSE_PACE));
  }

  /** Runs every deferred case response now (before a shutdown, or when a test needs them done). */
  async flushResponses(): Promise<void> {
    if (this.responseTimer) clearTimeout(this.responseTimer);
    this.responseTimer = undefined;
    await this.responding;
    while (this.pending.size) await this.respondPending(true);
  }

  private async processBatch(
    batch: Array<{ file: string; line: number; alert: Alert }>,
    run: RunState,
    /** Called once this batch knows which of its alerts are new: the next batch may start from here. */
    onChecked?: () => void,
  ): Promise<void> {
    const { summary, placed } = run;
    // An alert an earlier batch is about to write counts as stored too. Taken before the query:
    // what leaves the map after this has been committed, and the query sees it.
    const inFlight = batch.flatMap((b) => {
      const w = this.writing.get(b.alert.id);
      return w ? [w] : [];
    });
    const existing = await this.d.repo.existingAlertIds(batch.map((b) => b.alert.id));
    for (const b of batch) if (this.writing.has(b.alert.id)) existing.add(b.alert.id);
    const fresh = batch.filter((b) => !existing.has(b.alert.id));
    let settle!: (stored: boolean) => void;
    const stored = new Promise<boolean>((r) => (settle = r));
    for (const b of fresh) this.writing.set(b.alert.id, stored);
    onChecked?.();
    try {
      summary.alerts.duplicate += batch.length - fresh.length;
      // A duplicate of an alert whose write then failed was not stored after all: the sender must retry.
      if (inFlight.length && (await Promise.all(inFlight)).includes(false)) {
        throw new VigilError('VIGIL_STORE_FAILED', 'not stored: the batch that carried the same alert could not be stored (see the error logged for it); send it again');
      }
      if (placed && existing.size) for (const [id, n] of await this.d.repo.caseNumbersOfAlerts([...existing])) placed.set(id, { caseNumber: n, stored: false });
      if (fresh.length) await this.writeBatch(fresh, run);
      settle(true);
    } catch (e) {
      settle(false);
      throw e;
    } finally {
      for (const b of fresh) if (this.writing.get(b.alert.id) === stored) this.writing.delete(b.alert.id);
    }
  }

  private async writeBatch(fresh: Array<{ alert: Alert }>, { grouper, summary, opened, touched, enrichedLogged, placed }: RunState): Promise<void> {
    const intel = await this.d.intel.enrichMany(fresh.flatMap((b) => enrichables(b.alert)));
    const write = groupBatch(
      fresh.map((b) => b.alert),
      intel,
      grouper,
      this.d.assessor,
      opened,
      touched,
      enrichedLogged,
    );
    // Grouping advanced the in-memory cases, so the writes go in the order their batches were grouped
    // (this chain is extended in the same turn as groupBatch). A batch grouped on top of one the store
    // then refused is refused too: its cases may build on rows that were never written.
    const prev = this.lastWrite;
    const done = (async () => {
      if (prev && prev.grouper === grouper && !(await prev.done)) {
        throw new VigilError('VIGIL_STORE_FAILED', 'not stored: the batch before it could not be stored (see the error logged for it); send it again');
      }
      return this.d.repo.saveBatch(write);
    })();
    this.lastWrite = {
      grouper,
      done: done.then(
        () => true,
        () => false,
      ),
    };
    const numbers = await done;
    if (placed) for (const s of write.alerts) placed.set(s.alert.id, { caseNumber: numbers.get(s.caseId)!, stored: true });
    summary.alerts.new += fresh.length;
  }

  /**
   * The after-case stage on its own, for the scale-out workers: response, report and notification
   * for one case, exactly what `ingest` does for every case it touched.
   */
  async respondCase(caseId: string, opened: boolean, outDir: string): Promise<RunSummary> {
    const summary = emptySummary(outDir);
    await this.afterCase(caseId, opened, outDir, summary);
    return summary;
  }

  /** Response, notification and report for one case the run touched. */
  private async afterCase(caseId: string, wasOpened: boolean, outDir: string, summary: RunSummary): Promise<void> {
    const repo = this.d.repo;
    const report = await buildCaseReport(repo, caseId, this.d.clock);
    if (!report) return;
    summary.caseNumbers.push(report.case.number);
    summary.cases.bySeverity[report.case.severity]++;

    // Playbooks: the engine stores its runs, actions, tasks and case changes and writes their artifacts.
    const response = await this.d.playbooks.onCase({ report, opened: wasOpened });
    for (const r of response.records) summary.actions[r.status] = (summary.actions[r.status] ?? 0) + 1;
    summary.tasks += response.tasks;
    if (response.changes.severity) {
      // A playbook set the severity: the in-memory case must agree, or the next batch would write the old one back.
      const open = this.grouper?.cases.get(caseId);
      if (open) open.severity = response.changes.severity;
    }
    applyResponse(report, response);
    // What now waits for an analyst goes into the first report and notification, not only later ones.
    if (response.runs.some((r) => r.status === 'waiting_approval')) {
      const approvals = await pendingApprovals(this.d.repo, caseId);
      if (approvals.length) report.approvals = approvals;
    }

    const reportsDir = join(outDir, 'reports');
    const htmlName = reportFileName(report, 'html');
    report.reportFiles = { html: join(reportsDir, htmlName), markdown: join(reportsDir, reportFileName(report, 'md')) };
    report.url = caseUrlFor(this.d.caseUrl, report.case);
    const rendered = renderNotification(report);
    await mkdir(reportsDir, { recursive: true });
    const html = renderReportHtml(report);
    await writeFile(join(reportsDir, htmlName), html);
    await writeFile(join(reportsDir, reportFileName(report, 'md')), renderReportMarkdown(report));
    summary.reports++;

    await this.notifyCase(caseId, report, rendered, html, htmlName, summary);
  }

  /**
   * Hands one case to the notifier: routing picks the channels, each message is stored before it is
   * sent, and the pipeline waits only for the first quick attempts (later retries are scheduled).
   */
  private async notifyCase(
    caseId: string,
    report: CaseReport,
    rendered: ReturnType<typeof renderNotification>,
    html: string,
    htmlName: string,
    summary: RunSummary,
  ): Promise<void> {
    try {
      const out = await this.d.notifier.notifyCase({ caseId, report, rendered, html, htmlName });
      summary.notifications += out.sent;
    } catch (e) {
      // A store or channel bug must not cost the rest of the run its cases and reports.
      this.d.log.error({ err: e, caseId }, 'notification round failed');
    }
  }
}
