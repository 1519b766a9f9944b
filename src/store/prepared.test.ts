import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, requirePostgresInCi } from '../../test/helpers/store.js';
import type { StoreHandle } from './db.js';
import { executePrepared, type PreparedStatement } from './prepared.js';

requirePostgresInCi();

const ECHO: PreparedStatement = {
  name: 'vigil_test_echo',
  types: ['jsonb', 'timestamptz', 'int'],
  text: `select $1::jsonb->>'text' as text, ($1::jsonb->'n')::int + $3 as n, to_char($2 at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') as at`,
};

describe.each(backends)('executePrepared on $name', (backend) => {
  let store: StoreHandle;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const o = await backend.open();
    store = o.store;
    drop = o.drop;
  });
  afterAll(async () => {
    await store.close();
    await drop();
  });

  it('runs a statement with its values, again and again, with hostile text intact', async () => {
    // Quotes, backslashes, a dollar-quote, a comment and a statement separator: values, never SQL.
    const hostile = `it's \\'; drop table alerts; -- $$ $1 \\x00 "quoted" \u202e`;
    for (let n = 0; n < 3; n++) {
      const rows = await executePrepared<{ text: string; n: number; at: string }>(store.db, ECHO, [JSON.stringify({ text: hostile, n }), '2026-11-21T06:00:00.000Z', 10]);
      expect(rows).toEqual([{ text: hostile, n: n + 10, at: '2026-11-21T06:00:00' }]);
    }
    const tables = await store.db.execute(sql`select count(*)::int as n from information_schema.tables where table_name = 'alerts'`);
    expect((tables as unknown as { rows: Array<{ n: number }> }).rows[0]!.n).toBe(1);
  });

  it('is prepared once per connection: the server knows it by name after the first call', async () => {
    if (store.kind !== 'pglite') return; // node-postgres keeps protocol-level statements, not in pg_prepared_statements
    await executePrepared(store.db, ECHO, ['{"text":"x","n":1}', '2026-11-21T06:00:00Z', 1]);
    const r = await store.db.execute(sql`select name from pg_prepared_statements where name = ${ECHO.name}`);
    expect((r as unknown as { rows: unknown[] }).rows).toHaveLength(1);
  });

  it('runs inside a transaction, and a failure there rolls the transaction back', async () => {
    await store.db.execute(sql`create table if not exists prepared_probe (v text)`);
    await expect(
      store.db.transaction(async (tx) => {
        await tx.execute(sql`insert into prepared_probe values ('kept only on commit')`);
        const rows = await executePrepared<{ text: string }>(tx, ECHO, ['{"text":"in tx","n":0}', '2026-11-21T06:00:00Z', 0]);
        expect(rows[0]!.text).toBe('in tx');
        await executePrepared(tx, ECHO, ['not json', '2026-11-21T06:00:00Z', 0]);
      }),
    ).rejects.toThrow(/json/i);
    const left = await store.db.execute(sql`select count(*)::int as n from prepared_probe`);
    expect((left as unknown as { rows: Array<{ n: number }> }).rows[0]!.n).toBe(0);
  });

  it('refuses a number that is not finite', async () => {
    // On PGlite it would otherwise be written into the EXECUTE as text; PostgreSQL refuses it as a value.
    await expect(executePrepared(store.db, ECHO, ['{"text":"x","n":1}', '2026-11-21T06:00:00Z', Number.NaN])).rejects.toThrow(store.kind === 'pglite' ? /finite/ : /integer/);
  });
});
