import type { Severity } from '../../../core/types.js';
import type { OutgoingNotification } from '../../channel.js';
import { defang, defangText, fit, plural, SEVERITY_COLOURS, SEVERITY_EMOJI, slackEscape } from '../../format.js';
import { isDigest, type CaseDigestV1, type CaseNotificationV1 } from '../../payload.js';

/** Slack's documented Block Kit limits for a message. */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  buttonText: 75,
  url: 3000,
  /** Top-level `text` (the notification fallback) is cut by Slack beyond 40,000; we stay far below. */
  text: 3000,
} as const;

type Text = { type: 'mrkdwn' | 'plain_text'; text: string; emoji?: boolean };
export type SlackBlock =
  | { type: 'header'; text: Text }
  | { type: 'section'; text?: Text; fields?: Text[] }
  | { type: 'context'; elements: Text[] }
  | { type: 'actions'; elements: Array<{ type: 'button'; text: Text; url: string; style?: 'primary' | 'danger' }> }
  | { type: 'divider' };

export interface SlackMessage {
  text: string;
  attachments: Array<{ color: string; blocks: SlackBlock[] }>;
  /** Off: Slack would otherwise fetch attacker URLs from the message to preview them. */
  unfurl_links: false;
  unfurl_media: false;
  username?: string;
  icon_emoji?: string;
}

export interface SlackOptions {
  maxObservables: number;
  defang: boolean;
  username?: string | undefined;
  iconEmoji?: string | undefined;
  mentionOnCritical?: string | undefined;
}

const md = (text: string): Text => ({ type: 'mrkdwn', text });
// Escaped for mrkdwn, and URLs in free text defanged: Slack links any http:// it sees.
const esc = (s: string): string => slackEscape(defangText(s));

function link(url: string | null, label: string): string {
  // A link in mrkdwn is `<url|label>`: the URL must not carry `|` or `>` of its own.
  return url && url.length <= SLACK_LIMITS.url && !/[|<>\s]/.test(url) ? `<${url}|${esc(label)}>` : esc(label);
}

/** Fits text into one section; what is cut is replaced by a pointer to the full report. */
function section(text: string, more: string): SlackBlock {
  const t = text.length <= SLACK_LIMITS.sectionText ? text : `${fit(text, SLACK_LIMITS.sectionText - more.length - 2, '')}\n…${more}`;
  return { type: 'section', text: md(t) };
}

function lines(items: string[], limit: number, more: string): string {
  let out = '';
  let shown = 0;
  for (const l of items) {
    if (out.length + l.length + 1 > limit - more.length - 4) break;
    out += `${out ? '\n' : ''}${l}`;
    shown++;
  }
  if (shown < items.length) out += `\n…${items.length - shown} more ${more}`;
  return out;
}

