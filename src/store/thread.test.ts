import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite, types } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type StoreHandle } from './db.js';
import { ThreadedPGlite } from './thread.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('ThreadedPGlite', () => {
  let local: PGlite;
  let threaded: ThreadedPGlite;
  beforeAll(async () => {
    local = new PGlite();
    threaded = new ThreadedPGlite();
    await Promise.all([local.waitReady, threaded.waitReady]);
    for (const db of [local, threaded]) await db.exec('create table t (id int primary key, note text)');
  });
  afterAll(async () => {
    await Promise.all([local.close(), threaded.close()]);
  });

  it('answers every query exactly as PGlite on this thread does, parsers included', async () => {
    const text = `select 1::int8 as big, 12.50::numeric as num, '{"a":[1,"x"]}'::jsonb as j, 'it''s'::text as s, null::text as nothing,
      true as yes, '\\x00ff'::bytea as raw, array[1,2] as arr, '2026-11-21 06:00:00+00'::timestamptz as at, $1::int + 1 as p`;
    const parsers = { [types.TIMESTAMPTZ]: (v: string) => `raw:${v}`, [types.INT4]: (v: string) => Number(v) * 10 };
    for (const opts of [undefined, { rowMode: 'array' as const }, { parsers }, { rowMode: 'array' as const, parsers }]) {
      const [a, b] = await Promise.all([local.query(text, [41], opts), threaded.query(text, [41], opts)]);
      expect(b.rows).toEqual(a.rows);
      expect(b.fields).toEqual(a.fields);
    }
    expect((await threaded.query<{ at: string; p: number }>(text, [41], { parsers })).rows[0]).toMatchObject({ at: 'raw:2026-11-21 06:00:00+00', p: 420 });
    const [ea, eb] = await Promise.all([local.exec('select 1 as one; select 2 as two'), threaded.exec('select 1 as one; select 2 as two')]);
    expect(eb.map((r) => r.rows)).toEqual(ea.map((r) => r.rows));
  });

  it('reports a database error with its message and SQLSTATE', async () => {
    const e = (await threaded.query('select * from nope').then(
      () => undefined,
      (x: unknown) => x,
    )) as Error & { code?: string };
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe('relation "nope" does not exist');
    expect(e.code).toBe('42P01');
    // The connection is fine afterwards.
    expect((await threaded.query('select 2 as two')).rows).toEqual([{ two: 2 }]);
  });

  it('commits a transaction that returns, rolls back one that throws, and holds other statements until it ends', async () => {
    await threaded.transaction(async (tx) => {
      await tx.query('insert into t values (1, $1)', ['kept']);
    });
    await expect(
      threaded.transaction(async (tx) => {
        await tx.query('insert into t values (2, $1)', ['dropped']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await threaded.transaction(async (tx) => {
      await tx.query('insert into t values (3, $1)', ['rolled back explicitly']);
      await tx.rollback();
    });
    expect((await threaded.query('select id from t order by id')).rows).toEqual([{ id: 1 }]);

    let release!: () => void;
    const open = threaded.transaction(async (tx) => {
      await tx.query('insert into t values (4, $1)', ['later']);
      await new Promise<void>((r) => (release = r));
    });
    await new Promise((r) => setTimeout(r, 50));
    let seen: unknown;
    const outside = threaded.query<{ n: number }>('select count(*)::int as n from t').then((r) => (seen = r.rows[0]!.n));
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toBeUndefined();
    release();
    await Promise.all([open, outside]);
    expect(seen).toBe(2);
  });

  it('leaves this thread free while a long statement runs', async () => {
    const slow = 'select count(*) from generate_series(1, 4000000)';
    const gaps = async (db: PGlite | ThreadedPGlite): Promise<{ took: number; longestGap: number }> => {
      let last = performance.now();
      let longestGap = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        longestGap = Math.max(longestGap, now - last);
        last = now;
      }, 2);
      const started = performance.now();
      await db.query(slow);
      const took = performance.now() - started;
      clearInterval(timer);
      return { took, longestGap: Math.max(longestGap, performance.now() - last) };
    };
    const here = await gaps(local);
    const there = await gaps(threaded);
    // On this thread the timer cannot fire until the statement is done; beside it, it keeps firing.
    expect(here.longestGap).toBeGreaterThan(here.took * 0.8);
    expect(there.took).toBeGreaterThan(50);
    expect(there.longestGap).toBeLessThan(there.took / 2);
  });

  it('fails every waiting and later statement with a clear error if its thread stops', async () => {
    const doomed = new ThreadedPGlite();
    await doomed.waitReady;
    const waiting = doomed.query('select count(*) from generate_series(1, 20000000)');
    await (doomed as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(waiting).rejects.toThrow(/embedded store's thread stopped/);
    await expect(doomed.query('select 1')).rejects.toMatchObject({ code: 'VIGIL_STORE_FAILED' });
    await doomed.close();
  });

  it('does not keep the process alive once idle, even when never closed', () => {
    const script = `import { ThreadedPGlite } from ${JSON.stringify(join(ROOT, 'src/store/thread.ts'))};
      const db = new ThreadedPGlite();
      console.log(JSON.stringify((await db.query('select 40 + 2 as n')).rows));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('[{"n":42}]');
    expect(r.status).toBe(0);
  });
});

describe('openStore with thread: true', () => {
  let dir: string;
  let store: StoreHandle | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-thread-'));
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates, keeps what it wrote on disk, and hands the folder over once closed', async () => {
    store = await openStore({ dataDir: dir, thread: true });
    // New WAL segments are not zero-filled first (a 40–50 ms stall every 16 MB of WAL).
    expect(((await store.db.execute(sql`show wal_init_zero`)) as unknown as { rows: unknown[] }).rows).toEqual([{ wal_init_zero: 'off' }]);
    await store.db.execute(sql`insert into kv (key, value, updated_at) values ('thread-test', '{"kept":true}', '2026-11-21T06:00:00Z')`);
    await store.db.transaction(async (tx) => {
      await tx.execute(sql`update kv set value = '{"kept":"twice"}' where key = 'thread-test'`);
    });
    await store.close();
    store = await openStore({ dataDir: dir });
    const rows = (await store.db.execute(sql`select value from kv where key = 'thread-test'`)) as unknown as { rows: Array<{ value: unknown }> };
    expect(rows.rows).toEqual([{ value: { kept: 'twice' } }]);
  });
});
