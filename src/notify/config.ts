import { z } from 'zod';
import { Duration } from '../core/clock.js';
import { Severity } from '../core/types.js';
import { CASE_EVENTS } from './payload.js';
import { getChannel, NOTIFICATION_CHANNELS } from './registry.js';
import { TEMPLATE_NAMES } from './templates.js';

/** A channel's name in config: a channel id (`slack`) or a name given in `channelSettings` (`soc-slack`). */
const ChannelName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a channel name (letters, digits, - and _)');

const HHMM = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a time such as 22:00');
export const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const Day = z.enum(DAYS);

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const QuietWindow = z.strictObject({
  /** Local time the quiet period starts (`22:00`). */
  start: HHMM,
  /** Local time it ends (`07:00`; earlier than `start` means the next morning; equal to `start` means the whole day). */
  end: HHMM,
  /** Days on which the period starts (default every day). */
  days: z.array(Day).min(1).optional(),
});

export const QuietHoursConfig = z
  .strictObject({
    /** IANA time zone the times are in (`Europe/Paris`); daylight saving is followed. */
    timezone: z.string().refine(isTimeZone, 'is not a known IANA time zone (such as Europe/Paris or UTC)').default('UTC'),
    start: HHMM.optional(),
    end: HHMM.optional(),
    days: z.array(Day).min(1).optional(),
    /** Several periods (a nightly one and the weekend); instead of start/end/days. */
    windows: z.array(QuietWindow).min(1).max(20).optional(),
  })
  .refine((q) => (q.start !== undefined && q.end !== undefined) !== (q.windows !== undefined), {
    message: 'set either start and end (such as 22:00 and 07:00) or a list of windows',
  });
export type QuietHoursConfig = z.infer<typeof QuietHoursConfig>;

export const RouteConfig = z.strictObject({
  /** Shown on the timeline, in the stored notification and in the webhook document. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a short name (letters, digits, - _ .)'),
  /** Every condition given must hold; a list matches when any of its entries does. */
  match: z
    .strictObject({
      /** Lowest case severity (default `notify.minSeverity`). */
      minSeverity: Severity.optional(),
      /** Highest case severity (route LOW/MEDIUM to a digest channel, say). */
      maxSeverity: Severity.optional(),
      /** Alert sources, any of (`wazuh`, `suricata`, `sigma`, …). */
      sources: z.array(z.string().min(1)).min(1).optional(),
      /** Case tags, any of (rule groups such as `authentication_failures`). */
      tags: z.array(z.string().min(1)).min(1).optional(),
      /** Host name patterns (`*` wildcard), any of. */
      hosts: z.array(z.string().min(1)).min(1).optional(),
      /**
       * What changed: `opened`, `escalated` (severity rose), `updated` (new alerts). Default opened
       * and escalated; listing `updated` re-notifies on new alerts, at most once per throttle window.
       */
      events: z.array(z.enum(CASE_EVENTS)).min(1).optional(),
      /** Case status, any of (`New`, `InProgress`). */
      status: z.array(z.string().min(1)).min(1).optional(),
      /** A playbook step of the case ended so, any of (`refused`, `failed` to page when automation could not act). */
      playbookOutcome: z.array(z.enum(['simulated', 'executed', 'refused', 'failed', 'skipped', 'joined'])).min(1).optional(),
      /** Only outcomes of these actions count for `playbookOutcome` (`block-ip`). */
      playbookAction: z.array(z.string().min(1)).min(1).optional(),
    })
    .prefault({}),
  /** Channel names to send to. */
  channels: z.array(ChannelName).min(1),
  /** Message layout: `standard`, `brief` or `full`. */
  template: z.enum(TEMPLATE_NAMES).default('standard'),
  /** Batch severities listed in `notify.digest.severities` into the digest (when a digest is configured). */
  digest: z.boolean().default(true),
  /** Hold non-CRITICAL messages during `notify.quietHours`. */
  quietHours: z.boolean().default(true),
  /** Overrides `notify.throttle` for this route. */
  throttle: Duration.optional(),
  /** Stop looking at later routes when this one matches. */
  final: z.boolean().default(false),
});
export type RouteConfig = z.infer<typeof RouteConfig>;

export const DigestConfig = z.strictObject({
  /** Severities batched instead of sent one by one. */
  severities: z.array(Severity).min(1).default(['LOW', 'MEDIUM']),
  /** A digest goes out once its oldest case has waited this long (and at the end of `vigil run`). */
  interval: Duration.default(3_600_000),
  /** Most cases in one digest message; more make further digests. */
  maxCases: z.number().int().min(1).max(500).default(100),
});
export type DigestConfig = z.infer<typeof DigestConfig>;

export const RetryConfig = z.strictObject({
  /** Attempts in all before a notification becomes a dead letter. */
  attempts: z.number().int().min(1).max(50).default(8),
  /** Attempts made while the pipeline waits; later ones are scheduled and made by `vigil notify retry` or the server. */
  quickAttempts: z.number().int().min(1).max(5).default(2),
  /** The longest wait the pipeline accepts between quick attempts; a longer Retry-After schedules the retry instead. */
  quickMaxWait: Duration.default(5_000),
  /** First wait; each further one is four times longer. */
  backoff: Duration.default(2_000),
  /** Longest wait between attempts. */
  maxBackoff: Duration.default(3_600_000),
});
export type RetryConfig = z.infer<typeof RetryConfig>;

