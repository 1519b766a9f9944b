import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeys } from '../auth/keys.js';
import { installAuth } from './auth.js';
import { Sessions } from './routes/session.js';
import { registerUi, UI_CSP } from './ui.js';

describe('the web UI static files', () => {
  let server: FastifyInstance;
  let dist: string;
  const noKeys = { verify: async () => undefined } as unknown as ApiKeys;

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'vigil-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Vigil</title><script type="module" src="/assets/app-1a2b.js"></script>');
    writeFileSync(join(dist, 'assets', 'app-1a2b.js'), 'console.log("vigil")');
    writeFileSync(join(dist, 'assets', 'app-1a2b.css'), 'body{}');
    writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(tmpdir(), 'vigil-outside.txt'), 'secret');
    server = Fastify();
    installAuth(server, noKeys, Date.now, new Sessions());
    server.get('/api/stats', async () => ({ ok: true }));
    registerUi(server, { dist });
    await server.ready();
  });

  afterAll(async () => {
    await server.close();
    rmSync(dist, { recursive: true, force: true });
  });

  it('serves the shell with a strict CSP (no inline scripts), no key needed', async () => {
    const r = await server.inject('/');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(UI_CSP).toBe(csp);
  });

  it('falls back to index.html for the screens, and answers 404 for unknown files and API paths', async () => {
    for (const p of ['/cases', '/cases/12', '/phish', '/ioc', '/lookup?q=1.2.3.4', '/signin']) {
      const r = await server.inject(p);
      expect(r.statusCode, p).toBe(200);
      expect(r.body, p).toContain('<title>Vigil</title>');
    }
    expect((await server.inject('/nowhere')).statusCode).toBe(404);
    expect((await server.inject('/assets/missing-123.js')).statusCode).toBe(404);
    const api = await server.inject('/api/nope');
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('VIGIL_INPUT_NOT_FOUND');
    expect((await server.inject('/thehive/api/v1/nope')).statusCode).toBe(404);
  });

  it('serves hashed assets cached for ever, with their type, and 304 on a matching ETag', async () => {
    const js = await server.inject('/assets/app-1a2b.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.body).toBe('console.log("vigil")');
    const again = await server.inject({ url: '/assets/app-1a2b.js', headers: { 'if-none-match': String(js.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect((await server.inject('/assets/app-1a2b.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await server.inject('/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
  });

  it('never serves a file outside the build folder', async () => {
    for (const p of ['/../vigil-outside.txt', '/assets/..%2f..%2fvigil-outside.txt', '/%2e%2e/vigil-outside.txt', '/assets/%00.js', '/assets/..\\..\\vigil-outside.txt', '/assets/%E0%A4%A']) {
      const r = await server.inject(p);
      // Fastify itself answers 400 for a malformed escape; everything else is a plain miss.
      expect([400, 404], p).toContain(r.statusCode);
      expect(r.body, p).not.toContain('secret');
    }
  });

  it('keeps the API behind the key while the shell is open', async () => {
    expect((await server.inject('/api/stats')).statusCode).toBe(401);
    expect((await server.inject({ method: 'POST', url: '/' })).statusCode).toBe(401);
  });

  it('serves Swagger UI from the installed package, with no CDN and no inline script', async () => {
    const page = await server.inject('/api/docs');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<script src="/api/docs/swagger-ui-bundle.js"></script>');
    expect(page.body).not.toMatch(/https?:\/\//);
    expect(page.body).not.toMatch(/<script>/);
    expect(String(page.headers['content-security-policy'])).toMatch(/script-src 'self'(;|$)/);
    const init = await server.inject('/api/docs/init.js');
    expect(init.body).toContain("url: '/api/openapi.json'");
    const bundle = await server.inject('/api/docs/swagger-ui-bundle.js');
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
    expect((await server.inject('/api/docs/package.json')).statusCode).toBe(404);
  });

  it('says how to build the UI when web/dist is missing', async () => {
    const bare = Fastify();
    registerUi(bare, { dist: join(dist, 'nothing-here') });
    const r = await bare.inject('/');
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('npm run build:web');
    await bare.close();
  });
});
