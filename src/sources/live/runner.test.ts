import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../app.js';
import { buildServer } from '../../api/server.js';
import { loadConfig } from '../../config.js';
import { VigilError } from '../../core/errors.js';
import { silentLogger } from '../../core/log.js';
import type { IngestItem, RunSummary } from '../../pipeline/run.js';
import { openStore, type StoreHandle } from '../../store/db.js';
import { loadCheckpoint } from './checkpoints.js';
import { LiveSourcesSchema } from './config.js';
import { SourceRunner, type RunnerHost } from './runner.js';
import { sourcesStatus } from './status.js';
import { waitFor } from './testing.js';
import { systemClock } from '../../core/clock.js';

function wazuhLine(n: number): string {
  return `${JSON.stringify({
    timestamp: `2025-03-14T09:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.000+0000`,
    id: `1741943523.${1000 + n}`,
    rule: { level: 5, id: '5716', description: 'sshd: authentication failed.', groups: ['syslog', 'sshd'] },
    agent: { id: '001', name: `web-${n % 3}`, ip: '10.0.1.10' },
    manager: { name: 'wazuh-manager' },
    full_log: `Failed password for root from 10.9.8.${n % 250} port 22 ssh2`,
    data: { srcip: `10.9.8.${n % 250}`, dstuser: 'root' },
  })}\n`;
}

describe('live sources through App (embedded store in memory)', () => {
  let dir: string;
  let app: App;
  const file = (): string => join(dir, 'alerts.json');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-live-app-'));
    writeFileSync(
      join(dir, 'vigil.yaml'),
      ['dataDir: memory://', 'out: out', 'feeds: []', 'sources:', '  - name: wazuh-alerts', '    type: file-follow', '    path: alerts.json', '    pollInterval: 50ms', ''].join('\n'),
    );
    const { config } = loadConfig({ file: join(dir, 'vigil.yaml'), env: {} });
    app = await App.build(config, { log: silentLogger });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores every alert once across a stop and a restart, and shows where it is', async () => {
    expect(app.config.sources[0]).toMatchObject({ name: 'wazuh-alerts', type: 'file-follow', path: file(), enabled: true, startAt: 'beginning' });
    writeFileSync(file(), Array.from({ length: 30 }, (_, i) => wazuhLine(i)).join(''));
    await app.startSources();
    const delivered = async (): Promise<number> => (await loadCheckpoint(app.repo.db, 'wazuh-alerts'))?.delivered ?? 0;
    await waitFor(async () => (await delivered()) === 30, '30 records committed', 30_000);

    await app.sources!.stop();
    appendFileSync(file(), Array.from({ length: 20 }, (_, i) => wazuhLine(30 + i)).join('') + 'not json\n');
    await app.startSources();
    await waitFor(async () => (await delivered()) === 51, '51 records committed', 30_000);

    const counts = await app.repo.counts();
    expect(counts.alerts).toBe(50);
    const live = app.sources!.live()[0]!;
    // After the restart only the new lines were read: no duplicate reached the pipeline.
    expect(live.pipeline).toMatchObject({ delivered: 21, new: 20, duplicate: 0, rejected: 1 });

    // The last error is written beside the batch, not in its transaction: it may land a moment later.
    await waitFor(async () => (await loadCheckpoint(app.repo.db, 'wazuh-alerts'))?.lastError != null, 'the rejected line recorded');
    const server = await buildServer(app);
    const { key } = await app.keys.create({ name: 'test', role: 'read-only' });
    const res = await server.inject({ method: 'GET', url: '/api/sources', headers: { authorization: `Bearer ${key}` } });
    await server.close();
    expect(res.statusCode).toBe(200);
    const [view] = (res.json() as { sources: Array<Record<string, unknown>> }).sources;
    expect(view).toMatchObject({ name: 'wazuh-alerts', type: 'file-follow', running: true, state: 'running', resumable: true, delivered: 51, lag: 'caught up', lagBytes: 0 });
    expect(view!.lastError).toMatch(new RegExp(`input rejected \\(1 in the last batch\\), e\\.g\\. ${file().replace(/[.]/g, '\\.')}:51: not valid JSON`));
  }, 90_000);
});

