import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config.js';
import { stableId } from '../core/ids.js';
import type { Alert, Assessment, Observable, Severity } from '../core/types.js';
import { caseTitle, CaseGrouper, describeKey, type GroupingConfig, type OpenCase } from './grouper.js';

function cfg(cases: Record<string, unknown> = {}): GroupingConfig {
  return ConfigSchema.parse({ cases }).cases;
}

const T0 = Date.parse('2025-03-14T09:00:00.000Z');
const min = 60_000;

let n = 0;
function alert(over: { at?: number; host?: string; sensor?: boolean; rule?: string; title?: string; observables?: Observable[]; id?: string } = {}): Alert {
  n++;
  return {
    id: over.id ?? `al_${n}`,
    source: 'wazuh',
    sourceRef: String(n),
    time: new Date(over.at ?? T0).toISOString(),
    title: over.title ?? 'sshd: authentication failed',
    description: '',
    rule: { id: over.rule ?? '5716', level: 5, scale: 'wazuh', groups: [], mitre: { ids: [], tactics: [], techniques: [] } },
    host: { name: over.host ?? 'web-01', role: over.sensor ? 'sensor' : 'agent' },
    observables: over.observables ?? [],
    raw: {},
  };
}

const attacker: Observable = { type: 'ipv4', value: '185.220.101.4', role: 'src', scope: 'public', context: 'data.srcip' };
const otherIp: Observable = { type: 'ipv4', value: '45.155.205.233', role: 'src', scope: 'public' };
const root: Observable = { type: 'user', value: 'root', role: 'user' };

function assessment(severity: Severity, score: number): Assessment {
  return { severity, score, reasons: [{ factor: 'rule-level', detail: 'test', delta: score }] };
}
const medium = assessment('MEDIUM', 35);
const high = assessment('HIGH', 60);
const critical = assessment('CRITICAL', 85);

describe('CaseGrouper: observables', () => {
  it('alerts sharing an observable within the window join one case, saying why', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable'] }));
    const a1 = alert({ host: 'web-01', observables: [attacker] });
    const first = g.assign(a1, medium);
    expect(first).toMatchObject({ caseId: stableId('case', a1.id), opened: true, escalated: false, keys: ['o:ipv4:185.220.101.4'] });
    expect(first.joinedBy).toBeUndefined();

    const second = g.assign(alert({ at: T0 + 30 * min, host: 'web-02', rule: '5760', observables: [attacker] }), medium);
    expect(second).toEqual({ caseId: first.caseId, opened: false, escalated: false, keys: ['o:ipv4:185.220.101.4'], joinedBy: 'o:ipv4:185.220.101.4' });
    expect(describeKey(second.joinedBy!)).toBe('shares ipv4 185.220.101.4');
    const c = g.cases.get(first.caseId)!;
    expect(c.alertCount).toBe(2);
    expect([...c.hosts]).toEqual(['web-01', 'web-02']);
    expect(c.lastAlertAt - c.firstAlertAt).toBe(30 * min);
  });

  it('an alert outside the window opens a new case; the window slides with each alert', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable'], window: '1h' }));
    const c1 = g.assign(alert({ at: T0, observables: [attacker] }), medium).caseId;
    // 50 minutes after the last alert: joins, and moves the window on.
    expect(g.assign(alert({ at: T0 + 50 * min, observables: [attacker] }), medium).caseId).toBe(c1);
    // Exactly one window after the last alert still joins.
    expect(g.assign(alert({ at: T0 + 110 * min, observables: [attacker] }), medium).caseId).toBe(c1);
    // More than one window after the last alert: a new case.
    const late = g.assign(alert({ at: T0 + 171 * min, observables: [attacker] }), medium);
    expect(late.opened).toBe(true);
    expect(late.caseId).not.toBe(c1);
    expect(g.cases.size).toBe(2);
  });

  it('alerts with nothing in common open separate cases', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable'] }));
    const a = g.assign(alert({ observables: [attacker] }), medium);
    const b = g.assign(alert({ observables: [otherIp] }), medium);
    expect(b.opened).toBe(true);
    expect(b.caseId).not.toBe(a.caseId);
  });

  it('users (not in groupObservableTypes by default) do not group', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable'] }));
    const a = g.assign(alert({ observables: [root] }), medium);
    expect(a.keys).toEqual([]);
    expect(g.assign(alert({ observables: [root] }), medium).opened).toBe(true);
    const byUser = new CaseGrouper(cfg({ groupBy: ['observable'], groupObservableTypes: ['user'] }));
    const u1 = byUser.assign(alert({ observables: [root] }), medium);
    expect(byUser.assign(alert({ observables: [root] }), medium)).toMatchObject({ caseId: u1.caseId, joinedBy: 'o:user:root' });
  });
});

