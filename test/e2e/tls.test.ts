// `vigil serve` over HTTPS, as deployed: a certificate made here, the server started as a user
// starts it, clients that verify the certificate, a renewal swapped in with SIGHUP while a
// connection stays open, and the plain-HTTP port answering with redirects.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import { freePort } from '../helpers/net.js';
import { haveOpenssl, makeCert, requireOpensslInCi, type TestCert } from '../helpers/tls.js';

requireOpensslInCi();

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  /** The common name of the certificate the server presented. */
  cn: string;
  reused: boolean;
}

function get(port: number, path: string, o: { ca: string; agent?: Agent; method?: string; body?: string; headers?: Record<string, string> }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', ca: o.ca, agent: o.agent ?? false, headers: o.headers }, (res) => {
      let body = '';
      // Read now: a kept-alive socket is handed back to the agent before 'end'.
      const cn = String((res.socket as TLSSocket).getPeerCertificate().subject?.CN);
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers, cn, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

describe.runIf(haveOpenssl)('vigil serve with TLS', () => {
  let dir: string;
  let child: ChildProcess;
  let out = '';
  let a: TestCert;
  let b: TestCert;
  let live: { certFile: string; keyFile: string };
  let port: number;
  let redirectPort: number;
  let adminKey: string;

  const waitFor = async (re: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = out.match(re);
      if (m) return m;
      if (child.exitCode !== null || Date.now() > until) throw new Error(`no ${re} from vigil serve (exit ${child.exitCode}):\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-tls-e2e-'));
    a = makeCert(dir, 'a', 'vigil-a.test');
    b = makeCert(dir, 'b', 'vigil-b.test');
    // The files the server is configured with; a renewal overwrites them in place.
    live = { certFile: join(dir, 'live.cert.pem'), keyFile: join(dir, 'live.key.pem') };
    copyFileSync(a.certFile, live.certFile);
    copyFileSync(a.keyFile, live.keyFile);
    redirectPort = await freePort();
    writeFileSync(
      join(dir, 'vigil.yaml'),
      `dataDir: data\nout: out\nfeeds: []\nserver:\n  port: 0\n  tls:\n    certFile: live.cert.pem\n    keyFile: live.key.pem\n    redirectPort: ${redirectPort}\n`,
    );
    child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), 'serve', '--config', join(dir, 'vigil.yaml')], {
      env: { ...process.env, VIGIL_DATABASE_URL: '', VIGIL_NATS_URL: '', VIGIL_DATA_DIR: '', VIGIL_CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    port = Number((await waitFor(/Vigil API on https:\/\/127\.0\.0\.1:(\d+)/))[1]);
    adminKey = readFileSync((await waitFor(/wrote it to (\S+) \(mode 0600\)/))[1]!, 'utf8').trim();
  }, 180_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers over https with the configured certificate, and says which one it loaded', async () => {
    expect(out).toContain('TLS certificate CN=vigil-a.test, valid until');
    const health = await get(port, '/healthz', { ca: a.cert });
    expect(health).toMatchObject({ status: 200, cn: 'vigil-a.test' });
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
    const cases = await get(port, '/api/cases', { ca: a.cert, headers: { authorization: `Bearer ${adminKey}` } });
    expect(cases.status).toBe(200);
    expect(JSON.parse(cases.body)).toEqual({ cases: [] });
  });

  it('signs the web UI in with a Secure cookie', async () => {
    const r = await get(port, '/api/session', { ca: a.cert, method: 'POST', body: JSON.stringify({ key: adminKey }), headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    expect(String(r.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
  });

  it('redirects plain HTTP to HTTPS with 308', async () => {
    const r = await new Promise<{ status: number; location?: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: redirectPort, path: '/api/cases?limit=5' }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, ...(res.headers.location && { location: res.headers.location }) });
      });
      req.on('error', reject);
      req.end();
    });
    expect(r).toEqual({ status: 308, location: `https://127.0.0.1:${port}/api/cases?limit=5` });
  });

  it('swaps in a renewed certificate on SIGHUP without closing the listener or open connections', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await get(port, '/healthz', { ca: a.cert, agent })).toMatchObject({ status: 200, cn: 'vigil-a.test' });
      // The renewal: new files in place, then the signal.
      copyFileSync(b.certFile, live.certFile);
      copyFileSync(b.keyFile, live.keyFile);
      child.kill('SIGHUP');
      await waitFor(/TLS certificate reloaded: CN=vigil-b\.test, valid until/);
      // The connection opened before the reload is still served, on its old session.
      expect(await get(port, '/healthz', { ca: a.cert, agent })).toMatchObject({ status: 200, cn: 'vigil-a.test', reused: true });
      // New connections get the new certificate, from the same process and port.
      expect(await get(port, '/healthz', { ca: b.cert })).toMatchObject({ status: 200, cn: 'vigil-b.test', reused: false });
      await expect(get(port, '/healthz', { ca: a.cert })).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    } finally {
      agent.destroy();
    }
  });

  it('refuses to start with a certificate that cannot work, before it opens the store', () => {
    writeFileSync(join(dir, 'bad.yaml'), `dataDir: bad-data\nfeeds: []\nserver:\n  port: 0\n  tls:\n    certFile: b.cert.pem\n    keyFile: a.key.pem\n`);
    const r = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), 'serve', '--config', join(dir, 'bad.yaml')], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, VIGIL_DATABASE_URL: '', VIGIL_NATS_URL: '', VIGIL_DATA_DIR: '', VIGIL_CONFIG: '' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`vigil: ${a.keyFile}: the key does not belong to the certificate ${b.certFile} (field server.tls.keyFile)\n`);
    expect(existsSync(join(dir, 'bad-data'))).toBe(false);
  });

  it('keeps the working certificate when the renewed files are broken', async () => {
    writeFileSync(live.keyFile, 'half-written key\n');
    child.kill('SIGHUP');
    await waitFor(/TLS certificate not reloaded, the previous one stays in use: \S+\/live\.key\.pem: not a usable PEM private key/);
    expect(await get(port, '/healthz', { ca: b.cert })).toMatchObject({ status: 200, cn: 'vigil-b.test' });
    expect(child.exitCode).toBeNull();
  });
});
