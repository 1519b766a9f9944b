// The `thehive` connector: pushes Vigil's alerts (with observables) and cases (with their alerts
// merged in) to a real TheHive 5, and pushes them again when they change. It never runs in the
// pipeline's path: `App.tick` drains a queue kept in the store (`thehive_sync`), which also holds the
// mapping of Vigil ids to TheHive ids and each item's retry state (exponential backoff).
import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { App } from '../../app.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { AlertRow, ArtifactRow, CaseRow } from '../../cases/service.js';
import type { Alert } from '../../core/types.js';
import type { Db } from '../../store/db.js';
import { observableId } from '../../store/repo.js';
import * as t from '../../store/schema.js';
import { TheHiveClient, TheHiveHttpError } from './client.js';
import type { TheHiveConnectorConfig } from './config.js';
import { alertInput, alertUpdate, caseInput, caseUpdate, contentHash } from './map.js';

export interface ConnectorDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  config: TheHiveConnectorConfig;
  apiKey: string;
  fetch?: typeof fetch;
  /** For the backoff jitter; tests fix it. */
  random?: () => number;
}

export interface DrainResult {
  /** Alerts and cases found new or changed since the last drain. */
  queued: number;
  pushed: number;
  retrying: number;
  failed: number;
  /** Still waiting (not due yet, or beyond this drain's batch). */
  pending: number;
}

type SyncRow = typeof t.thehiveSync.$inferSelect;
type Mark = { at: string; id: string };

const DISCOVER_PAGE = 500;
const DISCOVER_PAGES = 20;
const MERGE_CHUNK = 100;

function rowsOf<T>(r: unknown): T[] {
  return ((r as { rows?: T[] }).rows ?? []) as T[];
}

export class TheHiveConnector {
  private readonly client: TheHiveClient;
  private running: Promise<DrainResult> | undefined;

  constructor(private readonly d: ConnectorDeps) {
    this.client = new TheHiveClient({ url: d.config.url!, apiKey: d.apiKey, organisation: d.config.organisation, timeoutMs: d.config.timeout, ...(d.fetch && { fetch: d.fetch }) });
  }

  /** One round: find what changed, then push what is due. Concurrent calls share the round in progress. */
  drain(): Promise<DrainResult> {
    this.running ??= this.drainNow().finally(() => (this.running = undefined));
    return this.running;
  }

  private now(): string {
    return this.d.clock.now().toISOString();
  }

  private async drainNow(): Promise<DrainResult> {
    const result: DrainResult = { queued: 0, pushed: 0, retrying: 0, failed: 0, pending: 0 };
    result.queued += await this.discover('alert');
    if (this.d.config.cases) result.queued += await this.discover('case');
    const due = await this.d.db
      .select()
      .from(t.thehiveSync)
      .where(and(eq(t.thehiveSync.status, 'pending'), lte(t.thehiveSync.nextAttemptAt, this.now())))
      // Alerts first: a case merges the alerts that are already there.
      .orderBy(sql`${t.thehiveSync.kind} = 'case'`, asc(t.thehiveSync.nextAttemptAt))
      .limit(this.d.config.batchSize);
    for (const row of due) {
      const outcome = await this.pushOne(row);
      result[outcome]++;
    }
    const left = await this.d.db.select({ n: sql<number>`count(*)::int` }).from(t.thehiveSync).where(eq(t.thehiveSync.status, 'pending'));
    result.pending = Number(left[0]?.n ?? 0);
    if (result.pushed || result.failed || result.retrying) this.d.log.info(result, 'TheHive connector round');
    return result;
  }

