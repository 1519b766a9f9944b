// Playbooks benchmark: alerts/s through alert → case → a 5-step playbook (block-ip over the
// malicious observables, add-tag, set-severity, create-task, notify to the outbox; every action
// simulated or local) with the embedded store, next to the same flow with no playbook. Goal:
// ≥ 1,000 alerts/s with PGlite. PostgreSQL too when VIGIL_TEST_DATABASE_URL is set.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/log.js';
import type { IngestItem } from '../src/pipeline/run.js';
import { listRuns } from '../src/playbooks/views.js';

const N = Number(process.env.BENCH_ALERTS ?? 10_000);
const CASES = Number(process.env.BENCH_CASES ?? 400);

function rnd(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const BAD = Array.from({ length: 300 }, (_, i) => `185.${100 + (i >> 8)}.${i & 255}.${7 + (i % 200)}`);

/** Wazuh sshd and web-attack alerts: each of `CASES` attacker/host pairs keeps coming back, so alerts group into cases. */
function alerts(n: number): IngestItem[] {
  const r = rnd(7);
  const out: IngestItem[] = [];
  const t0 = Date.parse('2026-11-18T06:00:00Z');
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * CASES);
    const host = `web-${String(k % 200).padStart(3, '0')}`;
    const ip = k % 3 === 0 ? BAD[k % BAD.length]! : `${45 + (k % 150)}.${(k * 7) % 250}.${(k * 13) % 250}.${1 + (k % 250)}`;
    const ts = new Date(t0 + i * 200).toISOString().replace('Z', '+0000');
    const ssh = r() < 0.6;
    const record = {
      timestamp: ts,
      id: `${Math.floor((t0 + i * 200) / 1000)}.${100000 + i}`,
      agent: { id: String(1 + (k % 200)).padStart(3, '0'), name: host, ip: `10.1.${k % 200}.10` },
      manager: { name: 'wazuh-manager' },
      rule: ssh
        ? { level: 10, id: '5712', description: 'sshd: brute force trying to get access to the system.', groups: ['syslog', 'sshd', 'authentication_failures'], mitre: { id: ['T1110'], tactic: ['Credential Access'], technique: ['Brute Force'] } }
        : { level: 7, id: '31106', description: 'A web attack returned code 200 (success).', groups: ['web', 'accesslog', 'attack'], mitre: { id: ['T1190'], tactic: ['Initial Access'], technique: ['Exploit Public-Facing Application'] } },
      full_log: ssh ? `sshd[${1000 + i}]: Failed password for invalid user admin from ${ip} port ${30000 + (i % 30000)} ssh2` : `${ip} - - "GET /index.php?id=1%27 HTTP/1.1" 200 5120`,
      data: { srcip: ip },
      location: ssh ? '/var/log/auth.log' : '/var/log/nginx/access.log',
    };
    out.push({ file: 'bench', line: i + 1, record });
  }
  return out;
}

const PLAYBOOK = `description: bench, five steps on every case
trigger: {severity: LOW}
steps:
  - id: block
    uses: block-ip
    for_each: observables
    if: "item.type == 'ipv4' and item.verdict == 'malicious'"
    with: {address: "{{ item.value }}", ttl: 1h, reason: "case #{{ case.number }}"}
  - id: tag
    uses: add-tag
    with: {tags: [triaged]}
  - id: raise
    uses: set-severity
    if: "steps.block.count > 0"
    with: {severity: HIGH, reason: "a known-bad address"}
  - id: task
    uses: create-task
    with: {title: "Review case #{{ case.number }}", group: triage}
  - id: tell
    uses: notify
    with: {channel: outbox, subject: "Case #{{ case.number }}: {{ case.title }}", text: "{{ steps.block.count }} blocks"}
`;

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function once(label: string, withPlaybook: boolean, databaseUrl?: string): Promise<{ rate: number; ms: number; cases: number; runs: number; actions: number; outbox: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-pb-'));
  try {
    mkdirSync(join(dir, 'pb'));
    if (withPlaybook) writeFileSync(join(dir, 'pb/five-steps.yaml'), PLAYBOOK);
    writeFileSync(join(dir, 'bad.txt'), `${BAD.join('\n')}\n`);
    const { config } = loadConfig({ env: {} });
    config.dataDir = join(dir, 'data');
    config.out = join(dir, 'out');
    config.feeds = [{ path: join(dir, 'bad.txt'), format: 'plain', name: 'bench' }];
    config.playbooks.dir = join(dir, 'pb');
    // Every case notifies (LOW and up), so both variants write the same outbox traffic.
    config.notify.minSeverity = 'LOW';
    // Group by attacker address and host, as samples/vigil.yaml does: a shared rule alone does not merge cases.
    config.cases.groupBy = ['observable', 'host'];
    if (databaseUrl) config.database.url = databaseUrl;
    const app = await App.build(config, { log: silentLogger });
    const items = alerts(N);
    const t = performance.now();
    const s = await app.ingest(items, { endOfInput: true });
    const ms = performance.now() - t;
    const runs = withPlaybook ? (await listRuns(app, { limit: 500 })).length : 0;
    await app.close();
    const outbox = readdirSync(join(dir, 'out/outbox')).filter((f) => f.endsWith('.json')).length;
    const r = { rate: s.alerts.new / (ms / 1000), ms, cases: s.cases.opened, runs, actions: Object.values(s.actions).reduce((a, b) => a + b, 0), outbox };
    console.log(`${label.padEnd(34)} ${fmt(s.alerts.new)} alerts in ${(ms / 1000).toFixed(2)} s = ${fmt(r.rate).padStart(6)} alerts/s; ${r.cases} cases, ${r.runs}${runs === 500 ? '+' : ''} runs, ${r.actions} actions, ${outbox} outbox messages`);
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function freshPg(base: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `vigil_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

async function main(): Promise<void> {
  console.log(`${fmt(N)} generated Wazuh alerts over ~${CASES} attacker/host pairs; one ingest, batches of 1,000 (like vigil run)`);
  const base = await once('PGlite, no playbook', false);
  const pbr = await once('PGlite, 5-step playbook', true);
  console.log(`→ with the playbook ${fmt(pbr.rate)} alerts/s (goal ≥ 1,000), ${(pbr.rate / base.rate).toFixed(2)}× the flow without it; the playbook adds ${((pbr.ms - base.ms) / Math.max(pbr.runs, 1)).toFixed(1)} ms per run`);
  const url = process.env.VIGIL_TEST_DATABASE_URL;
  if (url) {
    const got: Array<Awaited<ReturnType<typeof once>>> = [];
    for (const [label, withPb] of [['PostgreSQL, no playbook', false], ['PostgreSQL, 5-step playbook', true]] as const) {
      const db = await freshPg(url);
      try {
        got.push(await once(label, withPb, db.url));
      } finally {
        await db.drop();
      }
    }
    console.log(`→ PostgreSQL with the playbook ${(got[1]!.rate / got[0]!.rate).toFixed(2)}× the flow without it`);
  }
}

await main();
