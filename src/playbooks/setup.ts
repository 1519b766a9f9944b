import { Assessor } from '../assess/index.js';
import type { VigilConfig } from '../config.js';
import type { Clock } from '../core/clock.js';
import { describeZodIssues, VigilError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Observable } from '../core/types.js';
import { IntelEngine, observableKey } from '../intel/engine.js';
import { ipScope } from '../ioc/classify.js';
import type { OutgoingNotification } from '../notify/channel.js';
import { notifySettings } from '../notify/config.js';
import { getChannel } from '../notify/registry.js';
import { Secrets } from '../notify/secrets.js';
import type { Repo } from '../store/repo.js';
import type { ActionServices, EnrichAnswer, PlaybookMessage } from './action.js';
import { PlaybookEngine } from './engine.js';
import { createGuards } from './guards.js';
import type { HostIdentities } from '../core/identity.js';
import type { Playbook } from './schema.js';
import { PlaybookStore } from './store.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Sends playbook messages through the notification channels configured under `notify` (a channel
 * id such as `outbox`, or a name under notify.channelSettings), built the way the notifier builds
 * them, with their secrets from the environment or the secrets file.
 */
export function channelSender(o: { notify: VigilConfig['notify']; outDir: string; clock: Clock; fetch: typeof fetch; env?: Record<string, string | undefined> }): (name: string, m: PlaybookMessage) => Promise<{ location: string }> {
  const settings = notifySettings(o.notify);
  let secrets: Secrets | undefined;
  const built = new Map<string, { send(n: OutgoingNotification): Promise<{ location: string }> }>();
  const channel = (name: string) => {
    const have = built.get(name);
    if (have) return have;
    const raw = Object.hasOwn(settings.channelSettings, name) ? settings.channelSettings[name] : undefined;
    const type = typeof raw?.type === 'string' ? raw.type : name;
    const def = getChannel(type);
    if (!def) throw new VigilError('VIGIL_PLUGIN_UNKNOWN', `unknown notification channel "${name}" (configure it under notify.channelSettings)`);
    const { type: _t, ...rest } = raw ?? {};
    const parsed = def.configSchema.safeParse(rest);
    if (!parsed.success) throw new VigilError('VIGIL_CONFIG_INVALID', `channel ${name}: ${describeZodIssues(parsed.error.issues)}`, { field: `notify.channelSettings.${name}` });
    secrets ??= Secrets.load({ env: o.env ?? process.env, file: o.notify.secretsFile });
    const made = def.create(parsed.data, { outDir: o.outDir, clock: o.clock, fetch: o.fetch, secrets });
    if ('disabled' in made) throw new VigilError('VIGIL_CONFIG_INVALID', `channel ${name} is not configured: ${made.disabled}`, { field: `notify.channelSettings.${name}` });
    built.set(name, made);
    return made;
  };
  return async (name, m) =>
    channel(name).send({
      id: m.id,
      caseId: m.caseId,
      caseNumber: m.caseNumber,
      severity: m.severity,
      subject: m.subject,
      text: m.text,
      html: `<pre style="white-space:pre-wrap">${escapeHtml(m.text)}</pre>`,
      data: m.data,
      template: 'brief',
      attachments: [],
    });
}

/** What `createPlaybookEngine` needs from the app (`App` satisfies it). */
export interface EngineHost {
  config: VigilConfig;
  repo: Repo;
  clock: Clock;
  log: Logger;
  playbooks: Playbook[];
  intel?: IntelEngine;
  /** Canonical host identities: allowlist patterns are matched against every name of a host. */
  hosts?: Pick<HostIdentities, 'namesOf' | 'canonical'>;
}

/**
 * The playbook engine over the app's store, config, intel and notification channels. Throws a
 * config error naming the field when `playbooks.actions` is invalid.
 */
export function createPlaybookEngine(app: EngineHost, opts: { outDir?: string; fetch?: typeof fetch; env?: Record<string, string | undefined>; dryRunAll?: boolean } = {}): PlaybookEngine {
  const outDir = opts.outDir ?? app.config.out;
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const env = opts.env ?? process.env;
  const store = new PlaybookStore(app.repo.db);
  const assessor = new Assessor(app.config.assess);
  const services: ActionServices = {
    fetch: fetchFn,
    env,
    log: app.log,
    notify: channelSender({ notify: app.config.notify, outDir, clock: app.clock, fetch: fetchFn, env }),
    async enrich(refs, o) {
      // Read at call time: a feed reload replaces the app's intel engine.
      const intel = app.intel;
      if (!intel) throw new Error('no intel engine is available');
      const wanted = refs
        .map((r) => ({ ...r, ...((r.type === 'ipv4' || r.type === 'ipv6') && r.scope === undefined && { scope: ipScope(r.value) }) }) as Observable)
        .filter((r) => IntelEngine.enrichable(r));
      const found = await intel.enrichMany(wanted, { ...(o.providers && { providers: o.providers }), cache: false });
      const answers: EnrichAnswer[] = [];
      const raw = new Map<string, unknown[]>();
      for (const r of wanted) {
        const e = found.get(observableKey(r));
        if (!e) continue;
        answers.push({ type: r.type, value: r.value, verdict: e.risk.verdict, score: e.risk.score, evidence: e.risk.evidence.slice(0, 5), providers: e.results.map((x) => x.provider) });
        raw.set(observableKey(r), e.results.map(({ raw: _raw, ...x }) => x));
      }
      await store.saveVerdicts(answers, raw);
      return answers;
    },
  };
  return new PlaybookEngine({
    playbooks: app.playbooks,
    settings: app.config.playbooks,
    guards: createGuards(app.config.playbooks, app.hosts ? (h) => app.hosts!.namesOf(h) : undefined),
    clock: app.clock,
    log: app.log,
    services,
    store,
    outDir,
    criticalityOf: (h) => assessor.criticalityOf(h)?.criticality,
    ...(app.hosts && { canonicalHost: (h: string) => app.hosts!.canonical(h) }),
    ...(opts.dryRunAll && { dryRunAll: true }),
  });
}
