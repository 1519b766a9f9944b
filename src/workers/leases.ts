// Which worker owns which partition of an ordered stage. On PostgreSQL a lease is a session
// advisory lock on the worker's own connection: it is released the moment that connection ends,
// so a worker that is killed gives its partitions up without anyone having to notice.
import pg from 'pg';
import type { Stage } from '../bus/types.js';
import { VigilError } from '../core/errors.js';
import { hash32 } from './messages.js';

export interface Leases {
  /** Takes partition `p` of `stage` if nobody holds it; true when this worker owns it now. */
  tryAcquire(stage: Stage, p: number): Promise<boolean>;
  release(stage: Stage, p: number): Promise<void>;
  /** Workers running `stage` right now, this one included. */
  members(stage: Stage): Promise<number>;
  /** Called when every lease was lost at once (the connection broke): stop all owned partitions. */
  onLost(fn: (e: Error) => void): void;
  close(): Promise<void>;
}

const STAGE_NO: Record<Stage, number> = { ingest: 1, case: 2, respond: 3 };
const FLAG: Record<Stage, string> = { ingest: 'i', case: 'c', respond: 'r' };

/** Session advisory locks `(namespace, stage << 16 | partition)` on one dedicated connection. */
export class PgLeases implements Leases {
  private readonly namespace: number;
  private readonly appPrefix: string;
  private lost: ((e: Error) => void) | undefined;
  private closed = false;

  private constructor(
    private readonly client: pg.Client,
    prefix: string,
  ) {
    // Signed 32-bit, as pg_try_advisory_lock(int, int) takes it.
    this.namespace = hash32(`vigil-partition:${prefix}`) | 0;
    this.appPrefix = `vw:${hash32(prefix).toString(36)}:`;
    client.on('error', (e) => this.fail(e));
    client.on('end', () => this.fail(new Error('the lease connection to PostgreSQL closed')));
  }

  /** Connects with `application_name` naming the stages, which is how workers count each other. */
  static async open(databaseUrl: string, prefix: string, stages: readonly Stage[], workerId: string): Promise<PgLeases> {
    const flags = stages.map((s) => FLAG[s]).join('');
    const client = new pg.Client({ connectionString: databaseUrl, application_name: `vw:${hash32(prefix).toString(36)}:${flags}:${workerId}`.slice(0, 63) });
    try {
      await client.connect();
    } catch (e) {
      throw new VigilError('VIGIL_STORE_FAILED', `cannot open the worker's lease connection to PostgreSQL: ${(e as Error).message}`, { cause: e });
    }
    return new PgLeases(client, prefix);
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.lost?.(e);
  }

  onLost(fn: (e: Error) => void): void {
    this.lost = fn;
  }

  private key(stage: Stage, p: number): number {
    return (STAGE_NO[stage] << 16) | p;
  }

  async tryAcquire(stage: Stage, p: number): Promise<boolean> {
    const r = await this.client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int, $2::int) as ok', [this.namespace, this.key(stage, p)]);
    return r.rows[0]?.ok === true;
  }

  async release(stage: Stage, p: number): Promise<void> {
    if (this.closed) return;
    await this.client.query('select pg_advisory_unlock($1::int, $2::int)', [this.namespace, this.key(stage, p)]);
  }

  async members(stage: Stage): Promise<number> {
    const r = await this.client.query<{ name: string }>(
      `select application_name as name from pg_stat_activity where datname = current_database() and application_name like $1`,
      [`${this.appPrefix}%`],
    );
    return Math.max(1, r.rows.filter((x) => (x.name.split(':')[2] ?? '').includes(FLAG[stage])).length);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client.end().catch(() => {});
  }
}

/** Leases between workers in one process (the memory bus): a shared table. */
export class LocalLeaseTable {
  readonly owners = new Map<string, string>();
  readonly members = new Map<string, Set<Stage>>();
}

export class LocalLeases implements Leases {
  constructor(
    private readonly table: LocalLeaseTable,
    private readonly workerId: string,
    stages: readonly Stage[],
  ) {
    table.members.set(workerId, new Set(stages));
  }

  async tryAcquire(stage: Stage, p: number): Promise<boolean> {
    const k = `${stage}.${p}`;
    const owner = this.table.owners.get(k);
    if (owner && owner !== this.workerId) return false;
    this.table.owners.set(k, this.workerId);
    return true;
  }

  async release(stage: Stage, p: number): Promise<void> {
    const k = `${stage}.${p}`;
    if (this.table.owners.get(k) === this.workerId) this.table.owners.delete(k);
  }

  async members(stage: Stage): Promise<number> {
    let n = 0;
    for (const s of this.table.members.values()) if (s.has(stage)) n++;
    return Math.max(1, n);
  }

  onLost(): void {}

  async close(): Promise<void> {
    for (const [k, v] of this.table.owners) if (v === this.workerId) this.table.owners.delete(k);
    this.table.members.delete(this.workerId);
  }
}
