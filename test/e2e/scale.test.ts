// The distributed mode end to end, on the real services: `vigil worker` processes on NATS JetStream
// and PostgreSQL, against the embedded pipeline on the same input; a worker killed with SIGKILL in
// the middle of 10,000 alerts; `vigil serve` killed and restarted while webhooks keep coming.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { NatsBus } from '../../src/bus/nats.js';
import { requireNatsInCi, testNatsUrl } from '../../src/bus/testing.js';
import { STAGES } from '../../src/bus/types.js';
import { loadConfig, PACKAGE_ROOT, type VigilConfig } from '../../src/config.js';
import { createLogger } from '../../src/core/log.js';
import { createPlaybookEngine } from '../../src/playbooks/setup.js';
import { openStore, type StoreHandle } from '../../src/store/db.js';
import { Publisher } from '../../src/workers/publisher.js';
import { attackerIp, storeView, waitUntil, wazuhAlerts, writeScaleFixtures } from '../../src/workers/testing.js';
import { freshPostgresUrl, requirePostgresInCi } from '../helpers/store.js';

requirePostgresInCi();
requireNatsInCi();
const ready = Boolean(process.env.VIGIL_TEST_DATABASE_URL && testNatsUrl);
const log = createLogger({ level: 'silent' });

interface Proc {
  child: ChildProcess;
  out: string;
  err: string;
  exited: Promise<number | null>;
}

const procs: Proc[] = [];

