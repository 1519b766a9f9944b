import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../core/clock.js';
import type { ActionContext, PlaybookCase } from '../../action.js';
import { createGuards } from '../../guards.js';
import blockIp, { BlockIpInput } from './index.js';

const kase: PlaybookCase = { id: 'case_1', number: 3, title: 'C2 beacon on ws-7', severity: 'HIGH', score: 70, hosts: ['ws-7'], tags: [], observables: [], alerts: [] };
const ctx: ActionContext = {
  case: kase,
  playbook: 'block',
  step: 'block',
  guards: createGuards({ allowlistIps: ['1.1.1.1'], allowlistHosts: [] }),
  clock: fixedClock('2025-03-14T10:00:00.000Z'),
};

const run = (input: Record<string, unknown>) => blockIp.run(BlockIpInput.parse(input), ctx);

describe('block-ip', () => {
  it('is registered under its verb and targets the address', () => {
    expect(blockIp.id).toBe('block-ip');
    expect(blockIp.target(BlockIpInput.parse({ address: '147.45.79.113' }))).toBe('147.45.79.113');
  });

  it('defaults to an inbound 24h block and says it is simulated', async () => {
    const out = await run({ address: '147.45.79.113' });
    expect(out).toEqual({
      status: 'simulated',
      reason: 'case #3: C2 beacon on ws-7',
      details: {
        rule: { address: '147.45.79.113', direction: 'inbound', ttl: '24h', expiresAt: '2025-03-15T10:00:00.000Z', case: 3 },
        commands: ['nft add rule inet filter input ip saddr 147.45.79.113 drop', 'iptables -I INPUT -s 147.45.79.113 -j DROP'],
        note: expect.stringContaining('Simulated: no firewall was changed'),
      },
    });
  });

  it('writes outbound commands and the expiry from the ttl', async () => {
    const out = await run({ address: '147.45.79.0/24', direction: 'outbound', ttl: '7d', reason: 'C2 range' });
    expect(out.reason).toBe('C2 range');
    expect(out.details.rule).toMatchObject({ direction: 'outbound', expiresAt: '2025-03-21T10:00:00.000Z' });
    expect(out.details.commands).toEqual(['nft add rule inet filter output ip daddr 147.45.79.0/24 drop', 'iptables -I OUTPUT -d 147.45.79.0/24 -j DROP']);
    const short = await run({ address: '147.45.79.113', ttl: '90m' });
    expect(short.details.rule).toMatchObject({ expiresAt: '2025-03-14T11:30:00.000Z' });
  });

  it('uses ip6 / ip6tables for IPv6 in both directions', async () => {
    const out = await run({ address: '2a01:4f8:c010::1', direction: 'both' });
    expect(out.details.commands).toEqual([
      'nft add rule inet filter input ip6 saddr 2a01:4f8:c010::1 drop',
      'ip6tables -I INPUT -s 2a01:4f8:c010::1 -j DROP',
      'nft add rule inet filter output ip6 daddr 2a01:4f8:c010::1 drop',
      'ip6tables -I OUTPUT -d 2a01:4f8:c010::1 -j DROP',
    ]);
  });

  it('refuses private, reserved and allowlisted addresses with no commands', async () => {
    for (const [address, why] of [
      ['192.168.1.10', /private address/],
      ['203.0.113.5', /reserved address/],
      ['1.1.1.1', /allowlist \(1\.1\.1\.1\)/],
      ['not-an-ip; rm -rf /', /is not an IP address/],
    ] as const) {
      const out = await run({ address });
      expect(out.status).toBe('refused');
      expect(out.reason).toMatch(why);
      expect(out.details).toEqual({ address });
    }
  });

  it('rejects unknown inputs and directions by field', () => {
    const r = BlockIpInput.safeParse({ address: '1.2.3.4', direction: 'sideways', port: 22 });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.') || (i as { keys?: string[] }).keys?.join(','))).toEqual(expect.arrayContaining(['direction', 'port']));
  });
});
