import { severityRank, type Severity } from '../core/types.js';
import { assetHosts, totalsOf, type CaseReport } from '../reports/model.js';
import type { PlaybookCase } from './action.js';
import type { TriggerEvent } from './schema.js';

/** The case as the report model has it, plus what only playbooks need. */
export function playbookCase(r: CaseReport, extras: { ruleGroups?: string[]; assignee?: string; criticalityOf?: (host: string) => string | undefined } = {}): PlaybookCase {
  // Sensors saw the traffic; containing them would blind the SOC, so only the assets count as case hosts.
  const all = totalsOf(r);
  const hosts = assetHosts(r);
  return {
    id: r.case.id,
    number: r.case.number,
    title: r.case.title,
    severity: r.case.severity,
    score: r.assessment.score,
    status: r.case.status as PlaybookCase['status'],
    ...(extras.assignee && { assignee: extras.assignee }),
    hosts,
    tags: [...r.case.tags],
    observables: r.observables.map((o) => ({
      type: o.type,
      value: o.value,
      ...(o.scope && { scope: o.scope }),
      ...(o.role && { role: o.role }),
      verdict: o.risk?.verdict ?? 'unknown',
      risk: o.risk?.score ?? 0,
    })),
    alerts: r.alerts.map((a) => ({ id: a.id, title: a.title, ruleId: a.ruleId, host: a.host, source: a.source, time: a.time })),
    sources: all.sources,
    ruleIds: all.ruleIds,
    ruleGroups: extras.ruleGroups ?? all.ruleGroups ?? [],
    mitre: r.mitre.map((m) => m.id),
    assets: hosts.map((h) => {
      const c = extras.criticalityOf?.(h);
      return { host: h, ...(c && { criticality: c as 'low' | 'medium' | 'high' | 'critical' }) };
    }),
  };
}

/** What the engine remembers of a case between rounds, to tell what changed. */
export interface CaseSnapshot {
  severity: Severity;
  tags: string[];
  /** `type:value` of the observables judged malicious. */
  malicious: string[];
  /** Ids of phishing-verdict alerts already seen. */
  phishing: string[];
}

export function snapshotOf(c: PlaybookCase): CaseSnapshot {
  return {
    severity: c.severity,
    tags: [...c.tags],
    malicious: c.observables.filter((o) => o.verdict === 'malicious').map((o) => `${o.type}:${o.value}`),
    phishing: c.alerts.filter((a) => a.ruleId.startsWith('phishing.')).map((a) => a.id),
  };
}

/** One thing that happened to a case; `event` in expressions. */
export interface CaseEvent {
  kind: TriggerEvent;
  /** severity.reached: the severity before (null for a new case) and now. */
  from?: Severity | null;
  to?: Severity;
  /** tag.added */
  tags?: string[];
  /** observable.malicious */
  observables?: PlaybookCase['observables'];
  /** phishing.verdict: the new phishing alerts and their verdicts. */
  alerts?: PlaybookCase['alerts'];
  verdicts?: string[];
}

/**
 * The events between two states of a case. `opened` is true the first time the engine sees it;
 * a case created earlier but never seen (a store from before playbooks ran) counts as updated.
 */
export function eventsBetween(before: CaseSnapshot | undefined, now: PlaybookCase, opened: boolean, touched = true): CaseEvent[] {
  const out: CaseEvent[] = [];
  if (opened) out.push({ kind: 'case.created' });
  else if (touched) out.push({ kind: 'case.updated' });
  const from = before?.severity ?? null;
  if (from === null || severityRank(now.severity) > severityRank(from)) out.push({ kind: 'severity.reached', from, to: now.severity });
  const hadTags = new Set(before?.tags ?? []);
  const added = now.tags.filter((t) => !hadTags.has(t));
  if (added.length) out.push({ kind: 'tag.added', tags: added });
  const hadBad = new Set(before?.malicious ?? []);
  const bad = now.observables.filter((o) => o.verdict === 'malicious' && !hadBad.has(`${o.type}:${o.value}`));
  if (bad.length) out.push({ kind: 'observable.malicious', observables: bad });
  const hadPhish = new Set(before?.phishing ?? []);
  const phish = now.alerts.filter((a) => a.ruleId.startsWith('phishing.') && !hadPhish.has(a.id));
  if (phish.length) out.push({ kind: 'phishing.verdict', alerts: phish, verdicts: [...new Set(phish.map((a) => a.ruleId.slice('phishing.'.length)))] });
  return out;
}
