// Scale-out benchmark: alerts/s end to end through 1 and 2 `vigil worker` processes on NATS
// JetStream and PostgreSQL, next to the embedded pipeline on PostgreSQL over the same input, with
// the scaling efficiency, where the workers spend their time and what PostgreSQL does per alert.
//
// Needs PostgreSQL (VIGIL_BENCH_DATABASE_URL or VIGIL_TEST_DATABASE_URL: a server where it may
// create and drop databases) and NATS with JetStream (VIGIL_BENCH_NATS_URL or VIGIL_TEST_NATS_URL).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { App } from '../src/app.js';
import { NatsBus } from '../src/bus/nats.js';
import { STAGES } from '../src/bus/types.js';
import { loadConfig, PACKAGE_ROOT, type VigilConfig } from '../src/config.js';
import { silentLogger } from '../src/core/log.js';
import { Publisher } from '../src/workers/publisher.js';
import { waitUntil, wazuhAlerts, writeScaleFixtures } from '../src/workers/testing.js';
import type { WorkerStats } from '../src/workers/worker.js';

const N = Number(process.env.BENCH_SCALE_ALERTS ?? 20_000);
const PARTITIONS = Number(process.env.BENCH_SCALE_PARTITIONS ?? 8);
const adminUrl = process.env.VIGIL_BENCH_DATABASE_URL ?? process.env.VIGIL_TEST_DATABASE_URL;
const natsUrl = process.env.VIGIL_BENCH_NATS_URL ?? process.env.VIGIL_TEST_NATS_URL;

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function freshDb(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `vigil_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(adminUrl!);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

interface DbCounters {
  xacts: number;
  inserted: number;
  updated: number;
  fetched: number;
  bytes: number;
}

async function dbCounters(url: string): Promise<DbCounters> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    // The statistics are flushed to the view with a delay.
    await c.query('select pg_stat_clear_snapshot()');
    const r = await c.query<{ x: string; i: string; u: string; f: string; b: string }>(
      `select xact_commit + xact_rollback as x, tup_inserted as i, tup_updated as u, tup_fetched as f, pg_database_size(current_database()) as b
       from pg_stat_database where datname = current_database()`,
    );
    const row = r.rows[0]!;
    return { xacts: Number(row.x), inserted: Number(row.i), updated: Number(row.u), fetched: Number(row.f), bytes: Number(row.b) };
  } finally {
    await c.end();
  }
}

function diff(a: DbCounters, b: DbCounters): DbCounters {
  return { xacts: b.xacts - a.xacts, inserted: b.inserted - a.inserted, updated: b.updated - a.updated, fetched: b.fetched - a.fetched, bytes: b.bytes - a.bytes };
}

type Records = Array<{ file: string; line: number; record: Record<string, unknown> }>;

function chunks(records: Array<Record<string, unknown>>, size: number): Records[] {
  const out: Records[] = [];
  for (let i = 0; i < records.length; i += size) out.push(records.slice(i, i + size).map((record, j) => ({ file: 'bench', line: i + j + 1, record })));
  return out;
}

interface RunResult {
  label: string;
  seconds: number;
  db: DbCounters;
  stats?: WorkerStats[];
  /** Response rounds (playbooks + report + notification for one case). */
  rounds: number;
}

/**
 * The embedded pipeline on PostgreSQL: `file` is what `vigil run` does (one ingest, batches of
 * 1,000, each case's response once at the end); `stream` is `vigil serve` taking the same input as
 * webhook requests of 500 (each request stored, then the cases it touched responded to).
 */
async function embedded(config: VigilConfig, input: Records[], dir: string, mode: 'file' | 'stream'): Promise<RunResult> {
  const db = await freshDb();
  try {
    const app = await App.build({ ...config, database: { url: db.url }, out: join(dir, `embedded-${mode}`) }, { log: silentLogger });
    const before = await dbCounters(db.url);
    const t0 = performance.now();
    let rounds = 0;
    if (mode === 'file') rounds += (await app.ingest(input.flat())).reports;
    else for (const c of input) rounds += (await app.ingest(c)).reports;
    const seconds = (performance.now() - t0) / 1000;
    await app.close();
    await new Promise((r) => setTimeout(r, 1_500));
    return { label: mode === 'file' ? 'embedded, PostgreSQL, one file run' : 'embedded, PostgreSQL, webhook requests of 500', seconds, db: diff(before, await dbCounters(db.url)), rounds };
  } finally {
    await db.drop();
  }
}

function worker(env: Record<string, string>): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), 'worker', '--concurrency', '2', '--json'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  return { child, out: () => out, err: () => err, exited: new Promise((r) => child.once('exit', r)) };
}

async function distributed(workers: number, dir: string, input: Records[]): Promise<RunResult> {
  const db = await freshDb();
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const file = writeScaleFixtures(join(dir, prefix), { attackers: 100, extra: `bus:\n  prefix: ${prefix}\n  partitions: ${PARTITIONS}\n  rebalance: 1s\n` });
  const env = { VIGIL_CONFIG: file, VIGIL_DATABASE_URL: db.url, VIGIL_NATS_URL: natsUrl!, VIGIL_LOG_LEVEL: 'error' };
  const config = loadConfig({ file, env }).config;
  const bus = await NatsBus.open(config.bus);
  const procs: Array<ReturnType<typeof worker>> = [];
  try {
    await bus.ensure();
    for (let i = 0; i < workers; i++) procs.push(worker(env));
    const up = await waitUntil(async () => procs.every((p) => /vigil worker .*stages/.test(p.err())), 120_000, 100);
    if (!up) throw new Error(`workers did not start:\n${procs.map((p) => p.err()).join('\n')}`);
    // Every worker holds its share of the partitions before the clock starts.
    await new Promise((r) => setTimeout(r, 2_500));
    const before = await dbCounters(db.url);
    const publisher = new Publisher({ bus, batchRecords: config.bus.batchRecords, maxIngestBytes: config.bus.maxIngestBytes, log: silentLogger });
    const t0 = performance.now();
    for (const c of input) await publisher.publish(c);
    const drained = async (): Promise<boolean> => {
      for (const s of STAGES) if ((await bus.backlog(s)).messages) return false;
      return true;
    };
    if (!(await waitUntil(drained, 600_000, 100))) throw new Error('the workers did not drain the bus in 10 minutes');
    const seconds = (performance.now() - t0) / 1000;
    const stats: WorkerStats[] = [];
    for (const p of procs) {
      p.child.kill('SIGTERM');
      await p.exited;
      stats.push((JSON.parse(p.out()) as { stats: WorkerStats }).stats);
    }
    await new Promise((r) => setTimeout(r, 1_500));
    return { label: `${workers} worker${workers > 1 ? 's' : ''}, NATS + PostgreSQL`, seconds, db: diff(before, await dbCounters(db.url)), stats, rounds: stats.reduce((a, s) => a + s.respond.ran, 0) };
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await bus.destroy();
    await bus.close();
    await db.drop();
  }
}

async function main(): Promise<void> {
  if (!adminUrl || !natsUrl) {
    console.log('scale bench skipped: set VIGIL_BENCH_DATABASE_URL (or VIGIL_TEST_DATABASE_URL) and VIGIL_BENCH_NATS_URL (or VIGIL_TEST_NATS_URL)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-scale-bench-'));
  try {
    // 400 hosts, 100 attackers (a third of them on the blocklist): 100 cases of 200 alerts, a third HIGH or CRITICAL with a block, a task and a notification.
    const input = chunks(wazuhAlerts({ alerts: N, hosts: 400, attackers: 100, tag: 'bench', spanMs: 30 * 60_000 }), 500);
    const config = loadConfig({ file: writeScaleFixtures(join(dir, 'embedded-config'), { attackers: 100 }), env: {} }).config;
    console.log(`${fmt(N)} generated Wazuh alerts, ${PARTITIONS} partitions; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${(await import('node:os')).availableParallelism()} cores`);
    const runs: RunResult[] = [];
    runs.push(await embedded(config, input, dir, 'file'));
    runs.push(await embedded(config, input, dir, 'stream'));
    runs.push(await distributed(1, dir, input));
    runs.push(await distributed(2, dir, input));

    console.log('\n| run | seconds | alerts/s | vs embedded file run | vs embedded webhooks | response rounds |');
    console.log('|---|---:|---:|---:|---:|---:|');
    const file = N / runs[0]!.seconds;
    const stream = N / runs[1]!.seconds;
    for (const r of runs) console.log(`| ${r.label} | ${r.seconds.toFixed(1)} | ${fmt(N / r.seconds)} | ${(N / r.seconds / file).toFixed(2)}× | ${(N / r.seconds / stream).toFixed(2)}× | ${r.rounds} |`);
    const one = N / runs[2]!.seconds;
    const two = N / runs[3]!.seconds;
    console.log(`\nscaling 1 → 2 workers: ${(two / one).toFixed(2)}× (efficiency ${Math.round((two / one / 2) * 100)}%)`);

    console.log('\nWhere the workers spend their time (wall ms per 1,000 alerts, summed over workers):');
    console.log('| run | normalize+detect | dedupe+enrich | case msgs out | store tx | respond msgs out | respond (playbooks, reports, notify) | case msg KB/alert |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of runs.slice(2)) {
      const t = { normalize: 0, enrich: 0, forward: 0, store: 0, notifyOut: 0, respond: 0, caseBytes: 0 };
      for (const s of r.stats!) for (const k of Object.keys(t) as Array<keyof typeof t>) t[k] += s.timing[k];
      const per = (ms: number): string => (ms / (N / 1000)).toFixed(0);
      console.log(`| ${r.label} | ${per(t.normalize)} | ${per(t.enrich)} | ${per(t.forward)} | ${per(t.store)} | ${per(t.notifyOut)} | ${per(t.respond)} | ${(t.caseBytes / N / 1024).toFixed(2)} |`);
      const resp = r.stats!.reduce((a, s) => ({ messages: a.messages + s.respond.messages, ran: a.ran + s.respond.ran, coalesced: a.coalesced + s.respond.coalesced }), { messages: 0, ran: 0, coalesced: 0 });
      const caseMsgs = r.stats!.reduce((a, s) => a + s.case.messages, 0);
      console.log(`  ${r.label}: ${caseMsgs} case transactions (${fmt(N / Math.max(1, caseMsgs))} alerts each), ${resp.messages} respond messages, ${resp.ran} response rounds run, ${resp.coalesced} coalesced`);
    }

    console.log('\nPostgreSQL per alert (pg_stat_database deltas):');
    console.log('| run | transactions | rows inserted | rows updated | rows fetched | bytes stored |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const r of runs) console.log(`| ${r.label} | ${(r.db.xacts / N).toFixed(3)} | ${(r.db.inserted / N).toFixed(1)} | ${(r.db.updated / N).toFixed(2)} | ${(r.db.fetched / N).toFixed(1)} | ${fmt(r.db.bytes / N)} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
