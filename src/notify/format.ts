// Text helpers shared by the channels. Alert data is attacker-controlled: every string that reaches
// a chat message goes through the escaping for that service, and indicators are defanged so a
// malicious URL is never one tap away in a phone notification.
import type { Severity } from '../core/types.js';
import { SEVERITY_COLOURS } from '../reports/templates/report-css.js';

export { SEVERITY_COLOURS };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Slack mrkdwn: `&`, `<`, `>` are the control characters (`<!channel>`, `<url|text>`). */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Discord markdown: a backslash before every formatting character, so `[x](url)` cannot become a masked link. */
export function discordEscape(s: string): string {
  return s.replace(/([\\*_~`|>[\]()#@<])/g, '\\$1');
}

/** `hxxps://evil[.]example/x`, `user[@]evil[.]example`, `evil[.]example`: readable, not clickable. */
export function defang(type: string, value: string): string {
  if (type === 'url') {
    return value.replace(/^http/i, (m) => m.replace(/t/gi, (t) => (t === 'T' ? 'X' : 'x'))).replace(/^([a-z]+:\/\/)([^/?#]*)/i, (_m, scheme: string, host: string) => scheme + host.replace(/\./g, '[.]'));
  }
  if (type === 'domain') return value.replace(/\./g, '[.]');
  if (type === 'email') {
    const at = value.lastIndexOf('@');
    return at < 0 ? value : `${value.slice(0, at)}[@]${value.slice(at + 1).replace(/\./g, '[.]')}`;
  }
  return value;
}

/** Free text with every `http(s)://` and `ftp://` made `hxxp(s)://`/`fxp://`, so chat apps do not turn attacker URLs into links. */
export function defangText(s: string): string {
  return s.replace(/\b(h)(tt)(ps?):\/\//gi, (_m, h: string, tt: string, ps: string) => `${h}${tt === 'TT' ? 'XX' : 'xx'}${ps}://`).replace(/\bftp:\/\//gi, 'fxp://');
}

export function severityColourInt(s: Severity): number {
  return Number.parseInt(SEVERITY_COLOURS[s].slice(1), 16);
}

export const SEVERITY_EMOJI: Record<Severity, string> = { LOW: ':large_blue_circle:', MEDIUM: ':large_orange_circle:', HIGH: ':red_circle:', CRITICAL: ':rotating_light:' };

/** Cuts to `max` characters (UTF-16 units, which is how the services count) and marks the cut. */
export function fit(s: string, max: number, marker = '…'): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, Math.max(0, max - marker.length));
  // Never leave half a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut + marker;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
