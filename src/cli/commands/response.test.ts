import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../config.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-response-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function vigil(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, VIGIL_NATS_URL: '', VIGIL_DATABASE_URL: '' }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('vigil response', () => {
  it('lists the blocks in place with the cases holding them, shows one, and releases it (undone once, for every holder)', () => {
    mkdirSync(join(dir, 'pb'));
    writeFileSync(join(dir, 'pb', 'block.yaml'), `trigger: {severity: LOW, on: [case.created]}\nsteps:\n  - {id: block, uses: block-ip, for_each: observables, where: {type: [ipv4], verdict: [malicious]}, with: {address: "{{ item.value }}", ttl: 2h}}\n`);
    writeFileSync(join(dir, 'vigil.yaml'), `out: out\ndataDir: data\nfeeds:\n  - path: ${join(PACKAGE_ROOT, 'samples/feeds')}\nplaybooks:\n  dir: pb\n`);
    expect(vigil(['run', join(PACKAGE_ROOT, 'samples/alerts/wazuh/alerts.json')]).status).toBe(0);

    const listed = vigil(['response', 'list', '--json']);
    expect(listed.status).toBe(0);
    const { effects } = JSON.parse(listed.stdout) as { effects: Array<{ id: string; kind: string; target: string; state: string; holders: Array<{ caseNumber: number; first: boolean }> }> };
    expect(effects.length).toBeGreaterThan(0);
    expect(effects.every((e) => e.kind === 'block-ip' && e.state === 'active' && e.holders.filter((h) => h.first).length === 1)).toBe(true);
    const table = vigil(['response', 'list']);
    expect(table.stdout).toContain(effects[0]!.target);
    expect(table.stdout).toMatch(/the first ran the action, \+ joined it/);

    const shown = vigil(['response', 'show', effects[0]!.target]);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^${effects[0]!.id}  block-ip ${effects[0]!.target.replace(/\./g, '\\.')}  ACTIVE \\(simulated\\)`));
    expect(shown.stdout).toMatch(/case #\d+ .* ran it /);

    const released = vigil(['response', 'release', effects[0]!.id, '--reason', 'customer IP', '--by', 'cli:test', '--json']);
    expect(released.status).toBe(0);
    expect(JSON.parse(released.stdout)).toMatchObject({ state: 'released', releaseReason: 'released by cli:test: customer IP' });
    const again = vigil(['response', 'release', effects[0]!.id]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/is released: only an active effect can be released/);
    expect(vigil(['response', 'show', 'eff_nothing_here']).stderr).toMatch(/there is no response effect eff_nothing_here/);
  }, 180_000);
});
