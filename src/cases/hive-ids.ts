// TheHive clients address everything by `~<number>`. Vigil keeps its own ids and hands out one number
// per entity the first time the entity is shown; the mapping is stored, so it works both ways and
// survives restarts.
import { sql } from 'drizzle-orm';
import type { Db } from '../store/db.js';

export type HiveKind = 'alert' | 'case' | 'task' | 'observable' | 'log' | 'comment' | 'procedure';

const MAX_CACHE = 200_000;

function rowsOf<T>(r: unknown): T[] {
  return ((r as { rows?: T[] }).rows ?? []) as T[];
}

export class HiveIds {
  private readonly toNum = new Map<string, number>();
  private readonly toRef = new Map<number, { kind: HiveKind; ref: string }>();

  constructor(private readonly db: Db) {}

  private remember(kind: HiveKind, ref: string, id: number): void {
    if (this.toNum.size > MAX_CACHE) {
      this.toNum.clear();
      this.toRef.clear();
    }
    this.toNum.set(`${kind}\u0000${ref}`, id);
    this.toRef.set(id, { kind, ref });
  }

  /** `~N` for each ref, in order; refs never shown before get their number now. */
  async ids(kind: HiveKind, refs: string[]): Promise<string[]> {
    const missing = [...new Set(refs.filter((r) => !this.toNum.has(`${kind}\u0000${r}`)))];
    if (missing.length) {
      const payload = JSON.stringify(missing);
      // New refs come back from the insert; only refs numbered before (by another process) need a second look.
      const made = rowsOf<{ id: number | string; ref: string }>(
        await this.db.execute(sql`insert into hive_ids (kind, ref) select ${kind}, r from jsonb_array_elements_text(${payload}::jsonb) as x(r) on conflict do nothing returning id, ref`),
      );
      for (const r of made) this.remember(kind, r.ref, Number(r.id));
      if (made.length < missing.length) {
        const rest = JSON.stringify(missing.filter((r) => !this.toNum.has(`${kind}\u0000${r}`)));
        const got = rowsOf<{ id: number | string; ref: string }>(await this.db.execute(sql`select id, ref from hive_ids where kind = ${kind} and ref in (select jsonb_array_elements_text(${rest}::jsonb))`));
        for (const r of got) this.remember(kind, r.ref, Number(r.id));
      }
    }
    return refs.map((r) => `~${this.toNum.get(`${kind}\u0000${r}`)}`);
  }

  async id(kind: HiveKind, ref: string): Promise<string> {
    return (await this.ids(kind, [ref]))[0]!;
  }

  /**
   * The Vigil id behind what a client sent: `~N` (of this kind), or a Vigil id as it is. Undefined when
   * `~N` is unknown or belongs to another kind of entity.
   */
  async resolve(kind: HiveKind, idOrRef: string): Promise<string | undefined> {
    const m = /^~(\d{1,15})$/.exec(idOrRef);
    if (!m) return idOrRef.startsWith('~') ? undefined : idOrRef;
    const n = Number(m[1]);
    let hit = this.toRef.get(n);
    if (!hit) {
      const r = rowsOf<{ kind: HiveKind; ref: string }>(await this.db.execute(sql`select kind, ref from hive_ids where id = ${n}`))[0];
      if (!r) return undefined;
      this.remember(r.kind, r.ref, n);
      hit = r;
    }
    return hit.kind === kind ? hit.ref : undefined;
  }
}
