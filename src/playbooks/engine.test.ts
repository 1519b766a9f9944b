import { describe, expect, it } from 'vitest';
import { fixedClock } from '../core/clock.js';
import { stableId } from '../core/ids.js';
import { silentLogger } from '../core/log.js';
import type { ResponseAction } from './action.js';
import { eventsBetween } from './case.js';
import { PlaybookEngine, type EngineDeps, type RunView } from './engine.js';
import { createGuards } from './guards.js';
import type { Playbook } from './schema.js';
import { flakyAction, kase, movableClock, pb, settings, slowAction, TEST_ACTIONS, testServices, zapAction } from './test-helpers.js';
import type { RunEvent } from './triggers.js';

const clock = fixedClock('2025-03-14T10:00:00.000Z');
const created: RunEvent = { kind: 'case.created', kinds: ['case.created'] };

function engine(playbooks: Playbook[], over: Partial<EngineDeps> = {}): PlaybookEngine {
  const s = over.settings ?? settings();
  return new PlaybookEngine({ playbooks, settings: s, guards: createGuards(s), clock, log: silentLogger, services: testServices, actions: TEST_ACTIONS, ...over });
}

const items = (run: RunView, step = 0): string[] => run.steps[step]!.items.map((i) => `${i.target}: ${i.status}`);

const BLOCK = pb(
  '/pb/block.yaml',
  `trigger: {severity: HIGH}
steps:
  - id: block
    uses: block-ip
    for_each: observables
    where: {type: [ipv4, ipv6], verdict: [malicious, suspicious]}
    with:
      address: "{{ item.value }}"
      direction: both
      ttl: 12h
      reason: "Case #{{ case.number }}: {{ item.value }} is {{ item.verdict }} (risk {{ item.risk }})"
`,
);

