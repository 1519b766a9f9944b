import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { loadConfig, PACKAGE_ROOT, type VigilConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/log.js';
import type { RunSummary } from '../../src/pipeline/run.js';
import { buildCaseReport } from '../../src/cases/report.js';

const RULES = join(PACKAGE_ROOT, 'samples/rules');
const EVENTS = join(PACKAGE_ROOT, 'samples/events/windows.jsonl');

function config(dir: string): VigilConfig {
  const { config } = loadConfig({ file: join(PACKAGE_ROOT, 'samples/vigil.yaml'), env: {} });
  config.dataDir = join(dir, 'data');
  config.out = join(dir, 'out');
  config.detect.rules = [RULES];
  return config;
}

describe('vigil run --rules: Sigma detections and correlations become alerts and cases', () => {
  let dir: string;
  let app: App;
  let summary: RunSummary;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-detect-'));
    app = await App.build(config(dir), { log: silentLogger });
    summary = await app.run([EVENTS]);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts events, detections and correlations; plain events are neither alerts nor rejected', () => {
    expect(summary.detect).toEqual({ rules: 6, events: 13, detections: 4, correlations: 2 });
    expect(summary.alerts).toMatchObject({ read: 6, new: 6, rejected: 0 });
    expect(summary.issues).toEqual([]);
  });

  it('opens a case per story, scored from the rule level and the intel on the brute-forcing address', async () => {
    expect(summary.cases.opened).toBe(2);
    const reports = await Promise.all((await app.repo.listCases()).map((c) => buildCaseReport(app.repo, c.id, app.clock)));
    const titles = reports.map((r) => [r!.case.title, r!.case.severity]);
    expect(titles).toContainEqual(['PowerShell started with an encoded command on ws-042.corp.example', 'HIGH']);
    const brute = reports.find((r) => r!.case.severity === 'CRITICAL')!;
    expect(brute.alerts.map((a) => a.title).sort()).toEqual([
      'Brute force against one account (TargetUserName=svc_backup, IpAddress=185.220.101.47)',
      'Successful logon after brute force (IpAddress=185.220.101.47)',
      'Successful network logon',
    ]);
    expect(brute.alerts.every((a) => a.source === 'sigma')).toBe(true);
    expect(brute.observables.find((o) => o.value === '185.220.101.47')?.risk?.verdict).toBe('malicious');
    expect(brute.assessment.reasons.find((r) => r.factor === 'mitre')?.detail).toMatch(/T1110\.001/);
  });

  it('a second run over the same events adds nothing: detections have stable ids, repeats feed no correlation', async () => {
    const again = await app.run([EVENTS]);
    expect(again.alerts).toMatchObject({ new: 0, duplicate: 4 });
    expect(again.detect).toMatchObject({ detections: 4, correlations: 0 });
    expect(again.cases.opened).toBe(0);
  });
});

describe('correlation windows survive a restart', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-detect-restart-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('three failed logons before the restart and two after make the brute force', async () => {
    const lines = readFileSync(EVENTS, 'utf8').trim().split('\n');
    const failures = lines.filter((l) => l.includes('"EventID": 4625') && l.includes('svc_backup'));
    expect(failures).toHaveLength(6);
    writeFileSync(join(dir, 'part1.jsonl'), `${failures.slice(0, 3).join('\n')}\n`);
    writeFileSync(join(dir, 'part2.jsonl'), `${failures.slice(3, 5).join('\n')}\n`);

    const first = await App.build(config(dir), { log: silentLogger });
    // A stream that goes on: windows stay open (no end-of-input close).
    const a = await first.ingest(failures.slice(0, 3).map((l, i) => ({ file: 'part1', line: i + 1, record: JSON.parse(l) as Record<string, unknown> })));
    expect(a.detect?.correlations).toBe(0);
    await first.close();

    const second = await App.build(config(dir), { log: silentLogger });
    try {
      const b = await second.run([join(dir, 'part2.jsonl')]);
      expect(b.detect?.correlations).toBe(1);
      expect(b.cases.opened).toBe(1);
    } finally {
      await second.close();
    }

    // Without the saved state the same two events are not enough.
    const fresh = mkdtempSync(join(tmpdir(), 'vigil-detect-fresh-'));
    const third = await App.build(config(fresh), { log: silentLogger });
    try {
      expect((await third.run([join(dir, 'part2.jsonl')])).detect?.correlations).toBe(0);
    } finally {
      await third.close();
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 180_000);
});
