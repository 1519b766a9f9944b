// One case with many alerts, observables and timeline entries, written straight through the
// store's batch write (thousands of alerts a second) instead of the pipeline or the API.
import type { Alert, Assessment, Observable, Verdict } from '../../src/core/types.js';
import type { AuditRow, Repo } from '../../src/store/repo.js';

export const BIG_CASE_RULES = [
  { source: 'wazuh', id: '5710', title: 'sshd: Attempt to login using a non-existent user', share: 6 },
  { source: 'wazuh', id: '5712', title: 'sshd: brute force trying to get access to the system', share: 3 },
  { source: 'suricata', id: '2001219', title: 'ET SCAN Potential SSH Scan', share: 2 },
  { source: 'wazuh', id: '5715', title: 'sshd: authentication success', share: 1 },
];
const WEIGHTS = BIG_CASE_RULES.flatMap((r, i) => Array<number>(r.share).fill(i));

const assessment: Assessment = { severity: 'HIGH', score: 62, reasons: [{ factor: 'rule-level', detail: 'Wazuh rule 5712 level 10 of 15', delta: 47 }] };

/**
 * The n-th alert: three alerts share each second, and times carry microseconds, so a page boundary
 * falls between alerts of the same instant and a cursor must keep the stored precision.
 */
function alertAt(n: number): Alert {
  const rule = BIG_CASE_RULES[WEIGHTS[n % WEIGHTS.length]!]!;
  const second = new Date(Date.UTC(2026, 10, 18, 9) + Math.floor(n / 3) * 1000).toISOString().slice(0, 19);
  return {
    id: `big_${n}`,
    source: rule.source,
    sourceRef: `ref-${n}`,
    time: `${second}.${String(123456 + (n % 3)).padStart(6, '0')}Z`,
    title: rule.title,
    description: '',
    rule: { id: rule.id, level: rule.id === '5712' ? 10 : 5, scale: 'wazuh', groups: ['sshd'], mitre: { ids: ['T1110'], tactics: ['Credential Access'], techniques: ['Brute Force'] } },
    host: { name: `web-0${n % 4}` },
    observables: [],
    raw: {},
  };
}

/** Observable k: every fifth malicious or suspicious, some never looked up, risks that are not exact in binary (0.1 steps). */
function observableAt(k: number): { observable: Observable; risk?: { score: number; verdict: Verdict } } {
  const observable: Observable = { type: 'ipv4', value: `203.0.${Math.floor(k / 250)}.${k % 250}`, role: 'src', scope: 'public' };
  if (k % 7 === 0) return { observable };
  const verdict: Verdict = k % 5 === 0 ? 'malicious' : k % 5 === 1 ? 'suspicious' : 'safe';
  return { observable, risk: { score: ((k * 37) % 1000) / 10, verdict } };
}

/** Writes case `caseId` with `alerts` alerts, `observables` observables and `timeline` timeline entries; returns its number. */
export async function writeBigCase(repo: Repo, opts: { caseId?: string; alerts: number; observables?: number; timeline?: number }): Promise<number> {
  const caseId = opts.caseId ?? 'case_big';
  const first = alertAt(0).time;
  for (let from = 0; from < opts.alerts; from += 1000) {
    const alerts = Array.from({ length: Math.min(1000, opts.alerts - from) }, (_, i) => alertAt(from + i));
    await repo.saveBatch({
      alerts: alerts.map((alert) => ({ alert, assessment, caseId })),
      cases: [{ id: caseId, opened: from === 0, title: 'SSH brute force on web-00…web-03', severity: 'HIGH', score: 62, assessment, alertCount: from + alerts.length, firstAlertAt: first, lastAlertAt: alerts.at(-1)!.time, summary: '' }],
      keys: [{ key: 'h:web-00', caseId, firstSeen: first, lastSeen: alerts.at(-1)!.time }],
      observables: [],
      caseObservables: [],
      audit: from === 0 ? [{ at: first, actor: 'vigil', kind: 'case.opened', caseId, message: 'Case opened' }] : [],
    });
  }
  const obs = Array.from({ length: opts.observables ?? 0 }, (_, k) => observableAt(k));
  for (let from = 0; from < obs.length; from += 1000) {
    const part = obs.slice(from, from + 1000);
    await repo.saveBatch({
      alerts: [],
      cases: [],
      keys: [],
      observables: part.map((o) => ({ observable: o.observable, seenAt: first, ...(o.risk && { risk: o.risk }) })),
      caseObservables: part.map((o) => ({ caseId, observable: o.observable })),
      audit: [],
    });
  }
  const audit: AuditRow[] = Array.from({ length: opts.timeline ?? 0 }, (_, i) => ({ at: first, actor: i % 2 ? 'vigil' : 'analyst-1', kind: 'case.updated', caseId, message: `Timeline entry ${i + 1}` }));
  for (let from = 0; from < audit.length; from += 1000) await repo.audit(audit.slice(from, from + 1000));
  const c = await repo.caseById(caseId);
  if (!c) throw new Error(`case ${caseId} was not written`);
  return c.number;
}
