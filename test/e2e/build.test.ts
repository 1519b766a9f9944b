// The built CLI: bin/vigil.js runs dist/, and a checkout never runs a dist/ older than its sources.
// Works on a copy of the checkout, so editing a source here cannot disturb other tests.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';

describe('the built CLI', () => {
  let dir: string;
  const vigil = (...args: string[]) => spawnSync(process.execPath, [join(dir, 'bin/vigil.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-build-'));
    for (const d of ['bin', 'scripts', 'src', 'samples']) cpSync(join(PACKAGE_ROOT, d), join(dir, d), { recursive: true });
    cpSync(join(PACKAGE_ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds dist/ on first use from a checkout, as plain JavaScript without a TypeScript loader', () => {
    const r = vigil('--version');
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('0.1.0');
    const built = readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.js'));
    expect(built).toContain('vigil.js');
    expect(built).toContain('thread-worker.js');
    expect(existsSync(join(dir, 'dist/migrations/meta/_journal.json'))).toBe(true);
    for (const f of built) expect(readFileSync(join(dir, 'dist', f), 'utf8')).not.toMatch(/from ["']tsx|\.ts["']\)/);
  });

  it('rebuilds when a source changed, also when it was put back with an older time', () => {
    const program = join(dir, 'src/cli/program.ts');
    const original = readFileSync(program, 'utf8');
    const before = statSync(program).mtime;
    writeFileSync(program, original.replace(".version('0.1.0')", ".version('9.9.9-edited')"));
    expect(vigil('--version').stdout.trim()).toBe('9.9.9-edited');
    // Put back as it was, time included (a checkout of an older commit, a restored backup).
    writeFileSync(program, original);
    utimesSync(program, before, before);
    expect(vigil('--version').stdout.trim()).toBe('0.1.0');
  });

  it('runs the pipeline from the build: migrations and the store found beside the chunks', () => {
    const r = spawnSync(process.execPath, [join(dir, 'bin/vigil.js'), 'run', join(dir, 'samples/alerts/wazuh/array-example.json'), '--out', join(dir, 'out'), '--json'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, VIGIL_DATA_DIR: join(dir, 'data'), VIGIL_DATABASE_URL: '' },
    });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ alerts: { read: 3, new: 3 } });
  });
});
