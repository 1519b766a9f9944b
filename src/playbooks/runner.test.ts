import { describe, expect, it } from 'vitest';
import { fixedClock } from '../core/clock.js';
import { stableId } from '../core/ids.js';
import type { ActionRecord } from '../core/types.js';
import type { PlaybookCase } from './action.js';
import { createGuards } from './guards.js';
import { loadPlaybookText } from './loader.js';
import { PlaybookRunner } from './runner.js';
import type { Playbook } from './schema.js';

const clock = fixedClock('2025-03-14T10:00:00.000Z');
const guards = createGuards({ allowlistIps: ['45.155.205.233'], allowlistHosts: ['dc-*'] });

function pb(file: string, yaml: string): Playbook {
  const r = loadPlaybookText(file, yaml);
  expect(r.issues).toEqual([]);
  return r.playbook!;
}

const BLOCK = pb(
  '/pb/block.yaml',
  `trigger: {severity: HIGH}
steps:
  - id: block
    uses: block-ip
    for_each: observables
    where: {type: [ipv4, ipv6], verdict: [malicious, suspicious]}
    with:
      address: "{{ item.value }}"
      direction: both
      ttl: 12h
      reason: "Case #{{ case.number }}: {{ item.value }} is {{ item.verdict }} (risk {{ item.risk }})"
`,
);
const CONTAIN = pb(
  '/pb/contain.yaml',
  `trigger: {severity: CRITICAL}
steps:
  - id: isolate
    uses: isolate-host
    for_each: hosts
    with: {host: "{{ item }}"}
  - id: verify
    uses: create-task
    with:
      title: "Verify containment of {{ case.hosts }}"
      group: containment
`,
);
const TRIAGE = pb(
  '/pb/triage.yaml',
  `trigger: {severity: MEDIUM, on: [case.created]}
steps:
  - id: review
    uses: create-task
    with:
      title: "Review case #{{ case.number }}"
      description: "{{ case.title }}"
      group: triage
`,
);

function kase(over: Partial<PlaybookCase> = {}): PlaybookCase {
  return {
    id: 'case_1',
    number: 12,
    title: 'sshd: brute force from 185.220.101.4 on web-01',
    severity: 'HIGH',
    score: 70,
    hosts: ['web-01'],
    tags: [],
    observables: [
      { type: 'ipv4', value: '185.220.101.4', scope: 'public', role: 'src', verdict: 'malicious', risk: 90 },
      { type: 'ipv4', value: '10.0.2.20', scope: 'private', role: 'dst', verdict: 'suspicious', risk: 40 },
      { type: 'ipv4', value: '45.155.205.233', scope: 'public', role: 'src', verdict: 'suspicious', risk: 55 },
      { type: 'ipv4', value: '8.8.8.8', scope: 'public', role: 'dst', verdict: 'safe', risk: 0 },
      { type: 'domain', value: 'telemetry-cdn-sync.top', verdict: 'malicious', risk: 80 },
      { type: 'user', value: 'root', role: 'user', verdict: 'unknown', risk: 0 },
    ],
    alerts: [],
    ...over,
  };
}

const brief = (r: ActionRecord): string => `${r.playbook}/${r.action} ${r.target}: ${r.status}`;

describe('PlaybookRunner: triggers', () => {
  const runner = new PlaybookRunner([BLOCK, CONTAIN, TRIAGE], guards, clock);

  it('runs playbooks at or above their severity, for the events they list', () => {
    const names = (sev: PlaybookCase['severity'], ev: 'case.created' | 'case.updated'): string[] => runner.triggered(kase({ severity: sev }), ev).map((p) => p.name);
    expect(names('LOW', 'case.created')).toEqual([]);
    expect(names('MEDIUM', 'case.created')).toEqual(['triage']);
    expect(names('HIGH', 'case.created')).toEqual(['block', 'triage']);
    expect(names('HIGH', 'case.updated')).toEqual(['block']);
    expect(names('CRITICAL', 'case.updated')).toEqual(['block', 'contain']);
  });

  it('skips disabled playbooks', () => {
    const off = { ...TRIAGE, enabled: false };
    expect(new PlaybookRunner([off], guards, clock).triggered(kase(), 'case.created')).toEqual([]);
  });

  it('does nothing for a case below every trigger', async () => {
    expect(await runner.run(kase({ severity: 'LOW' }), 'case.created', new Set())).toEqual({ records: [], tasks: [] });
  });
});

