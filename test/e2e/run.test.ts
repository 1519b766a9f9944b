import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { loadConfig, PACKAGE_ROOT } from '../../src/config.js';
import { silentLogger } from '../../src/core/log.js';
import type { RunProgress, RunSummary } from '../../src/pipeline/run.js';
import { freshPostgresUrl, requirePostgresInCi } from '../helpers/store.js';

requirePostgresInCi();

const SAMPLES = join(PACKAGE_ROOT, 'samples/alerts');

const stores = [
  { name: 'pglite', url: async () => ({ url: undefined as string | undefined, drop: async () => {} }) },
  ...(process.env.VIGIL_TEST_DATABASE_URL ? [{ name: 'postgres', url: freshPostgresUrl }] : []),
];

describe.each(stores)('vigil run over the samples ($name)', (backend) => {
  let dir: string;
  let app: App;
  let first: RunSummary;
  let second: RunSummary;
  let dropDb: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
    const db = await backend.url();
    dropDb = db.drop;
    const { config } = loadConfig({ file: join(PACKAGE_ROOT, 'samples/vigil.yaml'), env: {} });
    config.dataDir = join(dir, 'data');
    config.out = join(dir, 'out');
    if (db.url) config.database.url = db.url;
    app = await App.build(config, { log: silentLogger });
    first = await app.run([SAMPLES]);
    second = await app.run([SAMPLES]);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await dropDb?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads every file, reports the two bad lines with file:line and processes the rest', () => {
    expect(first.files.map((f) => f.slice(SAMPLES.length + 1))).toEqual(['broken/alerts-with-errors.json', 'suricata/eve.json', 'wazuh/alerts.json', 'wazuh/array-example.json']);
    expect(first.alerts.rejected).toBe(2);
    expect(first.issues.map((i) => `${i.file.slice(SAMPLES.length + 1)}:${i.line}`)).toEqual(['broken/alerts-with-errors.json:3', 'broken/alerts-with-errors.json:5']);
    expect(first.issues[0]!.reason).toMatch(/not valid JSON/);
    // Suricata flow/dns/stats events are not alerts: skipped, not rejected.
    expect(first.alerts.ignored).toBeGreaterThan(0);
    expect(first.alerts.new).toBe(first.alerts.read - first.alerts.rejected - first.alerts.ignored);
  });

  it('groups related alerts into a few cases instead of one case per alert', () => {
    expect(first.cases.opened).toBeGreaterThan(3);
    expect(first.cases.opened).toBeLessThan(first.alerts.new / 4);
    expect(first.caseNumbers).toEqual(Array.from({ length: first.cases.opened }, (_, i) => i + 1));
  });

  it('explains the SSH compromise on web-01: CRITICAL, with the feed listing as a reason', async () => {
    const cases = await app.repo.listCases(100);
    const ssh = cases.find((c) => c.title.includes('185.220.101.47') && c.title.includes('web-01'));
    expect(ssh).toBeDefined();
    expect(ssh!.severity).toBe('CRITICAL');
    const reasons = (ssh!.assessment as { reasons: Array<{ factor: string; detail: string }> }).reasons;
    expect(reasons.find((r) => r.factor === 'intel')?.detail).toMatch(/185\.220\.101\.47 is malicious .*Feodo Tracker/);
    expect(reasons.find((r) => r.factor === 'asset')?.detail).toMatch(/web-01 is high-criticality/);
    const alerts = await app.repo.alertsOfCase(ssh!.id);
    expect(alerts.map((a) => a.ruleId)).toEqual(expect.arrayContaining(['5712', '5715', '550']));
  });

  it("shows the Pikabot case whole: the stage-2 URL from the encoded PowerShell, one ws-042, the C2 URL with its port, no domain for an IP, no unrelated logon failures", async () => {
    const cases = await app.repo.listCases(100);
    const pika = cases.find((c) => c.title.startsWith('ET MALWARE Pikabot CnC Checkin (POST)'));
    expect(pika).toBeDefined();
    const { buildCaseReport } = await import('../../src/cases/report.js');
    const { assetHosts } = await import('../../src/reports/model.js');
    const r = (await buildCaseReport(app.repo, pika!.id, app.clock))!;
    const stage2 = r.observables.find((o) => o.value === 'http://docs-viewer-cloud.online/ps/stage2.ps1');
    expect(stage2).toMatchObject({ type: 'url', risk: { verdict: 'malicious' }, provenance: { layers: ['powershell-enc'], field: 'data.win.eventdata.commandLine' } });
    expect(r.observables.find((o) => o.value === 'http://77.105.161.37:2078/api/health/v2')).toMatchObject({ type: 'url', risk: { verdict: 'malicious' } });
    expect(r.observables.filter((o) => o.type === 'domain' && /^\d+\.\d+\.\d+\.\d+$/.test(o.value))).toEqual([]);
    // The Sigma detection names the host by its FQDN, the Wazuh agent by its short name: one host.
    expect(assetHosts(r)).toEqual(['ws-042']);
    expect(r.alerts.some((a) => a.host.includes('.'))).toBe(false);
    expect(r.tasks.filter((t) => t.title.startsWith('Check authentication')).map((t) => t.title)).toEqual(['Check authentication and process activity on ws-042']);
    // The domain controller's logon failures from the workstation are context, not this case.
    expect(r.alerts.some((a) => a.host === 'dc-01')).toBe(false);
    expect(r.case.tags).not.toContain('brute-force');
  });

  it('writes a simulated block for the malicious IP and never isolates an allowlisted host or a sensor', () => {
    const actionFiles = readdirSync(join(dir, 'out/actions'), { recursive: true }).map(String).filter((f) => f.endsWith('.json'));
    const records = actionFiles.map((f) => JSON.parse(readFileSync(join(dir, 'out/actions', f), 'utf8')) as { action: string; target: string; status: string; reason: string; details: { commands?: string[] } });
    const block = records.find((r) => r.action === 'block-ip' && r.target === '185.220.101.47');
    expect(block).toMatchObject({ status: 'simulated' });
    expect(block!.details.commands).toEqual(expect.arrayContaining(['iptables -I INPUT -s 185.220.101.47 -j DROP']));
    expect(records.filter((r) => r.action === 'block-ip').every((r) => r.status !== 'simulated' || !/^(10\.|192\.168\.|127\.)/.test(r.target))).toBe(true);
    const refused = records.filter((r) => r.status === 'refused');
    expect(refused.every((r) => r.reason.length > 0)).toBe(true);
    // samples/vigil.yaml allowlists dc-*, fw-*, wazuh-* for containment; the Pikabot case's host is ws-042.
    const isolations = records.filter((r) => r.action === 'isolate-host');
    expect(isolations.filter((r) => /^(dc|fw|wazuh)-/.test(r.target)).every((r) => r.status === 'refused')).toBe(true);
    expect(isolations.map((r) => r.target)).not.toContain('ws-042.corp.northwind.internal');
    // The Suricata sensor saw the traffic; it is never a containment target.
    expect(records.some((r) => r.action === 'isolate-host' && r.target === 'suricata')).toBe(false);
  });

  it('puts a JSON envelope, text and HTML in the outbox for each HIGH+ case', () => {
    const files = readdirSync(join(dir, 'out/outbox'));
    const envelopes = files.filter((f) => f.endsWith('.json'));
    expect(envelopes.length).toBe(first.notifications);
    expect(first.notifications).toBe(first.cases.bySeverity.HIGH + first.cases.bySeverity.CRITICAL);
    const env = JSON.parse(readFileSync(join(dir, 'out/outbox', envelopes[0]!), 'utf8')) as { subject: string; bodies: { text: string; html: string }; severity: string };
    expect(env.subject).toMatch(/^\[(HIGH|CRITICAL)\] Case #\d+/);
    expect(existsSync(join(dir, 'out/outbox', env.bodies.text))).toBe(true);
    expect(existsSync(join(dir, 'out/outbox', env.bodies.html))).toBe(true);
  });

  it('writes one self-contained HTML and one Markdown report per case', () => {
    const reports = readdirSync(join(dir, 'out/reports'));
    expect(reports.filter((f) => f.endsWith('.html'))).toHaveLength(first.cases.opened);
    expect(reports.filter((f) => f.endsWith('.md'))).toHaveLength(first.cases.opened);
    const html = readFileSync(join(dir, 'out/reports', reports.find((f) => f.endsWith('.html'))!), 'utf8');
    expect(html).not.toMatch(/<script|<link[^>]+href=|src="http/i);
    expect(html).toContain('Severity');
  });

  it('creates nothing twice when the same input runs again', async () => {
    expect(second.alerts.new).toBe(0);
    expect(second.alerts.duplicate).toBe(first.alerts.new);
    expect(second.cases.opened).toBe(0);
    expect(second.notifications).toBe(0);
    expect(Object.values(second.actions).reduce((a, b) => a + b, 0)).toBe(0);
    const counts = await app.repo.counts();
    expect(counts.alerts).toBe(first.alerts.new);
    expect(counts.cases).toBe(first.cases.opened);
  });

  it('reports its position in bytes as it reads, ending at the files\' total size', async () => {
    const seen: RunProgress[] = [];
    const s = await app.run([SAMPLES], join(dir, 'out'), { onProgress: (p) => seen.push(p) });
    const total = s.files.reduce((n, f) => n + statSync(f).size, 0);
    expect(seen.length).toBeGreaterThanOrEqual(s.files.length);
    expect(seen.every((p) => p.bytesTotal === total)).toBe(true);
    const positions = seen.map((p) => p.bytesRead!);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(positions.at(-1)).toBe(total);
    expect(seen.at(-1)!.records).toBe(s.alerts.read);
  });
});
