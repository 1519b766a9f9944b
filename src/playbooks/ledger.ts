// The response ledger (docs/playbooks.md "One effect, many cases"). Idempotency per case was not
// enough: two cases about the same address each blocked it, so the firewall got two rules and two
// TTLs, and the same machine was contained twice under two names. Here every effect on the outside
// world is one row keyed by (action, canonical target), shared by all cases and by every process
// (the in-process pipeline, `vigil serve`, distributed workers): the first case runs the action,
// the others join it as holders, and the undo runs once.
//
// Claims are single statements (`insert … on conflict do update … where`), so two processes racing
// for one target cannot both act: the loser sees the winner's `pending` row and waits for it to
// become `active` (then joins) or to go away (then claims again). No transaction stays open across
// the adapter's HTTP call.
import { and, asc, desc, eq, inArray, isNull, lte, sql, type SQL } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';
import { cases, responseEffects, responseHolders } from '../store/schema.js';
import type { OrgScope } from '../store/scope.js';

export type EffectRow = typeof responseEffects.$inferSelect;
export type HolderRow = typeof responseHolders.$inferSelect;
export type EffectState = 'pending' | 'active' | 'releasing' | 'released';

/** A holder as shown beside its effect: with its case's number, title and status. */
export interface HolderView extends HolderRow {
  caseNumber: number | null;
  caseTitle: string | null;
  caseStatus: string | null;
}

export interface EffectView extends EffectRow {
  holders: HolderView[];
}

/** What a case asking for an effect gets: it runs the action itself, or it joined an active effect. */
export type Claim = { kind: 'own'; effect: EffectRow; previous?: EffectRow } | { kind: 'joined'; effect: EffectRow; holders: HolderView[] };

/** `eff_` + 24 hex of the (kind, target) hash: the same in every process. */
export function effectId(kind: string, target: string): string {
  return `eff_${createHash('sha256').update(`${kind}\u0000${target}`).digest('hex').slice(0, 24)}`;
}

