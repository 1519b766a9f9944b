// Shared by the worker tests, the scale-out end-to-end tests and the benchmark: generated Wazuh
// alerts, a config folder (feed, playbooks, vigil.yaml) and a normalized view of what a run stored.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { stableId } from '../core/ids.js';
import type { Db } from '../store/db.js';

export interface AlertSetOptions {
  alerts: number;
  /** Hosts that an attacker address hits; each host sees exactly one attacker. */
  hosts?: number;
  attackers?: number;
  /** Every this-many-th attacker is on the test blocklist. */
  listedEvery?: number;
  /** Start of the alert times (ISO); the alerts span `spanMs` from it. */
  start?: string;
  spanMs?: number;
  /** Makes the sourceRefs (so the alert ids) differ between sets. */
  tag?: string;
}

/** Attacker address i: public, outside documentation and private ranges. */
export function attackerIp(i: number): string {
  return `91.${200 + Math.floor(i / 250)}.${(i * 7) % 250}.${1 + (i % 250)}`;
}

/**
 * Wazuh alert lines where each host is attacked by one address and each address by a fixed rule:
 * every alert's grouping keys are its host and its attacker, so the cases (one per attacker with
 * all its hosts) and their severities do not depend on the order the alerts are processed in.
 */
export function wazuhAlerts(o: AlertSetOptions): Array<Record<string, unknown>> {
  const hosts = o.hosts ?? 24;
  const attackers = o.attackers ?? 8;
  const start = Date.parse(o.start ?? '2026-11-20T08:00:00Z');
  const span = o.spanMs ?? 20 * 60_000;
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < o.alerts; i++) {
    const h = i % hosts;
    const a = h % attackers;
    const ip = attackerIp(a);
    const web = a % 2 === 1;
    const host = `${web ? 'web' : 'srv'}-${String(h).padStart(3, '0')}`;
    const time = new Date(start + Math.floor((i * span) / Math.max(1, o.alerts))).toISOString().replace('Z', '+0000');
    out.push({
      timestamp: time,
      rule: web
        ? { level: 10, description: 'Web attack: SQL injection attempt', id: '31103', groups: ['web', 'attack', 'sql_injection'], mitre: { id: ['T1190'], tactic: ['Initial Access'], technique: ['Exploit Public-Facing Application'] } }
        : { level: 5, description: 'sshd: Attempt to login using a non-existent user', id: '5710', groups: ['syslog', 'sshd', 'invalid_login', 'authentication_failed'] },
      agent: { id: String(100 + h), name: host },
      manager: { name: 'wazuh-manager' },
      id: `${o.tag ?? 'set'}.${i}`,
      full_log: web ? `${ip} - - "GET /item.php?id=1'%20or%201=1-- HTTP/1.1" 403` : `sshd[${1000 + i}]: Invalid user admin${i % 7} from ${ip} port ${40000 + (i % 20000)}`,
      data: { srcip: ip },
      location: web ? '/var/log/nginx/access.log' : '/var/log/auth.log',
    });
  }
  return out;
}

/**
 * A config folder: a Feodo-format blocklist with every `listedEvery`-th attacker, playbooks that
 * block listed addresses and open triage tasks on HIGH+ cases, and a vigil.yaml. Returns its path.
 */
export function writeScaleFixtures(dir: string, opts: { attackers?: number; listedEvery?: number; extra?: string } = {}): string {
  mkdirSync(join(dir, 'playbooks'), { recursive: true });
  const attackers = opts.attackers ?? 8;
  const every = opts.listedEvery ?? 3;
  const rows = ['"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"'];
  for (let a = 0; a < attackers; a += every) rows.push(`"2026-11-01 10:00:00","${attackerIp(a)}","443","online","2026-11-19","TestBot"`);
  writeFileSync(join(dir, 'blocklist.csv'), `# Feodo Tracker format, written by the Vigil scale-out tests\n${rows.join('\n')}\n`);
  writeFileSync(
    join(dir, 'playbooks', 'block.yaml'),
    `description: Block listed attackers on HIGH+ cases
trigger:
  on: [case.created, case.updated, observable.malicious]
  severity: HIGH
steps:
  - id: block
    uses: block-ip
    for_each: observables
    if: item.type == 'ipv4' and item.verdict == 'malicious'
    with:
      address: "{{ item.value }}"
      direction: inbound
      reason: "listed attacker"
`,
  );
  writeFileSync(
    join(dir, 'playbooks', 'triage.yaml'),
    `description: Triage task on HIGH+ cases
trigger:
  severity: HIGH
steps:
  - id: review
    uses: create-task
    with:
      title: "Review case #{{ case.number }}"
      group: triage
`,
  );
  const file = join(dir, 'vigil.yaml');
  writeFileSync(
    file,
    `out: out
dataDir: data
feeds:
  - path: blocklist.csv
    format: feodo
playbooks:
  dir: playbooks
cases:
  groupBy: [observable, host]
notify:
  minSeverity: HIGH
  channels: [outbox]
${opts.extra ?? ''}`,
  );
  return file;
}

