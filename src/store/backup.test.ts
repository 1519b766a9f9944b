// Backups end to end on real stores: a store that has run the pipeline (cases, alerts, playbook runs,
// approvals, notifications, feeds) and holds API keys is backed up and restored into empty stores of
// both kinds, and every table must come back row for row. PostgreSQL parts need VIGIL_TEST_DATABASE_URL.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getTableName, is, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../app.js';
import { ConfigSchema, PACKAGE_ROOT } from '../config.js';
import { silentLogger } from '../core/log.js';
import { VigilError } from '../core/errors.js';
import { freshPostgresUrl, requirePostgresInCi } from '../../test/helpers/store.js';
import { createBackup, localMigrations, migrateTo, openBackup, restoreBackup, verifyBackup, type BackupManifest, type StoreTarget } from './backup.js';
import { openStore } from './db.js';
import * as schema from './schema.js';
import { readTarIndex, TarWriter } from './tar.js';

requirePostgresInCi();
const pgUrl = process.env.VIGIL_TEST_DATABASE_URL;

const TABLES = (Object.values(schema) as unknown[]).filter((v): v is PgTable => is(v, PgTable));

/** JSON with object keys sorted, so two equal rows compare equal whatever order a driver gave their keys. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

interface Snapshot {
  counts: Record<string, number>;
  rows: Record<string, string[]>;
}

/** Every row of every Vigil table, read through the schema (timestamps as ISO, JSON parsed) as the app reads them. */
async function snapshot(target: StoreTarget): Promise<Snapshot> {
  const store = await openStore({ databaseUrl: target.databaseUrl, dataDir: target.dataDir });
  try {
    const counts: Record<string, number> = {};
    const rows: Record<string, string[]> = {};
    for (const t of TABLES) {
      const all = (await store.db.select().from(t)) as unknown[];
      counts[getTableName(t)] = all.length;
      rows[getTableName(t)] = all.map(canonical).sort();
    }
    return { counts, rows };
  } finally {
    await store.close();
  }
}

function expectSame(got: Snapshot, want: Snapshot): void {
  expect(got.counts).toEqual(want.counts);
  for (const [t, rows] of Object.entries(want.rows)) {
    // Every row when a table is small, otherwise the first, middle and last of the sorted rows and every 97th.
    const picks = rows.length <= 500 ? rows.map((_, i) => i) : [0, rows.length >> 1, rows.length - 1, ...rows.map((_, i) => i).filter((i) => i % 97 === 0)];
    for (const i of picks) expect(got.rows[t]![i], `${t} row ${i}`).toBe(rows[i]);
  }
}

/** A copy of a backup with its manifest changed (the data members as they were). */
async function rewriteManifest(from: string, to: string, change: (m: BackupManifest) => unknown): Promise<void> {
  const index = await readTarIndex(from);
  const bytes = readFileSync(from);
  const tar = await TarWriter.create(to);
  for (const m of index) {
    const data = bytes.subarray(m.offset, m.offset + m.size);
    await tar.add(m.name, m.name === 'manifest.json' ? Buffer.from(JSON.stringify(change(JSON.parse(data.toString()) as BackupManifest))) : data);
  }
  await tar.close();
}

