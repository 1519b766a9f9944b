import type { Severity, Verdict } from '../core/types.js';
import { assetHosts, totalsOf, type CaseReport } from '../reports/model.js';
import { cleanText, oneLine, truncate } from '../reports/text.js';

/** What changed about a case since it was last considered for notification. */
export type CaseEvent = 'opened' | 'escalated' | 'updated';
export const CASE_EVENTS = ['opened', 'escalated', 'updated'] as const;

// Bounds on what one message carries: a case with 5,000 observables or a 1 MB alert title must
// still make a message every receiver accepts. The report has the rest.
const MAX = { observables: 50, reasons: 20, actions: 50, mitre: 20, hosts: 20, sources: 10, tags: 50, title: 500, summary: 2000, value: 1000, detail: 500 };

const clip = (v: unknown, n: number): string => truncate(oneLine(v), n);

/**
 * `case.notification`, version 1: the document webhooks receive as their body, the outbox writes as
 * `data` in its envelope, and chat channels draw their messages from. Fields are only ever added
 * within a version; receivers should ignore fields they do not know.
 */
export interface CaseNotificationV1 {
  version: 1;
  type: 'case.notification';
  /** Stable per case + severity + channel (+ repeat): a receiver can deduplicate on it. */
  id: string;
  /** Why it was sent: the case was opened, rose in severity, or (routes that ask for it) was updated. `test` for `vigil notify test`. */
  event: CaseEvent | 'test';
  /** The routing rule that sent it; `default` without routes. */
  route: string;
  createdAt: string;
  case: {
    id: string;
    number: number;
    title: string;
    severity: Severity;
    score: number;
    status: string;
    summary: string;
    tags: string[];
    createdAt: string;
    updatedAt: string;
    alertCount: number;
    hosts: string[];
    sources: string[];
    /** `notify.caseUrl` filled in, or null when not configured. */
    url: string | null;
  };
  reasons: Array<{ factor: string; detail: string; delta: number }>;
  /** The highest-risk observables first, at most 50; `observableCount` has the total. */
  observables: Array<{ type: string; value: string; verdict: Verdict | null; score: number | null; scope: string | null; role: string | null }>;
  observableCount: number;
  actions: Array<{ playbook: string; action: string; target: string; status: string; reason: string }>;
  mitre: Array<{ id: string; tactic: string | null; technique: string | null }>;
  /** The incident report: its path under the output folder, and a URL when `notify.caseUrl` is set. */
  report: { html: string; url: string | null };
  subject: string;
  text: string;
}

/** `case.digest`, version 1: several lower-severity cases batched into one message. */
export interface CaseDigestV1 {
  version: 1;
  type: 'case.digest';
  id: string;
  createdAt: string;
  count: number;
  bySeverity: Partial<Record<Severity, number>>;
  cases: Array<{
    notification: string;
    id: string;
    number: number;
    title: string;
    severity: Severity;
    score: number;
    status: string;
    alertCount: number;
    hosts: string[];
    url: string | null;
    report: string;
    /** The riskiest observable, for a one-line summary. */
    top: { type: string; value: string; verdict: Verdict | null; score: number | null } | null;
  }>;
  subject: string;
  text: string;
}

export function isDigest(data: Record<string, unknown>): data is CaseDigestV1 & Record<string, unknown> {
  return data.type === 'case.digest';
}

/** `notify.caseUrl` with `{number}` and `{id}` filled in. */
export function caseUrlFor(template: string | undefined, c: { id: string; number: number }): string | null {
  if (!template) return null;
  return template.replaceAll('{number}', String(c.number)).replaceAll('{id}', encodeURIComponent(c.id));
}

export function buildCasePayload(
  report: CaseReport,
  opts: { id: string; event: CaseEvent | 'test'; route: string; createdAt: string; caseUrl: string | null; reportPath: string; subject: string; text: string },
): CaseNotificationV1 {
  const c = report.case;
  const all = totalsOf(report);
  const hosts = assetHosts(report);
  const sources = all.sources;
  return {
    version: 1,
    type: 'case.notification',
    id: opts.id,
    event: opts.event,
    route: opts.route,
    createdAt: opts.createdAt,
    case: {
      id: c.id,
      number: c.number,
      title: clip(c.title, MAX.title),
      severity: c.severity,
      score: report.assessment.score,
      status: clip(c.status, 40),
      summary: truncate(cleanText(c.summary).trim(), MAX.summary),
      tags: c.tags.slice(0, MAX.tags).map((t) => clip(t, 100)),
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      alertCount: all.alerts,
      hosts: hosts.slice(0, MAX.hosts).map((h) => clip(h, 255)),
      sources: sources.slice(0, MAX.sources).map((s) => clip(s, 64)),
      url: opts.caseUrl,
    },
    reasons: report.assessment.reasons.slice(0, MAX.reasons).map((r) => ({ factor: clip(r.factor, 64), detail: clip(r.detail, MAX.detail), delta: r.delta })),
    observables: report.observables.slice(0, MAX.observables).map((o) => ({
      type: o.type,
      value: clip(o.value, MAX.value),
      verdict: o.risk?.verdict ?? null,
      score: o.risk?.score ?? null,
      scope: o.scope ?? null,
      role: o.role ? clip(o.role, 64) : null,
    })),
    observableCount: all.observables,
    actions: report.actions.slice(0, MAX.actions).map((a) => ({
      playbook: clip(a.playbook, 128),
      action: clip(a.action, 64),
      target: clip(a.target, MAX.value),
      status: a.status,
      reason: clip(a.reason, MAX.detail),
    })),
    mitre: report.mitre.slice(0, MAX.mitre).map((m) => ({ id: clip(m.id, 32), tactic: m.tactic ? clip(m.tactic, 128) : null, technique: m.technique ? clip(m.technique, 128) : null })),
    report: { html: opts.reportPath, url: opts.caseUrl },
    subject: opts.subject,
    text: opts.text,
  };
}