export interface StoreView {
  alerts: number;
  /** One line per case: its alerts (as a digest), severity, score, status, alert count. */
  cases: string[];
  actions: string[];
  notifications: string[];
  tasks: string[];
}

function rows<T>(r: unknown): T[] {
  return ((r as { rows?: T[] }).rows ?? (r as T[])) as T[];
}

/**
 * What a run stored, with every id and number that depends on processing order (case ids and
 * numbers) replaced by the case's set of alerts: two runs that made the same decisions compare equal.
 */
export async function storeView(db: Db): Promise<StoreView> {
  const alerts = rows<{ id: string; case_id: string }>(await db.execute(sql`select id, case_id from alerts`));
  const members = new Map<string, string[]>();
  for (const a of alerts) {
    let l = members.get(a.case_id);
    if (!l) members.set(a.case_id, (l = []));
    l.push(a.id);
  }
  const keyOf = new Map<string, string>();
  for (const [caseId, ids] of members) keyOf.set(caseId, `${stableId('k', ...ids.sort())}(${ids.length})`);
  const k = (caseId: string): string => keyOf.get(caseId) ?? `no-alerts:${caseId}`;
  const cases = rows<{ id: string; severity: string; score: number; status: string; alert_count: number }>(await db.execute(sql`select id, severity, score, status, alert_count from cases`));
  const actions = rows<{ case_id: string; playbook: string; action: string; target: string; status: string }>(await db.execute(sql`select case_id, playbook, action, target, status from actions`));
  const notes = rows<{ case_id: string; channel: string; severity: string; status: string }>(await db.execute(sql`select case_id, channel, severity, status from notifications`));
  const tasks = rows<{ case_id: string; grp: string; title: string }>(await db.execute(sql`select case_id, "group" as grp, title from tasks`));
  return {
    alerts: alerts.length,
    cases: cases.map((c) => `${k(c.id)} ${c.severity} ${Number(c.score)} ${c.status} ${c.alert_count}`).sort(),
    actions: actions.map((a) => `${k(a.case_id)} ${a.playbook} ${a.action} ${a.target.replace(/#\d+/g, "#N")} ${a.status}`).sort(),
    notifications: notes.map((n) => `${k(n.case_id)} ${n.channel} ${n.severity} ${n.status}`).sort(),
    tasks: tasks.map((t) => `${k(t.case_id)} ${t.grp} ${t.title.replace(/#\d+/g, '#N')}`).sort(),
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A Sigma rule folder: failed logons (feeding a correlation only) and "3 failures from one address in 10 minutes". */
export function writeSigmaFixtures(dir: string): string {
  const rules = join(dir, 'rules');
  mkdirSync(rules, { recursive: true });
  writeFileSync(
    join(rules, 'brute.yml'),
    `title: Failed logon
id: 0b6e1c4a-1111-4d2e-9c3b-5a7f00000001
name: test_failed_logon
status: test
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4625
    condition: selection
level: low
---
title: Three failed logons from one address
id: 0b6e1c4a-1111-4d2e-9c3b-5a7f00000002
status: test
correlation:
    type: event_count
    rules:
        - test_failed_logon
    group-by:
        - IpAddress
    timespan: 10m
    condition:
        gte: 3
level: high
`,
  );
  return rules;
}

/** A Windows failed-logon event on `host` from `ip`, `n`-th of its kind (its record id and time). */
export function failedLogon(host: string, ip: string, n: number): Record<string, unknown> {
  const at = new Date(Date.parse('2026-11-20T09:20:00Z') + n * 30_000).toISOString();
  return { Channel: 'Security', EventID: 4625, Computer: host, EventRecordID: 5000 + n, '@timestamp': at, TargetUserName: 'svc_backup', IpAddress: ip, LogonType: 3 };
}
