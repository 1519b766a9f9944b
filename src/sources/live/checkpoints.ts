import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../store/db.js';
import { sourceCheckpoints } from '../../store/schema.js';

export type CheckpointRow = typeof sourceCheckpoints.$inferSelect;

/** Stands for "no position yet" in the not-null `position` column (a source failed before reading anything). */
const NO_POSITION = { none: true };

export function hasPosition(position: unknown): boolean {
  return position !== null && position !== undefined && !(typeof position === 'object' && (position as Record<string, unknown>).none === true);
}

export async function loadCheckpoint(db: Db, source: string): Promise<CheckpointRow | undefined> {
  const rows = await db.select().from(sourceCheckpoints).where(eq(sourceCheckpoints.source, source));
  return rows[0];
}

export async function listCheckpoints(db: Db): Promise<CheckpointRow[]> {
  return db.select().from(sourceCheckpoints).orderBy(asc(sourceCheckpoints.source));
}

/**
 * Records that the records up to `position` are stored: called only after `ingest` resolved, so a
 * crash before it re-reads them (at-least-once; ingest skips the duplicates).
 */
export async function commitCheckpoint(
  db: Db,
  c: { source: string; kind: string; position: unknown; delivered: number; lastEventAt?: string | undefined; at: string },
): Promise<void> {
  const position = c.position === undefined ? NO_POSITION : c.position;
  await db
    .insert(sourceCheckpoints)
    .values({ source: c.source, kind: c.kind, position, delivered: c.delivered, lastEventAt: c.lastEventAt ?? null, updatedAt: c.at })
    .onConflictDoUpdate({
      target: sourceCheckpoints.source,
      set: {
        kind: c.kind,
        // An undefined position means "did not move": keep the stored one.
        position: c.position === undefined ? sql`${sourceCheckpoints.position}` : position,
        delivered: sql`${sourceCheckpoints.delivered} + ${c.delivered}`,
        lastEventAt: c.lastEventAt === undefined ? sql`${sourceCheckpoints.lastEventAt}` : c.lastEventAt,
        updatedAt: c.at,
      },
    });
}

/** Keeps the last error of a source (shown by `vigil sources status`); the position stays as it was. */
export async function recordSourceError(db: Db, e: { source: string; kind: string; message: string; at: string }): Promise<void> {
  const message = e.message.length > 2000 ? `${e.message.slice(0, 2000)}…` : e.message;
  await db
    .insert(sourceCheckpoints)
    .values({ source: e.source, kind: e.kind, position: NO_POSITION, delivered: 0, lastError: message, lastErrorAt: e.at, updatedAt: e.at })
    .onConflictDoUpdate({ target: sourceCheckpoints.source, set: { lastError: message, lastErrorAt: e.at } });
}

/** Forgets a source's position, so its next start begins afresh (`vigil sources reset`). */
export async function deleteCheckpoint(db: Db, source: string): Promise<boolean> {
  const rows = await db.delete(sourceCheckpoints).where(eq(sourceCheckpoints.source, source)).returning({ source: sourceCheckpoints.source });
  return rows.length > 0;
}
