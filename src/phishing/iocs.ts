import type { Observable } from '../core/types.js';
import { extractIocsFromText, ipScope, IOC_TYPES, type IocType } from '../ioc/index.js';
import { isIpLiteral } from './domains.js';
import type { LinkInfo, PhishReport } from './types.js';

// URLs written out in a text, as the body reads them (body.ts), with the punctuation it trims off.
const TEXT_URL = /\b(?:https?:\/\/|www\.)[^\s<>"'()[\]{}]{2,2000}/gi;
const TRAILING = '.,;:!?';

/** A written URL that is one of the links, with its scheme and host blanked; any other text as it is. */
function blankKnownUrl(m: string, linkUrls: Set<string>): string {
  let e = m.length;
  while (e > 0 && TRAILING.includes(m[e - 1]!)) e--;
  const u = e === m.length ? m : m.slice(0, e);
  if (!linkUrls.has(u)) return m;
  const from = u.indexOf('://') + 3;
  let hostEnd = u.length;
  for (let i = from; i < u.length; i++) {
    const c = u.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) {
      hostEnd = i;
      break;
    }
  }
  return ' '.repeat(hostEnd) + m.slice(hostEnd);
}

/**
 * Every indicator in the message: the shared extractor over the visible text and the sender-side
 * addresses, plus each link's URL and host (already parsed, so not extracted again) and the
 * attachment hashes.
 */
export function collectIocs(input: { texts: string[]; links: LinkInfo[]; addresses: string[]; ips: string[]; hashes: Array<{ md5: string; sha1: string; sha256: string }> }, maxChars: number): Record<IocType, string[]> {
  const parts: string[] = [];
  let len = 0;
  for (const t of [...input.addresses, ...input.ips, ...input.texts]) {
    if (len + t.length > maxChars) {
      parts.push(t.slice(0, Math.max(0, maxChars - len)));
      break;
    }
    parts.push(t);
    len += t.length + 1;
  }
  const values = {} as Record<IocType, string[]>;
  const seen = {} as Record<IocType, Set<string>>;
  for (const t of IOC_TYPES) {
    values[t] = [];
    seen[t] = new Set();
  }
  const add = (type: IocType, v: string) => {
    const set = seen[type];
    if (set.has(v)) return;
    set.add(v);
    values[type].push(v);
  };
  // The flat extractor: unique values in order of first appearance are all that is kept. A URL
  // written in the text that is one of the links is not parsed again: its address part comes from
  // the link (below), and only what follows the host (path, query) is read for indicators in it.
  const linkUrls = new Set<string>();
  for (const l of input.links) if (l.host) linkUrls.add(l.url);
  let text = parts.join('\n');
  if (linkUrls.size) text = text.replace(TEXT_URL, (m) => blankKnownUrl(m, linkUrls));
  for (const h of extractIocsFromText(text)) add(h.type, h.value);
  for (const l of input.links) {
    if (l.url.startsWith('mailto:')) add('email', l.url.slice(7));
    if (!l.host) continue;
    add('url', l.url);
    if (l.registrableDomain) add('domain', l.host);
    else if (isIpLiteral(l.host)) add(l.host.includes(':') ? 'ipv6' : 'ipv4', l.host);
  }
  for (const h of input.hashes) {
    add('md5', h.md5);
    add('sha1', h.sha1);
    add('sha256', h.sha256);
  }
  return values;
}

const MAX_OBSERVABLES = 200;

/**
 * The message's indicators as core observables, each with its role in the message: `sender`,
 * `reply-to`, `return-path`, `sender-ip`, `link`, `attachment`, `recipient`, or `body` for the rest.
 */
export function observablesOf(r: PhishReport): Observable[] {
  const out: Observable[] = [];
  const seen = new Set<string>();
  const push = (o: Observable) => {
    const k = `${o.type}:${o.value}`;
    if (seen.has(k) || out.length >= MAX_OBSERVABLES || !o.value) return;
    seen.add(k);
    out.push(o);
  };
  const h = r.headers;
  const email = (v: string | null | undefined, role: string) => {
    if (v && v.includes('@')) push({ type: 'email', value: v.toLowerCase(), role, context: role });
  };
  email(h.from?.address, 'sender');
  if (h.from?.domain && h.from.domain.includes('.')) push({ type: 'domain', value: h.from.domain, role: 'sender', context: 'From domain' });
  for (const m of h.replyTo) email(m.address, 'reply-to');
  email(h.returnPath, 'return-path');
  const entry = r.hops.find((x) => x.firstExternal);
  if (entry?.ip) {
    const scope = ipScope(entry.ip);
    push({ type: entry.ip.includes(':') ? 'ipv6' : 'ipv4', value: entry.ip, role: 'sender-ip', context: `Received from ${entry.helo ?? entry.from ?? '?'}`, ...(scope && { scope }) });
  }
  for (const a of r.attachments) {
    push({ type: 'sha256', value: a.sha256, role: 'attachment', context: a.filename });
    push({ type: 'md5', value: a.md5, role: 'attachment', context: a.filename });
  }
  for (const l of r.links) {
    if (l.url.startsWith('http')) push({ type: 'url', value: l.url, role: 'link', context: l.text || undefined });
    if (l.host && l.registrableDomain) push({ type: 'domain', value: l.host, role: 'link', context: l.url });
  }
  for (const t of IOC_TYPES) {
    for (const v of r.iocs[t]) {
      const scope = t === 'ipv4' || t === 'ipv6' ? ipScope(v) : undefined;
      push({ type: t, value: v, role: 'body', ...(scope && { scope }) });
    }
  }
  for (const m of [...h.to, ...h.cc]) if (m.address.includes('@')) push({ type: 'email', value: m.address.toLowerCase(), role: 'recipient', context: 'To/Cc' });
  return out;
}
