import { z } from 'zod';
import { actionConfig, defineResponseAction } from '../../action.js';

// Blocking a sender at the mail gateway. Vigil has no gateway adapter yet, so the block is always a
// record (simulated, like block-ip without an adapter): what to block, for how long, and why, so an
// analyst can apply it in the gateway and the case shows it was decided.

export const BlockSenderInput = z.strictObject({
  /** A sender address (`billing@paypa1-secure.com`) or a whole domain (`paypa1-secure.com`). */
  sender: z.string().min(3).max(320),
  reason: z.string().max(2_000).default(''),
});

export const BlockSenderConfig = actionConfig({
  /** `none` (record only): no mail-gateway adapter exists yet. */
  adapter: z.enum(['none']).default('none'),
});

/** The sender in canonical form: lower case, a bare domain or an address. */
export function senderTarget(sender: string): string {
  return sender.trim().replace(/^<|>$/g, '').toLowerCase();
}

export default defineResponseAction({
  id: 'block-sender',
  description: 'Block a sender address or domain at the mail gateway. Always simulated for now (no gateway adapter): the block is recorded on the case for an analyst to apply.',
  destructive: true,
  inputSchema: BlockSenderInput,
  configSchema: BlockSenderConfig,
  outputs: { sender: 'the blocked address or domain', scope: 'address or domain', adapter: 'none' },
  target: (i) => senderTarget(i.sender),
  async run(input, ctx) {
    const sender = senderTarget(input.sender);
    const scope = sender.includes('@') ? 'address' : 'domain';
    const reason = input.reason || `case #${ctx.case.number}: ${ctx.case.title}`;
    return {
      status: 'simulated',
      reason,
      details: { sender, scope, note: 'Simulated: no mail gateway was changed (no gateway adapter exists yet); apply the block in the gateway.' },
      outputs: { sender, scope, adapter: 'none' },
    };
  },
});
