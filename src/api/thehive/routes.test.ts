import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresUrl, requirePostgresInCi } from '../../../test/helpers/store.js';
import { startTestHive, type TestHive } from './testing.js';

requirePostgresInCi();
// Every route runs on the embedded store, and on PostgreSQL when the test server is there.
const BACKENDS: Array<{ name: string; postgres?: () => ReturnType<typeof freshPostgresUrl> }> = [
  { name: 'PGlite' },
  ...(process.env.VIGIL_TEST_DATABASE_URL ? [{ name: 'PostgreSQL', postgres: freshPostgresUrl }] : []),
];

// A Wazuh alert as the pipeline reads it (written for these tests).
function wazuh(id: string, over: { host?: string; ip?: string; user?: string; at?: string } = {}): Record<string, unknown> {
  return {
    timestamp: over.at ?? '2026-11-20T12:29:19.905+0000',
    rule: { level: 10, description: 'sshd: brute force trying to get access to the system. Non existent user.', id: '5712', mitre: { id: ['T1110'], tactic: ['Credential Access'], technique: ['Brute Force'] }, groups: ['syslog', 'sshd', 'authentication_failures'] },
    agent: { id: '014', name: over.host ?? 'web-07', ip: '10.0.1.27' },
    manager: { name: 'wazuh-manager' },
    id,
    full_log: `Nov 20 12:29:18 web-07 sshd[17584]: Invalid user ${over.user ?? 'paco'} from ${over.ip ?? '185.220.101.47'} port 56404`,
    decoder: { parent: 'sshd', name: 'sshd' },
    data: { srcip: over.ip ?? '185.220.101.47', srcport: '56404', srcuser: over.user ?? 'paco' },
    location: '/var/log/auth.log',
  };
}

let n = 0;
function alertBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  return { type: 'external', source: 'siem', sourceRef: `ref-${n}`, title: `Alert ${n}`, description: `description ${n}`, ...over };
}

