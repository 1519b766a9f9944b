import { z } from 'zod';
import { defineResponseAction } from '../../action.js';

export const IsolateHostInput = z.strictObject({
  host: z.string().min(1),
  reason: z.string().default(''),
});

export default defineResponseAction({
  id: 'isolate-host',
  description: 'Contain a host (network isolation). Simulated: writes the containment record.',
  inputSchema: IsolateHostInput,
  target: (i) => i.host,
  async run(input, ctx) {
    const refusal = ctx.guards.hostRefusal(input.host);
    if (refusal) return { status: 'refused', reason: refusal, details: { host: input.host } };
    return {
      status: 'simulated',
      reason: input.reason || `case #${ctx.case.number}: ${ctx.case.title}`,
      details: {
        containment: { host: input.host, mode: 'network-isolation', case: ctx.case.number, requestedAt: ctx.clock.now().toISOString() },
        note: 'Simulated: the host was not isolated. Configure an EDR or Wazuh active-response adapter to enforce containment.',
      },
    };
  },
});
