import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { openStore, type StoreHandle } from './db.js';
import { maintainEmbedded } from './maintenance.js';

/** Counters reach pg_stat_user_tables when the session next goes idle, at most once a second unless forced. */
async function flushStats(store: StoreHandle): Promise<void> {
  await store.db.execute(sql`select pg_stat_force_next_flush()`);
  await store.db.execute(sql`select 1`);
}

function rows<T>(r: unknown): T[] {
  return (r as { rows: T[] }).rows;
}

describe('embedded store maintenance', () => {
  let store: StoreHandle;
  let client: PGlite;
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
    client = (store.db as unknown as { session: { client: PGlite } }).session.client;
  });
  afterAll(() => store.close());

  it('analyses a table once enough of it changed, and leaves it alone until more does', async () => {
    await store.db.execute(sql`create table probe (id text primary key, severity text not null, score int not null, body jsonb not null)`);
    await store.db.execute(sql`insert into probe select 'case_' || g, 'LOW', 10, '{"a":1}'::jsonb from generate_series(1, 400) g`);
    await flushStats(store);
    const first = await maintainEmbedded(client);
    expect(first.analyzed).toContain('probe');
    const stats = rows<{ attname: string }>(await store.db.execute(sql`select attname from pg_stats where tablename = 'probe'`)).map((r) => r.attname);
    // The planner now knows the table; JSON bodies are left out of the sample.
    expect(stats).toEqual(expect.arrayContaining(['id', 'severity']));
    expect(stats).not.toContain('body');
    const planned = rows<{ reltuples: number }>(await store.db.execute(sql`select reltuples from pg_class where relname = 'probe'`))[0]!;
    expect(planned.reltuples).toBe(400);

    await flushStats(store);
    expect((await maintainEmbedded(client)).analyzed).not.toContain('probe');
    await store.db.execute(sql`update probe set score = 20 where id in ('case_1', 'case_2')`);
    await flushStats(store);
    expect((await maintainEmbedded(client)).analyzed).not.toContain('probe');
  });

  it('vacuums a table whose updates left many dead row versions', async () => {
    await store.db.execute(sql`update probe set score = score + 1`);
    await store.db.execute(sql`update probe set score = score + 1`);
    await flushStats(store);
    const r = await maintainEmbedded(client);
    expect(r.vacuumed).toContain('probe');
    await flushStats(store);
    const dead = rows<{ n: number }>(await store.db.execute(sql`select n_dead_tup::int as n from pg_stat_user_tables where relname = 'probe'`))[0]!;
    expect(dead.n).toBe(0);
    // The statistics target is the session's again for anything else that runs ANALYZE.
    const target = rows<{ default_statistics_target: string }>(await store.db.execute(sql`show default_statistics_target`))[0]!;
    expect(target.default_statistics_target).toBe('100');
  });
});