for (const backend of BACKENDS)
describe(`TheHive API (${backend.name})`, () => {
  let h: TestHive;
  let analyst: string;
  let admin: string;
  let readOnly: string;
  let ingest: string;
  let otherOrg: string;

  beforeAll(async () => {
    h = await startTestHive({
      ...(backend.postgres && { postgres: await backend.postgres() }),
      config: {
        thehive: {
          caseTemplates: [
            { name: 'phishing', titlePrefix: '[Phishing] ', severity: 3, tags: ['phishing'], customFields: { reporter: 'soc' }, tasks: [{ title: 'Analyse headers', group: 'analysis' }, { title: 'Block sender', group: 'containment', mandatory: true }] },
          ],
        },
        cases: { groupBy: ['observable'], window: '1h' },
      },
    });
    analyst = await h.key('analyst', 'acme', 'alice');
    admin = await h.key('admin', 'acme', 'root-admin');
    readOnly = await h.key('read-only', 'acme', 'auditor');
    ingest = await h.key('ingest', 'acme', 'shuffle');
    otherOrg = await h.key('admin', 'globex', 'bob');
  });
  afterAll(async () => h?.close());

  const post = (key: string, url: string, body?: unknown) => h.call(key, 'POST', url, body);
  const get = (key: string, url: string) => h.call(key, 'GET', url);
  const patch = (key: string, url: string, body: unknown) => h.call(key, 'PATCH', url, body);
  const del = (key: string, url: string) => h.call(key, 'DELETE', url);
  const query = async (key: string, q: unknown[], extra: Record<string, unknown> = {}) => {
    const r = await post(key, '/api/v1/query', { query: q, ...extra });
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };

  describe('keys and organisations', () => {
    it('needs a key, and X-Organisation may only name the key\'s organisation', async () => {
      expect((await h.server.inject({ method: 'GET', url: '/thehive/api/v1/user/current' })).statusCode).toBe(401);
      const me = await get(analyst, '/api/v1/user/current');
      expect(me.json()).toMatchObject({ login: 'alice', organisation: 'acme', profile: 'analyst' });
      const wrong = await h.call(analyst, 'GET', '/api/v1/user/current', undefined, { 'x-organisation': 'globex' });
      expect(wrong.statusCode).toBe(403);
      expect(wrong.json()).toEqual({ type: 'AuthorizationError', message: 'this API key belongs to organisation "acme", not "globex"' });
      expect((await h.call(analyst, 'GET', '/api/v1/user/current', undefined, { 'x-organisation': 'acme' })).statusCode).toBe(200);
    });

    it('keeps each organisation to its own alerts and cases', async () => {
      const mine = (await post(analyst, '/api/v1/alert', alertBody({ sourceRef: 'shared-ref' }))).json();
      const theirs = (await post(otherOrg, '/api/v1/alert', alertBody({ sourceRef: 'shared-ref' }))).json();
      // The same type+source+sourceRef is not a duplicate in another organisation.
      expect(theirs._id).not.toBe(mine._id);
      expect((await get(otherOrg, `/api/v1/alert/${mine._id}`)).statusCode).toBe(404);
      expect((await get(analyst, `/api/v1/alert/${theirs._id}`)).json()).toMatchObject({ type: 'NotFoundError' });
      const listed = await query(otherOrg, [{ _name: 'listAlert' }, { _name: 'filter', _eq: { _field: 'sourceRef', _value: 'shared-ref' } }]);
      expect(listed.map((a: { _id: string }) => a._id)).toEqual([theirs._id]);
      const c = (await post(analyst, '/api/v1/case', { title: 'acme case', description: 'x' })).json();
      expect((await post(otherOrg, `/api/v1/alert/${theirs._id}/merge/${c._id}`)).statusCode).toBe(404);
      expect((await post(otherOrg, `/api/v1/case/${c._id}/task`, { title: 'sneaky' })).statusCode).toBe(404);
      expect((await get(otherOrg, `/api/v1/case/${c.number}`)).statusCode).toBe(404);
    });

    it('lets read-only keys read and query, and ingest keys only create alerts', async () => {
      const a = (await post(analyst, '/api/v1/alert', alertBody())).json();
      expect((await get(readOnly, `/api/v1/alert/${a._id}`)).statusCode).toBe(200);
      expect(await query(readOnly, [{ _name: 'listAlert' }, { _name: 'count' }])).toBeGreaterThan(0);
      expect((await patch(readOnly, `/api/v1/alert/${a._id}`, { title: 'x' })).statusCode).toBe(403);
      expect((await post(readOnly, '/api/v1/alert', alertBody())).statusCode).toBe(403);
      const pushed = await post(ingest, '/api/v1/alert', alertBody({ observables: [{ dataType: 'ip', data: '198.51.100.7' }] }));
      expect(pushed.statusCode).toBe(201);
      expect(pushed.json()._createdBy).toBe('shuffle');
      expect((await get(ingest, `/api/v1/alert/${pushed.json()._id}`)).statusCode).toBe(403);
      expect((await post(ingest, '/api/v1/query', { query: [{ _name: 'listAlert' }] })).statusCode).toBe(403);
      expect((await post(ingest, `/api/v1/alert/${pushed.json()._id}/case`, {})).statusCode).toBe(403);
    });

    it('lets only admin keys delete cases', async () => {
      const c = (await post(analyst, '/api/v1/case', { title: 'to delete', description: 'x' })).json();
      const denied = await del(analyst, `/api/v1/case/${c._id}`);
      expect(denied.statusCode).toBe(403);
      expect(denied.json().type).toBe('AuthorizationError');
      expect((await del(admin, `/api/v1/case/${c._id}`)).statusCode).toBe(204);
      expect((await get(analyst, `/api/v1/case/${c._id}`)).statusCode).toBe(404);
    });
  });

  describe('validation', () => {
    it('answers 400 naming the field and the reason', async () => {
      const { title: _t, ...noTitle } = alertBody();
      const r = await post(analyst, '/api/v1/alert', noTitle);
      expect(r.statusCode).toBe(400);
      expect(r.json()).toEqual({ type: 'AttributeCheckingError', message: 'title: is required', errors: [{ field: 'title', reason: 'is required' }] });
      expect((await post(analyst, '/api/v1/alert', alertBody({ severity: 7 }))).json().errors[0]).toEqual({ field: 'severity', reason: 'must be 1 (LOW) to 4 (CRITICAL)' });
      expect((await post(analyst, '/api/v1/alert', alertBody({ tlp: 'red' }))).json().errors[0].field).toBe('tlp');
      expect((await post(analyst, '/api/v1/alert', alertBody({ observables: [{ dataType: 'ip', data: '1.2.3.4' }, { data: 'x' }] }))).json().errors[0]).toEqual({ field: 'observables.1.dataType', reason: 'is required' });
      expect((await post(analyst, '/api/v1/alert', alertBody({ observables: [{ dataType: 'ip' }] }))).json().errors[0]).toEqual({ field: 'observables.0.data', reason: 'is required' });
      expect((await post(analyst, '/api/v1/alert', alertBody({ caseTemplate: 'nope' }))).json().errors[0]).toEqual({ field: 'caseTemplate', reason: 'no case template named "nope" (known: phishing)' });
      expect((await post(analyst, '/api/v1/alert', alertBody({ procedures: [{ patternId: 'X1', tactic: 'execution', occurDate: 1 }] }))).json().errors[0].field).toBe('procedures.0.patternId');
      expect((await post(analyst, '/api/v1/case', { title: 'c', description: 'd', status: 'Bogus' })).json().errors[0].field).toBe('status');
      expect((await post(analyst, '/api/v1/case', { title: 'c', description: 'd', tasks: [{ group: 'g' }] })).json().errors[0]).toEqual({ field: 'tasks.0.title', reason: 'is required' });
    });

    it('refuses bad JSON, file observables and multipart bodies clearly', async () => {
      const bad = await post(analyst, '/api/v1/alert', '{"type": ');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().type).toBe('BadRequest');
      const a = (await post(analyst, '/api/v1/alert', alertBody())).json();
      const file = await post(analyst, `/api/v1/alert/${a._id}/observable`, { dataType: 'file', data: 'x' });
      expect(file.statusCode).toBe(415);
      expect(file.json().message).toMatch(/hash/);
      const multi = await h.call(analyst, 'POST', '/api/v1/alert', '--x\r\n', { 'content-type': 'multipart/form-data; boundary=x' });
      expect(multi.statusCode).toBe(415);
      expect((await get(analyst, '/api/v1/nothing/here')).json()).toMatchObject({ type: 'NotFoundError' });
    });
  });

  describe('alerts', () => {
    it('refuses a duplicate type+source+sourceRef as TheHive does', async () => {
      const body = alertBody();
      const first = await post(analyst, '/api/v1/alert', body);
      expect(first.statusCode).toBe(201);
      const again = await post(analyst, '/api/v1/alert', { ...body, title: 'changed' });
      expect(again.statusCode).toBe(400);
      expect(again.json()).toMatchObject({ type: 'CreateError', message: expect.stringContaining(`already exists: ${first.json()._id}`) });
      // Another type with the same source and sourceRef is another alert.
      expect((await post(analyst, '/api/v1/alert', { ...body, type: 'other-type' })).statusCode).toBe(201);
    });

    it('keeps one observable per value, merging tags, and shows TheHive fields', async () => {
      const r = await post(analyst, '/api/v1/alert', alertBody({
        severity: 4, tlp: 3, pap: 1, tags: ['a'], flag: true, externalLink: 'https://siem/x', customFields: [{ name: 'customer', value: 'ACME' }],
        observables: [{ dataType: 'ip', data: '203.0.113.9', tags: ['x'] }, { dataType: 'ip', data: '203.0.113.9', tags: ['y'], ioc: true }, { dataType: 'other', data: 'free text' }],
        procedures: [{ patternId: 'T1059.001', tactic: 'Execution', occurDate: 1_790_000_000_000 }],
      }));
      expect(r.statusCode).toBe(201);
      expect(r.json()).toMatchObject({ severity: 4, severityLabel: 'CRITICAL', tlp: 3, tlpLabel: 'AMBER+STRICT', pap: 1, papLabel: 'GREEN', flag: true, externalLink: 'https://siem/x', observableCount: 2, customFields: [{ name: 'customer', value: 'ACME', type: 'string', order: 0 }] });
      const obs = await query(analyst, [{ _name: 'getAlert', idOrName: r.json()._id }, { _name: 'observables' }, { _name: 'sort', _fields: [{ data: 'asc' }] }]);
      expect(obs.map((o: { data: string; tags: string[]; ioc: boolean }) => [o.data, o.tags.sort(), o.ioc])).toEqual([['203.0.113.9', ['x', 'y'], true], ['free text', [], false]]);
      const procs = await query(analyst, [{ _name: 'getAlert', idOrName: r.json()._id }, { _name: 'procedures' }]);
      expect(procs).toEqual([expect.objectContaining({ patternId: 'T1059.001', tactic: 'execution', tacticLabel: 'Execution', occurDate: 1_790_000_000_000 })]);
    });

    it('adds several observables at once, updates and deletes them', async () => {
      const a = (await post(analyst, '/api/v1/alert', alertBody())).json();
      const added = await post(analyst, `/api/v1/alert/${a._id}/observable`, { dataType: 'domain', data: ['evil.example', 'worse.example'], message: 'from the proxy' });
      expect(added.statusCode).toBe(201);
      expect(added.json().map((o: { data: string; message: string }) => [o.data, o.message])).toEqual([['evil.example', 'from the proxy'], ['worse.example', 'from the proxy']]);
      const [o1, o2] = added.json();
      expect((await patch(analyst, `/api/v1/observable/${o1._id}`, { ioc: true, addTags: ['c2'], sighted: true })).statusCode).toBe(204);
      expect((await get(analyst, `/api/v1/observable/${o1._id}`)).json()).toMatchObject({ ioc: true, sighted: true, tags: ['c2'], _updatedBy: 'alice' });
      expect((await patch(analyst, '/api/v1/observable/_bulk', { ids: [o1._id, o2._id], tlp: 4 })).statusCode).toBe(204);
      expect((await get(analyst, `/api/v1/observable/${o2._id}`)).json()).toMatchObject({ tlp: 4, tlpLabel: 'RED' });
      expect((await del(analyst, `/api/v1/observable/${o2._id}`)).statusCode).toBe(204);
      expect((await get(analyst, `/api/v1/observable/${o2._id}`)).statusCode).toBe(404);
      expect((await get(analyst, `/api/v1/alert/${a._id}`)).json().observableCount).toBe(1);
    });

    it('updates, follows, comments and deletes alerts', async () => {
      const a = (await post(analyst, '/api/v1/alert', alertBody({ tags: ['one'] }))).json();
      expect((await patch(analyst, `/api/v1/alert/${a._id}`, { title: 'renamed', addTags: ['two'], severity: 3, status: 'Ignored', summary: 'noise' })).statusCode).toBe(204);
      expect((await get(analyst, `/api/v1/alert/${a._id}`)).json()).toMatchObject({ title: 'renamed', tags: ['one', 'two'], severity: 3, status: 'Ignored', stage: 'Closed', summary: 'noise', _updatedBy: 'alice' });
      expect((await post(analyst, `/api/v1/alert/${a._id}/unfollow`)).json().follow).toBe(false);
      const c = await post(analyst, `/api/v1/alert/${a._id}/comment`, { message: 'looked at it' });
      expect(c.statusCode).toBe(201);
      expect(c.json()).toMatchObject({ _type: 'Comment', message: 'looked at it', createdBy: 'alice' });
      const b = (await post(analyst, '/api/v1/alert', alertBody())).json();
      expect((await patch(analyst, '/api/v1/alert/_bulk', { ids: [a._id, b._id], flag: true })).statusCode).toBe(204);
      expect((await get(analyst, `/api/v1/alert/${b._id}`)).json().flag).toBe(true);
      expect((await post(analyst, '/api/v1/alert/delete/_bulk', { ids: [a._id, b._id] })).statusCode).toBe(204);
      expect((await get(analyst, `/api/v1/alert/${a._id}`)).statusCode).toBe(404);
    });
  });

  describe('promote, merge, bulk merge, detach', () => {
    it('promotes with a case template that brings its tasks', async () => {
      const a = (await post(analyst, '/api/v1/alert', alertBody({ title: 'Reported mail', observables: [{ dataType: 'mail', data: 'Bad@Example.com' }] }))).json();
      const promoted = await post(analyst, `/api/v1/alert/${a._id}/case`, { caseTemplate: 'phishing' });
      expect(promoted.statusCode).toBe(201);
      const c = promoted.json();
      expect(c).toMatchObject({ title: '[Phishing] Reported mail', severity: 2, tags: ['phishing'], caseTemplate: 'phishing', customFields: [{ name: 'reporter', value: 'soc' }] });
      const tasks = await query(analyst, [{ _name: 'getCase', idOrName: c._id }, { _name: 'tasks' }]);
      expect(tasks.map((t: { title: string; group: string; mandatory: boolean }) => [t.title, t.group, t.mandatory])).toEqual([['Analyse headers', 'analysis', false], ['Block sender', 'containment', true]]);
      const obs = await query(analyst, [{ _name: 'getCase', idOrName: c._id }, { _name: 'observables' }]);
      expect(obs.map((o: { dataType: string; data: string }) => `${o.dataType}:${o.data}`)).toEqual(['mail:Bad@Example.com']);
      expect((await get(analyst, `/api/v1/alert/${a._id}`)).json()).toMatchObject({ caseId: c._id, status: 'Imported', stage: 'Imported' });
      const again = await post(analyst, `/api/v1/alert/${a._id}/case`, {});
      expect(again.statusCode).toBe(400);
      expect(again.json().message).toMatch(/already in case #\d+/);
    });

    it('merges alerts into a case, moving one from another case, and tells the timelines', async () => {
      const c1 = (await post(analyst, '/api/v1/case', { title: 'first', description: 'd' })).json();
      const c2 = (await post(analyst, '/api/v1/case', { title: 'second', description: 'd' })).json();
      const a = (await post(analyst, '/api/v1/alert', alertBody({ observables: [{ dataType: 'ip', data: '192.0.2.200' }] }))).json();
      const merged = await post(analyst, `/api/v1/alert/${a._id}/merge/${c1._id}`);
      expect(merged.statusCode).toBe(200);
      expect(merged.json()._id).toBe(c1._id);
      await post(analyst, `/api/v1/alert/${a._id}/merge/${c2.number}`);
      expect((await get(analyst, `/api/v1/alert/${a._id}`)).json().caseId).toBe(c2._id);
      const t1 = (await get(analyst, `/api/v1/case/${c1._id}/timeline`)).json().events.map((e: { kind: string; details: { message: string } }) => `${e.kind}: ${e.details.message}`);
      expect(t1.slice(-2)).toEqual([expect.stringMatching(/^alert\.merged: Alert ".*" \(siem ref-\d+\) merged$/), `alert.detached: Alert "${a.title}" moved to case #${c2.number}`]);
      // Observables stay with the case they were merged into, as in TheHive, and are now in both.
      const obs = await query(analyst, [{ _name: 'getCase', idOrName: c2._id }, { _name: 'observables' }]);
      expect(obs[0].extraData.relatedCases.map((r: { number: number }) => r.number)).toEqual([c1.number]);
      const links = (await get(analyst, `/api/v1/case/${c2._id}/links`)).json();
      expect(links).toEqual([expect.objectContaining({ _id: c1._id, linksCount: 1, linkedWith: [expect.objectContaining({ data: '192.0.2.200' })] })]);
    });

    it('bulk merges all or nothing', async () => {
      const c = (await post(analyst, '/api/v1/case', { title: 'bulk', description: 'd' })).json();
      const a1 = (await post(analyst, '/api/v1/alert', alertBody())).json();
      const a2 = (await post(analyst, '/api/v1/alert', alertBody())).json();
      const foreign = (await post(otherOrg, '/api/v1/alert', alertBody())).json();
      const refused = await post(analyst, '/api/v1/alert/merge/_bulk', { caseId: c._id, alertIds: [a1._id, foreign._id, a2._id] });
      expect(refused.statusCode).toBe(404);
      expect(refused.json()).toMatchObject({ type: 'NotFoundError', errors: [{ field: 'alertIds.1', reason: 'not found' }] });
      expect((await get(analyst, `/api/v1/alert/${a1._id}`)).json().caseId).toBeUndefined();
      const ok = await post(analyst, '/api/v1/alert/merge/_bulk', { caseId: c._id, alertIds: [a1._id, a2._id] });
      expect(ok.statusCode).toBe(200);
      const alerts = await query(analyst, [{ _name: 'getCase', idOrName: c._id }, { _name: 'alerts' }, { _name: 'sort', _fields: [{ sourceRef: 'asc' }] }]);
      expect(alerts.map((x: { _id: string }) => x._id).sort()).toEqual([a1._id, a2._id].sort());
      expect((await post(analyst, '/api/v1/alert/merge/_bulk', { caseId: '~999999', alertIds: [a1._id] })).json().errors[0].field).toBe('caseId');
    });

    it('a closed case stays closed: a merge into it opens a new case that follows it, and both timelines say so', async () => {
      const closed = (await post(analyst, '/api/v1/case', { title: 'done', description: 'investigated', tags: ['ssh'] })).json();
      expect((await patch(analyst, `/api/v1/case/${closed._id}`, { status: 'TruePositive' })).statusCode).toBeLessThan(300);
      const a = (await post(analyst, '/api/v1/alert', alertBody({ observables: [{ dataType: 'ip', data: '192.0.2.201' }] }))).json();
      const merged = await post(analyst, `/api/v1/alert/${a._id}/merge/${closed._id}`);
      expect(merged.statusCode).toBe(200);
      const next = merged.json();
      expect(next._id).not.toBe(closed._id);
      expect(next).toMatchObject({ title: 'done', status: 'New', tags: ['ssh'] });
      expect(next.description).toMatch(new RegExp(`^Follows case #${closed.number}, closed as TruePositive`));
      expect((await get(analyst, `/api/v1/alert/${a._id}`)).json().caseId).toBe(next._id);
      const still = (await get(analyst, `/api/v1/case/${closed._id}`)).json();
      expect(still).toMatchObject({ status: 'TruePositive', stage: 'Closed' });
      const told = (await get(analyst, `/api/v1/case/${closed._id}/timeline`)).json().events.map((e: { kind: string; details: { message: string } }) => `${e.kind}: ${e.details.message}`);
      expect(told.at(-1)).toBe(`case.followed: Alerts merged after the case was closed (TruePositive) went to new case #${next.number}; this case stays closed`);
      const follows = (await get(analyst, `/api/v1/case/${next._id}/timeline`)).json().events.map((e: { kind: string }) => e.kind);
      expect(follows).toContain('case.follows');
      // Bulk merge too.
      const b = (await post(analyst, '/api/v1/alert', alertBody())).json();
      const bulk = await post(analyst, '/api/v1/alert/merge/_bulk', { caseId: closed._id, alertIds: [b._id] });
      expect(bulk.statusCode).toBe(200);
      expect(bulk.json()._id).not.toBe(closed._id);
      expect((await get(analyst, `/api/v1/case/${closed._id}`)).json().status).toBe('TruePositive');
    });

    it('detaches an alert from its case', async () => {
      const a = (await post(analyst, '/api/v1/alert', alertBody())).json();
      const c = (await post(analyst, `/api/v1/alert/${a._id}/case`, {})).json();
      expect((await del(analyst, `/api/v1/case/${c._id}/alert/${a._id}`)).statusCode).toBe(204);
      const after = (await get(analyst, `/api/v1/alert/${a._id}`)).json();
      expect(after.caseId).toBeUndefined();
      expect(after.status).toBe('New');
      expect((await del(analyst, `/api/v1/case/${c._id}/alert/${a._id}`)).statusCode).toBe(404);
      const events = (await get(analyst, `/api/v1/case/${c._id}/timeline`)).json().events;
      expect(events.at(-1)).toMatchObject({ kind: 'alert.detached', entity: 'Alert', entityId: a._id, details: { actor: 'alice' } });
    });
  });

  describe('cases, tasks, logs, comments, procedures', () => {
    it('creates, reads by id or number, updates, closes and reopens cases', async () => {
      const c = (await post(analyst, '/api/v1/case', { title: 'c', description: 'd', severity: 1, tags: ['x'], assignee: 'alice', customFields: { ticket: 'INC-1' }, status: 'InProgress' })).json();
      expect(c).toMatchObject({ severity: 1, severityLabel: 'LOW', status: 'InProgress', stage: 'InProgress', assignee: 'alice', inProgressDate: expect.any(Number), customFields: [{ name: 'ticket', value: 'INC-1' }] });
      expect((await get(analyst, `/api/v1/case/${c.number}`)).json()._id).toBe(c._id);
      expect((await patch(analyst, `/api/v1/case/${c._id}`, { severity: 4, removeTags: ['x'], addTags: ['y'] })).statusCode).toBe(204);
      expect((await patch(analyst, `/api/v1/case/${c._id}`, { status: 'FalsePositive', impactStatus: 'NoImpact', summary: 'benign' })).statusCode).toBe(204);
      const closed = (await get(analyst, `/api/v1/case/${c._id}`)).json();
      expect(closed).toMatchObject({ severity: 4, tags: ['y'], status: 'FalsePositive', stage: 'Closed', impactStatus: 'NoImpact', summary: 'benign', endDate: expect.any(Number), timeToResolve: expect.any(Number) });
      await patch(analyst, `/api/v1/case/${c._id}`, { status: 'InProgress' });
      const reopened = (await get(analyst, `/api/v1/case/${c._id}`)).json();
      expect(reopened.endDate).toBeUndefined();
      expect(reopened.impactStatus).toBeUndefined();
      const kinds = (await get(analyst, `/api/v1/case/${c._id}/timeline`)).json().events.map((e: { kind: string }) => e.kind);
      expect(kinds).toEqual(['case.opened', 'case.severity', 'case.updated', 'case.closed', 'case.reopened']);
      expect((await patch(analyst, '/api/v1/case/_bulk', { ids: [c._id], flag: true })).statusCode).toBe(204);
      expect((await get(analyst, `/api/v1/case/${c._id}`)).json().flag).toBe(true);
    });

    it('runs tasks and their logs', async () => {
      const c = (await post(analyst, '/api/v1/case', { title: 'tasks', description: 'd', tasks: [{ title: 'first' }] })).json();
      const t = (await post(analyst, `/api/v1/case/${c._id}/task`, { title: 'second', group: 'g', dueDate: 1_800_000_000_000, assignee: 'alice' })).json();
      expect(t).toMatchObject({ title: 'second', group: 'g', order: 1, dueDate: 1_800_000_000_000, assignee: 'alice', status: 'Waiting' });
      const log = (await post(analyst, `/api/v1/task/${t._id}/log`, { message: 'started looking' })).json();
      expect((await get(analyst, `/api/v1/task/${t._id}`)).json()).toMatchObject({ status: 'InProgress', startDate: expect.any(Number), extraData: { case: { _id: c._id, number: c.number } } });
      expect((await patch(analyst, `/api/v1/log/${log._id}`, { message: 'edited' })).statusCode).toBe(204);
      expect((await get(analyst, `/api/v1/log/${log._id}`)).json()).toMatchObject({ message: 'edited', owner: 'alice', _updatedBy: 'alice' });
      const logs = await query(analyst, [{ _name: 'getTask', idOrName: t._id }, { _name: 'logs' }]);
      expect(logs.map((l: { message: string }) => l.message)).toEqual(['edited']);
      expect((await patch(analyst, `/api/v1/task/${t._id}`, { status: 'Completed' })).statusCode).toBe(204);
      expect((await get(analyst, `/api/v1/task/${t._id}`)).json()).toMatchObject({ status: 'Completed', endDate: expect.any(Number) });
      const ids = (await query(analyst, [{ _name: 'getCase', idOrName: c._id }, { _name: 'tasks' }])).map((x: { _id: string }) => x._id);
      expect((await patch(analyst, '/api/v1/task/_bulk', { ids, flag: true })).statusCode).toBe(204);
      expect((await del(analyst, `/api/v1/log/${log._id}`)).statusCode).toBe(204);
      expect((await del(analyst, `/api/v1/task/${t._id}`)).statusCode).toBe(204);
      expect((await get(analyst, `/api/v1/task/${t._id}`)).statusCode).toBe(404);
      const left = await query(analyst, [{ _name: 'getCase', idOrName: c._id }, { _name: 'tasks' }]);
      expect(left.map((x: { title: string; flag: boolean }) => [x.title, x.flag])).toEqual([['first', true]]);
      expect((await get(analyst, `/api/v1/case/${c._id}/timeline`)).json().events.map((e: { kind: string }) => e.kind)).toEqual(['case.opened', 'task.created', 'task.created', 'task.log', 'task.status', 'task.updated', 'task.updated', 'task.deleted']);
    });

    it('edits and deletes comments, and manages procedures', async () => {
      const c = (await post(analyst, '/api/v1/case', { title: 'comments', description: 'd' })).json();
      const m = (await post(analyst, `/api/v1/case/${c._id}/comment`, { message: 'first' })).json();
      expect((await patch(analyst, `/api/v1/comment/${m._id}`, { message: 'fixed' })).statusCode).toBe(204);
      expect((await get(analyst, `/api/v1/comment/${m._id}`)).json()).toMatchObject({ message: 'fixed', isEdited: true });
      expect(await query(analyst, [{ _name: 'getCase', idOrName: c._id }, { _name: 'comments' }])).toHaveLength(1);
      expect((await del(analyst, `/api/v1/comment/${m._id}`)).statusCode).toBe(204);
      const p = await post(analyst, `/api/v1/case/${c._id}/procedure`, { patternId: 'T1566', tactic: 'initial-access', occurDate: 1_790_000_000_000, description: 'phish' });
      expect(p.statusCode).toBe(201);
      expect(p.json()).toMatchObject({ _type: 'Procedure', patternId: 'T1566', tactic: 'initial-access', tacticLabel: 'Initial Access', description: 'phish' });
      expect((await patch(analyst, `/api/v1/procedure/${p.json()._id}`, { description: 'spear phish' })).statusCode).toBe(204);
      expect((await get(analyst, `/api/v1/procedure/${p.json()._id}`)).json().description).toBe('spear phish');
      expect((await del(analyst, `/api/v1/procedure/${p.json()._id}`)).statusCode).toBe(204);
      expect(await query(analyst, [{ _name: 'getCase', idOrName: c._id }, { _name: 'procedures' }])).toEqual([]);
    });

    it('serves case templates', async () => {
      expect((await get(readOnly, '/api/v1/caseTemplate')).json().map((x: { name: string }) => x.name)).toEqual(['phishing']);
      expect((await get(readOnly, '/api/v1/caseTemplate/phishing')).json().tasks).toHaveLength(2);
      expect((await get(readOnly, '/api/v1/caseTemplate/none')).statusCode).toBe(404);
      const c = (await post(analyst, '/api/v1/case', { title: 'from template', description: '', caseTemplate: 'phishing', tasks: [{ title: 'extra' }] })).json();
      expect(c).toMatchObject({ title: '[Phishing] from template', severity: 3, caseTemplate: 'phishing' });
      expect((await query(analyst, [{ _name: 'getCase', idOrName: c._id }, { _name: 'tasks' }, { _name: 'count' }]))).toBe(3);
    });
  });

  describe('query', () => {
    let ids: string[] = [];
    beforeAll(async () => {
      ids = [];
      for (const [i, sev] of [1, 2, 3, 4].entries()) {
        const r = await post(analyst, '/api/v1/alert', { type: 'qtest', source: i % 2 ? 'odd' : 'even', sourceRef: `q-${i}`, title: `Query test ${i} ${i === 2 ? 'Mimikatz' : 'other'}`, description: 'q', severity: sev, tags: i === 3 ? ['special'] : [], date: 1_790_000_000_000 + i * 1000, customFields: { rank: i } });
        ids.push(r.json()._id);
      }
    });
    const q = (filter: unknown, extra: unknown[] = []) => query(analyst, [{ _name: 'listAlert' }, { _name: 'filter', _and: [{ _eq: { _field: 'type', _value: 'qtest' } }, filter] }, ...extra]);
    const refs = (r: Array<{ sourceRef: string }>) => r.map((x) => x.sourceRef).sort();

    it('filters with TheHive operators and field names', async () => {
      expect(refs(await q({ _gt: { _field: 'severity', _value: 2 } }))).toEqual(['q-2', 'q-3']);
      expect(refs(await q({ _gte: { _field: 'severity', _value: 'HIGH' } }))).toEqual(['q-2', 'q-3']);
      expect(refs(await q({ _lt: { severity: 2 } }))).toEqual(['q-0']);
      expect(refs(await q({ _lte: { _field: 'date', _value: 1_790_000_001_000 } }))).toEqual(['q-0', 'q-1']);
      expect(refs(await q({ _between: { _field: 'date', _from: 1_790_000_001_000, _to: 1_790_000_003_000 } }))).toEqual(['q-1', 'q-2']);
      expect(refs(await q({ _or: [{ _eq: { _field: 'source', _value: 'odd' } }, { _like: { _field: 'title', _value: 'mimikatz' } }] }))).toEqual(['q-1', 'q-2', 'q-3']);
      expect(refs(await q({ _not: { _eq: { _field: 'source', _value: 'odd' } } }))).toEqual(['q-0', 'q-2']);
      expect(refs(await q({ _in: { _field: 'sourceRef', _values: ['q-0', 'q-3', 'nope'] } }))).toEqual(['q-0', 'q-3']);
      expect(refs(await q({ _like: { _field: 'title', _value: 'Query*1*' } }))).toEqual(['q-1']);
      expect(refs(await q({ _startsWith: { _field: 'sourceRef', _value: 'q-3' } }))).toEqual(['q-3']);
      expect(refs(await q({ _eq: { _field: 'tags', _value: 'special' } }))).toEqual(['q-3']);
      expect(refs(await q({ _ne: { _field: 'severityLabel', _value: 'LOW' } }))).toEqual(['q-1', 'q-2', 'q-3']);
      expect(refs(await q({ _field: 'status', _value: 'New' }))).toEqual(['q-0', 'q-1', 'q-2', 'q-3']);
      expect(refs(await q({ _gt: { _field: 'customFields.rank', _value: 1 } }))).toEqual(['q-2', 'q-3']);
      expect(refs(await q({ _id: ids[2] }))).toEqual(['q-2']);
      expect(refs(await q({ _has: 'caseId' }))).toEqual([]);
    });

    it('sorts, pages, counts and leaves out fields', async () => {
      const sorted = await q({ _any: null }, [{ _name: 'sort', _fields: [{ severity: 'desc' }] }, { _name: 'page', from: 1, to: 3 }]);
      expect(sorted.map((x: { sourceRef: string }) => x.sourceRef)).toEqual(['q-2', 'q-1']);
      expect(await q({ _any: null }, [{ _name: 'count' }])).toBe(4);
      const slim = await query(analyst, [{ _name: 'getAlert', idOrName: ids[0] }], { excludeFields: ['description', 'customFields'] });
      expect(slim[0].description).toBeUndefined();
      expect(slim[0].title).toBe('Query test 0 other');
    });

    it('explains what is wrong with a query', async () => {
      const bad = async (body: unknown) => (await post(analyst, '/api/v1/query', body)).json();
      expect(await bad({})).toMatchObject({ type: 'AttributeCheckingError', errors: [{ field: 'query' }] });
      expect((await bad({ query: [{ _name: 'listBananas' }] })).errors[0].field).toBe('query.0._name');
      expect((await bad({ query: [{ _name: 'listAlert' }, { _name: 'filter', _eq: { _field: 'nope', _value: 1 } }] })).errors[0].reason).toMatch(/^unknown field "nope" for alerts/);
      expect((await bad({ query: [{ _name: 'listAlert' }, { _name: 'filter', _gt: { _field: 'severity', _value: 'very' } }] })).errors[0].reason).toBe('severity takes a number, not "very"');
      expect((await bad({ query: [{ _name: 'listAlert' }, { _name: 'tasks' }] })).errors[0].reason).toMatch(/does not follow alerts/);
      expect((await post(analyst, '/api/v1/query', { query: [{ _name: 'getCase', idOrName: '~999999' }] })).statusCode).toBe(404);
      let deep: unknown = { _eq: { _field: 'title', _value: 'x' } };
      for (let i = 0; i < 40; i++) deep = { _not: deep };
      expect((await bad({ query: [{ _name: 'listAlert' }, { _name: 'filter', ...(deep as object) }] })).errors[0].reason).toBe('nested too deeply');
    });
  });

  describe('the pipeline\'s cases', () => {
    it('are visible through the API, with their alerts, observables, procedures and related cases', async () => {
      const key = await h.key('analyst', 'default', 'carol');
      // Two bursts three hours apart from one address: two cases sharing an observable.
      await h.app.ingest([
        { file: 't', line: 1, record: wazuh('1795200000.1', { at: '2026-11-20T09:00:00.000+0000' }) },
        { file: 't', line: 2, record: wazuh('1795200000.2', { at: '2026-11-20T09:05:00.000+0000' }) },
        { file: 't', line: 3, record: wazuh('1795200000.3', { at: '2026-11-20T12:30:00.000+0000' }) },
      ]);
      const cases = await query(key, [{ _name: 'listCase' }, { _name: 'sort', _fields: [{ number: 'asc' }] }, { _name: 'page', from: 0, to: 10, extraData: ['alertCount', 'observableStats'] }]);
      expect(cases).toHaveLength(2);
      expect(cases[0]).toMatchObject({ _type: 'Case', _createdBy: 'vigil', status: 'New', severityLabel: expect.any(String), description: expect.stringContaining('2 alerts grouped by Vigil'), extraData: { alertCount: 2, observableStats: { total: expect.any(Number) } } });
      const alerts = await query(key, [{ _name: 'getCase', idOrName: cases[0]._id }, { _name: 'alerts' }]);
      expect(alerts.map((a: { type: string; source: string; status: string; caseId: string }) => [a.type, a.source, a.status, a.caseId])).toEqual([['vigil', 'wazuh', 'Imported', cases[0]._id], ['vigil', 'wazuh', 'Imported', cases[0]._id]]);
      expect(alerts[0].tags).toEqual(expect.arrayContaining(['sshd', 'authentication_failures']));
      const obs = await query(key, [{ _name: 'getCase', idOrName: cases[0]._id }, { _name: 'observables' }, { _name: 'filter', _eq: { _field: 'dataType', _value: 'ip' } }]);
      const attacker = obs.find((o: { data: string }) => o.data === '185.220.101.47');
      expect(attacker).toMatchObject({ dataType: 'ip', tags: ['role:src'], extraData: { relatedCases: [{ _id: cases[1]._id, number: cases[1].number }] } });
      const procs = await query(key, [{ _name: 'getCase', idOrName: cases[0]._id }, { _name: 'procedures' }]);
      expect(procs).toEqual([expect.objectContaining({ patternId: 'T1110', patternName: 'Brute Force', tactic: 'credential-access' })]);
      expect((await get(key, `/api/v1/case/${cases[1]._id}`)).json().extraData.relatedCases).toEqual([{ _id: cases[0]._id, number: cases[0].number, title: cases[0].title, sharedObservables: expect.any(Number) }]);
      // Another organisation sees none of it.
      expect(await query(analyst, [{ _name: 'listCase' }, { _name: 'filter', _in: { _field: '_id', _values: cases.map((c: { _id: string }) => c._id) } }])).toEqual([]);
      // A closed pipeline case takes no more alerts: the next one opens a new case.
      await patch(key, `/api/v1/case/${cases[1]._id}`, { status: 'TruePositive' });
      await h.app.ingest([{ file: 't', line: 4, record: wazuh('1795200000.4', { at: '2026-11-20T12:40:00.000+0000' }) }]);
      expect(await query(key, [{ _name: 'listCase' }, { _name: 'count' }])).toBe(3);
      // A pipeline alert keeps its identity.
      const bad = await patch(key, `/api/v1/alert/${alerts[0]._id}`, { sourceRef: 'other' });
      expect(bad.json().errors[0]).toEqual({ field: 'sourceRef', reason: 'set by the pipeline (it identifies the wazuh alert) and cannot be changed' });
    });
  });
});

