import type { Clock } from '../core/clock.js';
import type { Alert, Assessment, IntelResult, IpScope, ObservableType, Severity, Verdict } from '../core/types.js';
import type { CaseReport } from '../reports/model.js';
import type { Repo } from '../store/repo.js';

const TYPE_ORDER: Record<string, number> = { ipv4: 0, ipv6: 0, url: 1, domain: 2, sha256: 3, sha1: 3, md5: 3, sha512: 3, email: 4, filepath: 5, user: 6, host: 7, process: 8, commandline: 9 };

/** `2026-11-18 09:14:02 UTC`, the form the reports use. */
function humanTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function summarize(r: Omit<CaseReport, 'case'> & { case: Omit<CaseReport['case'], 'summary'> }, related: number[]): string {
  const hosts = [...new Set(r.alerts.map((a) => a.host))];
  const first = r.alerts[0]?.time;
  const last = r.alerts[r.alerts.length - 1]?.time;
  const flagged = r.observables.filter((o) => o.risk && (o.risk.verdict === 'malicious' || o.risk.verdict === 'suspicious'));
  const parts = [
    `${r.alerts.length} alert${r.alerts.length === 1 ? '' : 's'} on ${hosts.join(', ') || 'unknown hosts'}` +
      (first && last ? (first === last ? ` at ${humanTime(first)}.` : ` between ${humanTime(first)} and ${humanTime(last)}.`) : '.'),
    `Assessed ${r.case.severity} (score ${r.assessment.score}): ${r.assessment.reasons
      .slice()
      .sort((a, b) => b.delta - a.delta)
      .slice(0, 2)
      .map((x) => x.detail)
      .join('; ')}.`,
  ];
  if (flagged.length) parts.push(`Threat intel flags ${flagged.map((o) => `${o.value} (${o.risk!.verdict})`).slice(0, 5).join(', ')}.`);
  if (r.mitre.length) parts.push(`MITRE ATT&CK: ${r.mitre.map((m) => m.id).join(', ')}.`);
  if (related.length) parts.push(`Shares indicators with case${related.length > 1 ? 's' : ''} ${related.map((n) => `#${n}`).join(', ')}.`);
  return parts.join(' ');
}

/** Everything about one case, from the store, as the report and the playbooks see it. */
export async function buildCaseReport(repo: Repo, caseId: string, clock: Clock): Promise<CaseReport | undefined> {
  const c = await repo.caseById(caseId);
  if (!c) return undefined;
  const [alertRows, obsRows, actions, tasks, timeline, related] = await Promise.all([
    repo.alertsOfCase(caseId),
    repo.observablesOfCase(caseId),
    repo.actionsOfCase(caseId),
    repo.tasksOfCase(caseId),
    repo.timelineOfCase(caseId),
    repo.relatedCaseNumbers(caseId),
  ]);
  const mitre = new Map<string, { id: string; tactic?: string; technique?: string }>();
  for (const row of alertRows) {
    const a = row.data as Alert;
    a.rule.mitre.ids.forEach((id, i) => {
      if (mitre.has(id)) return;
      const tactic = a.rule.mitre.tactics[i] ?? a.rule.mitre.tactics[0];
      const technique = a.rule.mitre.techniques[i];
      mitre.set(id, { id, ...(tactic && { tactic }), ...(technique && { technique }) });
    });
  }
  const observables = obsRows
    .map((o) => ({
      type: o.type as ObservableType,
      value: o.value,
      ...(o.scope && { scope: o.scope as IpScope }),
      ...(o.role && { role: o.role }),
      ...(o.riskScore !== null && o.verdict && { risk: { score: o.riskScore, verdict: o.verdict as Verdict } }),
      intel: o.intel as IntelResult[],
    }))
    .sort((a, b) => (b.risk?.score ?? -1) - (a.risk?.score ?? -1) || (TYPE_ORDER[a.type] ?? 99) - (TYPE_ORDER[b.type] ?? 99) || a.value.localeCompare(b.value));
  const partial = {
    generatedAt: clock.now().toISOString(),
    case: { id: c.id, number: c.number, title: c.title, status: c.status, severity: c.severity as Severity, createdAt: c.createdAt, updatedAt: c.updatedAt, tags: c.tags },
    assessment: c.assessment as Assessment,
    timeline: timeline.map((t) => ({ at: t.at, kind: t.kind, message: t.message, actor: t.actor })),
    alerts: alertRows.map((a) => {
      const role = (a.data as Alert).host.role;
      return { id: a.id, source: a.source, sourceRef: a.sourceRef, time: a.time, title: a.title, ruleId: a.ruleId, ruleLevel: a.ruleLevel, host: a.host, ...(role && { hostRole: role }), severity: a.severity as Severity, score: a.score };
    }),
    observables,
    actions,
    tasks,
    mitre: [...mitre.values()],
  };
  return { ...partial, case: { ...partial.case, summary: summarize(partial, related) } };
}
