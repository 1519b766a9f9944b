import type { OutgoingNotification } from '../../channel.js';
import { defang, defangText, discordEscape, fit, plural, severityColourInt } from '../../format.js';
import { isDigest, type CaseDigestV1, type CaseNotificationV1 } from '../../payload.js';

/** Discord's documented embed limits. */
export const DISCORD_LIMITS = {
  embeds: 10,
  total: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  content: 2000,
} as const;

export interface DiscordEmbed {
  title: string;
  description?: string;
  url?: string;
  color: number;
  fields: Array<{ name: string; value: string; inline?: boolean }>;
  footer: { text: string };
  timestamp?: string;
}

export interface DiscordMessage {
  content?: string;
  username?: string;
  avatar_url?: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: Array<'everyone' | 'roles' | 'users'>; roles?: string[]; users?: string[] };
}

export interface DiscordOptions {
  maxObservables: number;
  defang: boolean;
  username?: string | undefined;
  avatarUrl?: string | undefined;
  mentionOnCritical?: string | undefined;
}

// Escaped for Discord markdown, and URLs in free text defanged: Discord links any http:// it sees.
const esc = (s: string): string => discordEscape(defangText(s));

/** The characters Discord counts against the 6,000 limit. */
export function embedChars(e: DiscordEmbed): number {
  return e.title.length + (e.description?.length ?? 0) + e.footer.text.length + e.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
}

function listValue(items: string[], more: (hidden: number) => string, alsoHidden = 0): string {
  let out = '';
  let shown = 0;
  for (const l of items) {
    const line = fit(l, DISCORD_LIMITS.fieldValue - 40);
    if (out.length + line.length + 1 > DISCORD_LIMITS.fieldValue - 40) break;
    out += `${out ? '\n' : ''}${line}`;
    shown++;
  }
  const hidden = items.length - shown + alsoHidden;
  if (hidden > 0) out += `${out ? '\n' : ''}${more(hidden)}`;
  return out || '—';
}

