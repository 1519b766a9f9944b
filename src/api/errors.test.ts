import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../app.js';
import { loadConfig, PACKAGE_ROOT } from '../config.js';
import { VigilError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { freshPostgresUrl, requirePostgresInCi } from '../../test/helpers/store.js';
import { tcpProxy } from '../../test/helpers/net.js';
import { buildServer } from './server.js';
import { httpErrorOf } from './errors.js';

const alert = (id: string) => ({
  timestamp: '2026-11-20T12:29:19.905+0000',
  rule: { level: 10, description: 'sshd: brute force trying to get access to the system.', id: '5712', groups: ['sshd'] },
  agent: { id: '014', name: 'web-07', ip: '10.0.1.27' },
  manager: { name: 'wazuh-manager' },
  id,
  full_log: 'Nov 20 12:29:18 web-07 sshd[17584]: Invalid user paco from 185.220.101.47 port 56404',
  data: { srcip: '185.220.101.47' },
});

/** A logger whose JSON lines the test reads. */
function capturingLogger(): { log: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ level: 'info', destination }), lines };
}

async function build(database?: string): Promise<{ app: App; server: FastifyInstance; key: string; lines: Array<Record<string, unknown>>; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-errors-'));
  const { config } = loadConfig({ file: join(PACKAGE_ROOT, 'samples/vigil.yaml'), env: {} });
  config.dataDir = 'memory://';
  if (database) config.database.url = database;
  config.out = dir;
  config.detect.rules = [];
  config.feeds = [];
  const { log, lines } = capturingLogger();
  const app = await App.build(config, { log });
  const server = await buildServer(app);
  const key = (await app.keys.create({ name: 'sender', role: 'ingest' })).key;
  return { app, server, key, lines, dir };
}

describe('httpErrorOf', () => {
  it('takes status and retryability from the catalogue', () => {
    expect(httpErrorOf(new VigilError('VIGIL_INPUT_TOO_LARGE', 'big', { field: 'file' }))).toMatchObject({ status: 413, code: 'VIGIL_INPUT_TOO_LARGE', field: 'file', retryable: false, level: 'info' });
    expect(httpErrorOf(new VigilError('VIGIL_STORE_FAILED', 'not stored: send it again'))).toMatchObject({ status: 503, retryable: true, level: 'warn' });
    expect(httpErrorOf(new VigilError('VIGIL_INPUT_NOT_FOUND', 'no case #9'))).toMatchObject({ status: 404, retryable: false });
  });

  it('tells a store that is away from a value it cannot hold from a bug, without echoing the query', () => {
    const failed = (code: string, message: string) => Object.assign(new Error('Failed query: insert into "alerts" values ($1)\nparams: secret-alert-text'), { cause: Object.assign(new Error(message), { code }) });
    expect(httpErrorOf(failed('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'))).toMatchObject({ status: 503, code: 'VIGIL_STORE_UNAVAILABLE', retryable: true });
    const unstorable = httpErrorOf(failed('22008', 'timestamp out of range: "12345-01-01"'));
    expect(unstorable).toMatchObject({ status: 422, code: 'VIGIL_INPUT_UNSTORABLE', retryable: false });
    expect(unstorable.message).toBe('the store refused a value in the input: timestamp out of range: "12345-01-01"');
    const bug = httpErrorOf(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(bug).toMatchObject({ status: 500, code: 'VIGIL_INTERNAL', message: 'internal error (see the Vigil log)', level: 'error' });
  });
});

describe('the API\'s error answers and their log lines', () => {
  let t: Awaited<ReturnType<typeof build>>;
  const post = (url: string, payload: string, contentType = 'application/json') =>
    t.server.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType, authorization: `Bearer ${t.key}` } });

  beforeAll(async () => {
    t = await build();
  }, 120_000);
  afterAll(async () => {
    await t?.server.close();
    await t?.app.close();
    if (t) rmSync(t.dir, { recursive: true, force: true });
  });

  it('answers malformed JSON 400 VIGIL_INPUT_PARSE and logs it as the sender\'s mistake, without a stack', async () => {
    const r = await post(`/api/ingest/wazuh/${t.key}`, '{"rule": {"level": 10,');
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ code: 'VIGIL_INPUT_PARSE' });
    expect(r.headers['retry-after']).toBeUndefined();
    const line = t.lines.find((l) => l.code === 'VIGIL_INPUT_PARSE')!;
    expect(line).toMatchObject({ level: 30, msg: 'request refused', status: 400, route: '/api/ingest/wazuh/:key' });
    expect(JSON.stringify(line)).not.toContain(t.key);
    expect(line.err).toBeUndefined();
    expect(t.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
  });

  it('answers 415 for a Content-Type the route does not take and 413 over the body limit', async () => {
    const html = await post('/api/ingest/wazuh', '<p>hi</p>', 'text/html');
    expect(html.statusCode).toBe(415);
    expect(html.json().error.code).toBe('VIGIL_INPUT_UNSUPPORTED');
    const big = await post('/api/ingest/wazuh', JSON.stringify({ ...alert('1.1'), full_log: 'x'.repeat(11 * 1024 * 1024) }));
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('VIGIL_INPUT_TOO_LARGE');
  });
});

const pgUrl = process.env.VIGIL_TEST_DATABASE_URL;
requirePostgresInCi();

describe.skipIf(!pgUrl)('a PostgreSQL store that goes away and comes back', () => {
  it('answers 503 with Retry-After while it is away, and stores again once it is back, without a restart', async () => {
    const db = await freshPostgresUrl();
    const target = new URL(db.url);
    const proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const via = new URL(db.url);
    via.hostname = '127.0.0.1';
    via.port = String(proxy.port);
    const t = await build(via.toString());
    const post = (id: string) => t.server.inject({ method: 'POST', url: '/api/ingest/wazuh', payload: JSON.stringify(alert(id)), headers: { 'content-type': 'application/json', authorization: `Bearer ${t.key}` } });
    try {
      expect((await post('1795200000.1')).statusCode).toBe(200);
      proxy.cut();
      const away = await post('1795200000.2');
      expect(away.statusCode).toBe(503);
      expect(away.headers['retry-after']).toBe('5');
      expect(away.json().error).toMatchObject({ code: 'VIGIL_STORE_UNAVAILABLE', retryable: true });
      // The reason is logged once as a warning, without the query's parameters (the alert's text).
      const warned = t.lines.filter((l) => l.code === 'VIGIL_STORE_UNAVAILABLE');
      expect(warned[0]).toMatchObject({ level: 40, route: '/api/ingest/wazuh' });
      expect(JSON.stringify(t.lines)).not.toContain('Invalid user paco');
      proxy.restore();
      const back = await post('1795200000.2');
      expect(back.statusCode).toBe(200);
      expect(back.json()).toMatchObject({ stored: 1 });
      const again = await post('1795200000.1');
      expect(again.json()).toMatchObject({ stored: 0, duplicate: 1 });
    } finally {
      await t.server.close();
      await t.app.close();
      await proxy.close();
      await db.drop();
      rmSync(t.dir, { recursive: true, force: true });
    }
  }, 120_000);
});
