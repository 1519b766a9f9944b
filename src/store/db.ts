import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { VigilError } from '../core/errors.js';
import { startMaintenance } from './maintenance.js';
import { ThreadedPGlite } from './thread.js';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface StoreHandle {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Where the data lives: the embedded data folder, or the database URL with its password masked. */
  location: string;
  close(): Promise<void>;
}

/** The committed migrations (copied beside the bundle in dist/). */
export const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite's data folder must never be opened by two processes at once (it would be corrupted), so
 * the first process takes a lock file holding its pid; a lock left by a dead process is taken over.
 */
function takeLock(dataDir: string, purpose: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lock = join(dataDir, 'vigil.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        rmSync(lock, { force: true });
      };
      process.once('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder: { pid?: number; purpose?: string; since?: string } = {};
      try {
        holder = JSON.parse(readFileSync(lock, 'utf8')) as typeof holder;
      } catch {
        // A half-written lock from a crashed start: treat it as stale.
      }
      if (holder.pid && pidAlive(holder.pid)) {
        throw new VigilError(
          'VIGIL_STORE_LOCKED',
          `the embedded store ${dataDir} is in use by process ${holder.pid} (${holder.purpose ?? 'vigil'}, since ${holder.since ?? '?'}). ` +
            'Only one process may open it: stop that process, send alerts to the running server, or use PostgreSQL (VIGIL_DATABASE_URL).',
        );
      }
      rmSync(lock, { force: true });
    }
  }
  throw new VigilError('VIGIL_STORE_LOCKED', `could not take the lock on ${dataDir}`);
}

export function maskUrl(url: string): string {
  return url.replace(/(\w+:\/\/[^/@\s:]+):[^/@\s]+@/, '$1:***@');
}

/**
 * Opens the store and applies pending migrations: PostgreSQL when `databaseUrl` is set, otherwise
 * embedded PGlite in `dataDir` (or in memory when `dataDir` is `memory://`).
 */
export async function openStore(opts: {
  databaseUrl?: string | undefined;
  dataDir: string;
  purpose?: string;
  /** PostgreSQL closed an idle pooled connection (the pool opens a new one). */
  onIdleError?: (err: Error) => void;
  /** The embedded store's periodic analyse/vacuum failed (it is tried again at the next interval). */
  onMaintenanceError?: (err: Error) => void;
  /** Run the embedded store on a thread of its own (see ThreadedPGlite); a server wants this. */
  thread?: boolean;
  /** Bring the schema up to date (default). A backup reads the store as it is; a restore migrates in steps of its own. */
  migrate?: boolean;
}): Promise<StoreHandle> {
  // Each backend's driver loads only when it is the one opened: a PostgreSQL process has no use for
  // PGlite's large module, nor the embedded store for pg.
  if (opts.databaseUrl) {
    const [{ default: pg }, { drizzle: drizzlePg }, { migrate: migratePg }] = await Promise.all([import('pg'), import('drizzle-orm/node-postgres'), import('drizzle-orm/node-postgres/migrator')]);
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 4 });
    // An idle connection the server closes (a restart, a failover, an admin's terminate) is dropped
    // by the pool and the next query opens a new one; without a listener it would end the process.
    pool.on('error', (err) => opts.onIdleError?.(err));
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    try {
      if (opts.migrate !== false) await migratePg(db as never, { migrationsFolder: MIGRATIONS });
    } catch (e) {
      await pool.end();
      throw new VigilError('VIGIL_STORE_FAILED', `cannot open PostgreSQL at ${maskUrl(opts.databaseUrl)}: ${(e as Error).message}`, { cause: e });
    }
    return { db, kind: 'postgres', location: maskUrl(opts.databaseUrl), close: () => pool.end() };
  }
  const inMemory = opts.dataDir === 'memory://';
  const release = inMemory ? () => {} : takeLock(opts.dataDir, opts.purpose ?? 'vigil');
  let client: PGlite | ThreadedPGlite | undefined;
  try {
    const [{ PGlite }, { drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([import('@electric-sql/pglite'), import('drizzle-orm/pglite'), import('drizzle-orm/pglite/migrator')]);
    const dataDir = inMemory ? undefined : join(opts.dataDir, 'pgdata');
    client = opts.thread ? new ThreadedPGlite(dataDir) : new PGlite(dataDir);
    await client.waitReady;
    // PostgreSQL fills each new 16 MB WAL segment with zeros before using it; on PGlite that is a
    // 40–50 ms stall of the one connection every few thousand alerts. Without it the segment is
    // created sparse, as on a copy-on-write file system (PGlite already runs with fsync off).
    await client.exec('set wal_init_zero = off');
    const db = drizzlePglite(client as PGlite, { schema }) as unknown as Db;
    if (opts.migrate !== false) await migratePglite(db as never, { migrationsFolder: MIGRATIONS });
    const stopMaintenance = startMaintenance(client, (err) => opts.onMaintenanceError?.(err));
    const open = client;
    return {
      db,
      kind: 'pglite',
      location: inMemory ? 'memory' : opts.dataDir,
      close: async () => {
        await stopMaintenance();
        await open.close();
        release();
      },
    };
  } catch (e) {
    await client?.close().catch(() => {});
    release();
    if (e instanceof VigilError) throw e;
    throw new VigilError('VIGIL_STORE_FAILED', `cannot open the embedded store in ${opts.dataDir}: ${(e as Error).message}`, { cause: e });
  }
}
