import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../core/clock.js';
import type { ActionContext } from '../../action.js';
import { createGuards } from '../../guards.js';
import createTask, { CreateTaskInput } from './index.js';

const ctx: ActionContext = {
  case: { id: 'case_1', number: 1, title: 't', severity: 'HIGH', score: 60, hosts: [], tags: [], observables: [], alerts: [] },
  playbook: 'triage',
  step: 'review',
  guards: createGuards({ allowlistIps: [], allowlistHosts: [] }),
  clock: fixedClock('2025-03-14T10:00:00.000Z'),
};

describe('create-task', () => {
  it('adds the task to the case and reports it executed', async () => {
    const input = CreateTaskInput.parse({ title: 'Review the alerts of case #1', group: 'triage' });
    expect(createTask.target(input)).toBe('Review the alerts of case #1');
    expect(await createTask.run(input, ctx)).toEqual({
      status: 'executed',
      reason: 'task added to the case',
      details: { task: { title: 'Review the alerts of case #1', description: '', group: 'triage' } },
      tasks: [{ title: 'Review the alerts of case #1', description: '', group: 'triage' }],
    });
  });

  it('defaults the group and refuses an empty or oversized title', () => {
    expect(CreateTaskInput.parse({ title: 'x' }).group).toBe('default');
    expect(CreateTaskInput.safeParse({ title: '' }).error?.issues[0]?.path).toEqual(['title']);
    expect(CreateTaskInput.safeParse({ title: 'x'.repeat(301) }).error?.issues[0]?.path).toEqual(['title']);
    expect(CreateTaskInput.safeParse({}).success).toBe(false);
  });
});