describe('PlaybookEngine: steps, loops and conditions', () => {
  it('blocks the filtered observables in dry run and records refusals with the reason', async () => {
    const e = engine([BLOCK]);
    const run = await e.start(BLOCK, kase(), created, new Set());
    expect(run.status).toBe('succeeded');
    expect(run.dryRun).toBe(true);
    expect(items(run)).toEqual(['185.220.101.4: simulated', '10.0.2.20: refused', '45.155.205.233: refused']);
    const [done, priv, allowed] = run.steps[0]!.items;
    expect(done).toMatchObject({
      actionId: stableId('act', 'case_1', 'block', 'block', '185.220.101.4'),
      reason: 'Case #12: 185.220.101.4 is malicious (risk 90)',
      inputs: { address: '185.220.101.4', direction: 'both', ttl: '12h' },
      outputs: { address: '185.220.101.4', expiresAt: '2025-03-14T22:00:00.000Z', adapter: 'none' },
      attempts: 1,
    });
    expect(priv!.reason).toBe('10.0.2.20 is a private address; blocking it could cut off internal systems');
    expect(allowed!.reason).toBe('45.155.205.233 is on the allowlist (45.155.205.233)');
  });

  it('loops over an expression, filters items with if, and lets later steps read outputs', async () => {
    const p = pb(
      '/pb/flow.yaml',
      `trigger: {severity: LOW}
steps:
  - id: block
    uses: block-ip
    for_each: "where(case.observables, 'verdict', ['malicious'])"
    if: "item.type == 'ipv4'"
    with: {address: "{{ item.value }}", ttl: "{{ when(item.risk >= 90, '7d', '1d') }}"}
  - id: task
    uses: create-task
    if: "steps.block.count > 0"
    with:
      title: "Check blocks on {{ join(pluck(steps.block.outputs, 'target')) }} until {{ steps.block.outputs[0].expiresAt }}"
  - id: never
    uses: create-task
    if: "steps.block.status == 'failed'"
    with: {title: never}
`,
    );
    const run = await engine([p]).start(p, kase(), created, new Set());
    expect(run.status).toBe('succeeded');
    expect(items(run, 0)).toEqual(['185.220.101.4: simulated', 'telemetry-cdn-sync.top: skipped']);
    expect(run.steps[0]!.items[0]!.outputs).toMatchObject({ expiresAt: '2025-03-21T10:00:00.000Z' });
    expect(items(run, 1)).toEqual(['Check blocks on 185.220.101.4 until 2025-03-21T10:00:00.000Z: executed']);
    expect(run.steps[2]).toMatchObject({ status: 'skipped', items: [{ status: 'skipped', reason: "if is false: steps.block.status == 'failed'" }] });
  });

  it('contains each host, refusing allowlisted ones, and adds the task with its id', async () => {
    const p = pb(
      '/pb/contain.yaml',
      `trigger: {severity: CRITICAL}
steps:
  - id: isolate
    uses: isolate-host
    for_each: hosts
    with: {host: "{{ item }}"}
  - id: verify
    uses: create-task
    with: {title: "Verify containment of {{ case.hosts }}", group: containment}
`,
    );
    const e = engine([p]);
    const c = kase({ severity: 'CRITICAL', hosts: ['web-01', 'DC-01'] });
    const run = await e.start(p, c, created, new Set());
    expect(items(run, 0)).toEqual(['web-01: simulated', 'DC-01: refused']);
    expect(run.steps[0]!.items[1]!.reason).toBe('host DC-01 is on the containment allowlist ("dc-*")');
    expect(items(run, 1)).toEqual(['Verify containment of web-01, DC-01: executed']);
  });

  it('stops at a failed step by default, naming the file, the step and the problem', async () => {
    const p = pb(
      '/pb/bad.yaml',
      `trigger: {severity: LOW}
steps:
  - id: ask
    uses: create-task
    with: {title: "Call {{ case.owner }} about {{ case.ticket }}"}
  - id: after
    uses: create-task
    with: {title: after}
`,
    );
    const run = await engine([p]).start(p, kase(), created, new Set());
    expect(run.status).toBe('failed');
    expect(run.error).toBe('step ask: ask: /pb/bad.yaml: step ask: unknown placeholders {{ case.owner }}, {{ case.ticket }}');
    expect(run.steps.map((s) => `${s.id}: ${s.status}${s.reason ? ` (${s.reason})` : ''}`)).toEqual([
      'ask: failed (ask: /pb/bad.yaml: step ask: unknown placeholders {{ case.owner }}, {{ case.ticket }})',
      'after: skipped (not run: step ask failed)',
    ]);
  });

  it('names the invalid input field, per item, and goes on with continue', async () => {
    const p = pb(
      '/pb/dir.yaml',
      `trigger: {severity: LOW}
steps:
  - id: block
    uses: block-ip
    for_each: observables
    where: {verdict: [malicious]}
    with: {address: "{{ item.value }}", ttl: "{{ item.type }}"}
    on_failure: continue
  - id: note
    uses: create-task
    with: {title: still runs}
`,
    );
    const run = await engine([p]).start(p, kase(), created, new Set());
    expect(items(run, 0)).toEqual(['185.220.101.4: failed', 'telemetry-cdn-sync.top: failed']);
    expect(run.steps[0]!.items[0]!.reason).toBe('/pb/dir.yaml: step block: invalid inputs: ttl: "ipv4" is not a duration (use e.g. 30s, 15m, 1h, 7d)');
    expect(run.steps[0]!.items[0]!.inputs).toEqual({ address: '185.220.101.4', ttl: 'ipv4' });
    expect(run.steps[1]!.status).toBe('succeeded');
    // continue runs the rest, but the run still ends failed: nothing hides a failing step.
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^step block: 185\.220\.101\.4: /);
  });

  it('runs the failure handler with what went wrong, then stops', async () => {
    const calls = { n: 0 };
    const flaky = flakyAction(calls, 99, { retryable: false });
    const actions = [...TEST_ACTIONS, flaky] as never as readonly ResponseAction<never, never>[];
    const p = pb(
      '/pb/handler.yaml',
      `trigger: {severity: LOW}
steps:
  - id: try
    uses: flaky
    on_failure: run cleanup
  - id: next
    uses: create-task
    with: {title: next}
  - id: cleanup
    uses: create-task
    with: {title: "Cleanup after {{ steps.try.reason }}"}
`,
      actions,
    );
    const run = await engine([p], { actions }).start(p, kase(), created, new Set());
    expect(run.status).toBe('failed');
    expect(run.steps.map((s) => `${s.id}: ${s.status}`)).toEqual(['try: failed', 'next: skipped', 'cleanup: succeeded']);
    expect(run.steps[2]).toMatchObject({ handler: true, items: [{ target: 'Cleanup after flaky: permanent failure 1', status: 'executed' }] });
    expect(run.steps[1]!.reason).toBe('not run: step try failed');
  });

  it('leaves a handler out when nothing fails', async () => {
    const p = pb(
      '/pb/ok.yaml',
      `trigger: {severity: LOW}
steps:
  - {id: a, uses: create-task, with: {title: a}, on_failure: run h}
  - {id: h, uses: create-task, with: {title: h}}
`,
    );
    const run = await engine([p]).start(p, kase(), created, new Set());
    expect(run.steps.map((s) => `${s.id}: ${s.status} ${s.reason ?? ''}`.trim())).toEqual(['a: succeeded', 'h: skipped failure handler: not needed']);
    expect(run.status).toBe('succeeded');
  });

  it('refuses a for_each that is not a list or too long', async () => {
    const p = pb('/pb/fe.yaml', 'trigger: {severity: LOW}\nsteps:\n  - {id: t, uses: create-task, for_each: "case.title", with: {title: "{{ item }}"}}\n');
    expect((await engine([p]).start(p, kase(), created, new Set())).error).toBe('step t: for_each: for_each gave string, not a list');
    const q = pb('/pb/fe2.yaml', 'trigger: {severity: LOW}\nsteps:\n  - {id: t, uses: create-task, for_each: observables, with: {title: "{{ item.value }}"}}\n');
    expect((await engine([q], { settings: settings({ maxItems: 3 }) }).start(q, kase(), created, new Set())).error).toBe('step t: for_each gave 6 items, more than playbooks.maxItems (3)');
  });
});

