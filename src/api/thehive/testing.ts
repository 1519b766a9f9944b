// Test and benchmark support: an App on an in-memory store with the API server over it, and keys.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { App } from '../../app.js';
import { ConfigSchema, PACKAGE_ROOT, type VigilConfig } from '../../config.js';
import type { Clock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import { buildServer } from '../server.js';
import { caseServiceFor } from './index.js';

export interface TestHive {
  app: App;
  server: FastifyInstance;
  dir: string;
  /** A new key; the org defaults to `default`. */
  key(role: 'admin' | 'analyst' | 'read-only' | 'ingest', org?: string, name?: string): Promise<string>;
  /** A request under the TheHive prefix with a key (and X-Organisation when given). */
  call(key: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startTestHive(
  opts: {
    config?: Record<string, unknown>;
    edit?: (c: VigilConfig) => void;
    clock?: Clock;
    fetch?: typeof fetch;
    /** A PostgreSQL database instead of the in-memory store; `drop` runs at close. */
    postgres?: { url: string; drop(): Promise<void> };
  } = {},
): Promise<TestHive> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-thehive-'));
  const config = ConfigSchema.parse({ dataDir: 'memory://', out: dir, feeds: [], playbooks: { dir: join(PACKAGE_ROOT, 'samples/playbooks') }, ...(opts.postgres && { database: { url: opts.postgres.url } }), ...opts.config });
  opts.edit?.(config);
  const app = await App.build(config, { log: silentLogger, ...(opts.clock && { clock: opts.clock }), ...(opts.fetch && { fetch: opts.fetch }) });
  const server = await buildServer(app);
  await server.ready();
  const prefix = config.thehive.prefix;
  let n = 0;
  return {
    app,
    server,
    dir,
    key: async (role, org = 'default', name) => (await app.keys.create({ name: name ?? `${role}-${org}-${++n}`, role, org })).key,
    call: (key, method, url, body, headers = {}) =>
      server.inject({
        method,
        url: `${prefix}${url}`,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
        ...(body !== undefined && { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    close: async () => {
      await server.close();
      // Background enrichment of observables added through the API finishes before the store closes.
      await caseServiceFor(app).settled();
      await app.close();
      await opts.postgres?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
