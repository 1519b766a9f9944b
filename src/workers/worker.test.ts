import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { registerIngest } from '../api/ingest.js';
import { App } from '../app.js';
import { MemoryBus } from '../bus/memory.js';
import { STAGES, type Stage } from '../bus/types.js';
import { loadConfig, type VigilConfig } from '../config.js';
import { createLogger } from '../core/log.js';
import { LocalLeases, LocalLeaseTable } from './leases.js';
import { encode } from './messages.js';
import { Publisher } from './publisher.js';
import { failedLogon, storeView, waitUntil, wazuhAlerts, writeScaleFixtures, writeSigmaFixtures, type StoreView } from './testing.js';
import { sql } from 'drizzle-orm';
import { Worker } from './worker.js';

const log = createLogger({ level: 'silent' });
let dir: string;
let config: VigilConfig;
const records = wazuhAlerts({ alerts: 480, hosts: 24, attackers: 8, tag: 'unit' });
const chunks: Array<Array<{ file: string; line: number; record: Record<string, unknown> }>> = [];
for (let i = 0; i < records.length; i += 40) chunks.push(records.slice(i, i + 40).map((record, j) => ({ file: 'request', line: i + j + 1, record })));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-workers-'));
  config = loadConfig({ file: writeScaleFixtures(dir), env: {} }).config;
  config.dataDir = 'memory://';
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function drained(bus: MemoryBus): Promise<boolean> {
  for (const s of STAGES) if ((await bus.backlog(s)).messages) return false;
  return true;
}