describe('PlaybookRunner: for_each and guards', () => {
  it('blocks the filtered observables and records refusals with the reason', async () => {
    const out = await new PlaybookRunner([BLOCK], guards, clock).run(kase(), 'case.created', new Set());
    expect(out.records.map(brief)).toEqual([
      'block/block-ip 185.220.101.4: simulated',
      'block/block-ip 10.0.2.20: refused',
      'block/block-ip 45.155.205.233: refused',
    ]);
    const [done, priv, allowed] = out.records as [ActionRecord, ActionRecord, ActionRecord];
    expect(done).toMatchObject({
      id: stableId('act', 'case_1', 'block', 'block', '185.220.101.4'),
      caseId: 'case_1',
      at: '2025-03-14T10:00:00.000Z',
      reason: 'Case #12: 185.220.101.4 is malicious (risk 90)',
      artifact: 'actions/case-0012/block--block--185.220.101.4.json',
    });
    expect(done.details).toMatchObject({
      inputs: { address: '185.220.101.4', direction: 'both', ttl: '12h' },
      rule: { address: '185.220.101.4', direction: 'both', ttl: '12h', expiresAt: '2025-03-14T22:00:00.000Z', case: 12 },
      commands: [
        'nft add rule inet filter input ip saddr 185.220.101.4 drop',
        'iptables -I INPUT -s 185.220.101.4 -j DROP',
        'nft add rule inet filter output ip daddr 185.220.101.4 drop',
        'iptables -I OUTPUT -d 185.220.101.4 -j DROP',
      ],
    });
    expect(priv.reason).toBe('10.0.2.20 is a private address; blocking it could cut off internal systems');
    expect(priv.details).toMatchObject({ address: '10.0.2.20' });
    expect(priv.details).not.toHaveProperty('commands');
    expect(allowed.reason).toBe('45.155.205.233 is on the allowlist (45.155.205.233)');
    expect(out.tasks).toEqual([]);
  });

  it('filters by scope and role too', async () => {
    const only = pb(
      '/pb/src.yaml',
      `trigger: {severity: LOW}
steps:
  - uses: block-ip
    for_each: observables
    where: {scope: [public], role: [src]}
    with: {address: "{{ item.value }}"}
`,
    );
    const out = await new PlaybookRunner([only], guards, clock).run(kase(), 'case.created', new Set());
    expect(out.records.map((r) => r.target)).toEqual(['185.220.101.4', '45.155.205.233']);
  });

  it('contains each host of the case, refusing allowlisted ones, and adds the task', async () => {
    const out = await new PlaybookRunner([CONTAIN], guards, clock).run(kase({ severity: 'CRITICAL', hosts: ['web-01', 'DC-01'] }), 'case.updated', new Set());
    expect(out.records.map(brief)).toEqual([
      'contain/isolate-host web-01: simulated',
      'contain/isolate-host DC-01: refused',
      'contain/create-task Verify containment of web-01, DC-01: executed',
    ]);
    expect(out.records[1]!.reason).toBe('host DC-01 is on the containment allowlist ("dc-*")');
    expect(out.records[0]!.details).toMatchObject({ containment: { host: 'web-01', mode: 'network-isolation', case: 12, requestedAt: '2025-03-14T10:00:00.000Z' } });
    expect(out.tasks).toEqual([
      {
        id: stableId('task', out.records[2]!.id, 'Verify containment of web-01, DC-01'),
        caseId: 'case_1',
        title: 'Verify containment of web-01, DC-01',
        description: '',
        group: 'containment',
        status: 'Waiting',
        createdBy: 'playbook:contain',
        createdAt: '2025-03-14T10:00:00.000Z',
      },
    ]);
  });
});