function later(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return null;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

export class ResponseLedger {
  constructor(
    private readonly db: Db,
    /** How long a `pending` claim may stay before another process may take it over (its process died). */
    private readonly staleMs = 10 * 60_000,
  ) {}

  /**
   * Asks for the effect (kind, target) for a case. Returns `own` when this caller must run the action
   * (the effect was free, released, stale, or only simulated while this caller acts for real), or
   * `joined` after recording the case as a holder of an active effect and extending its end when the
   * case's own is later. Waits while another process runs or undoes the same effect.
   */
  async claim(o: { kind: string; target: string; caseId: string; actionId: string; expiresAt: string | null; real: boolean; now: () => Date; signal?: AbortSignal; pollMs?: number }): Promise<Claim> {
    const id = effectId(o.kind, o.target);
    for (;;) {
      const now = o.now().toISOString();
      const stale = new Date(o.now().getTime() - this.staleMs).toISOString();
      const before = (await this.db.select().from(responseEffects).where(eq(responseEffects.id, id)))[0];
      // Free, released, stale, or simulated while this caller acts for real: try to take it.
      const takeOver: SQL = o.real
        ? sql`${responseEffects.state} = 'released' or (${responseEffects.state} = 'pending' and ${responseEffects.claimedAt} < ${stale}) or (${responseEffects.state} = 'active' and ${responseEffects.status} = 'simulated')`
        : sql`${responseEffects.state} = 'released' or (${responseEffects.state} = 'pending' and ${responseEffects.claimedAt} < ${stale})`;
      const taken = await this.db
        .insert(responseEffects)
        .values({ id, kind: o.kind, target: o.target, state: 'pending', status: 'simulated', caseId: o.caseId, actionId: o.actionId, details: {}, since: now, expiresAt: o.expiresAt, claimedAt: now })
        .onConflictDoUpdate({ target: responseEffects.id, set: { state: 'pending', claimedAt: now, since: now, expiresAt: o.expiresAt, caseId: o.caseId, actionId: o.actionId }, where: takeOver })
        .returning();
      if (taken[0]) return { kind: 'own', effect: taken[0], ...(before && before.state === 'active' && { previous: before }) };
      const joined = await this.join(id, o.caseId, o.actionId, o.expiresAt, now, o.real);
      if (joined) return { kind: 'joined', effect: joined, holders: await this.holders(id) };
      // Someone else is running or undoing it: wait for the outcome.
      if (o.signal?.aborted) throw new Error(`timed out waiting for another case's ${o.kind} of ${o.target} to finish`);
      await new Promise((r) => setTimeout(r, o.pollMs ?? 100));
    }
  }

  /**
   * Joins the effect when it is active (and enforced, for a caller acting for real): the case becomes
   * a holder and the effect's end moves to the case's when that is later. Undefined otherwise.
   */
  async joinIfActive(o: { kind: string; target: string; caseId: string; actionId: string; expiresAt: string | null; real: boolean; now: string }): Promise<{ effect: EffectRow; holders: HolderView[] } | undefined> {
    const id = effectId(o.kind, o.target);
    const effect = await this.join(id, o.caseId, o.actionId, o.expiresAt, o.now, o.real);
    return effect && { effect, holders: await this.holders(id) };
  }

  private async join(id: string, caseId: string, actionId: string, expiresAt: string | null, now: string, real: boolean): Promise<EffectRow | undefined> {
    return this.db.transaction(async (tx) => {
      const [eff] = await tx.select().from(responseEffects).where(and(eq(responseEffects.id, id), eq(responseEffects.state, 'active'))).for('update');
      if (!eff || (real && eff.status !== 'executed')) return undefined;
      await tx
        .insert(responseHolders)
        .values({ effectId: id, caseId, actionId, joinedAt: now, expiresAt })
        .onConflictDoUpdate({
          target: [responseHolders.effectId, responseHolders.caseId],
          // The same case again (another playbook): keep the later end; a released holder holds again.
          set: {
            expiresAt: sql`case when ${responseHolders.releasedAt} is not null then excluded.expires_at when ${responseHolders.expiresAt} is null or excluded.expires_at is null then null else greatest(${responseHolders.expiresAt}, excluded.expires_at) end`,
            releasedAt: null,
            releaseReason: null,
          },
        });
      const end = later(eff.expiresAt, expiresAt);
      if (end !== eff.expiresAt) {
        const [u] = await tx.update(responseEffects).set({ expiresAt: end }).where(eq(responseEffects.id, id)).returning();
        return u;
      }
      return eff;
    });
  }

  /** The action ran for the owner: the effect is active from now, with the owner as its first holder. */
  async activate(o: { id: string; caseId: string; actionId: string; status: 'simulated' | 'executed'; details: Record<string, unknown>; expiresAt: string | null; at: string; previous?: EffectRow }): Promise<EffectRow> {
    return this.db.transaction(async (tx) => {
      // A simulated effect made real keeps its holders (they wanted it; now it is enforced).
      const keep = o.previous?.state === 'active';
      if (!keep) await tx.delete(responseHolders).where(eq(responseHolders.effectId, o.id));
      await tx
        .insert(responseHolders)
        .values({ effectId: o.id, caseId: o.caseId, actionId: o.actionId, joinedAt: o.at, expiresAt: o.expiresAt })
        .onConflictDoUpdate({ target: [responseHolders.effectId, responseHolders.caseId], set: { actionId: o.actionId, expiresAt: o.expiresAt, releasedAt: null, releaseReason: null } });
      const end = keep ? await this.endOf(tx as unknown as Db, o.id) : o.expiresAt;
      const [row] = await tx
        .update(responseEffects)
        .set({ state: 'active', status: o.status, caseId: o.caseId, actionId: o.actionId, details: o.details, since: keep ? o.previous!.since : o.at, expiresAt: end, releasedAt: null, releaseReason: null })
        .where(eq(responseEffects.id, o.id))
        .returning();
      return row!;
    });
  }

  /** The owner's action did not take effect (refused, failed): the claim is given back as it was. */
  async abandon(id: string, previous?: EffectRow): Promise<void> {
    if (previous) {
      const { id: _id, ...rest } = previous;
      await this.db.update(responseEffects).set(rest).where(and(eq(responseEffects.id, id), eq(responseEffects.state, 'pending')));
      return;
    }
    await this.db.delete(responseEffects).where(and(eq(responseEffects.id, id), eq(responseEffects.state, 'pending'), sql`not exists (select 1 from ${responseHolders} where ${responseHolders.effectId} = ${id})`));
    // It had holders before (released since): keep the row and its history, released.
    await this.db.update(responseEffects).set({ state: 'released' }).where(and(eq(responseEffects.id, id), eq(responseEffects.state, 'pending')));
  }

  /** The latest end among the holders still holding; null when one holds without end; undefined when none holds. */
  private async endOf(db: Db, id: string): Promise<string | null | undefined> {
    const rows = await db.select({ expiresAt: responseHolders.expiresAt }).from(responseHolders).where(and(eq(responseHolders.effectId, id), isNull(responseHolders.releasedAt)));
    if (!rows.length) return undefined;
    return rows.reduce<string | null>((m, r) => later(m, r.expiresAt), rows[0]!.expiresAt);
  }

  /**
   * A case stops holding its effects (closed as a false positive): each effect then ends when its
   * remaining holders' do, or now when none is left. Returns the effects that are now due.
   */
  async releaseCase(caseId: string, reason: string, at: string): Promise<EffectRow[]> {
    const due: EffectRow[] = [];
    await this.db.transaction(async (tx) => {
      const held = await tx
        .update(responseHolders)
        .set({ releasedAt: at, releaseReason: reason })
        .where(and(eq(responseHolders.caseId, caseId), isNull(responseHolders.releasedAt)))
        .returning({ effectId: responseHolders.effectId });
      for (const { effectId: id } of held) {
        const end = await this.endOf(tx as unknown as Db, id);
        const [row] = await tx
          .update(responseEffects)
          .set({ expiresAt: end === undefined ? at : end })
          .where(and(eq(responseEffects.id, id), eq(responseEffects.state, 'active')))
          .returning();
        if (row && end === undefined) due.push(row);
      }
    });
    return due;
  }

  /** Ends an effect for every holder now (`vigil response release`); the sweep then undoes it. */
  async release(id: string, reason: string, at: string): Promise<EffectRow | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.update(responseEffects).set({ expiresAt: at }).where(and(eq(responseEffects.id, id), eq(responseEffects.state, 'active'))).returning();
      if (!row) return undefined;
      await tx.update(responseHolders).set({ releasedAt: at, releaseReason: reason }).where(and(eq(responseHolders.effectId, id), isNull(responseHolders.releasedAt)));
      return row;
    });
  }

  /** Active effects whose end has come. */
  async due(now: string, limit = 500): Promise<EffectRow[]> {
    return this.db.select().from(responseEffects).where(and(eq(responseEffects.state, 'active'), lte(responseEffects.expiresAt, now))).orderBy(asc(responseEffects.expiresAt)).limit(limit);
  }

  /** Takes a due effect for undoing; false when another process took it or a case extended it meanwhile. */
  async beginRelease(id: string, now: string): Promise<boolean> {
    const r = await this.db
      .update(responseEffects)
      .set({ state: 'releasing', claimedAt: now })
      .where(and(eq(responseEffects.id, id), eq(responseEffects.state, 'active'), lte(responseEffects.expiresAt, now)))
      .returning({ id: responseEffects.id });
    return r.length > 0;
  }

  /** The undo failed in a way a retry may fix: the effect is active again and due at the next sweep. */
  async retryRelease(id: string): Promise<void> {
    await this.db.update(responseEffects).set({ state: 'active' }).where(and(eq(responseEffects.id, id), eq(responseEffects.state, 'releasing')));
  }

  /** The undo ran (or nothing was left to undo): the effect is released; its holders with it. */
  async finishRelease(id: string, at: string, reason: string): Promise<HolderRow[]> {
    return this.db.transaction(async (tx) => {
      await tx.update(responseEffects).set({ state: 'released', releasedAt: at, releaseReason: reason }).where(eq(responseEffects.id, id));
      await tx.update(responseHolders).set({ releasedAt: at, releaseReason: reason }).where(and(eq(responseHolders.effectId, id), isNull(responseHolders.releasedAt)));
      return tx.select().from(responseHolders).where(eq(responseHolders.effectId, id));
    });
  }

  /** An effect by id, by a unique id prefix, or by its target (`193.35.18.61`, `ws-042`). */
  async find(ref: string, scope?: OrgScope): Promise<EffectView[]> {
    const conds = [sql`(${responseEffects.id} = ${ref} or ${responseEffects.target} = ${ref.toLowerCase()} or ${responseEffects.target} = ${ref} or (length(${ref}) >= 8 and ${responseEffects.id} like ${`${ref.replace(/[%_\\]/g, '')}%`}))`];
    if (scope) conds.push(this.visible(scope));
    const rows = await this.db.select().from(responseEffects).where(and(...conds)).limit(20);
    return this.withHolders(rows, scope);
  }

  /** Effects, newest first; with a scope, only those a case of that organisation holds or held. */
  async list(f: { state?: EffectState[]; kind?: string; caseId?: string; limit?: number; scope?: OrgScope } = {}): Promise<EffectView[]> {
    const conds: SQL[] = [];
    if (f.state?.length) conds.push(inArray(responseEffects.state, f.state));
    if (f.kind) conds.push(eq(responseEffects.kind, f.kind));
    if (f.caseId) conds.push(sql`${responseEffects.id} in (select ${responseHolders.effectId} from ${responseHolders} where ${responseHolders.caseId} = ${f.caseId})`);
    if (f.scope) conds.push(this.visible(f.scope));
    const rows = await this.db
      .select()
      .from(responseEffects)
      .where(conds.length ? and(...conds) : undefined)
      .orderBy(desc(responseEffects.since), asc(responseEffects.id))
      .limit(f.limit ?? 100);
    return this.withHolders(rows, f.scope);
  }

  private visible(scope: OrgScope): SQL {
    return sql`${responseEffects.id} in (select ${responseHolders.effectId} from ${responseHolders} where ${scope.caseIn(responseHolders.caseId)})`;
  }

  async holders(id: string, scope?: OrgScope): Promise<HolderView[]> {
    return (await this.holdersOf([id], scope)).get(id) ?? [];
  }

  private async holdersOf(ids: string[], scope?: OrgScope): Promise<Map<string, HolderView[]>> {
    const out = new Map<string, HolderView[]>();
    if (!ids.length) return out;
    const rows = await this.db
      .select({ h: responseHolders, number: cases.number, title: cases.title, status: cases.status })
      .from(responseHolders)
      .leftJoin(cases, eq(cases.id, responseHolders.caseId))
      .where(and(inArray(responseHolders.effectId, ids), scope ? scope.caseIn(responseHolders.caseId) : undefined))
      .orderBy(asc(responseHolders.joinedAt), asc(responseHolders.caseId));
    for (const r of rows) {
      const list = out.get(r.h.effectId) ?? [];
      list.push({ ...r.h, caseNumber: r.number, caseTitle: r.title, caseStatus: r.status });
      out.set(r.h.effectId, list);
    }
    return out;
  }

  private async withHolders(rows: EffectRow[], scope?: OrgScope): Promise<EffectView[]> {
    const holders = await this.holdersOf(
      rows.map((r) => r.id),
      scope,
    );
    return rows.map((r) => ({ ...r, holders: holders.get(r.id) ?? [] }));
  }
}
