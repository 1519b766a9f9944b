import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../config.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-backup-'));

function vigil(env: Record<string, string>, ...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(PACKAGE_ROOT, 'bin/vigil.js'), ...args],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, VIGIL_DATABASE_URL: '', VIGIL_CONFIG: '', ...env }, timeout: 180_000 },
      (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const source = { VIGIL_DATA_DIR: join(dir, 'source') };
const file = join(dir, 'vigil.backup');

beforeAll(async () => {
  const r = await vigil(source, 'run', join(PACKAGE_ROOT, 'samples/alerts/wazuh/array-example.json'), '--out', join(dir, 'out'), '--json');
  expect(r.status).toBe(0);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigil backup', () => {
  it('create --json, verify --json and restore --json move a store into an empty one', async () => {
    const made = await vigil(source, 'backup', 'create', file, '--json');
    expect(made.status).toBe(0);
    const summary = JSON.parse(made.stdout) as { file: string; store: string; data: string; tables: Record<string, number> };
    expect(summary).toMatchObject({ file, store: 'pglite', data: 'jsonl' });
    expect(summary.tables.alerts).toBe(3);

    const checked = await vigil({}, 'backup', 'verify', file, '--json');
    expect(checked.status).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ ok: true, restorable: true, tables: { alerts: 3 } });

    const target = { VIGIL_DATA_DIR: join(dir, 'target') };
    const restored = await vigil(target, 'backup', 'restore', file, '--json');
    expect(restored.status).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ store: 'pglite', from: 'pglite', tables: summary.tables, replaced: false });

    const again = await vigil(target, 'backup', 'restore', file);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^vigil: .*target is not empty \(.*alerts 3.*\): a backup restores into an empty store\. Point the store elsewhere, or pass --force/);
  }, 300_000);

  it('names the file and the reason when it is not a backup, as JSON with --json', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'not a backup\n'.repeat(100));
    const r = await vigil({}, 'backup', 'verify', join(dir, 'notes.txt'));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`vigil: ${join(dir, 'notes.txt')}: not a Vigil backup (not a tar archive)\n`);
    const j = await vigil({}, 'backup', 'restore', join(dir, 'missing.backup'), '--json');
    expect(j.status).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual({ error: { code: 'VIGIL_INPUT_NOT_FOUND', message: 'no such file', file: join(dir, 'missing.backup') } });
  }, 60_000);

  it('tells that an embedded store in use must be stopped first', async () => {
    const lock = join(dir, 'source/vigil.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, purpose: 'vigil serve', since: '2026-12-01T00:00:00Z' }));
    try {
      const r = await vigil(source, 'backup', 'create', join(dir, 'locked.backup'));
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`is in use by process ${process.pid} (vigil serve`);
      expect(r.stderr).toContain('vigil backup create needs the embedded store to itself: stop vigil serve (or the process named) first');
    } finally {
      rmSync(lock, { force: true });
    }
  }, 60_000);
});
