import { describe, expect, it } from 'vitest';
import { ctxFor } from '../fake-servers.js';
import createTask, { CreateTaskConfig, CreateTaskInput } from './index.js';

const cfg = CreateTaskConfig.parse({
  templates: {
    'ssh-compromise': [
      { title: 'Rotate the credentials of the accounts used', group: 'containment' },
      { title: 'Collect auth.log and wtmp from the host', description: 'Keep copies outside the host.', group: 'forensics' },
    ],
  },
});
const run = (input: Record<string, unknown>, over = {}) => createTask.run(CreateTaskInput.parse(input), ctxFor(cfg, over));

describe('create-task', () => {
  it('adds one task with defaults, targeted by its title', async () => {
    const input = CreateTaskInput.parse({ title: 'Check the host' });
    expect(createTask.target(input)).toBe('Check the host');
    expect(await run({ title: 'Check the host' })).toEqual({
      status: 'executed',
      reason: 'task added to the case',
      details: { task: { title: 'Check the host', description: '', group: 'default' } },
      tasks: [{ title: 'Check the host', description: '', group: 'default' }],
      outputs: { titles: ['Check the host'], count: 1 },
    });
  });

  it('adds a list, or the tasks of a case template', async () => {
    const list = await run({ tasks: [{ title: 'a' }, { title: 'b', group: 'g' }] });
    expect(list.tasks).toEqual([
      { title: 'a', description: '', group: 'default' },
      { title: 'b', description: '', group: 'g' },
    ]);
    expect(createTask.target(CreateTaskInput.parse({ tasks: [{ title: 'a' }, { title: 'b' }] }))).toBe('a (+1)');
    const tpl = await run({ template: 'ssh-compromise' });
    expect(tpl).toMatchObject({ status: 'executed', reason: '2 tasks added to the case', outputs: { count: 2 }, details: { template: 'ssh-compromise' } });
    expect(tpl.tasks!.map((t) => t.group)).toEqual(['containment', 'forensics']);
    expect(createTask.target(CreateTaskInput.parse({ template: 'ssh-compromise' }))).toBe('template:ssh-compromise');
  });

  it('names the known templates when one is missing', async () => {
    expect(await run({ template: 'nope' })).toEqual({ status: 'failed', reason: 'no case template "nope" (known: ssh-compromise)', details: {} });
    expect((await createTask.run(CreateTaskInput.parse({ template: '__proto__' }), ctxFor(CreateTaskConfig.parse({})))).reason).toBe(
      'no case template "__proto__" (none are configured under playbooks.actions.create-task.templates)',
    );
  });

  it('wants exactly one of title, tasks or template, within limits', () => {
    expect(CreateTaskInput.safeParse({}).error!.issues[0]!.message).toBe('give exactly one of title, tasks or template');
    expect(CreateTaskInput.safeParse({ title: 'a', template: 'b' }).success).toBe(false);
    expect(CreateTaskInput.safeParse({ title: '' }).success).toBe(false);
    expect(CreateTaskInput.safeParse({ title: 'x'.repeat(301) }).success).toBe(false);
  });

  it('adds nothing in dry run', async () => {
    expect(await run({ title: 'x' }, { dryRun: true })).toMatchObject({ status: 'simulated', reason: 'would add 1 task to the case' });
    expect((await run({ title: 'x' }, { dryRun: true })).tasks).toBeUndefined();
  });
});
