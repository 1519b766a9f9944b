import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../app.js';
import { loadConfig, PACKAGE_ROOT } from '../../config.js';
import { silentLogger } from '../../core/log.js';
import { buildServer } from '../server.js';
import { SESSION_IDLE_MS, Sessions, readCookie } from './session.js';

// A phishing message written for these tests: a lookalike sender, failed SPF/DMARC, a credential form.
const PHISH_EML = [
  'Return-Path: <notice@paypa1-secure.example>',
  'Received: from mx1.corp.example (mx1.corp.example [10.0.0.25]) by mailbox.corp.example with ESMTPS id A1; Wed, 15 May 2024 03:41:10 +0000',
  'Authentication-Results: mx1.corp.example; dkim=none; spf=fail smtp.mailfrom=notice@paypa1-secure.example; dmarc=fail (p=NONE) header.from=paypa1-secure.example',
  'Received: from vps.example.net (unknown [203.0.113.66]) by mx1.corp.example with ESMTP id A0; Wed, 15 May 2024 03:41:09 +0000',
  'From: "PayPal Security" <notice@paypa1-secure.example>',
  'Reply-To: resolution.center@gmail.com',
  'To: bob@corp.example',
  'Subject: Action required: your account has been limited',
  'Date: Wed, 15 May 2024 03:41:05 +0000',
  'Message-ID: <ui-test-1@paypa1-secure.example>',
  'MIME-Version: 1.0',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<html><body><p>Your account has been suspended. Verify your password within 24 hours or it will be closed.</p>',
  '<p><a href="http://paypa1.com.login-verify.example/signin">https://www.paypal.com/signin</a></p>',
  '<form action="http://paypa1.com.login-verify.example/collect" method="post"><input type="password" name="pw"></form>',
  '<script>alert(1)</script></body></html>',
  '',
].join('\r\n');

