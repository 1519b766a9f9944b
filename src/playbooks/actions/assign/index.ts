import { z } from 'zod';
import { actionConfig, defineResponseAction } from '../../action.js';

export const AssignInput = z.strictObject({
  /** An analyst or a team (`tier2`, `alice@example.org`). */
  assignee: z.string().trim().min(1).max(200).regex(/^[^\u0000-\u001f]+$/, 'no control characters'),
  reason: z.string().max(2_000).default(''),
});

export default defineResponseAction({
  id: 'assign',
  description: 'Assign the case to an analyst or team; the assignment is on the timeline.',
  destructive: false,
  internal: true,
  inputSchema: AssignInput,
  configSchema: actionConfig({}),
  outputs: { from: 'the assignee before (empty when none)', to: 'the assignee now' },
  target: (i) => i.assignee,
  async run(input, ctx) {
    const from = ctx.case.assignee ?? '';
    const to = input.assignee;
    if (from === to) return { status: 'skipped', reason: `the case is already assigned to ${to}`, details: { from, to }, outputs: { from, to } };
    const why = input.reason || `playbook ${ctx.playbook}`;
    if (ctx.dryRun) return { status: 'simulated', reason: `would assign the case to ${to}: ${why}`, details: { from, to }, outputs: { from, to } };
    return { status: 'executed', reason: `assigned to ${to}${from ? ` (was ${from})` : ''}: ${why}`, details: { from, to }, outputs: { from, to }, changes: { assignee: to } };
  },
});
