// Backup and restore: how long `vigil backup create`, `verify` and `restore` take on a store that has
// run the pipeline over generated Wazuh alerts, how big the file is next to the store, and the rows
// per second. Embedded → embedded always; with PostgreSQL (VIGIL_BENCH_DATABASE_URL or
// VIGIL_TEST_DATABASE_URL) also embedded → PostgreSQL and PostgreSQL (pg_dump) → PostgreSQL.
//   BENCH_BACKUP_ALERTS (default 20,000) sets the size.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../src/app.js';
import { ConfigSchema, loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/log.js';
import { createBackup, restoreBackup, verifyBackup, type StoreTarget } from '../src/store/backup.js';
import { wazuhAlerts, writeScaleFixtures } from '../src/workers/testing.js';
import { freshPostgresUrl } from '../test/helpers/store.js';

const N = Number(process.env.BENCH_BACKUP_ALERTS ?? 20_000);
const adminUrl = process.env.VIGIL_BENCH_DATABASE_URL ?? process.env.VIGIL_TEST_DATABASE_URL;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`;

function du(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((a, n) => a + du(join(path, n)), 0);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; s: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, s: (performance.now() - t) / 1000 };
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-backup-'));
const drops: Array<() => Promise<void>> = [];
try {
  const fixtures = writeScaleFixtures(join(dir, 'fixtures'), { attackers: 100 });
  const input = join(dir, 'alerts.jsonl');
  writeFileSync(input, `${wazuhAlerts({ alerts: N, hosts: 200, attackers: 100 }).map((a) => JSON.stringify(a)).join('\n')}\n`);
  const source: StoreTarget = { dataDir: join(dir, 'source') };
  const base = loadConfig({ file: fixtures, env: {} }).config;
  const config = ConfigSchema.parse({ dataDir: source.dataDir, out: join(dir, 'out'), feeds: base.feeds, playbooks: { dir: base.playbooks.dir } });
  const app = await App.build(config, { log: silentLogger });
  await app.run([input]);
  await app.close();

  const rows: string[][] = [];
  const file = join(dir, 'embedded.tar');
  const made = await timed(() => createBackup(file, source));
  const total = made.value.rows;
  console.log(`store: ${fmt(N)} alerts, ${fmt(total)} rows in ${Object.values(made.value.tables).filter((n) => n > 0).length} tables, ${mb(du(join(source.dataDir, 'pgdata')))} on disk (PGlite data folder); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (a shared machine)`);
  rows.push(['create (embedded, JSON lines)', made.s.toFixed(1), fmt(total / made.s), mb(made.value.bytes)]);
  const checked = await timed(() => verifyBackup(file));
  if (!checked.value.ok) throw new Error(`verify failed: ${checked.value.problems.join('; ')}`);
  rows.push(['verify', checked.s.toFixed(1), fmt(total / checked.s), '']);
  const intoEmbedded = await timed(() => restoreBackup(file, { dataDir: join(dir, 'restored') }));
  rows.push(['restore embedded → embedded', intoEmbedded.s.toFixed(1), fmt(total / intoEmbedded.s), '']);

  if (adminUrl) {
    const db = await freshPostgresUrl(adminUrl);
    drops.push(db.drop);
    const pgTarget = { databaseUrl: db.url, dataDir: '' };
    const intoPg = await timed(() => restoreBackup(file, pgTarget));
    rows.push(['restore embedded → PostgreSQL', intoPg.s.toFixed(1), fmt(total / intoPg.s), '']);
    const pgFile = join(dir, 'postgres.tar');
    const dumped = await timed(() => createBackup(pgFile, pgTarget));
    rows.push(['create (PostgreSQL, pg_dump)', dumped.s.toFixed(1), fmt(total / dumped.s), mb(dumped.value.bytes)]);
    const db2 = await freshPostgresUrl(adminUrl);
    drops.push(db2.drop);
    const pgToPg = await timed(() => restoreBackup(pgFile, { databaseUrl: db2.url, dataDir: '' }));
    rows.push(['restore PostgreSQL → PostgreSQL (pg_restore)', pgToPg.s.toFixed(1), fmt(total / pgToPg.s), '']);
  } else {
    console.log('PostgreSQL parts skipped: set VIGIL_BENCH_DATABASE_URL or VIGIL_TEST_DATABASE_URL');
  }

  const widths = [46, 9, 10, 10];
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ');
  console.log(line(['step', 'seconds', 'rows/s', 'file']));
  for (const r of rows) console.log(line(r));
} finally {
  for (const d of drops) await d();
  rmSync(dir, { recursive: true, force: true });
}