function observableLine(o: CaseNotificationV1['observables'][number], opts: SlackOptions): string {
  const value = (opts.defang ? defang(o.type, o.value) : o.value).replace(/`/g, "'");
  const verdict = o.verdict ? ` — *${esc(o.verdict)}*${o.score !== null ? ` (${o.score})` : ''}` : o.scope && o.scope !== 'public' ? ` — ${esc(o.scope)}` : '';
  return `• ${esc(o.type)} \`${esc(fit(value, 300))}\`${verdict}`;
}

function caseBlocks(d: CaseNotificationV1, brief: boolean, opts: SlackOptions): SlackBlock[] {
  const c = d.case;
  const reportLabel = c.url ? `full report: ${link(c.url, `case #${c.number}`)}` : `full report: ${esc(d.report.html)}`;
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: fit(defangText(d.subject), SLACK_LIMITS.headerText), emoji: false } }];
  const fields: Array<[string, string]> = [
    ['Severity', `${SEVERITY_EMOJI[c.severity]} ${c.severity} (score ${c.score})`],
    ['Case', `${link(c.url, `#${c.number}`)} · ${esc(c.status)} · ${esc(d.event)}`],
    ['Hosts', esc(c.hosts.join(', ') || '—')],
    ['Alerts', `${c.alertCount} from ${esc(c.sources.join(', ') || '—')}`],
  ];
  if (d.mitre.length) fields.push(['MITRE ATT&CK', esc(d.mitre.map((m) => m.id).join(', '))]);
  blocks.push({ type: 'section', fields: fields.slice(0, SLACK_LIMITS.fields).map(([k, v]) => md(fit(`*${esc(k)}*\n${v}`, SLACK_LIMITS.fieldText))) });
  if (!brief) {
    if (c.summary) blocks.push(section(`*What happened*\n${esc(c.summary)}`, ` ${reportLabel}`));
    const reasons = d.reasons.slice().sort((a, b) => b.delta - a.delta).map((r) => `• ${r.delta >= 0 ? '+' : ''}${r.delta} ${esc(r.factor)}: ${esc(r.detail)}`);
    if (reasons.length) blocks.push(section(`*Why ${c.severity}*\n${lines(reasons, SLACK_LIMITS.sectionText - 20, `in the ${reportLabel}`)}`, ` ${reportLabel}`));
  }
  const obs = d.observables.filter((o) => o.verdict !== null || (o.scope === 'public'));
  const shownObs = (obs.length ? obs : d.observables).slice(0, brief ? 3 : opts.maxObservables);
  if (shownObs.length) {
    const hidden = d.observableCount - shownObs.length;
    const body = shownObs.map((o) => observableLine(o, opts)).join('\n') + (hidden > 0 ? `\n…${plural(hidden, 'more observable')} in the ${reportLabel}` : '');
    blocks.push(section(`*Observables*\n${body}`, ` ${reportLabel}`));
  }
  if (!brief && d.actions.length) {
    const acts = d.actions.map((a) => `• *${esc(a.status.toUpperCase())}* ${esc(a.action)} ${esc(a.target)}${a.reason ? ` — ${esc(a.reason)}` : ''}`);
    blocks.push(section(`*Response*\n${lines(acts, SLACK_LIMITS.sectionText - 20, `in the ${reportLabel}`)}`, ` ${reportLabel}`));
  }
  if (c.url && c.url.length <= SLACK_LIMITS.url) {
    blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: fit(`Open case #${c.number}`, SLACK_LIMITS.buttonText) }, url: c.url, style: c.severity === 'CRITICAL' ? 'danger' : 'primary' }] });
  }
  blocks.push({ type: 'context', elements: [md(fit(`Vigil · ${esc(d.route)} · ${c.url ? link(c.url, 'report') : esc(d.report.html)} · ${esc(d.id)}`, SLACK_LIMITS.sectionText))] });
  return blocks;
}

function digestBlocks(d: CaseDigestV1, opts: SlackOptions): SlackBlock[] {
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: fit(defangText(d.subject), SLACK_LIMITS.headerText), emoji: false } }];
  const rows = d.cases.map((c) => {
    const top = c.top ? ` — \`${esc(fit((opts.defang ? defang(c.top.type, c.top.value) : c.top.value).replace(/`/g, "'"), 200))}\`${c.top.verdict ? ` ${esc(c.top.verdict)}` : ''}` : '';
    return `• *${c.severity}* ${link(c.url, `#${c.number}`)} ${esc(fit(c.title, 300))} (${plural(c.alertCount, 'alert')})${top}`;
  });
  // One section per ~3000 characters of rows, leaving room for the header and the closing context block.
  const maxSections = SLACK_LIMITS.blocks - 2;
  const sections: string[] = [];
  let current = '';
  let shown = 0;
  for (const r of rows) {
    const row = fit(r, SLACK_LIMITS.sectionText);
    if (current && current.length + row.length + 1 > SLACK_LIMITS.sectionText) {
      sections.push(current);
      current = '';
      if (sections.length >= maxSections) break;
    }
    current += `${current ? '\n' : ''}${row}`;
    shown++;
  }
  if (current) sections.push(current);
  for (const t of sections) blocks.push({ type: 'section', text: md(t) });
  const hidden = d.count - shown;
  blocks.push({ type: 'context', elements: [md(`Vigil digest · ${esc(d.id)}${hidden > 0 ? ` · ${plural(hidden, 'more case')} in the outbox and reports` : ''}`)] });
  return blocks;
}

/** The incoming-webhook body for one notification: fallback text plus a coloured attachment of blocks. */
export function slackMessage(n: OutgoingNotification, opts: SlackOptions): SlackMessage {
  const data = n.data;
  const blocks = isDigest(data) ? digestBlocks(data, opts) : caseBlocks(data as unknown as CaseNotificationV1, n.template === 'brief', opts);
  const severity: Severity = n.severity;
  const mention = severity === 'CRITICAL' && opts.mentionOnCritical ? `${opts.mentionOnCritical} ` : '';
  const msg: SlackMessage = {
    text: fit(`${mention}${esc(n.subject)}`, SLACK_LIMITS.text),
    attachments: [{ color: SEVERITY_COLOURS[severity], blocks: blocks.slice(0, SLACK_LIMITS.blocks) }],
    unfurl_links: false,
    unfurl_media: false,
  };
  if (opts.username) msg.username = opts.username;
  if (opts.iconEmoji) msg.icon_emoji = opts.iconEmoji;
  return msg;
}
