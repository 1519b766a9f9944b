// Replays the request sequence TheHive4py 2.0.3 sends for a typical script (create an alert with
// observables, add one, promote it, create a case with tasks, add an observable, a task, a task log
// and a comment, close the case, find the alert by sourceRef, read the case back) and checks each
// answer has what TheHive4py and the scripts using it read. The ids in the recording are TheHive's;
// each is swapped for the id Vigil gave the entity it stands for.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHive, type TestHive } from './testing.js';
import { sharedData } from '../../../test/helpers/shared-data.js';

interface Recorded {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  body: string;
}

const OWN = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures/thehive4py-requests.jsonl');
// The real recording, when the shared corpus is on this machine.
const SHARED = sharedData('clients/thehive4py_requests.jsonl');

function load(file: string): Recorded[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Recorded);
}

const ID = /^~\d+$/;
const MS = expect.any(Number);

/** Sends each request as recorded (its own body, headers and X-Organisation) with a Vigil key for that organisation. */
async function replay(h: TestHive, requests: Recorded[]): Promise<Array<{ req: Recorded; status: number; body: unknown }>> {
  const org = requests[0]!.headers['X-Organisation']!;
  const key = await h.key('analyst', org, 'thehive4py-script');
  const latest: Record<string, string> = {};
  const mapped = new Map<string, string>();
  const out: Array<{ req: Recorded; status: number; body: unknown }> = [];
  for (const req of requests) {
    // A recorded id stands for the latest entity of the kind its path segment names.
    const path = req.path.replace(/\/(alert|case|task|observable)\/(~\d+)/g, (_m, kind: string, id: string) => {
      if (!mapped.has(id)) mapped.set(id, latest[kind] ?? id);
      return `/${kind}/${mapped.get(id)}`;
    });
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['Host', 'Authorization', 'Content-Length', 'Connection', 'Accept-Encoding'].includes(k)));
    const res = await h.server.inject({ method: req.method, url: `/thehive${path}`, headers: { ...headers, authorization: `Bearer ${key}` }, ...(req.body && { payload: req.body }) });
    const body = res.body ? (JSON.parse(res.body) as unknown) : undefined;
    for (const item of Array.isArray(body) ? [] : [body]) {
      const o = item as { _id?: string; _type?: string } | undefined;
      if (res.statusCode === 201 && o?._id && o._type) latest[o._type.toLowerCase()] = o._id;
    }
    out.push({ req, status: res.statusCode, body });
  }
  return out;
}

function step(results: Awaited<ReturnType<typeof replay>>, method: string, path: RegExp): { status: number; body: any } {
  const r = results.find((x) => x.req.method === method && path.test(x.req.path.split('?')[0]!));
  if (!r) throw new Error(`no recorded ${method} ${path}`);
  return r as { status: number; body: any };
}

