import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../app.js';
import { loadConfig, PACKAGE_ROOT } from '../config.js';
import { alertId } from '../core/ids.js';
import { silentLogger } from '../core/log.js';
import { buildServer } from './server.js';

// A Wazuh alert as integratord hands it to an integration (written for this test).
const wazuhAlert = {
  timestamp: '2026-11-20T12:29:19.905+0000',
  rule: { level: 10, description: 'sshd: brute force trying to get access to the system. Non existent user.', id: '5712', mitre: { id: ['T1110'], tactic: ['Credential Access'], technique: ['Brute Force'] }, groups: ['syslog', 'sshd', 'authentication_failures'] },
  agent: { id: '014', name: 'web-07', ip: '10.0.1.27' },
  manager: { name: 'wazuh-manager' },
  id: '1795200000.1549653',
  full_log: 'Nov 20 12:29:18 web-07 sshd[17584]: Invalid user paco from 185.220.101.47 port 56404',
  decoder: { parent: 'sshd', name: 'sshd' },
  data: { srcip: '185.220.101.47', srcport: '56404', srcuser: 'paco' },
  location: '/var/log/auth.log',
};
// What Wazuh's bundled `shuffle` script POSTs: a summary plus the whole alert in all_fields.
const shufflePayload = {
  severity: 3,
  pretext: 'WAZUH Alert',
  title: wazuhAlert.rule.description,
  text: wazuhAlert.full_log,
  rule_id: '5712',
  timestamp: wazuhAlert.timestamp,
  id: wazuhAlert.id,
  all_fields: wazuhAlert,
};

