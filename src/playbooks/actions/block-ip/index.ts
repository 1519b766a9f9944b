import { z } from 'zod';
import { parseDuration } from '../../../core/clock.js';
import { normalizeCidr, normalizeIp } from '../../../intel/feeds/normalize.js';
import { actionConfig, defineResponseAction, retryableFailure, type ActionOutcome } from '../../action.js';
import { AdapterError } from '../../adapter-http.js';
import { WazuhApi, WazuhSettings } from '../../wazuh.js';
import { HttpFirewall, HttpFirewallSettings } from './http-firewall.js';

const MAX_TTL_MS = 365 * 86_400_000;

export const BlockIpInput = z.strictObject({
  /** Address or CIDR to block. */
  address: z.string().min(1).max(100),
  direction: z.enum(['inbound', 'outbound', 'both']).default('inbound'),
  /** How long the block lasts (`24h`, `7d`); an unblock record is written when it ends. */
  ttl: z
    .string()
    .default('24h')
    .superRefine((v, ctx) => {
      try {
        const ms = parseDuration(v);
        if (ms <= 0 || ms > MAX_TTL_MS) ctx.addIssue({ code: 'custom', message: `ttl ${v} must be more than 0 and at most 365d` });
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    }),
  reason: z.string().max(2_000).default(''),
});
export type BlockIpInput = z.infer<typeof BlockIpInput>;

export const BlockIpConfig = actionConfig({
  /** Where blocks are enforced when not in dry run: `none` (record only), `wazuh` (active response), `http` (a firewall API). */
  adapter: z.enum(['none', 'wazuh', 'http']).default('none'),
  wazuh: WazuhSettings.extend({
    /** Agents that run the block (`000` is the manager); `all` must be written out to mean every agent. */
    agents: z.array(z.string().regex(/^(\d{3,5}|all)$/, 'an agent id like 001, or all')).min(1),
    /** Active-response command: `!firewall-drop` runs the script directly. */
    command: z.string().min(1).max(100).default('!firewall-drop'),
    /** A custom active-response script that lifts the block when the TTL ends; without it the agent's own AR timeout does. */
    unblockCommand: z.string().min(1).max(100).optional(),
  }).optional(),
  http: HttpFirewallSettings.optional(),
}).superRefine((c, ctx) => {
  if (c.adapter === 'wazuh' && !c.wazuh) ctx.addIssue({ code: 'custom', path: ['wazuh'], message: 'adapter wazuh needs wazuh: {url, agents}' });
  if (c.adapter === 'http' && !c.http) ctx.addIssue({ code: 'custom', path: ['http'], message: 'adapter http needs http: {url}' });
});
export type BlockIpConfig = z.infer<typeof BlockIpConfig>;

export function blockCommands(address: string, direction: string): string[] {
  const six = address.includes(':');
  const table = six ? 'ip6' : 'ip';
  const tool = six ? 'ip6tables' : 'iptables';
  const out: string[] = [];
  if (direction !== 'outbound') out.push(`nft add rule inet filter input ${table} saddr ${address} drop`, `${tool} -I INPUT -s ${address} -j DROP`);
  if (direction !== 'inbound') out.push(`nft add rule inet filter output ${table} daddr ${address} drop`, `${tool} -I OUTPUT -d ${address} -j DROP`);
  return out;
}

export function unblockCommands(address: string, direction: string): string[] {
  const six = address.includes(':');
  const table = six ? 'ip6' : 'ip';
  const tool = six ? 'ip6tables' : 'iptables';
  const out: string[] = [];
  // nft deletes rules by handle: look it up by the rule's text.
  if (direction !== 'outbound') out.push(`nft delete rule inet filter input handle $(nft -a list chain inet filter input | awk '/${table} saddr ${address} drop/ {print $NF}')`, `${tool} -D INPUT -s ${address} -j DROP`);
  if (direction !== 'inbound') out.push(`nft delete rule inet filter output handle $(nft -a list chain inet filter output | awk '/${table} daddr ${address} drop/ {print $NF}')`, `${tool} -D OUTPUT -d ${address} -j DROP`);
  return out;
}

/**
 * The ledger's key for a block: the address in canonical form (`2001:DB8::1` → `2001:db8::1`, a /32
 * is the address, a range has its host bits cleared). One block per address: a case asking for
 * another direction joins the block in place and is told so (`joinNote`).
 */
export function blockTarget(input: Pick<BlockIpInput, 'address'>): string {
  const a = input.address.trim();
  let canon = a.includes('/') ? normalizeCidr(a) : normalizeIp(a);
  if (canon && (canon.includes(':') ? canon.endsWith('/128') : canon.endsWith('/32'))) canon = canon.slice(0, canon.lastIndexOf('/'));
  return canon ?? a.toLowerCase();
}

function failure(e: unknown): ActionOutcome {
  if (e instanceof AdapterError) return e.retryable ? retryableFailure(e.message) : { status: 'failed', reason: e.message, details: {} };
  throw e;
}

export default defineResponseAction({
  id: 'block-ip',
  description: 'Block an address or range at the firewall for a TTL. Dry run (the default) records the rule and the nft/iptables commands; adapters enforce it through Wazuh active response or an HTTP firewall API.',
  destructive: true,
  undoAction: 'unblock-ip',
  inputSchema: BlockIpInput,
  configSchema: BlockIpConfig,
  outputs: {
    address: 'the blocked address or range',
    direction: 'inbound, outbound or both',
    expiresAt: 'when the block lapses (ISO time)',
    adapter: 'none, wazuh or http',
    ruleId: 'the firewall API rule id (http adapter)',
    commands: 'the equivalent nft and iptables commands',
  },
  target: (i) => i.address,
  effect: {
    target: (i) => blockTarget(i),
    expiresAt: (i, now) => new Date(now.getTime() + parseDuration(i.ttl)).toISOString(),
    enforced: (c) => (c as BlockIpConfig).adapter !== 'none',
    joinNote(i, inPlace) {
      const d = (inPlace.rule as { direction?: string } | undefined)?.direction;
      return d && d !== i.direction && d !== 'both' ? `the block in place is ${d} only; this case asked for ${i.direction}: release it and block again to widen it` : undefined;
    },
  },
  async run(input, ctx) {
    const refusal = ctx.guards.ipRefusal(input.address);
    if (refusal) return { status: 'refused', reason: refusal, details: { address: input.address } };
    const ttlMs = parseDuration(input.ttl);
    const now = ctx.clock.now();
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    const reason = input.reason || `case #${ctx.case.number}: ${ctx.case.title}`;
    const rule = { address: input.address, direction: input.direction, ttl: input.ttl, expiresAt, case: ctx.case.number };
    const commands = blockCommands(input.address, input.direction);
    const cfg = ctx.config;
    const outputs = { address: input.address, direction: input.direction, expiresAt, adapter: cfg.adapter, commands };
    if (ctx.dryRun || cfg.adapter === 'none') {
      return {
        status: 'simulated',
        reason,
        expiresAt,
        details: {
          rule,
          commands,
          note: cfg.adapter === 'none' ? 'Simulated: no firewall was changed. Configure a firewall adapter (playbooks.actions.block-ip.adapter) to enforce blocks.' : `Dry run: the ${cfg.adapter} adapter was not called.`,
        },
        outputs,
      };
    }
    if (cfg.adapter === 'wazuh') {
      const w = cfg.wazuh!;
      if (input.address.includes('/')) return { status: 'failed', reason: `Wazuh firewall-drop blocks single addresses; ${input.address} is a range`, details: { rule } };
      try {
        const api = new WazuhApi(w, { fetch: ctx.services.fetch, env: ctx.services.env, now: () => ctx.clock.now().getTime() });
        const r = await api.activeResponse({ agents: w.agents, command: w.command, alert: { data: { srcip: input.address } }, signal: ctx.signal });
        if (r.failed.length) {
          return retryableFailure(`Wazuh could not run ${w.command} on ${r.failed.map((f) => `${f.ids.join(',')} (${f.message})`).join('; ')}`, { rule, wazuh: r });
        }
        return {
          status: 'executed',
          reason,
          expiresAt,
          details: { rule, commands, wazuh: { agents: r.affected, command: w.command, message: r.message } },
          outputs,
        };
      } catch (e) {
        return failure(e);
      }
    }
    try {
      const fw = new HttpFirewall(cfg.http!, { fetch: ctx.services.fetch, env: ctx.services.env });
      const { ruleId, status } = await fw.block({ address: input.address, direction: input.direction, ttlMs, expiresAt, reason, case: { id: ctx.case.id, number: ctx.case.number, title: ctx.case.title }, idempotencyKey: ctx.idempotencyKey, signal: ctx.signal });
      return {
        status: 'executed',
        reason,
        expiresAt,
        details: { rule, commands, http: { status, ...(ruleId !== undefined && { ruleId }) } },
        outputs: { ...outputs, ...(ruleId !== undefined && { ruleId }) },
      };
    } catch (e) {
      return failure(e);
    }
  },
  async undo(done, ctx) {
    const rule = (done.details.rule ?? {}) as { address?: string; direction?: string };
    const address = rule.address ?? done.target;
    const direction = rule.direction ?? 'inbound';
    const commands = unblockCommands(address, direction);
    const cfg = ctx.config;
    const details = { of: done.id, address, direction, commands };
    const why = done.why ?? 'TTL ended';
    if (ctx.dryRun || done.status !== 'executed') {
      return { status: 'simulated', reason: `${why}: the block of ${address} lapses`, details: { ...details, note: 'Simulated: the block was only recorded, so nothing is removed.' } };
    }
    const wz = (done.details as { wazuh?: { agents?: string[] } }).wazuh;
    const http = (done.details as { http?: { ruleId?: string } }).http;
    try {
      if (wz) {
        if (!cfg.wazuh?.unblockCommand) {
          return { status: 'skipped', reason: `${why}: the agents' own active-response timeout lifts the Wazuh block of ${address} (set playbooks.actions.block-ip.wazuh.unblockCommand to lift it from Vigil)`, details };
        }
        const api = new WazuhApi(cfg.wazuh, { fetch: ctx.services.fetch, env: ctx.services.env, now: () => ctx.clock.now().getTime() });
        const r = await api.activeResponse({ agents: wz.agents?.length ? wz.agents : cfg.wazuh.agents, command: cfg.wazuh.unblockCommand, alert: { data: { srcip: address } }, signal: ctx.signal });
        if (r.failed.length) return retryableFailure(`Wazuh could not lift the block on ${r.failed.map((f) => `${f.ids.join(',')} (${f.message})`).join('; ')}`, details);
        return { status: 'executed', reason: `${why}: block of ${address} lifted through Wazuh`, details: { ...details, wazuh: { agents: r.affected } } };
      }
      if (http && cfg.http) {
        if (!cfg.http.unblock) return { status: 'skipped', reason: `${why}: the firewall API expires the block of ${address} itself`, details };
        const fw = new HttpFirewall(cfg.http, { fetch: ctx.services.fetch, env: ctx.services.env });
        const status = await fw.unblock({ ruleId: http.ruleId ?? address, signal: ctx.signal });
        return { status: 'executed', reason: `${why}: block of ${address} removed from the firewall`, details: { ...details, http: { status } } };
      }
    } catch (e) {
      return failure(e);
    }
    return { status: 'skipped', reason: `${why}: no adapter is configured to lift the block of ${address}`, details };
  },
});