function checkSequence(results: Awaited<ReturnType<typeof replay>>, requests: Recorded[]): void {
  const sent = (method: string, path: RegExp) => JSON.parse(requests.find((r) => r.method === method && path.test(r.path.split('?')[0]!))!.body) as Record<string, any>;

  const alertIn = sent('POST', /^\/api\/v1\/alert$/);
  const alert = step(results, 'POST', /^\/api\/v1\/alert$/);
  expect(alert.status).toBe(201);
  expect(alert.body).toMatchObject({
    _id: expect.stringMatching(ID),
    _type: 'Alert',
    _createdBy: 'thehive4py-script',
    _createdAt: MS,
    type: alertIn.type,
    source: alertIn.source,
    sourceRef: alertIn.sourceRef,
    title: alertIn.title,
    description: alertIn.description,
    severity: alertIn.severity,
    severityLabel: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'][alertIn.severity - 1],
    date: MS,
    tags: alertIn.tags,
    tlp: 2,
    tlpLabel: 'AMBER',
    pap: 2,
    papLabel: 'AMBER',
    follow: true,
    observableCount: alertIn.observables.length,
    status: 'New',
    stage: 'New',
    extraData: {},
    newDate: MS,
    timeToDetect: expect.any(Number),
  });

  const obsIn = sent('POST', /^\/api\/v1\/alert\/~\d+\/observable$/);
  const obs = step(results, 'POST', /^\/api\/v1\/alert\/~\d+\/observable$/);
  expect(obs.status).toBe(201);
  expect(obs.body).toEqual([expect.objectContaining({ _id: expect.stringMatching(ID), _type: 'Observable', dataType: obsIn.dataType, data: obsIn.data, tlp: obsIn.tlp, ioc: false, sighted: false, reports: expect.any(Object), startDate: MS })]);

  const promoted = step(results, 'POST', /^\/api\/v1\/alert\/~\d+\/case$/);
  expect(promoted.status).toBe(201);
  expect(promoted.body).toMatchObject({ _id: expect.stringMatching(ID), _type: 'Case', number: expect.any(Number), title: alertIn.title, severity: alertIn.severity, status: 'New', stage: 'New', startDate: MS, tags: alertIn.tags });

  const caseIn = sent('POST', /^\/api\/v1\/case$/);
  const created = step(results, 'POST', /^\/api\/v1\/case$/);
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({
    _id: expect.stringMatching(ID),
    _type: 'Case',
    number: promoted.body.number + 1,
    title: caseIn.title,
    description: caseIn.description,
    severity: caseIn.severity,
    tlp: caseIn.tlp,
    pap: caseIn.pap,
    tags: caseIn.tags,
    flag: false,
    status: 'New',
    stage: 'New',
    access: expect.any(Object),
    extraData: {},
  });

  const caseObsIn = sent('POST', /^\/api\/v1\/case\/~\d+\/observable$/);
  const caseObs = step(results, 'POST', /^\/api\/v1\/case\/~\d+\/observable$/);
  expect(caseObs.status).toBe(201);
  expect(caseObs.body).toEqual([expect.objectContaining({ _type: 'Observable', dataType: caseObsIn.dataType, data: caseObsIn.data, ioc: caseObsIn.ioc ?? false })]);

  const taskIn = sent('POST', /^\/api\/v1\/case\/~\d+\/task$/);
  const task = step(results, 'POST', /^\/api\/v1\/case\/~\d+\/task$/);
  expect(task.status).toBe(201);
  expect(task.body).toMatchObject({ _id: expect.stringMatching(ID), _type: 'Task', title: taskIn.title, group: taskIn.group, status: 'Waiting', flag: false, order: expect.any(Number), extraData: {} });

  const logIn = sent('POST', /^\/api\/v1\/task\/~\d+\/log$/);
  const log = step(results, 'POST', /^\/api\/v1\/task\/~\d+\/log$/);
  expect(log.status).toBe(201);
  expect(log.body).toMatchObject({ _id: expect.stringMatching(ID), _type: 'Log', message: logIn.message, date: MS, owner: 'thehive4py-script', extraData: {} });

  const comment = step(results, 'POST', /^\/api\/v1\/case\/~\d+\/comment$/);
  expect(comment.status).toBe(201);
  expect(comment.body).toMatchObject({ _id: expect.stringMatching(ID), _type: 'Comment', createdBy: 'thehive4py-script', createdAt: MS, message: sent('POST', /^\/api\/v1\/case\/~\d+\/comment$/).message, isEdited: false });

  // TheHive4py's update() returns nothing; TheHive answers 204.
  expect(step(results, 'PATCH', /^\/api\/v1\/case\/~\d+$/).status).toBe(204);

  const found = step(results, 'POST', /^\/api\/v1\/query$/);
  expect(found.status).toBe(200);
  expect(found.body).toHaveLength(1);
  expect(found.body[0]).toMatchObject({ _id: alert.body._id, sourceRef: alertIn.sourceRef, caseId: promoted.body._id, status: 'Imported', stage: 'Imported', observableCount: alertIn.observables.length + 1 });

  const closeIn = sent('PATCH', /^\/api\/v1\/case\/~\d+$/);
  const got = step(results, 'GET', /^\/api\/v1\/case\/~\d+$/);
  expect(got.status).toBe(200);
  expect(got.body).toMatchObject({
    _id: created.body._id,
    number: created.body.number,
    status: closeIn.resolutionStatus ?? closeIn.status,
    stage: 'Closed',
    summary: closeIn.summary,
    impactStatus: closeIn.impactStatus ?? 'NotApplicable',
    endDate: MS,
    closedDate: MS,
    _updatedBy: 'thehive4py-script',
    _updatedAt: MS,
  });
}

describe('TheHive4py request sequence (own fixture)', () => {
  let h: TestHive;
  beforeAll(async () => {
    h = await startTestHive();
  });
  afterAll(async () => h?.close());

  it('answers each request with what TheHive4py parses', async () => {
    const requests = load(OWN);
    checkSequence(await replay(h, requests), requests);
  });

  it('records who did what on the closed case', async () => {
    const key = await h.key('read-only', 'soc-org');
    const cases = (await h.call(key, 'POST', '/api/v1/query', { query: [{ _name: 'listCase' }, { _name: 'filter', _eq: { _field: 'title', _value: 'Suspicious login from new country' } }] })).json();
    const events = (await h.call(key, 'GET', `/api/v1/case/${cases[0]._id}/timeline`)).json().events as Array<{ kind: string; details: { actor: string; message: string } }>;
    expect(events.map((e) => e.kind)).toEqual(['case.opened', 'task.created', 'task.created', 'observable.added', 'task.created', 'task.log', 'comment.added', 'case.closed']);
    expect(new Set(events.map((e) => e.details.actor))).toEqual(new Set(['thehive4py-script']));
    expect(events.at(-1)!.details.message).toBe('Status changed from New to TruePositive (impact: WithImpact): account compromise contained');
  });
});

describe.skipIf(!SHARED.present)(`TheHive4py request sequence (the shared recording)${SHARED.note}`, () => {
  let h: TestHive;
  beforeAll(async () => {
    h = await startTestHive();
  });
  afterAll(async () => h?.close());

  it('answers the recorded requests, TheHive 4 style close included', async () => {
    const requests = load(SHARED.path);
    const results = await replay(h, requests);
    checkSequence(results, requests);
    // `{"status": "Resolved", "resolutionStatus": "TruePositive"}` closes as TruePositive.
    expect(step(results, 'GET', /^\/api\/v1\/case\/~\d+$/).body).toMatchObject({ status: 'TruePositive', stage: 'Closed' });
  });
});