describe('CaseGrouper: hosts and rules', () => {
  it('groups by host, case-insensitively', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['host'] }));
    const a = g.assign(alert({ host: 'DC-01', rule: '60106' }), medium);
    const b = g.assign(alert({ host: 'dc-01', rule: '92052', at: T0 + 5 * min }), medium);
    expect(b).toMatchObject({ caseId: a.caseId, opened: false, joinedBy: 'h:dc-01' });
    expect(describeKey('h:dc-01')).toBe('same host dc-01');
    expect(g.assign(alert({ host: 'dc-02' }), medium).opened).toBe(true);
  });

  it('groups by rule only when configured', () => {
    const noRule = new CaseGrouper(cfg({ groupBy: ['observable', 'host'] }));
    const a = noRule.assign(alert({ host: 'web-01', rule: '31101', observables: [attacker] }), medium);
    const b = noRule.assign(alert({ host: 'web-02', rule: '31101', observables: [otherIp] }), medium);
    expect(b.opened).toBe(true);
    expect(b.caseId).not.toBe(a.caseId);
    expect(b.keys).not.toContain('r:wazuh:31101');

    const byRule = new CaseGrouper(cfg({ groupBy: ['rule'] }));
    const c = byRule.assign(alert({ host: 'web-01', rule: '31101', observables: [attacker] }), medium);
    const d = byRule.assign(alert({ host: 'web-02', rule: '31101', observables: [otherIp] }), medium);
    expect(d).toMatchObject({ caseId: c.caseId, opened: false, keys: ['r:wazuh:31101'], joinedBy: 'r:wazuh:31101' });
    expect(describeKey(d.joinedBy!)).toBe('same rule wazuh:31101');
  });

  it('a network sensor is not a grouping host', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['host'] }));
    const a = g.assign(alert({ host: 'ids-01', sensor: true, rule: '2035595' }), medium);
    expect(a.keys).toEqual([]);
    expect(g.assign(alert({ host: 'ids-01', sensor: true, rule: '2013504' }), medium).opened).toBe(true);
    expect(caseTitle(alert({ title: 'ET MALWARE beacon', host: 'ids-01', sensor: true }))).toBe('ET MALWARE beacon seen by ids-01');
  });

  it('reserved addresses (loopback, documentation) link nothing', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable'] }));
    const loop: Observable = { type: 'ipv4', value: '127.0.0.1', role: 'src', scope: 'reserved' };
    expect(g.keysOf(alert({ observables: [loop, attacker] }))).toEqual(['o:ipv4:185.220.101.4']);
  });

  it('alerts read out of time order still find their case', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable'], window: '1h' }));
    const late = g.assign(alert({ at: T0 + 3 * 60 * min, observables: [attacker] }), medium);
    const early = g.assign(alert({ at: T0, observables: [attacker] }), medium);
    expect(early.opened).toBe(true);
    // 30 minutes after the early one: belongs with it, not with the one 2.5 hours later.
    expect(g.assign(alert({ at: T0 + 30 * min, observables: [attacker] }), medium).caseId).toBe(early.caseId);
    expect(g.assign(alert({ at: T0 + 150 * min, observables: [attacker] }), medium).caseId).toBe(late.caseId);
  });

  it('the default groups by observable, rule and host', () => {
    const g = new CaseGrouper(cfg());
    expect(g.keysOf(alert({ host: 'Web-01', rule: '5716', observables: [attacker, root, attacker] }))).toEqual([
      'o:ipv4:185.220.101.4',
      'r:wazuh:5716',
      'h:web-01',
    ]);
  });

  it('prefers the most severe of several matching cases', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable', 'host'] }));
    const low = g.assign(alert({ host: 'web-01', observables: [otherIp] }), medium);
    const hot = g.assign(alert({ host: 'db-01', observables: [attacker] }), critical);
    expect(hot.caseId).not.toBe(low.caseId);
    // Shares the host with the MEDIUM case and the IP with the CRITICAL one.
    const both = g.assign(alert({ host: 'web-01', observables: [attacker], at: T0 + min }), medium);
    expect(both).toMatchObject({ caseId: hot.caseId, joinedBy: 'o:ipv4:185.220.101.4' });
  });
});

