// add-tag, set-severity, set-status, assign: they change the case only through what they return.
import { describe, expect, it } from 'vitest';
import { kase } from '../test-helpers.js';
import addTag, { AddTagInput } from './add-tag/index.js';
import assign, { AssignInput } from './assign/index.js';
import { ctxFor } from './fake-servers.js';
import setSeverity, { SetSeverityInput } from './set-severity/index.js';
import setStatus, { SetStatusInput } from './set-status/index.js';

const ctx = (over = {}) => ctxFor({}, { case: kase({ tags: ['wazuh'], severity: 'HIGH', status: 'New' }), playbook: 'triage', ...over });

describe('add-tag', () => {
  it('adds only the new tags, one or many', async () => {
    expect(await addTag.run(AddTagInput.parse({ tags: ['brute-force', 'wazuh'] }), ctx())).toEqual({
      status: 'executed',
      reason: 'case tagged brute-force',
      details: { added: ['brute-force'] },
      outputs: { added: ['brute-force'], tags: ['wazuh', 'brute-force'] },
      changes: { addTags: ['brute-force'] },
    });
    expect(AddTagInput.parse({ tags: 'single' }).tags).toEqual(['single']);
    expect(await addTag.run(AddTagInput.parse({ tags: 'wazuh' }), ctx())).toMatchObject({ status: 'skipped', reason: 'the case already has wazuh' });
    expect(AddTagInput.safeParse({ tags: 'bad\ntag' }).success).toBe(false);
  });
});

describe('set-severity', () => {
  it('raises the severity by default and leaves a higher one alone', async () => {
    expect(await setSeverity.run(SetSeverityInput.parse({ severity: 'critical', reason: 'domain admin' }), ctx())).toMatchObject({
      status: 'executed',
      reason: 'severity HIGH → CRITICAL: domain admin',
      changes: { severity: 'CRITICAL' },
      outputs: { from: 'HIGH', to: 'CRITICAL' },
    });
    expect(await setSeverity.run(SetSeverityInput.parse({ severity: 'LOW' }), ctx())).toMatchObject({ status: 'skipped', outputs: { to: 'HIGH' } });
    expect(await setSeverity.run(SetSeverityInput.parse({ severity: 'LOW', only_raise: false }), ctx())).toMatchObject({ status: 'executed', changes: { severity: 'LOW' }, reason: 'severity HIGH → LOW: playbook triage' });
    expect(SetSeverityInput.safeParse({ severity: 'urgent' }).error!.issues[0]!.message).toBe('"urgent" is not a severity (LOW, MEDIUM, HIGH, CRITICAL)');
  });
});

describe('set-status', () => {
  it('sets a TheHive status and refuses others', async () => {
    expect(await setStatus.run(SetStatusInput.parse({ status: 'InProgress' }), ctx())).toMatchObject({ status: 'executed', changes: { status: 'InProgress' }, reason: 'status New → InProgress: playbook triage' });
    expect(await setStatus.run(SetStatusInput.parse({ status: 'New' }), ctx())).toMatchObject({ status: 'skipped' });
    expect(SetStatusInput.safeParse({ status: 'Closed' }).success).toBe(false);
  });
});

describe('assign', () => {
  it('assigns, says who it was before, and skips a no-op', async () => {
    expect(await assign.run(AssignInput.parse({ assignee: 'tier2' }), ctx())).toMatchObject({ status: 'executed', reason: 'assigned to tier2: playbook triage', changes: { assignee: 'tier2' }, outputs: { from: '', to: 'tier2' } });
    const c = kase({ assignee: 'tier1' });
    expect(await assign.run(AssignInput.parse({ assignee: 'tier2', reason: 'escalated' }), ctx({ case: c }))).toMatchObject({ reason: 'assigned to tier2 (was tier1): escalated' });
    expect(await assign.run(AssignInput.parse({ assignee: 'tier1' }), ctx({ case: c }))).toMatchObject({ status: 'skipped' });
  });
});

describe('case actions in dry run', () => {
  it('say what they would do and change nothing', async () => {
    for (const out of [
      await addTag.run(AddTagInput.parse({ tags: 'x' }), ctx({ dryRun: true })),
      await setSeverity.run(SetSeverityInput.parse({ severity: 'CRITICAL' }), ctx({ dryRun: true })),
      await setStatus.run(SetStatusInput.parse({ status: 'TruePositive' }), ctx({ dryRun: true })),
      await assign.run(AssignInput.parse({ assignee: 'x' }), ctx({ dryRun: true })),
    ]) {
      expect(out.status).toBe('simulated');
      expect(out.changes).toBeUndefined();
      expect(out.reason).toMatch(/^would /);
    }
  });
});