describe('webhook ingestion and API keys', () => {
  let app: App;
  let server: FastifyInstance;
  let dir: string;
  const keys: Record<string, string> = {};
  const post = (url: string, payload: unknown, key: string | undefined, contentType = 'application/json') =>
    server.inject({ method: 'POST', url, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': contentType, ...(key && { authorization: `Bearer ${key}` }) } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-ingest-'));
    const { config } = loadConfig({ file: join(PACKAGE_ROOT, 'samples/vigil.yaml'), env: {} });
    config.dataDir = 'memory://';
    config.out = dir;
    config.detect.rules = [];
    app = await App.build(config, { log: silentLogger });
    server = await buildServer(app);
    for (const role of ['admin', 'analyst', 'read-only', 'ingest'] as const) keys[role] = (await app.keys.create({ name: `t-${role}`, role })).key;
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses requests without a valid key, except health and readiness', async () => {
    expect((await server.inject('/healthz')).statusCode).toBe(200);
    const none = await server.inject('/api/cases');
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('VIGIL_AUTH_REQUIRED');
    const bad = await server.inject({ url: '/api/cases', headers: { authorization: 'Bearer vgl_not-a-real-key-at-all' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error.code).toBe('VIGIL_AUTH_INVALID');
  });

  it('lets each role do only its part', async () => {
    expect((await server.inject({ url: '/api/cases', headers: { authorization: `Bearer ${keys['read-only']}` } })).statusCode).toBe(200);
    const ro = await post('/api/ingest/wazuh', wazuhAlert, keys['read-only']);
    expect(ro.statusCode).toBe(403);
    expect(ro.json().error.code).toBe('VIGIL_AUTH_FORBIDDEN');
    // An ingest key can post alerts and nothing else.
    expect((await server.inject({ url: '/api/cases', headers: { authorization: `Bearer ${keys.ingest}` } })).statusCode).toBe(403);
  });

  it('stores a Wazuh alert from the shuffle payload only once, and opens a case for it', async () => {
    const first = await post('/api/ingest/wazuh', shufflePayload, keys.ingest);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ received: 1, stored: 1, duplicate: 0, rejected: 0 });
    expect(first.json().cases).toHaveLength(1);
    // The raw alert is the same alert: acknowledged, not stored twice.
    const again = await post('/api/ingest/wazuh', wazuhAlert, keys.analyst);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ received: 1, stored: 0, duplicate: 1 });
    const c = await app.repo.caseByNumber(first.json().cases[0] as number);
    expect(c?.title).toContain('brute force');
  });

  it('accepts the key as the last path segment, as Wazuh\'s stock scripts need', async () => {
    const r = await post(`/api/ingest/wazuh/${keys.ingest}`, { ...shufflePayload, all_fields: { ...wazuhAlert, id: '1795200000.1549999' } }, undefined);
    expect(r.statusCode).toBe(200);
    expect(r.json().stored).toBe(1);
    expect((await post('/api/ingest/wazuh/vgl_wrongwrongwrongwrong', shufflePayload, undefined)).statusCode).toBe(401);
  });

  it('answers 400 naming the field when the alert is invalid, and stores nothing', async () => {
    const r = await post('/api/ingest/wazuh', { ...wazuhAlert, id: '1795200000.77', rule: { ...wazuhAlert.rule, level: 'high' } }, keys.ingest);
    expect(r.statusCode).toBe(400);
    expect(r.json().issues).toEqual([{ line: 1, field: 'rule.level', reason: 'must be an integer 0–15, got "high"' }]);
    const notWazuh = await post('/api/ingest/wazuh', { hello: 'world' }, keys.ingest);
    expect(notWazuh.statusCode).toBe(400);
    expect(notWazuh.json().issues[0].reason).toMatch(/not a Wazuh alert/);
  });

  it('takes Suricata EVE lines: alerts stored, other event types ignored, a broken line reported by number', async () => {
    const eve = [
      { timestamp: '2026-11-20T12:30:00.000+0000', flow_id: 1, event_type: 'alert', src_ip: '185.220.101.47', src_port: 4444, dest_ip: '10.0.1.27', dest_port: 22, proto: 'TCP', alert: { action: 'allowed', gid: 1, signature_id: 2001219, rev: 20, signature: 'ET SCAN Potential SSH Scan', category: 'Attempted Information Leak', severity: 2 }, host: 'sensor-1' },
      { timestamp: '2026-11-20T12:30:01.000+0000', flow_id: 2, event_type: 'dns', src_ip: '10.0.1.27', dest_ip: '10.0.0.2', dns: { type: 'query', rrname: 'example.org' } },
    ];
    const body = `${JSON.stringify(eve[0])}\n${JSON.stringify(eve[1])}\n{"event_type": "alert", broken\n`;
    const r = await post('/api/ingest/suricata', body, keys.ingest, 'application/x-ndjson');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ received: 3, stored: 1, ignored: 1, rejected: 1 });
    expect(r.json().issues[0]).toMatchObject({ line: 3 });
  });

  it('refuses raw events when no Sigma rules are configured, rather than dropping them', async () => {
    const r = await post('/api/ingest/events', '{"EventID": 4625, "Channel": "Security"}\n', keys.ingest, 'application/x-ndjson');
    expect(r.statusCode).toBe(409);
    expect(r.json().error).toMatchObject({ code: 'VIGIL_NO_RULES', field: 'detect.rules' });
  });

  it('the shipped integratord script delivers an alert file with the key, as Wazuh would run it', async () => {
    await server.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.server.address() as { port: number };
    const file = join(dir, 'alert.json');
    writeFileSync(file, JSON.stringify({ ...wazuhAlert, id: '1795200000.31337' }));
    const script = join(PACKAGE_ROOT, 'integrations/wazuh/custom-vigil.py');
    const run = promisify(execFile);
    const r = await run('python3', [script, file, keys.ingest!, `http://127.0.0.1:${port}/api/ingest/wazuh`, 'debug']);
    expect(r.stderr).toContain('delivered (200)');
    expect(await app.repo.existingAlertIds([alertId('wazuh', '1795200000.31337')])).toEqual(new Set([alertId('wazuh', '1795200000.31337')]));
    // A wrong key is a permanent refusal: no retries, exit status 1.
    await expect(run('python3', [script, file, 'vgl_wrongwrongwrongwrong', `http://127.0.0.1:${port}/api/ingest/wazuh`])).rejects.toMatchObject({ code: 1 });
  });

  it('rate limits bad keys per address, yet never refuses a valid key from that address (a NAT or proxy shared with the guesser)', async () => {
    const from = (remoteAddress: string, key: string, url = '/api/cases') => server.inject({ url, remoteAddress, headers: { authorization: `Bearer ${key}` } });
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) codes.push((await from('192.0.2.99', `vgl_guess${i}guessguessguess`)).statusCode);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(codes.slice(10)).toEqual([429, 429]);
    const limited = await from('192.0.2.99', 'vgl_guessguessguessguess');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // The admin and the Wazuh manager behind the same address still get in, with header or path keys.
    expect((await from('192.0.2.99', keys.admin!)).statusCode).toBe(200);
    const alert = { ...wazuhAlert, id: '1795200000.42424' };
    const ingest = await server.inject({ method: 'POST', url: `/api/ingest/wazuh/${keys.ingest}`, remoteAddress: '192.0.2.99', payload: alert });
    expect(ingest.statusCode).toBe(200);
    expect(ingest.json()).toMatchObject({ stored: 1 });
    expect((await from('192.0.2.100', keys.admin!)).statusCode).toBe(200);
  });

  it('rate limits guesses at one key prefix across addresses', async () => {
    const prefix = keys.admin!.slice(0, 10);
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) codes.push((await server.inject({ url: '/api/cases', remoteAddress: `198.51.100.${i + 1}`, headers: { authorization: `Bearer ${prefix}guess${i}xxxxxxxxxxxx` } })).statusCode);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(codes[10]).toBe(429);
    // The real key with that prefix is still let in.
    expect((await server.inject({ url: '/api/cases', remoteAddress: '198.51.100.50', headers: { authorization: `Bearer ${keys.admin}` } })).statusCode).toBe(200);
  });
});

describe('webhook ingestion of raw events with Sigma rules', () => {
  let app: App;
  let server: FastifyInstance;
  let dir: string;
  let key: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-ingest-ev-'));
    const { config } = loadConfig({ file: join(PACKAGE_ROOT, 'samples/vigil.yaml'), env: {} });
    config.dataDir = 'memory://';
    config.out = dir;
    config.detect.rules = [join(PACKAGE_ROOT, 'samples/rules')];
    app = await App.build(config, { log: silentLogger });
    server = await buildServer(app);
    key = (await app.keys.create({ name: 'ingest', role: 'ingest' })).key;
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the rules over posted events and stores their detections as alerts', async () => {
    const ev = { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, Computer: 'ws-9', EventRecordID: 77, UtcTime: '2026-11-20 10:00:00.000', Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /priv', User: 'CORP\\bob' };
    const r = await server.inject({ method: 'POST', url: '/api/ingest/events', payload: [ev, { ...ev, EventRecordID: 78, Image: 'C:\\Windows\\notepad.exe', CommandLine: 'notepad' }], headers: { authorization: `Bearer ${key}` } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ stored: 1, detect: { events: 2, detections: 1, correlations: 0 } });
  });
});