describe('PlaybookEngine: dry run', () => {
  const p = pb('/pb/zap.yaml', 'trigger: {severity: LOW}\nsteps:\n  - {id: z, uses: zap, with: {target: db-01}}\n  - {id: t, uses: create-task, with: {title: t}}\n');

  it('simulates destructive actions unless the config turns dry run off', async () => {
    expect(items(await engine([p]).start(p, kase(), created, new Set()))).toEqual(['db-01: simulated']);
    expect(items(await engine([p], { settings: settings({ dryRun: false }) }).start(p, kase(), created, new Set()))).toEqual(['db-01: executed']);
    expect(items(await engine([p], { settings: settings({ dryRun: true, actions: { zap: { dryRun: false } } }) }).start(p, kase(), created, new Set()))).toEqual(['db-01: executed']);
    expect(items(await engine([p], { settings: settings({ dryRun: false, actions: { zap: { dryRun: true } } }) }).start(p, kase(), created, new Set()))).toEqual(['db-01: simulated']);
  });

  it('lets a playbook or step only add a dry run, never lift one', async () => {
    const stepOn = pb('/pb/z2.yaml', 'trigger: {severity: LOW}\nsteps:\n  - {id: z, uses: zap, dry_run: true, with: {target: db-01}}\n');
    expect(items(await engine([stepOn], { settings: settings({ dryRun: false }) }).start(stepOn, kase(), created, new Set()))).toEqual(['db-01: simulated']);
    const stepOff = pb('/pb/z3.yaml', 'trigger: {severity: LOW}\nsteps:\n  - {id: z, uses: zap, dry_run: false, with: {target: db-01}}\n');
    expect(items(await engine([stepOff]).start(stepOff, kase(), created, new Set()))).toEqual(['db-01: simulated']);
    const pbOn = pb('/pb/z4.yaml', 'trigger: {severity: LOW}\ndry_run: true\nsteps:\n  - {id: z, uses: zap, with: {target: db-01}}\n');
    expect(items(await engine([pbOn], { settings: settings({ dryRun: false }) }).start(pbOn, kase(), created, new Set()))).toEqual(['db-01: simulated']);
  });

  it('runs non-destructive actions for real, and simulates everything in test mode', async () => {
    const run = await engine([p]).start(p, kase(), created, new Set());
    expect(run.steps[1]!.items[0]!.status).toBe('executed');
    const test = await engine([p], { dryRunAll: true, settings: settings({ dryRun: false }) }).start(p, kase(), created, new Set());
    expect(test.steps.map((s) => s.items[0]!.status)).toEqual(['simulated', 'simulated']);
  });
});