/** A multipart/form-data body as a browser's FormData would send it. */
function multipart(parts: Array<{ name: string; value?: string; filename?: string; content?: string | Buffer; type?: string }>): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----vigiltest7MA4YWxkTrZu0gW';
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'application/octet-stream'}`;
    chunks.push(Buffer.from(`${head}\r\n\r\n`), Buffer.from(p.content ?? p.value ?? ''), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('the web UI API', () => {
  let app: App;
  let server: FastifyInstance;
  let dir: string;
  const keys: Record<string, string> = {};
  const as = (role: string) => ({ authorization: `Bearer ${keys[role]}` });
  const get = (url: string, role = 'read-only') => server.inject({ url, headers: as(role) });
  const send = (method: 'POST' | 'PATCH' | 'DELETE', url: string, payload: unknown, role = 'analyst') => server.inject({ method, url, payload: payload as object, headers: as(role) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-ui-api-'));
    const { config } = loadConfig({ file: join(PACKAGE_ROOT, 'samples/vigil.yaml'), env: {} });
    config.dataDir = 'memory://';
    config.out = join(dir, 'out');
    app = await App.build(config, { log: silentLogger });
    await app.run([join(PACKAGE_ROOT, 'samples/alerts')]);
    server = await buildServer(app);
    for (const role of ['admin', 'analyst', 'read-only', 'ingest'] as const) keys[role] = (await app.keys.create({ name: `ui-${role}`, role })).key;
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('session sign-in', () => {
    it('exchanges a key for an HttpOnly, SameSite=Strict cookie that then authenticates API calls, until sign-out', async () => {
      const signIn = await server.inject({ method: 'POST', url: '/api/session', payload: { key: keys['analyst'] } });
      expect(signIn.statusCode).toBe(200);
      expect(signIn.json()).toMatchObject({ name: 'ui-analyst', role: 'analyst', via: 'session' });
      const setCookie = String(signIn.headers['set-cookie']);
      expect(setCookie).toMatch(/^vigil_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
      expect(setCookie).not.toContain('Secure');
      const cookie = setCookie.split(';')[0]!;

      const who = await server.inject({ url: '/api/session', headers: { cookie } });
      expect(who.statusCode).toBe(200);
      expect(who.json()).toMatchObject({ name: 'ui-analyst', via: 'session' });
      expect(Date.parse(who.json().expiresAt)).toBeGreaterThan(Date.now());
      expect((await server.inject({ url: '/api/stats', headers: { cookie } })).statusCode).toBe(200);

      // Another site cannot ride on the cookie, even if a browser sent it.
      const forged = await server.inject({ method: 'POST', url: '/api/cases/1/comments', payload: { message: 'x' }, headers: { cookie, origin: 'https://evil.example', host: 'localhost:8080' } });
      expect(forged.statusCode).toBe(403);
      const same = await server.inject({ method: 'POST', url: '/api/cases/1/comments', payload: { message: 'from the browser' }, headers: { cookie, origin: 'http://localhost:8080', host: 'localhost:8080' } });
      expect(same.statusCode).toBe(201);
      expect(same.json().createdBy).toBe('ui-analyst');

      const out = await server.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
      expect(out.json()).toEqual({ signedOut: true });
      expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
      const after = await server.inject({ url: '/api/stats', headers: { cookie } });
      expect(after.statusCode).toBe(401);
      expect(after.json().error.code).toBe('VIGIL_AUTH_SESSION_ENDED');
    });

    it('marks the cookie Secure when the request came over https', async () => {
      const r = await server.inject({ method: 'POST', url: '/api/session', payload: { key: keys['read-only'] }, headers: { 'x-forwarded-proto': 'https' } });
      // Fastify trusts no proxy by default, so only a TLS socket makes the request https.
      expect(String(r.headers['set-cookie'])).not.toContain('Secure');
    });

    it('marks the cookie Secure when people reach Vigil over https through a proxy (server.publicUrl)', async () => {
      app.config.server.publicUrl = 'https://vigil.example.org';
      try {
        const r = await server.inject({ method: 'POST', url: '/api/session', payload: { key: keys['read-only'] } });
        expect(String(r.headers['set-cookie'])).toMatch(/; Secure$/);
      } finally {
        delete app.config.server.publicUrl;
      }
    });

    it('refuses bad keys (401, counted toward the rate limit), ingest keys (403) and a missing key (400 naming the field)', async () => {
      const bad = await server.inject({ method: 'POST', url: '/api/session', payload: { key: 'vgl_not-a-real-key-0123456789' }, remoteAddress: '10.9.9.1' });
      expect(bad.statusCode).toBe(401);
      expect(bad.json().error).toMatchObject({ code: 'VIGIL_AUTH_INVALID', field: 'key' });
      expect(bad.headers['set-cookie']).toBeUndefined();
      const ingest = await server.inject({ method: 'POST', url: '/api/session', payload: { key: keys['ingest'] } });
      expect(ingest.statusCode).toBe(403);
      const foreign = await server.inject({ method: 'POST', url: '/api/session', payload: { key: keys['analyst'] }, headers: { origin: 'https://evil.example', host: 'localhost:8080' } });
      expect(foreign.statusCode).toBe(403);
      expect(foreign.headers['set-cookie']).toBeUndefined();
      const missing = await server.inject({ method: 'POST', url: '/api/session', payload: {} });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.field).toBe('key');
      for (let i = 0; i < 9; i++) await server.inject({ method: 'POST', url: '/api/session', payload: { key: 'vgl_guess-guess-guess-guess' }, remoteAddress: '10.9.9.1' });
      const limited = await server.inject({ method: 'POST', url: '/api/session', payload: { key: 'vgl_guess-guess-guess-again' }, remoteAddress: '10.9.9.1' });
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBeDefined();
      // Someone else's guesses from the same address never lock out a valid key.
      const good = await server.inject({ method: 'POST', url: '/api/session', payload: { key: keys['admin'] }, remoteAddress: '10.9.9.1' });
      expect(good.statusCode).toBe(200);
    });

    it('ends the sessions of a revoked key', async () => {
      const { key } = await app.keys.create({ name: 'ui-revoked', role: 'analyst' });
      const cookie = String((await server.inject({ method: 'POST', url: '/api/session', payload: { key } })).headers['set-cookie']).split(';')[0]!;
      expect((await server.inject({ url: '/api/session', headers: { cookie } })).statusCode).toBe(200);
      await app.keys.revoke('ui-revoked');
      const r = await server.inject({ url: '/api/session', headers: { cookie } });
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('VIGIL_AUTH_SESSION_ENDED');
    });

    it('expires idle sessions and reads cookies defensively', () => {
      let now = 1_000_000;
      const s = new Sessions(() => now);
      const { id } = s.create('vgl_x', { id: 'k', name: 'n', role: 'analyst', org: 'default', prefix: 'vgl_x', createdAt: '', lastUsedAt: null, revokedAt: null });
      now += SESSION_IDLE_MS - 1;
      expect(s.use(id)).toBe('vgl_x');
      now += SESSION_IDLE_MS + 1;
      expect(s.use(id)).toBeUndefined();
      expect(readCookie('a=1; vigil_session=abc; b=2', 'vigil_session')).toBe('abc');
      expect(readCookie('vigil_sessionx=abc', 'vigil_session')).toBeUndefined();
      expect(readCookie(`vigil_session=${'x'.repeat(20_000)}`, 'vigil_session')).toBeUndefined();
    });

    it('keeps API data behind auth while the UI shell and the docs load without a key', async () => {
      expect((await server.inject('/api/stats')).statusCode).toBe(401);
      expect((await server.inject('/api/alerts')).statusCode).toBe(401);
      expect((await server.inject('/metrics')).statusCode).toBe(401);
      expect((await server.inject('/api/openapi.json')).statusCode).toBe(401);
      const shell = await server.inject('/cases/3');
      expect([200, 503]).toContain(shell.statusCode);
      expect(shell.headers['content-security-policy']).toContain("default-src 'self'");
      const docs = await server.inject('/api/docs');
      expect(docs.statusCode).toBe(200);
      expect(docs.body).toContain('/api/docs/swagger-ui-bundle.js');
      expect(docs.body).not.toMatch(/<script>(?!<)/);
    });
  });

  describe('dashboard and lists', () => {
    it('GET /api/stats: open cases by severity, alerts over time that add up to the stored alerts, top rules, providers', async () => {
      const r = await get('/api/stats');
      expect(r.statusCode).toBe(200);
      const s = r.json();
      const openSum = Object.values(s.openCasesBySeverity as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(openSum).toBe(s.totals.openCases);
      expect(s.totals.alerts).toBeGreaterThan(50);
      const charted = (s.alertsOverTime.buckets as Array<{ total: number; LOW: number; MEDIUM: number; HIGH: number; CRITICAL: number }>).reduce((a, b) => {
        expect(b.total).toBe(b.LOW + b.MEDIUM + b.HIGH + b.CRITICAL);
        return a + b.total;
      }, 0);
      expect(charted).toBe(s.totals.alerts);
      expect(s.alertsOverTime.buckets.length).toBeLessThanOrEqual(61);
      expect(s.topRules[0].alerts).toBeGreaterThanOrEqual(s.topRules[1].alerts);
      expect(s.providers.map((p: { id: string }) => p.id)).toContain('local-feeds');
      expect(s.topObservables.every((o: { type: string }) => !['host', 'user'].includes(o.type))).toBe(true);
      const recent = (await get('/api/stats?range=24h')).json();
      expect(recent.alertsOverTime.range).toBe('24h');
      expect((await get('/api/stats?range=1y')).statusCode).toBe(400);
    });

    it('GET /api/alerts filters by severity, text and case, pages, and names a bad filter', async () => {
      const all = (await get('/api/alerts?limit=5')).json();
      expect(all.alerts).toHaveLength(5);
      expect(all.total).toBeGreaterThan(5);
      const crit = (await get('/api/alerts?severity=CRITICAL&limit=500')).json();
      expect(crit.alerts.length).toBeGreaterThan(0);
      expect(crit.alerts.every((a: { severity: string }) => a.severity === 'CRITICAL')).toBe(true);
      const ssh = (await get('/api/alerts?q=sshd&limit=500')).json();
      expect(ssh.alerts.length).toBeGreaterThan(0);
      expect(ssh.alerts.every((a: { title: string; ruleId: string; host: string; sourceRef: string }) => /sshd/i.test(`${a.title} ${a.ruleId} ${a.host} ${a.sourceRef}`))).toBe(true);
      const c1 = (await get('/api/alerts?case=1&limit=500')).json();
      expect(c1.alerts.every((a: { caseNumber: number }) => a.caseNumber === 1)).toBe(true);
      expect((await get('/api/alerts?case=99999')).json()).toEqual({ total: 0, alerts: [] });
      const page2 = (await get('/api/alerts?limit=5&offset=5')).json();
      expect(page2.alerts[0].id).not.toBe(all.alerts[0].id);
      const bad = await get('/api/alerts?severity=HUGE');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toBe('severity');
      const one = await get(`/api/alerts/${all.alerts[0].id}`);
      expect(one.json().alert.id).toBe(all.alerts[0].id);
      expect(one.json().data).toHaveProperty('observables');
      expect((await get('/api/alerts/al_nope')).statusCode).toBe(404);
    });

    it('GET /api/observables: most shared first, searchable, with case numbers', async () => {
      const top = (await get('/api/observables?limit=5')).json();
      expect(top.observables[0].cases).toBeGreaterThanOrEqual(top.observables[1].cases);
      expect(top.observables[0].caseNumbers.length).toBe(Math.min(10, top.observables[0].cases));
      const ips = (await get('/api/observables?type=ipv4&q=185.&limit=50')).json();
      expect(ips.observables.every((o: { type: string; value: string }) => o.type === 'ipv4' && o.value.includes('185.'))).toBe(true);
      expect((await get('/api/observables?type=nonsense')).statusCode).toBe(400);
    });
  });

  describe('IOC box', () => {
    it('extracts defanged indicators from text and enriches them with verdicts, scores and evidence', async () => {
      const r = await send('POST', '/api/enrich', { text: 'C2 46[.]246[.]4[.]19 served hxxp://pkg-mirror-update[.]xyz/bins/x86_64.sh; internal 10.1.2.3; CVE-2024-3400' });
      expect(r.statusCode).toBe(200);
      const body = r.json() as { observables: Array<{ type: string; value: string; verdict: string; score: number; evidence: string[]; defanged: boolean; looked: boolean; note?: string; raw?: string }>; counts: Record<string, number>; providers: string[] };
      const ip = body.observables.find((o) => o.value === '46.246.4.19')!;
      expect(ip).toMatchObject({ type: 'ipv4', verdict: 'malicious', defanged: true, raw: '46[.]246[.]4[.]19', looked: true });
      expect(ip.score).toBeGreaterThanOrEqual(70);
      expect(ip.evidence.join(' ')).toMatch(/Feodo/);
      const url = body.observables.find((o) => o.type === 'url')!;
      expect(url.value).toBe('http://pkg-mirror-update.xyz/bins/x86_64.sh');
      expect(url.verdict).toBe('malicious');
      const priv = body.observables.find((o) => o.value === '10.1.2.3')!;
      expect(priv.looked).toBe(false);
      expect(priv.note).toMatch(/private/);
      expect(body.observables.some((o) => o.type === 'cve' && o.value === 'CVE-2024-3400')).toBe(true);
      expect(body.observables[0]!.verdict).toBe('malicious');
      expect(body.counts['malicious']).toBeGreaterThanOrEqual(2);
      expect(body.providers).toContain('local-feeds');
    });

    it('takes a list of values or typed observables, and refuses empty input, too many and unknown providers', async () => {
      const list = (await send('POST', '/api/enrich', { observables: ['46.246.4.19', { type: 'domain', value: 'example.org' }] })).json();
      expect(list.observables.map((o: { value: string }) => o.value).sort()).toEqual(['46.246.4.19', 'example.org']);
      const empty = await send('POST', '/api/enrich', { text: '   ' });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error.field).toBe('text');
      const many = await send('POST', '/api/enrich', { observables: Array.from({ length: 1001 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) });
      expect(many.statusCode).toBe(400);
      expect(many.json().error.field).toMatch(/^observables/);
      const prov = await send('POST', '/api/enrich', { text: '8.8.8.8', providers: ['nope'] });
      expect(prov.statusCode).toBe(400);
      expect(prov.json().error.field).toBe('providers');
      // Enrichment spends provider quota: read-only and ingest keys cannot.
      expect((await send('POST', '/api/enrich', { text: '1.2.3.4' }, 'read-only')).statusCode).toBe(403);
      expect((await send('POST', '/api/enrich', { text: '1.2.3.4' }, 'ingest')).statusCode).toBe(403);
    });
  });

  describe('IOC lookup and feeds', () => {
    it('finds an exact value, the listed addresses inside a searched range, a range holding an address, and names under a domain', async () => {
      const exact = (await get('/api/iocs/search?q=46.246.4.19')).json();
      expect(exact.query).toMatchObject({ type: 'ipv4', value: '46.246.4.19' });
      expect(exact.matches[0]).toMatchObject({ matchedBy: 'exact', feed: expect.stringMatching(/Feodo/), malware: 'QakBot', firstSeen: expect.stringMatching(/^2025-09-14/) });
      expect(exact.matches[0].importedAt).toMatch(/^\d{4}-/);
      const range = (await get(`/api/iocs/search?q=${encodeURIComponent('46.246.4.0/24')}`)).json();
      expect(range.matches.some((m: { value: string; matchedBy: string }) => m.value === '46.246.4.19' && m.matchedBy === 'contained')).toBe(true);
      const inDrop = (await get('/api/iocs/search?q=5.134.130.7')).json();
      expect(inDrop.matches.some((m: { value: string; matchedBy: string }) => m.value === '5.134.128.0/19' && m.matchedBy === 'cidr')).toBe(true);
      const defanged = (await get(`/api/iocs/search?q=${encodeURIComponent('pkg-mirror-update[.]xyz')}`)).json();
      expect(defanged.query).toMatchObject({ type: 'domain', value: 'pkg-mirror-update.xyz' });
      expect(defanged.matches.length).toBeGreaterThan(0);
      expect(defanged.matches.every((m: { matchedBy: string }) => m.matchedBy === 'url-host' || m.matchedBy === 'url' || m.matchedBy === 'suffix' || m.matchedBy === 'exact')).toBe(true);
      // the URLhaus URLs on the host are found as listed URLs on it
      expect(defanged.matches.some((m: { matchedBy: string; value: string }) => m.matchedBy === 'url-host' && m.value.startsWith('http://pkg-mirror-update.xyz/'))).toBe(true);
      const suffix = (await get('/api/iocs/search?q=xyz')).json();
      expect(suffix.matches.length).toBeGreaterThan(0);
      const words = (await get('/api/iocs/search?q=QakBot')).json();
      expect(words.query.type).toBe('text');
      expect(words.matches.every((m: { matchedBy: string }) => m.matchedBy === 'text')).toBe(true);
      expect(words.matches.length).toBeGreaterThan(0);
      expect((await get('/api/iocs/search?q=')).statusCode).toBe(400);
    });

    it('lists feeds with counts and imports an uploaded feed file, which lookups and enrichment then see', async () => {
      const before = (await get('/api/feeds')).json();
      expect(before.feeds.length).toBeGreaterThanOrEqual(5);
      expect(before.formats.map((f: { id: string }) => f.id)).toContain('plain');
      const feed = multipart([
        { name: 'format', value: 'plain' },
        { name: 'name', value: 'Analyst list' },
        { name: 'file', filename: 'analyst list.txt', content: '# hand-made\n198.51.100.77\nbad-actor-ui-test.net\nnot an indicator line ~~\n', type: 'text/plain' },
      ]);
      const r = await server.inject({ method: 'POST', url: '/api/feeds/import', payload: feed.payload, headers: { ...feed.headers, ...as('analyst') } });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ name: 'Analyst list', format: 'plain', status: 'imported', indicators: 2 });
      expect(r.json().indexed).toBeGreaterThan(before.indexed);
      const found = (await get('/api/iocs/search?q=198.51.100.77')).json();
      expect(found.matches[0]).toMatchObject({ feed: 'Analyst list', matchedBy: 'exact' });
      const enriched = (await send('POST', '/api/enrich', { text: 'bad-actor-ui-test[.]net' })).json();
      expect(enriched.observables[0].evidence.join(' ')).toContain('Analyst list');
      const again = await server.inject({ method: 'POST', url: '/api/feeds/import', payload: feed.payload, headers: { ...feed.headers, ...as('analyst') } });
      expect(again.json().status).toBe('unchanged');
      expect((await get('/api/feeds')).json().feeds.length).toBe(before.feeds.length + 1);
    });

    it('refuses imports from read-only keys, without a file, with an unknown format or a bad TTL', async () => {
      const f = multipart([{ name: 'file', filename: 'x.txt', content: '1.2.3.4\n' }]);
      expect((await server.inject({ method: 'POST', url: '/api/feeds/import', payload: f.payload, headers: { ...f.headers, ...as('read-only') } })).statusCode).toBe(403);
      const noFile = multipart([{ name: 'format', value: 'plain' }]);
      const r1 = await server.inject({ method: 'POST', url: '/api/feeds/import', payload: noFile.payload, headers: { ...noFile.headers, ...as('admin') } });
      expect(r1.statusCode).toBe(400);
      expect(r1.json().error.field).toBe('file');
      const fmt = multipart([{ name: 'format', value: 'exotic' }, { name: 'file', filename: 'y.txt', content: '1.2.3.4\n' }]);
      const r2 = await server.inject({ method: 'POST', url: '/api/feeds/import', payload: fmt.payload, headers: { ...fmt.headers, ...as('admin') } });
      expect(r2.statusCode).toBe(400);
      expect(r2.json().error).toMatchObject({ field: 'format', message: expect.stringContaining('exotic') });
      const ttl = multipart([{ name: 'ttlDays', value: '-3' }, { name: 'file', filename: 'z.txt', content: '1.2.3.4\n' }]);
      expect((await server.inject({ method: 'POST', url: '/api/feeds/import', payload: ttl.payload, headers: { ...ttl.headers, ...as('admin') } })).json().error.field).toBe('ttlDays');
      const json = await send('POST', '/api/feeds/import', { file: 'x' }, 'admin');
      expect(json.statusCode).toBe(400);
    });
  });

  describe('Upload EML', () => {
    it('analyses an uploaded message: verdict, findings, auth, links; the report is served sandboxed and never runs the mail\'s script', async () => {
      const up = multipart([{ name: 'case', value: 'true' }, { name: 'file', filename: 'suspicious.eml', content: PHISH_EML, type: 'message/rfc822' }]);
      const r = await server.inject({ method: 'POST', url: '/api/phish', payload: up.payload, headers: { ...up.headers, ...as('analyst') } });
      expect(r.statusCode).toBe(200);
      const a = r.json();
      expect(['phishing', 'malicious']).toContain(a.verdict);
      expect(a.score).toBeGreaterThan(40);
      expect(a.findings.length).toBeGreaterThan(2);
      expect(a.auth.spf.result).toBe('fail');
      expect(a.links.some((l: { url: string }) => l.url.includes('login-verify.example'))).toBe(true);
      expect(a).not.toHaveProperty('html');
      expect(a.cases.length).toBe(1);
      expect(a.reportUrl).toBe(`/api/phish/${a.id}/report.html`);
      const report = await get(a.reportUrl);
      expect(report.statusCode).toBe(200);
      expect(report.headers['content-security-policy']).toContain('sandbox');
      expect(report.headers['content-security-policy']).toContain("default-src 'none'");
      expect(report.body).not.toContain('<script>alert(1)</script>');
      expect((await get(`/api/phish/${a.id}`)).json().verdict).toBe(a.verdict);
      expect((await get('/api/phish/phish_00000000000000000000000000000000')).statusCode).toBe(404);
    });

    it('refuses a non-multipart body, a missing file and a message over the size limit', async () => {
      const json = await send('POST', '/api/phish', { file: 'x' });
      expect(json.statusCode).toBe(400);
      expect(json.json().error.field).toBe('file');
      const none = multipart([{ name: 'enrich', value: 'false' }]);
      expect((await server.inject({ method: 'POST', url: '/api/phish', payload: none.payload, headers: { ...none.headers, ...as('analyst') } })).json().error.field).toBe('file');
      const limit = app.config.phishing.limits.maxBytes;
      app.config.phishing.limits.maxBytes = 1000;
      try {
        const big = multipart([{ name: 'file', filename: 'big.eml', content: `${PHISH_EML}${'x'.repeat(2000)}` }]);
        const r = await server.inject({ method: 'POST', url: '/api/phish', payload: big.payload, headers: { ...big.headers, ...as('analyst') } });
        expect(r.statusCode).toBe(413);
        expect(r.json().error.code).toBe('VIGIL_INPUT_TOO_LARGE');
      } finally {
        app.config.phishing.limits.maxBytes = limit;
      }
    });
  });

  describe('working a case', () => {
    it('searches cases by status, severity and text', async () => {
      const open = (await get('/api/cases/search?status=open&limit=500')).json();
      expect(open.cases.length).toBeGreaterThan(0);
      expect(open.cases.every((c: { status: string }) => ['New', 'InProgress'].includes(c.status))).toBe(true);
      const crit = (await get('/api/cases/search?severity=CRITICAL,HIGH&sort=severity')).json();
      expect(crit.cases.every((c: { severity: string }) => c.severity === 'CRITICAL' || c.severity === 'HIGH')).toBe(true);
      expect(crit.cases[0].severity).toBe('CRITICAL');
      const byNumber = (await get('/api/cases/search?q=%232')).json();
      expect(byNumber.cases.map((c: { number: number }) => c.number)).toEqual([2]);
      expect((await get('/api/cases/search?status=Maybe')).statusCode).toBe(400);
    });

    it('completes a task with a log, comments, closes the case, and every change is on the timeline with who did it', async () => {
      const list = (await get('/api/cases/search?sort=number&limit=500')).json() as { cases: Array<{ number: number; openTasks: number }> };
      const n = list.cases.find((c) => c.openTasks > 0)!.number;
      const c = (await get(`/api/cases/${n}`)).json() as { tasks: Array<{ id: string; title: string; status: string }> };
      const task = c.tasks.find((t) => t.status === 'Waiting')!;
      const url = `/api/cases/${n}/tasks/${encodeURIComponent(task.id)}`;

      expect((await send('PATCH', url, { status: 'Completed' }, 'read-only')).statusCode).toBe(403);
      const done = await send('PATCH', url, { status: 'Completed' });
      expect(done.json()).toMatchObject({ status: 'Completed', previous: 'Waiting' });
      expect((await send('PATCH', url, { status: 'Finished' })).json().error.field).toBe('status');
      const log = await send('POST', `${url}/logs`, { message: 'Blocked at the edge firewall; ticket CHG-1042.' });
      expect(log.statusCode).toBe(201);
      expect((await get(`${url}/logs`)).json().logs.map((l: { message: string }) => l.message)).toEqual(['Blocked at the edge firewall; ticket CHG-1042.']);
      expect((await send('POST', `${url}/logs`, { message: '  ' })).statusCode).toBe(400);
      expect((await send('PATCH', `/api/cases/${n}/tasks/task_nope`, { status: 'Completed' })).statusCode).toBe(404);

      expect((await send('POST', `/api/cases/${n}/comments`, { message: 'Confirmed with the web team.' })).statusCode).toBe(201);
      expect((await get(`/api/cases/${n}/comments`)).json().comments.at(-1).message).toBe('Confirmed with the web team.');

      const closed = await send('PATCH', `/api/cases/${n}`, { status: 'TruePositive', reason: 'C2 confirmed' });
      expect(closed.json()).toMatchObject({ status: 'TruePositive', previous: 'New' });
      const after = (await get(`/api/cases/${n}`)).json() as { case: { status: string }; tasks: Array<{ id: string; status: string }>; timeline: Array<{ kind: string; actor: string; message: string }> };
      expect(after.case.status).toBe('TruePositive');
      expect(after.tasks.find((t) => t.id === task.id)!.status).toBe('Completed');
      const mine = after.timeline.filter((t) => t.actor === 'ui-analyst');
      expect(mine.map((t) => t.kind)).toEqual(expect.arrayContaining(['task.status', 'task.log', 'comment.added', 'case.closed']));
      expect(mine.find((t) => t.kind === 'case.closed')!.message).toContain('TruePositive');
      expect(mine.find((t) => t.kind === 'comment.added' && t.message.includes('C2 confirmed'))).toBeDefined();
      expect((await get(`/api/cases/search?status=closed&q=%23${n}`)).json().cases).toHaveLength(1);
      expect((await send('PATCH', '/api/cases/99999', { status: 'New' })).statusCode).toBe(404);
    });

    it('keeps each organisation to its own cases and alerts', async () => {
      const { key } = await app.keys.create({ name: 'acme-analyst', role: 'analyst', org: 'acme' });
      const acme = { authorization: `Bearer ${key}` };
      expect((await server.inject({ url: '/api/cases/search', headers: acme })).json()).toEqual({ total: 0, cases: [] });
      expect((await server.inject({ url: '/api/alerts', headers: acme })).json().total).toBe(0);
      expect((await server.inject({ url: '/api/observables', headers: acme })).json().total).toBe(0);
      const stats = (await server.inject({ url: '/api/stats', headers: acme })).json();
      expect(stats.totals).toMatchObject({ alerts: 0, cases: 0, openCases: 0 });
      expect(stats.totals.indicators).toBeGreaterThan(0);
      expect((await server.inject({ method: 'PATCH', url: '/api/cases/1', payload: { status: 'FalsePositive' }, headers: acme })).statusCode).toBe(404);
      expect((await server.inject({ method: 'POST', url: '/api/cases/1/comments', payload: { message: 'x' }, headers: acme })).statusCode).toBe(404);
      expect((await server.inject({ url: '/api/cases/1/playbooks', headers: acme })).statusCode).toBe(404);
    });

    it('lists the case\'s playbook runs and approvals', async () => {
      const r = await get('/api/cases/1/playbooks');
      expect(r.statusCode).toBe(200);
      expect(Array.isArray(r.json().runs)).toBe(true);
      expect(Array.isArray(r.json().approvals)).toBe(true);
    });
  });

  describe('metrics and OpenAPI', () => {
    it('serves Prometheus text with store counts and in-process counters to read-only keys', async () => {
      await get('/api/stats');
      const r = await get('/metrics');
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toContain('text/plain; version=0.0.4');
      const body = r.body;
      expect(body).toContain('# TYPE vigil_alerts_stored gauge');
      expect(body).toMatch(/vigil_alerts_stored\{source="wazuh",severity="[A-Z]+"\} \d+/);
      expect(body).toMatch(/vigil_cases\{status="[A-Za-z]+",severity="[A-Z]+"\} \d+/);
      expect(body).toMatch(/vigil_http_requests_total\{method="GET",route="\/api\/stats",status="200"\} [1-9]\d*/);
      expect(body).toMatch(/vigil_intel_provider_enabled\{provider="local-feeds"\} 1/);
      for (const line of body.trim().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? -?[\d.e+]+)$/);
    });

    it('documents the UI routes in the OpenAPI document', async () => {
      const doc = (await get('/api/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
      for (const p of ['/api/stats', '/api/alerts', '/api/observables', '/api/enrich', '/api/iocs/search', '/api/feeds', '/api/feeds/import', '/api/phish', '/api/session', '/api/cases/search', '/api/cases/{number}/comments', '/metrics']) {
        expect(doc.paths, p).toHaveProperty([p]);
      }
      expect(doc.paths['/api/enrich']).toHaveProperty('post');
    });
  });
});
