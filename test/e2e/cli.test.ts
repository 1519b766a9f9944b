import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/** A Wazuh alert of an SSH brute force: each a new alert, all in one case. */
function wazuhAlert(i: number): Record<string, unknown> {
  return {
    timestamp: new Date(Date.UTC(2026, 10, 21, 6) + i * 1000).toISOString().replace('Z', '+0000'),
    id: `1795400000.${i}`,
    rule: { level: 5, id: '5710', description: 'sshd: Attempt to login using a non-existent user', groups: ['syslog', 'sshd'] },
    agent: { id: '001', name: 'web-01', ip: '10.0.0.5' },
    manager: { name: 'wazuh-manager' },
    full_log: `sshd[${i}]: Invalid user admin from 185.220.101.7 port ${40000 + (i % 20000)}`,
    decoder: { name: 'sshd' },
    data: { srcip: '185.220.101.7', srcuser: 'admin' },
    location: '/var/log/auth.log',
  };
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

  it('run --json stays small on a big input: the first 100 ids with what was left out, every id with --ids', () => {
    const file = join(dir, 'many.jsonl');
    writeFileSync(file, Array.from({ length: 250 }, (_, i) => JSON.stringify(wazuhAlert(i))).join('\n'));
    const r = vigil('run', file, '--out', join(dir, 'out-many'), '--json');
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as { alerts: { read: number; new: number }; alertIds: string[]; omitted: Record<string, number> };
    expect(s.alerts).toMatchObject({ read: 250, new: 250 });
    expect(s.alertIds).toHaveLength(100);
    expect(s.omitted).toEqual({ alertIds: 150 });
    const all = JSON.parse(vigil('run', file, '--out', join(dir, 'out-many'), '--json', '--ids').stdout) as { alerts: { duplicate: number }; alertIds: string[]; omitted?: unknown };
    expect(all.alerts.duplicate).toBe(250);
    expect(all.alertIds).toHaveLength(250);
    expect(all.alertIds.slice(0, 100)).toEqual(s.alertIds);
    expect(all.omitted).toBeUndefined();
  });

  it.skipIf(!existsSync('/usr/bin/script'))('run on a terminal draws a bar with MB read of the total, %, alerts/s and the time left', () => {
    const file = join(dir, 'bar.jsonl');
    writeFileSync(file, Array.from({ length: 2500 }, (_, i) => JSON.stringify(wazuhAlert(10_000 + i))).join('\n'));
    const size = (statSync(file).size / 1e6).toFixed(1);
    // script(1) gives the command a pseudo-terminal: what a user at a shell sees.
    const cmd = [process.execPath, join(PACKAGE_ROOT, 'bin/vigil.js'), 'run', file, '--out', join(dir, 'out-bar')].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, VIGIL_DATA_DIR: join(dir, '.vigil'), VIGIL_DATABASE_URL: '' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`\\d+% \\| [\\d.]+/${size.replace('.', '\\.')} MB \\| \\d+ alerts/s \\| ETA \\S+ \\| bar\\.jsonl`));
    expect(r.stdout).toMatch(/alerts\s+read 2500\s+new 2500/);
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

  it('serve on an empty store writes the admin key to a 0600 file and logs the path, never the key', async () => {
    const data = join(dir, 'serve-data');
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), 'serve', '--port', '0'], {
      cwd: dir,
      env: { ...process.env, VIGIL_DATA_DIR: data, VIGIL_DATABASE_URL: '' },
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    try {
      const base = await new Promise<string>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`serve did not start: ${out}`)), 90_000);
        child.stdout.on('data', () => {
          const m = /Vigil API on (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(t);
            res(m[1]!);
          }
        });
      });
      const file = join(data, 'bootstrap-admin.key');
      expect(out).toContain(`First start: created the admin API key and wrote it to ${file} (mode 0600)`);
      expect(out).not.toMatch(/vgl_/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const key = readFileSync(file, 'utf8').trim();
      const who = await fetch(`${base}/api/session`, { headers: { authorization: `Bearer ${key}` } });
      expect(who.status).toBe(200);
      expect(await who.json()).toMatchObject({ name: 'admin', role: 'admin' });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 120_000);

  it('links every report and notification to the case page under server.publicUrl', () => {
    const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), 'run', join(PACKAGE_ROOT, 'samples/alerts/wazuh/alerts.json'), '--out', join(dir, 'out-linked'), '--json'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, VIGIL_DATA_DIR: join(dir, '.vigil-linked'), VIGIL_DATABASE_URL: '', VIGIL_PUBLIC_URL: 'https://vigil.example.org/soc/' },
    });
    expect(r.status).toBe(0);
    const reports = join(dir, 'out-linked/reports');
    expect(readFileSync(join(reports, 'case-0001.md'), 'utf8')).toContain('**In Vigil:** <https://vigil.example.org/soc/cases/1>');
    expect(readFileSync(join(reports, 'case-0001.html'), 'utf8')).toContain('<a href="https://vigil.example.org/soc/cases/1">');
    const outbox = join(dir, 'out-linked/outbox');
    const messages = readdirSync(outbox).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(outbox, f), 'utf8')) as { caseNumber: number; bodies: { text: string }; data: { case: { url: string } } });
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) {
      expect(m.data.case.url).toBe(`https://vigil.example.org/soc/cases/${m.caseNumber}`);
      expect(readFileSync(join(outbox, m.bodies.text), 'utf8')).toContain(`https://vigil.example.org/soc/cases/${m.caseNumber}`);
    }
  });
});
