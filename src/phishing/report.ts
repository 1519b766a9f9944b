import { Eta } from 'eta/core';
import { escapeMarkup } from '../core/text.js';
import { IOC_TYPES } from '../ioc/index.js';
import { PHISH_CSS, PHISH_HTML_TEMPLATE } from './templates/phish-html.js';
import type { MailboxInfo, PhishReport } from './types.js';

const TEMPLATE = '@phish-html';
let engine: Eta | undefined;

function getEngine(): Eta {
  if (engine) return engine;
  // Same settings as the incident reports: every <%= %> escaped, no file loading (eta/core).
  const eta = new Eta({ autoEscape: true, escapeFunction: escapeMarkup, useWith: false, varName: 'it', cache: true, autoTrim: [false, 'nl'] });
  eta.loadTemplate(TEMPLATE, PHISH_HTML_TEMPLATE);
  engine = eta;
  return eta;
}

/** A URL as inert text: `hxxps://evil[.]example/login`, so a copy-paste or stray click goes nowhere. */
export function defang(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) return url.replace(/\./g, '[.]');
  return url.replace(/^http/i, 'hxxp').replace(/^(hxxps?:\/\/[^/?#]*)/i, (host) => host.replace(/\./g, '[.]'));
}

function mb(m: MailboxInfo | null): string {
  if (!m) return '—';
  return m.name ? `${m.name} <${m.address}>` : m.address;
}

function delay(s: number | null): string {
  if (s === null) return '';
  const a = Math.abs(s);
  const v = a < 120 ? `${a} s` : a < 7200 ? `${Math.round(a / 60)} min` : `${(a / 3600).toFixed(1)} h`;
  return s < 0 ? `−${v}` : v;
}

interface AuthRow {
  method: string;
  result: string;
  cls: string;
  domain: string;
  aligned: string;
  detail: string;
  source: string;
}

function cls(result: string): string {
  if (result === 'pass' || result === 'bestguesspass') return 'ok';
  if (result === 'fail' || result === 'softfail' || result === 'permerror') return 'fail';
  return '';
}

function authRows(r: PhishReport): AuthRow[] {
  const rows: AuthRow[] = [];
  const yn = (v: boolean | null) => (v === null ? '—' : v ? 'yes' : 'no');
  const a = r.auth;
  const v = (x: boolean) => (x ? 'verified here' : 'as stated');
  if (a.spf) rows.push({ method: 'SPF', result: a.spf.result, cls: cls(a.spf.result), domain: a.spf.domain ?? '—', aligned: yn(a.spf.aligned), detail: `${a.spf.identity ? `smtp.${a.spf.identity}` : ''}${a.spf.ip ? ` client ${a.spf.ip}` : ''}`, source: `${a.spf.source}; ${v(a.spf.verified)}` });
  for (const d of a.dkim) rows.push({ method: 'DKIM', result: d.result, cls: cls(d.result), domain: d.domain ?? '—', aligned: yn(d.aligned), detail: `${d.selector ? `s=${d.selector}` : ''}${d.reason ? ` ${d.reason}` : ''}`, source: `${d.source}; ${v(d.verified)}` });
  if (a.dmarc) rows.push({ method: 'DMARC', result: a.dmarc.result, cls: cls(a.dmarc.result), domain: a.dmarc.domain ?? '—', aligned: '', detail: a.dmarc.policy ? `p=${a.dmarc.policy}` : '', source: `${a.dmarc.source}; ${v(a.dmarc.verified)}` });
  if (a.arc) rows.push({ method: 'ARC', result: a.arc.result, cls: cls(a.arc.result), domain: a.arc.sealers.join(', ') || '—', aligned: '', detail: `${a.arc.instances} set${a.arc.instances === 1 ? '' : 's'}${a.arc.original ? `; first sealer saw spf=${a.arc.original.spf ?? '—'} dkim=${a.arc.original.dkim ?? '—'} dmarc=${a.arc.original.dmarc ?? '—'}` : ''}`, source: `${a.arc.source}; ${v(a.arc.verified)}` });
  if (a.compauth) rows.push({ method: 'compauth (Microsoft)', result: a.compauth.result, cls: cls(a.compauth.result), domain: '', aligned: '', detail: a.compauth.reason ? `reason=${a.compauth.reason}` : '', source: 'Authentication-Results' });
  if (a.spf || a.dkim.length) rows.push({ method: 'Alignment (worked out here)', result: a.alignment.pass ? 'pass' : 'fail', cls: a.alignment.pass ? 'ok' : 'fail', domain: r.headers.from?.domain ?? '—', aligned: '', detail: `SPF aligned ${a.alignment.spf ? 'yes' : 'no'}, DKIM aligned ${a.alignment.dkim ? 'yes' : 'no'}`, source: 'relaxed alignment of the results above with the From domain' });
  return rows;
}

/**
 * Renders one message's analysis as a self-contained HTML page: inline CSS, no script, nothing
 * loaded (CSP), every value escaped, URLs defanged, the message's HTML shown only as source.
 */
export function renderPhishReport(r: PhishReport, opts: { generatedAt?: string } = {}): string {
  const h = r.headers;
  const v = {
    subject: h.subject || '(no subject)',
    from: mb(h.from),
    to: [...h.to, ...h.cc].map(mb).join(', '),
    generatedAt: opts.generatedAt ?? new Date().toISOString(),
    headerRows: [
      ['From', mb(h.from)],
      ['Sender', mb(h.sender)],
      ['Reply-To', h.replyTo.map(mb).join(', ') || '—'],
      ['Return-Path', h.returnPath ?? '—'],
      ['To', h.to.map(mb).join(', ') || '—'],
      ['Cc', h.cc.map(mb).join(', ') || '—'],
      ['Subject', h.subject || '—'],
      ['Date', `${h.date ?? '—'}${h.dateIso ? ` (${h.dateIso})` : ''}`],
      ['Message-ID', `${h.messageId ?? '—'}${h.messageIdDomain ? ` (domain ${h.messageIdDomain})` : ''}`],
      ['Mailer', h.mailer ?? '—'],
      ['Originating IP', h.originatingIp ?? '—'],
      ['List-Unsubscribe', h.listUnsubscribe ? 'present' : 'absent'],
      ['Header fields', String(h.count)],
    ] as Array<[string, string]>,
    authRows: authRows(r),
    iocRows: IOC_TYPES.filter((t) => r.iocs[t].length).map((t) => ({ type: t, values: r.iocs[t].slice(0, 200).map((x) => (t === 'url' || t === 'domain' ? defang(x) : x)) })),
    defang,
    delay,
  };
  return getEngine().render(TEMPLATE, { r, v, css: PHISH_CSS });
}
