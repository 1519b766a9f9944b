import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../app.js';
import { loadConfig, PACKAGE_ROOT } from '../config.js';
import { silentLogger } from '../core/log.js';
import { buildServer } from './server.js';

describe('HTTP API', () => {
  let app: App;
  let server: FastifyInstance;
  let dir: string;
  let key: string;
  const get = (url: string) => server.inject({ url, headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-api-'));
    const { config } = loadConfig({ file: join(PACKAGE_ROOT, 'samples/vigil.yaml'), env: {} });
    config.dataDir = 'memory://';
    config.out = dir;
    app = await App.build(config, { log: silentLogger });
    await app.run([join(PACKAGE_ROOT, 'samples/alerts/wazuh/alerts.json')]);
    server = await buildServer(app);
    key = (await app.keys.create({ name: 'test', role: 'read-only' })).key;
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers health and readiness with the store kind and loaded intel', async () => {
    expect((await server.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await server.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', store: 'pglite', playbooks: 4 });
    expect(ready.json().indicators).toBeGreaterThan(50);
  });

  it('lists cases newest first and shows one case with its alerts and reasons', async () => {
    const list = (await get('/api/cases?limit=5')).json() as { cases: Array<{ number: number; severity: string }> };
    expect(list.cases.length).toBeGreaterThan(0);
    expect(list.cases[0]!.number).toBeGreaterThan(list.cases[list.cases.length - 1]!.number);
    const n = list.cases[0]!.number;
    const one = (await get(`/api/cases/${n}`)).json() as { case: { number: number }; alerts: unknown[]; assessment: { reasons: unknown[] } };
    expect(one.case.number).toBe(n);
    expect(one.alerts.length).toBeGreaterThan(0);
    expect(one.assessment.reasons.length).toBeGreaterThan(0);
  });

  it('sends nosniff, frame-ancestors and a referrer policy on every answer: report, JSON, errors, health', async () => {
    const answers = [await get('/api/cases/1/report.html'), await get('/api/cases?limit=1'), await get('/api/cases/999999'), await server.inject('/healthz'), await server.inject('/api/cases')];
    for (const r of answers) {
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(String(r.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
    }
    // The report keeps its own strict policy; framing is refused on top of it.
    expect(answers[0]!.headers['content-security-policy']).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'");
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 404, 200, 401]);
  });

  it('serves the report as HTML with a strict content security policy, and as Markdown', async () => {
    const html = await get('/api/cases/1/report.html');
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.headers['content-security-policy']).toContain("default-src 'none'");
    expect(html.body).toContain('Case #1');
    const md = await get('/api/cases/1/report.md');
    expect(md.body).toMatch(/^# Case #1/);
  });

  it('answers errors as JSON naming the code and field', async () => {
    const missing = await get('/api/cases/9999');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'VIGIL_INPUT_NOT_FOUND', message: 'there is no case #9999', field: 'number' } });
    const bad = await get('/api/cases?limit=0');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'VIGIL_INPUT_INVALID', field: 'limit' });
  });

  it('shows a key only its organisation\'s cases', async () => {
    const other = (await app.keys.create({ name: 'other-org', role: 'read-only', org: 'acme' })).key;
    const as = (url: string) => server.inject({ url, headers: { authorization: `Bearer ${other}` } });
    expect((await as('/api/cases')).json()).toEqual({ cases: [] });
    expect((await as('/api/cases/1')).statusCode).toBe(404);
    expect((await as('/api/cases/1/report.md')).statusCode).toBe(404);
    expect((await get('/api/cases/1')).statusCode).toBe(200);
  });

  it('publishes an OpenAPI document generated from the route schemas', async () => {
    const doc = (await get('/api/openapi.json')).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/cases', '/api/cases/{number}']));
  });
});
