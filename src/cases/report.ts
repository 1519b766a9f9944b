import type { Clock } from '../core/clock.js';
import type { Alert, Assessment, IntelResult, IpScope, ObservableType, Severity, Verdict } from '../core/types.js';
import { REPORT_LIMITS, totalsOf, type CaseReport, type CaseTotals } from '../reports/model.js';
import type { Repo } from '../store/repo.js';
import { sql } from 'drizzle-orm';
import type { PendingApproval } from '../reports/model.js';

const TYPE_ORDER: Record<string, number> = { ipv4: 0, ipv6: 0, url: 1, domain: 2, sha256: 3, sha1: 3, md5: 3, sha512: 3, email: 4, filepath: 5, user: 6, host: 7, process: 8, commandline: 9 };

async function turn<T>(f: () => Promise<T>): Promise<T> {
  await new Promise((r) => setImmediate(r));
  return f();
}

function roleOf(r: string | null): 'agent' | 'sensor' | undefined {
  return r === 'agent' || r === 'sensor' ? r : undefined;
}

/** `2026-11-18 09:14:02 UTC`, the form the reports use. */
function humanTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function summarize(r: Omit<CaseReport, 'case'> & { case: Omit<CaseReport['case'], 'summary'> }, related: number[]): string {
  const all = totalsOf(r as CaseReport);
  // The canonical name, with the other names alerts used for it: "ws-042 (ws-042.corp.example)".
  const hosts = all.hosts.map((h) => (h.aliases?.length ? `${h.name} (${h.aliases.slice(0, 3).join(', ')})` : h.name));
  const first = all.firstAlertAt;
  const last = all.lastAlertAt;
  const flagged = r.observables.filter((o) => o.risk && (o.risk.verdict === 'malicious' || o.risk.verdict === 'suspicious'));
  const shownHosts = hosts.length > 10 ? `${hosts.slice(0, 10).join(', ')} and ${hosts.length - 10} more hosts` : hosts.join(', ');
  const parts = [
    `${all.alerts} alert${all.alerts === 1 ? '' : 's'} on ${shownHosts || 'unknown hosts'}` +
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

/**
 * Everything about one case, from the store, as the report and the playbooks see it. The cost is
 * bounded by REPORT_LIMITS, not by the size of the case: a brute force with 50,000 alerts is reported
 * (and re-reported as it grows) with its latest alerts, its riskiest observables and totals over all.
 */
/** The case's playbook steps waiting for approval, oldest first, with what each would act on. */
export async function pendingApprovals(repo: Repo, caseId: string): Promise<PendingApproval[]> {
  const r = await repo.db.execute(sql`select a.run_id, a.step_id, a.message, a.requested_at, a.expires_at, r.playbook, r.steps
    from approvals a join playbook_runs r on r.id = a.run_id where a.case_id = ${caseId} and a.status = 'pending' order by a.requested_at, a.id limit 20`);
  const rows = ((r as unknown as { rows: Array<Record<string, unknown>> }).rows ?? []);
  const iso = (v: unknown) => new Date(v as string).toISOString();
  return rows.map((row) => {
    const steps = (typeof row.steps === 'string' ? JSON.parse(row.steps) : row.steps) as Array<{ id: string; uses: string; approval?: { preview?: string[] } }> | null;
    const step = steps?.find((s) => s.id === row.step_id);
    return {
      runId: String(row.run_id),
      playbook: String(row.playbook),
      step: String(row.step_id),
      action: step?.uses ?? '',
      message: String(row.message ?? ''),
      targets: step?.approval?.preview ?? [],
      requestedAt: iso(row.requested_at),
      expiresAt: iso(row.expires_at),
    };
  });
}

export async function buildCaseReport(repo: Repo, caseId: string, clock: Clock): Promise<CaseReport | undefined> {
  const c = await repo.caseById(caseId);
  if (!c) return undefined;
  // One query after another, with a turn of the event loop between: the embedded store runs each
  // synchronously, and a report's queries at once would hold up webhook requests for all of them.
  const alertRows = await turn(() => repo.recentAlertsOfCase(caseId, REPORT_LIMITS.alerts));
  const facets = await turn(() => repo.alertFacetsOfCase(caseId));
  const obs = await turn(() => repo.observablesOfCase(caseId, REPORT_LIMITS.observables));
  const actions = await turn(() => repo.actionsOfCase(caseId));
  const tasks = await turn(() => repo.tasksOfCase(caseId));
  const timeline = await turn(() => repo.recentTimelineOfCase(caseId, REPORT_LIMITS.timeline));
  const related = await turn(() => repo.relatedCaseNumbers(caseId));
  const approvals = await turn(() => pendingApprovals(repo, caseId));
  const roleOfHost = new Map(facets.map((f) => [`${f.source}\u0000${f.host}`, roleOf(f.hostRole)]));
  const mitre = new Map<string, { id: string; tactic?: string; technique?: string }>();
  const hosts = new Map<string, CaseTotals['hosts'][number]>();
  let alertTotal = 0;
  for (const f of facets) {
    alertTotal += f.count;
    const role = roleOf(f.hostRole);
    const known = hosts.get(f.host);
    if (!known) hosts.set(f.host, { name: f.host, ...(role && { role }), ...(f.hostAliases && { aliases: [...f.hostAliases] }) });
    else if (f.hostAliases) known.aliases = [...new Set([...(known.aliases ?? []), ...f.hostAliases])];
    const m = f.mitre as Alert['rule']['mitre'] | null;
    m?.ids?.forEach((id, i) => {
      if (mitre.has(id)) return;
      const tactic = m.tactics?.[i] ?? m.tactics?.[0];
      const technique = m.techniques?.[i];
      mitre.set(id, { id, ...(tactic && { tactic }), ...(technique && { technique }) });
    });
  }
  const observables = obs.rows
    .map((o) => ({
      type: o.type as ObservableType,
      value: o.value,
      ...(o.scope && { scope: o.scope as IpScope }),
      ...(o.role && { role: o.role }),
      ...(o.riskScore !== null && o.verdict && { risk: { score: o.riskScore, verdict: o.verdict as Verdict } }),
      intel: o.intel as IntelResult[],
      ...(o.provenance && { provenance: o.provenance }),
    }))
    .sort((a, b) => (b.risk?.score ?? -1) - (a.risk?.score ?? -1) || (TYPE_ORDER[a.type] ?? 99) - (TYPE_ORDER[b.type] ?? 99) || a.value.localeCompare(b.value));
  const partial = {
    generatedAt: clock.now().toISOString(),
    case: { id: c.id, number: c.number, title: c.title, status: c.status, severity: c.severity as Severity, createdAt: c.createdAt, updatedAt: c.updatedAt, tags: c.tags },
    assessment: c.assessment as Assessment,
    timeline: timeline.rows.map((t) => ({ at: t.at, kind: t.kind, message: t.message, actor: t.actor })),
    alerts: alertRows.map((a) => ({
      id: a.id,
      source: a.source,
      sourceRef: a.sourceRef,
      time: a.time,
      title: a.title,
      ruleId: a.ruleId,
      ruleLevel: a.ruleLevel,
      host: a.host,
      ...(roleOfHost.get(`${a.source}\u0000${a.host}`) && { hostRole: roleOfHost.get(`${a.source}\u0000${a.host}`) }),
      severity: a.severity as Severity,
      score: a.score,
    })),
    observables,
    actions,
    ...(approvals.length && { approvals }),
    tasks,
    mitre: [...mitre.values()],
    totals: {
      alerts: alertTotal,
      observables: obs.total,
      timeline: timeline.total,
      hosts: [...hosts.values()],
      sources: [...new Set(facets.map((f) => f.source))],
      ruleIds: [...new Set(facets.map((f) => f.ruleId))],
      ruleGroups: [...new Set(facets.flatMap((f) => f.ruleGroups))],
      ...(alertTotal > 0 && { firstAlertAt: c.firstAlertAt, lastAlertAt: c.lastAlertAt }),
    },
  };
  return { ...partial, case: { ...partial.case, summary: summarize(partial, related) } };
}