describe('CaseGrouper: escalation', () => {
  it('flags an alert that raises the case severity, and keeps the higher one', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable'] }));
    const first = g.assign(alert({ title: 'sshd: authentication failed', observables: [attacker] }), medium);
    const up = g.assign(alert({ title: 'sshd: brute force', observables: [attacker], at: T0 + min }), high);
    expect(up).toMatchObject({ caseId: first.caseId, opened: false, escalated: true });
    const c = g.cases.get(first.caseId)!;
    expect(c.severity).toBe('HIGH');
    expect(c.score).toBe(60);
    expect(c.assessment).toBe(high);
    expect(c.title).toBe('sshd: brute force from 185.220.101.4 on web-01');

    const down = g.assign(alert({ title: 'noise', observables: [attacker], at: T0 + 2 * min }), medium);
    expect(down.escalated).toBe(false);
    expect(c.severity).toBe('HIGH');
    expect(c.title).toBe('sshd: brute force from 185.220.101.4 on web-01');
    expect(c.alertCount).toBe(3);
  });

  it('a higher score in the same band updates the case without flagging escalation', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable'] }));
    const first = g.assign(alert({ observables: [attacker] }), high);
    const more = g.assign(alert({ observables: [attacker], at: T0 + min }), assessment('HIGH', 70));
    expect(more.escalated).toBe(false);
    expect(g.cases.get(first.caseId)!.score).toBe(70);
  });
});

describe('CaseGrouper: seeding from the store', () => {
  function stored(id: string, severity: Severity, lastAlertAt: number): OpenCase {
    return {
      id,
      severity,
      score: 60,
      title: 'stored case',
      assessment: assessment(severity, 60),
      firstAlertAt: lastAlertAt - 10 * min,
      lastAlertAt,
      alertCount: 4,
      hosts: new Set(['web-01']),
    };
  }

  it('an alert carrying a stored key within the window joins the stored case', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable'] }));
    g.seed(stored('case_stored', 'HIGH', T0), [{ key: 'o:ipv4:185.220.101.4', firstSeen: T0 - 10 * min, lastSeen: T0 }]);
    const r = g.assign(alert({ at: T0 + 20 * min, host: 'web-09', observables: [attacker] }), medium);
    expect(r).toMatchObject({ caseId: 'case_stored', opened: false, escalated: false, joinedBy: 'o:ipv4:185.220.101.4' });
    const c = g.cases.get('case_stored')!;
    expect(c.alertCount).toBe(5);
    expect(c.hosts.has('web-09')).toBe(true);
    expect(c.severity).toBe('HIGH');
  });

  it('a stored key older than the window does not pull a new alert in', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable'] }));
    g.seed(stored('case_old', 'HIGH', T0), [{ key: 'o:ipv4:185.220.101.4', firstSeen: T0 - 10 * min, lastSeen: T0 }]);
    const r = g.assign(alert({ at: T0 + 2 * 60 * min, observables: [attacker] }), medium);
    expect(r.opened).toBe(true);
    expect(r.caseId).not.toBe('case_old');
  });

  it('when two stored cases share a key, the more recent one owns it', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable'] }));
    g.seed(stored('case_new', 'MEDIUM', T0), [{ key: 'o:ipv4:185.220.101.4', firstSeen: T0 - 10 * min, lastSeen: T0 }]);
    g.seed(stored('case_older', 'MEDIUM', T0 - 30 * min), [{ key: 'o:ipv4:185.220.101.4', firstSeen: T0 - 40 * min, lastSeen: T0 - 30 * min }]);
    expect(g.assign(alert({ at: T0 + min, observables: [attacker] }), medium).caseId).toBe('case_new');
  });

  it('the same alert id always maps to the same new case id (re-runs are idempotent)', () => {
    const a = alert({ id: 'al_fixed', observables: [attacker] });
    const one = new CaseGrouper(cfg()).assign(a, medium).caseId;
    const two = new CaseGrouper(cfg()).assign(a, medium).caseId;
    expect(one).toBe(two);
    expect(one).toBe(stableId('case', 'al_fixed'));
  });
});

