import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../app.js';
import { loadConfig, PACKAGE_ROOT } from '../config.js';
import { silentLogger } from '../core/log.js';
import { playbookCase } from '../playbooks/case.js';
import { renderReportHtml, renderReportMarkdown, REPORT_LIMITS } from '../reports/index.js';
import { buildCaseReport } from './report.js';

// One SSH brute force from one address against a few hosts: every alert joins the same case.
function alert(i: number): Record<string, unknown> {
  const host = i < 5 ? 'bastion-01' : `web-0${i % 3}`;
  const t = new Date(Date.parse('2026-11-20T06:00:00Z') + i * 1000).toISOString().replace('Z', '+0000');
  return {
    timestamp: t,
    id: `big.${i}`,
    rule: { level: 5, id: i === 0 ? '5710' : '5760', description: 'sshd: authentication failed.', groups: i === 0 ? ['syslog', 'sshd', 'invalid_login'] : i === 3 ? ['syslog', 'sshd', 'authentication_failed', 'pci_dss_10.2.4'] : ['syslog', 'sshd', 'authentication_failed'], mitre: { id: ['T1110.001'], tactic: ['Credential Access'], technique: ['Password Guessing'] } },
    agent: { id: '001', name: host, ip: '10.0.0.5' },
    manager: { name: 'wazuh-manager' },
    full_log: `Nov 20 06:00:00 ${host} sshd[1]: Failed password for invalid user u${i} from 185.220.101.47 port ${40000 + i} ssh2`,
    decoder: { name: 'sshd' },
    data: { srcip: '185.220.101.47', srcuser: `u${i}` },
    location: '/var/log/auth.log',
  };
}

describe('the report of a case bigger than a report shows', () => {
  const n = REPORT_LIMITS.alerts + 100;
  let app: App;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-report-window-'));
    const { config } = loadConfig({ file: join(PACKAGE_ROOT, 'samples/vigil.yaml'), env: {} });
    config.dataDir = 'memory://';
    config.out = dir;
    config.detect.rules = [];
    app = await App.build(config, { log: silentLogger });
    await app.ingest(Array.from({ length: n }, (_, i) => ({ file: 'big.json', line: i + 1, record: alert(i) })));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the latest alerts and timeline entries, and counts, hosts and rules over all of them', async () => {
    const [c] = await app.repo.listCases(5);
    expect(c!.alertCount).toBe(n);
    const report = (await buildCaseReport(app.repo, c!.id, app.clock))!;
    expect(report.alerts).toHaveLength(REPORT_LIMITS.alerts);
    expect(report.alerts.at(-1)!.sourceRef).toBe(`big.${n - 1}`);
    expect(report.alerts[0]!.sourceRef).toBe(`big.${n - REPORT_LIMITS.alerts}`);
    expect(report.timeline).toHaveLength(REPORT_LIMITS.timeline);
    expect(report.totals).toMatchObject({ alerts: n, sources: ['wazuh'] });
    expect(report.totals!.timeline).toBeGreaterThan(n);
    expect(report.totals!.ruleIds.sort()).toEqual(['5710', '5760']);
    // Rule groups over every alert: the first alert's and one odd alert's, long out of the window too.
    expect(report.totals!.ruleGroups!.sort()).toEqual(['authentication_failed', 'invalid_login', 'pci_dss_10.2.4', 'sshd', 'syslog']);
    expect(playbookCase(report).ruleGroups.sort()).toEqual(report.totals!.ruleGroups!.sort());
    // bastion-01 is only in the first alerts, long out of the listed window, and still a case host.
    expect(report.totals!.hosts.map((h) => h.name)).toContain('bastion-01');
    expect(playbookCase(report).hosts).toContain('bastion-01');
    expect(report.mitre.map((m) => m.id)).toEqual(['T1110.001']);
    expect(report.case.summary).toMatch(new RegExp(`^${n} alerts on `));
    expect(report.case.summary).toContain('bastion-01');

    const html = renderReportHtml(report);
    expect(html).toContain(`The latest ${REPORT_LIMITS.alerts} of ${n} alerts`);
    expect(html).toContain(`<h2>Alerts <span class="count">${n}</span></h2>`);
    expect(renderReportMarkdown(report)).toContain(`_The latest ${REPORT_LIMITS.alerts} of ${n} alerts; the case in the API or the web UI has them all._`);
  });
});