/** `notify:` in vigil.yaml. Only `minSeverity` and `channels` have defaults, so a config without the rest parses to exactly those. */
export const NotifyConfig = z
  .strictObject({
    /** Cases at or above this severity produce a notification (and the floor for routes without their own). */
    minSeverity: Severity.default('HIGH'),
    /** Channels every notification goes to when no `routes` are configured; `outbox` writes files under `<out>/outbox/`. */
    channels: z.array(ChannelName).default(['outbox']),
    /**
     * Settings per channel name: `slack: {urlEnv: VIGIL_SLACK_WEBHOOK}`, or a name of your own with
     * `type: slack` to have several of one kind. Each channel validates its own settings.
     */
    channelSettings: z.record(ChannelName, z.record(z.string(), z.unknown())).optional(),
    /** YAML or JSON mapping of secret names to values, for `…Ref` settings. */
    secretsFile: z.string().optional(),
    /** Link to a case for messages: `https://vigil.example.org/cases/{number}` (`{id}` also works). */
    caseUrl: z
      .string()
      .regex(/^https?:\/\/[^\s<>|]+$/, 'must be an http(s) URL without spaces')
      .refine((u) => u.includes('{number}') || u.includes('{id}'), 'must contain {number} or {id}')
      .optional(),
    /** Routing rules, checked in order; without them every case ≥ minSeverity goes to `channels`. */
    routes: z.array(RouteConfig).max(100).optional(),
    /** Periods when only CRITICAL is sent at once; the rest waits for the end of the period (or the digest). */
    quietHours: QuietHoursConfig.optional(),
    /** Batch LOW/MEDIUM cases into a periodic summary. Off unless set. */
    digest: DigestConfig.optional(),
    /** After a case notifies a channel, updates at the same severity stay quiet this long (routes with `events: [updated]`). Default 1h. */
    throttle: Duration.optional(),
    /** Retries and dead letters. */
    retry: RetryConfig.optional(),
  })
  .superRefine((n, ctx) => {
    const settings = n.channelSettings ?? {};
    const known = new Set(NOTIFICATION_CHANNELS.map((c) => c.id));
    for (const [name, raw] of Object.entries(settings)) {
      const type = typeof raw.type === 'string' ? raw.type : name;
      const def = getChannel(type);
      if (!def) {
        ctx.addIssue({ code: 'custom', path: ['channelSettings', name, ...(raw.type !== undefined ? ['type'] : [])], message: `unknown channel type "${type}" (known: ${[...known].join(', ')}); a name of your own needs type:` });
        continue;
      }
      const { type: _t, ...rest } = raw;
      const r = def.configSchema.safeParse(rest);
      if (!r.success) {
        for (const i of r.error.issues) {
          const keys = i.code === 'unrecognized_keys' ? (i as { keys: string[] }).keys : [];
          ctx.addIssue({ code: 'custom', path: ['channelSettings', name, ...i.path, ...keys.slice(0, 1)], message: keys.length ? `unknown setting for a ${type} channel` : i.message });
        }
      }
    }
    const checkRef = (name: string, path: Array<string | number>): void => {
      if (settings[name]) return;
      const def = getChannel(name);
      if (!def) {
        ctx.addIssue({ code: 'custom', path, message: `unknown channel "${name}": use one of ${[...known].join(', ')} or a name defined under notify.channelSettings` });
        return;
      }
      const r = def.configSchema.safeParse({});
      if (!r.success) ctx.addIssue({ code: 'custom', path, message: `channel "${name}" needs settings under notify.channelSettings.${name}: ${r.error.issues[0]!.message}` });
    };
    n.channels.forEach((c, i) => checkRef(c, ['channels', i]));
    const names = new Set<string>();
    (n.routes ?? []).forEach((r, i) => {
      if (names.has(r.name)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'name'], message: `route name "${r.name}" is used twice` });
      names.add(r.name);
      r.channels.forEach((c, j) => checkRef(c, ['routes', i, 'channels', j]));
    });
  });
export type NotifyConfig = z.infer<typeof NotifyConfig>;

/** `notify` with every default filled in, as the dispatcher uses it. */
export interface NotifySettings {
  minSeverity: Severity;
  channels: string[];
  channelSettings: Record<string, Record<string, unknown>>;
  caseUrl: string | undefined;
  routes: RouteConfig[] | undefined;
  quietHours: QuietHoursConfig | undefined;
  digest: DigestConfig | undefined;
  throttleMs: number;
  retry: RetryConfig;
}

export function notifySettings(n: NotifyConfig): NotifySettings {
  return {
    minSeverity: n.minSeverity,
    channels: n.channels,
    channelSettings: n.channelSettings ?? {},
    caseUrl: n.caseUrl,
    routes: n.routes,
    quietHours: n.quietHours,
    digest: n.digest,
    throttleMs: n.throttle ?? 3_600_000,
    retry: n.retry ?? RetryConfig.parse({}),
  };
}

/** Every channel name the config sends to: `channels` and every route's. */
export function channelNamesInUse(n: Pick<NotifySettings, 'channels' | 'routes'>): string[] {
  return [...new Set([...(n.routes ? [] : n.channels), ...(n.routes ?? []).flatMap((r) => r.channels)])];
}
