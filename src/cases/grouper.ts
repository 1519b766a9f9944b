import type { VigilConfig } from '../config.js';
import { stableId } from '../core/ids.js';
import { maxSeverity, severityRank, type Alert, type Assessment, type Severity } from '../core/types.js';

export type GroupingConfig = VigilConfig['cases'];

/** What the grouper knows of an open case. */
export interface OpenCase {
  id: string;
  severity: Severity;
  score: number;
  title: string;
  assessment: Assessment;
  firstAlertAt: number;
  lastAlertAt: number;
  alertCount: number;
  hosts: Set<string>;
}

export interface CaseChange {
  caseId: string;
  /** True when this alert opened the case. */
  opened: boolean;
  /** True when this alert raised the case's severity. */
  escalated: boolean;
  /** Keys the alert brought (for the store's case_keys). */
  keys: string[];
  /** Why the alert joined an existing case (the shared key), for the timeline. */
  joinedBy?: string;
}

/** Human wording of a grouping key, for the case timeline. */
export function describeKey(key: string): string {
  const [kind, ...rest] = key.split(':');
  if (kind === 'o') return `shares ${rest[0]} ${rest.slice(1).join(':')}`;
  if (kind === 'r') return `same rule ${rest.join(':')}`;
  if (kind === 'h') return `same host ${rest.join(':')}`;
  return key;
}

/**
 * Decides which case an alert belongs to. Alerts that share a key (an observable, a rule, a host —
 * whichever `groupBy` lists) with an open case whose last alert is within the window join it;
 * otherwise they open a new case. Pure and in-memory: the runner seeds it from the store and
 * persists what it returns, so the same code serves the embedded run and the workers.
 */
export class CaseGrouper {
  /** key → the case it points at and when an alert last carried it (ms). */
  private readonly index = new Map<string, { caseId: string; lastSeen: number }>();
  readonly cases = new Map<string, OpenCase>();
  private readonly observableTypes: Set<string>;

  constructor(private readonly cfg: GroupingConfig) {
    this.observableTypes = new Set(cfg.groupObservableTypes);
  }

  /** Seeds an open case and its keys from the store. */
  seed(c: OpenCase, keys: Array<{ key: string; lastSeen: number }>): void {
    this.cases.set(c.id, c);
    for (const k of keys) {
      const cur = this.index.get(k.key);
      if (!cur || cur.lastSeen < k.lastSeen) this.index.set(k.key, { caseId: c.id, lastSeen: k.lastSeen });
    }
  }

  keysOf(alert: Alert): string[] {
    const keys: string[] = [];
    for (const by of this.cfg.groupBy) {
      if (by === 'host') keys.push(`h:${alert.host.name.toLowerCase()}`);
      else if (by === 'rule') keys.push(`r:${alert.source}:${alert.rule.id}`);
      else {
        for (const o of alert.observables) {
          if (this.observableTypes.has(o.type)) keys.push(`o:${o.type}:${o.value}`);
        }
      }
    }
    return [...new Set(keys)];
  }

  assign(alert: Alert, assessment: Assessment): CaseChange {
    const t = Date.parse(alert.time);
    const keys = this.keysOf(alert);
    let best: OpenCase | undefined;
    let bestKey: string | undefined;
    for (const k of keys) {
      const hit = this.index.get(k);
      if (!hit || Math.abs(t - hit.lastSeen) > this.cfg.window) continue;
      const c = this.cases.get(hit.caseId);
      if (!c) continue;
      // Prefer the most severe candidate, then the most recently active one.
      if (!best || severityRank(c.severity) > severityRank(best.severity) || (c.severity === best.severity && c.lastAlertAt > best.lastAlertAt)) {
        best = c;
        bestKey = k;
      }
    }
    let opened = false;
    let escalated = false;
    if (!best) {
      opened = true;
      best = {
        id: stableId('case', alert.id),
        severity: assessment.severity,
        score: assessment.score,
        title: caseTitle(alert),
        assessment,
        firstAlertAt: t,
        lastAlertAt: t,
        alertCount: 0,
        hosts: new Set(),
      };
      this.cases.set(best.id, best);
    } else if (assessment.score > best.score) {
      escalated = severityRank(assessment.severity) > severityRank(best.severity);
      best.severity = maxSeverity(best.severity, assessment.severity);
      best.score = assessment.score;
      best.assessment = assessment;
      best.title = caseTitle(alert);
    }
    best.alertCount++;
    best.hosts.add(alert.host.name);
    best.firstAlertAt = Math.min(best.firstAlertAt, t);
    best.lastAlertAt = Math.max(best.lastAlertAt, t);
    for (const k of keys) {
      const cur = this.index.get(k);
      if (!cur || cur.caseId === best.id || cur.lastSeen <= t) this.index.set(k, { caseId: best.id, lastSeen: Math.max(t, cur?.caseId === best.id ? cur.lastSeen : 0) });
    }
    return { caseId: best.id, opened, escalated, keys, ...(bestKey !== undefined && !opened && { joinedBy: bestKey }) };
  }
}

/** `<what happened> on <host>`, naming the attacker when the alert has a public source address. */
export function caseTitle(alert: Alert): string {
  const src = alert.observables.find((o) => o.role === 'src' && o.scope === 'public');
  const from = src && !alert.title.includes(src.value) ? ` from ${src.value}` : '';
  return `${alert.title}${from} on ${alert.host.name}`.slice(0, 300);
}
