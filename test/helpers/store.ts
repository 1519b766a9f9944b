import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type StoreHandle } from '../../src/store/db.js';

export interface Backend {
  /** `pglite-thread`: the embedded store on its own thread, as `vigil serve` runs it. */
  name: 'pglite' | 'pglite-thread' | 'postgres';
  /** Opens a fresh, empty, migrated store; `drop` removes it afterwards. */
  open(): Promise<{ store: StoreHandle; url?: string; drop(): Promise<void> }>;
}

const url = process.env.VIGIL_TEST_DATABASE_URL;

/** Under CI a missing PostgreSQL is a failure, not a skip (DESIGN.md, CI and services). */
export function requirePostgresInCi(): void {
  if (process.env.CI === 'true' && !url) throw new Error('CI=true but VIGIL_TEST_DATABASE_URL is not set: the PostgreSQL suites cannot run');
}

/** A throwaway database on the test server (or the server of `adminUrl`), so parallel test files never see each other's rows. */
export async function freshPostgresUrl(adminUrl = url): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const name = `vigil_t_${randomBytes(6).toString('hex')}`;
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

export const backends: Backend[] = [
  {
    name: 'pglite',
    async open() {
      const store = await openStore({ dataDir: 'memory://' });
      return { store, drop: async () => {} };
    },
  },
  {
    name: 'pglite-thread',
    async open() {
      const store = await openStore({ dataDir: 'memory://', thread: true });
      return { store, drop: async () => {} };
    },
  },
  ...(url
    ? [
        {
          name: 'postgres' as const,
          async open() {
            const db = await freshPostgresUrl();
            const store = await openStore({ databaseUrl: db.url, dataDir: '' });
            return { store, url: db.url, drop: db.drop };
          },
        },
      ]
    : []),
];
