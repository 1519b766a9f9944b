import { severityRank } from '../core/types.js';
import type { PlaybookCase } from './action.js';
import type { CaseEvent } from './case.js';
import { compile, evaluate, globMatch, truthy } from './expression.js';
import type { Playbook } from './schema.js';

/** The event a run starts from: the first matching kind, with every matching kind and their details. */
export type RunEvent = CaseEvent & { kinds: string[] };

export type TriggerResult = { matched: true; event: RunEvent } | { matched: false; reason: string };

const anyMatch = (values: readonly string[], patterns: readonly string[]): boolean => values.some((v) => patterns.some((p) => globMatch(v, p)));

/** Whether a playbook starts for these events on this case, and if not, why (for `playbooks test`). */
export function evaluateTrigger(pb: Playbook, c: PlaybookCase, events: readonly CaseEvent[]): TriggerResult {
  const t = pb.trigger;
  if (!pb.enabled) return { matched: false, reason: 'the playbook is disabled' };
  const threshold = severityRank(t.severity);
  if (severityRank(c.severity) < threshold) return { matched: false, reason: `case severity ${c.severity} is below ${t.severity}` };
  const hits: CaseEvent[] = [];
  for (const e of events) {
    if (!t.on.includes(e.kind)) continue;
    if (e.kind === 'severity.reached') {
      if (e.from !== null && e.from !== undefined && severityRank(e.from) >= threshold) continue;
      hits.push(e);
    } else if (e.kind === 'tag.added') {
      const tags = t.tags ? (e.tags ?? []).filter((x) => t.tags!.some((p) => globMatch(x, p))) : (e.tags ?? []);
      if (tags.length) hits.push({ ...e, tags });
    } else if (e.kind === 'observable.malicious') {
      const obs = t.observable_types ? (e.observables ?? []).filter((o) => t.observable_types!.includes(o.type)) : (e.observables ?? []);
      if (obs.length) hits.push({ ...e, observables: obs });
    } else if (e.kind === 'phishing.verdict') {
      const wanted: string[] = t.verdicts ?? ['phishing', 'malicious'];
      const alerts = (e.alerts ?? []).filter((a) => wanted.includes(a.ruleId.slice('phishing.'.length)));
      if (alerts.length) hits.push({ ...e, alerts, verdicts: [...new Set(alerts.map((a) => a.ruleId.slice('phishing.'.length)))] });
    } else hits.push(e);
  }
  if (!hits.length) {
    const kinds = events.map((e) => e.kind).join(', ') || 'none';
    return { matched: false, reason: `no trigger event: the case had ${kinds}; the playbook starts on ${t.on.join(', ')}${t.on.includes('severity.reached') ? ` (severity.reached means crossing ${t.severity})` : ''}` };
  }
  if (t.sources && !anyMatch(c.sources, t.sources)) return { matched: false, reason: `no alert from ${t.sources.join(', ')} (case sources: ${c.sources.join(', ') || 'none'})` };
  if (t.rules && !anyMatch(c.ruleIds, t.rules)) return { matched: false, reason: `no alert with rule ${t.rules.join(', ')}` };
  if (t.rule_groups && !anyMatch(c.ruleGroups, t.rule_groups)) return { matched: false, reason: `no alert in rule group ${t.rule_groups.join(', ')}` };
  if (t.mitre && !anyMatch(c.mitre, t.mitre)) return { matched: false, reason: `no MITRE technique ${t.mitre.join(', ')} (case: ${c.mitre.join(', ') || 'none'})` };
  if (t.observable_types && !c.observables.some((o) => t.observable_types!.includes(o.type))) return { matched: false, reason: `no observable of type ${t.observable_types.join(', ')}` };
  if (t.hosts && !anyMatch(c.hosts, t.hosts)) return { matched: false, reason: `no host matches ${t.hosts.join(', ')}` };
  if (t.asset_criticality && !c.assets.some((a) => a.criticality && t.asset_criticality!.includes(a.criticality))) {
    return { matched: false, reason: `no host of criticality ${t.asset_criticality.join(', ')}` };
  }
  if (t.tags && !hits.some((h) => h.kind === 'tag.added') && !anyMatch(c.tags, t.tags)) return { matched: false, reason: `the case has no tag ${t.tags.join(', ')}` };
  const event: RunEvent = { ...hits.reduce<CaseEvent>((acc, h) => ({ ...h, ...acc }), hits[0]!), kind: hits[0]!.kind, kinds: hits.map((h) => h.kind) };
  if (t.if !== undefined) {
    let ok: boolean;
    try {
      ok = truthy(evaluate(compile(t.if), { case: c, event }));
    } catch (e) {
      return { matched: false, reason: `trigger.if failed: ${(e as Error).message}` };
    }
    if (!ok) return { matched: false, reason: `trigger.if is false: ${t.if}` };
  }
  return { matched: true, event };
}
