// Autovacuum's work, for the embedded store.
import type { PGlite } from '@electric-sql/pglite';

/**
 * PostgreSQL's autovacuum defaults: a table is analysed once more than 50 rows + 10% of it changed
 * since its last analysis, and vacuumed once it holds more than 50 + 20% dead row versions.
 */
const ANALYZE = { base: 50, share: 0.1 };
const VACUUM = { base: 50, share: 0.2 };
/**
 * Statistics kept per column (PostgreSQL's default is 100). ANALYZE samples 300 rows per unit, and
 * on PGlite a 30,000-row sample of the alerts holds the one connection for 50–70 ms, stalling every
 * webhook request in flight; a 900-row sample takes a few milliseconds and is enough to tell the
 * planner which side of a join is small (the planner scales row counts by the table's current size).
 */
const STATISTICS_TARGET = 3;

/** The embedded store, on this thread or its own. */
type Embedded = Pick<PGlite, 'query' | 'exec'>;
/** How often the embedded store checks its tables' counters (a query of a millisecond or two). */
export const MAINTENANCE_INTERVAL_MS = 5000;

export interface MaintenanceResult {
  analyzed: string[];
  vacuumed: string[];
}

/**
 * PGlite runs no background workers, so nothing analyses or vacuums its tables: the planner works
 * from no statistics at all (a case report's related-cases query then walks every link of every
 * case: 20 ms instead of 2 on 6,000 links), and the row versions every upsert leaves behind are
 * never reclaimed. This does what autovacuum would, with its thresholds, one table at a time with a
 * turn of the event loop in between so waiting requests get in.
 */
export async function maintainEmbedded(client: Embedded): Promise<MaintenanceResult> {
  // JSON columns (alert and intel bodies) are given no statistics: sampling them is most of what an
  // analysis costs, and no query filters or joins on them. (A column list on ANALYZE would skip them
  // too, but then PostgreSQL never resets the table's change counter, and it would be analysed at
  // every check.)
  const { rows } = await client.query<{ relname: string; live: number; dead: number; changed: number; json: string[] }>(
    `select s.relname, s.n_live_tup::int as live, s.n_dead_tup::int as dead, s.n_mod_since_analyze::int as changed,
       array(select quote_ident(a.attname) from pg_attribute a
             where a.attrelid = s.relid and a.attnum > 0 and not a.attisdropped
               and a.atttypid in ('json'::regtype, 'jsonb'::regtype) and a.attstattarget is distinct from 0) as json
     from pg_stat_user_tables s where s.schemaname = 'public'`,
  );
  const out: MaintenanceResult = { analyzed: [], vacuumed: [] };
  const due = rows.filter((t) => t.dead > VACUUM.base + VACUUM.share * t.live || t.changed > ANALYZE.base + ANALYZE.share * t.live);
  if (!due.length) return out;
  // Separate statements: VACUUM cannot run inside the implicit transaction of a multi-statement query.
  await client.exec(`set default_statistics_target = ${STATISTICS_TARGET}`);
  try {
    for (const t of due) {
      await new Promise((r) => setImmediate(r));
      const vacuum = t.dead > VACUUM.base + VACUUM.share * t.live;
      const name = `"${t.relname.replaceAll('"', '""')}"`;
      if (t.json.length) await client.exec(`alter table ${name} ${t.json.map((c) => `alter column ${c} set statistics 0`).join(', ')}`);
      await client.exec(`${vacuum ? 'vacuum (analyze)' : 'analyze'} ${name}`);
      if (vacuum) out.vacuumed.push(t.relname);
      out.analyzed.push(t.relname);
    }
  } finally {
    await client.exec('reset default_statistics_target');
  }
  return out;
}

/** Runs maintainEmbedded every `intervalMs` until the returned stop is called (which waits for a run in progress). */
export function startMaintenance(client: Embedded, onError: (err: Error) => void, intervalMs = MAINTENANCE_INTERVAL_MS): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = maintainEmbedded(client)
      .then(() => undefined, (e: unknown) => onError(e as Error))
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
