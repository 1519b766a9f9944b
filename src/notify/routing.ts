// Which channels a case notification goes to, and when: routes, quiet hours, digest and throttling.
// Pure functions over plain facts, so every rule is tested without a store or a network.
import { compileGlob, type Glob } from '../core/glob.js';
import { stableId } from '../core/ids.js';
import { severityRank, type Severity } from '../core/types.js';
import type { NotifySettings, RouteConfig } from './config.js';
import type { CaseEvent } from './payload.js';
import { quietUntil } from './quiet-hours.js';
import type { TemplateName } from './templates.js';

/** What routing looks at about a case. */
export interface CaseFacts {
  severity: Severity;
  status: string;
  sources: string[];
  tags: string[];
  hosts: string[];
  /** What changed since the case was last considered: opened, escalated, updated. */
  events: ReadonlySet<CaseEvent>;
  /** Outcomes of the case's playbook steps. */
  outcomes: Array<{ action: string; status: string }>;
}

export interface Route {
  name: string;
  match: RouteConfig['match'] & { minSeverity: Severity };
  channels: string[];
  template: TemplateName;
  digest: boolean;
  quietHours: boolean;
  throttleMs: number;
  final: boolean;
  /** Events the route answers to; undefined means any (the implicit route without config). */
  events: ReadonlySet<CaseEvent> | undefined;
  /** Re-notify on updates at an already-notified severity (the route lists `updated`). */
  repeats: boolean;
  hostPatterns: Glob[] | undefined;
}

const DEFAULT_EVENTS: CaseEvent[] = ['opened', 'escalated'];

/**
 * The routes in force. Without `notify.routes` there is one implicit route: every case at or above
 * `minSeverity` to `notify.channels`, once per severity (what Vigil always did).
 */
export function resolveRoutes(s: Pick<NotifySettings, 'routes' | 'minSeverity' | 'channels' | 'throttleMs'>): Route[] {
  if (!s.routes) {
    return [{ name: 'default', match: { minSeverity: s.minSeverity }, channels: s.channels, template: 'standard', digest: true, quietHours: true, throttleMs: s.throttleMs, final: true, events: undefined, repeats: false, hostPatterns: undefined }];
  }
  return s.routes.map((r) => {
    const events = new Set(r.match.events ?? DEFAULT_EVENTS);
    return {
      name: r.name,
      match: { ...r.match, minSeverity: r.match.minSeverity ?? s.minSeverity },
      channels: r.channels,
      template: r.template,
      digest: r.digest,
      quietHours: r.quietHours,
      throttleMs: r.throttle ?? s.throttleMs,
      final: r.final,
      events,
      repeats: events.has('updated'),
      hostPatterns: r.match.hosts?.map(compileGlob),
    };
  });
}

const anyOf = (wanted: string[] | undefined, have: string[]): boolean => !wanted || wanted.some((w) => have.some((h) => h.toLowerCase() === w.toLowerCase()));

export function routeMatches(route: Route, f: CaseFacts): boolean {
  const m = route.match;
  if (severityRank(f.severity) < severityRank(m.minSeverity)) return false;
  if (m.maxSeverity && severityRank(f.severity) > severityRank(m.maxSeverity)) return false;
  if (route.events && ![...f.events].some((e) => route.events!.has(e))) return false;
  if (!anyOf(m.sources, f.sources)) return false;
  if (!anyOf(m.tags, f.tags)) return false;
  if (!anyOf(m.status, [f.status])) return false;
  if (route.hostPatterns && !route.hostPatterns.some((p) => f.hosts.some((h) => p.test(h)))) return false;
  if (m.playbookOutcome) {
    const outcomes = m.playbookAction ? f.outcomes.filter((o) => m.playbookAction!.includes(o.action)) : f.outcomes;
    if (!outcomes.some((o) => m.playbookOutcome!.includes(o.status as never))) return false;
  }
  return true;
}

/**
 * Channels for a case, each with the route that sends to it. Routes are checked in order; every
 * matching route adds its channels, the first route naming a channel decides its template, and a
 * matching `final` route ends the search.
 */
export function selectRoutes(routes: Route[], f: CaseFacts): Array<{ channel: string; route: Route }> {
  const out = new Map<string, Route>();
  for (const r of routes) {
    if (!routeMatches(r, f)) continue;
    for (const c of r.channels) if (!out.has(c)) out.set(c, r);
    if (r.final) break;
  }
  return [...out].map(([channel, route]) => ({ channel, route }));
}

/** The id of a case's notification on a channel at a severity: at most one, whatever happens later. */
export function notificationId(caseId: string, severity: Severity, channel: string): string {
  return stableId('ntf', caseId, severity, channel);
}

export type DedupDecision = { kind: 'new' | 'repeat'; id: string } | { kind: 'suppress'; reason: string };

/**
 * Deduplication and throttling for one case on one channel. A severity the channel has not had for
 * this case is always new (escalation always pages). An already-notified severity is sent again only
 * when the route asks for updates, and not within the throttle window of the case's last message on
 * that channel.
 */
export function dedupe(input: {
  caseId: string;
  severity: Severity;
  channel: string;
  alertCount: number;
  route: Route;
  now: Date;
  /** Ids of the case's notifications on this channel. */
  existing: ReadonlySet<string>;
  /** The case's latest notification on this channel that was not a dead letter. */
  last?: { severity: Severity; createdAt: string } | undefined;
}): DedupDecision {
  const id = notificationId(input.caseId, input.severity, input.channel);
  if (input.last && severityRank(input.last.severity) > severityRank(input.severity)) return { kind: 'suppress', reason: `already notified at ${input.last.severity}` };
  if (!input.existing.has(id)) return { kind: 'new', id };
  if (!input.route.repeats) return { kind: 'suppress', reason: `already notified at ${input.severity}` };
  if (input.last && input.now.getTime() - Date.parse(input.last.createdAt) < input.route.throttleMs) return { kind: 'suppress', reason: 'throttled' };
  const repeat = stableId('ntf', input.caseId, input.severity, input.channel, 'update', String(input.alertCount));
  if (input.existing.has(repeat)) return { kind: 'suppress', reason: 'already notified about this update' };
  return { kind: 'repeat', id: repeat };
}

export type Timing = { mode: 'now' } | { mode: 'hold'; until: Date } | { mode: 'digest'; until?: Date };

/**
 * When to send: CRITICAL always at once; in quiet hours the rest waits for the end of the period;
 * severities the digest batches go to the digest (which itself waits out quiet hours).
 */
export function timing(input: { route: Route; severity: Severity; now: Date; settings: Pick<NotifySettings, 'quietHours' | 'digest'> }): Timing {
  const { route, severity, now, settings } = input;
  const quiet = route.quietHours && severity !== 'CRITICAL' && settings.quietHours ? quietUntil(now, settings.quietHours) : undefined;
  if (route.digest && settings.digest?.severities.includes(severity)) return quiet ? { mode: 'digest', until: quiet } : { mode: 'digest' };
  return quiet ? { mode: 'hold', until: quiet } : { mode: 'now' };
}

/** Wait before attempt `failures + 1`: backoff × 4^(failures − 1), at most maxBackoff; the service's Retry-After wins when longer. */
export function backoffMs(failures: number, retry: { backoff: number; maxBackoff: number }, retryAfterMs?: number): number {
  const base = Math.min(retry.maxBackoff, retry.backoff * 4 ** Math.max(0, failures - 1));
  return retryAfterMs !== undefined ? Math.max(retryAfterMs, Math.min(base, retry.backoff)) : base;
}
