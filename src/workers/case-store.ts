// The case stage's store transaction: assess + group + store for one batch of alerts while other
// workers do the same for other partitions. Grouping state is read from the store under locks,
// because an alert in one partition can join a case that alerts of another partition opened.
import { hash } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Assessor } from '../assess/index.js';
import { CaseGrouper, type GroupingConfig } from '../cases/grouper.js';
import type { Alert } from '../core/types.js';
import type { EnrichedObservable } from '../intel/engine.js';
import { groupBatch, seedStoredCases } from '../pipeline/run.js';
import type { Db } from '../store/db.js';
import { OPEN_STATUSES, Repo } from '../store/repo.js';
import * as t from '../store/schema.js';

const CHUNK = 1000;
const DEADLOCK = '40P01';
const MAX_TRIES = 5;

function lockId(kind: string, value: string): string {
  // A 64-bit advisory lock id per grouping key or case (collisions only make two unrelated keys wait for each other).
  return hash('sha256', `${kind}\u0000${value}`, 'buffer').readBigInt64BE(0).toString();
}

/**
 * Transaction-scoped advisory locks, taken in one global order (sorted ids) so two workers can
 * never wait for each other in a cycle.
 */
async function lockAll(tx: Db, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const sorted = [...new Set(ids)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  await tx.execute(sql`select pg_advisory_xact_lock(v::bigint) from jsonb_array_elements_text(${JSON.stringify(sorted)}::jsonb) as x(v)`);
}

function sqlState(e: unknown): string | undefined {
  for (let cur = e as { code?: unknown; cause?: unknown } | undefined, i = 0; cur && i < 4; cur = cur.cause as typeof cur, i++) {
    if (typeof cur.code === 'string' && /^[0-9A-Z]{5}$/.test(cur.code)) return cur.code;
  }
  return undefined;
}

export interface CaseBatchResult {
  /** Alerts stored by this batch. */
  stored: number;
  /** Alerts already in the store (a redelivery, or the same alert sent twice). */
  duplicate: number;
  /** Cases this batch opened or changed. */
  touched: string[];
}

export interface CaseBatchDeps {
  db: Db;
  assessor: Assessor;
  grouping: GroupingConfig;
}

/**
 * Stores one batch: skips alerts already stored, locks every grouping key the batch carries and
 * then every open case sharing one of them, reads those cases' current state, assigns the alerts
 * with the same `CaseGrouper` the embedded pipeline uses, and writes everything in the same
 * transaction (`extra` adds rows of the caller's, committed together). A batch that deadlocks with
 * another is tried again.
 */
export async function storeCaseBatch(
  d: CaseBatchDeps,
  alerts: readonly Alert[],
  intel: Map<string, EnrichedObservable>,
  extra?: (tx: Db, touched: string[]) => Promise<void>,
): Promise<CaseBatchResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await d.db.transaction(async (txn) => {
        const tx = txn as unknown as Db;
        return storeIn(tx, d, alerts, intel, extra);
      });
    } catch (e) {
      if (sqlState(e) !== DEADLOCK || attempt >= MAX_TRIES) throw e;
    }
  }
}

async function storeIn(
  tx: Db,
  d: CaseBatchDeps,
  alerts: readonly Alert[],
  intel: Map<string, EnrichedObservable>,
  extra: ((tx: Db, touched: string[]) => Promise<void>) | undefined,
): Promise<CaseBatchResult> {
  const unique = new Map<string, Alert>();
  for (const a of alerts) if (!unique.has(a.id)) unique.set(a.id, a);
  const repo = new Repo(tx);
  const grouper = new CaseGrouper(d.grouping);
  const keys = [...new Set([...unique.values()].flatMap((a) => grouper.keysOf(a)))];
  // The alerts themselves too: the same alert arriving through two partitions at once is stored once.
  await lockAll(tx, [...[...unique.keys()].map((id) => lockId('alert', id)), ...keys.map((k) => lockId('key', k))]);
  const existing = await repo.existingAlertIds([...unique.keys()]);
  const fresh = [...unique.values()].filter((a) => !existing.has(a.id));
  const result: CaseBatchResult = { stored: 0, duplicate: alerts.length - fresh.length, touched: [] };
  if (!fresh.length) return result;

  // Open cases sharing a key with the batch. No other worker can link a new case to these keys now
  // (that needs their locks), but one may still be changing such a case through another key: lock
  // the cases too, then read them.
  const spans: Array<{ key: string; caseId: string; firstSeen: string; lastSeen: string }> = [];
  for (let i = 0; i < keys.length; i += CHUNK) {
    const rows = await tx
      .select({ key: t.caseKeys.key, caseId: t.caseKeys.caseId, firstSeen: t.caseKeys.firstSeen, lastSeen: t.caseKeys.lastSeen })
      .from(t.caseKeys)
      .innerJoin(t.cases, eq(t.cases.id, t.caseKeys.caseId))
      .where(and(inArray(t.caseKeys.key, keys.slice(i, i + CHUNK)), inArray(t.cases.status, OPEN_STATUSES)));
    spans.push(...rows);
  }
  const caseIds = [...new Set(spans.map((s) => s.caseId))];
  await lockAll(tx, caseIds.map((id) => lockId('case', id)));
  for (let i = 0; i < caseIds.length; i += CHUNK) {
    // `for update`: a playbook or an analyst changing one of these cases meanwhile is not overwritten.
    const rows = await tx.select().from(t.cases).where(inArray(t.cases.id, caseIds.slice(i, i + CHUNK))).for('update');
    // Closed between the span query and the lock: it takes no more alerts.
    const open = rows.filter((c) => OPEN_STATUSES.includes(c.status));
    const ids = new Set(open.map((c) => c.id));
    seedStoredCases(grouper, open, spans.filter((sp) => ids.has(sp.caseId)));
  }

  const opened = new Set<string>();
  const touched = new Set<string>();
  const write = groupBatch(fresh, intel, grouper, d.assessor, opened, touched, new Set());
  await repo.saveBatch(write);
  result.stored = fresh.length;
  result.touched = [...touched];
  if (extra) await extra(tx, result.touched);
  return result;
}
