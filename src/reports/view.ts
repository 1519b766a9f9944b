import type { Severity, Verdict } from '../core/types.js';
import { totalsOf, type CaseReport } from './model.js';
import { byTime, cleanText, formatDelta, formatScore, formatTime, oneLine } from './text.js';

// One display-ready shape for every renderer, so the HTML report, the Markdown report and the
// notification cannot drift apart in what they show or how they order it. Values here are
// cleaned but NOT escaped: escaping depends on the output format and is each renderer's job.

export type Tone = 'up' | 'down' | 'zero';

export interface ReasonView { factor: string; detail: string; delta: string; tone: Tone; magnitude: number }

export interface IntelView {
  provider: string;
  verdict: Verdict;
  score: string;
  evidence: string[];
  tags: string[];
  /** `first seen … · last seen …`, empty when the provider gave neither. */
  seen: string;
  /** Why the answer is degraded, when it is. */
  degraded: string;
}

export interface ObservableView {
  type: string;
  value: string;
  scope: string;
  role: string;
  /** How it was found when not written plainly: "decoded from PowerShell -EncodedCommand in data.win.eventdata.commandLine". */
  found: string;
  risk?: { verdict: Verdict; score: string; raw: number };
  intel: IntelView[];
}

export interface ActionView {
  status: string;
  action: string;
  target: string;
  reason: string;
  playbook: string;
  artifact: string;
  at: string;
}

export interface MitreView { id: string; tactic: string; technique: string; url?: string }

export interface ReportView {
  /** `Case #3` */
  caseLabel: string;
  title: string;
  caseId: string;
  /** Link to the case in Vigil, only ever an http(s) URL; empty when none is configured. */
  caseUrl: string;
  status: string;
  severity: Severity;
  createdAt: string;
  updatedAt: string;
  generatedAt: string;
  summary: string;
  tags: string[];
  assessment: { severity: Severity; score: string; reasons: ReasonView[]; reasonTotal: string };
  timeline: Array<{ at: string; kind: string; message: string; actor: string }>;
  alerts: Array<{
    time: string; source: string; sourceRef: string; title: string;
    ruleId: string; ruleLevel: string; host: string; severity: Severity; score: string;
  }>;
  observables: ObservableView[];
  actions: ActionView[];
  /** Steps waiting for approval: what they would do, on what, until when, and how to decide. */
  approvals: Array<{ playbook: string; step: string; action: string; message: string; targets: string[]; requestedAt: string; expiresAt: string; decide: string }>;
  tasks: Array<{ title: string; description: string; group: string; status: string; createdBy: string; createdAt: string }>;
  mitre: MitreView[];
  /** Totals over the whole case; the lists hold fewer when the case is bigger than a report shows. */
  totals: { alerts: number; observables: number; timeline: number };
}

const SEVERITY_VALUES: readonly Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const VERDICT_VALUES: readonly Verdict[] = ['info', 'safe', 'suspicious', 'malicious', 'unknown'];

// Both flow into CSS class names; anything outside the enums is shown as the least alarming
// known value rather than trusted as a class.
function severityOf(value: unknown): Severity {
  return SEVERITY_VALUES.includes(value as Severity) ? (value as Severity) : 'LOW';
}
function verdictOf(value: unknown): Verdict {
  return VERDICT_VALUES.includes(value as Verdict) ? (value as Verdict) : 'unknown';
}

// Only well-formed technique ids get a link, so a hostile id can never become a `javascript:`
// or off-site URL: the href is built from the matched digits, not from the input.
const TECHNIQUE_ID = /^T(\d{4})(?:\.(\d{3}))?$/;
const TACTIC_ID = /^TA(\d{4})$/;

/** The ATT&CK page for a technique or tactic id, or undefined when the id is not one. */
export function mitreUrl(id: string): string | undefined {
  const t = TECHNIQUE_ID.exec(id);
  if (t) return `https://attack.mitre.org/techniques/T${t[1]}/${t[2] ? `${t[2]}/` : ''}`;
  const ta = TACTIC_ID.exec(id);
  if (ta) return `https://attack.mitre.org/tactics/TA${ta[1]}/`;
  return undefined;
}

function tone(delta: number): Tone {
  return delta > 0 ? 'up' : delta < 0 ? 'down' : 'zero';
}

