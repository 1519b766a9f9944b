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
  }>;
  actions: ActionRecord[];
  tasks: Task[];
  mitre: Array<{ id: string; tactic?: string; technique?: string }>;
  /**
   * Where this case's report files are (or will be) written, as the reader should see them: paths
   * relative to the run's output folder, absolute paths or URLs. The notification points here;
   * when absent it names `reports/<reportFileName>`, the default layout under `<out>/`.
   */
  reportFiles?: { html?: string; markdown?: string };
}

/** A rendered notification body for one case. */
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}