function vigil(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { child, out: '', err: '', exited: new Promise((r) => child.once('exit', (code) => r(code))) };
  child.stdout!.on('data', (b: Buffer) => (p.out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (p.err += b.toString()));
  procs.push(p);
  return p;
}

async function waitOutput(p: Proc, re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  let m: RegExpMatchArray | null = null;
  const ok = await waitUntil(async () => Boolean((m = (p.out + p.err).match(re))) || p.child.exitCode !== null, timeoutMs, 100);
  if (!ok || !m) throw new Error(`no ${re} from vigil ${p.child.spawnargs.slice(2).join(' ')} (exit ${p.child.exitCode}):\n${p.out}\n${p.err}`);
  return m;
}

async function stopAll(): Promise<void> {
  for (const p of procs.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
    await Promise.race([p.exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }
}

/** One distributed deployment: its own database, bus prefix and output folder. */
interface Deployment {
  config: VigilConfig;
  env: Record<string, string>;
  bus: NatsBus;
  store: StoreHandle;
  worker(): Proc;
  drained(): Promise<boolean>;
  close(): Promise<void>;
}

async function deployment(dir: string, name: string, opts: { attackers: number; partitions?: number }): Promise<Deployment> {
  const db = await freshPostgresUrl();
  const prefix = `e2e${name}${process.pid}${Date.now().toString(36)}`.toLowerCase();
  const file = writeScaleFixtures(join(dir, name), {
    attackers: opts.attackers,
    extra: `bus:\n  prefix: ${prefix}\n  partitions: ${opts.partitions ?? 4}\n  ackWait: 3s\n  rebalance: 1s\n  maxDeliver: 5\n`,
  });
  const env = { VIGIL_CONFIG: file, VIGIL_DATABASE_URL: db.url, VIGIL_NATS_URL: testNatsUrl!, VIGIL_LOG_LEVEL: 'error' };
  const config = loadConfig({ file, env: { VIGIL_DATABASE_URL: db.url, VIGIL_NATS_URL: testNatsUrl! } }).config;
  const bus = await NatsBus.open(config.bus);
  await bus.ensure();
  const store = await openStore({ databaseUrl: db.url, dataDir: '' });
  let closed = false;
  return (current = {
    config,
    env,
    bus,
    store,
    worker: () => vigil(['worker', '--concurrency', '2'], env),
    async drained() {
      for (const s of STAGES) if ((await bus.backlog(s)).messages) return false;
      return true;
    },
    async close() {
      if (closed) return;
      closed = true;
      await bus.destroy();
      await bus.close();
      await store.close();
      await db.drop();
    },
  });
}

/** Whole-pipeline runs with several processes: slow on a loaded 2-core machine, so generous. */
const TIMEOUT = 240_000;
let current: Deployment | undefined;

const count = async (store: StoreHandle, q: ReturnType<typeof sql>): Promise<number> => Number(((await store.db.execute(q)) as unknown as { rows: Array<{ n: number }> }).rows[0]!.n);

describe.runIf(ready)('the distributed mode on NATS JetStream and PostgreSQL', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-scale-'));
  });
  // Also after a test that timed out: no process, stream or database is left behind.
  afterEach(async () => {
    await stopAll();
    await current?.close();
    current = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('three worker processes store exactly what the embedded pipeline stores for the same input', async () => {
    const records = wazuhAlerts({ alerts: 1_200, hosts: 36, attackers: 12, tag: 'eq' });
    const chunks: Array<Array<{ file: string; line: number; record: Record<string, unknown> }>> = [];
    for (let i = 0; i < records.length; i += 100) chunks.push(records.slice(i, i + 100).map((record, j) => ({ file: 'request', line: i + j + 1, record })));
    const d = await deployment(dir, 'eq', { attackers: 12 });
    try {
      const workers = [d.worker(), d.worker(), d.worker()];
      // The baseline runs while the workers start: the embedded pipeline, one call per request.
      const base = await App.build({ ...d.config, database: {}, bus: { ...d.config.bus, url: undefined }, dataDir: 'memory://', out: join(dir, 'eq-embedded') }, { log });
      for (const c of chunks) await base.ingest(c);
      const embedded = await storeView(base.repo.db);
      await base.close();
      expect(embedded.alerts).toBe(1_200);
      expect(embedded.notifications.length).toBeGreaterThan(0);

      for (const w of workers) await waitOutput(w, /vigil worker .*stages ingest, case, respond/);
      const publisher = new Publisher({ bus: d.bus, batchRecords: 500, maxIngestBytes: d.config.bus.maxIngestBytes, log });
      for (const c of chunks) await publisher.publish(c);
      expect(await waitUntil(() => d.drained(), 60_000, 250)).toBe(true);
      expect(await storeView(d.store.db)).toEqual(embedded);

      // Each worker got a share of the work and nothing went to the dead letters.
      for (const w of workers) w.child.kill('SIGTERM');
      for (const w of workers) expect(await w.exited).toBe(0);
      expect(workers.filter((w) => /case\s+messages [1-9]/.test(w.err)).length).toBeGreaterThanOrEqual(2);
      expect(await d.bus.listDead()).toEqual([]);
    } finally {
      await stopAll();
      await d.close();
    }
  }, TIMEOUT);

  it('loses and duplicates nothing when a worker is killed with SIGKILL in the middle of 10,000 alerts', async () => {
    const attackers = 40;
    const n = 10_000;
    const records = wazuhAlerts({ alerts: n, hosts: 120, attackers, tag: 'kill' });
    const d = await deployment(dir, 'kill', { attackers });
    try {
      const [w1, w2] = [d.worker(), d.worker()];
      await waitOutput(w1, /vigil worker .*stages/);
      await waitOutput(w2, /vigil worker .*stages/);
      const publisher = new Publisher({ bus: d.bus, batchRecords: 250, maxIngestBytes: d.config.bus.maxIngestBytes, log });
      for (let i = 0; i < n; i += 1_000) await publisher.publish(records.slice(i, i + 1_000).map((record, j) => ({ file: 'kill', line: i + j + 1, record })));
      const stored = (): Promise<number> => count(d.store, sql`select count(*)::int as n from alerts`);
      expect(await waitUntil(async () => (await stored()) >= 2_500, 120_000, 100)).toBe(true);
      w1.child.kill('SIGKILL');
      // Killed in the middle of the run, not after it.
      expect(await stored()).toBeLessThan(n);
      expect(await w1.exited).toBe(null);
      const w3 = d.worker();
      await waitOutput(w3, /vigil worker .*stages/);
      expect(await waitUntil(() => d.drained(), 90_000, 250)).toBe(true);

      // Nothing lost: every alert stored once.
      expect(await stored()).toBe(n);
      // Nothing duplicated: one case per attacker holding exactly its alerts, with the right count.
      const cases = ((await d.store.db.execute(sql`
        select c.id, c.alert_count, c.severity, (select count(*)::int from alerts a where a.case_id = c.id) as n,
          (select string_agg(distinct o.value, ',') from case_observables co join observables o on o.id = co.observable_id where co.case_id = c.id and o.type = 'ipv4') as ip
        from cases c`)) as unknown as { rows: Array<{ id: string; alert_count: number; severity: string; n: number; ip: string }> }).rows;
      expect(cases).toHaveLength(attackers);
      for (const c of cases) expect([c.alert_count, c.ip.split(',').length]).toEqual([c.n, 1]);
      expect(new Set(cases.map((c) => c.ip))).toEqual(new Set(Array.from({ length: attackers }, (_, a) => attackerIp(a))));
      // Response and notification once per HIGH case: one block per listed attacker, one triage task, one message.
      const high = cases.filter((c) => c.severity === 'HIGH' || c.severity === 'CRITICAL');
      expect(high.length).toBeGreaterThan(0);
      const listed = cases.filter((c) => Array.from({ length: attackers }, (_, a) => a).filter((a) => a % 3 === 0).map(attackerIp).includes(c.ip));
      expect(await count(d.store, sql`select count(*)::int as n from actions where action = 'block-ip'`)).toBe(listed.filter((c) => high.includes(c)).length);
      expect(await count(d.store, sql`select count(*)::int as n from tasks`)).toBe(high.length);
      expect(await count(d.store, sql`select count(*)::int as n from notifications`)).toBe(high.length);
      expect(await count(d.store, sql`select count(distinct case_id)::int as n from notifications`)).toBe(high.length);
      expect(await d.bus.listDead()).toEqual([]);
    } finally {
      await stopAll();
      await d.close();
    }
  }, TIMEOUT);

  it('stores every alert a webhook acknowledged while vigil serve is killed and restarted', async () => {
    const d = await deployment(dir, 'serve', { attackers: 8, partitions: 2 });
    try {
      const worker = d.worker();
      const serve = (): Proc => vigil(['serve', '--port', '0'], d.env);
      let s = serve();
      // The first start writes the admin key to a 0600 file and names the file, never the key.
      const key = readFileSync((await waitOutput(s, /wrote it to (\S+) \(mode 0600\)/))[1]!, 'utf8').trim();
      let base = (await waitOutput(s, /Vigil API on (http:\/\/[^\s]+)/))[1]!;
      await waitOutput(worker, /vigil worker .*stages/);

      const acknowledged: string[] = [];
      let refused = 0;
      const post = async (i: number): Promise<void> => {
        const batch = wazuhAlerts({ alerts: 20, hosts: 16, tag: `hook${i}` });
        const res = await fetch(`${base}/api/ingest/wazuh`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
          body: batch.map((r) => JSON.stringify(r)).join('\n'),
        }).catch(() => undefined);
        if (res?.status === 202) {
          const body = (await res.json()) as { queued: number };
          expect(body.queued).toBe(20);
          acknowledged.push(...batch.map((r) => String(r.id)));
        } else refused++;
      };
      for (let i = 0; i < 40; i++) await post(i);
      // Killed in the middle of a burst of requests: the ones in flight are not acknowledged.
      const inFlight = Array.from({ length: 10 }, (_, i) => post(100 + i));
      s.child.kill('SIGKILL');
      await Promise.all(inFlight);
      await s.exited;
      s = serve();
      base = (await waitOutput(s, /Vigil API on (http:\/\/[^\s]+)/))[1]!;
      expect(s.out).not.toContain('First start');
      for (let i = 200; i < 240; i++) await post(i);
      expect(acknowledged.length).toBeGreaterThanOrEqual(80 * 20);

      expect(await waitUntil(() => d.drained(), 60_000, 250)).toBe(true);
      const ids = ((await d.store.db.execute(sql`select source_ref from alerts`)) as unknown as { rows: Array<{ source_ref: string }> }).rows.map((r) => r.source_ref);
      const stored = new Set(ids);
      expect(ids.length).toBe(stored.size);
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
      expect(refused).toBeLessThanOrEqual(10);
    } finally {
      await stopAll();
      await d.close();
    }
  }, TIMEOUT);

  it('two worker processes keep one block per address across cases: the later case joins, extends, and one unblock runs when the last holder ends', async () => {
    const attackers = 6;
    const d = await deployment(dir, 'ledger', { attackers });
    try {
      // The morning's cases block for 1 h, the afternoon's (same attackers, new cases) for 4 h.
      writeFileSync(
        join(dir, 'ledger', 'playbooks', 'block.yaml'),
        `trigger: {on: [case.created, case.updated, observable.malicious], severity: HIGH}
steps:
  - id: block
    uses: block-ip
    for_each: observables
    if: item.type == 'ipv4' and item.verdict == 'malicious'
    with: {address: "{{ item.value }}", ttl: "{{ when(starts_with(case.alerts[0].time, '2026-11-20T08'), '1h', '4h') }}"}
`,
      );
      const [w1, w2] = [d.worker(), d.worker()];
      await waitOutput(w1, /vigil worker .*stages/);
      await waitOutput(w2, /vigil worker .*stages/);
      const publisher = new Publisher({ bus: d.bus, batchRecords: 100, maxIngestBytes: d.config.bus.maxIngestBytes, log });
      const morning = wazuhAlerts({ alerts: 240, hosts: 12, attackers, tag: 'am', start: '2026-11-20T08:00:00Z' });
      const afternoon = wazuhAlerts({ alerts: 240, hosts: 12, attackers, tag: 'pm', start: '2026-11-20T14:00:00Z' });
      for (let i = 0; i < morning.length; i += 60) await publisher.publish(morning.slice(i, i + 60).map((record, j) => ({ file: 'am', line: i + j + 1, record })));
      expect(await waitUntil(() => d.drained(), 90_000, 250)).toBe(true);
      for (let i = 0; i < afternoon.length; i += 60) await publisher.publish(afternoon.slice(i, i + 60).map((record, j) => ({ file: 'pm', line: i + j + 1, record })));
      expect(await waitUntil(() => d.drained(), 90_000, 250)).toBe(true);

      const q = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => ((await d.store.db.execute(query)) as unknown as { rows: T[] }).rows;
      const effects = await q<{ id: string; target: string; holders: number; expires_at: string }>(sql`select e.id, e.target, e.expires_at, (select count(*)::int from response_holders h where h.effect_id = e.id) as holders from response_effects e where e.kind = 'block-ip' and e.state = 'active'`);
      expect(effects.length).toBeGreaterThan(0);
      // One row per address, each held by the morning's case and the afternoon's.
      expect(new Set(effects.map((e) => e.target)).size).toBe(effects.length);
      for (const e of effects) expect(e.holders).toBe(2);
      const acted = await q<{ target: string; status: string; n: number }>(sql`select target, status, count(*)::int as n from actions where action = 'block-ip' group by target, status order by target, status`);
      for (const e of effects) expect(acted.filter((a) => a.target === e.target).map((a) => `${a.status} ${a.n}`)).toEqual(['joined 1', 'simulated 1']);

      // The sweep, from any process on the same store: after 2 h the morning's hour is over but the
      // afternoon's four are not; after 5 h every block is lifted, once, recorded on both cases.
      const app = await App.build({ ...d.config, bus: { ...d.config.bus, url: undefined }, out: join(dir, 'ledger-sweep') }, { log });
      try {
        const now = Date.now();
        expect((await createPlaybookEngine(app).sweepExpired(new Date(now + 2 * 3_600_000))).undone).toBe(0);
        expect((await createPlaybookEngine(app).sweepExpired(new Date(now + 5 * 3_600_000))).undone).toBe(effects.length);
        const undone = await q<{ target: string; n: number }>(sql`select target, count(*)::int as n from actions where action = 'unblock-ip' group by target`);
        expect(undone.map((u) => u.n)).toEqual(effects.map(() => 2));
        expect(await count(d.store, sql`select count(*)::int as n from response_effects where state = 'released'`)).toBe(effects.length);
      } finally {
        await app.close();
      }
      expect(await d.bus.listDead()).toEqual([]);
    } finally {
      await stopAll();
      await d.close();
    }
  }, TIMEOUT);
});