/** Builds the display model: cleaned strings, formatted times and signs, reading order. */
export function buildView(report: CaseReport): ReportView {
  const c = report.case;
  const reasons = report.assessment.reasons.map((r) => ({
    factor: oneLine(r.factor),
    detail: oneLine(r.detail),
    delta: formatDelta(r.delta),
    tone: tone(r.delta),
    magnitude: Math.abs(r.delta),
  }));
  const reasonSum = report.assessment.reasons.reduce((sum, r) => sum + (Number.isFinite(r.delta) ? r.delta : 0), 0);

  // Riskiest first: the reader is looking for what is bad, and the model order is extraction order.
  const observables = report.observables
    .map((o, index) => ({ o, index }))
    .sort((a, b) => (b.o.risk?.score ?? -1) - (a.o.risk?.score ?? -1) || a.index - b.index)
    .map(({ o }): ObservableView => {
      const view: ObservableView = {
        type: oneLine(o.type),
        value: oneLine(o.value),
        scope: oneLine(o.scope),
        role: oneLine(o.role),
        found: oneLine(foundNote(o.provenance)),
        // `raw` is deliberately not carried over: provider answers can be large, may hold account
        // details, and belong in the JSON artifacts, not in a document that gets forwarded.
        intel: o.intel.map((r) => ({
          provider: oneLine(r.provider),
          verdict: verdictOf(r.verdict),
          score: formatScore(r.score),
          evidence: r.evidence.map(oneLine).filter((l) => l !== ''),
          tags: r.tags.map(oneLine).filter((t) => t !== ''),
          seen: [
            r.firstSeen ? `first seen ${formatTime(r.firstSeen)}` : '',
            r.lastSeen ? `last seen ${formatTime(r.lastSeen)}` : '',
          ].filter(Boolean).join(' · '),
          degraded: r.partial || r.error ? oneLine(r.error) || 'partial answer' : '',
        })),
      };
      if (o.risk) view.risk = { verdict: verdictOf(o.risk.verdict), score: formatScore(o.risk.score), raw: o.risk.score };
      return view;
    });

  return {
    caseLabel: `Case #${c.number}`,
    title: oneLine(c.title),
    caseId: oneLine(c.id),
    caseUrl: report.url && /^https?:\/\/[^\s<>"'`|]+$/.test(report.url) ? report.url : '',
    status: oneLine(c.status),
    severity: severityOf(c.severity),
    createdAt: formatTime(c.createdAt),
    updatedAt: formatTime(c.updatedAt),
    generatedAt: formatTime(report.generatedAt),
    summary: cleanText(c.summary).trim(),
    tags: c.tags.map(oneLine).filter((t) => t !== ''),
    assessment: {
      severity: severityOf(report.assessment.severity),
      score: formatScore(report.assessment.score),
      reasons,
      reasonTotal: formatDelta(reasonSum),
    },
    timeline: byTime(report.timeline, (t) => t.at).map((t) => ({
      at: formatTime(t.at),
      kind: oneLine(t.kind),
      message: oneLine(t.message),
      actor: oneLine(t.actor),
    })),
    alerts: byTime(report.alerts, (a) => a.time).map((a) => ({
      time: formatTime(a.time),
      source: oneLine(a.source),
      sourceRef: oneLine(a.sourceRef),
      title: oneLine(a.title),
      ruleId: oneLine(a.ruleId),
      ruleLevel: formatScore(a.ruleLevel),
      host: oneLine(a.host),
      severity: severityOf(a.severity),
      score: formatScore(a.score),
    })),
    observables,
    actions: byTime(report.actions, (a) => a.at).map((a) => ({
      status: oneLine(a.status),
      action: oneLine(a.action),
      target: oneLine(a.target),
      reason: oneLine(a.reason),
      playbook: oneLine(a.playbook),
      artifact: oneLine(a.artifact),
      at: formatTime(a.at),
    })),
    approvals: (report.approvals ?? []).map((a) => ({
      playbook: oneLine(a.playbook),
      step: oneLine(a.step),
      action: oneLine(a.action),
      message: oneLine(a.message),
      targets: a.targets.map(oneLine).filter(Boolean).slice(0, 20),
      requestedAt: formatTime(a.requestedAt),
      expiresAt: formatTime(a.expiresAt),
      decide: `vigil playbooks approve ${oneLine(a.runId)} --step ${oneLine(a.step)} (or --reject)`,
    })),
    tasks: report.tasks.map((t) => ({
      title: oneLine(t.title),
      description: cleanText(t.description).trim(),
      group: oneLine(t.group),
      status: oneLine(t.status),
      createdBy: oneLine(t.createdBy),
      createdAt: formatTime(t.createdAt),
    })),
    totals: (({ alerts, observables, timeline }) => ({ alerts, observables, timeline }))(totalsOf(report)),
    mitre: report.mitre.map((m) => {
      const id = oneLine(m.id);
      const view: MitreView = { id, tactic: oneLine(m.tactic), technique: oneLine(m.technique) };
      const url = mitreUrl(id);
      if (url) view.url = url;
      return view;
    }),
  };
}

/** Says that a list is a window onto a bigger case, or nothing when it is whole. */
export function windowNote(shown: number, total: number, what: 'alerts' | 'observables' | 'timeline'): string {
  if (shown >= total) return '';
  const n = (x: number) => x.toLocaleString('en-US');
  if (what === 'observables') return `The ${n(shown)} riskiest of ${n(total)} observables (every malicious or suspicious one first); the case in the API or the web UI has them all.`;
  if (what === 'alerts') return `The latest ${n(shown)} of ${n(total)} alerts; the case in the API or the web UI has them all.`;
  return `The latest ${n(shown)} of ${n(total)} timeline entries; the case in the API or the web UI has them all.`;
}

/** The reasons that moved the score most, largest first: what a notification has room for. */
export function topReasons(view: ReportView, n: number): ReasonView[] {
  return view.assessment.reasons
    .map((r, index) => ({ r, index }))
    .sort((a, b) => b.r.magnitude - a.r.magnitude || a.index - b.index)
    .slice(0, n)
    .map(({ r }) => r);
}

/** Counts for the action line of a notification and the report's section intro. */
export function actionCounts(view: ReportView): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of view.actions) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

