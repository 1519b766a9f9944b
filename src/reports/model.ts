import type { ActionRecord, IntelResult, ObservableType, Reason, Severity, Task, TimelineEntry, Verdict, IpScope } from '../core/types.js';

/** Everything an incident report shows about one case; renderers only format it. */
export interface CaseReport {
  generatedAt: string;
  case: {
    id: string;
    number: number;
    title: string;
    status: string;
    severity: Severity;
    createdAt: string;
    updatedAt: string;
    /** One paragraph the pipeline writes: what happened, where, how bad. */
    summary: string;
    tags: string[];
  };
  /** The assessment behind the case's severity (its most severe alert's). */
  assessment: { severity: Severity; score: number; reasons: Reason[] };
  timeline: TimelineEntry[];
  alerts: Array<{
    id: string;
    source: string;
    sourceRef: string;
    time: string;
    title: string;
    ruleId: string;
    ruleLevel: number;
    host: string;
    /** `sensor` when `host` is a network sensor that saw the traffic rather than the asset itself. */
    hostRole?: 'agent' | 'sensor';
    severity: Severity;
    score: number;
  }>;
  observables: Array<{
    type: ObservableType;
    value: string;
    scope?: IpScope;
    role?: string;
    /** Unified risk over all providers. */
    risk?: { score: number; verdict: Verdict };
    intel: IntelResult[];
    /** How the case got it when it was not written plainly: field, decoding layers, wrapping link. */
    provenance?: { field?: string; layers?: string[]; wrapper?: string };
  }>;
  actions: ActionRecord[];
  /** Playbook steps waiting for an analyst's decision, oldest first: what each would do, on what, until when. */
  approvals?: PendingApproval[];
  tasks: Task[];
  mitre: Array<{ id: string; tactic?: string; technique?: string }>;
  /**
   * The whole case when the lists above are a window onto it: a big case's report lists its latest
   * alerts and timeline entries and its riskiest observables (REPORT_LIMITS). Absent: the lists are whole.
   */
  totals?: CaseTotals;
  /**
   * Where this case's report files are (or will be) written, as the reader should see them: paths
   * relative to the run's output folder, absolute paths or URLs. The notification points here;
   * when absent it names `reports/<reportFileName>`, the default layout under `<out>/`.
   */
  reportFiles?: { html?: string; markdown?: string };
  /** The case in Vigil's web UI (`server.publicUrl`, or `notify.caseUrl`), shown as a link when set. */
  url?: string | null;
}

/** A playbook step paused for approval, as the report and the notification show it. */
export interface PendingApproval {
  runId: string;
  playbook: string;
  step: string;
  /** The action the step runs (`isolate-host`). */
  action: string;
  message: string;
  /** What it would act on (screened: refused targets are not asked about). */
  targets: string[];
  requestedAt: string;
  expiresAt: string;
}

/** A rendered notification body for one case. */
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

/** At most this many of each list go into a case report; the totals still count them all. */
export const REPORT_LIMITS = { alerts: 500, observables: 500, timeline: 500 } as const;

export interface CaseTotals {
  alerts: number;
  observables: number;
  timeline: number;
  /**
   * Every host of the case's alerts in order of first appearance, by canonical name (src/core/identity.ts);
   * `sensor`: a network sensor that saw the traffic; `aliases`: the other names alerts gave it.
   */
  hosts: Array<{ name: string; role?: 'agent' | 'sensor'; aliases?: string[] }>;
  sources: string[];
  ruleIds: string[];
  /** Every rule group the case's alerts carry (from the store; absent when worked out from the lists). */
  ruleGroups?: string[];
  firstAlertAt?: string;
  lastAlertAt?: string;
}

/** The case's totals, worked out from the lists when the report holds them whole. */
export function totalsOf(r: CaseReport): CaseTotals {
  if (r.totals) return r.totals;
  const hosts = new Map<string, CaseTotals['hosts'][number]>();
  for (const a of r.alerts) if (!hosts.has(a.host)) hosts.set(a.host, { name: a.host, ...(a.hostRole && { role: a.hostRole }) });
  return {
    alerts: r.alerts.length,
    observables: r.observables.length,
    timeline: r.timeline.length,
    hosts: [...hosts.values()],
    sources: [...new Set(r.alerts.map((a) => a.source))],
    ruleIds: [...new Set(r.alerts.map((a) => a.ruleId))],
    ...(r.alerts.length && { firstAlertAt: r.alerts[0]!.time, lastAlertAt: r.alerts[r.alerts.length - 1]!.time }),
  };
}

/**
 * The hosts that are the case's assets: a sensor only saw the traffic, and a mailbox is not a host
 * (a phishing alert names its recipient where other alerts name a machine), so host tasks and
 * containment never target `bob@corp.example`.
 */
export function assetHosts(r: CaseReport): string[] {
  return totalsOf(r)
    .hosts.filter((h) => h.role !== 'sensor' && !h.name.includes('@'))
    .map((h) => h.name);
}
