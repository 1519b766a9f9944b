import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../app.js';
import { loadConfig, PACKAGE_ROOT } from '../../config.js';
import { alertId } from '../../core/ids.js';
import { silentLogger } from '../../core/log.js';
import { buildServer } from '../server.js';

function wazuh(id: string, host: string, ip: string): Record<string, unknown> {
  return {
    timestamp: '2026-11-20T12:29:19.905+0000',
    rule: { level: 10, description: 'sshd: brute force trying to get access to the system. Non existent user.', id: '5712', groups: ['syslog', 'sshd', 'authentication_failures'] },
    agent: { id: '014', name: host, ip: '10.0.1.27' },
    manager: { name: 'wazuh-manager' },
    id,
    full_log: `Nov 20 12:29:18 ${host} sshd[17584]: Invalid user paco from ${ip} port 56404`,
    decoder: { parent: 'sshd', name: 'sshd' },
    data: { srcip: ip, srcuser: 'paco' },
    location: '/var/log/auth.log',
  };
}

/** A `vigil serve` stack on an in-memory store with an ingest key; `listen` opens a real port. */
async function serve(opts: { rules: boolean; listen?: boolean }) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ingest-batch-'));
  const { config } = loadConfig({ file: join(PACKAGE_ROOT, 'samples/vigil.yaml'), env: {} });
  config.dataDir = 'memory://';
  config.out = dir;
  if (!opts.rules) config.detect.rules = [];
  const app = await App.build(config, { log: silentLogger });
  const server = await buildServer(app);
  if (opts.listen) await server.listen({ host: '127.0.0.1', port: 0 });
  const key = (await app.keys.create({ name: 'wazuh', role: 'ingest' })).key;
  return {
    app,
    server,
    key,
    async close() {
      await server.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe.each([
  ['without Sigma rules (alerts built once, handed over built)', false],
  ['with Sigma rules (records handed over raw, so the rules see them)', true],
])('concurrent webhook requests are stored as one batch and answered one by one, %s', (_name, rules) => {
  let app: App;
  let server: FastifyInstance;
  let key: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ app, server, key, close } = await serve({ rules }));
  }, 120_000);

  afterAll(async () => close?.());

  it('gives each request its own counts, issues, alert ids and cases', async () => {
    const post = (body: unknown) => server.inject({ method: 'POST', url: '/api/ingest/wazuh', payload: body as object, headers: { authorization: `Bearer ${key}` } });
    const bodies: unknown[] = [];
    for (let i = 0; i < 10; i++) bodies.push(wazuh(`b.${i}`, i % 2 ? 'web-07' : 'db-02', `185.220.101.${40 + (i % 3)}`));
    bodies.push({ severity: 3, all_fields: wazuh('b.0', 'db-02', '185.220.101.40') });
    bodies.push({ ...wazuh('b.bad', 'web-07', '185.220.101.40'), rule: { level: 'high', id: '5712', description: 'x' } });
    bodies.push([wazuh('b.20', 'web-07', '185.220.101.41'), wazuh('b.21', 'web-07', '185.220.101.41'), { nope: true }]);
    // The first pipeline call is held a moment, so the requests behind it queue up and are coalesced.
    const ingest = app.ingest.bind(app);
    let held = false;
    app.ingest = async (items, opts) => {
      if (!held) {
        held = true;
        await new Promise((r) => setTimeout(r, 300));
      }
      return ingest(items, opts);
    };
    const res = await Promise.all(bodies.map(post)).finally(() => {
      app.ingest = ingest;
    });

    for (let i = 0; i < 10; i++) {
      expect(res[i]!.statusCode).toBe(200);
      expect(res[i]!.json().alertIds).toEqual([alertId('wazuh', `b.${i}`)]);
      expect(res[i]!.json().cases).toHaveLength(1);
    }
    // b.0 came twice: exactly one of the two requests stored it.
    const pair = [res[0]!.json(), res[10]!.json()];
    expect(pair.map((r) => r.stored).sort()).toEqual([0, 1]);
    expect(pair.map((r) => r.duplicate).sort()).toEqual([0, 1]);
    expect(pair[0].cases).toEqual(pair[1].cases);
    expect(res.slice(1, 10).every((r) => r.json().stored === 1 && r.json().duplicate === 0)).toBe(true);

    expect(res[11]!.statusCode).toBe(400);
    expect(res[11]!.json()).toMatchObject({ received: 1, stored: 0, rejected: 1, issues: [{ line: 1, field: 'rule.level' }] });
    expect(res[12]!.statusCode).toBe(200);
    expect(res[12]!.json()).toMatchObject({ received: 3, stored: 2, rejected: 1, issues: [{ line: 3 }] });

    const stored = await app.repo.existingAlertIds([...Array.from({ length: 10 }, (_, i) => alertId('wazuh', `b.${i}`)), alertId('wazuh', 'b.20'), alertId('wazuh', 'b.21'), alertId('wazuh', 'b.bad')]);
    expect(stored.size).toBe(12);
    expect(stored.has(alertId('wazuh', 'b.bad'))).toBe(false);

    const again = await post(wazuh('b.5', 'web-07', '185.220.101.42'));
    expect(again.json()).toMatchObject({ stored: 0, duplicate: 1 });
    const metrics = (await server.inject({ url: '/metrics', headers: { authorization: `Bearer ${(await app.keys.create({ name: 'prom', role: 'read-only' })).key}` } })).body;
    expect(metrics).toContain('vigil_ingest_records_total{route="wazuh",outcome="stored"} 12');
    expect(metrics).toContain('vigil_ingest_records_total{route="wazuh",outcome="duplicate"} 2');
    expect(metrics).toContain('vigil_ingest_records_total{route="wazuh",outcome="rejected"} 2');
    // 14 requests in fewer batches: the concurrent ones were coalesced.
    expect(metrics).toContain('vigil_ingest_batched_requests_total 14');
    const batches = Number(/vigil_ingest_batches_total (\d+)/.exec(metrics)![1]);
    expect(batches).toBeGreaterThanOrEqual(2);
    expect(batches).toBeLessThan(14);
    expect(metrics).toContain('vigil_ingest_queue_depth 0');
  });
});