/** A class-name-safe token for an action status (statuses outside the schema get `other`). */
export function statusClass(status: string): string {
  return ['simulated', 'executed', 'refused', 'failed', 'skipped', 'joined'].includes(status) ? status : 'other';
}

/** The headline counts under the summary: what a reader checks before reading on. */
export function keyFacts(view: ReportView): Array<{ value: string; label: string }> {
  const plural = (n: number, one: string, many: string) => ({ value: String(n), label: n === 1 ? one : many });
  const flagged = view.observables.filter((o) => o.risk?.verdict === 'malicious' || o.risk?.verdict === 'suspicious').length;
  const counts = actionCounts(view);
  const facts = [
    plural(view.totals.alerts, 'alert', 'alerts'),
    plural(view.totals.observables, 'observable', 'observables'),
    plural(flagged, 'flagged malicious or suspicious', 'flagged malicious or suspicious'),
  ];
  for (const status of Object.keys(counts).sort()) {
    facts.push(plural(counts[status]!, `action ${status}`, `actions ${status}`));
  }
  if (view.actions.length === 0) facts.push(plural(0, 'actions', 'actions'));
  facts.push(plural(view.tasks.length, 'task', 'tasks'));
  facts.push(plural(view.mitre.length, 'ATT&CK technique', 'ATT&CK techniques'));
  return facts;
}

/**
 * Observables with intelligence or a risk score get a card each; the rest (users, hosts, internal
 * addresses nobody looked up) fit in one compact table, so the cards that matter stay visible.
 */
export function splitObservables(view: ReportView): { enriched: ObservableView[]; plain: ObservableView[] } {
  const enriched: ObservableView[] = [];
  const plain: ObservableView[] = [];
  for (const o of view.observables) (o.intel.length > 0 || o.risk ? enriched : plain).push(o);
  return { enriched, plain };
}

const LAYER_WORDS: Record<string, string> = {
  'powershell-enc': 'PowerShell -EncodedCommand',
  base64: 'base64',
  gzip: 'gzip',
  deflate: 'deflate',
  percent: 'percent-encoding',
  redirect: 'a redirect link',
  safelinks: 'Microsoft Safe Links',
  'urldefense-v1': 'Proofpoint URL Defense v1',
  'urldefense-v2': 'Proofpoint URL Defense v2',
  'urldefense-v3': 'Proofpoint URL Defense v3',
  mimecast: 'Mimecast URL Protect',
  'google-redirect': 'a Google redirect',
};

/** How an observable was found when it was not written plainly, in words; empty when it was. */
export function foundNote(p: { field?: string; layers?: string[]; wrapper?: string } | undefined): string {
  if (!p || (!p.layers?.length && !p.wrapper)) return '';
  const layers = (p.layers ?? []).map((l) => LAYER_WORDS[l] ?? l).join(' → ');
  const where = p.field ? ` in ${p.field}` : '';
  const wrapper = p.wrapper ? `; wrapped in ${p.wrapper.length > 120 ? `${p.wrapper.slice(0, 117)}...` : p.wrapper}` : '';
  return `decoded from ${layers || 'a link'}${where}${wrapper}`;
}

/** Why an observable has no provider results, in words a reader understands. */
export function notLookedUpNote(o: ObservableView): string {
  if (o.scope && o.scope !== 'public') return `${o.scope} address, not looked up`;
  return 'no provider results';
}
