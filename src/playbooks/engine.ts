import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { describeZodIssues, VigilError } from '../core/errors.js';
import { randomId, stableId } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import type { Task } from '../core/types.js';
import type { CaseReport } from '../reports/model.js';
import type { AuditRow } from '../store/repo.js';
import type { ActionOutcome, ActionServices, CaseChanges, Guards, PlaybookCase, ResponseAction } from './action.js';
import { ResponseLedger, type EffectRow, type HolderView } from './ledger.js';
import { RESPONSE_ACTIONS } from './actions/registry.js';
import { eventsBetween, playbookCase, snapshotOf, type CaseEvent, type CaseSnapshot } from './case.js';
import { compile, evaluate, truthy } from './expression.js';
import { isBuiltinForEach } from './loader.js';
import type { Playbook, Step } from './schema.js';
import { parseActionSettings, type PlaybookSettings } from './settings.js';
import type { ApprovalRow, Commit, PlaybookStore, RunRow, RunStatus, StoredAction } from './store.js';
import { render, type RenderProblems } from './template.js';
import { runView } from './views.js';
import { evaluateTrigger, type RunEvent } from './triggers.js';
import type { OrgScope } from '../store/scope.js';

const MAX_BACKOFF_MS = 300_000;
const MAX_RECORDED_JSON = 16_384;
// Rounds of playbooks started by what earlier playbooks did to the case (a tag, a severity).
const MAX_ROUNDS = 3;

export type StepStatus = 'pending' | 'running' | 'waiting_approval' | 'succeeded' | 'failed' | 'skipped' | 'rejected' | 'expired';

/** One item of a step (the step itself when it has no `for_each`). */
export interface ItemRecord {
  target: string;
  /** An action status, `skipped` (the `if` was false) or `done-earlier` (recorded by an earlier run). */
  status: string;
  reason: string;
  actionId?: string;
  inputs?: unknown;
  outputs?: unknown;
  attempts?: number;
  durationMs?: number;
  artifact?: string;
}

export interface StepRecord {
  id: string;
  uses: string;
  status: StepStatus;
  reason?: string;
  dryRun?: boolean;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  /** Ran as the failure handler of another step. */
  handler?: boolean;
  items: ItemRecord[];
  approval?: { id: string; status: string; message: string; requestedAt: string; expiresAt: string; decidedBy?: string; decidedAt?: string; reason?: string; preview?: string[] };
}

/** A run as the API, the CLI and the artifact show it. */
export interface RunView {
  id: string;
  playbook: string;
  caseId: string;
  caseNumber?: number;
  trigger: string;
  status: RunStatus;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string | null;
  deadlineAt: string | null;
  error: string | null;
  steps: StepRecord[];
  /** False when the run did nothing new and was not stored (every action already recorded). */
  persisted: boolean;
}

/** What a paused run needs to go on. */
interface RunState {
  case: PlaybookCase;
  event: RunEvent;
  outputs: Record<string, unknown>;
  next: number;
  outDir?: string;
  hash: string;
  failures: string[];
  handler?: string;
  timeoutMs: number;
}

interface Run extends RunState {
  id: string;
  pb: Playbook;
  steps: StepRecord[];
  startedAt: string;
  deadline: number;
  persisted: boolean;
  done: Set<string>;
  approvedStep?: string;
  dryRun: boolean;
  // What is not stored yet.
  records: StoredAction[];
  tasks: Task[];
  audit: AuditRow[];
  changes: CaseChanges;
  // What is stored already, still reported to the caller.
  flushed: StoredAction[];
  tasksFlushed: Task[];
  auditFlushed: AuditRow[];
  changesFlushed: CaseChanges;
  /** When set, the run's final write joins the case's one transaction (`onCase`) instead of its own. */
  defer?: Deferred;
}

interface Deferred {
  commits: Commit[];
  after: Array<() => Promise<unknown>>;
}

function mergeChanges(a: CaseChanges, b: CaseChanges): CaseChanges {
  return { ...a, ...b, ...((a.addTags || b.addTags) && { addTags: [...(a.addTags ?? []), ...(b.addTags ?? [])] }) };
}

export interface EngineDeps {
  playbooks: readonly Playbook[];
  settings: PlaybookSettings;
  guards: Guards;
  clock: Clock;
  log: Logger;
  services: ActionServices;
  /** Where runs and actions are stored; without it (`vigil playbooks test`) nothing is. */
  store?: PlaybookStore;
  /** Where the JSON artifacts go (`<out>/actions/…`). */
  outDir?: string;
  actions?: readonly ResponseAction<never, never>[];
  criticalityOf?: (host: string) => string | undefined;
  /** Every action simulates, whatever the config (`vigil playbooks test`). */
  dryRunAll?: boolean;
  /** The canonical name of a host (app.hosts), for the response ledger's containment targets. */
  canonicalHost?: (host: string) => string;
  sleep?: (ms: number) => Promise<void>;
}

/** What the playbooks did for one case, for the pipeline's summary and its in-memory case state. */
export interface CaseResponse {
  records: StoredAction[];
  tasks: number;
  runs: RunView[];
  changes: CaseChanges;
  /** The tasks and timeline rows stored, so the caller can update its view of the case without reading it again. */
  added: { tasks: Task[]; timeline: AuditRow[] };
}

/** Brings a case report up to date with what the playbooks did (their records, tasks, timeline and case changes). */
export function applyResponse(report: CaseReport, r: CaseResponse): void {
  report.actions.push(...r.records.map(({ runId: _r, expiresAt: _e, ...a }) => a));
  report.tasks.push(...r.added.tasks);
  report.timeline.push(...r.added.timeline.map((t) => ({ at: t.at, kind: t.kind, message: t.message, actor: t.actor })));
  if (r.changes.addTags) report.case.tags = [...new Set([...report.case.tags, ...r.changes.addTags])];
  if (r.changes.severity) report.case.severity = r.changes.severity;
  if (r.changes.status) report.case.status = r.changes.status;
}

export interface SweepResult {
  expiredApprovals: number;
  staleRuns: number;
  undone: number;
}

function safeName(s: string): string {
  return s.replace(/[^a-zA-Z0-9._-]+/g, '_').slice(0, 80);
}

function caseDir(n: number): string {
  return `actions/case-${String(n).padStart(4, '0')}`;
}

/** Keeps stored inputs and outputs bounded: a huge list is replaced by its size and a preview. */
function clip(v: unknown): unknown {
  if (v === undefined) return undefined;
  const s = JSON.stringify(v);
  if (s === undefined || s.length <= MAX_RECORDED_JSON) return v;
  return { truncated: true, bytes: s.length, preview: s.slice(0, 1_000) };
}

