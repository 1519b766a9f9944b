import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Assessor } from '../assess/index.js';
import { ConfigSchema } from '../config.js';
import type { Alert } from '../core/types.js';
import { normalizeRecord } from '../pipeline/run.js';
import { openStore, type StoreHandle } from '../store/db.js';
import { freshPostgresUrl, requirePostgresInCi } from '../../test/helpers/store.js';
import { storeCaseBatch } from './case-store.js';
import { wazuhAlerts } from './testing.js';

requirePostgresInCi();
const pgUrl = process.env.VIGIL_TEST_DATABASE_URL;

describe.runIf(pgUrl)('the case stage on PostgreSQL, several workers at once', () => {
  const config = ConfigSchema.parse({ cases: { groupBy: ['observable', 'host'] } });
  let stores: StoreHandle[] = [];
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const db = await freshPostgresUrl();
    drop = db.drop;
    // Separate pools, as separate worker processes have.
    stores = [await openStore({ databaseUrl: db.url, dataDir: '' }), await openStore({ databaseUrl: db.url, dataDir: '' }), await openStore({ databaseUrl: db.url, dataDir: '' })];
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    await drop();
  });

  it('joins alerts of different partitions into one case without losing a count, and stores a repeat once', async () => {
    // Three hosts attacked by one address: each host's alerts would be a partition of their own.
    const records = wazuhAlerts({ alerts: 300, hosts: 3, attackers: 1, tag: 'cs' });
    const alerts = records.map((r) => normalizeRecord(r, undefined)!) as Alert[];
    const byHost = new Map<string, Alert[]>();
    for (const a of alerts) byHost.set(a.host.name, [...(byHost.get(a.host.name) ?? []), a]);
    const deps = (i: number) => ({ db: stores[i]!.db, assessor: new Assessor(config.assess), grouping: config.cases });
    const batches = [...byHost.values()].flatMap((list) => [list.slice(0, 50), list.slice(50)]);
    // All at once, each partition's batches in order, plus one batch delivered twice.
    const results = await Promise.all(
      [...byHost.values()].map(async (list, i) => {
        const r1 = await storeCaseBatch(deps(i), list.slice(0, 50), new Map());
        const r2 = await storeCaseBatch(deps(i), list.slice(50), new Map());
        const again = await storeCaseBatch(deps(i), list.slice(0, 50), new Map());
        return [r1, r2, again];
      }),
    );
    expect(batches).toHaveLength(6);
    expect(results.flat().reduce((a, r) => a + r.stored, 0)).toBe(300);
    expect(results.flatMap((r) => r[2]!).every((r) => r.stored === 0 && r.duplicate === 50 && r.touched.length === 0)).toBe(true);
    const rows = ((await stores[0]!.db.execute(sql`select c.id, c.alert_count, (select count(*)::int from alerts a where a.case_id = c.id) as n from cases c`)) as unknown as { rows: Array<{ alert_count: number; n: number }> }).rows;
    expect(rows).toEqual([expect.objectContaining({ alert_count: 300, n: 300 })]);
    const keys = ((await stores[0]!.db.execute(sql`select count(*)::int as n from case_keys`)) as unknown as { rows: Array<{ n: number }> }).rows[0]!.n;
    expect(keys).toBe(4); // the attacker and the three hosts
  });
});
