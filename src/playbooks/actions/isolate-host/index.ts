import { z } from 'zod';
import { actionConfig, defineResponseAction, retryableFailure } from '../../action.js';
import { AdapterError } from '../../adapter-http.js';
import { WazuhApi, WazuhSettings } from '../../wazuh.js';

export const IsolateHostInput = z.strictObject({
  host: z.string().min(1).max(253),
  reason: z.string().max(2_000).default(''),
});

export const IsolateHostConfig = actionConfig({
  /** `none` (record only) or `wazuh` (an active-response script on the host's agent). */
  adapter: z.enum(['none', 'wazuh']).default('none'),
  wazuh: WazuhSettings.extend({
    /** The active-response script that isolates a host; Wazuh ships none, so it is named here (`!isolate-host`). */
    command: z.string().min(1).max(100),
    arguments: z.array(z.string().max(200)).max(20).default([]),
    /** The active-response script that lifts the isolation when the ledger releases it; without it, lift it by hand. */
    releaseCommand: z.string().min(1).max(100).optional(),
  }).optional(),
}).superRefine((c, ctx) => {
  if (c.adapter === 'wazuh' && !c.wazuh) ctx.addIssue({ code: 'custom', path: ['wazuh'], message: 'adapter wazuh needs wazuh: {url, command}' });
});

export default defineResponseAction({
  id: 'isolate-host',
  description: 'Contain a host (network isolation). Dry run (the default) records the containment; the Wazuh adapter runs an isolation script on the host’s agent.',
  destructive: true,
  inputSchema: IsolateHostInput,
  configSchema: IsolateHostConfig,
  outputs: { host: 'the contained host', adapter: 'none or wazuh', agent: 'the Wazuh agent id (wazuh adapter)' },
  target: (i) => i.host,
  // One machine under two names (`ws-042`, `WS-042.corp.example`) is one containment.
  effect: { target: (i, ctx) => ctx.canonicalHost(i.host), expiresAt: () => null, enforced: (c) => (c as z.infer<typeof IsolateHostConfig>).adapter !== 'none' },
  undoAction: 'release-host',
  async undo(done, ctx) {
    const c = (done.details.containment ?? {}) as { host?: string };
    const host = c.host ?? done.target;
    const why = done.why ?? 'released';
    const details = { of: done.id, host };
    if (ctx.dryRun || done.status !== 'executed') return { status: 'simulated', reason: `${why}: the containment of ${host} ends`, details: { ...details, note: 'Simulated: the host was only recorded as contained, so nothing is lifted.' } };
    const w = ctx.config.wazuh;
    const agent = (done.details as { wazuh?: { agent?: string } }).wazuh?.agent;
    if (!w?.releaseCommand || !agent) {
      return { status: 'skipped', reason: `${why}: lift the isolation of ${host} in Wazuh or the EDR by hand (set playbooks.actions.isolate-host.wazuh.releaseCommand to lift it from Vigil)`, details };
    }
    try {
      const api = new WazuhApi(w, { fetch: ctx.services.fetch, env: ctx.services.env, now: () => ctx.clock.now().getTime() });
      const r = await api.activeResponse({ agents: [agent], command: w.releaseCommand, arguments: w.arguments, alert: { data: { host } }, signal: ctx.signal });
      if (r.failed.length || !r.affected.includes(agent)) return retryableFailure(`Wazuh could not run ${w.releaseCommand} on agent ${agent} (${host}): ${r.failed.map((f) => f.message).join('; ') || r.message}`, details);
      return { status: 'executed', reason: `${why}: isolation of ${host} lifted through Wazuh`, details: { ...details, wazuh: { agent, command: w.releaseCommand } } };
    } catch (e) {
      if (e instanceof AdapterError) return e.retryable ? retryableFailure(e.message) : { status: 'failed', reason: e.message, details };
      throw e;
    }
  },
  async run(input, ctx) {
    const refusal = ctx.guards.hostRefusal(input.host);
    if (refusal) return { status: 'refused', reason: refusal, details: { host: input.host } };
    const reason = input.reason || `case #${ctx.case.number}: ${ctx.case.title}`;
    const containment = { host: input.host, mode: 'network-isolation', case: ctx.case.number, requestedAt: ctx.clock.now().toISOString() };
    const cfg = ctx.config;
    if (ctx.dryRun || cfg.adapter === 'none') {
      return {
        status: 'simulated',
        reason,
        details: {
          containment,
          note: cfg.adapter === 'none' ? 'Simulated: the host was not isolated. Configure an EDR or Wazuh active-response adapter to enforce containment.' : 'Dry run: the wazuh adapter was not called.',
        },
        outputs: { host: input.host, adapter: cfg.adapter },
      };
    }
    const w = cfg.wazuh!;
    try {
      const api = new WazuhApi(w, { fetch: ctx.services.fetch, env: ctx.services.env, now: () => ctx.clock.now().getTime() });
      const agent = await api.agentId(input.host, ctx.signal);
      if (!agent) return { status: 'failed', reason: `no Wazuh agent is named ${input.host}`, details: { containment } };
      const r = await api.activeResponse({ agents: [agent.id], command: w.command, arguments: w.arguments, alert: { data: { host: input.host, case: ctx.case.number } }, signal: ctx.signal });
      if (r.failed.length || !r.affected.includes(agent.id)) {
        return retryableFailure(`Wazuh could not run ${w.command} on agent ${agent.id} (${input.host}): ${r.failed.map((f) => f.message).join('; ') || r.message}`, { containment });
      }
      return { status: 'executed', reason, details: { containment, wazuh: { agent: agent.id, command: w.command, message: r.message } }, outputs: { host: input.host, adapter: 'wazuh', agent: agent.id } };
    } catch (e) {
      if (e instanceof AdapterError) return e.retryable ? retryableFailure(e.message) : { status: 'failed', reason: e.message, details: { containment } };
      throw e;
    }
  },
});
