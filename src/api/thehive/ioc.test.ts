import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresUrl, requirePostgresInCi } from '../../../test/helpers/store.js';
import { caseServiceFor } from './index.js';
import { startTestHive, type TestHive } from './testing.js';

// Observables intel finds malicious are IOCs through the TheHive API, whenever the verdict comes:
// with the alert, after the artifact was first shown, or after an analyst added the value by hand.
const FEODO_HEADER = '"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n';
const row = (ip: string) => `"2026-11-01 10:00:00","${ip}","443","online","2026-11-19","Pikabot"\n`;

function sshAlert(id: string, ip: string, at: string): Record<string, unknown> {
  return {
    timestamp: at,
    rule: { level: 10, description: 'sshd: brute force', id: '5712', groups: ['sshd'] },
    agent: { id: '014', name: 'web-07', ip: '10.0.1.27' },
    id,
    full_log: `Invalid user paco from ${ip} port 56404`,
    data: { srcip: ip },
  };
}

requirePostgresInCi();
const BACKENDS: Array<{ name: string; postgres?: () => ReturnType<typeof freshPostgresUrl> }> = [
  { name: 'PGlite' },
  ...(process.env.VIGIL_TEST_DATABASE_URL ? [{ name: 'PostgreSQL', postgres: freshPostgresUrl }] : []),
];

for (const backend of BACKENDS)
describe(`TheHive API: ioc follows the verdict (${backend.name})`, () => {
  let h: TestHive;
  let key: string;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ioc-'));
  const feed = join(dir, 'feodo.csv');

  beforeAll(async () => {
    writeFileSync(feed, FEODO_HEADER + row('185.220.101.47'));
    h = await startTestHive({ ...(backend.postgres && { postgres: await backend.postgres() }), config: { feeds: [{ path: feed, format: 'feodo' }], cases: { groupBy: ['observable'], window: '2h' } } });
    key = await h.key('analyst');
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const observablesOf = async (caseId: string) =>
    (await h.call(key, 'POST', '/api/v1/query', { query: [{ _name: 'getCase', idOrName: caseId }, { _name: 'observables' }] })).json() as Array<{ _id: string; data: string; ioc: boolean }>;

  it('an observable found malicious with its alert is an IOC; one found malicious later becomes one', async () => {
    await h.app.ingest([{ file: 't', line: 1, record: sshAlert('1.1', '185.220.101.47', '2026-11-20T09:00:00.000+0000') }]);
    await h.app.ingest([{ file: 't', line: 2, record: sshAlert('1.2', '45.155.205.233', '2026-11-20T09:01:00.000+0000') }]);
    const cases = (await h.call(key, 'POST', '/api/v1/query', { query: [{ _name: 'listCase' }, { _name: 'sort', _fields: [{ number: 'asc' }] }] })).json();
    const listed = await observablesOf(cases[0]._id);
    expect(listed.find((o) => o.data === '185.220.101.47')?.ioc).toBe(true);
    expect(listed.find((o) => o.data === '10.0.1.27')?.ioc).toBe(false);
    // The second address was unknown when its case was first shown …
    const second = cases.find((c: { _id: string }) => c._id !== cases[0]._id) ?? cases[0];
    expect((await observablesOf(second._id)).find((o) => o.data === '45.155.205.233')?.ioc).toBe(false);
    // … then a feed lists it and another alert with it arrives: the stored verdict and the IOC flag follow.
    writeFileSync(feed, FEODO_HEADER + row('185.220.101.47') + row('45.155.205.233'));
    await h.app.reloadFeeds();
    await h.app.ingest([{ file: 't', line: 3, record: sshAlert('1.3', '45.155.205.233', '2026-11-20T09:02:00.000+0000') }]);
    expect((await observablesOf(second._id)).find((o) => o.data === '45.155.205.233')?.ioc).toBe(true);
    // The case's observable stats count it.
    const c = (await h.call(key, 'GET', `/api/v1/case/${second._id}`)).json();
    expect(c._id).toBe(second._id);
  });

  it('a value an analyst adds is an IOC once background enrichment finds it malicious, unless the analyst edited it', async () => {
    const created = (await h.call(key, 'POST', '/api/v1/case', { title: 'Manual', description: 'd' })).json();
    const added = (await h.call(key, 'POST', `/api/v1/case/${created._id}/observable`, { dataType: 'ip', data: '185.220.101.47' })).json();
    expect(added[0].ioc).toBe(false);
    await caseServiceFor(h.app).settled();
    expect((await h.call(key, 'GET', `/api/v1/observable/${added[0]._id}`)).json().ioc).toBe(true);
    // An analyst's own decision stands: edited, then found malicious again, it stays as they left it.
    const other = (await h.call(key, 'POST', `/api/v1/case/${created._id}/observable`, { dataType: 'ip', data: '45.155.205.233' })).json();
    expect((await h.call(key, 'PATCH', `/api/v1/observable/${other[0]._id}`, { ioc: false, addTags: ['reviewed'] })).statusCode).toBe(204);
    await caseServiceFor(h.app).settled();
    // (it may have been flagged before the edit; the edit set it back and nothing flips it again)
    await h.app.ingest([{ file: 't', line: 9, record: sshAlert('1.9', '45.155.205.233', '2026-11-20T09:03:00.000+0000') }]);
    expect((await h.call(key, 'GET', `/api/v1/observable/${other[0]._id}`)).json().ioc).toBe(false);
  });
});
