import { and, asc, desc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Severity } from '../core/types.js';
import type { Db } from '../store/db.js';
import { cases, notifications } from '../store/schema.js';
import type { AttachmentRef } from './templates.js';

export type NotificationRow = typeof notifications.$inferSelect;

/**
 * Delivery states:
 * - `sending`: an attempt is in progress (or its process died: the lease in `next_attempt_at` expires);
 * - `pending`: waiting for `next_attempt_at` (quiet hours);
 * - `retrying`: an attempt failed, the next is due at `next_attempt_at`;
 * - `sent`; `dead`: the last attempt failed (a dead letter, `vigil notify failed`);
 * - `digested`: batched into a digest (`location` names the digest once it is built);
 * - `suppressed`: not sent because a higher severity was sent meanwhile.
 */
export type NotificationStatus = 'sending' | 'pending' | 'retrying' | 'sent' | 'dead' | 'digested' | 'suppressed';

/** What `payload` holds: the rendered message, so it can be sent again without the case. */
export interface StoredPayload {
  subject: string;
  text: string;
  html: string;
  data: Record<string, unknown>;
  template: string;
  caseNumber: number;
  attachments: AttachmentRef[];
}

/** Per-case state for telling opened / escalated / updated apart between runs. */
export interface CaseSeen {
  severity: Severity;
  alerts: number;
  status: string;
}

/** Store access for notifications, over the same database as the rest (drizzle on `repo.db`). */
export class NotifyStore {
  constructor(private readonly db: Db) {}

  async get(id: string): Promise<NotificationRow | undefined> {
    return (await this.db.select().from(notifications).where(eq(notifications.id, id)))[0];
  }

  /** Inserts unless the id exists; the row when this call created it (so only one caller delivers it). */
  async insert(row: typeof notifications.$inferInsert): Promise<NotificationRow | undefined> {
    return (await this.db.insert(notifications).values(row).onConflictDoNothing().returning())[0];
  }

  async update(id: string, patch: Partial<typeof notifications.$inferInsert>): Promise<void> {
    await this.db.update(notifications).set(patch).where(eq(notifications.id, id));
  }

  /**
   * Takes a notification for an attempt: only one process gets it, and the lease lets another take
   * it over if this one dies mid-attempt. `force` takes it whatever its state or due time (`vigil notify retry ID`).
   */
  async claim(id: string, now: string, leaseUntil: string, opts: { force?: boolean } = {}): Promise<NotificationRow | undefined> {
    // Even when forced, an attempt in progress elsewhere (a live lease) is left alone.
    const abandoned = and(eq(notifications.status, 'sending'), lte(notifications.nextAttemptAt, now));
    const due = opts.force
      ? or(inArray(notifications.status, ['pending', 'retrying', 'dead', 'suppressed']), abandoned)
      : and(inArray(notifications.status, ['pending', 'retrying', 'sending']), or(isNull(notifications.nextAttemptAt), lte(notifications.nextAttemptAt, now)));
    const r = await this.db.update(notifications).set({ status: 'sending', nextAttemptAt: leaseUntil }).where(and(eq(notifications.id, id), due)).returning();
    return r[0];
  }

  /** Notifications whose time has come: retries, ends of quiet hours, attempts abandoned by a dead process. */
  async due(now: string, limit = 100): Promise<NotificationRow[]> {
    return this.db
      .select()
      .from(notifications)
      .where(and(inArray(notifications.status, ['pending', 'retrying', 'sending']), lte(notifications.nextAttemptAt, now)))
      .orderBy(asc(notifications.nextAttemptAt))
      .limit(limit);
  }

  /** The case's notifications on these channels, newest first (for deduplication and throttling). */
  async ofCase(caseId: string, channels: string[]): Promise<Array<Pick<NotificationRow, 'id' | 'channel' | 'severity' | 'status' | 'createdAt'>>> {
    if (!channels.length) return [];
    return this.db
      .select({ id: notifications.id, channel: notifications.channel, severity: notifications.severity, status: notifications.status, createdAt: notifications.createdAt })
      .from(notifications)
      .where(and(eq(notifications.caseId, caseId), inArray(notifications.channel, channels)))
      .orderBy(desc(notifications.createdAt));
  }

  /** The latest sent notification of a case on a channel at a severity above `severity`, if any. */
  async sentAbove(caseId: string, channel: string, severities: Severity[]): Promise<NotificationRow | undefined> {
    if (!severities.length) return undefined;
    return (
      await this.db
        .select()
        .from(notifications)
        .where(and(eq(notifications.caseId, caseId), eq(notifications.channel, channel), eq(notifications.status, 'sent'), inArray(notifications.severity, severities)))
        .limit(1)
    )[0];
  }

  /** Cases waiting for a digest, oldest first. */
  async waitingForDigest(): Promise<NotificationRow[]> {
    return this.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.status, 'digested'), isNull(notifications.location)))
      .orderBy(asc(notifications.createdAt), asc(notifications.id));
  }

  async markDigested(ids: string[], digestId: string): Promise<void> {
    if (!ids.length) return;
    await this.db.update(notifications).set({ location: digestId }).where(inArray(notifications.id, ids));
  }

  /** Dead letters with their case number, newest first. */
  async dead(limit = 500): Promise<Array<NotificationRow & { caseNumber: number | null }>> {
    const rows = await this.db
      .select({ n: notifications, caseNumber: cases.number })
      .from(notifications)
      .leftJoin(cases, eq(cases.id, notifications.caseId))
      .where(eq(notifications.status, 'dead'))
      .orderBy(desc(notifications.createdAt))
      .limit(limit);
    return rows.map((r) => ({ ...r.n, caseNumber: r.caseNumber }));
  }

  async idsWithStatus(statuses: NotificationStatus[]): Promise<string[]> {
    const rows = await this.db.select({ id: notifications.id }).from(notifications).where(inArray(notifications.status, statuses)).orderBy(asc(notifications.createdAt));
    return rows.map((r) => r.id);
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db.select({ status: notifications.status, n: sql<number>`count(*)::int` }).from(notifications).groupBy(notifications.status);
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Records what the case looks like now and returns what it looked like last time, in one statement. */
  async swapCaseSeen(caseId: string, seen: CaseSeen, now: string): Promise<CaseSeen | undefined> {
    const key = `notify.case:${caseId}`;
    const r = await this.db.execute<{ old: CaseSeen | null }>(sql`
      with prev as (select value from kv where key = ${key})
      insert into kv (key, value, updated_at) values (${key}, ${JSON.stringify(seen)}::jsonb, ${now})
      on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at
      returning (select value from prev) as old`);
    const row = ((r as unknown as { rows?: Array<{ old: CaseSeen | string | null }> }).rows ?? [])[0];
    const old = row?.old;
    return old === null || old === undefined ? undefined : typeof old === 'string' ? (JSON.parse(old) as CaseSeen) : old;
  }
}
