import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backends, requirePostgresInCi } from '../../test/helpers/store.js';
import { silentLogger } from '../core/log.js';
import type { CaseReport } from '../reports/model.js';
import type { StoreHandle } from '../store/db.js';
import { Repo } from '../store/repo.js';
import { actions, alerts, approvals, auditLog, cases, playbookRuns, responseEffects, responseHolders, tasks } from '../store/schema.js';
import { PlaybookEngine, type EngineDeps } from './engine.js';
import { createGuards } from './guards.js';
import type { Playbook } from './schema.js';
import { PlaybookStore } from './store.js';
import { kase, movableClock, pb, settings, TEST_ACTIONS, testServices } from './test-helpers.js';
import { listRuns, getRun } from './views.js';

requirePostgresInCi();

function report(over: { severity?: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL'; observables?: CaseReport['observables']; tags?: string[] } = {}): CaseReport {
  const severity = over.severity ?? 'HIGH';
  return {
    generatedAt: '2025-03-14T10:00:00.000Z',
    case: { id: 'case_1', number: 1, title: 'sshd brute force on web-01', status: 'New', severity, createdAt: '2025-03-14T09:00:00.000Z', updatedAt: '2025-03-14T09:00:00.000Z', summary: '', tags: over.tags ?? [] },
    assessment: { severity, score: 70, reasons: [] },
    timeline: [],
    alerts: [{ id: 'al_1', source: 'wazuh', sourceRef: '1', time: '2025-03-14T09:00:00.000Z', title: 'sshd brute force', ruleId: '5712', ruleLevel: 10, host: 'web-01', severity, score: 70 }],
    observables: over.observables ?? [{ type: 'ipv4', value: '185.220.101.4', scope: 'public', risk: { score: 90, verdict: 'malicious' }, intel: [] }],
    actions: [],
    tasks: [],
    mitre: [{ id: 'T1110.001' }],
  };
}

const APPROVE = `trigger: {severity: HIGH, on: [case.created]}
steps:
  - id: isolate
    uses: isolate-host
    for_each: hosts
    approval: {message: "Isolate {{ join(targets) }}?", expires: 1h}
    with: {host: "{{ item }}"}
  - id: task
    uses: create-task
    with: {title: "Verify {{ join(pluck(steps.isolate.outputs, 'target')) }}"}
`;

describe.each(backends)('PlaybookEngine with the store ($name)', (backend) => {
  let handle: { store: StoreHandle; drop(): Promise<void> };
  let repo: Repo;
  let dir: string;
  let clock: ReturnType<typeof movableClock>;

  beforeAll(async () => {
    handle = await backend.open();
    repo = new Repo(handle.store.db);
  }, 120_000);
  afterAll(async () => {
    await handle?.store.close();
    await handle?.drop();
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-pb-store-'));
    clock = movableClock('2025-03-14T10:00:00.000Z');
    const db = handle.store.db;
    for (const t of [actions, approvals, playbookRuns, auditLog, cases, tasks, responseEffects, responseHolders]) await db.delete(t);
    await db.execute("delete from kv where key like 'playbooks.%'" as never).catch(() => undefined);
    const { sql } = await import('drizzle-orm');
    await db.execute(sql`delete from kv where key like 'playbooks.%'`);
    await db.insert(cases).values({ id: 'case_1', number: 1, title: 'sshd brute force on web-01', severity: 'HIGH', score: 70, assessment: {}, firstAlertAt: '2025-03-14T09:00:00.000Z', lastAlertAt: '2025-03-14T09:00:00.000Z', createdAt: '2025-03-14T09:00:00.000Z', updatedAt: '2025-03-14T09:00:00.000Z' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function engine(playbooks: Playbook[], over: Partial<EngineDeps> = {}): PlaybookEngine {
    const s = over.settings ?? settings();
    return new PlaybookEngine({ playbooks, settings: s, guards: createGuards(s), clock, log: silentLogger, services: testServices, actions: TEST_ACTIONS, store: new PlaybookStore(handle.store.db), outDir: dir, ...over });
  }
  const caseNumber = async (): Promise<number> => (await repo.caseById('case_1'))!.number;

  it('runs what case events trigger, stores runs, actions and artifacts, and acts once across updates', async () => {
    const block = pb(
      '/pb/block.yaml',
      `trigger: {severity: HIGH, on: [case.created, observable.malicious]}
steps:
  - {id: block, uses: block-ip, for_each: observables, if: "item.verdict == 'malicious'", with: {address: "{{ item.value }}", ttl: 1h}}
  - {id: task, uses: create-task, with: {title: "Review case #{{ case.number }}"}}
`,
    );
    const e = engine([block]);
    const first = await e.onCase({ report: report(), opened: true });
    expect(first.records.map((r) => `${r.action} ${r.target}: ${r.status}`)).toEqual(['block-ip 185.220.101.4: simulated', `create-task Review case #1: executed`]);
    expect(first.tasks).toBe(1);
    expect(first.added.tasks.map((t) => t.title)).toEqual(['Review case #1']);
    expect(first.added.timeline.map((t) => t.kind)).toEqual(['action.simulated', 'action.executed', 'task.created', 'playbook.succeeded']);
    expect(first.runs).toHaveLength(1);
    const run = first.runs[0]!;
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'case.created, observable.malicious' });
    const row = (await handle.store.db.select().from(playbookRuns).where(eq(playbookRuns.id, run.id)))[0]!;
    expect(row).toMatchObject({ status: 'succeeded', playbook: 'block', caseId: 'case_1', dryRun: true, error: null, state: null });
    expect(row.finishedAt).not.toBeNull();
    const stored = await repo.actionsOfCase('case_1');
    expect(stored.map((a) => `${a.action}: ${a.status}`).sort()).toEqual(['block-ip: simulated', 'create-task: executed']);
    const blockRow = (await handle.store.db.select().from(actions).where(eq(actions.action, 'block-ip')))[0]!;
    // The block's end lives in the response ledger (one row per address for every case), not on the record.
    expect(blockRow).toMatchObject({ runId: run.id, expiresAt: null, undoneAt: null, details: expect.objectContaining({ effect: expect.stringMatching(/^eff_/), expiresAt: '2025-03-14T11:00:00.000Z' }) });
    expect((await repo.tasksOfCase('case_1')).map((t) => t.title)).toEqual(['Review case #1']);
    expect(JSON.parse(readFileSync(join(dir, blockRow.artifact!), 'utf8'))).toMatchObject({ action: 'block-ip', status: 'simulated', runId: run.id, case: { number: 1 } });
    const runFile = join(dir, 'actions/case-0001/runs', `block--${run.id}.json`);
    expect(JSON.parse(readFileSync(runFile, 'utf8'))).toMatchObject({ kind: 'playbook.run', id: run.id, status: 'succeeded', steps: [{ id: 'block', status: 'succeeded' }, { id: 'task', status: 'succeeded' }] });
    const timeline = await repo.timelineOfCase('case_1');
    expect(timeline.map((t) => t.kind)).toEqual(['action.simulated', 'action.executed', 'task.created', 'playbook.succeeded']);
    expect(timeline[3]!.message).toBe('Playbook block succeeded (1 simulated, 1 executed)');

    // The same case again: no event that starts it (created fires once), nothing stored.
    const again = await e.onCase({ report: report(), opened: false });
    expect(again).toEqual({ records: [], tasks: 0, runs: [], changes: {}, added: { tasks: [], timeline: [] } });
    // A new malicious observable: only it is blocked; the task is not added twice.
    const grown = report({ observables: [...report().observables, { type: 'ipv4', value: '147.45.79.113', scope: 'public', risk: { score: 95, verdict: 'malicious' }, intel: [] }] });
    const later = await e.onCase({ report: grown, opened: false });
    expect(later.records.map((r) => `${r.action} ${r.target}`)).toEqual(['block-ip 147.45.79.113']);
    expect(later.runs[0]!.steps[1]!.items[0]).toMatchObject({ status: 'done-earlier' });
    expect((await repo.actionsOfCase('case_1')).length).toBe(3);
  });

  it('stores case changes with timeline rows, and a tag added by one playbook starts another', async () => {
    const tagger = pb('/pb/tagger.yaml', `trigger: {severity: HIGH, on: [case.created]}\nsteps:\n  - {id: t, uses: add-tag, with: {tags: [brute-force]}}\n  - {id: s, uses: set-severity, with: {severity: critical, reason: "brute force on a server"}}\n  - {id: a, uses: assign, with: {assignee: tier2}}\n  - {id: st, uses: set-status, with: {status: InProgress}}\n`);
    const onTag = pb('/pb/on-tag.yaml', `trigger: {severity: HIGH, on: [tag.added], tags: [brute-*]}\nsteps:\n  - {id: n, uses: create-task, with: {title: "Tagged {{ join(event.tags) }} while {{ case.severity }}, assigned to {{ case.assignee }}"}}\n`);
    const out = await engine([tagger, onTag]).onCase({ report: report(), opened: true });
    expect(out.changes).toEqual({ addTags: ['brute-force'], severity: 'CRITICAL', assignee: 'tier2', status: 'InProgress' });
    expect(out.runs.map((r) => `${r.playbook} ${r.trigger}: ${r.status}`)).toEqual(['tagger case.created: succeeded', 'on-tag tag.added: succeeded']);
    const c = (await repo.caseById('case_1'))!;
    expect(c).toMatchObject({ tags: ['brute-force'], severity: 'CRITICAL', status: 'InProgress' });
    expect((await repo.tasksOfCase('case_1')).map((t) => t.title)).toEqual(['Tagged brute-force while CRITICAL, assigned to tier2']);
    const kinds = (await repo.timelineOfCase('case_1')).map((t) => `${t.kind} ${t.subject}`);
    expect(kinds).toEqual(expect.arrayContaining(['case.tagged brute-force', 'case.severity CRITICAL', 'case.assigned tier2', 'case.status InProgress']));
    // The assignee is read back for later rounds.
    expect(await new PlaybookStore(handle.store.db).caseExtras('case_1', { ruleGroups: false })).toEqual({ assignee: 'tier2' });
  });

  it("reads a case's rule groups from its alerts, skipping groups that are not a list", async () => {
    const db = handle.store.db;
    await db.delete(alerts).where(eq(alerts.caseId, 'case_1'));
    const alert = (id: string, rule: unknown) => ({
      id, source: 'wazuh', sourceRef: id, time: '2025-03-14T09:00:00.000Z', title: id, ruleId: '5710', ruleLevel: 5, host: 'web-01',
      severity: 'HIGH', score: 70, caseId: 'case_1', data: { rule },
    });
    await db.insert(alerts).values([
      alert('al_1', { groups: ['syslog', 'sshd'] }),
      alert('al_2', { groups: ['sshd', 'authentication_failed'] }),
      alert('al_3', { groups: 'not-a-list' }),
      alert('al_4', { id: '1002' }),
    ]);
    const extras = await new PlaybookStore(db).caseExtras('case_1', { ruleGroups: true });
    expect([...extras.ruleGroups!].sort()).toEqual(['authentication_failed', 'sshd', 'syslog']);
    await db.delete(alerts).where(eq(alerts.caseId, 'case_1'));
  });

  it('pauses for approval, then approving resumes the run and records who approved', async () => {
    const p = pb('/pb/contain.yaml', APPROVE);
    const e = engine([p]);
    const c = kase({ id: 'case_1', number: await caseNumber(), hosts: ['web-01', 'dc-01'] });
    const paused = await e.start(p, c, { kind: 'case.created', kinds: ['case.created'] }, new Set());
    expect(paused.status).toBe('waiting_approval');
    expect(paused.steps[0]!.items.map((i) => `${i.target}: ${i.status}`)).toEqual(['dc-01: refused']);
    const appr = (await handle.store.db.select().from(approvals))[0]!;
    expect(appr).toMatchObject({ runId: paused.id, stepId: 'isolate', status: 'pending', message: 'Isolate web-01?', expiresAt: '2025-03-14T11:00:00.000Z' });
    const listed = await listRuns({ repo }, { status: 'waiting_approval' });
    expect(listed.map((r) => [r.id, r.caseNumber])).toEqual([[paused.id, 1]]);
    expect((await repo.actionsOfCase('case_1')).map((a) => `${a.target}: ${a.status}`)).toEqual(['dc-01: refused']);
    expect((await repo.timelineOfCase('case_1')).map((t) => t.kind)).toEqual(['action.refused', 'playbook.approval_requested']);

    clock.advance(10 * 60_000);
    const done = await engine([p]).decide(paused.id.slice(0, 12), { approve: true, by: 'api:alice', reason: 'confirmed' });
    expect(done.status).toBe('succeeded');
    expect(done.steps[0]!.items.map((i) => `${i.target}: ${i.status}`)).toEqual(['dc-01: refused', 'web-01: simulated']);
    expect(done.steps[0]!.approval).toMatchObject({ status: 'approved', decidedBy: 'api:alice', reason: 'confirmed', decidedAt: '2025-03-14T10:10:00.000Z' });
    expect(done.steps[1]!.items[0]!.target).toBe('Verify web-01');
    const detail = await getRun({ repo }, paused.id);
    expect(detail).toMatchObject({ status: 'succeeded', approvals: [{ status: 'approved', decidedBy: 'api:alice', reason: 'confirmed' }] });
    expect((await repo.timelineOfCase('case_1')).map((t) => t.kind)).toEqual(['action.refused', 'playbook.approval_requested', 'playbook.approved', 'action.simulated', 'action.executed', 'task.created', 'playbook.succeeded']);
    await expect(engine([p]).decide(paused.id, { approve: true, by: 'x' })).rejects.toThrow(`run ${paused.id} is succeeded: only a run waiting for approval can be approved`);
  });

  it('rejecting ends the run rejected with the reason; the rest never runs', async () => {
    const p = pb('/pb/contain.yaml', APPROVE);
    const paused = await engine([p]).start(p, kase({ id: 'case_1', number: 1, hosts: ['web-01'] }), { kind: 'case.created', kinds: ['case.created'] }, new Set());
    const r = await engine([p]).decide(paused.id, { approve: false, by: 'cli:bob', reason: 'production server', step: 'isolate' });
    expect(r.status).toBe('rejected');
    expect(r.error).toBe('step isolate rejected by cli:bob: production server');
    expect(r.steps.map((s) => `${s.id}: ${s.status}`)).toEqual(['isolate: rejected', 'task: skipped']);
    expect(await repo.actionsOfCase('case_1')).toEqual([]);
    const row = (await handle.store.db.select().from(playbookRuns))[0]!;
    expect(row).toMatchObject({ status: 'rejected', state: null });
    expect(existsSync(join(dir, `actions/case-0001/runs/contain--${paused.id}.json`))).toBe(true);
  });

  it('an approval that runs out ends the run expired, by the sweep or when someone tries too late', async () => {
    const p = pb('/pb/contain.yaml', APPROVE);
    const e = engine([p]);
    const a = await e.start(p, kase({ id: 'case_1', number: 1, hosts: ['web-01'] }), { kind: 'case.created', kinds: ['case.created'] }, new Set());
    clock.advance(2 * 3_600_000);
    await expect(engine([p]).decide(a.id, { approve: true, by: 'x' })).rejects.toThrow(`the approval for step isolate expired at 2025-03-14T11:00:00.000Z; run ${a.id} ended expired`);
    expect((await handle.store.db.select().from(playbookRuns).where(eq(playbookRuns.id, a.id)))[0]).toMatchObject({ status: 'expired', error: 'the approval for step isolate expired at 2025-03-14T11:00:00.000Z' });

    const b = await e.start(p, kase({ id: 'case_1', number: 1, hosts: ['web-02'] }), { kind: 'case.created', kinds: ['case.created'] }, new Set());
    expect(await engine([p]).sweepExpired()).toEqual({ expiredApprovals: 0, staleRuns: 0, undone: 0 });
    clock.advance(3_600_001);
    expect(await engine([p]).sweepExpired()).toEqual({ expiredApprovals: 1, staleRuns: 0, undone: 0 });
    const row = (await handle.store.db.select().from(playbookRuns).where(eq(playbookRuns.id, b.id)))[0]!;
    expect(row.status).toBe('expired');
    expect((row.steps as Array<{ status: string }>).map((s) => s.status)).toEqual(['expired', 'skipped']);
    expect((await handle.store.db.select().from(approvals).where(eq(approvals.runId, b.id)))[0]!.status).toBe('expired');
  });

  it('refuses decisions that do not apply, naming why', async () => {
    const p = pb('/pb/contain.yaml', APPROVE);
    await expect(engine([p]).decide('run_nope', { approve: true, by: 'x' })).rejects.toThrow('there is no playbook run run_nope');
    const paused = await engine([p]).start(p, kase({ id: 'case_1', number: 1, hosts: ['web-01'] }), { kind: 'case.created', kinds: ['case.created'] }, new Set());
    await expect(engine([p]).decide(paused.id, { approve: true, by: 'x', step: 'task' })).rejects.toThrow(`run ${paused.id} has no pending approval for step task (waiting: isolate)`);
    const changed = pb('/pb/contain.yaml', `${APPROVE}  - {id: extra, uses: create-task, with: {title: extra}}\n`);
    await expect(engine([changed]).decide(paused.id, { approve: true, by: 'x' })).rejects.toThrow(`run ${paused.id} cannot resume: playbook contain changed since the run paused; it ended failed`);
  });

  it('a new trigger does not start a second run while one waits for approval', async () => {
    const p = pb('/pb/contain.yaml', APPROVE.replace('on: [case.created]', 'on: [case.created, case.updated]'));
    const e = engine([p]);
    const rep = report({ severity: 'HIGH' });
    const first = await e.onCase({ report: rep, opened: true });
    expect(first.runs.map((r) => r.status)).toEqual(['waiting_approval']);
    const second = await e.onCase({ report: rep, opened: false });
    expect(second.runs).toEqual([]);
    expect(await handle.store.db.select().from(playbookRuns)).toHaveLength(1);
  });

  it('the sweep ends runs left running past their deadline (a process that died) with the reason', async () => {
    const store = new PlaybookStore(handle.store.db);
    await store.insertRun({
      id: 'run_dead',
      playbook: 'block',
      caseId: 'case_1',
      trigger: 'case.created',
      status: 'running',
      dryRun: true,
      steps: [{ id: 'block', uses: 'block-ip', status: 'running', items: [] }, { id: 'task', uses: 'create-task', status: 'pending', items: [] }],
      state: { outDir: dir },
      startedAt: '2025-03-14T09:00:00.000Z',
      deadlineAt: '2025-03-14T09:10:00.000Z',
    });
    expect(await engine([]).sweepExpired()).toMatchObject({ staleRuns: 1 });
    const row = (await store.run('run_dead'))!;
    expect(row).toMatchObject({ status: 'failed', error: 'did not finish by its deadline 2025-03-14T09:10:00.000Z (in step block): the process running it stopped or hung' });
    expect((row.steps as Array<{ status: string; reason: string }>).map((s) => `${s.status}: ${s.reason}`)).toEqual(['failed: interrupted: the run passed its deadline', 'skipped: not run: the run passed its deadline']);
    expect((await repo.timelineOfCase('case_1')).map((t) => t.kind)).toEqual(['playbook.failed']);
    expect(readdirSync(join(dir, 'actions/case-0001/runs'))).toEqual(['block--run_dead.json']);
    expect(await engine([]).sweepExpired()).toMatchObject({ staleRuns: 0 });
  });

  it('writes an unblock record when a block’s TTL ends, once', async () => {
    const p = pb('/pb/block.yaml', 'trigger: {severity: LOW}\nsteps:\n  - {id: block, uses: block-ip, with: {address: 185.220.101.4, ttl: 1h, direction: both}}\n');
    await engine([p]).start(p, kase({ id: 'case_1', number: 1 }), { kind: 'case.created', kinds: ['case.created'] }, new Set());
    expect(await engine([p]).sweepExpired()).toMatchObject({ undone: 0 });
    clock.advance(3_600_000);
    expect(await engine([p]).sweepExpired()).toMatchObject({ undone: 1 });
    const all = await repo.actionsOfCase('case_1');
    expect(all.map((a) => `${a.action} ${a.target}: ${a.status}`)).toEqual(['block-ip 185.220.101.4: simulated', 'unblock-ip 185.220.101.4: simulated']);
    expect(all[1]!.details).toMatchObject({ commands: ['nft delete rule inet filter input handle $(nft -a list chain inet filter input | awk \'/ip saddr 185.220.101.4 drop/ {print $NF}\')', 'iptables -D INPUT -s 185.220.101.4 -j DROP', expect.stringContaining('nft delete rule inet filter output'), 'iptables -D OUTPUT -d 185.220.101.4 -j DROP'] });
    expect(all[1]!.reason).toBe('TTL ended: the block of 185.220.101.4 lapses');
    expect(existsSync(join(dir, 'actions/case-0001/block--block--185.220.101.4--unblock-ip.json'))).toBe(true);
    expect((await handle.store.db.select().from(actions).where(eq(actions.action, 'block-ip')))[0]!.undoneAt).toBe('2025-03-14T11:00:00.000Z');
    expect(await engine([p]).sweepExpired()).toMatchObject({ undone: 0 });
  });

  it('records what changed the outside world before the run goes on, so a crash cannot repeat it', async () => {
    const p = pb('/pb/zap.yaml', 'trigger: {severity: LOW}\nsteps:\n  - {id: z, uses: zap, with: {target: db-01}}\n  - {id: s, uses: slow, with: {ms: 3000}}\n');
    const running = engine([p], { settings: settings({ dryRun: false }) }).start(p, kase({ id: 'case_1', number: 1 }), { kind: 'case.created', kinds: ['case.created'] }, new Set());
    // While the slow second step runs, the first step's effect must already be in the store.
    let stored: string[] = [];
    for (let i = 0; i < 50 && !stored.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      stored = (await repo.actionsOfCase('case_1')).map((a) => `${a.target}: ${a.status}`);
    }
    expect(stored).toEqual(['db-01: executed']);
    expect((await handle.store.db.select().from(playbookRuns))[0]).toMatchObject({ status: 'running', deadlineAt: '2025-03-14T10:10:00.000Z' });
    expect((await running).status).toBe('succeeded');
  });
});
