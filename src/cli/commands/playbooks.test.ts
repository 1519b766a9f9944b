import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../config.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-playbooks-'));
const SAMPLES = join(PACKAGE_ROOT, 'samples/playbooks');
const FIXTURE = join(SAMPLES, 'fixtures/ssh-compromise-case.json');

function vigil(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(PACKAGE_ROOT, 'bin/vigil.js'), ...args],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, VIGIL_DATABASE_URL: '', VIGIL_DATA_DIR: '', VIGIL_PLAYBOOKS_DIR: '', VIGIL_CONFIG: '' }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(() => {
  mkdirSync(join(dir, 'bad'));
  writeFileSync(join(dir, 'bad/one.yaml'), 'trigger: {severity: HIGH}\nsteps:\n  - uses: block-ip\n    with: {address: "{{ item.value }}"}\n');
  writeFileSync(join(dir, 'failing.yaml'), 'trigger: {severity: LOW}\nsteps:\n  - {id: t, uses: create-task, with: {template: missing}}\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigil playbooks lint', () => {
  it('passes the bundled playbooks', async () => {
    const r = await vigil('playbooks', 'lint', SAMPLES);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('4 playbooks valid (block-malicious-ips, contain-critical-hosts, phishing-response, triage-tasks); 0 problems\n');
  });

  it('reports each problem with file:line and exits 2', async () => {
    const r = await vigil('playbooks', 'lint', join(dir, 'bad'), join(dir, 'failing.yaml'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${join(dir, 'bad/one.yaml')}:4: steps.0.with.address: unknown name "item" (only in a step with for_each): expressions start from case, event, steps, playbook, run\n`);
    expect(r.stdout).toBe('1 playbook valid (failing); 1 problem\n');
  });
});

describe('vigil playbooks test', () => {
  it('prints each step’s rendered inputs and simulated outputs, changing nothing', async () => {
    const r = await vigil('playbooks', 'test', join(SAMPLES, 'contain-critical-hosts.yaml'), '--case', FIXTURE, '-c', join(PACKAGE_ROOT, 'samples/vigil.yaml'));
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toContain('trigger: matches (events: case.created, severity.reached, observable.malicious)');
    expect(out).toContain('approval would wait for approval: Isolate web-01 for case #12 (sshd: brute force then login from 185.220.101.47 on web-01)?');
    expect(out).toContain('- dc-01: refused — host dc-01 is on the containment allowlist ("dc-*")');
    expect(out).toMatch(/- web-01: simulated — Case #12 is CRITICAL: .*\n\s+inputs  \{"host":"web-01","reason":"Case #12 is CRITICAL: [^"]+"\}\n\s+outputs \{"host":"web-01","adapter":"none"\}/);
    expect(out).toContain('- Verify containment of web-01 and start forensics: simulated — would add 1 task to the case');
    expect(out).toContain('run: succeeded (dry run: nothing was changed, stored or sent)');
  });

  it('prints JSON for scripts, and says why a trigger does not match', async () => {
    const r = await vigil('playbooks', 'test', join(SAMPLES, 'block-malicious-ips.yaml'), '--case', FIXTURE, '--json', '-c', join(PACKAGE_ROOT, 'samples/vigil.yaml'));
    const j = JSON.parse(r.stdout) as { trigger: { matched: boolean }; run: { status: string; steps: Array<{ items: Array<{ target: string; status: string; inputs?: { ttl?: string } }> }> } };
    expect(j.trigger.matched).toBe(true);
    expect(j.run.steps[0]!.items.map((i) => `${i.target}: ${i.status}`)).toEqual(['185.220.101.47: simulated', '45.155.205.233: simulated', '10.0.2.20: refused', '8.8.8.8: skipped', 'telemetry-cdn-sync.top: skipped', 'root: skipped']);
    expect(j.run.steps[0]!.items[1]!.inputs!.ttl).toBe('6h');
    const no = await vigil('playbooks', 'test', join(SAMPLES, 'block-malicious-ips.yaml'), '--case', FIXTURE, '--event', 'tag.added');
    expect(no.status).toBe(0);
    expect(no.stdout).toContain('trigger: does not match — no trigger event: the case had tag.added; the playbook starts on case.created, case.updated, observable.malicious');
  });

  it('exits 1 when the run would fail and 2 for a bad fixture or playbook', async () => {
    const fail = await vigil('playbooks', 'test', join(dir, 'failing.yaml'), '--case', FIXTURE);
    expect(fail.status).toBe(1);
    expect(fail.stdout).toContain('run: failed — step t: template:missing: no case template "missing"');
    writeFileSync(join(dir, 'case.json'), JSON.stringify({ severity: 'HUGE' }));
    const bad = await vigil('playbooks', 'test', join(dir, 'failing.yaml'), '--case', join(dir, 'case.json'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(`vigil: ${join(dir, 'case.json')}: not a case fixture: severity: Invalid option: expected one of "LOW"|"MEDIUM"|"HIGH"|"CRITICAL"\n`);
    const badPb = await vigil('playbooks', 'test', join(dir, 'bad/one.yaml'), '--case', FIXTURE);
    expect(badPb.status).toBe(2);
    expect(badPb.stderr).toContain('one.yaml:4: steps.0.with.address');
  });
});

describe('vigil playbooks runs and approve', () => {
  beforeAll(async () => {
    mkdirSync(join(dir, 'pb'));
    writeFileSync(join(dir, 'pb/contain.yaml'), 'trigger: {severity: LOW, on: [case.created], hosts: ["web-01"]}\nsteps:\n  - {id: isolate, uses: isolate-host, for_each: hosts, if: "item == \'web-01\'", approval: true, with: {host: "{{ item }}"}}\n');
    writeFileSync(join(dir, 'vigil.yaml'), 'dataDir: data\nout: out\nfeeds: []\nplaybooks: {dir: pb}\n');
    const r = await vigil('run', join(PACKAGE_ROOT, 'samples/alerts/wazuh/alerts.json'));
    expect(r.status).toBe(0);
  }, 180_000);

  it('lists the waiting run, approves it by a short id, and shows who approved', async () => {
    const list = await vigil('playbooks', 'runs', '--json');
    const runs = (JSON.parse(list.stdout) as { runs: Array<{ id: string; status: string; caseNumber: number }> }).runs;
    expect(runs.length).toBeGreaterThan(0);
    expect(new Set(runs.map((r) => r.status))).toEqual(new Set(['waiting_approval']));
    const ok = await vigil('playbooks', 'approve', runs[0]!.id.slice(0, 12), '--by', 'carol', '--reason', 'seen the logins');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`run ${runs[0]!.id}  contain  case #${runs[0]!.caseNumber}  SUCCEEDED`);
    expect(ok.stdout).toContain('approval approved by carol (seen the logins)');
    const table = await vigil('playbooks', 'runs', '--case', String(runs[0]!.caseNumber));
    expect(table.stdout).toMatch(new RegExp(`${runs[0]!.id}\\s+contain\\s+#${runs[0]!.caseNumber}\\s+succeeded`));
    const again = await vigil('playbooks', 'approve', runs[0]!.id, '--reject');
    expect(again.status).toBe(1);
    expect(again.stderr).toBe(`vigil: run ${runs[0]!.id} is succeeded: only a run waiting for approval can be rejected\n`);
  }, 120_000);
});