describe('TheHive API with groupAlerts', () => {
  let h: TestHive;
  beforeAll(async () => {
    h = await startTestHive({ config: { thehive: { groupAlerts: true, prefix: '/hive' }, cases: { groupBy: ['observable'] } } });
  });
  afterAll(async () => h?.close());

  it('sends alerts of the default organisation through the pipeline, into cases', async () => {
    const key = await h.key('analyst');
    const mk = (ref: string) => h.call(key, 'POST', '/api/v1/alert', { type: 'edr', source: 'crowd', sourceRef: ref, title: `Beacon ${ref}`, description: 'd', severity: 3, observables: [{ dataType: 'ip', data: '185.220.101.50', tlp: 3 }] });
    const a = await mk('x1');
    expect(a.statusCode).toBe(201);
    expect(a.json()).toMatchObject({ status: 'Imported', caseId: expect.stringMatching(/^~\d+$/), type: 'edr', observableCount: 1 });
    const b = (await mk('x2')).json();
    expect(b.caseId).toBe(a.json().caseId);
    expect((await mk('x1')).json().type).toBe('CreateError');
    const obs = (await h.call(key, 'POST', '/api/v1/query', { query: [{ _name: 'getCase', idOrName: a.json().caseId }, { _name: 'observables' }] })).json();
    expect(obs).toEqual([expect.objectContaining({ dataType: 'ip', data: '185.220.101.50', tlp: 3 })]);
    // Other organisations' alerts wait to be promoted.
    const other = await h.key('analyst', 'acme');
    const o = (await h.call(other, 'POST', '/api/v1/alert', { type: 'edr', source: 'crowd', sourceRef: 'x1', title: 't', description: 'd' })).json();
    expect(o.status).toBe('New');
    expect(o.caseId).toBeUndefined();
  });
});

