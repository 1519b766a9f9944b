import type { Clock } from '../core/clock.js';
import { describeZodIssues, VigilError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Repo } from '../store/repo.js';
import { channelNamesInUse, notifySettings, type NotifyConfig } from './config.js';
import { Notifier, type ChannelEntry } from './dispatcher.js';
import { getChannel } from './registry.js';
import { Secrets } from './secrets.js';

export interface NotifierOptions {
  repo: Repo;
  notify: NotifyConfig;
  outDir: string;
  clock: Clock;
  fetch: typeof fetch;
  log: Logger;
  /** Where `…Env` settings are read (default process.env). */
  env?: Record<string, string | undefined>;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Build the channels the config sends to at once (default), so a missing secret stops start-up.
   * Off for commands that may touch only some channels (`vigil notify retry ID`).
   */
  eager?: boolean;
}

/**
 * The notifier for one output folder, with its channels built from `notify` config: each name is a
 * channel id or a name under `notify.channelSettings` (with `type:`). Channels the config sends to
 * are built at once, so a missing secret stops start-up with the setting named instead of losing
 * notifications later; others (`vigil notify test NAME`) are built when first asked for.
 */
export function createNotifier(o: NotifierOptions): Notifier {
  const settings = notifySettings(o.notify);
  const secrets = Secrets.load({ env: o.env ?? process.env, file: o.notify.secretsFile });
  const built = new Map<string, ChannelEntry>();
  const channel = (name: string): ChannelEntry => {
    const have = built.get(name);
    if (have) return have;
    const raw = settings.channelSettings[name];
    const type = typeof raw?.type === 'string' ? raw.type : name;
    const field = raw ? `notify.channelSettings.${name}` : 'notify.channels';
    const def = getChannel(type);
    if (!def) throw new VigilError('VIGIL_PLUGIN_UNKNOWN', `unknown notification channel "${name}"`, { field });
    const { type: _t, ...rest } = raw ?? {};
    const parsed = def.configSchema.safeParse(rest);
    if (!parsed.success) {
      const why = describeZodIssues(parsed.error.issues);
      throw new VigilError('VIGIL_CONFIG_INVALID', raw ? `channel ${name}: ${why}` : `channel ${name} needs settings under notify.channelSettings.${name}: ${why}`, { field: `notify.channelSettings.${name}` });
    }
    const made = def.create(parsed.data, { outDir: o.outDir, clock: o.clock, fetch: o.fetch, secrets });
    if ('disabled' in made) throw new VigilError('VIGIL_CONFIG_INVALID', `channel ${name} is not configured: ${made.disabled}`, { field });
    const entry = { name, type, instance: made };
    built.set(name, entry);
    return entry;
  };
  if (o.eager !== false) for (const name of channelNamesInUse(settings)) channel(name);
  return new Notifier({ repo: o.repo, settings, channel, outDir: o.outDir, clock: o.clock, log: o.log, secrets, ...(o.sleep && { sleep: o.sleep }) });
}
