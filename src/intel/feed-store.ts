import { and, eq, isNull, lt, gt, or, sql } from 'drizzle-orm';
import type { Db } from '../store/db.js';
import { feeds, indicators } from '../store/schema.js';
import type { Indicator } from './feeds/format.js';

const CHUNK = 1000;
const DAY = 86_400_000;
/** Indicators that expired this long ago are deleted; until then lookups can still say "was listed until". */
export const KEEP_EXPIRED_DAYS = 30;

export type FeedRow = typeof feeds.$inferInsert;

/** When an indicator stops counting: its own end of validity, or the feed's TTL from now, whichever is first. */
export function validUntilOf(ind: Indicator, now: Date, ttlDays: number | null | undefined): string | undefined {
  const own = ind.validUntil !== undefined ? Date.parse(ind.validUntil) : NaN;
  const ttl = ttlDays ? now.getTime() + ttlDays * DAY : NaN;
  if (Number.isNaN(ttl)) return ind.validUntil;
  if (!Number.isNaN(own) && own < ttl) return ind.validUntil;
  return new Date(ttl).toISOString();
}

/**
 * Stores a feed's new content. Every indicator the feed listed before expires now, then the ones the
 * new content lists are written (revived) with their validity: so an indicator gone from the feed
 * expires instead of vanishing, and lookups still say it "was listed until" for `KEEP_EXPIRED_DAYS`.
 * With a TTL, every indicator is valid for that many days from this import at most.
 * Returns how many indicators the re-import expired.
 */
export async function saveFeed(db: Db, feed: FeedRow, list: readonly Indicator[], now: Date): Promise<{ expired: number }> {
  const nowIso = now.toISOString();
  const unique = new Map<string, Indicator>();
  for (const i of list) unique.set(`${i.type}:${i.value}`, i);
  const rows = [...unique.values()];
  let expired = 0;
  await db.transaction(async (tx) => {
    await tx.insert(feeds).values(feed).onConflictDoUpdate({ target: feeds.id, set: { ...feed } });
    const live = or(isNull(indicators.validUntil), gt(indicators.validUntil, nowIso));
    await tx.update(indicators).set({ validUntil: nowIso }).where(and(eq(indicators.feedId, feed.id), live));
    for (let i = 0; i < rows.length; i += CHUNK) {
      await tx
        .insert(indicators)
        .values(
          rows.slice(i, i + CHUNK).map((ind) => ({
            feedId: feed.id,
            type: ind.type,
            value: ind.value,
            tags: ind.tags,
            malware: ind.malware ?? null,
            threat: ind.threat ?? null,
            confidence: ind.confidence ?? null,
            firstSeen: ind.firstSeen ?? null,
            lastSeen: ind.lastSeen ?? null,
            validUntil: validUntilOf(ind, now, feed.ttlDays) ?? null,
            matchSubdomains: ind.matchSubdomains ?? false,
            reference: ind.reference ?? null,
            line: ind.line,
          })),
        )
        .onConflictDoUpdate({
          target: [indicators.feedId, indicators.type, indicators.value],
          set: {
            tags: sql`excluded.tags`,
            malware: sql`excluded.malware`,
            threat: sql`excluded.threat`,
            confidence: sql`excluded.confidence`,
            firstSeen: sql`excluded.first_seen`,
            lastSeen: sql`excluded.last_seen`,
            validUntil: sql`excluded.valid_until`,
            matchSubdomains: sql`excluded.match_subdomains`,
            reference: sql`excluded.reference`,
            line: sql`excluded.line`,
          },
        });
    }
    const gone = await tx
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(indicators)
      .where(and(eq(indicators.feedId, feed.id), eq(indicators.validUntil, nowIso)));
    expired = gone[0]?.n ?? 0;
    const purgeBefore = new Date(now.getTime() - KEEP_EXPIRED_DAYS * DAY).toISOString();
    await tx.delete(indicators).where(and(eq(indicators.feedId, feed.id), lt(indicators.validUntil, purgeBefore)));
  });
  return { expired };
}

export interface FeedCounts {
  live: number;
  expired: number;
}

/** Live and expired indicators per feed id. */
export async function feedCounts(db: Db, now: Date): Promise<Map<string, FeedCounts>> {
  const nowIso = now.toISOString();
  const rows = await db
    .select({
      feedId: indicators.feedId,
      live: sql<number>`count(*) filter (where ${indicators.validUntil} is null or ${indicators.validUntil} > ${nowIso})`.mapWith(Number),
      expired: sql<number>`count(*) filter (where ${indicators.validUntil} <= ${nowIso})`.mapWith(Number),
    })
    .from(indicators)
    .groupBy(indicators.feedId);
  return new Map(rows.map((r) => [r.feedId, { live: r.live, expired: r.expired }]));
}