describe('workers on the in-process bus', () => {
  let embedded: StoreView;
  let app: App;
  let bus: MemoryBus;
  let cfg: VigilConfig;
  const workers: Worker[] = [];
  const table = new LocalLeaseTable();
  const stages: Stage[] = ['ingest', 'case', 'respond'];
  const worker = async (id: string, on: App = app, b: MemoryBus = bus, leases = new LocalLeases(table, id, stages)): Promise<Worker> => {
    const w = new Worker(on, b, leases, { stages, concurrency: 2, id });
    workers.push(w);
    await w.start();
    return w;
  };

  beforeAll(async () => {
    const base = await App.build({ ...config, out: join(dir, 'embedded') }, { log });
    for (const c of chunks) await base.ingest(c);
    embedded = await storeView(base.repo.db);
    await base.close();
    cfg = { ...config, out: join(dir, 'distributed'), bus: { ...config.bus, url: 'memory://', partitions: 4, rebalance: 100, ackWait: 2_000 } };
    app = await App.build(cfg, { log });
    bus = new MemoryBus(cfg.bus);
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await bus?.close();
    await app?.close();
  });

  it('store exactly the cases, actions, tasks and notifications the embedded pipeline stores, also when a worker leaves', async () => {
    expect(embedded.alerts).toBe(480);
    // The fixture makes HIGH cases with blocks, tasks and notifications, and quieter ones without.
    expect(embedded.actions.length).toBeGreaterThan(0);
    expect(embedded.notifications.length).toBeGreaterThan(0);
    expect(embedded.cases.some((c) => c.includes(' LOW ') || c.includes(' MEDIUM '))).toBe(true);

    const [w0, w1, w2] = [await worker('w0'), await worker('w1'), await worker('w2')];
    const owned = (ws: Worker[], s: 'ingest' | 'case'): number[] => ws.flatMap((w) => w.stats.owned[s]!).sort();
    // Three workers split the four partitions of each ordered stage between them, each partition once.
    expect(await waitUntil(async () => owned([w0!, w1!, w2!], 'case').join() === '0,1,2,3' && owned([w0!, w1!, w2!], 'ingest').join() === '0,1,2,3', 3_000, 50)).toBe(true);
    const publisher = new Publisher({ bus, batchRecords: cfg.bus.batchRecords, maxIngestBytes: cfg.bus.maxIngestBytes, log, repo: app.repo });
    for (const ch of chunks.slice(0, 6)) await publisher.publish(ch);
    await w0!.stop();
    // The two left take over its partitions.
    expect(await waitUntil(async () => owned([w1!, w2!], 'case').join() === '0,1,2,3', 3_000, 50)).toBe(true);
    for (const ch of chunks.slice(6)) await publisher.publish(ch);
    expect(await waitUntil(() => drained(bus), 30_000)).toBe(true);
    expect(await storeView(app.repo.db)).toEqual(embedded);
    expect(workers.reduce((a, w) => a + w.stats.case.stored, 0)).toBe(480);
    expect(workers.reduce((a, w) => a + w.stats.deadLettered, 0)).toBe(0);

    // The same input again changes nothing.
    for (const ch of chunks.slice(0, 3)) await publisher.publish(ch.map((x) => ({ ...x, file: 'retry' })));
    expect(await waitUntil(() => drained(bus), 30_000)).toBe(true);
    expect(await storeView(app.repo.db)).toEqual(embedded);
  });

  it('answers ingest of built alerts once they are stored, with their case numbers', async () => {
    const publisher = new Publisher({ bus, batchRecords: cfg.bus.batchRecords, maxIngestBytes: cfg.bus.maxIngestBytes, log, repo: app.repo });
    app.publisher = publisher;
    try {
      const { normalizeRecord } = await import('../pipeline/run.js');
      const alert = normalizeRecord(wazuhAlerts({ alerts: 1, tag: 'built' })[0]!, undefined)!;
      const s = await app.ingest([{ file: 'thehive', line: 1, alert }]);
      expect(s.alerts.new).toBe(1);
      expect(s.caseNumbers).toHaveLength(1);
      const again = await app.ingest([{ file: 'thehive', line: 1, alert }]);
      expect(again.alerts).toMatchObject({ new: 0, duplicate: 1 });
    } finally {
      app.publisher = undefined;
    }
  });

  it('webhooks answer 202 once the bus has the request, and 503 with Retry-After while the ingest stream is full', async () => {
    const small = new MemoryBus({ ...cfg.bus, maxIngestBytes: 6_000 });
    const s = Fastify();
    s.setValidatorCompiler(validatorCompiler);
    s.setSerializerCompiler(serializerCompiler);
    // What the auth hook sets for a valid ingest key of the pipeline's organisation.
    s.addHook('onRequest', async (req) => {
      req.apiKey = { id: 'key_1', name: 'wazuh', role: 'ingest', org: 'default', prefix: 'vgl_xxxxxx', createdAt: '', lastUsedAt: null, revokedAt: null };
    });
    registerIngest(s, app);
    app.publisher = new Publisher({ bus: small, batchRecords: 500, maxIngestBytes: 6_000, log, repo: app.repo });
    try {
      const post = (n: number, tag: string) =>
        s.inject({ method: 'POST', url: '/api/ingest/wazuh', headers: { 'content-type': 'application/x-ndjson' }, payload: wazuhAlerts({ alerts: n, tag }).map((r) => JSON.stringify(r)).join('\n') });
      const ok = await post(3, 'bp1');
      expect(ok.statusCode).toBe(202);
      expect(ok.json()).toMatchObject({ received: 3, queued: 3, rejected: 0, issues: [] });
      let full = ok;
      for (let i = 0; i < 10 && full.statusCode === 202; i++) full = await post(3, `bp${i + 2}`);
      expect(full.statusCode).toBe(503);
      expect(full.headers['retry-after']).toBe(String(cfg.bus.retryAfter));
      expect(full.json()).toMatchObject({ error: { code: 'VIGIL_BUS_FULL' } });
      const bad = await s.inject({ method: 'POST', url: '/api/ingest/wazuh', headers: { 'content-type': 'application/x-ndjson' }, payload: '{"not":"wazuh"}' });
      expect(bad.statusCode).toBe(400);
    } finally {
      app.publisher = undefined;
      await s.close();
      await small.close();
    }
  });

  it('keeps Sigma correlation windows per partition and resumes them in the next owner', async () => {
    const rules = writeSigmaFixtures(join(dir, 'sigma'));
    const withRules = { ...cfg, detect: { ...cfg.detect, rules: [rules] }, bus: { ...cfg.bus, partitions: 2 } };
    const on = Object.create(app, { config: { value: withRules } }) as App;
    const b = new MemoryBus(withRules.bus);
    const leases = new LocalLeaseTable();
    const publisher = new Publisher({ bus: b, batchRecords: 500, maxIngestBytes: 1e9, log });
    const sigmaAlerts = async (): Promise<string[]> =>
      ((await app.repo.db.execute(sql`select title from alerts where source = 'sigma' order by title`)) as unknown as { rows: Array<{ title: string }> }).rows.map((r) => r.title);
    const first = await worker('s1', on, b, new LocalLeases(leases, 's1', stages));
    try {
      // Two failures: the window is open, nothing fires (the single detections only feed the correlation).
      await publisher.publish([0, 1].map((n) => ({ file: 'events', line: n + 1, record: failedLogon('dc-01', '45.9.148.3', n) })));
      expect(await waitUntil(() => drained(b), 10_000)).toBe(true);
      expect(await sigmaAlerts()).toEqual([]);
    } finally {
      await first.stop();
    }
    // A new worker owns the partition now and resumes the saved window: the third failure fires.
    await worker('s2', on, b, new LocalLeases(leases, 's2', stages));
    await publisher.publish([{ file: 'events', line: 3, record: failedLogon('dc-01', '45.9.148.3', 2) }]);
    expect(await waitUntil(async () => (await sigmaAlerts()).length > 0 && (await drained(b)), 10_000)).toBe(true);
    expect(await sigmaAlerts()).toEqual(['Three failed logons from one address (IpAddress=45.9.148.3)']);
    for (const w of workers.splice(0)) await w.stop();
    await b.close();
  });

  it('moves a malformed message, and one that keeps crashing its workers, to the dead letters', async () => {
    for (const w of workers.splice(0)) await w.stop();
    const tight = { ...cfg, bus: { ...cfg.bus, maxDeliver: 3, ackWait: 200 } };
    const b = new MemoryBus(tight.bus);
    const on = Object.create(app, { config: { value: tight } }) as App;
    try {
      await b.publish('case', 1, 'garbage', encode({ v: 1, alerts: 'not a list' }));
      // A message whose earlier deliveries all timed out (their worker died) is not processed again.
      await b.publish('ingest', 2, 'crasher', encode({ v: 1, items: [] }));
      const sub = b.subscribe('ingest', 2);
      for (let i = 0; i < 3; i++) await sub.take(1_000);
      await sub.stop();
      await worker('w9', on, b, new LocalLeases(new LocalLeaseTable(), 'w9', stages));
      expect(await waitUntil(async () => (await b.listDead()).length === 2, 5_000, 50)).toBe(true);
      const dead = await b.listDead();
      expect(dead.find((d) => d.id === 'garbage')).toMatchObject({ stage: 'case', partition: 1, error: expect.stringMatching(/^VIGIL_INPUT_INVALID: case message is malformed at alerts/) });
      expect(dead.find((d) => d.id === 'crasher')).toMatchObject({ stage: 'ingest', deliveries: 4, error: expect.stringMatching(/given up after 3 deliveries/) });
      expect(await drained(b)).toBe(true);
    } finally {
      for (const w of workers.splice(0)) await w.stop();
      await b.close();
    }
  });
});
