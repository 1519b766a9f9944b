import type { Verdict } from '../core/types.js';
import { getEngine, TEMPLATES } from './engine.js';
import { reportFileName } from './files.js';
import type { CaseReport, RenderedMessage } from './model.js';
import { SEVERITY_COLOURS } from './templates/report-css.js';
import { oneLine, truncate } from './text.js';
import { buildView, topReasons, type ObservableView, type ReportView } from './view.js';

// How much of the case a notification carries: enough to decide whether to drop everything,
// short enough to read on a phone. The report has the rest.
const MAX_REASONS = 3;
const MAX_OBSERVABLES = 5;
const MAX_SUMMARY = 600;
const MAX_SUBJECT = 160;

const VERDICT_COLOURS: Record<Verdict, string> = {
  malicious: '#b91c1c',
  suspicious: '#b45309',
  safe: '#15803d',
  info: '#1d4ed8',
  unknown: '#4b5563',
};

const STATUS_COLOURS: Record<string, string> = {
  simulated: '#1d4ed8',
  executed: '#15803d',
  refused: '#b45309',
  failed: '#b91c1c',
  skipped: '#4b5563',
};

function statusColour(status: string): string {
  return STATUS_COLOURS[status] ?? '#4b5563';
}

/**
 * `[HIGH] Case #3: SSH brute force from 185.220.101.4 on web-01`. One line and bounded: a subject
 * goes into a mail header, where a hostile newline would let alert data write headers of its own.
 */
export function notificationSubject(report: CaseReport): string {
  const v = buildView(report);
  return truncate(oneLine(`[${v.severity}] ${v.caseLabel}: ${v.title || '(untitled case)'}`), MAX_SUBJECT);
}

function keyObservables(v: ReportView): ObservableView[] {
  return v.observables.slice(0, MAX_OBSERVABLES);
}

// Context observables (users, hosts, internal addresses) carry no verdict; saying "not assessed"
// for each would bury the one that matters, so they show their scope or role instead.
function verdictText(o: ObservableView): string {
  if (o.risk) return `: ${o.risk.verdict} (risk ${o.risk.score})`;
  const note = o.scope && o.scope !== 'public' ? o.scope : o.role && o.role !== o.type ? o.role : '';
  return note ? ` (${note})` : '';
}

function providerText(o: ObservableView): string {
  // Only providers with an opinion: a list of "unknown" answers tells the reader nothing.
  const said = o.intel.filter((r) => r.verdict === 'malicious' || r.verdict === 'suspicious');
  return said.map((r) => `${r.provider} ${r.verdict} ${r.score}`).join('; ');
}

function countsLine(v: ReportView): string {
  const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  return [
    n(v.totals.alerts, 'alert', 'alerts'),
    n(v.totals.observables, 'observable', 'observables'),
    n(v.tasks.length, 'task', 'tasks'),
    v.updatedAt ? `updated ${v.updatedAt}` : '',
  ].filter(Boolean).join(' · ');
}

function reportLocations(report: CaseReport): { html: string; markdown: string } {
  return {
    html: oneLine(report.reportFiles?.html) || `reports/${reportFileName(report, 'html')}`,
    markdown: oneLine(report.reportFiles?.markdown) || `reports/${reportFileName(report, 'md')}`,
  };
}

function textBody(v: ReportView, subject: string, where: { html: string; markdown: string }): string {
  const lines: string[] = [subject, '', 'What happened', `  ${truncate(oneLine(v.summary), MAX_SUMMARY) || 'No summary.'}`, ''];

  lines.push(`Severity: ${v.severity} (score ${v.assessment.score})`);
  const reasons = topReasons(v, MAX_REASONS);
  if (reasons.length === 0) lines.push('  None');
  const width = Math.max(0, ...reasons.map((r) => r.delta.length));
  for (const r of reasons) lines.push(`  ${r.delta.padStart(width)}  ${r.factor}: ${r.detail}`);
  const moreReasons = v.assessment.reasons.length - reasons.length;
  if (moreReasons > 0) lines.push(`  (${moreReasons} more in the report)`);
  lines.push('');

  lines.push('Key observables');
  const observables = keyObservables(v);
  if (observables.length === 0) lines.push('  None');
  for (const o of observables) {
    const providers = providerText(o);
    lines.push(`  ${o.type} ${o.value}${verdictText(o)}${providers ? ` [${providers}]` : ''}`);
  }
  const moreObservables = v.totals.observables - observables.length;
  if (moreObservables > 0) lines.push(`  (${moreObservables} more in the report)`);
  lines.push('');

  if (v.approvals.length) {
    lines.push('Waiting for approval');
    for (const a of v.approvals) {
      lines.push(`  ${a.action || a.step}${a.targets.length ? ` on ${a.targets.join(', ')}` : ''} (step ${a.step} of ${a.playbook}), until ${a.expiresAt}`);
      if (a.message) lines.push(`    ${a.message}`);
      lines.push(`    decide in Vigil${v.caseUrl ? ` (${v.caseUrl})` : ''} or: ${a.decide}`);
    }
    lines.push('');
  }

  lines.push('Actions');
  if (v.actions.length === 0) lines.push('  None');
  const statusWidth = Math.max(0, ...v.actions.map((a) => a.status.length));
  for (const a of v.actions) {
    const target = a.target ? ` ${a.target}` : '';
    const reason = a.reason ? `: ${a.reason}` : '';
    lines.push(`  ${a.status.toUpperCase().padEnd(statusWidth)}  ${a.action}${target}${reason}`);
  }
  lines.push('');

  lines.push(countsLine(v), '');
  if (v.caseUrl) lines.push(`In Vigil:    ${v.caseUrl}`);
  lines.push(`Full report: ${where.html}`, `Markdown:    ${where.markdown}`, '');
  return lines.join('\n');
}

/**
 * Renders the message an analyst receives for a case: a one-line subject, a plain-text body
 * (what happened, severity with its strongest reasons, key observables with verdicts, actions
 * taken or refused, where the full report is) and a small email-safe HTML body with the same
 * content, escaped and styled inline.
 */
export function renderNotification(report: CaseReport): RenderedMessage {
  const v = buildView(report);
  const subject = notificationSubject(report);
  const where = reportLocations(report);
  const observables = keyObservables(v).map((o) => ({
    type: o.type,
    value: o.value,
    verdict: o.risk?.verdict ?? (o.scope && o.scope !== 'public' ? o.scope : ''),
    score: o.risk?.score ?? '',
    colour: VERDICT_COLOURS[o.risk?.verdict ?? 'unknown'],
  }));
  const html = getEngine().render(TEMPLATES.notificationHtml, {
    v: { ...v, summary: truncate(oneLine(v.summary), MAX_SUMMARY) },
    subject,
    colour: SEVERITY_COLOURS[v.severity],
    reasons: topReasons(v, MAX_REASONS),
    observables,
    moreObservables: v.totals.observables - observables.length,
    statusColour,
    counts: countsLine(v),
    reportHtml: where.html,
    reportMd: where.markdown,
  });
  return { subject, text: textBody(v, subject, where), html };
}
