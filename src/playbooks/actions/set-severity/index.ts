import { z } from 'zod';
import { Severity, severityRank } from '../../../core/types.js';
import { actionConfig, defineResponseAction } from '../../action.js';

export const SetSeverityInput = z.strictObject({
  severity: z.string().transform((s, ctx) => {
    const up = s.trim().toUpperCase();
    const r = Severity.safeParse(up);
    if (!r.success) {
      ctx.addIssue({ code: 'custom', message: `"${s}" is not a severity (LOW, MEDIUM, HIGH, CRITICAL)` });
      return z.NEVER;
    }
    return r.data;
  }),
  /** Only raise: leave a case already at or above this severity as it is. */
  only_raise: z.boolean().default(true),
  reason: z.string().max(2_000).default(''),
});

export default defineResponseAction({
  id: 'set-severity',
  description: 'Set the case severity (by default only raising it), with the reason on the timeline.',
  destructive: false,
  internal: true,
  inputSchema: SetSeverityInput,
  configSchema: actionConfig({}),
  outputs: { from: 'the severity before', to: 'the severity after' },
  target: (i) => i.severity,
  async run(input, ctx) {
    const from = ctx.case.severity;
    const to = input.severity;
    if (from === to || (input.only_raise && severityRank(to) < severityRank(from))) {
      return { status: 'skipped', reason: `the case is already ${from}`, details: { from, to: from }, outputs: { from, to: from } };
    }
    const why = input.reason || `playbook ${ctx.playbook}`;
    if (ctx.dryRun) return { status: 'simulated', reason: `would set severity ${from} → ${to}: ${why}`, details: { from, to }, outputs: { from, to } };
    return { status: 'executed', reason: `severity ${from} → ${to}: ${why}`, details: { from, to }, outputs: { from, to }, changes: { severity: to } };
  },
});
