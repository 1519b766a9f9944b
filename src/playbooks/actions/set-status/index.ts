import { z } from 'zod';
import { CaseStatus } from '../../../core/types.js';
import { actionConfig, defineResponseAction } from '../../action.js';

export const SetStatusInput = z.strictObject({
  /** New, InProgress, Indeterminate, FalsePositive, TruePositive, Other, Duplicated. */
  status: CaseStatus,
  reason: z.string().max(2_000).default(''),
});

export default defineResponseAction({
  id: 'set-status',
  description: 'Set the case status (TheHive-compatible values), with the reason on the timeline.',
  destructive: false,
  internal: true,
  inputSchema: SetStatusInput,
  configSchema: actionConfig({}),
  outputs: { from: 'the status before', to: 'the status after' },
  target: (i) => i.status,
  async run(input, ctx) {
    const from = ctx.case.status;
    const to = input.status;
    if (from === to) return { status: 'skipped', reason: `the case is already ${to}`, details: { from, to }, outputs: { from, to } };
    const why = input.reason || `playbook ${ctx.playbook}`;
    if (ctx.dryRun) return { status: 'simulated', reason: `would set status ${from} → ${to}: ${why}`, details: { from, to }, outputs: { from, to } };
    return { status: 'executed', reason: `status ${from} → ${to}: ${why}`, details: { from, to }, outputs: { from, to }, changes: { status: to } };
  },
});