  /** Queues alerts (or cases) created or changed since the last look, by a (time, id) watermark. */
  private async discover(kind: 'alert' | 'case'): Promise<number> {
    const key = `thehive.connector.${kind}s`;
    const stored = (await this.d.db.select({ value: t.kv.value }).from(t.kv).where(eq(t.kv.key, key)))[0]?.value as Mark | undefined;
    let mark: Mark = stored ?? { at: '1970-01-01T00:00:00.000Z', id: '' };
    const orgs = this.d.config.orgs;
    let queued = 0;
    for (let page = 0; page < DISCOVER_PAGES; page++) {
      const changed = kind === 'alert' ? sql`greatest(a.ingested_at, coalesce(a.updated_at, a.ingested_at))` : sql`c.updated_at`;
      const from = kind === 'alert' ? sql`alerts a` : sql`cases c`;
      const id = kind === 'alert' ? sql`a.id` : sql`c.id`;
      const org = kind === 'alert' ? sql`a.org` : sql`c.org`;
      // The time travels as text: a JS Date would drop PostgreSQL's microseconds and find the last row again.
      const found = rowsOf<{ id: string; changed: string }>(
        await this.d.db.execute(sql`
          select ${id} as id, (${changed})::text as changed from ${from}
          where ${org} in (select jsonb_array_elements_text(${JSON.stringify(orgs)}::jsonb))
            and (${changed}, ${id}) > (${mark.at}::timestamptz, ${mark.id})
          order by ${changed}, ${id} limit ${DISCOVER_PAGE}`),
      );
      if (!found.length) break;
      queued += await this.queue(kind, found.map((f) => f.id));
      const last = found[found.length - 1]!;
      mark = { at: last.changed, id: last.id };
      await this.d.db.insert(t.kv).values({ key, value: mark, updatedAt: this.now() }).onConflictDoUpdate({ target: t.kv.key, set: { value: mark, updatedAt: this.now() } });
      if (found.length < DISCOVER_PAGE) break;
    }
    return queued;
  }

  /** What each item should look like remotely; an item whose content differs from what was pushed is due now. */
  private async queue(kind: 'alert' | 'case', ids: string[]): Promise<number> {
    const hashes = kind === 'alert' ? await this.alertHashes(ids) : await this.caseHashes(ids);
    if (!hashes.size) return 0;
    const at = this.now();
    const values = [...hashes].map(([localId, hash]) => ({ kind, localId, wantedHash: hash, status: 'pending', attempts: 0, nextAttemptAt: at, updatedAt: at }));
    const rows = await this.d.db
      .insert(t.thehiveSync)
      .values(values)
      .onConflictDoUpdate({
        target: [t.thehiveSync.kind, t.thehiveSync.localId],
        set: {
          // Only a change of content revives an item: one that failed for good stays failed until it changes.
          status: sql`case when ${t.thehiveSync.wantedHash} is distinct from excluded.wanted_hash
            then (case when ${t.thehiveSync.pushedHash} is distinct from excluded.wanted_hash then 'pending' else 'synced' end)
            else ${t.thehiveSync.status} end`,
          attempts: sql`case when ${t.thehiveSync.wantedHash} is distinct from excluded.wanted_hash then 0 else ${t.thehiveSync.attempts} end`,
          nextAttemptAt: sql`case when ${t.thehiveSync.wantedHash} is distinct from excluded.wanted_hash then excluded.next_attempt_at else ${t.thehiveSync.nextAttemptAt} end`,
          wantedHash: sql`excluded.wanted_hash`,
          updatedAt: sql`excluded.updated_at`,
        },
      })
      .returning({ status: t.thehiveSync.status });
    return rows.filter((r) => r.status === 'pending').length;
  }

  private async artifactsOf(alerts: AlertRow[]): Promise<Map<string, ArtifactRow[]>> {
    const ids = alerts.filter((a) => a.extra['origin'] === 'thehive').map((a) => a.id);
    const out = new Map<string, ArtifactRow[]>();
    if (!ids.length) return out;
    for (const r of await this.d.db.select().from(t.artifacts).where(and(eq(t.artifacts.parentKind, 'alert'), inArray(t.artifacts.parentId, ids))).orderBy(asc(t.artifacts.createdAt))) {
      let l = out.get(r.parentId);
      if (!l) out.set(r.parentId, (l = []));
      l.push(r);
    }
    return out;
  }