describe('caseTitle', () => {
  it('names a public source address and the host', () => {
    expect(caseTitle(alert({ title: 'sshd: brute force', host: 'web-01', observables: [attacker] }))).toBe('sshd: brute force from 185.220.101.4 on web-01');
  });

  it('leaves out private sources and addresses the title already names', () => {
    const internal: Observable = { type: 'ipv4', value: '10.0.2.20', role: 'src', scope: 'private' };
    expect(caseTitle(alert({ title: 'Port scan', host: 'fw-01', observables: [internal] }))).toBe('Port scan on fw-01');
    expect(caseTitle(alert({ title: 'Blocked 185.220.101.4', host: 'fw-01', observables: [attacker] }))).toBe('Blocked 185.220.101.4 on fw-01');
    const dst: Observable = { ...attacker, role: 'dst' };
    expect(caseTitle(alert({ title: 'C2 beacon', host: 'ws-1', observables: [dst] }))).toBe('C2 beacon on ws-1');
  });

  it('is at most 300 characters', () => {
    expect(caseTitle(alert({ title: 'x'.repeat(400) }))).toHaveLength(300);
  });
});

describe('describeKey', () => {
  it('keeps colons inside IPv6 values and passes unknown keys through', () => {
    expect(describeKey('o:ipv6:2001:db8::1')).toBe('shares ipv6 2001:db8::1');
    expect(describeKey('weird')).toBe('weird');
  });
});

describe('CaseGrouper: maximum case age', () => {
  it('starts a new case once a steady stream has kept one open for longer than maxAge', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['host'], window: '1h', maxAge: '24h' }));
    const cases = new Set<string>();
    // One alert every 30 minutes on the same host for 30 hours: each is within the window of the last.
    for (let i = 0; i < 60; i++) cases.add(g.assign(alert({ host: 'web-01', at: T0 + i * 30 * min }), medium).caseId);
    expect(cases.size).toBe(2);
    const [first, second] = [...cases].map((id) => g.cases.get(id)!);
    expect(first!.lastAlertAt - first!.firstAlertAt).toBeLessThanOrEqual(24 * 60 * min);
    expect(second!.firstAlertAt).toBeGreaterThan(first!.lastAlertAt);
  });
});

describe('CaseGrouper: users', () => {
  const jdoe: Observable = { type: 'user', value: 'CORP\\JDoe', role: 'user' };
  it('alerts sharing a user join one case when grouping by user', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['user'] }));
    const a = g.assign(alert({ host: 'ws-1', observables: [jdoe] }), medium);
    expect(a.keys).toEqual(['u:corp\\jdoe']);
    const b = g.assign(alert({ host: 'vpn-01', rule: '999', at: T0 + 20 * min, observables: [{ ...jdoe, value: 'corp\\jdoe' }] }), medium);
    expect(b).toMatchObject({ caseId: a.caseId, opened: false, joinedBy: 'u:corp\\jdoe' });
    expect(describeKey(b.joinedBy!)).toBe('same user corp\\jdoe');
    // Not grouping by user: the same alerts stay apart.
    const byHost = new CaseGrouper(cfg({ groupBy: ['host'] }));
    expect(byHost.assign(alert({ host: 'ws-1', observables: [jdoe] }), medium).keys).toEqual(['h:ws-1']);
  });

  it('accounts found everywhere (root, SYSTEM, machine accounts) link nothing', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['user'] }));
    for (const value of ['root', 'NT AUTHORITY\\SYSTEM', 'Administrator', 'WS-042$', '-']) {
      expect(g.keysOf(alert({ observables: [{ type: 'user', value }] }))).toEqual([]);
    }
  });
});