function caseEmbed(d: CaseNotificationV1, brief: boolean, opts: DiscordOptions): DiscordEmbed {
  const c = d.case;
  const where = c.url ? `[the report](${c.url})` : esc(d.report.html);
  const fields: DiscordEmbed['fields'] = [
    { name: 'Severity', value: `${c.severity} (score ${c.score})`, inline: true },
    { name: 'Case', value: `#${c.number} · ${esc(c.status)} · ${d.event}`, inline: true },
    { name: 'Alerts', value: fit(`${c.alertCount} from ${esc(c.sources.join(', ') || '—')}`, DISCORD_LIMITS.fieldValue), inline: true },
    { name: 'Hosts', value: fit(esc(c.hosts.join(', ') || '—'), DISCORD_LIMITS.fieldValue), inline: true },
  ];
  if (d.mitre.length) fields.push({ name: 'MITRE ATT&CK', value: fit(d.mitre.map((m) => m.id).join(', '), DISCORD_LIMITS.fieldValue), inline: true });
  const flagged = d.observables.filter((o) => o.verdict !== null || o.scope === 'public');
  const obs = (flagged.length ? flagged : d.observables).slice(0, brief ? 3 : opts.maxObservables);
  if (obs.length) {
    const linesOf = obs.map((o) => {
      const v = (opts.defang ? defang(o.type, o.value) : o.value).replace(/`/g, "'");
      return `${o.type} \`${fit(v, 200)}\`${o.verdict ? ` — **${o.verdict}**${o.score !== null ? ` (${o.score})` : ''}` : o.scope && o.scope !== 'public' ? ` — ${o.scope}` : ''}`;
    });
    fields.push({ name: 'Observables', value: listValue(linesOf, (h) => `…${h} more in ${where}`, Math.max(0, d.observableCount - obs.length)) });
  }
  if (!brief && d.actions.length) {
    fields.push({ name: 'Response', value: listValue(d.actions.map((a) => `**${a.status.toUpperCase()}** ${esc(a.action)} ${esc(a.target)}${a.reason ? ` — ${esc(a.reason)}` : ''}`), (h) => `…${h} more in ${where}`) });
  }
  let description = '';
  if (!brief) {
    const reasons = d.reasons.slice().sort((a, b) => b.delta - a.delta).slice(0, 5).map((r) => `${r.delta >= 0 ? '+' : ''}${r.delta} ${esc(r.factor)}: ${esc(r.detail)}`);
    description = [esc(c.summary), reasons.length ? `**Why ${c.severity}**\n${reasons.join('\n')}` : ''].filter(Boolean).join('\n\n');
  }
  const embed: DiscordEmbed = {
    title: fit(defangText(d.subject), DISCORD_LIMITS.title),
    color: severityColourInt(c.severity),
    fields: fields.slice(0, DISCORD_LIMITS.fields),
    footer: { text: fit(`Vigil · ${d.route} · ${defangText(d.report.html)} · ${d.id}`, DISCORD_LIMITS.footer) },
    timestamp: d.createdAt,
  };
  if (c.url) embed.url = c.url;
  if (description) embed.description = fit(description, DISCORD_LIMITS.description, `…\nMore in ${where}`);
  return embed;
}

function digestEmbed(d: CaseDigestV1, opts: DiscordOptions): DiscordEmbed {
  const rows = d.cases.map((c) => {
    const top = c.top ? ` — \`${fit((opts.defang ? defang(c.top.type, c.top.value) : c.top.value).replace(/`/g, "'"), 120)}\`` : '';
    const num = c.url ? `[#${c.number}](${c.url})` : `#${c.number}`;
    return `**${c.severity}** ${num} ${esc(fit(c.title, 200))} (${plural(c.alertCount, 'alert')})${top}`;
  });
  let description = '';
  let shown = 0;
  for (const r of rows) {
    if (description.length + r.length + 1 > DISCORD_LIMITS.description - 60) break;
    description += `${description ? '\n' : ''}${r}`;
    shown++;
  }
  if (shown < rows.length) description += `\n…${plural(rows.length - shown, 'more case')} in the outbox and reports`;
  return {
    title: fit(defangText(d.subject), DISCORD_LIMITS.title),
    description,
    color: severityColourInt(d.cases.reduce((s, c) => (c.severity === 'MEDIUM' ? 'MEDIUM' : s), 'LOW' as 'LOW' | 'MEDIUM')),
    fields: [],
    footer: { text: fit(`Vigil digest · ${d.id}`, DISCORD_LIMITS.footer) },
    timestamp: d.createdAt,
  };
}

/** Keeps the embed under Discord's 6,000-character total: the description shrinks first, then fields go from the end. */
function withinTotal(e: DiscordEmbed): DiscordEmbed {
  let over = embedChars(e) - DISCORD_LIMITS.total;
  if (over > 0 && e.description) {
    const keep = Math.max(200, e.description.length - over);
    e.description = fit(e.description, keep);
    over = embedChars(e) - DISCORD_LIMITS.total;
  }
  while (over > 0 && e.fields.length) {
    e.fields.pop();
    over = embedChars(e) - DISCORD_LIMITS.total;
  }
  if (over > 0 && e.description) e.description = fit(e.description, Math.max(1, e.description.length - over));
  return e;
}

/** The execute-webhook body: one embed per notification, and pings only for CRITICAL when configured. */
export function discordMessage(n: OutgoingNotification, opts: DiscordOptions): DiscordMessage {
  const embed = withinTotal(isDigest(n.data) ? digestEmbed(n.data, opts) : caseEmbed(n.data as unknown as CaseNotificationV1, n.template === 'brief', opts));
  const msg: DiscordMessage = { embeds: [embed], allowed_mentions: { parse: [] } };
  if (n.severity === 'CRITICAL' && opts.mentionOnCritical) {
    const m = opts.mentionOnCritical;
    msg.content = m;
    const role = /^<@&(\d+)>$/.exec(m);
    const user = /^<@(\d+)>$/.exec(m);
    if (role) msg.allowed_mentions.roles = [role[1]!];
    else if (user) msg.allowed_mentions.users = [user[1]!];
    else msg.allowed_mentions.parse = ['everyone'];
  }
  if (opts.username) msg.username = opts.username;
  if (opts.avatarUrl) msg.avatar_url = opts.avatarUrl;
  return msg;
}
