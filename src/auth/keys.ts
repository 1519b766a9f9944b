// API keys: random, shown once, stored as a SHA-256 hash (a 256-bit random key needs no slow hash).
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { VigilError } from '../core/errors.js';
import { randomId } from '../core/ids.js';
import type { Db } from '../store/db.js';
import { apiKeys } from '../store/schema.js';

export const ROLES = ['admin', 'analyst', 'read-only', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  org: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const KEY_PREFIX = 'vgl_';

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function info(r: typeof apiKeys.$inferSelect): ApiKeyInfo {
  return { id: r.id, name: r.name, role: r.role as Role, org: r.org, prefix: r.prefix, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt, revokedAt: r.revokedAt };
}

export class ApiKeys {
  /** Hash → key, for keys seen lately: a request costs no store round trip once its key is known. */
  private readonly cache = new Map<string, { key: ApiKeyInfo; at: number }>();

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /** Creates a key and returns it in clear, the only time it is ever available. */
  async create(opts: { name: string; role: Role; org?: string }): Promise<{ key: string; info: ApiKeyInfo }> {
    if (!(ROLES as readonly string[]).includes(opts.role)) throw new VigilError('VIGIL_INPUT_INVALID', `role must be one of ${ROLES.join(', ')}`, { field: 'role' });
    const name = opts.name.trim();
    if (!name || name.length > 100) throw new VigilError('VIGIL_INPUT_INVALID', 'name must be 1–100 characters', { field: 'name' });
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = {
      id: randomId('key'),
      name,
      role: opts.role,
      org: opts.org?.trim() || 'default',
      hash: hashKey(key),
      prefix: key.slice(0, KEY_PREFIX.length + 6),
      createdAt: this.now().toISOString(),
    };
    await this.db.insert(apiKeys).values(row);
    return { key, info: info({ ...row, lastUsedAt: null, revokedAt: null }) };
  }

  async list(opts: { all?: boolean } = {}): Promise<ApiKeyInfo[]> {
    const rows = await this.db.select().from(apiKeys).where(opts.all ? undefined : isNull(apiKeys.revokedAt)).orderBy(asc(apiKeys.createdAt));
    return rows.map(info);
  }

  /** Revokes by id, by name or by the prefix shown in lists; returns how many keys were revoked. */
  async revoke(ref: string): Promise<number> {
    const at = this.now().toISOString();
    let n = 0;
    for (const col of [apiKeys.id, apiKeys.name, apiKeys.prefix]) {
      const rows = await this.db.update(apiKeys).set({ revokedAt: at }).where(and(eq(col, ref), isNull(apiKeys.revokedAt))).returning({ id: apiKeys.id });
      n += rows.length;
      if (n) break;
    }
    this.cache.clear();
    return n;
  }

  /** The key's details when it is valid (exists, not revoked), else undefined. */
  async verify(key: string): Promise<ApiKeyInfo | undefined> {
    if (!key.startsWith(KEY_PREFIX) || key.length > 200) return undefined;
    const h = hashKey(key);
    const now = this.now().getTime();
    const hit = this.cache.get(h);
    // Revocation from another process (the CLI against PostgreSQL) is seen within a minute.
    if (hit && now - hit.at < 60_000) return hit.key;
    const rows = await this.db.select().from(apiKeys).where(and(eq(apiKeys.hash, h), isNull(apiKeys.revokedAt)));
    const row = rows[0];
    if (!row) {
      this.cache.delete(h);
      return undefined;
    }
    const at = new Date(now).toISOString();
    await this.db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, row.id));
    const k = info({ ...row, lastUsedAt: at });
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(h, { key: k, at: now });
    return k;
  }
}

/** Where the first `vigil serve` leaves the admin key it created: beside the data, never in the logs. */
export const BOOTSTRAP_KEY_FILE = 'bootstrap-admin.key';

/**
 * Writes a freshly created key to `<dir>/bootstrap-admin.key`, readable by the owner only (0600),
 * and returns the path. A leftover file from an earlier store is replaced, never appended to.
 */
export function writeBootstrapKey(dir: string, key: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, BOOTSTRAP_KEY_FILE);
  rmSync(file, { force: true });
  // `wx`: created here with 0600 from the start, so no other user can open it in between.
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, `${key}\n`);
  } finally {
    closeSync(fd);
  }
  chmodSync(file, 0o600);
  return file;
}
