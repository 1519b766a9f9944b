import type { Db } from '../../store/db.js';
import { listCheckpoints } from './checkpoints.js';
import type { LiveSourceConfig } from './config.js';
import { getLiveSource } from './registry.js';
import type { ChannelCounters, SourceRunner } from './runner.js';

/** One source as `vigil sources status` and `GET /api/sources` show it. */
export interface SourceStatusView {
  name: string;
  type: string;
  /** False for a checkpoint left by a source no longer in the config. */
  configured: boolean;
  enabled: boolean;
  /** Running in the process that answered (the server); null when that is unknown (read from the store by another process). */
  running: boolean | null;
  state?: string;
  resumable: boolean;
  /** The committed position, readable. */
  position: string;
  /** How far behind: bytes not yet read (files), age of the newest document (indexers). */
  lag: string;
  lagBytes?: number;
  lagMs?: number;
  /** Records handed to the pipeline and committed, over the source's life. */
  delivered: number;
  lastEventAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  updatedAt: string | null;
  detail?: string;
  /** Since this process started the source: the source's own counters and what the pipeline made of its records. */
  counters?: Record<string, number>;
  pipeline?: ChannelCounters;
}

export interface StatusOptions {
  /** The runner of the process answering, when it started its sources. */
  runner?: SourceRunner | undefined;
  /** True in the process that would run the sources (the server): `running` is then known, not null. */
  inProcess?: boolean;
  now?: Date;
}

/** Every configured source (and every stored checkpoint) with its committed position, lag and last error. */
export async function sourcesStatus(db: Db, configs: LiveSourceConfig[], opts: StatusOptions = {}): Promise<SourceStatusView[]> {
  const { runner } = opts;
  const known = opts.inProcess || runner !== undefined;
  const now = opts.now ?? new Date();
  const rows = new Map((await listCheckpoints(db)).map((r) => [r.source, r]));
  const live = new Map((runner?.live() ?? []).map((l) => [l.name, l]));
  const out: SourceStatusView[] = [];
  const seen = new Set<string>();
  for (const c of configs) {
    seen.add(c.name);
    const def = getLiveSource(c.type);
    const row = rows.get(c.name);
    const l = live.get(c.name);
    const { name: _n, type: _t, enabled: _e, ...settings } = c;
    const view = def ? await def.describe(settings, { position: row?.position, lastEventAt: row?.lastEventAt ?? null }, now) : { position: '?' };
    out.push({
      name: c.name,
      type: c.type,
      configured: true,
      enabled: c.enabled,
      running: known ? !!l : null,
      ...(l && { state: l.status.state }),
      resumable: def?.resumable ?? false,
      position: view.position,
      lag: view.lag ?? '',
      ...(view.lagBytes !== undefined && { lagBytes: view.lagBytes }),
      ...(view.lagMs !== undefined && { lagMs: view.lagMs }),
      delivered: row?.delivered ?? 0,
      lastEventAt: row?.lastEventAt ?? null,
      lastError: row?.lastError ?? null,
      lastErrorAt: row?.lastErrorAt ?? null,
      updatedAt: row?.updatedAt ?? null,
      ...(l?.status.detail && { detail: l.status.detail }),
      ...(l && { counters: l.status.counters, pipeline: l.pipeline }),
    });
  }
  for (const [name, row] of rows) {
    if (seen.has(name)) continue;
    out.push({
      name,
      type: row.kind,
      configured: false,
      enabled: false,
      running: known ? false : null,
      resumable: getLiveSource(row.kind)?.resumable ?? false,
      position: JSON.stringify(row.position),
      lag: 'not in the config any more',
      delivered: row.delivered,
      lastEventAt: row.lastEventAt,
      lastError: row.lastError,
      lastErrorAt: row.lastErrorAt,
      updatedAt: row.updatedAt,
    });
  }
  return out;
}
