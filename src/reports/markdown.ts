import type { CaseReport } from './model.js';
import { oneLine } from './text.js';
import { buildView, keyFacts, notLookedUpNote, splitObservables, windowNote, type ReportView } from './view.js';

// Markdown is built in code rather than through eta: eta has one escape function per engine,
// while Markdown needs three (inline text, table cells, code spans) chosen by position, and a
// forgotten escape there would be silent. Small named helpers make each choice visible.

// Characters that start inline constructs in GitHub-flavoured Markdown: emphasis, code, links,
// raw HTML and autolinks, table cell breaks, strikethrough, and the backslash itself.
const INLINE_META = /[\\`*_[\]<>|~]/g;
// An `&name;` in hostile text would otherwise render as the character it names.
const ENTITY_LIKE = /&(?=#?[A-Za-z0-9]+;)/g;

/** Escapes hostile text for inline Markdown (a table cell, or after fixed text on a line). */
export function mdInline(value: unknown): string {
  return oneLine(value).replace(INLINE_META, (ch) => `\\${ch}`).replace(ENTITY_LIKE, '&amp;');
}

/**
 * Escapes hostile text that starts a line (a paragraph, a list item's content), where `#`, `>`,
 * `-`, `+`, `=` or `1.` would otherwise open a heading, quote, list or rule.
 */
export function mdBlock(value: unknown): string {
  return mdInline(value)
    .replace(/^([#>+=-])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

/** A table cell: inline-escaped, and never empty, so a missing value reads as a dash. */
export function mdCell(value: unknown): string {
  const s = mdInline(value);
  return s === '' ? '—' : s;
}

/**
 * A code span: the value verbatim (IOCs must be copyable exactly and must not turn into live links),
 * fenced with more backticks than it contains. Inside a table, pipes still need a backslash,
 * which GFM removes even within code.
 */
export function mdCode(value: unknown, inTable = false): string {
  let s = oneLine(value);
  if (s === '') return '—';
  if (inTable) s = s.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...Array.from(s.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || (s.startsWith(' ') && s.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

function table(headers: string[], align: Array<'l' | 'r'>, rows: string[][]): string {
  const head = `| ${headers.join(' | ')} |`;
  const rule = `|${align.map((a) => (a === 'r' ? ' ---: ' : ' --- ')).join('|')}|`;
  return [head, rule, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** A window note as its own paragraph before a section's body, or nothing. */
function noted(note: string): string {
  return note ? `_${mdInline(note)}_\n\n` : '';
}

function section(title: string, body: string): string {
  return `## ${title}\n\n${body}\n`;
}

const NONE = '_None_';

function header(v: ReportView): string {
  const lines = [
    `# ${v.caseLabel}: ${mdInline(v.title || '(untitled case)').replace(/(\s)(#+)$/, '$1\\$2')}`,
    '',
    `**Severity:** ${v.severity} (score ${v.assessment.score}) · **Status:** ${mdInline(v.status) || '—'} · ` +
      `**Created:** ${mdInline(v.createdAt) || '—'} · **Updated:** ${mdInline(v.updatedAt) || '—'}`,
    '',
    `**Case ID:** ${mdCode(v.caseId)} · **Report generated:** ${mdInline(v.generatedAt) || '—'}`,
  ];
  if (v.caseUrl) lines.push('', `**In Vigil:** <${v.caseUrl}>`);
  if (v.tags.length) lines.push('', `**Tags:** ${v.tags.map((t) => mdCode(t)).join(' ')}`);
  return `${lines.join('\n')}\n`;
}

function summary(v: ReportView): string {
  const facts = keyFacts(v).map((f) => `${f.value} ${f.label}`).join(' · ');
  const text = v.summary ? mdBlock(v.summary) : NONE;
  return section('Summary', `${text}\n\n${mdInline(facts)}`);
}

function severity(v: ReportView): string {
  const a = v.assessment;
  const rows = a.reasons.map((r) => [mdCell(r.factor), mdCell(r.detail), `**${r.delta}**`]);
  const total = `**Final score:** ${a.score} → **${a.severity}**` + (a.reasons.length ? ` (reasons sum to ${a.reasonTotal})` : '');
  const body = a.reasons.length ? table(['Factor', 'Detail', 'Points'], ['l', 'l', 'r'], rows) : NONE;
  return section('Severity and reasons', `${body}\n\n${total}`);
}

function timeline(v: ReportView): string {
  if (v.timeline.length === 0) return section('Timeline', NONE);
  const rows = v.timeline.map((t) => [mdCell(t.at), mdCell(t.kind), mdCell(t.message), mdCell(t.actor)]);
  return section('Timeline', noted(windowNote(v.timeline.length, v.totals.timeline, 'timeline')) + table(['Time', 'Event', 'Details', 'By'], ['l', 'l', 'l', 'l'], rows));
}

function alerts(v: ReportView): string {
  if (v.alerts.length === 0) return section('Alerts', NONE);
  const rows = v.alerts.map((a) => [
    mdCell(a.time),
    mdCell(a.title),
    `${mdCode(a.ruleId, true)} level ${mdInline(a.ruleLevel)}`,
    mdCell(a.host),
    `${mdCell(a.source)} ${mdCode(a.sourceRef, true)}`,
    `${a.severity} (${mdInline(a.score)})`,
  ]);
  return section('Alerts', noted(windowNote(v.alerts.length, v.totals.alerts, 'alerts')) + table(['Time', 'Title', 'Rule', 'Host', 'Source', 'Severity'], ['l', 'l', 'l', 'l', 'l', 'l'], rows));
}

function observables(v: ReportView): string {
  if (v.observables.length === 0) return section('Observables and enrichment', NONE);
  const { enriched, plain } = splitObservables(v);
  const blocks = enriched.map((o) => {
    const attrs = [
      `**Type:** ${mdInline(o.type)}`,
      o.scope ? `**Scope:** ${mdInline(o.scope)}` : '',
      o.role ? `**Role:** ${mdInline(o.role)}` : '',
      `**Risk:** ${o.risk ? `${o.risk.verdict} (${o.risk.score}/100)` : 'not assessed'}`,
      o.found ? `**Found:** ${mdInline(o.found)}` : '',
    ].filter(Boolean).join(' · ');
    const intel = o.intel.length === 0
      ? 'No provider results.'
      : table(['Provider', 'Verdict', 'Score', 'Evidence'], ['l', 'l', 'r', 'l'], o.intel.map((r) => {
        const notes = [
          ...r.evidence.map(mdInline),
          r.tags.length ? `tags: ${r.tags.map(mdInline).join(', ')}` : '',
          mdInline(r.seen),
          r.degraded ? `degraded answer: ${mdInline(r.degraded)}` : '',
        ].filter(Boolean);
        // `<br>` is the one line break GFM tables accept; every piece around it is escaped.
        return [mdCell(r.provider), r.verdict, mdInline(r.score), notes.length ? notes.join('<br>') : '—'];
      }));
    return `### ${mdCode(o.value)}\n\n${attrs}\n\n${intel}`;
  });
  if (plain.length) {
    const rows = plain.map((o) => [mdCell(o.type), mdCode(o.value, true), mdCell(o.scope), mdCell(o.role), mdInline(notLookedUpNote(o))]);
    blocks.push(`### Not enriched\n\n${table(['Type', 'Value', 'Scope', 'Role', 'Intelligence'], ['l', 'l', 'l', 'l', 'l'], rows)}`);
  }
  return section('Observables and enrichment', noted(windowNote(v.observables.length, v.totals.observables, 'observables')) + blocks.join('\n\n'));
}

function actions(v: ReportView): string {
  if (v.actions.length === 0) return section('Actions taken or refused', NONE);
  const rows = v.actions.map((a) => [
    `**${mdInline(a.status.toUpperCase())}**`,
    mdCell(a.action),
    mdCode(a.target, true),
    mdCell(a.reason),
    mdCell(a.playbook),
    mdCode(a.artifact, true),
    mdCell(a.at),
  ]);
  return section('Actions taken or refused',
    table(['Status', 'Action', 'Target', 'Reason', 'Playbook', 'Artifact', 'Time'], ['l', 'l', 'l', 'l', 'l', 'l', 'l'], rows));
}

function approvals(v: ReportView): string {
  if (v.approvals.length === 0) return '';
  const items = v.approvals.map(
    (a) => `- **${mdInline(a.action || a.step)}**${a.targets.length ? ` on ${a.targets.map((t) => mdCode(t, true)).join(', ')}` : ''}: step ${mdInline(a.step)} of playbook ${mdInline(a.playbook)}, asked ${mdInline(a.requestedAt)}, expires ${mdInline(a.expiresAt)}. ${mdInline(a.message)} Decide in Vigil${v.caseUrl ? ` (${mdInline(v.caseUrl)})` : ''} or: ${mdCode(a.decide, true)}`,
  );
  return section('Waiting for approval', items.join('\n'));
}

function tasks(v: ReportView): string {
  if (v.tasks.length === 0) return section('Tasks', NONE);
  const rows = v.tasks.map((t) => [
    mdCell(t.status),
    t.description ? `**${mdInline(t.title)}**<br>${mdInline(t.description)}` : `**${mdInline(t.title)}**`,
    mdCell(t.group),
    mdCell(t.createdBy),
    mdCell(t.createdAt),
  ]);
  return section('Tasks', table(['Status', 'Task', 'Group', 'Created by', 'Created'], ['l', 'l', 'l', 'l', 'l'], rows));
}

function mitre(v: ReportView): string {
  if (v.mitre.length === 0) return section('MITRE ATT&CK techniques', NONE);
  const rows = v.mitre.map((m) => [
    m.url ? `[${mdInline(m.id)}](${m.url})` : mdCell(m.id),
    mdCell(m.tactic),
    mdCell(m.technique),
  ]);
  return section('MITRE ATT&CK techniques', table(['ID', 'Tactic', 'Technique'], ['l', 'l', 'l'], rows));
}

/**
 * Renders one case's incident report as GitHub-flavoured Markdown with the same sections and
 * order as the HTML report. Hostile values are escaped for their position: inline text and table
 * cells get backslash escapes, observables, targets and paths are shown verbatim in code spans.
 */
export function renderReportMarkdown(report: CaseReport): string {
  const v = buildView(report);
  return [
    header(v),
    summary(v),
    severity(v),
    timeline(v),
    alerts(v),
    observables(v),
    ...(v.approvals.length ? [approvals(v)] : []),
    actions(v),
    tasks(v),
    mitre(v),
    `---\n\n_Generated by Vigil at ${mdInline(v.generatedAt) || 'an unknown time'}. Raw provider answers are not included._\n`,
  ].join('\n');
}
