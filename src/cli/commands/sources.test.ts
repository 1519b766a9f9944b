import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../app.js';
import { buildServer } from '../../api/server.js';
import { loadConfig, PACKAGE_ROOT } from '../../config.js';
import { silentLogger } from '../../core/log.js';
import { commitCheckpoint } from '../../sources/live/checkpoints.js';
import { openStore } from '../../store/db.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-sources-'));
const yaml = join(dir, 'vigil.yaml');
let port = 0;

function vigil(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(PACKAGE_ROOT, 'bin/vigil.js'), ...args],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, VIGIL_DATABASE_URL: '', VIGIL_DATA_DIR: '', VIGIL_PORT: '', VIGIL_API_KEY: '' }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  writeFileSync(join(dir, 'alerts.json'), '{"a":1}\n{"a":2}\n{"a":3}\n');
  writeFileSync(
    yaml,
    ['dataDir: data', 'feeds: []', `server: { port: ${port} }`, 'sources:', '  - { name: wazuh-alerts, type: file-follow, path: alerts.json }', '  - { name: sensors, type: syslog, enabled: false }', ''].join('\n'),
  );
  const store = await openStore({ dataDir: join(dir, 'data') });
  const { statSync } = await import('node:fs');
  await commitCheckpoint(store.db, {
    source: 'wazuh-alerts',
    kind: 'file-follow',
    position: { inode: statSync(join(dir, 'alerts.json')).ino, offset: 16, line: 2 },
    delivered: 2,
    lastEventAt: new Date().toISOString(),
    at: new Date().toISOString(),
  });
  await store.close();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vigil sources status', () => {
  it('shows each source with its position, lag and delivered count from the store', async () => {
    const json = await vigil('sources', 'status', '--json');
    expect(json.status).toBe(0);
    const { sources } = JSON.parse(json.stdout) as { sources: Array<Record<string, unknown>> };
    expect(sources).toEqual([
      expect.objectContaining({ name: 'wazuh-alerts', type: 'file-follow', enabled: true, running: null, delivered: 2, lag: '8 B unread', lagBytes: 8, position: expect.stringMatching(/byte 16 \(line 2\)$/) }),
      expect.objectContaining({ name: 'sensors', type: 'syslog', enabled: false, resumable: false, delivered: 0 }),
    ]);
    const text = await vigil('sources', 'status');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/wazuh-alerts\s+file-follow\s+—\s+inode \d+, byte 16 \(line 2\)\s+8 B unread\s+2\s+\d+ (ms|s) ago\s+—/);
    expect(text.stdout).toMatch(/sensors\s+syslog\s+disabled/);
  }, 120_000);

  it('asks the running server when it holds the embedded store, and says so', async () => {
    const app = await App.build(loadConfig({ file: yaml, env: {} }).config, { log: silentLogger, purpose: 'vigil serve' });
    const server = await buildServer(app);
    await server.listen({ host: '127.0.0.1', port });
    try {
      const noKey = await vigil('sources', 'status');
      expect(noKey.status).toBe(1);
      expect(noKey.stderr).toContain('it needs an API key: pass --api-key or set VIGIL_API_KEY');
      const { key } = await app.keys.create({ name: 'status', role: 'read-only' });
      const r = await vigil('sources', 'status', '--json', '--api-key', key);
      expect(r.status).toBe(0);
      const body = JSON.parse(r.stdout) as { sources: Array<Record<string, unknown>>; note: string };
      expect(body.note).toBe(`The embedded store is locked by the running server; this status comes from http://127.0.0.1:${port}/api/sources.`);
      expect(body.sources[0]).toMatchObject({ name: 'wazuh-alerts', delivered: 2, running: false });
    } finally {
      await server.close();
    }
    try {
      const locked = await vigil('sources', 'status');
      expect(locked.status).toBe(1);
      expect(locked.stderr).toMatch(new RegExp(`in use by process ${process.pid} \\(vigil serve.*Asked the server at http://127\\.0\\.0\\.1:${port}/api/sources instead, but it did not answer`));
    } finally {
      await app.close();
    }
  }, 120_000);
});