describe('CaseGrouper: infrastructure and internal addresses', () => {
  const ip = (value: string, role: string, extra: Partial<Observable> = {}): Observable => ({ type: 'ipv4', value, role, scope: value.startsWith('10.') ? 'private' : 'public', ...extra });
  // The demo's morning: ws-042 (10.0.4.42) is compromised; dc-01 (10.0.3.5) sees logon failures from it.
  const pikabot = () => alert({ sensor: true, host: 'suricata', title: 'ET MALWARE Pikabot CnC Checkin (POST)', observables: [ip('10.0.4.42', 'src', { port: 50803 }), ip('77.105.161.37', 'dst', { port: 2078 })] });
  const dnsQuery = () => alert({ sensor: true, host: 'suricata', title: 'ET DNS Query to a *.top domain', observables: [ip('10.0.4.42', 'src', { port: 61288 }), ip('10.0.3.5', 'dst', { port: 53 }), { type: 'domain', value: 'telemetry-cdn-sync.top', role: 'dst' }] });
  const onWs042 = () => ({ ...alert({ host: 'ws-042', title: 'Encoded PowerShell', observables: [ip('10.0.4.42', 'host')] }), host: { name: 'ws-042', role: 'agent' as const, ip: '10.0.4.42' } });
  const dcFailure = (n: number) => ({ ...alert({ at: T0 + n * 1000, host: 'dc-01', rule: '60122', title: 'Logon Failure', observables: [ip('10.0.4.42', 'src'), ip('10.0.3.5', 'host')] }), host: { name: 'dc-01', role: 'agent' as const, ip: '10.0.3.5' } });

  it('a sensor alert about an internal endpoint joins the host it names; an agent alert about its clients does not chain them', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable', 'host'] }));
    const a = g.assign(pikabot(), critical);
    expect(a.keys).toEqual(['h:10.0.4.42', 'o:ipv4:77.105.161.37']);
    const ws = g.assign(onWs042(), high);
    expect(ws).toMatchObject({ caseId: a.caseId, joinedBy: 'h:10.0.4.42' });
    expect(describeKey('h:10.0.4.42')).toBe('same host 10.0.4.42');
    // Logon failures on the domain controller from the workstation: their own case, not the Pikabot one.
    const dc = g.assign(dcFailure(1), medium);
    expect(dc.opened).toBe(true);
    expect(dc.keys).toEqual(['h:dc-01', 'h:10.0.3.5']);
    expect(g.assign(dcFailure(2), medium).caseId).toBe(dc.caseId);
  });

  it("the server side of DNS, Kerberos, LDAP… is infrastructure: it links nothing (cases.infrastructure.ports)", () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable', 'host'] }));
    expect(g.keysOf(dnsQuery())).toEqual(['h:10.0.4.42', 'o:domain:telemetry-cdn-sync.top']);
    const noPorts = new CaseGrouper(cfg({ groupBy: ['observable'], infrastructure: { ports: [] } }));
    expect(noPorts.keysOf(dnsQuery())).toContain('h:10.0.3.5');
  });

  it('configured infrastructure addresses, ranges and host names are context wherever they appear', () => {
    const g = new CaseGrouper(cfg({ groupBy: ['observable', 'host'], infrastructure: { addresses: ['10.0.3.5', '203.0.113.0/24'], hosts: ['dc-*', 'proxy-*'] } }));
    const viaProxy = alert({ sensor: true, observables: [ip('10.0.4.42', 'src'), ip('10.0.3.5', 'dst', { port: 445 }), { type: 'ipv4', value: '203.0.113.80', role: 'dst', scope: 'public' }, { type: 'domain', value: 'proxy-01.corp.example', role: 'dst' }, { type: 'domain', value: 'evil.example.com', role: 'dst' }] });
    expect(g.keysOf(viaProxy)).toEqual(['h:10.0.4.42', 'o:domain:evil.example.com']);
    // an infrastructure host's own alerts still group by its name, not by its address
    expect(g.keysOf(dcFailure(3))).toEqual(['h:dc-01']);
  });

  it('the config rejects infrastructure addresses that are not addresses', () => {
    expect(() => cfg({ infrastructure: { addresses: ['dc-01'] } })).toThrow(/not an IP address or CIDR range/);
  });
});