describe('PlaybookEngine: timeouts and retries', () => {
  it('ends an attempt that passes the step timeout, with the reason, and goes on only when told', async () => {
    const p = pb('/pb/slow.yaml', 'trigger: {severity: LOW}\nsteps:\n  - {id: s, uses: slow, timeout: 50ms, with: {ms: 5000}}\n  - {id: t, uses: create-task, with: {title: t}}\n');
    const t0 = Date.now();
    const run = await engine([p]).start(p, kase(), created, new Set());
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(run.status).toBe('failed');
    expect(run.steps[0]!.items[0]).toMatchObject({ status: 'failed', reason: 'timed out after 50 ms' });
    expect(run.steps[1]!.status).toBe('skipped');
  });

  it('never runs past the run timeout: the step in progress fails and the run ends failed', async () => {
    const p = pb('/pb/run.yaml', 'trigger: {severity: LOW}\ntimeout: 80ms\nsteps:\n  - {id: a, uses: slow, with: {ms: 30, label: a}}\n  - {id: b, uses: slow, with: {ms: 5000, label: b}}\n  - {id: c, uses: create-task, with: {title: c}}\n');
    const t0 = Date.now();
    const run = await engine([p]).start(p, kase(), created, new Set());
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(run.status).toBe('failed');
    expect(run.steps.map((s) => s.status)).toEqual(['succeeded', 'failed', 'skipped']);
    expect(run.steps[1]!.items[0]!.reason).toBe('the run timed out after 0 s');
  });

  it('retries retryable failures with exponential backoff, then succeeds', async () => {
    const calls = { n: 0 };
    const flaky = flakyAction(calls, 3);
    const actions = [...TEST_ACTIONS, flaky] as never as readonly ResponseAction<never, never>[];
    const p = pb('/pb/retry.yaml', 'trigger: {severity: LOW}\nsteps:\n  - {id: f, uses: flaky, retries: 4, backoff: 1s}\n', actions);
    const waits: number[] = [];
    const run = await engine([p], { actions, sleep: async (ms) => void waits.push(ms) }).start(p, kase(), created, new Set());
    expect(run.status).toBe('succeeded');
    expect(waits).toEqual([1_000, 2_000]);
    expect(run.steps[0]!.items[0]).toMatchObject({ status: 'executed', attempts: 3, outputs: { call: 3 } });
  });

  it('gives up after the last retry with the count, and never retries a permanent failure', async () => {
    const calls = { n: 0 };
    const flaky = flakyAction(calls, 99);
    const actions = [...TEST_ACTIONS, flaky] as never as readonly ResponseAction<never, never>[];
    const p = pb('/pb/retry2.yaml', 'trigger: {severity: LOW}\nsteps:\n  - {id: f, uses: flaky, retries: 2, backoff: 10ms}\n', actions);
    const run = await engine([p], { actions, sleep: async () => {} }).start(p, kase(), created, new Set());
    expect(run.steps[0]!.items[0]).toMatchObject({ status: 'failed', reason: 'HTTP 503 (call 3) (after 3 attempts)', attempts: 3 });
    const perm = { n: 0 };
    const flaky2 = flakyAction(perm, 99, { retryable: false });
    const actions2 = [...TEST_ACTIONS, flaky2] as never as readonly ResponseAction<never, never>[];
    const q = pb('/pb/retry3.yaml', 'trigger: {severity: LOW}\nsteps:\n  - {id: f, uses: flaky, retries: 5}\n', actions2);
    await engine([q], { actions: actions2, sleep: async () => {} }).start(q, kase(), created, new Set());
    expect(perm.n).toBe(1);
  });

  it('retries an action that throws, and records the error when it keeps throwing', async () => {
    const calls = { n: 0 };
    const flaky = flakyAction(calls, 99, { throws: true });
    const actions = [...TEST_ACTIONS, flaky] as never as readonly ResponseAction<never, never>[];
    const p = pb('/pb/throw.yaml', 'trigger: {severity: LOW}\nsteps:\n  - {id: f, uses: flaky, retries: 1, backoff: 1ms}\n', actions);
    const run = await engine([p], { actions, sleep: async () => {} }).start(p, kase(), created, new Set());
    expect(run.steps[0]!.items[0]).toMatchObject({ status: 'failed', reason: 'boom 2 (after 2 attempts)' });
  });

  it('caps the backoff by the time the run has left', async () => {
    const calls = { n: 0 };
    const flaky = flakyAction(calls, 99);
    const actions = [...TEST_ACTIONS, flaky] as never as readonly ResponseAction<never, never>[];
    const p = pb('/pb/cap.yaml', 'trigger: {severity: LOW}\ntimeout: 10s\nsteps:\n  - {id: f, uses: flaky, retries: 3, backoff: 1h}\n', actions);
    const c = movableClock('2025-03-14T10:00:00.000Z');
    const waits: number[] = [];
    const run = await engine([p], { actions, clock: c, sleep: async (ms) => void (waits.push(ms), c.advance(ms)) }).start(p, kase(), created, new Set());
    expect(waits).toEqual([10_000]);
    expect(run.steps[0]!.items[0]!.reason).toMatch(/the run timed out after 10 s/);
  });
});