  /** The observables of the pipeline's alerts that intel found malicious (observables.id): they go out with `ioc: true`. */
  private async maliciousOf(alerts: AlertRow[]): Promise<Set<string>> {
    const ids = [...new Set(alerts.filter((a) => a.extra['origin'] !== 'thehive').flatMap((a) => ((a.data as Alert).observables ?? []).map((o) => observableId(o))))];
    const out = new Set<string>();
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await this.d.db.select({ id: t.observables.id }).from(t.observables).where(and(inArray(t.observables.id, ids.slice(i, i + 1000)), eq(t.observables.verdict, 'malicious')));
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  private async alertHashes(ids: string[]): Promise<Map<string, string>> {
    const rows = await this.d.db.select().from(t.alerts).where(inArray(t.alerts.id, ids));
    const arts = await this.artifactsOf(rows);
    const bad = await this.maliciousOf(rows);
    return new Map(rows.map((r) => [r.id, contentHash(alertInput(r, arts.get(r.id), this.d.config.alertType, bad))]));
  }

  private async caseHashes(ids: string[]): Promise<Map<string, string>> {
    const rows = await this.d.db.select().from(t.cases).where(inArray(t.cases.id, ids));
    const members = await this.d.db.select({ id: t.alerts.id, caseId: t.alerts.caseId }).from(t.alerts).where(inArray(t.alerts.caseId, ids)).orderBy(asc(t.alerts.id));
    const byCase = new Map<string, string[]>();
    for (const m of members) {
      let l = byCase.get(m.caseId!);
      if (!l) byCase.set(m.caseId!, (l = []));
      l.push(m.id);
    }
    return new Map(rows.map((r) => [r.id, contentHash({ c: caseInput(r), alerts: byCase.get(r.id) ?? [] })]));
  }

  private async save(row: SyncRow, set: Partial<typeof t.thehiveSync.$inferInsert>): Promise<void> {
    await this.d.db
      .update(t.thehiveSync)
      .set({ ...set, updatedAt: this.now() })
      .where(and(eq(t.thehiveSync.kind, row.kind), eq(t.thehiveSync.localId, row.localId)));
  }

  private backoffMs(attempts: number): number {
    const c = this.d.config;
    const base = Math.min(c.maxBackoff, c.backoff * 2 ** Math.max(0, attempts - 1));
    return Math.round(base * (0.8 + 0.4 * (this.d.random ?? Math.random)()));
  }

  private async pushOne(row: SyncRow): Promise<'pushed' | 'retrying' | 'failed' | 'pending'> {
    try {
      const done = row.kind === 'alert' ? await this.pushAlert(row) : await this.pushCase(row);
      if (done === 'waiting') {
        // A case whose alerts are not all there yet: look again soon, without counting it as a failure.
        await this.save(row, { nextAttemptAt: new Date(this.d.clock.now().getTime() + this.backoffMs(1)).toISOString(), lastError: null });
        return 'pending';
      }
      return 'pushed';
    } catch (e) {
      const err = e instanceof TheHiveHttpError ? e : undefined;
      const attempts = row.attempts + 1;
      const retry = (err?.retryable ?? false) && attempts < this.d.config.maxAttempts;
      const message = (e as Error).message.slice(0, 2000);
      if (!err) this.d.log.error({ err: e, kind: row.kind, id: row.localId }, 'TheHive connector: unexpected error');
      await this.save(row, {
        attempts,
        lastError: message,
        status: retry ? 'pending' : 'failed',
        nextAttemptAt: new Date(this.d.clock.now().getTime() + this.backoffMs(attempts)).toISOString(),
      });
      if (!retry) this.d.log.warn({ kind: row.kind, id: row.localId, attempts }, `TheHive connector gave up on this ${row.kind} (retried when it changes): ${message}`);
      return retry ? 'retrying' : 'failed';
    }
  }

  private async pushAlert(row: SyncRow): Promise<'done'> {
    const alert = (await this.d.db.select().from(t.alerts).where(eq(t.alerts.id, row.localId)))[0];
    if (!alert) {
      await this.save(row, { status: 'synced', lastError: 'deleted in Vigil' });
      return 'done';
    }
    const arts = await this.artifactsOf([alert]);
    const input = alertInput(alert, arts.get(alert.id), this.d.config.alertType, await this.maliciousOf([alert]));
    const hash = contentHash(input);
    let remoteId = row.remoteId;
    let remoteCaseId = row.remoteCaseId;
    if (remoteId) {
      try {
        await this.client.updateAlert(remoteId, alertUpdate(input));
      } catch (e) {
        if (!(e instanceof TheHiveHttpError && e.status === 404)) throw e;
        remoteId = null; // Deleted over there: create it again.
        remoteCaseId = null;
      }
    }
    if (!remoteId) {
      try {
        remoteId = (await this.client.createAlert(input))._id;
      } catch (e) {
        // Already there (pushed before the mapping was saved, or sent by another integration): adopt it.
        if (!(e instanceof TheHiveHttpError && (e.hiveType === 'CreateError' || e.status === 409))) throw e;
        const found = await this.client.findAlert(input.type, input.source, input.sourceRef);
        if (!found) throw e;
        remoteId = found._id;
        remoteCaseId = found.caseId ?? null;
        await this.client.updateAlert(remoteId, alertUpdate(input));
      }
    }
    await this.save(row, { remoteId, remoteCaseId, pushedHash: hash, wantedHash: hash, status: 'synced', attempts: 0, lastError: null, pushedAt: this.now() });
    return 'done';
  }

  private async pushCase(row: SyncRow): Promise<'done' | 'waiting'> {
    const c = (await this.d.db.select().from(t.cases).where(eq(t.cases.id, row.localId)))[0] as CaseRow | undefined;
    if (!c) {
      await this.save(row, { status: 'synced', lastError: 'deleted in Vigil' });
      return 'done';
    }
    const hash = (await this.caseHashes([c.id])).get(c.id)!;
    const input = caseInput(c);
    let remoteId = row.remoteId;
    if (remoteId) {
      try {
        await this.client.updateCase(remoteId, caseUpdate(input));
      } catch (e) {
        if (!(e instanceof TheHiveHttpError && e.status === 404)) throw e;
        remoteId = null;
      }
    }
    if (!remoteId) {
      const { status, impactStatus, summary, ...create } = input;
      remoteId = (await this.client.createCase({ ...create, ...(summary && { summary }) }))._id;
      // Saved at once, so a failure below does not create the case twice.
      await this.save(row, { remoteId });
      if (status !== 'New') await this.client.updateCase(remoteId, { status, ...(impactStatus && { impactStatus }) });
    }
    const members = rowsOf<{ id: string; remote_id: string | null; remote_case_id: string | null; status: string | null }>(
      await this.d.db.execute(sql`select a.id, s.remote_id, s.remote_case_id, s.status from alerts a
        left join thehive_sync s on s.kind = 'alert' and s.local_id = a.id where a.case_id = ${c.id}`),
    );
    const toMerge = members.filter((m) => m.remote_id && !m.remote_case_id);
    for (let i = 0; i < toMerge.length; i += MERGE_CHUNK) {
      const chunk = toMerge.slice(i, i + MERGE_CHUNK);
      await this.client.mergeAlerts(remoteId, chunk.map((m) => m.remote_id!));
      await this.d.db
        .update(t.thehiveSync)
        .set({ remoteCaseId: remoteId, updatedAt: this.now() })
        .where(and(eq(t.thehiveSync.kind, 'alert'), inArray(t.thehiveSync.localId, chunk.map((m) => m.id))));
    }
    // Alerts still on their way hold the case back; alerts the remote side refused do not.
    if (members.some((m) => !m.remote_id && m.status !== 'failed')) return 'waiting';
    await this.save(row, { remoteId, pushedHash: hash, wantedHash: hash, status: 'synced', attempts: 0, lastError: null, pushedAt: this.now() });
    return 'done';
  }

  /** The mapping and state of one item (for tests and `vigil` tooling). */
  async state(kind: 'alert' | 'case', localId: string): Promise<SyncRow | undefined> {
    return (await this.d.db.select().from(t.thehiveSync).where(and(eq(t.thehiveSync.kind, kind), eq(t.thehiveSync.localId, localId))))[0];
  }
}

const connectors = new WeakMap<App, TheHiveConnector | null>();

/** The App's connector when `thehive.connector.enabled` is set and its key can be found, else undefined. */
export function connectorFor(app: App): TheHiveConnector | undefined {
  const known = connectors.get(app);
  if (known !== undefined) return known ?? undefined;
  const cfg = app.config.thehive.connector;
  let made: TheHiveConnector | null = null;
  if (cfg.enabled && cfg.url) {
    const apiKey = cfg.apiKey ?? (cfg.apiKeyEnv ? process.env[cfg.apiKeyEnv] : undefined);
    if (!apiKey) app.log.error(`TheHive connector is enabled but ${cfg.apiKeyEnv ? `the environment variable ${cfg.apiKeyEnv} is not set` : 'no API key is configured'} (thehive.connector.apiKeyEnv)`);
    else made = new TheHiveConnector({ db: app.repo.db, clock: app.clock, log: app.log, config: cfg, apiKey });
  }
  connectors.set(app, made);
  return made ?? undefined;
}

/** `App.tick`'s part: one connector round, if the connector is on; failures are logged, never thrown. */
export async function drainTheHive(app: App): Promise<DrainResult | undefined> {
  const c = connectorFor(app);
  if (!c) return undefined;
  try {
    return await c.drain();
  } catch (e) {
    app.log.error({ err: e }, 'TheHive connector round failed');
    return undefined;
  }
}