describe('SourceRunner', () => {
  let store: StoreHandle;
  let dir: string;

  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    dir = mkdtempSync(join(tmpdir(), 'vigil-runner-'));
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function host(ingest: (items: IngestItem[]) => Promise<RunSummary>, env: NodeJS.ProcessEnv = {}): RunnerHost {
    return { ingest, db: store.db, clock: systemClock, log: silentLogger, maxLineBytes: 1_048_576, env };
  }

  const summary = (n: number): RunSummary =>
    ({ alerts: { read: n, new: n, duplicate: 0, rejected: 0, ignored: 0 }, issues: [] }) as unknown as RunSummary;

  it('keeps the position until the store takes the batch, retrying with a recorded error meanwhile', async () => {
    const path = join(dir, 'retry.json');
    writeFileSync(path, '{"a":1}\n{"a":2}\n{"a":3}\n');
    const stored: IngestItem[][] = [];
    let failures = 2;
    const configs = LiveSourcesSchema.parse([{ name: 'retry', type: 'file-follow', path, pollInterval: 50 }]);
    const runner = new SourceRunner(
      host(async (items) => {
        if (failures-- > 0) throw new Error('connection refused');
        stored.push(items);
        return summary(items.length);
      }),
      configs,
      { flushMs: 20, retryMinMs: 30, retryMaxMs: 60 },
    );
    await runner.start();
    await waitFor(async () => (await loadCheckpoint(store.db, 'retry'))?.lastError != null, 'the error recorded');
    const during = await loadCheckpoint(store.db, 'retry');
    expect(during!.lastError).toMatch(/storing 3 record\(s\) failed \(attempt 1\); the position is not moved: connection refused/);
    expect(during!.delivered).toBe(0);
    await waitFor(async () => (await loadCheckpoint(store.db, 'retry'))?.delivered === 3, 'the batch stored after retries');
    await runner.stop();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.map((i) => ('record' in i ? i.record.a : null))).toEqual([1, 2, 3]);
    expect((await loadCheckpoint(store.db, 'retry'))!.position).toMatchObject({ offset: 24, line: 3 });
  });

  it('batches up to batchSize records per ingest call', async () => {
    const path = join(dir, 'batch.json');
    writeFileSync(path, Array.from({ length: 1200 }, (_, i) => `{"i":${i}}\n`).join(''));
    const sizes: number[] = [];
    const configs = LiveSourcesSchema.parse([{ name: 'batch', type: 'file-follow', path }]);
    const runner = new SourceRunner(host(async (items) => (sizes.push(items.length), summary(items.length))), configs, { batchSize: 500 });
    await runner.start();
    await waitFor(async () => (await loadCheckpoint(store.db, 'batch'))?.delivered === 1200, 'all 1200');
    await runner.stop();
    expect(Math.max(...sizes)).toBeLessThanOrEqual(500);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1200);
    expect(sizes.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses to start a source whose secret is missing or whose port is taken, naming the field', async () => {
    const noSecret = LiveSourcesSchema.parse([{ name: 'idx', type: 'opensearch', url: 'https://127.0.0.1:9200', username: 'vigil', passwordEnv: 'VIGIL_TEST_NO_SUCH_VAR' }]);
    const r1 = new SourceRunner(host(async () => summary(0)), noSecret);
    const e1 = await r1.start().then(() => undefined, (e: unknown) => e);
    expect(e1).toBeInstanceOf(VigilError);
    expect(e1).toMatchObject({ code: 'VIGIL_CONFIG_INVALID', field: 'sources.0.passwordEnv' });
    expect((e1 as Error).message).toContain('VIGIL_TEST_NO_SUCH_VAR is not set');

    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    const taken = LiveSourcesSchema.parse([
      { name: 'ok', type: 'file-follow', path: join(dir, 'none.json') },
      { name: 'sys', type: 'syslog', port, protocols: ['tcp'] },
    ]);
    const r2 = new SourceRunner(host(async () => summary(0)), taken);
    const e2 = await r2.start().then(() => undefined, (e: unknown) => e);
    blocker.close();
    expect(e2).toMatchObject({ code: 'VIGIL_CONFIG_INVALID', field: 'sources.1.port' });
    expect(r2.live()).toEqual([]);
  });

  it('lists a checkpoint left by a source that is no longer configured', async () => {
    const views = await sourcesStatus(store.db, []);
    expect(views.map((v) => [v.name, v.configured, v.running])).toEqual(
      expect.arrayContaining([
        ['retry', false, null],
        ['batch', false, null],
      ]),
    );
  });
});
