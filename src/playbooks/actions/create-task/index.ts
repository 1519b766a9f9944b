import { z } from 'zod';
import { defineResponseAction } from '../../action.js';

export const CreateTaskInput = z.strictObject({
  title: z.string().min(1).max(300),
  description: z.string().max(10_000).default(''),
  group: z.string().default('default'),
});

export default defineResponseAction({
  id: 'create-task',
  description: 'Add an analyst task to the case.',
  inputSchema: CreateTaskInput,
  target: (i) => i.title,
  async run(input) {
    return { status: 'executed', reason: 'task added to the case', details: { task: input }, tasks: [input] };
  },
});
