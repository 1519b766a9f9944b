// The connector against Vigil's own TheHive-compatible API on loopback: a second App plays TheHive.
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresUrl, requirePostgresInCi } from '../../../test/helpers/store.js';
import { caseServiceFor } from '../../api/thehive/index.js';
import { startTestHive, type TestHive } from '../../api/thehive/testing.js';
import type { Clock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import { TheHiveConnectorConfig } from './config.js';
import { connectorFor, TheHiveConnector } from './index.js';

function wazuh(id: string, ip: string, at: string, host = 'web-07'): Record<string, unknown> {
  return {
    timestamp: at,
    rule: { level: 10, description: 'sshd: brute force trying to get access to the system.', id: '5712', mitre: { id: ['T1110'], tactic: ['Credential Access'], technique: ['Brute Force'] }, groups: ['syslog', 'sshd'] },
    agent: { id: '014', name: host, ip: host === 'db-01' ? '10.0.2.5' : '10.0.1.27' },
    manager: { name: 'wazuh-manager' },
    id,
    full_log: `sshd[17584]: Invalid user admin from ${ip} port 56404`,
    decoder: { name: 'sshd' },
    data: { srcip: ip, srcuser: 'admin' },
    location: '/var/log/auth.log',
  };
}

requirePostgresInCi();
// Vigil's side on the embedded store, and on PostgreSQL when the test server is there.
const BACKENDS: Array<{ name: string; postgres?: () => ReturnType<typeof freshPostgresUrl> }> = [
  { name: 'PGlite' },
  ...(process.env.VIGIL_TEST_DATABASE_URL ? [{ name: 'PostgreSQL', postgres: freshPostgresUrl }] : []),
];

for (const backend of BACKENDS)
describe(`TheHive connector (${backend.name})`, () => {
  let remote: TestHive;
  let remoteKey: string;
  let url: string;
  let local: TestHive;

  const remoteQuery = async (q: unknown[]) => {
    const r = await remote.call(remoteKey, 'POST', '/api/v1/query', { query: q });
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };

  beforeAll(async () => {
    remote = await startTestHive();
    remoteKey = await remote.key('admin', 'soc', 'vigil-connector');
    await remote.server.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(remote.server.server.address() as AddressInfo).port}/thehive`;
    local = await startTestHive({
      ...(backend.postgres && { postgres: await backend.postgres() }),
      config: {
        cases: { groupBy: ['observable'] },
        thehive: { connector: { enabled: true, url, apiKey: remoteKey, organisation: 'soc', backoff: '1s' } },
      },
    });
  });
  afterAll(async () => {
    await local?.close();
    await remote?.close();
  });

  it('pushes alerts with their observables and cases with their alerts merged in, then only changes', async () => {
    await local.app.ingest([
      { file: 't', line: 1, record: wazuh('1.1', '185.220.101.47', '2026-11-20T09:00:00.000+0000') },
      { file: 't', line: 2, record: wazuh('1.2', '185.220.101.47', '2026-11-20T09:01:00.000+0000') },
      { file: 't', line: 3, record: wazuh('1.3', '45.155.205.233', '2026-11-20T09:02:00.000+0000', 'db-01') },
    ]);
    const connector = connectorFor(local.app)!;
    expect(connector).toBeDefined();
    expect(await connector.drain()).toEqual({ queued: 5, pushed: 5, retrying: 0, failed: 0, pending: 0 });

    const alerts = await remoteQuery([{ _name: 'listAlert' }, { _name: 'sort', _fields: [{ sourceRef: 'asc' }] }]);
    expect(alerts.map((a: { type: string; source: string; sourceRef: string }) => [a.type, a.source, a.sourceRef])).toEqual([['vigil', 'wazuh', '1.1'], ['vigil', 'wazuh', '1.2'], ['vigil', 'wazuh', '1.3']]);
    expect(alerts[0]).toMatchObject({ _createdBy: 'vigil-connector', title: expect.stringContaining('sshd: brute force'), description: expect.stringMatching(/Vigil assessed (LOW|MEDIUM|HIGH|CRITICAL) \(score/), tags: expect.arrayContaining(['sshd', 'T1110']), status: 'Imported' });
    const obs = await remoteQuery([{ _name: 'getAlert', idOrName: alerts[0]._id }, { _name: 'observables' }]);
    expect(obs).toEqual(expect.arrayContaining([expect.objectContaining({ dataType: 'ip', data: '185.220.101.47', tags: ['role:src'] })]));

    const cases = await remoteQuery([{ _name: 'listCase' }, { _name: 'sort', _fields: [{ number: 'asc' }] }]);
    expect(cases).toHaveLength(2);
    expect(cases[0].tags).toContain('vigil');
    const merged = await remoteQuery([{ _name: 'getCase', idOrName: cases[0]._id }, { _name: 'alerts' }]);
    expect(merged.map((a: { sourceRef: string }) => a.sourceRef).sort()).toEqual(['1.1', '1.2']);

    // The mapping of ids is kept.
    const localCase = (await local.app.repo.listCases())[1]!;
    expect((await connector.state('case', localCase.id))).toMatchObject({ remoteId: cases[0]._id, status: 'synced', attempts: 0 });

    // Nothing changed: nothing pushed.
    expect(await connector.drain()).toMatchObject({ queued: 0, pushed: 0 });

    // A change in Vigil (closing the case) and a new alert joining it are pushed.
    const localKey = await local.key('analyst', 'default', 'alice');
    const lc = await local.call(localKey, 'POST', '/api/v1/query', { query: [{ _name: 'getCase', idOrName: String(localCase.number) }] });
    expect((await local.call(localKey, 'PATCH', `/api/v1/case/${lc.json()[0]._id}`, { status: 'TruePositive', impactStatus: 'WithImpact', summary: 'blocked' })).statusCode).toBe(204);
    await local.app.ingest([{ file: 't', line: 4, record: wazuh('1.4', '45.155.205.233', '2026-11-20T09:03:00.000+0000', 'db-01') }]);
    const round = await connector.drain();
    expect(round).toMatchObject({ pushed: 3, failed: 0, retrying: 0 });
    expect((await remote.call(remoteKey, 'GET', `/api/v1/case/${cases[0]._id}`)).json()).toMatchObject({ status: 'TruePositive', impactStatus: 'WithImpact', summary: 'blocked', stage: 'Closed' });
    expect((await remoteQuery([{ _name: 'getCase', idOrName: cases[1]._id }, { _name: 'alerts' }])).map((a: { sourceRef: string }) => a.sourceRef).sort()).toEqual(['1.3', '1.4']);
    expect(await remoteQuery([{ _name: 'listCase' }, { _name: 'count' }])).toBe(2);
  });

  it('retries with backoff, never holds up the pipeline, and gives up on refusals until the item changes', async () => {
    let now = Date.parse('2026-11-21T10:00:00.000Z');
    const clock: Clock = { now: () => new Date(now) };
    const h = await startTestHive({ ...(backend.postgres && { postgres: await backend.postgres() }), config: { thehive: { connector: { orgs: ['default'] } } } });
    try {
      await h.app.ingest([{ file: 't', line: 1, record: wazuh('2.1', '185.220.101.9', '2026-11-21T09:00:00.000+0000') }]);
      let failures = 2;
      let hang: (() => void) | undefined;
      const flaky: typeof fetch = async (input, init) => {
        if (hang) {
          hang();
          return new Promise((_r, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
        }
        if (failures-- > 0) throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
        return fetch(input, init);
      };
      const config = TheHiveConnectorConfig.parse({ enabled: true, url, apiKey: remoteKey, organisation: 'soc', cases: false, backoff: '10s', maxBackoff: '1m', timeout: 300, maxAttempts: 5 });
      const c = new TheHiveConnector({ db: h.app.repo.db, clock, log: silentLogger, config, apiKey: remoteKey, fetch: flaky, random: () => 0.5 });
      const alertId = (await h.app.repo.alertsOfCase((await h.app.repo.listCases())[0]!.id))[0]!.id;

      expect(await c.drain()).toMatchObject({ queued: 1, retrying: 1, pushed: 0 });
      expect(await c.state('alert', alertId)).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('ECONNREFUSED'), nextAttemptAt: new Date(now + 10_000).toISOString() });
      // Not due yet.
      expect(await c.drain()).toMatchObject({ retrying: 0, pushed: 0, pending: 1 });
      now += 10_000;
      expect(await c.drain()).toMatchObject({ retrying: 1 });
      // The delay doubles.
      expect(await c.state('alert', alertId)).toMatchObject({ attempts: 2, nextAttemptAt: new Date(now + 20_000).toISOString() });
      now += 20_000;

      // A remote that hangs costs its timeout inside the drain, while alerts keep flowing in.
      const hanging = new Promise<void>((resolve) => (hang = resolve));
      const draining = c.drain();
      await hanging;
      const ingested = await h.app.ingest([{ file: 't', line: 2, record: wazuh('2.2', '185.220.101.9', '2026-11-21T09:05:00.000+0000') }]);
      expect(ingested.alerts.new).toBe(1);
      expect(await draining).toMatchObject({ retrying: 1 });
      expect((await c.state('alert', alertId))!.lastError).toMatch(/timed out after 300 ms/);
      hang = undefined;
      expect(await c.state('alert', alertId)).toMatchObject({ attempts: 3, nextAttemptAt: new Date(now + 40_000).toISOString() });
      now += 40_000;
      expect(await c.drain()).toMatchObject({ queued: 1, pushed: 2, retrying: 0, failed: 0, pending: 0 });
      expect(await c.state('alert', alertId)).toMatchObject({ status: 'synced', attempts: 0, lastError: null, remoteId: expect.stringMatching(/^~\d+$/) });

      // A refusal (4xx) is not retried.
      const refusing = new TheHiveConnector({
        db: h.app.repo.db, clock, log: silentLogger, config, apiKey: remoteKey, random: () => 0.5,
        fetch: async () => new Response(JSON.stringify({ type: 'AttributeCheckingError', message: 'dataType: unknown' }), { status: 400, headers: { 'content-type': 'application/json' } }),
      });
      await h.app.ingest([{ file: 't', line: 3, record: wazuh('2.3', '185.220.101.10', '2026-11-21T09:06:00.000+0000') }]);
      expect(await refusing.drain()).toMatchObject({ failed: 1 });
      const failed = (await h.app.repo.db.execute(sql`select local_id, last_error from thehive_sync where status = 'failed'`)) as unknown as { rows: Array<{ local_id: string; last_error: string }> };
      expect(failed.rows.map((r) => r.last_error)).toEqual(['POST /api/v1/alert: 400 AttributeCheckingError: dataType: unknown']);
      now += 3_600_000;
      expect(await refusing.drain()).toMatchObject({ failed: 0, pushed: 0, pending: 0 });
      // Changed in Vigil: tried again.
      await caseServiceFor(h.app).updateAlert({ name: 'alice', org: 'default', role: 'analyst' }, failed.rows[0]!.local_id, { title: 'renamed' });
      expect(await refusing.drain()).toMatchObject({ queued: 1, failed: 1 });
    } finally {
      await h.close();
    }
  });
});
