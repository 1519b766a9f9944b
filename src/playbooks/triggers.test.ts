import { describe, expect, it } from 'vitest';
import type { PlaybookCase } from './action.js';
import { eventsBetween, type CaseEvent } from './case.js';
import { kase, pb } from './test-helpers.js';
import { evaluateTrigger } from './triggers.js';

const task = 'steps:\n  - {uses: create-task, with: {title: t}}\n';
const playbook = (trigger: string) => pb('/pb/t.yaml', `trigger: ${trigger}\n${task}`);
const created: CaseEvent[] = [{ kind: 'case.created' }];

function why(trigger: string, c: PlaybookCase = kase(), events: CaseEvent[] = created): string {
  const r = evaluateTrigger(playbook(trigger), c, events);
  return r.matched ? `matched ${r.event.kinds.join(',')}` : r.reason;
}

describe('triggers', () => {
  it('starts on the listed events at or above the severity', () => {
    expect(why('{severity: HIGH}')).toBe('matched case.created');
    expect(why('{severity: CRITICAL}')).toBe('case severity HIGH is below CRITICAL');
    expect(why('{on: [case.updated]}')).toBe('no trigger event: the case had case.created; the playbook starts on case.updated');
    const p = playbook('{severity: LOW}');
    expect(evaluateTrigger({ ...p, enabled: false }, kase(), created)).toEqual({ matched: false, reason: 'the playbook is disabled' });
  });

  it('fires severity.reached only when the case crosses the threshold', () => {
    const reached = (from: PlaybookCase['severity'] | null): CaseEvent[] => [{ kind: 'case.updated' }, { kind: 'severity.reached', from, to: 'CRITICAL' }];
    const c = kase({ severity: 'CRITICAL' });
    expect(why('{on: [severity.reached], severity: HIGH}', c, reached('MEDIUM'))).toBe('matched severity.reached');
    expect(why('{on: [severity.reached], severity: HIGH}', c, reached(null))).toBe('matched severity.reached');
    expect(why('{on: [severity.reached], severity: HIGH}', c, reached('HIGH'))).toMatch(/^no trigger event: .*\(severity\.reached means crossing HIGH\)$/);
  });

  it('filters tag.added by the tags that were added', () => {
    const ev: CaseEvent[] = [{ kind: 'tag.added', tags: ['vip', 'brute-force'] }];
    const r = evaluateTrigger(playbook('{on: [tag.added], tags: ["brute-*"]}'), kase(), ev);
    expect(r).toMatchObject({ matched: true, event: { kind: 'tag.added', tags: ['brute-force'] } });
    expect(why('{on: [tag.added], tags: [ransomware]}', kase(), ev)).toMatch(/^no trigger event/);
  });

  it('filters observable.malicious by type and hands the new observables to the run', () => {
    const c = kase();
    const events = eventsBetween({ severity: 'HIGH', tags: [], malicious: [], phishing: [] }, c, false);
    const r = evaluateTrigger(playbook('{on: [observable.malicious], observable_types: [domain]}'), c, events);
    expect(r.matched && r.event.observables!.map((o) => o.value)).toEqual(['telemetry-cdn-sync.top']);
    expect(why('{on: [observable.malicious], observable_types: [sha256]}', c, events)).toMatch(/^no trigger event/);
  });

  it('fires phishing.verdict for the verdicts asked for', () => {
    const alert = { id: 'al_p', title: 'Phishing e-mail', ruleId: 'phishing.suspicious', host: 'bob@example.org', source: 'email', time: '' };
    const ev: CaseEvent[] = [{ kind: 'phishing.verdict', alerts: [alert], verdicts: ['suspicious'] }];
    expect(why('{on: [phishing.verdict], severity: LOW}', kase(), ev)).toMatch(/^no trigger event/);
    expect(why('{on: [phishing.verdict], severity: LOW, verdicts: [suspicious, phishing]}', kase(), ev)).toBe('matched phishing.verdict');
  });

  it('checks every case filter, saying which one failed', () => {
    expect(why('{sources: [suricata]}')).toBe('no alert from suricata (case sources: wazuh)');
    expect(why('{sources: [wazuh], rules: ["57*"]}')).toBe('matched case.created');
    expect(why('{rules: ["31*"]}')).toBe('no alert with rule 31*');
    expect(why('{rule_groups: [authentication_failed]}')).toBe('matched case.created');
    expect(why('{rule_groups: [web]}')).toBe('no alert in rule group web');
    expect(why('{mitre: ["T1110*"]}')).toBe('matched case.created');
    expect(why('{mitre: [T1110]}')).toBe('no MITRE technique T1110 (case: T1110.001)');
    expect(why('{observable_types: [url]}')).toBe('no observable of type url');
    expect(why('{hosts: ["WEB-*"]}')).toBe('matched case.created');
    expect(why('{hosts: ["db-*"]}')).toBe('no host matches db-*');
    expect(why('{asset_criticality: [high, critical]}')).toBe('matched case.created');
    expect(why('{asset_criticality: [critical]}')).toBe('no host of criticality critical');
    expect(why('{tags: [vip]}', kase({ tags: ['vip'] }))).toBe('matched case.created');
    expect(why('{tags: [vip]}')).toBe('the case has no tag vip');
  });

  it('evaluates trigger.if over the case and the event', () => {
    expect(why(`{if: "case.score >= 70 and event.kind == 'case.created'"}`)).toBe('matched case.created');
    expect(why('{if: "case.score > 90"}')).toBe('trigger.if is false: case.score > 90');
  });

  it('merges every matching event into the one the run starts from', () => {
    const c = kase();
    const r = evaluateTrigger(playbook('{on: [case.created, severity.reached, observable.malicious]}'), c, eventsBetween(undefined, c, true));
    expect(r).toMatchObject({ matched: true, event: { kind: 'case.created', kinds: ['case.created', 'severity.reached', 'observable.malicious'], from: null, to: 'HIGH' } });
  });
});