function targetOfItem(item: unknown, step: Step): string {
  if (typeof item === 'string') return item;
  const v = (item as { value?: unknown } | undefined)?.value;
  return typeof v === 'string' ? v : step.id;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs playbooks: decides which a case event starts, executes their steps (conditions, loops,
 * retries with backoff, timeouts, failure handling, approvals), and records every run, step and
 * action. A run never stays `running` past its deadline: it ends `failed` with the reason, and a
 * sweep ends runs whose process died.
 */

/** What a run has done and not yet stored, and what it has stored: empty when it starts or resumes. */
function emptyBuffers() {
  return { records: [], tasks: [], audit: [], changes: {}, flushed: [], tasksFlushed: [], auditFlushed: [], changesFlushed: {} };
}

export class PlaybookEngine {
  readonly actions: readonly ResponseAction<unknown, unknown>[];
  private readonly configs: Map<string, unknown>;
  private readonly needGroups: boolean;
  private readonly sleep: (ms: number) => Promise<void>;
  private swept = false;
  /** Effects on the outside world shared by every case (blocks, containment); none without a store. */
  readonly ledger: ResponseLedger | undefined;

  constructor(private readonly d: EngineDeps) {
    this.ledger = d.store ? new ResponseLedger(d.store.db) : undefined;
    this.actions = (d.actions ?? RESPONSE_ACTIONS) as readonly ResponseAction<unknown, unknown>[];
    this.configs = parseActionSettings(d.settings.actions, this.actions);
    this.sleep = d.sleep ?? defaultSleep;
    this.needGroups = d.playbooks.some((p) => p.enabled && (p.trigger.rule_groups !== undefined || JSON.stringify(p).includes('ruleGroups')));
  }

  get playbooks(): readonly Playbook[] {
    return this.d.playbooks;
  }

  private now(): Date {
    return this.d.clock.now();
  }

  private action(id: string): ResponseAction<unknown, unknown> {
    const a = this.actions.find((x) => x.id === id);
    if (!a) throw new VigilError('VIGIL_PLUGIN_UNKNOWN', `unknown action "${id}"`);
    return a;
  }

  /** Whether a step simulates: config decides for destructive actions, a playbook can only add dry runs. */
  dryRunFor(action: ResponseAction<unknown, unknown>, step: Pick<Step, 'dry_run'>, pb: Pick<Playbook, 'dry_run'>): boolean {
    if (this.d.dryRunAll || step.dry_run === true || pb.dry_run === true) return true;
    const own = (this.configs.get(action.id) as { dryRun?: boolean } | undefined)?.dryRun;
    return own ?? (action.destructive ? this.d.settings.dryRun : false);
  }

  // ------------------------------------------------------------------ pipeline entry

  /**
   * Called once per case an ingest touched: works out what happened to the case since the engine
   * last saw it, starts the playbooks those events trigger, and stores what they did.
   */
  async onCase(input: { report: CaseReport; opened: boolean }): Promise<CaseResponse> {
    const out: CaseResponse = { records: [], tasks: 0, runs: [], changes: {}, added: { tasks: [], timeline: [] } };
    const store = this.d.store;
    if (!store || !this.d.playbooks.some((p) => p.enabled)) return out;
    if (!this.swept) {
      this.swept = true;
      await this.sweepExpired().catch((e: unknown) => this.d.log.error({ err: e }, 'playbook sweep failed'));
    }
    const caseId = input.report.case.id;
    // The report's totals carry the case's rule groups; only a report without them needs the query.
    const { snapshot: before, done, active, ...extras } = await store.caseState(caseId, { ruleGroups: this.needGroups && !input.report.totals?.ruleGroups });
    const pcase = playbookCase(input.report, { ...extras, ...(this.d.criticalityOf && { criticalityOf: this.d.criticalityOf }) });
    let events: CaseEvent[] = eventsBetween(before, pcase, input.opened);
    const defer: Deferred = { commits: [], after: [] };
    for (let round = 0; round < MAX_ROUNDS && events.length; round++) {
      const start: CaseSnapshot = snapshotOf(pcase);
      let changed = false;
      for (const pb of this.d.playbooks) {
        if (active.has(pb.name)) continue;
        const t = evaluateTrigger(pb, pcase, events);
        if (!t.matched) continue;
        const run = await this.startRun(pb, pcase, t.event, done, { defer });
        const view = this.view(run, this.statusOf(run));
        if (view.status === 'waiting_approval' || view.status === 'running') active.add(pb.name);
        if (view.persisted) out.runs.push(view);
        out.records.push(...run.flushed, ...run.records);
        out.tasks += run.tasksFlushed.length + run.tasks.length;
        out.added.tasks.push(...run.tasksFlushed);
        out.added.timeline.push(...run.auditFlushed);
        const ch = mergeChanges(run.changesFlushed, run.changes);
        if (Object.keys(ch).length) {
          changed = true;
          out.changes = mergeChanges(out.changes, ch);
        }
      }
      if (!changed) break;
      // What the playbooks did (a tag, a severity) can start others; created/updated do not fire twice.
      events = eventsBetween(start, pcase, false, false).filter((e) => e.kind !== 'observable.malicious' && e.kind !== 'phishing.verdict');
    }
    const after = snapshotOf(pcase);
    const snapshot = JSON.stringify(after) !== JSON.stringify(before) ? { caseId, value: after, at: this.now().toISOString() } : undefined;
    if (defer.commits.length || snapshot) {
      const applied = await store.commitMany(defer.commits, snapshot);
      if (applied.includes(false)) this.d.log.warn({ caseId }, 'a run was ended by the sweep before it finished; its actions are recorded');
    }
    for (const f of defer.after) await f();
    return out;
  }

  /** Starts one run of a playbook on a case and executes it until it ends or pauses. */
  async start(pb: Playbook, c: PlaybookCase, event: RunEvent, done: Set<string>, opts: { outDir?: string } = {}): Promise<RunView> {
    const run = await this.startRun(pb, c, event, done, opts);
    return this.view(run, this.statusOf(run));
  }

  private async startRun(pb: Playbook, c: PlaybookCase, event: RunEvent, done: Set<string>, opts: { outDir?: string; defer?: Deferred } = {}): Promise<Run> {
    const now = this.now();
    const timeoutMs = pb.timeout ?? this.d.settings.runTimeout;
    const outDir = opts.outDir ?? this.d.outDir;
    const run: Run = {
      id: randomId('run'),
      pb,
      case: c,
      event,
      outputs: {},
      next: 0,
      ...(outDir !== undefined && { outDir }),
      hash: pb.hash,
      failures: [],
      timeoutMs,
      steps: pb.steps.map((s) => ({ id: s.id, uses: s.uses, status: 'pending', items: [] })),
      startedAt: now.toISOString(),
      deadline: now.getTime() + timeoutMs,
      persisted: false,
      done,
      dryRun: this.d.dryRunAll === true || this.d.settings.dryRun || pb.dry_run === true,
      ...emptyBuffers(),
      ...(opts.defer && { defer: opts.defer }),
    };
    await this.execute(run);
    return run;
  }

  // ------------------------------------------------------------------ execution

  private statusOf(run: Run): RunStatus {
    if (run.steps.some((s) => s.status === 'waiting_approval')) return 'waiting_approval';
    if (run.steps.some((s) => s.status === 'rejected')) return 'rejected';
    if (run.steps.some((s) => s.status === 'expired')) return 'expired';
    if (run.next < run.pb.steps.length && !run.failures.length && run.steps.some((s) => s.status === 'running')) return 'running';
    return run.failures.length ? 'failed' : 'succeeded';
  }

  private view(run: Run, status: RunStatus, finishedAt: string | null = status === 'running' || status === 'waiting_approval' ? null : this.now().toISOString()): RunView {
    return {
      id: run.id,
      playbook: run.pb.name,
      caseId: run.case.id,
      caseNumber: run.case.number,
      trigger: run.event.kinds.join(', '),
      status,
      dryRun: run.dryRun,
      startedAt: run.startedAt,
      finishedAt,
      deadlineAt: status === 'running' ? new Date(run.deadline).toISOString() : null,
      error: run.failures.length ? run.failures.join('; ') : null,
      steps: run.steps,
      persisted: run.persisted,
    };
  }

  private scope(run: Run, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      case: run.case,
      event: run.event,
      steps: run.outputs,
      playbook: { name: run.pb.name, description: run.pb.description },
      run: { id: run.id, dry_run: run.dryRun },
      ...extra,
    };
  }

  private async execute(run: Run): Promise<void> {
    const steps = run.pb.steps;
    while (run.next < steps.length) {
      const i = run.next;
      const step = steps[i]!;
      const rec = run.steps[i]!;
      const isHandler = run.pb.handlers.has(step.id);
      if (isHandler && run.handler !== step.id) {
        run.next++;
        continue;
      }
      if (this.now().getTime() > run.deadline) {
        run.failures.push(`timed out after ${Math.round(run.timeoutMs / 1000)} s before step ${step.id}`);
        break;
      }
      if (step.approval && run.approvedStep !== step.id) {
        const preview = await this.screen(run, i);
        if (preview.length && !this.d.store) {
          // Test mode: show what would be asked and go on as if approved.
          rec.approval = { id: '', status: 'would wait for approval', message: this.approvalMessage(run, step, preview), requestedAt: this.now().toISOString(), expiresAt: '', preview };
        } else if (preview.length) {
          await this.pause(run, i, preview);
          return;
        }
      }
      run.approvedStep = undefined;
      const ok = await this.runStep(run, i);
      if (run.handler === step.id) break;
      if (!ok) {
        const m = /^run (.+)$/.exec(step.on_failure);
        if (m && !isHandler) {
          run.handler = m[1]!;
          run.next = steps.findIndex((s) => s.id === m[1]);
          continue;
        }
        if (step.on_failure !== 'continue') break;
      }
      run.next++;
    }
    await this.finish(run);
  }

  private approvalMessage(run: Run, step: Step, targets: string[]): string {
    const custom = step.approval?.message;
    if (custom) {
      const problems: RenderProblems = { missing: [], errors: [] };
      const text = render(custom, this.scope(run, { targets }), problems);
      if (typeof text === 'string' && !problems.errors.length) return text;
    }
    return `Approve ${step.uses} on ${targets.slice(0, 10).join(', ')}${targets.length > 10 ? ` and ${targets.length - 10} more` : ''} (step ${step.id} of playbook ${run.pb.name}) for case #${run.case.number}: ${run.case.title}`;
  }

  private items(run: Run, step: Step): unknown[] {
    if (step.for_each === undefined) return [undefined];
    if (step.for_each === 'hosts') return run.case.hosts;
    if (step.for_each === 'observables') {
      const w = step.where;
      return run.case.observables.filter(
        (o) =>
          !w ||
          ((!w.type || w.type.includes(o.type)) &&
            (!w.verdict || w.verdict.includes(o.verdict)) &&
            (!w.scope || (o.scope !== undefined && (w.scope as string[]).includes(o.scope))) &&
            (!w.role || (o.role !== undefined && w.role.includes(o.role)))),
      );
    }
    const v = evaluate(compile(step.for_each), this.scope(run));
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new Error(`for_each gave ${typeof v}, not a list`);
    return v;
  }

  private async ensurePersisted(run: Run): Promise<void> {
    if (run.persisted || !this.d.store) return;
    await this.d.store.insertRun(this.runRow(run));
    run.persisted = true;
  }

  /** Evaluates `if`, renders and validates the inputs of one item: what to run, or why not. */
  private prepare(run: Run, step: Step, action: ResponseAction<unknown, unknown>, item: unknown, n: number):
    | { kind: 'skip'; target: string; reason: string }
    | { kind: 'fail'; target: string; reason: string; inputs?: unknown }
    | { kind: 'ready'; target: string; id: string; input: unknown } {
    const scope = this.scope(run, step.for_each !== undefined ? { item, index: n } : {});
    if (step.if !== undefined && step.if !== true) {
      let ok: boolean;
      try {
        ok = step.if !== false && truthy(evaluate(compile(step.if as string), scope));
      } catch (e) {
        return { kind: 'fail', target: targetOfItem(item, step), reason: `if: ${(e as Error).message}` };
      }
      if (!ok) return { kind: 'skip', target: targetOfItem(item, step), reason: `if is false: ${String(step.if)}` };
    }
    const problems: RenderProblems = { missing: [], errors: [] };
    const rendered = render(step.with, scope, problems);
    if (problems.missing.length || problems.errors.length) {
      const reason = problems.errors.length ? problems.errors.join('; ') : `unknown placeholder${problems.missing.length > 1 ? 's' : ''} ${problems.missing.map((m) => `{{ ${m} }}`).join(', ')}`;
      return { kind: 'fail', target: targetOfItem(item, step), reason };
    }
    const parsed = action.inputSchema.safeParse(rendered);
    if (!parsed.success) return { kind: 'fail', target: targetOfItem(item, step), reason: `invalid inputs: ${describeZodIssues(parsed.error.issues)}`, inputs: rendered };
    const target = action.target(parsed.data);
    return { kind: 'ready', target, id: stableId('act', run.case.id, run.pb.name, step.id, target), input: parsed.data };
  }

  /**
   * Before a step waits for approval, each item runs once in dry run: what the safety rails refuse
   * is recorded at once (a refusal needs nobody's approval), and the approver sees only the rest.
   */
  private async screen(run: Run, i: number): Promise<string[]> {
    const step = run.pb.steps[i]!;
    const rec = run.steps[i]!;
    const action = this.action(step.uses);
    const preview: string[] = [];
    let items: unknown[];
    try {
      items = this.items(run, step);
    } catch {
      return [step.id];
    }
    for (const [n, item] of items.slice(0, this.d.settings.maxItems).entries()) {
      const p = this.prepare(run, step, action, item, n);
      if (p.kind === 'skip') continue;
      if (p.kind === 'fail' || run.done.has(p.id)) {
        if (p.kind === 'fail') preview.push(p.target);
        continue;
      }
      // An effect another case already holds needs nobody's approval to join: nothing new is done.
      const dryRun = this.dryRunFor(action, step, run.pb);
      const joined = action.effect && this.ledger ? await this.joinActive(run, action, p.input, p.id, dryRun) : undefined;
      if (joined) {
        rec.items.push(this.record(run, step, action, { id: p.id, target: p.target, outcome: joined, inputs: p.input, attempts: 0, ms: 0 }));
        continue;
      }
      const { outcome } = await this.attempt(run, { ...step, retries: 0 }, action, p.input, { id: p.id, dryRun: true });
      if (outcome.status === 'refused') rec.items.push(this.record(run, step, action, { id: p.id, target: p.target, outcome, inputs: p.input, attempts: 1, ms: 0 }));
      else preview.push(p.target);
    }
    return preview;
  }

  /** Runs one step over its items; false when it failed. */
  private async runStep(run: Run, i: number): Promise<boolean> {
    const step = run.pb.steps[i]!;
    const rec = run.steps[i]!;
    const action = this.action(step.uses);
    const started = performance.now();
    rec.status = 'running';
    rec.startedAt = this.now().toISOString();
    // Refusals and joins recorded while screening for an approval stay listed.
    rec.items = rec.items.filter((x) => x.status === 'refused' || x.status === 'joined');
    const screened = new Set(rec.items.map((x) => x.actionId));
    if (run.handler === step.id) rec.handler = true;
    const dryRun = this.dryRunFor(action, step, run.pb);
    rec.dryRun = dryRun;
    let items: unknown[];
    try {
      items = this.items(run, step);
    } catch (e) {
      return this.endStep(run, i, started, 'failed', `for_each: ${(e as Error).message}`);
    }
    if (items.length > this.d.settings.maxItems) {
      return this.endStep(run, i, started, 'failed', `for_each gave ${items.length} items, more than playbooks.maxItems (${this.d.settings.maxItems})`);
    }
    let failed = false;
    const outputs: unknown[] = [];
    for (const [n, item] of items.entries()) {
      if (this.now().getTime() > run.deadline) {
        rec.items.push({ target: targetOfItem(item, step), status: 'failed', reason: 'the run timed out' });
        return this.endStep(run, i, started, 'failed', `the run timed out after ${Math.round(run.timeoutMs / 1000)} s`);
      }
      const p = this.prepare(run, step, action, item, n);
      if (p.kind === 'skip') {
        rec.items.push({ target: p.target, status: 'skipped', reason: p.reason });
        continue;
      }
      if (p.kind === 'fail') {
        failed = true;
        rec.items.push(this.recordFailure(run, step, action, p.target, p.reason, p.inputs));
        continue;
      }
      if (run.done.has(p.id)) {
        if (!screened.has(p.id)) rec.items.push({ target: p.target, status: 'done-earlier', reason: 'recorded by an earlier run', actionId: p.id });
        continue;
      }
      // A destructive action is about to act for real: the run is stored first, so if this process
      // dies mid-call the sweep ends it failed ("interrupted") instead of it vanishing.
      if (!dryRun && action.destructive) await this.ensurePersisted(run);
      const t0 = performance.now();
      const { outcome, attempts } = action.effect && this.ledger ? await this.attemptShared(run, step, action, p.input, { id: p.id, dryRun }) : await this.attempt(run, step, action, p.input, { id: p.id, dryRun });
      rec.items.push(this.record(run, step, action, { id: p.id, target: p.target, outcome, inputs: p.input, attempts, ms: Math.round(performance.now() - t0) }));
      outputs.push(step.for_each !== undefined ? { target: p.target, status: outcome.status, ...(outcome.outputs ?? {}) } : (outcome.outputs ?? {}));
      if (outcome.status === 'failed') failed = true;
      // A destructive action changed another system: record it now, so a crash cannot make a re-run
      // do it twice. (Messages carry a stable id instead, which the outbox and webhook receivers dedupe on.)
      if (outcome.status === 'executed' && action.destructive && this.d.store) await this.flush(run);
    }
    const acted = rec.items.some((x) => x.status !== 'skipped' && x.status !== 'done-earlier');
    run.outputs[step.id] = {
      status: failed ? 'failed' : acted ? 'succeeded' : 'skipped',
      outputs: step.for_each !== undefined ? outputs : (outputs[0] ?? {}),
      count: outputs.length,
    };
    if (failed) {
      const first = rec.items.find((x) => x.status === 'failed');
      return this.endStep(run, i, started, 'failed', first ? `${first.target}: ${first.reason}` : 'failed');
    }
    const why = rec.items.every((x) => x.status === 'skipped') && rec.items.length ? rec.items[0]!.reason : rec.items.length ? 'nothing new to do: recorded by an earlier run' : 'no items';
    return this.endStep(run, i, started, acted ? 'succeeded' : 'skipped', acted ? undefined : why);
  }

  private endStep(run: Run, i: number, started: number, status: StepStatus, reason?: string): boolean {
    const rec = run.steps[i]!;
    rec.status = status;
    if (reason !== undefined) rec.reason = reason;
    rec.finishedAt = this.now().toISOString();
    rec.durationMs = Math.round(performance.now() - started);
    if (status === 'failed') {
      if (!run.failures.some((f) => f.startsWith(`step ${rec.id}:`))) run.failures.push(`step ${rec.id}: ${reason ?? 'failed'}`);
      run.outputs[rec.id] ??= { status: 'failed', outputs: {}, count: 0 };
      (run.outputs[rec.id] as { reason?: string }).reason = reason;
      return false;
    }
    return true;
  }

  /** Calls the action with its timeout, retrying retryable failures with exponential backoff. */
  private async attempt(run: Run, step: Step, action: ResponseAction<unknown, unknown>, input: unknown, o: { id: string; dryRun: boolean }): Promise<{ outcome: ActionOutcome; attempts: number }> {
    const stepTimeout = step.timeout ?? this.d.settings.stepTimeout;
    let outcome: ActionOutcome = { status: 'failed', reason: 'not attempted', details: {} };
    let attempts = 0;
    for (let n = 0; n <= step.retries; n++) {
      const left = run.deadline - this.now().getTime();
      if (left <= 0) {
        outcome = { status: 'failed', reason: `the run timed out after ${Math.round(run.timeoutMs / 1000)} s`, details: outcome.details };
        break;
      }
      attempts++;
      const limit = Math.min(stepTimeout, left);
      const ctrl = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<ActionOutcome>((resolve) => {
        timer = setTimeout(() => {
          ctrl.abort();
          resolve({ status: 'failed', reason: limit < stepTimeout ? `the run timed out after ${Math.round(run.timeoutMs / 1000)} s` : `timed out after ${limit} ms`, details: {}, retryable: true });
        }, limit);
      });
      try {
        outcome = await Promise.race([
          action.run(input, {
            case: run.case,
            playbook: run.pb.name,
            step: step.id,
            runId: run.id,
            idempotencyKey: o.id,
            guards: this.d.guards,
            clock: this.d.clock,
            dryRun: o.dryRun,
            signal: ctrl.signal,
            config: this.configs.get(action.id),
            services: this.d.services,
          }),
          timeout,
        ]);
      } catch (e) {
        outcome = { status: 'failed', reason: (e as Error).message, details: {}, retryable: true };
      } finally {
        clearTimeout(timer);
      }
      if (outcome.status !== 'failed' || outcome.retryable !== true || n === step.retries) break;
      const wait = Math.min(step.backoff * 2 ** n, MAX_BACKOFF_MS, Math.max(0, run.deadline - this.now().getTime()));
      await this.sleep(wait);
    }
    if (attempts > 1 && outcome.status === 'failed') outcome = { ...outcome, reason: `${outcome.reason} (after ${attempts} attempts)` };
    return { outcome, attempts };
  }

  /** Whether this call would change a real system: not a dry run, and the action has an adapter to do it with. */
  private enforcing(action: ResponseAction<unknown, unknown>, dryRun: boolean): boolean {
    return !dryRun && (action.effect?.enforced?.(this.configs.get(action.id)) ?? true);
  }

  private effectKey(action: ResponseAction<unknown, unknown>, input: unknown): { target: string; expiresAt: string | null } {
    const canonicalHost = this.d.canonicalHost ?? ((h: string) => h.trim().toLowerCase());
    return { target: action.effect!.target(input, { canonicalHost }), expiresAt: action.effect!.expiresAt(input, this.now()) };
  }

  /** The outcome recorded on a case that joined another case's effect. */
  private joinedOutcome(action: ResponseAction<unknown, unknown>, input: unknown, target: string, effect: EffectRow, holders: HolderView[], caseId: string, expiresAt: string | null): ActionOutcome {
    const note = action.effect?.joinNote?.(input, effect.details as Record<string, unknown>);
    const others = holders.filter((h) => h.caseId !== caseId && !h.releasedAt);
    const cases = others.map((h) => (h.caseNumber !== null ? `#${h.caseNumber}` : h.caseId));
    const until = effect.expiresAt ? `until ${effect.expiresAt}` : 'until released';
    const extended = expiresAt !== null && effect.expiresAt === expiresAt && others.some((h) => h.expiresAt !== null && Date.parse(h.expiresAt) < Date.parse(expiresAt));
    return {
      status: 'joined',
      reason: `${target}: already ${effect.status === 'executed' ? 'in place' : 'recorded (simulated)'} since ${effect.since} for case${cases.length === 1 ? '' : 's'} ${cases.join(', ') || 'another case'}; this case holds it too, ${until}${extended ? ' (extended to this case\'s end)' : ''}. No new ${action.id} command was sent.${note ? ` Note: ${note}.` : ''}`,
      details: { effect: effect.id, target, effectStatus: effect.status, since: effect.since, expiresAt: effect.expiresAt, ownExpiresAt: expiresAt, heldBy: cases },
      outputs: { target, joined: true, effect: effect.id, expiresAt: effect.expiresAt },
    };
  }

  /** Joins an effect that is already active for another case; undefined when this case must act itself. */
  private async joinActive(run: Run, action: ResponseAction<unknown, unknown>, input: unknown, id: string, dryRun: boolean): Promise<ActionOutcome | undefined> {
    const k = this.effectKey(action, input);
    const j = await this.ledger!.joinIfActive({ kind: action.id, target: k.target, caseId: run.case.id, actionId: id, expiresAt: k.expiresAt, real: this.enforcing(action, dryRun), now: this.now().toISOString() });
    return j && this.joinedOutcome(action, input, k.target, j.effect, j.holders, run.case.id, k.expiresAt);
  }

  /**
   * An action whose effect the ledger shares: the case joins an active effect on the same canonical
   * target (no command), or claims it, runs the action and makes the effect active with itself as the
   * first holder. The record carries no `expiresAt`: the ledger's sweep ends the effect, once.
   */
  private async attemptShared(run: Run, step: Step, action: ResponseAction<unknown, unknown>, input: unknown, o: { id: string; dryRun: boolean }): Promise<{ outcome: ActionOutcome; attempts: number }> {
    const k = this.effectKey(action, input);
    const wait = Math.max(1, Math.min(step.timeout ?? this.d.settings.stepTimeout, run.deadline - this.now().getTime()));
    let claim;
    try {
      claim = await this.ledger!.claim({ kind: action.id, target: k.target, caseId: run.case.id, actionId: o.id, expiresAt: k.expiresAt, real: this.enforcing(action, o.dryRun), now: () => this.now(), signal: AbortSignal.timeout(wait) });
    } catch (e) {
      return { outcome: { status: 'failed', reason: (e as Error).message, details: { target: k.target }, retryable: true }, attempts: 0 };
    }
    if (claim.kind === 'joined') return { outcome: this.joinedOutcome(action, input, k.target, claim.effect, claim.holders, run.case.id, k.expiresAt), attempts: 0 };
    let r: { outcome: ActionOutcome; attempts: number };
    try {
      r = await this.attempt(run, step, action, input, o);
    } catch (e) {
      await this.ledger!.abandon(claim.effect.id, claim.previous);
      throw e;
    }
    const { expiresAt: ownEnd, ...outcome } = r.outcome;
    if (outcome.status !== 'executed' && outcome.status !== 'simulated') {
      await this.ledger!.abandon(claim.effect.id, claim.previous);
      return r;
    }
    const expiresAt = ownEnd ?? k.expiresAt;
    const eff = await this.ledger!.activate({ id: claim.effect.id, caseId: run.case.id, actionId: o.id, status: outcome.status, details: outcome.details, expiresAt, at: this.now().toISOString(), ...(claim.previous && { previous: claim.previous }) });
    return { outcome: { ...outcome, details: { ...outcome.details, effect: eff.id, effectTarget: k.target, ...(expiresAt && { expiresAt }) } }, attempts: r.attempts };
  }

  private recordFailure(run: Run, step: Step, action: ResponseAction<unknown, unknown>, target: string, reason: string, inputs?: unknown): ItemRecord {
    const id = stableId('act', run.case.id, run.pb.name, step.id, target);
    if (run.done.has(id)) return { target, status: 'done-earlier', reason: 'recorded by an earlier run', actionId: id };
    return this.record(run, step, action, { id, target, outcome: { status: 'failed', reason: `${run.pb.file}: step ${step.id}: ${reason}`, details: {} }, ...(inputs !== undefined && { inputs }), attempts: 0, ms: 0 });
  }

  /** Turns an outcome into an action record (and its tasks, changes and audit rows) waiting to be stored. */
  private record(run: Run, step: Step, action: ResponseAction<unknown, unknown>, r: { id: string; target: string; outcome: ActionOutcome; inputs?: unknown; attempts: number; ms: number }): ItemRecord {
    const at = this.now().toISOString();
    const o = r.outcome;
    const artifact = `${caseDir(run.case.number)}/${safeName(run.pb.name)}--${safeName(step.id)}--${safeName(r.target)}.json`;
    const rec: StoredAction = {
      id: r.id,
      caseId: run.case.id,
      playbook: run.pb.name,
      action: action.id,
      status: o.status,
      target: r.target,
      reason: o.reason,
      details: { ...(r.inputs !== undefined && { inputs: clip(r.inputs) }), ...o.details, ...(r.attempts > 1 && { attempts: r.attempts }) },
      at,
      ...(this.d.outDir !== undefined || run.outDir !== undefined ? { artifact } : {}),
      runId: run.id,
      ...(o.expiresAt && { expiresAt: o.expiresAt }),
    };
    run.done.add(r.id);
    run.records.push(rec);
    run.audit.push({
      at,
      actor: `playbook:${run.pb.name}`,
      kind: `action.${o.status}`,
      caseId: run.case.id,
      subject: `${action.id}:${r.target}`,
      message: `${action.id} ${r.target}: ${o.status}${o.reason ? ` — ${o.reason}` : ''}`,
      data: { actionId: r.id, runId: run.id, ...(rec.artifact && { artifact: rec.artifact }) },
    });
    for (const t of o.tasks ?? []) {
      const task: Task = { id: stableId('task', r.id, t.title), caseId: run.case.id, title: t.title, description: t.description, group: t.group, status: 'Waiting', createdBy: `playbook:${run.pb.name}`, createdAt: at };
      run.tasks.push(task);
      run.audit.push({ at, actor: task.createdBy, kind: 'task.created', caseId: run.case.id, subject: task.id, message: `Task "${task.title}" created` });
    }
    if (o.changes) this.applyChanges(run, o.changes, at);
    return {
      target: r.target,
      status: o.status,
      reason: o.reason,
      actionId: r.id,
      ...(r.inputs !== undefined && { inputs: clip(r.inputs) }),
      ...(o.outputs !== undefined && { outputs: clip(o.outputs) }),
      attempts: r.attempts,
      durationMs: r.ms,
      ...(rec.artifact && { artifact: rec.artifact }),
    };
  }

  /** Applies case changes to the run's view of the case at once (later steps see them) and queues them for the store. */
  private applyChanges(run: Run, ch: CaseChanges, at: string): void {
    const actor = `playbook:${run.pb.name}`;
    const c = run.case;
    if (ch.addTags?.length) {
      const added = ch.addTags.filter((t) => !c.tags.includes(t));
      if (added.length) {
        c.tags.push(...added);
        run.changes.addTags = [...(run.changes.addTags ?? []), ...added];
        run.audit.push({ at, actor, kind: 'case.tagged', caseId: c.id, subject: added.join(','), message: `Tagged ${added.join(', ')}` });
      }
    }
    if (ch.severity && ch.severity !== c.severity) {
      run.audit.push({ at, actor, kind: 'case.severity', caseId: c.id, subject: ch.severity, message: `Severity set to ${ch.severity} (was ${c.severity}) by playbook ${run.pb.name}` });
      c.severity = ch.severity;
      run.changes.severity = ch.severity;
    }
    if (ch.status && ch.status !== c.status) {
      run.audit.push({ at, actor, kind: 'case.status', caseId: c.id, subject: ch.status, message: `Status set to ${ch.status} (was ${c.status}) by playbook ${run.pb.name}` });
      c.status = ch.status;
      run.changes.status = ch.status;
    }
    if (ch.assignee && ch.assignee !== c.assignee) {
      run.audit.push({ at, actor, kind: 'case.assigned', caseId: c.id, subject: ch.assignee, message: `Assigned to ${ch.assignee}${c.assignee ? ` (was ${c.assignee})` : ''} by playbook ${run.pb.name}` });
      c.assignee = ch.assignee;
      run.changes.assignee = ch.assignee;
    }
  }

  /** Stores what the run has produced so far (records, tasks, changes) with its current step list. */
  private async flush(run: Run, patch: Partial<RunRow> = {}, extra: Partial<Commit> = {}, onlyIf: RunStatus[] = ['running'], final = false): Promise<boolean> {
    const store = this.d.store;
    if (!store) return true;
    const records = run.records.splice(0);
    const tasks = run.tasks.splice(0);
    const audit = run.audit.splice(0);
    const commit: Commit = {
      records,
      tasks,
      audit,
      changes: Object.keys(run.changes).length ? [{ caseId: run.case.id, changes: { ...run.changes } }] : [],
      ...(run.persisted ? { run: { id: run.id, patch: { steps: run.steps, ...patch }, onlyIf } } : { insertRun: this.runRow(run, patch) }),
      ...extra,
    };
    run.persisted = true;
    run.flushed.push(...records);
    run.tasksFlushed.push(...tasks);
    run.auditFlushed.push(...audit);
    run.changesFlushed = mergeChanges(run.changesFlushed, run.changes);
    run.changes = {};
    await this.writeArtifacts(run, records);
    if (final && run.defer) {
      run.defer.commits.push(commit);
      return true;
    }
    return store.commit(commit);
  }

  private runRow(run: Run, patch: Partial<RunRow> = {}): RunRow {
    return {
      id: run.id,
      playbook: run.pb.name,
      caseId: run.case.id,
      trigger: run.event.kinds.join(', '),
      status: 'running',
      dryRun: run.dryRun,
      steps: run.steps,
      state: null,
      error: null,
      startedAt: run.startedAt,
      finishedAt: null,
      deadlineAt: new Date(run.deadline).toISOString(),
      ...patch,
    };
  }

  private async writeArtifacts(run: Run, records: StoredAction[]): Promise<void> {
    const outDir = run.outDir ?? this.d.outDir;
    if (outDir === undefined) return;
    const withFile = records.filter((r) => r.artifact);
    if (!withFile.length) return;
    await mkdir(join(outDir, caseDir(run.case.number)), { recursive: true });
    const brief = { id: run.case.id, number: run.case.number, title: run.case.title, severity: run.case.severity };
    await Promise.all(withFile.map((r) => writeFile(join(outDir, r.artifact!), `${JSON.stringify({ ...r, case: brief }, null, 2)}\n`)));
  }

  private async writeRunArtifact(view: RunView, caseNumber: number, outDir: string | undefined, approvals?: ApprovalRow[]): Promise<string | undefined> {
    if (outDir === undefined) return undefined;
    const rel = `${caseDir(caseNumber)}/runs/${safeName(view.playbook)}--${view.id}.json`;
    const path = join(outDir, rel);
    await mkdir(dirname(path), { recursive: true });
    const { persisted: _p, ...shown } = view;
    await writeFile(path, `${JSON.stringify({ kind: 'playbook.run', ...shown, ...(approvals && { approvals }) }, null, 2)}\n`);
    return rel;
  }

  private async pause(run: Run, i: number, preview: string[]): Promise<void> {
    const step = run.pb.steps[i]!;
    const rec = run.steps[i]!;
    const now = this.now();
    const expiresMs = step.approval?.expires || this.d.settings.approvalExpiry;
    const approval: ApprovalRow = {
      id: stableId('apr', run.id, step.id),
      runId: run.id,
      stepId: step.id,
      caseId: run.case.id,
      status: 'pending',
      message: this.approvalMessage(run, step, preview),
      requestedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + expiresMs).toISOString(),
      decidedBy: null,
      decidedAt: null,
      reason: null,
    };
    rec.status = 'waiting_approval';
    rec.approval = { id: approval.id, status: 'pending', message: approval.message, requestedAt: approval.requestedAt, expiresAt: approval.expiresAt, ...(preview.length && { preview }) };
    run.audit.push({
      at: approval.requestedAt,
      actor: `playbook:${run.pb.name}`,
      kind: 'playbook.approval_requested',
      caseId: run.case.id,
      subject: run.id,
      message: `Waiting for approval of step ${step.id} (${step.uses}${preview.length ? ` on ${preview.slice(0, 5).join(', ')}${preview.length > 5 ? ', …' : ''}` : ''}) until ${approval.expiresAt}: vigil playbooks approve ${run.id}`,
      data: { runId: run.id, approvalId: approval.id, step: step.id },
    });
    const state: RunState = { case: run.case, event: run.event, outputs: run.outputs, next: i, ...(run.outDir !== undefined && { outDir: run.outDir }), hash: run.hash, failures: run.failures, ...(run.handler && { handler: run.handler }), timeoutMs: run.timeoutMs };
    await this.flush(run, { status: 'waiting_approval', state, deadlineAt: null }, { approval });
    await this.writeRunArtifact(this.view(run, 'waiting_approval'), run.case.number, run.outDir ?? this.d.outDir);
  }

  private async finish(run: Run, forced?: { status: RunStatus; error?: string }): Promise<void> {
    const failedAt = run.steps.find((s) => s.status === 'failed');
    for (const s of run.steps) {
      if (s.status !== 'pending') continue;
      s.status = 'skipped';
      s.reason = run.pb.handlers.has(s.id) ? 'failure handler: not needed' : failedAt ? `not run: step ${failedAt.id} failed` : forced ? `not run: the run ended ${forced.status}` : 'not run';
    }
    const status = forced?.status ?? this.statusOf(run);
    if (forced?.error) run.failures.push(forced.error);
    const view = this.view(run, status);
    // A re-triggered run that found everything already done is not worth a row.
    if (!this.d.store || (!run.records.length && !run.flushed.length && status === 'succeeded' && !run.persisted)) return;
    const finishedAt = view.finishedAt ?? this.now().toISOString();
    const counts = new Map<string, number>();
    for (const s of run.steps) for (const it of s.items) if (it.actionId && it.status !== 'done-earlier') counts.set(it.status, (counts.get(it.status) ?? 0) + 1);
    const tally = [...counts].map(([k, v]) => `${v} ${k}`).join(', ') || 'no actions';
    run.audit.push({
      at: finishedAt,
      actor: `playbook:${run.pb.name}`,
      kind: `playbook.${status}`,
      caseId: run.case.id,
      subject: run.id,
      message: `Playbook ${run.pb.name} ${status}${view.error ? `: ${view.error}` : ''} (${tally})`,
      data: { runId: run.id },
    });
    const ok = await this.flush(run, { status, finishedAt, error: view.error, state: null, deadlineAt: null }, {}, forced ? ['running', 'waiting_approval'] : ['running'], true);
    if (!ok) this.d.log.warn({ run: run.id }, 'the run was ended by the sweep before it finished; its actions are recorded');
    const artifact = () => this.writeRunArtifact({ ...view, persisted: true }, run.case.number, run.outDir ?? this.d.outDir);
    if (run.defer) run.defer.after.push(artifact);
    else await artifact();
  }

  // ------------------------------------------------------------------ approvals

  /**
   * Approves or rejects the pending approval of a paused run (the one for `step` when given).
   * Approving resumes the run at once, here; rejecting ends it `rejected`. The approver is recorded.
   */
  async decide(runId: string, d: { approve: boolean; by: string; step?: string; reason?: string; scope?: OrgScope }): Promise<RunView> {
    const store = this.requireStore();
    // Through the API the approver's organisation must own the run's case; another's run is not found.
    const row = await store.run(runId, d.scope);
    if (!row) throw new VigilError('VIGIL_INPUT_NOT_FOUND', `there is no playbook run ${runId}`, { field: 'run' });
    if (row.status !== 'waiting_approval') throw new VigilError('VIGIL_INPUT_INVALID', `run ${row.id} is ${row.status}: only a run waiting for approval can be ${d.approve ? 'approved' : 'rejected'}`, { field: 'run' });
    const pending = (await store.approvalsOf(row.id)).filter((a) => a.status === 'pending');
    const target = d.step ? pending.find((a) => a.stepId === d.step) : pending[0];
    if (!target) {
      throw new VigilError('VIGIL_INPUT_INVALID', d.step ? `run ${row.id} has no pending approval for step ${d.step} (waiting: ${pending.map((a) => a.stepId).join(', ') || 'none'})` : `run ${row.id} has no pending approval`, { field: 'step' });
    }
    const now = this.now();
    const nowIso = now.toISOString();
    if (Date.parse(target.expiresAt) <= now.getTime()) {
      await this.expire(row, target, nowIso);
      throw new VigilError('VIGIL_INPUT_INVALID', `the approval for step ${target.stepId} expired at ${target.expiresAt}; run ${row.id} ended expired`, { field: 'run' });
    }
    const state = row.state as RunState | null;
    const pb = this.d.playbooks.find((p) => p.name === row.playbook);
    const why = !state ? 'its saved state is missing' : !pb ? `playbook ${row.playbook} is no longer loaded` : pb.hash !== state.hash ? `playbook ${row.playbook} changed since the run paused` : undefined;
    if (why) {
      const steps = row.steps as StepRecord[];
      for (const s of steps) if (s.status === 'waiting_approval' || s.status === 'pending') Object.assign(s, { status: 'skipped', reason: `not run: ${why}` });
      await store.decide(target.id, { status: 'expired', decidedAt: nowIso, reason: why });
      await store.commit({
        records: [],
        tasks: [],
        changes: [],
        audit: [{ at: nowIso, actor: `playbook:${row.playbook}`, kind: 'playbook.failed', caseId: row.caseId, subject: row.id, message: `Playbook ${row.playbook} cannot resume: ${why}` }],
        run: { id: row.id, patch: { status: 'failed', error: `cannot resume: ${why}`, steps, finishedAt: nowIso, state: null }, onlyIf: ['waiting_approval'] },
      });
      throw new VigilError('VIGIL_INPUT_INVALID', `run ${row.id} cannot resume: ${why}; it ended failed`, { field: 'run' });
    }
    const decided = await store.decide(target.id, { status: d.approve ? 'approved' : 'rejected', decidedBy: d.by, decidedAt: nowIso, ...(d.reason !== undefined && { reason: d.reason }) });
    if (!decided) throw new VigilError('VIGIL_INPUT_INVALID', `the approval for step ${target.stepId} of run ${row.id} was decided meanwhile`, { field: 'run' });
    const run = await this.revive(row, pb!, state!);
    const rec = run.steps.find((s) => s.id === target.stepId)!;
    rec.approval = { ...(rec.approval ?? { id: target.id, message: target.message, requestedAt: target.requestedAt, expiresAt: target.expiresAt }), status: decided.status, decidedBy: d.by, decidedAt: nowIso, ...(d.reason !== undefined && { reason: d.reason }) };
    run.audit.push({
      at: nowIso,
      actor: d.by,
      kind: d.approve ? 'playbook.approved' : 'playbook.rejected',
      caseId: row.caseId,
      subject: row.id,
      message: `${d.by} ${d.approve ? 'approved' : 'rejected'} step ${target.stepId} of playbook ${row.playbook}${d.reason ? `: ${d.reason}` : ''}`,
      data: { runId: row.id, approvalId: target.id, step: target.stepId },
    });
    if (!d.approve) {
      rec.status = 'rejected';
      rec.reason = `rejected by ${d.by}${d.reason ? `: ${d.reason}` : ''}`;
      await this.finish(run, { status: 'rejected', error: `step ${target.stepId} ${rec.reason}` });
      return this.view(run, 'rejected');
    }
    rec.status = 'pending';
    run.approvedStep = target.stepId;
    const resumed = await store.updateRun(row.id, { status: 'running', steps: run.steps, deadlineAt: new Date(run.deadline).toISOString() }, ['waiting_approval']);
    if (!resumed) throw new VigilError('VIGIL_INPUT_INVALID', `run ${row.id} changed meanwhile`, { field: 'run' });
    await this.execute(run);
    return this.view(run, this.statusOf(run));
  }

  private async revive(row: RunRow, pb: Playbook, state: RunState): Promise<Run> {
    const now = this.now();
    return {
      id: row.id,
      pb,
      ...state,
      steps: row.steps as StepRecord[],
      startedAt: row.startedAt,
      deadline: now.getTime() + state.timeoutMs,
      persisted: true,
      done: await this.requireStore().actionIdsOfCase(row.caseId),
      dryRun: row.dryRun,
      ...emptyBuffers(),
    };
  }

  private requireStore(): PlaybookStore {
    if (!this.d.store) throw new VigilError('VIGIL_INTERNAL', 'this playbook engine has no store');
    return this.d.store;
  }

  /** Ends a paused run whose approval ran out. */
  private async expire(row: RunRow, approval: ApprovalRow, nowIso: string): Promise<boolean> {
    const store = this.requireStore();
    const decided = await store.decide(approval.id, { status: 'expired', decidedAt: nowIso, reason: `no decision by ${approval.expiresAt}` });
    if (!decided) return false;
    const steps = row.steps as StepRecord[];
    for (const s of steps) {
      if (s.id === approval.stepId) Object.assign(s, { status: 'expired', reason: `no approval by ${approval.expiresAt}`, approval: { ...(s.approval ?? {}), status: 'expired' } });
      else if (s.status === 'pending') Object.assign(s, { status: 'skipped', reason: 'not run: the approval expired' });
    }
    const error = `the approval for step ${approval.stepId} expired at ${approval.expiresAt}`;
    await store.commit({
      records: [],
      tasks: [],
      changes: [],
      audit: [{ at: nowIso, actor: `playbook:${row.playbook}`, kind: 'playbook.expired', caseId: row.caseId, subject: row.id, message: `Playbook ${row.playbook} expired: ${error}`, data: { runId: row.id } }],
      run: { id: row.id, patch: { status: 'expired', error, steps, finishedAt: nowIso, state: null }, onlyIf: ['waiting_approval'] },
    });
    await this.writeRowArtifact({ ...row, status: 'expired', error, steps, finishedAt: nowIso, state: null });
    return true;
  }

  private async writeRowArtifact(row: RunRow): Promise<void> {
    const state = row.state as RunState | null;
    const ref = await this.d.store?.caseRef(row.caseId);
    if (!ref) return;
    await this.writeRunArtifact(runView(row, ref.number), ref.number, state?.outDir ?? this.d.outDir, await this.d.store!.approvalsOf(row.id));
  }

  // ------------------------------------------------------------------ sweep

  /**
   * Undoes the ledger's effects whose end came (the last holder's TTL, every holding case closed as a
   * false positive, `vigil response release`): one undo per effect, recorded on every case that held it.
   */
  async releaseDue(at: Date = this.now()): Promise<number> {
    const store = this.d.store;
    const ledger = this.ledger;
    if (!store || !ledger) return 0;
    const nowIso = at.toISOString();
    let n = 0;
    for (const e of await ledger.due(nowIso)) {
      if (!(await ledger.beginRelease(e.id, nowIso))) continue;
      const action = this.actions.find((x) => x.id === e.kind);
      const before = await ledger.holders(e.id);
      const reasons = [...new Set(before.map((h) => h.releaseReason).filter((r): r is string => !!r))];
      const why = before.length && before.every((h) => h.releasedAt) && reasons.length ? reasons.join('; ') : 'TTL ended';
      let outcome: ActionOutcome;
      if (!action?.undo) outcome = { status: 'skipped', reason: `${why}: ${e.kind} has nothing to undo`, details: {} };
      else {
        try {
          outcome = await action.undo(
            { id: e.actionId, caseId: e.caseId, target: e.target, status: e.status as StoredAction['status'], details: e.details as Record<string, unknown>, why },
            { playbook: '', guards: this.d.guards, clock: this.d.clock, dryRun: false, signal: AbortSignal.timeout(this.d.settings.stepTimeout), config: this.configs.get(action.id), services: this.d.services },
          );
        } catch (err) {
          outcome = { status: 'failed', reason: (err as Error).message, details: {}, retryable: true };
        }
      }
      if (outcome.status === 'failed' && outcome.retryable) {
        await ledger.retryRelease(e.id);
        this.d.log.warn({ effect: e.id, reason: outcome.reason }, 'undo failed; retrying at the next sweep');
        continue;
      }
      const holders = await ledger.finishRelease(e.id, nowIso, why);
      const name = action?.undoAction ?? `${e.kind}.undo`;
      const recorded = await store.actionsByIds(holders.map((h) => h.actionId));
      const cases = holders.map((h) => h.caseId);
      const refs = new Map<string, { number: number }>();
      for (const c of new Set(cases)) {
        const ref = await store.caseRef(c);
        if (ref) refs.set(c, ref);
      }
      const many = holders.length > 1 ? ` (one ${name} for cases ${holders.map((h) => (refs.get(h.caseId) ? `#${refs.get(h.caseId)!.number}` : h.caseId)).join(', ')})` : '';
      const records: StoredAction[] = [];
      const audit: AuditRow[] = [];
      for (const h of holders) {
        const orig = recorded.get(h.actionId);
        const artifact = orig?.artifact ? orig.artifact.replace(/\.json$/, `--${safeName(name)}.json`) : undefined;
        const rec: StoredAction = {
          id: stableId('act', h.actionId, 'undo'),
          caseId: h.caseId,
          playbook: orig?.playbook ?? '',
          action: name,
          status: outcome.status,
          target: orig?.target ?? e.target,
          reason: `${outcome.reason}${many}`,
          details: { of: h.actionId, effect: e.id, ...outcome.details },
          at: nowIso,
          ...(artifact && { artifact }),
          ...(orig?.runId && { runId: orig.runId }),
        };
        records.push(rec);
        audit.push({ at: nowIso, actor: orig?.playbook ? `playbook:${orig.playbook}` : 'vigil', kind: `action.${outcome.status}`, caseId: h.caseId, subject: `${name}:${rec.target}`, message: `${name} ${rec.target}: ${outcome.status} — ${rec.reason}`, data: { actionId: rec.id, of: h.actionId, effect: e.id, ...(artifact && { artifact }) } });
      }
      await store.commit({ records, tasks: [], changes: [], audit, undone: holders.filter((h) => recorded.has(h.actionId)).map((h) => ({ id: h.actionId, at: nowIso })) });
      const outDir = this.d.outDir;
      if (outDir !== undefined) {
        for (const rec of records) {
          if (!rec.artifact) continue;
          const path = join(outDir, rec.artifact);
          await mkdir(dirname(path), { recursive: true });
          const ref = await store.caseRef(rec.caseId);
          await writeFile(path, `${JSON.stringify({ ...rec, ...(ref && { case: ref }) }, null, 2)}\n`);
        }
      }
      n++;
    }
    return n;
  }

  /**
   * Periodic housekeeping (`App.tick`, and once when the engine first sees a case): approvals past
   * their expiry end their runs `expired`; runs still `running` past their deadline (their process
   * died or hung) end `failed` with the reason; actions whose effect lapsed (a block's TTL) are
   * undone and the undo is recorded.
   */
  async sweepExpired(at: Date = this.now()): Promise<SweepResult> {
    const store = this.d.store;
    const out: SweepResult = { expiredApprovals: 0, staleRuns: 0, undone: 0 };
    if (!store) return out;
    const nowIso = at.toISOString();
    for (const a of await store.expiredApprovals(nowIso)) {
      const row = await store.run(a.runId);
      if (row?.status === 'waiting_approval' && (await this.expire(row, a, nowIso))) out.expiredApprovals++;
      else if (!row || row.status !== 'waiting_approval') await store.decide(a.id, { status: 'expired', decidedAt: nowIso, reason: 'the run had ended' });
    }
    for (const row of await store.staleRuns(nowIso)) {
      const steps = row.steps as StepRecord[];
      const at = steps.find((s) => s.status === 'running');
      for (const s of steps) {
        if (s.status === 'running') Object.assign(s, { status: 'failed', reason: 'interrupted: the run passed its deadline', finishedAt: nowIso });
        else if (s.status === 'pending') Object.assign(s, { status: 'skipped', reason: 'not run: the run passed its deadline' });
      }
      const error = `did not finish by its deadline ${row.deadlineAt}${at ? ` (in step ${at.id})` : ''}: the process running it stopped or hung`;
      const ok = await store.commit({
        records: [],
        tasks: [],
        changes: [],
        audit: [{ at: nowIso, actor: `playbook:${row.playbook}`, kind: 'playbook.failed', caseId: row.caseId, subject: row.id, message: `Playbook ${row.playbook} failed: ${error}`, data: { runId: row.id } }],
        run: { id: row.id, patch: { status: 'failed', error, steps, finishedAt: nowIso, state: null, deadlineAt: null }, onlyIf: ['running'] },
      });
      if (ok) {
        out.staleRuns++;
        await this.writeRowArtifact({ ...row, status: 'failed', error, steps, finishedAt: nowIso });
      }
    }
    if (this.ledger) out.undone += await this.releaseDue(at);
    for (const a of await store.expiredActions(nowIso)) {
      const action = this.actions.find((x) => x.id === a.action);
      if (!action?.undo) {
        await store.markUndone(a.id, nowIso);
        continue;
      }
      if (!(await store.markUndone(a.id, nowIso))) continue;
      let outcome: ActionOutcome;
      try {
        outcome = await action.undo(
          { id: a.id, caseId: a.caseId, target: a.target, status: a.status as StoredAction['status'], details: a.details as Record<string, unknown> },
          { playbook: a.playbook, guards: this.d.guards, clock: this.d.clock, dryRun: false, signal: AbortSignal.timeout(this.d.settings.stepTimeout), config: this.configs.get(action.id), services: this.d.services },
        );
      } catch (e) {
        outcome = { status: 'failed', reason: (e as Error).message, details: {}, retryable: true };
      }
      if (outcome.status === 'failed' && outcome.retryable) {
        // Try again at the next sweep.
        await store.updateUndone(a.id, null);
        this.d.log.warn({ action: a.id, reason: outcome.reason }, 'undo failed; retrying at the next sweep');
        continue;
      }
      const ref = await store.caseRef(a.caseId);
      const name = action.undoAction ?? `${action.id}.undo`;
      const artifact = a.artifact ? a.artifact.replace(/\.json$/, `--${safeName(name)}.json`) : undefined;
      const rec: StoredAction = {
        id: stableId('act', a.id, 'undo'),
        caseId: a.caseId,
        playbook: a.playbook,
        action: name,
        status: outcome.status,
        target: a.target,
        reason: outcome.reason,
        details: { of: a.id, ...outcome.details },
        at: nowIso,
        ...(artifact && { artifact }),
        ...(a.runId && { runId: a.runId }),
      };
      await store.commit({
        records: [rec],
        tasks: [],
        changes: [],
        audit: [{ at: nowIso, actor: `playbook:${a.playbook}`, kind: `action.${outcome.status}`, caseId: a.caseId, subject: `${name}:${a.target}`, message: `${name} ${a.target}: ${outcome.status} — ${outcome.reason}`, data: { actionId: rec.id, of: a.id, ...(artifact && { artifact }) } }],
      });
      const outDir = this.d.outDir;
      if (outDir !== undefined && artifact) {
        const path = join(outDir, artifact);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, `${JSON.stringify({ ...rec, ...(ref && { case: ref }) }, null, 2)}\n`);
      }
      out.undone++;
    }
    return out;
  }
}
