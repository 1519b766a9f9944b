// Read-side helpers shared by the CLI and the API: runs with their case numbers and approvals.
import { inArray } from 'drizzle-orm';
import { VigilError } from '../core/errors.js';
import type { Repo } from '../store/repo.js';
import { cases } from '../store/schema.js';
import type { OrgScope } from '../store/scope.js';
import type { RunView, StepRecord } from './engine.js';
import type { Playbook } from './schema.js';
import { PlaybookStore, type ApprovalRow, type RunRow, type RunStatus } from './store.js';

const STATUSES: RunStatus[] = ['running', 'waiting_approval', 'succeeded', 'failed', 'rejected', 'expired'];

export interface RunDetail extends RunView {
  approvals: ApprovalRow[];
}

/** A stored run as the CLI, the API and the run artifacts show it. */
export function runView(row: RunRow, caseNumber: number | undefined): RunView {
  return {
    id: row.id,
    playbook: row.playbook,
    caseId: row.caseId,
    ...(caseNumber !== undefined && { caseNumber }),
    trigger: row.trigger,
    status: row.status as RunStatus,
    dryRun: row.dryRun,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    deadlineAt: row.deadlineAt,
    error: row.error,
    steps: row.steps as StepRecord[],
    persisted: true,
  };
}

async function numbers(repo: Repo, ids: string[]): Promise<Map<string, number>> {
  if (!ids.length) return new Map();
  const rows = await repo.db.select({ id: cases.id, number: cases.number }).from(cases).where(inArray(cases.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r.number]));
}

/**
 * Runs newest first, optionally of one case (by number) or status. With a scope (the API), only runs
 * on that organisation's cases; the CLI, run by whoever owns the store, sees all.
 */
export async function listRuns(app: { repo: Repo }, f: { caseNumber?: number; status?: string; limit?: number } = {}, scope?: OrgScope): Promise<RunView[]> {
  if (f.status !== undefined && !STATUSES.includes(f.status as RunStatus)) {
    throw new VigilError('VIGIL_INPUT_INVALID', `unknown run status "${f.status}" (one of ${STATUSES.join(', ')})`, { field: 'status' });
  }
  let caseId: string | undefined;
  if (f.caseNumber !== undefined) {
    const c = await app.repo.caseByNumber(f.caseNumber, scope?.org);
    if (!c) throw new VigilError('VIGIL_INPUT_NOT_FOUND', `there is no case #${f.caseNumber}`, { field: 'case' });
    caseId = c.id;
  }
  const store = new PlaybookStore(app.repo.db);
  const rows = await store.runs({ ...(caseId && { caseId }), ...(f.status && { status: [f.status as RunStatus] }), limit: Math.min(Math.max(f.limit ?? 50, 1), 500), ...(scope && { scope }) });
  const nums = await numbers(app.repo, rows.map((r) => r.caseId));
  return rows.map((r) => runView(r, nums.get(r.caseId)));
}

/** One run with its approvals; the id may be a unique prefix of 8+ characters. Another organisation's run is not found. */
export async function getRun(app: { repo: Repo }, id: string, scope?: OrgScope): Promise<RunDetail> {
  const store = new PlaybookStore(app.repo.db);
  const row = await store.run(id, scope);
  if (!row) throw new VigilError('VIGIL_INPUT_NOT_FOUND', `there is no playbook run ${id}`, { field: 'id' });
  const nums = await numbers(app.repo, [row.caseId]);
  return { ...runView(row, nums.get(row.caseId)), approvals: await store.approvalsOf(row.id) };
}

/** A loaded playbook as the API and `playbooks list --json` show it. */
export function playbookSummary(p: Playbook) {
  return {
    name: p.name,
    description: p.description,
    enabled: p.enabled,
    file: p.file,
    trigger: p.trigger,
    ...(p.timeout !== undefined && { timeoutMs: p.timeout }),
    ...(p.dry_run !== undefined && { dryRun: p.dry_run }),
    steps: p.steps.map((s) => ({
      id: s.id,
      uses: s.uses,
      ...(s.for_each !== undefined && { forEach: s.for_each }),
      ...(s.if !== undefined && { if: s.if }),
      onFailure: s.on_failure,
      retries: s.retries,
      approval: s.approval !== undefined,
      handler: p.handlers.has(s.id),
    })),
  };
}