describe('TheHive API with cases.mergeIntoClosed: refuse', () => {
  it('refuses a merge into a closed case, naming it and what to do instead; the case and the alert stay as they were', async () => {
    const h = await startTestHive({ config: { cases: { mergeIntoClosed: 'refuse' } } });
    try {
      const key = await h.key('analyst', 'acme', 'alice');
      const c = (await h.call(key, 'POST', '/api/v1/case', { title: 'done', description: 'd' })).json();
      await h.call(key, 'PATCH', `/api/v1/case/${c._id}`, { status: 'FalsePositive' });
      const a = (await h.call(key, 'POST', '/api/v1/alert', { type: 'x', source: 'siem', sourceRef: 'closed-1', title: 't', description: 'd' })).json();
      const r = await h.call(key, 'POST', `/api/v1/alert/${a._id}/merge/${c._id}`);
      expect(r.statusCode).toBe(400);
      expect(r.json().message).toBe(`case #${c.number} is closed (FalsePositive): a merge would change a closed investigation; reopen it first, or promote the alerts to a new case (cases.mergeIntoClosed: new does that)`);
      expect((await h.call(key, 'GET', `/api/v1/alert/${a._id}`)).json().caseId).toBeUndefined();
      expect((await h.call(key, 'POST', '/api/v1/alert/merge/_bulk', { caseId: c._id, alertIds: [a._id] })).statusCode).toBe(400);
    } finally {
      await h.close();
    }
  });
});
