import { z } from 'zod';
import { parseDuration } from '../../../core/clock.js';
import { defineResponseAction } from '../../action.js';

export const BlockIpInput = z.strictObject({
  /** Address or CIDR to block. */
  address: z.string().min(1),
  direction: z.enum(['inbound', 'outbound', 'both']).default('inbound'),
  /** How long the block lasts (`24h`, `7d`). */
  ttl: z.string().default('24h'),
  reason: z.string().default(''),
});

function commands(address: string, direction: string): string[] {
  const six = address.includes(':');
  const table = six ? 'ip6' : 'ip';
  const out: string[] = [];
  if (direction !== 'outbound') out.push(`nft add rule inet filter input ${table} saddr ${address} drop`, `${six ? 'ip6tables' : 'iptables'} -I INPUT -s ${address} -j DROP`);
  if (direction !== 'inbound') out.push(`nft add rule inet filter output ${table} daddr ${address} drop`, `${six ? 'ip6tables' : 'iptables'} -I OUTPUT -d ${address} -j DROP`);
  return out;
}

export default defineResponseAction({
  id: 'block-ip',
  description: 'Block an address at the firewall. Simulated: writes the firewall rule record and the equivalent commands.',
  inputSchema: BlockIpInput,
  target: (i) => i.address,
  async run(input, ctx) {
    const refusal = ctx.guards.ipRefusal(input.address);
    if (refusal) return { status: 'refused', reason: refusal, details: { address: input.address } };
    const now = ctx.clock.now();
    const expires = new Date(now.getTime() + parseDuration(input.ttl)).toISOString();
    return {
      status: 'simulated',
      reason: input.reason || `case #${ctx.case.number}: ${ctx.case.title}`,
      details: {
        rule: { address: input.address, direction: input.direction, ttl: input.ttl, expiresAt: expires, case: ctx.case.number },
        commands: commands(input.address, input.direction),
        note: 'Simulated: no firewall was changed. Configure a firewall adapter to enforce blocks.',
      },
    };
  },
});
