import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function vigil(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, VIGIL_DATA_DIR: join(dir, '.vigil'), VIGIL_DATABASE_URL: '' },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the vigil command', () => {
  it('run --json reports rejected lines with file:line, processes the rest and exits 2', () => {
    const r = vigil('run', join(PACKAGE_ROOT, 'samples/alerts/broken'), '--out', join(dir, 'out'), '--json');
    expect(r.status).toBe(2);
    const s = JSON.parse(r.stdout) as { alerts: { read: number; new: number; rejected: number }; issues: Array<{ line: number; reason: string }>; out: { reports: string } };
    expect(s.alerts).toMatchObject({ read: 5, new: 3, rejected: 2 });
    expect(s.issues.map((i) => i.line)).toEqual([3, 5]);
    expect(s.out.reports).toBe(join(dir, 'out/reports'));
  });

  it('run prints the summary table and exits 0 when every record is good', () => {
    const r = vigil('run', join(PACKAGE_ROOT, 'samples/alerts/wazuh/array-example.json'), '--out', join(dir, 'out2'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/alerts\s+read 3\s+new 3/);
    expect(r.stdout).toMatch(/reports\s+out2\/reports/);
  });

  it('config check names the file, line and field of a bad setting and exits 1', () => {
    writeFileSync(join(dir, 'bad.yaml'), 'out: x\ncases:\n  window: soon\n');
    const r = vigil('config', 'check', '--config', join(dir, 'bad.yaml'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'bad.yaml')}:3`);
    expect(r.stderr).toContain('cases.window');
  });

  it('config check prints the effective settings with secrets masked', () => {
    const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), 'config', 'check', '--json'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, VIGIL_DATABASE_URL: 'postgres://vigil:s3cret@db.internal/vigil' },
    });
    expect(r.status).toBe(0);
    const shown = JSON.parse(r.stdout) as { env: string[]; config: { database: { url: string } } };
    expect(shown.env).toContain('VIGIL_DATABASE_URL');
    expect(shown.config.database.url).toBe('postgres://vigil:***@db.internal/vigil');
    expect(r.stdout).not.toContain('s3cret');
  });

  it('detect --rules prints one JSON line per detection and correlation, and the counts on stderr', () => {
    const r = vigil('detect', '--rules', join(PACKAGE_ROOT, 'samples/rules'), join(PACKAGE_ROOT, 'samples/events/windows.jsonl'), '--json');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rule: { title: string; level: string; tags: string[] }; type: string; event: Record<string, unknown> });
    expect(lines.map((l) => [l.type, l.rule.level])).toEqual([
      ['detection', 'high'],
      ['detection', 'low'],
      ['detection', 'low'],
      ['correlation', 'high'],
      ['detection', 'informational'],
      ['correlation', 'critical'],
    ]);
    expect(lines[0]!.rule.tags).toContain('attack.t1059.001');
    expect(lines[3]!.event).toMatchObject({ group: { TargetUserName: 'svc_backup', IpAddress: '185.220.101.47' }, value: 5 });
    expect(r.stderr).toContain('13 events, 4 rules loaded (0 invalid, 0 unsupported), 2 correlation rules, 6 matches');
  });

  it('rules lint names the file and line of a rule that cannot run, and exits 2', () => {
    const rules = join(dir, 'rules');
    mkdirSync(rules, { recursive: true });
    writeFileSync(join(rules, 'bad.yml'), 'title: Broken\nlogsource:\n    product: windows\ndetection:\n    sel:\n        Image|nosuchmodifier: x\n    condition: sel\n');
    const r = vigil('rules', 'lint', rules);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`${join(rules, 'bad.yml').replaceAll('/', '\\/')}:\\d+`));
    expect(r.stdout).toContain('nosuchmodifier');
    expect(r.stdout).toContain('0 rules loaded, 0 invalid, 1 unsupported');
  });
});
