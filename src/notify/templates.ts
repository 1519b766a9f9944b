import { assetHosts, totalsOf, type CaseReport, type RenderedMessage } from '../reports/model.js';
import { oneLine, truncate } from '../reports/text.js';
import { SEVERITY_COLOURS } from '../reports/templates/report-css.js';
import { escapeHtml } from './format.js';

/**
 * Message templates a route can choose:
 * - `standard`: the rendered notification (what happened, why, key observables, actions) with the
 *   HTML incident report attached;
 * - `brief`: five lines for a phone or a pager, no attachment;
 * - `full`: `standard` plus the Markdown report attached as well.
 */
export const TEMPLATE_NAMES = ['standard', 'brief', 'full'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** An attachment by reference: the bytes are read when the message is sent, so the store keeps paths only. */
export interface AttachmentRef {
  filename: string;
  contentType: string;
  path: string;
}

export interface TemplatedMessage extends RenderedMessage {
  attachments: AttachmentRef[];
}

export function applyTemplate(
  name: TemplateName,
  input: { report: CaseReport; rendered: RenderedMessage; reportHtml: { name: string; path: string }; reportMarkdown?: { name: string; path: string }; link: string },
): TemplatedMessage {
  const html: AttachmentRef = { filename: input.reportHtml.name, contentType: 'text/html; charset=utf-8', path: input.reportHtml.path };
  if (name === 'brief') return { ...briefMessage(input.report, input.rendered.subject, input.link), attachments: [] };
  const attachments = [html];
  if (name === 'full' && input.reportMarkdown) attachments.push({ filename: input.reportMarkdown.name, contentType: 'text/markdown; charset=utf-8', path: input.reportMarkdown.path });
  return { ...input.rendered, attachments };
}

function briefMessage(report: CaseReport, subject: string, link: string): RenderedMessage {
  const c = report.case;
  const hosts = assetHosts(report);
  const alerts = totalsOf(report).alerts;
  const top = report.assessment.reasons.slice().sort((a, b) => b.delta - a.delta)[0];
  const key = report.observables.find((o) => o.risk && o.risk.score > 0);
  const lines = [
    subject,
    truncate(oneLine(`${c.severity} (score ${report.assessment.score}) · ${alerts} alert${alerts === 1 ? '' : 's'}${hosts.length ? ` on ${hosts.slice(0, 3).join(', ')}${hosts.length > 3 ? ` +${hosts.length - 3}` : ''}` : ''}`), 200),
    top ? truncate(oneLine(`Why: ${top.detail} (${top.delta >= 0 ? '+' : ''}${top.delta})`), 200) : '',
    key ? truncate(oneLine(`Key: ${key.type} ${key.value} ${key.risk!.verdict} (${key.risk!.score})`), 200) : '',
    `Report: ${oneLine(link)}`,
  ].filter(Boolean);
  const colour = SEVERITY_COLOURS[c.severity];
  const html =
    `<div style="font-family:sans-serif;font-size:14px;line-height:1.4">` +
    `<p style="margin:0 0 6px"><b style="color:${colour}">${escapeHtml(lines[0]!)}</b></p>` +
    lines.slice(1).map((l) => `<p style="margin:0 0 4px">${escapeHtml(l)}</p>`).join('') +
    `</div>`;
  return { subject, text: `${lines.join('\n')}\n`, html };
}
