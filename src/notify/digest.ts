import { SEVERITIES, severityRank, type Severity } from '../core/types.js';
import { oneLine, truncate } from '../reports/text.js';
import { escapeHtml, plural, SEVERITY_COLOURS } from './format.js';
import type { CaseDigestV1, CaseNotificationV1 } from './payload.js';

/** One case waiting in a digest: its notification id and the document it would have been sent as. */
export interface DigestItem {
  notification: string;
  data: CaseNotificationV1;
}

/** A digest message: subject, text, HTML and its `case.digest` document. */
export function renderDigest(id: string, createdAt: string, items: DigestItem[]): { subject: string; text: string; html: string; data: CaseDigestV1; severity: Severity } {
  const sorted = items.slice().sort((a, b) => severityRank(b.data.case.severity) - severityRank(a.data.case.severity) || a.data.case.number - b.data.case.number);
  const bySeverity: Partial<Record<Severity, number>> = {};
  for (const i of sorted) bySeverity[i.data.case.severity] = (bySeverity[i.data.case.severity] ?? 0) + 1;
  const counts = SEVERITIES.slice().reverse().filter((s) => bySeverity[s]).map((s) => `${bySeverity[s]} ${s}`).join(', ');
  const subject = `[Vigil] Digest: ${plural(sorted.length, 'case')} (${counts})`;
  const severity = sorted[0]?.data.case.severity ?? 'LOW';
  const cases: CaseDigestV1['cases'] = sorted.map((i) => {
    const c = i.data.case;
    const top = i.data.observables.find((o) => o.verdict !== null) ?? i.data.observables.find((o) => o.scope === 'public') ?? null;
    return {
      notification: i.notification,
      id: c.id,
      number: c.number,
      title: c.title,
      severity: c.severity,
      score: c.score,
      status: c.status,
      alertCount: c.alertCount,
      hosts: c.hosts,
      url: c.url,
      report: i.data.report.html,
      top: top ? { type: top.type, value: top.value, verdict: top.verdict, score: top.score } : null,
    };
  });
  const lines = cases.map((c) => {
    const top = c.top ? ` — ${c.top.type} ${c.top.value}${c.top.verdict ? ` ${c.top.verdict}${c.top.score !== null ? ` (${c.top.score})` : ''}` : ''}` : '';
    return truncate(oneLine(`#${c.number} ${c.severity.padEnd(6)} ${c.title} (${plural(c.alertCount, 'alert')}${c.hosts.length ? ` on ${c.hosts.slice(0, 3).join(', ')}` : ''})${top}`), 400) + `\n    ${c.url ?? c.report}`;
  });
  const text = `${subject}\n\n${lines.join('\n')}\n`;
  const rows = cases
    .map((c) => {
      const link = c.url ? `<a href="${escapeHtml(c.url)}">#${c.number}</a>` : `#${c.number}`;
      const top = c.top ? `${escapeHtml(c.top.type)} <code>${escapeHtml(truncate(c.top.value, 200))}</code>${c.top.verdict ? ` ${escapeHtml(c.top.verdict)}` : ''}` : '';
      return `<tr><td style="padding:4px 8px">${link}</td><td style="padding:4px 8px;color:${SEVERITY_COLOURS[c.severity]};font-weight:bold">${c.severity}</td><td style="padding:4px 8px">${escapeHtml(truncate(c.title, 300))}<br><small>${escapeHtml(plural(c.alertCount, 'alert'))}${c.hosts.length ? ` on ${escapeHtml(c.hosts.slice(0, 3).join(', '))}` : ''} · ${escapeHtml(c.report)}</small></td><td style="padding:4px 8px">${top}</td></tr>`;
    })
    .join('');
  const html = `<div style="font-family:sans-serif;font-size:14px"><p><b>${escapeHtml(subject)}</b></p><table style="border-collapse:collapse">${rows}</table></div>`;
  const data: CaseDigestV1 = { version: 1, type: 'case.digest', id, createdAt, count: cases.length, bySeverity, cases, subject, text };
  return { subject, text, html, data, severity };
}
