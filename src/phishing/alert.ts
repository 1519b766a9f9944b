import { alertId } from '../core/ids.js';
import type { Alert } from '../core/types.js';
import { observablesOf } from './iocs.js';
import { verdictRank, type PhishCategory, type PhishReport } from './types.js';

/** The categories that open a case unless `phishing.caseCategories` says otherwise: the three kinds of bad. */
export const CASE_CATEGORIES: readonly PhishCategory[] = ['phishing', 'bec-fraud', 'malware'];

/** Whether a report opens a case: a verdict of `phishing` or worse, in one of the case categories. */
export function opensCase(r: PhishReport, categories: readonly PhishCategory[] = CASE_CATEGORIES): boolean {
  return verdictRank(r.verdict) >= verdictRank('phishing') && categories.includes(r.category);
}

const TECHNIQUES = {
  attachment: { id: 'T1566.001', name: 'Phishing: Spearphishing Attachment' },
  link: { id: 'T1566.002', name: 'Phishing: Spearphishing Link' },
  generic: { id: 'T1566', name: 'Phishing' },
} as const;

/**
 * A core Alert for the pipeline (source `email`). Its id is stable: derived from the Message-ID, or
 * from the file's SHA-256 when the message has none, so analysing the same mail twice adds nothing.
 * The alert's time is when Vigil received the message (the Date header is kept as raw.sentAt). The
 * rule is `phishing.<verdict>` on the generic 0–100 scale with the score as its level, the host
 * is the first recipient (or `mail`), and the observables are the message's indicators with their roles.
 */
export function phishAlert(r: PhishReport, opts: { sha256: string; now: string; analysisUrl?: string }): Alert {
  const h = r.headers;
  const sourceRef = h.messageId ? `message-id:${h.messageId.replace(/^<|>$/g, '')}` : `sha256:${opts.sha256}`;
  const techniques: Array<{ id: string; name: string }> = [];
  if (r.findings.some((f) => f.id.startsWith('attachment.') && f.weight > 0)) techniques.push(TECHNIQUES.attachment);
  if (r.findings.some((f) => (f.id.startsWith('link.') || f.id.startsWith('html.form')) && f.weight > 0) || r.links.length > 0) techniques.push(TECHNIQUES.link);
  if (techniques.length === 0) techniques.push(TECHNIQUES.generic);
  const recipient = h.to.find((m) => m.address.includes('@'))?.address.toLowerCase() ?? h.deliveredTo?.toLowerCase();
  const from = h.from ? (h.from.name ? `${h.from.name} <${h.from.address}>` : h.from.address) : 'unknown sender';
  const firstStamp = r.hops.find((x) => x.date)?.date;
  const top = r.findings.filter((f) => f.weight > 0).slice(0, 8);
  return {
    id: alertId('email', sourceRef),
    source: 'email',
    sourceRef,
    // When Vigil received the message: the case timeline orders reports by when they came in, and a
    // phish's own Date is the sender's to forge. The Date stays in raw.sentAt.
    time: opts.now,
    title: `${r.verdict === 'malicious' ? 'Malicious e-mail' : 'Phishing e-mail'} "${(h.subject || '(no subject)').slice(0, 120)}" from ${from.slice(0, 120)}`,
    description: [`Verdict ${r.verdict} (${r.category}), probability ${r.score}% (${r.file}${opts.analysisUrl ? `; analysis ${opts.analysisUrl}` : ''}).`, ...top.map((f) => `+${f.weight} ${f.id}: ${f.message}`)].join('\n'),
    rule: {
      id: `phishing.${r.verdict}`,
      level: r.score,
      scale: 'generic',
      groups: ['phishing', `phishing.${r.verdict}`, `category.${r.category}`, ...new Set(top.map((f) => f.id.split('.')[0]!))],
      mitre: { ids: techniques.map((t) => t.id), tactics: ['Initial Access'], techniques: techniques.map((t) => t.name) },
    },
    host: { name: recipient ?? 'mail' },
    observables: observablesOf(r),
    raw: {
      file: r.file,
      verdict: r.verdict,
      score: r.score,
      probability: r.probability,
      category: r.category,
      receivedAt: opts.now,
      sentAt: h.dateIso ?? firstStamp ?? null,
      ...(opts.analysisUrl && { analysisUrl: opts.analysisUrl }),
      reasons: r.reasons,
      findings: r.findings,
      headers: { from: h.from, replyTo: h.replyTo, returnPath: h.returnPath, to: h.to.slice(0, 20), subject: h.subject, date: h.date, messageId: h.messageId },
      auth: { spf: r.auth.spf, dkim: r.auth.dkim, dmarc: r.auth.dmarc, arc: r.auth.arc, verification: r.auth.verification },
      hops: r.hops,
      links: r.links.slice(0, 50),
      attachments: r.attachments.map(({ entries, ...a }) => ({ ...a, entries: entries?.slice(0, 50) })),
      sha256: opts.sha256,
    },
  };
}