describe('vigil backup', () => {
  let dir: string;
  let source: StoreTarget;
  let original: Snapshot;
  let file: string;
  const drops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-backup-'));
    source = { dataDir: join(dir, 'source') };
    const config = ConfigSchema.parse({ dataDir: source.dataDir, out: join(dir, 'out'), playbooks: { dir: join(PACKAGE_ROOT, 'samples/playbooks') } });
    const app = await App.build(config, { log: silentLogger });
    try {
      await app.run([join(PACKAGE_ROOT, 'samples/alerts/wazuh/alerts.json'), join(PACKAGE_ROOT, 'samples/alerts/suricata/eve.json')]);
      await app.keys.create({ name: 'admin', role: 'admin' });
      await app.keys.create({ name: 'wazuh-manager', role: 'ingest' });
    } finally {
      await app.close();
    }
    original = await snapshot(source);
    file = join(dir, 'embedded.tar');
  }, 300_000);

  afterAll(async () => {
    for (const d of drops) await d();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the source store holds what a SOC would lose: cases, alerts, playbook runs and keys', () => {
    for (const t of ['cases', 'alerts', 'playbook_runs', 'api_keys', 'actions', 'audit_log', 'indicators']) expect(original.counts[t], t).toBeGreaterThan(0);
  });

  it('creates a backup of the embedded store with a manifest of version, migration and counts', async () => {
    const s = await createBackup(file, source);
    expect(s).toMatchObject({ file, store: 'pglite', data: 'jsonl', migration: localMigrations().at(-1)!.tag });
    for (const [t, n] of Object.entries(original.counts)) expect(s.tables[t], t).toBe(n);
    const { manifest } = await openBackup(file);
    expect(manifest).toMatchObject({ format: 'vigil-backup', vigil: '0.1.0', source: { kind: 'pglite' }, schema: { applied: localMigrations().length } });
    expect(manifest.tables.cases!.rows).toBe(original.counts.cases);
    expect(manifest.sequences.cases_number_seq).toMatchObject({ value: String(original.counts.cases) });
    // A plain tar: the manifest and one gzipped JSON-lines member per table.
    const names = (await readTarIndex(file)).map((m) => m.name);
    expect(names).toContain('manifest.json');
    expect(names).toContain('tables/alerts.jsonl.gz');
    await expect(createBackup(file, source)).rejects.toThrow(/already exists \(--force replaces it\)/);
  }, 120_000);

  it('verifies a sound backup and names the member a damaged one is broken in', async () => {
    const ok = await verifyBackup(file);
    expect(ok).toMatchObject({ ok: true, restorable: true, problems: [] });
    expect(ok.rows).toBe(Object.values(original.counts).reduce((a, b) => a + b, 0));

    const bad = join(dir, 'damaged.tar');
    const bytes = readFileSync(file);
    const alerts = (await readTarIndex(file)).find((m) => m.name === 'tables/alerts.jsonl.gz')!;
    const at = alerts.offset + (alerts.size >> 1);
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(bad, bytes);
    const r = await verifyBackup(bad);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toBe('tables/alerts.jsonl.gz: its SHA-256 differs from the manifest\'s (the file was changed or damaged)');
    // Restore checks first: nothing is written into the target.
    const target = { dataDir: join(dir, 'from-damaged') };
    await expect(restoreBackup(bad, target)).rejects.toThrow('tables/alerts.jsonl.gz is damaged (its size or SHA-256 differs from the manifest); nothing was restored');
    expect(existsSync(join(target.dataDir, 'pgdata'))).toBe(false);

    writeFileSync(join(dir, 'short.tar'), bytes.subarray(0, alerts.offset + 100));
    await expect(verifyBackup(join(dir, 'short.tar'))).rejects.toMatchObject({ code: 'VIGIL_INPUT_PARSE', file: join(dir, 'short.tar'), message: expect.stringContaining('a backup cut short?') });
    writeFileSync(join(dir, 'not.tar'), '{"alerts": []}\n'.repeat(100));
    await expect(verifyBackup(join(dir, 'not.tar'))).rejects.toMatchObject({ message: 'not a Vigil backup (not a tar archive)' });
    await expect(verifyBackup(join(dir, 'missing.tar'))).rejects.toMatchObject({ code: 'VIGIL_INPUT_NOT_FOUND', message: 'no such file' });
  }, 120_000);

  it('restores embedded → embedded: every count and row match', async () => {
    const target = { dataDir: join(dir, 'restored') };
    const s = await restoreBackup(file, target);
    expect(s).toMatchObject({ store: 'pglite', from: 'pglite', replaced: false });
    expectSame(await snapshot(target), original);
  }, 240_000);

  it('refuses a store that holds rows unless --force, which replaces them', async () => {
    const target = { dataDir: join(dir, 'restored') };
    const refused = await restoreBackup(file, target).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(VigilError);
    expect(refused).toMatchObject({ code: 'VIGIL_STORE_NOT_EMPTY', message: expect.stringMatching(/is not empty \(.*alerts \d+.*\): a backup restores into an empty store.*--force/) });
    const store = await openStore({ dataDir: target.dataDir });
    await store.db.execute(sql`delete from cases where number = 1`);
    await store.close();
    const s = await restoreBackup(file, target, { force: true });
    expect(s.replaced).toBe(true);
    expectSame(await snapshot(target), original);
  }, 240_000);

  it('refuses a backup of a newer schema, saying to upgrade Vigil', async () => {
    const newer = join(dir, 'newer.tar');
    await rewriteManifest(file, newer, (m) => ({ ...m, schema: { ...m.schema, migration: '0099_future', when: localMigrations().at(-1)!.when + 1000 } }));
    expect((await verifyBackup(newer)).restorable).toBe(false);
    await expect(restoreBackup(newer, { dataDir: join(dir, 'never') })).rejects.toThrow(/cannot be restored: it was made by a newer Vigil \(0\.1\.0, schema 0099_future\).*upgrade Vigil first/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('refuses a manifest that could smuggle SQL in a table name', async () => {
    const evil = join(dir, 'evil.tar');
    await rewriteManifest(file, evil, (m) => ({ ...m, tables: { ...m.tables, 'kv; drop table cases': { rows: 0 } } }));
    await expect(restoreBackup(evil, { dataDir: join(dir, 'never') })).rejects.toMatchObject({ code: 'VIGIL_INPUT_PARSE', message: expect.stringContaining('manifest.json is not a Vigil backup manifest') });
  });

  it('restores a backup of an older schema and applies the newer migrations', async () => {
    const local = localMigrations();
    // The schema before alerts.rule_groups (0006) existed: the restore must add and fill it.
    const before = local.findIndex((m) => m.tag.startsWith('0005_'));
    const old = { dataDir: join(dir, 'old') };
    const store = await openStore({ ...old, migrate: false });
    await migrateTo(store, before);
    await store.db.execute(sql`insert into alerts (id, source, source_ref, time, title, rule_id, rule_level, host, severity, score, data)
      values ('a1', 'wazuh', '1', now(), 'sshd', '5710', 5, 'web-01', 'LOW', 10, ${JSON.stringify({ rule: { groups: ['sshd', 'authentication_failed'] } })}::jsonb)`);
    await store.close();
    const oldFile = join(dir, 'old.tar');
    expect((await createBackup(oldFile, old)).migration).toBe(local[before]!.tag);
    const target = { dataDir: join(dir, 'old-restored') };
    const s = await restoreBackup(oldFile, target);
    expect(s.migration).toEqual({ backup: local[before]!.tag, now: local.at(-1)!.tag });
    const after = await openStore(target);
    const rows = ((await after.db.execute(sql`select rule_groups from alerts`)) as unknown as { rows: Array<{ rule_groups: string[] }> }).rows;
    const applied = ((await after.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)) as unknown as { rows: [{ n: number }] }).rows[0].n;
    await after.close();
    expect(rows).toEqual([{ rule_groups: ['sshd', 'authentication_failed'] }]);
    expect(applied).toBe(local.length);
  }, 240_000);

  describe.runIf(pgUrl)('with PostgreSQL', () => {
    let pgTarget: StoreTarget;

    it('restores embedded → PostgreSQL: every count and row match', async () => {
      const db = await freshPostgresUrl();
      drops.push(db.drop);
      pgTarget = { databaseUrl: db.url, dataDir: '' };
      const s = await restoreBackup(file, pgTarget);
      expect(s).toMatchObject({ store: 'postgres', from: 'pglite' });
      expectSame(await snapshot(pgTarget), original);
      // The sequences came along: the next case gets the next number.
      const store = await openStore(pgTarget);
      const [{ n }] = ((await store.db.execute(sql`select nextval('cases_number_seq')::int as n`)) as unknown as { rows: [{ n: number }] }).rows;
      await store.close();
      expect(n).toBe(original.counts.cases! + 1);
    }, 240_000);

    it('backs up PostgreSQL with pg_dump and restores it into PostgreSQL and into the embedded store', async () => {
      // The store above took one case number since: compare against it as it is now.
      const now = await snapshot(pgTarget);
      const pgFile = join(dir, 'postgres.tar');
      const s = await createBackup(pgFile, pgTarget);
      expect(s).toMatchObject({ store: 'postgres', data: 'pg_dump' });
      expect(s.tables.alerts).toBe(original.counts.alerts);
      expect(s.location).not.toMatch(/@.*:.*@/);
      const v = await verifyBackup(pgFile);
      expect(v).toMatchObject({ ok: true, restorable: true, problems: [] });

      const db = await freshPostgresUrl();
      drops.push(db.drop);
      const intoPg = { databaseUrl: db.url, dataDir: '' };
      expect(await restoreBackup(pgFile, intoPg)).toMatchObject({ store: 'postgres', from: 'postgres' });
      expectSame(await snapshot(intoPg), now);

      const intoEmbedded = { dataDir: join(dir, 'from-postgres') };
      expect(await restoreBackup(pgFile, intoEmbedded)).toMatchObject({ store: 'pglite', from: 'postgres' });
      expectSame(await snapshot(intoEmbedded), now);
    }, 300_000);

    it('says which database it cannot reach, without its password', async () => {
      const u = new URL(pgUrl!);
      u.pathname = '/vigil_no_such_db';
      u.password = 's3cret';
      const e = await restoreBackup(file, { databaseUrl: u.toString(), dataDir: '' }).catch((x: unknown) => x as VigilError);
      expect(e).toMatchObject({ code: 'VIGIL_STORE_FAILED' });
      expect((e as Error).message).toMatch(/^vigil backup restore failed on PostgreSQL postgres:\/\/.*:\*\*\*@.*\/vigil_no_such_db: database "vigil_no_such_db" does not exist$/);
      expect((e as Error).message).not.toContain('s3cret');
    }, 60_000);
  });
});