describe('PlaybookRunner: idempotency', () => {
  it('gives the same ids on every run and skips what is already done', async () => {
    const runner = new PlaybookRunner([BLOCK, TRIAGE], guards, clock);
    const first = await runner.run(kase(), 'case.created', new Set());
    const again = await runner.run(kase(), 'case.created', new Set());
    expect(again.records.map((r) => r.id)).toEqual(first.records.map((r) => r.id));
    expect(first.records).toHaveLength(4);

    const done = new Set(first.records.map((r) => r.id));
    expect(await runner.run(kase(), 'case.created', done)).toEqual({ records: [], tasks: [] });

    // A new malicious IP on the updated case is the only new action.
    const grown = kase();
    grown.observables.push({ type: 'ipv4', value: '147.45.79.113', scope: 'public', verdict: 'malicious', risk: 95 });
    const later = await runner.run(grown, 'case.updated', done);
    expect(later.records.map(brief)).toEqual(['block/block-ip 147.45.79.113: simulated']);
  });

  it('skips an already recorded failure too', async () => {
    const bad = pb('/pb/bad.yaml', 'trigger: {severity: LOW}\nsteps:\n  - id: t\n    uses: create-task\n    with: {title: "{{ case.owner }}"}\n');
    const runner = new PlaybookRunner([bad], guards, clock);
    const first = await runner.run(kase(), 'case.created', new Set());
    expect(first.records).toHaveLength(1);
    expect((await runner.run(kase(), 'case.created', new Set([first.records[0]!.id]))).records).toEqual([]);
  });
});

describe('PlaybookRunner: failures', () => {
  it('records a failure naming the file, the step and the unknown placeholder', async () => {
    const bad = pb('/pb/bad.yaml', 'trigger: {severity: LOW}\nsteps:\n  - id: ask\n    uses: create-task\n    with: {title: "Call {{ case.owner }} about {{ case.ticket }}"}\n');
    const out = await new PlaybookRunner([bad], guards, clock).run(kase(), 'case.created', new Set());
    expect(out.records).toEqual([
      {
        id: stableId('act', 'case_1', 'bad', 'ask', 'ask'),
        caseId: 'case_1',
        playbook: 'bad',
        action: 'create-task',
        at: '2025-03-14T10:00:00.000Z',
        status: 'failed',
        target: 'ask',
        reason: '/pb/bad.yaml: step ask: unknown placeholders {{ case.owner }}, {{ case.ticket }}',
        details: {},
      },
    ]);
    expect(out.tasks).toEqual([]);
  });

  it('records a failure naming the invalid input field, per item', async () => {
    const bad = pb(
      '/pb/dir.yaml',
      `trigger: {severity: LOW}
steps:
  - id: block
    uses: block-ip
    for_each: observables
    where: {verdict: [malicious]}
    with: {address: "{{ item.value }}", direction: sideways}
`,
    );
    const out = await new PlaybookRunner([bad], guards, clock).run(kase(), 'case.created', new Set());
    expect(out.records.map((r) => `${r.target}: ${r.status}`)).toEqual(['185.220.101.4: failed', 'telemetry-cdn-sync.top: failed']);
    expect(out.records[0]!.reason).toMatch(/^\/pb\/dir\.yaml: step block: invalid inputs: direction: /);
  });

  it('an action that throws becomes a failed record, and the run goes on', async () => {
    const bad = pb(
      '/pb/ttl.yaml',
      `trigger: {severity: LOW}
steps:
  - id: block
    uses: block-ip
    with: {address: 185.220.101.4, ttl: forever}
  - id: note
    uses: create-task
    with: {title: still runs}
`,
    );
    const out = await new PlaybookRunner([bad], guards, clock).run(kase(), 'case.created', new Set());
    expect(out.records.map(brief)).toEqual(['ttl/block-ip 185.220.101.4: failed', 'ttl/create-task still runs: executed']);
    expect(out.records[0]!.reason).toContain('"forever" is not a duration');
    expect(out.tasks.map((t) => t.title)).toEqual(['still runs']);
  });
});

describe('PlaybookRunner: artifacts', () => {
  it('names artifacts safely from playbook, step and target', async () => {
    const v6 = kase({ observables: [{ type: 'ipv6', value: '2a01:4f8:c010::1', scope: 'public', verdict: 'malicious', risk: 90 }] });
    const out = await new PlaybookRunner([BLOCK], guards, clock).run(v6, 'case.created', new Set());
    expect(out.records[0]!.artifact).toBe('actions/case-0012/block--block--2a01_4f8_c010_1.json');
    expect(out.records[0]!.details.commands).toContain('ip6tables -I INPUT -s 2a01:4f8:c010::1 -j DROP');
  });
});