describe('webhook requests over real connections', () => {
  let app: App;
  let server: FastifyInstance;
  let key: string;
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ app, server, key, close } = await serve({ rules: false, listen: true }));
    url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}/api/ingest/wazuh`;
  }, 120_000);

  afterAll(async () => close?.());

  it('coalesces a burst into a few batches although the embedded store never yields to I/O', async () => {
    const n = 48;
    const prom = (await app.keys.create({ name: 'prom', role: 'read-only' })).key;
    const batches = async () => Number(/vigil_ingest_batches_total (\d+)/.exec((await server.inject({ url: '/metrics', headers: { authorization: `Bearer ${prom}` } })).body)![1]);
    // Keep-alive connections, opened by a first burst, as a SIEM's forwarder holds them.
    const agent = new http.Agent({ keepAlive: true, maxSockets: n });
    const post = (id: string, i: number) =>
      new Promise<{ status: number; body: { stored: number; cases: number[] } }>((resolve, reject) => {
        const body = JSON.stringify(wazuh(id, `web-${i % 4}`, `185.220.102.${i % 5}`));
        const req = http.request(url, { agent, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${key}` } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        });
        req.on('error', reject);
        req.end(body);
      });
    await Promise.all(Array.from({ length: n }, (_, i) => post(`w.${i}`, i)));
    const before = await batches();
    const res = await Promise.all(Array.from({ length: n }, (_, i) => post(`s.${i}`, i)));
    agent.destroy();
    expect(res.every((r) => r.status === 200 && r.body.stored === 1 && r.body.cases.length === 1)).toBe(true);
    expect((await batches()) - before).toBeLessThanOrEqual(n / 4);
  });
});