describe('PlaybookEngine: idempotency', () => {
  it('gives the same action ids on every run and skips what is already done', async () => {
    const e = engine([BLOCK]);
    const first = await e.start(BLOCK, kase(), created, new Set());
    const again = await e.start(BLOCK, kase(), created, new Set());
    const ids = (r: RunView) => r.steps.flatMap((s) => s.items.map((i) => i.actionId));
    expect(ids(again)).toEqual(ids(first));
    const done = new Set(ids(first).filter((x): x is string => !!x));
    const third = await e.start(BLOCK, kase(), created, done);
    expect(items(third)).toEqual(['185.220.101.4: done-earlier', '10.0.2.20: done-earlier', '45.155.205.233: done-earlier']);
    expect(third.steps[0]!.status).toBe('skipped');
    const grown = kase();
    grown.observables.push({ type: 'ipv4', value: '147.45.79.113', scope: 'public', verdict: 'malicious', risk: 95 });
    const later = await e.start(BLOCK, grown, { kind: 'case.updated', kinds: ['case.updated'] }, done);
    expect(items(later).filter((x) => !x.endsWith('done-earlier'))).toEqual(['147.45.79.113: simulated']);
  });
});

describe('PlaybookEngine: test mode approvals', () => {
  it('screens the step: refusals recorded at once, the rest shown as what would be approved', async () => {
    const p = pb(
      '/pb/appr.yaml',
      `trigger: {severity: LOW}
steps:
  - id: isolate
    uses: isolate-host
    for_each: hosts
    approval: {message: "Isolate {{ join(targets) }}?"}
    with: {host: "{{ item }}"}
`,
    );
    const run = await engine([p], { dryRunAll: true }).start(p, kase({ hosts: ['web-01', 'dc-01', 'ws-7'] }), created, new Set());
    expect(run.steps[0]!.approval).toMatchObject({ status: 'would wait for approval', message: 'Isolate web-01, ws-7?', preview: ['web-01', 'ws-7'] });
    expect(items(run)).toEqual(['dc-01: refused', 'web-01: simulated', 'ws-7: simulated']);
  });
});

describe('case events', () => {
  it('tells created, updated, severity reached, tags added, new malicious observables and phishing verdicts apart', () => {
    const c = kase({ tags: ['a'] });
    expect(eventsBetween(undefined, c, true).map((e) => e.kind)).toEqual(['case.created', 'severity.reached', 'tag.added', 'observable.malicious']);
    const before = { severity: 'MEDIUM' as const, tags: ['a'], malicious: ['ipv4:185.220.101.4'], phishing: [] };
    const later = kase({ tags: ['a', 'b'], alerts: [...kase().alerts, { id: 'al_p', title: 'Phishing e-mail', ruleId: 'phishing.malicious', host: 'bob@example.org', source: 'email', time: '' }] });
    const ev = eventsBetween(before, later, false);
    expect(ev).toEqual([
      { kind: 'case.updated' },
      { kind: 'severity.reached', from: 'MEDIUM', to: 'HIGH' },
      { kind: 'tag.added', tags: ['b'] },
      { kind: 'observable.malicious', observables: [expect.objectContaining({ value: 'telemetry-cdn-sync.top' })] },
      { kind: 'phishing.verdict', alerts: [expect.objectContaining({ id: 'al_p' })], verdicts: ['malicious'] },
    ]);
    expect(eventsBetween({ severity: 'HIGH', tags: ['a', 'b'], malicious: ['ipv4:185.220.101.4', 'domain:telemetry-cdn-sync.top'], phishing: ['al_p'] }, later, false)).toEqual([{ kind: 'case.updated' }]);
  });
});
