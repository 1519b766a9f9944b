import { z } from 'zod';
import { actionConfig, defineResponseAction, type NewTask } from '../../action.js';

const TaskInput = z.strictObject({
  title: z.string().min(1).max(300),
  description: z.string().max(10_000).default(''),
  group: z.string().max(100).default('default'),
});

/** One task (`title`), a list (`tasks`), or a case template by name (`template`). */
export const CreateTaskInput = z
  .strictObject({
    title: z.string().min(1).max(300).optional(),
    description: z.string().max(10_000).default(''),
    group: z.string().max(100).default('default'),
    tasks: z.array(TaskInput).min(1).max(50).optional(),
    template: z.string().min(1).max(100).optional(),
  })
  .refine((i) => [i.title, i.tasks, i.template].filter((x) => x !== undefined).length === 1, { message: 'give exactly one of title, tasks or template' });
export type CreateTaskInput = z.infer<typeof CreateTaskInput>;

export const CreateTaskConfig = actionConfig({
  /** Case templates: name → the tasks it adds (`ssh-compromise: [{title, description, group}]`). */
  templates: z.record(z.string().min(1).max(100), z.array(TaskInput).min(1).max(50)).default({}),
});

export default defineResponseAction({
  id: 'create-task',
  description: 'Add analyst tasks to the case: one task, a list, or a case template from playbooks.actions.create-task.templates.',
  destructive: false,
  internal: true,
  inputSchema: CreateTaskInput,
  configSchema: CreateTaskConfig,
  outputs: { titles: 'the titles of the tasks added', count: 'how many tasks' },
  target: (i) => (i.template !== undefined ? `template:${i.template}` : i.tasks ? `${i.tasks[0]!.title}${i.tasks.length > 1 ? ` (+${i.tasks.length - 1})` : ''}` : i.title!),
  async run(input, ctx) {
    let tasks: NewTask[];
    if (input.template !== undefined) {
      const t = Object.hasOwn(ctx.config.templates, input.template) ? ctx.config.templates[input.template] : undefined;
      if (!t) {
        const known = Object.keys(ctx.config.templates);
        return { status: 'failed', reason: `no case template "${input.template}" (${known.length ? `known: ${known.join(', ')}` : 'none are configured under playbooks.actions.create-task.templates'})`, details: {} };
      }
      tasks = t;
    } else tasks = input.tasks ?? [{ title: input.title!, description: input.description, group: input.group }];
    const outputs = { titles: tasks.map((t) => t.title), count: tasks.length };
    if (ctx.dryRun) return { status: 'simulated', reason: `would add ${tasks.length} task${tasks.length > 1 ? 's' : ''} to the case`, details: { tasks }, outputs };
    return {
      status: 'executed',
      reason: tasks.length > 1 ? `${tasks.length} tasks added to the case` : 'task added to the case',
      details: tasks.length === 1 && input.title !== undefined ? { task: tasks[0] } : { tasks, ...(input.template !== undefined && { template: input.template }) },
      tasks,
      outputs,
    };
  },
});
