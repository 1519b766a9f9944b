// Organisation isolation, checked on the whole route table: a second organisation's keys of every
// role call every route with the first organisation's identifiers, and nothing of the first may come
// back or change. A route added without a probe here fails the test, so new routes cannot skip it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { caseServiceFor } from '../../src/api/thehive/index.js';
import { routeTable } from '../../src/api/route-table.js';
import { buildServer } from '../../src/api/server.js';
import { rows } from '../../src/api/routes/common.js';
import { loadConfig, PACKAGE_ROOT } from '../../src/config.js';
import { silentLogger } from '../../src/core/log.js';

const ROLES = ['admin', 'analyst', 'read-only', 'ingest'] as const;
const TH = '/thehive/api/v1';

// A phishing message written for this test.
const EML = [
  'From: "Billing" <billing@paypa1-secure.example>',
  'To: carol@corp.example',
  'Subject: MARKER-DEFAULT-PHISH invoice',
  'Date: Wed, 15 May 2024 03:41:05 +0000',
  'Message-ID: <tenancy-1@paypa1-secure.example>',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Verify your password at http://paypa1.com.login-verify.example/signin within 24 hours.',
  '',
].join('\r\n');

function multipart(name: string, filename: string, content: string, fields: Record<string, string> = {}): { payload: Buffer; headers: Record<string, string> } {
  const b = '----vigiltenancy';
  const parts = Object.entries(fields).map(([k, v]) => `--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  parts.push(`--${b}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n${content}\r\n--${b}--\r\n`);
  return { payload: Buffer.from(parts.join('')), headers: { 'content-type': `multipart/form-data; boundary=${b}` } };
}

interface Ids {
  caseNumber: number;
  hiveCase: string;
  hiveAlert: string;
  vigilAlert: string;
  task: string;
  log: string;
  comment: string;
  observable: string;
  procedure: string;
  run: string;
  effect: string;
  phish: string;
  ownAlert: string;
  ownCase: string;
}

/** A request to make; `json` and `multipart` are bodies. */
interface Probe {
  url: string;
  json?: unknown;
  form?: { payload: Buffer; headers: Record<string, string> };
}

/** Each route (method + pattern) and the requests that try to reach the first organisation through it. */
function probes(d: Ids): Record<string, Probe[]> {
  const ids = (...xs: string[]) => ({ ids: xs });
  return {
    'GET /api/cases': [{ url: '/api/cases?limit=500' }],
    'GET /api/cases/:number': [{ url: `/api/cases/${d.caseNumber}` }],
    'GET /api/cases/:number/report.html': [{ url: `/api/cases/${d.caseNumber}/report.html` }],
    'GET /api/cases/:number/report.md': [{ url: `/api/cases/${d.caseNumber}/report.md` }],
    'GET /api/cases/search': [{ url: '/api/cases/search?limit=500' }, { url: `/api/cases/search?q=%23${d.caseNumber}` }],
    'PATCH /api/cases/:number': [{ url: `/api/cases/${d.caseNumber}`, json: { status: 'FalsePositive', reason: 'x' } }],
    'PATCH /api/cases/:number/tasks/:taskId': [{ url: `/api/cases/${d.caseNumber}/tasks/${d.task}`, json: { status: 'Completed' } }],
    'GET /api/cases/:number/tasks/:taskId/logs': [{ url: `/api/cases/${d.caseNumber}/tasks/${d.task}/logs` }],
    'POST /api/cases/:number/tasks/:taskId/logs': [{ url: `/api/cases/${d.caseNumber}/tasks/${d.task}/logs`, json: { message: 'sneaky' } }],
    'GET /api/cases/:number/comments': [{ url: `/api/cases/${d.caseNumber}/comments` }],
    'POST /api/cases/:number/comments': [{ url: `/api/cases/${d.caseNumber}/comments`, json: { message: 'sneaky' } }],
    'GET /api/cases/:number/playbooks': [{ url: `/api/cases/${d.caseNumber}/playbooks` }],
    'GET /api/cases/:number/alerts': [{ url: `/api/cases/${d.caseNumber}/alerts` }],
    'GET /api/cases/:number/alerts/by-rule': [{ url: `/api/cases/${d.caseNumber}/alerts/by-rule` }],
    'GET /api/cases/:number/observables': [{ url: `/api/cases/${d.caseNumber}/observables` }],
    'GET /api/cases/:number/timeline': [{ url: `/api/cases/${d.caseNumber}/timeline` }],
    'GET /api/alerts': [{ url: '/api/alerts?limit=500' }, { url: `/api/alerts?case=${d.caseNumber}` }],
    'GET /api/alerts/:id': [{ url: `/api/alerts/${d.vigilAlert}` }],
    'GET /api/observables': [{ url: '/api/observables?limit=500' }],
    'GET /api/stats': [{ url: '/api/stats' }],
    'GET /metrics': [{ url: '/metrics' }],
    'GET /api/sources': [{ url: '/api/sources' }],
    'GET /api/dlq': [{ url: '/api/dlq' }],
    'GET /api/session': [{ url: '/api/session' }],
    'POST /api/enrich': [{ url: '/api/enrich', json: { observables: ['198.51.100.23'] } }],
    'GET /api/iocs/search': [{ url: '/api/iocs/search?q=paypa1' }],
    'GET /api/feeds': [{ url: '/api/feeds' }],
    'POST /api/feeds/import': [{ url: '/api/feeds/import', form: multipart('file', 'poison.txt', '0.0.0.0/0\n198.51.100.0/24\n', { format: 'plain' }) }],
    'POST /api/phish': [{ url: '/api/phish', form: multipart('file', 'x.eml', EML, { enrich: 'false', case: 'true' }) }],
    'GET /api/phish/:id': [{ url: `/api/phish/${d.phish}` }],
    'GET /api/phish/:id/report.html': [{ url: `/api/phish/${d.phish}/report.html` }],
    'GET /api/playbooks': [{ url: '/api/playbooks' }],
    'GET /api/playbooks/runs': [{ url: '/api/playbooks/runs?limit=500' }, { url: '/api/playbooks/runs?status=waiting_approval' }, { url: `/api/playbooks/runs?case=${d.caseNumber}` }],
    'GET /api/playbooks/runs/:id': [{ url: `/api/playbooks/runs/${d.run}` }, { url: `/api/playbooks/runs/${d.run.slice(0, 10)}` }],
    'POST /api/playbooks/runs/:id/approve': [{ url: `/api/playbooks/runs/${d.run}/approve`, json: { reason: 'sure' } }],
    'POST /api/playbooks/runs/:id/reject': [{ url: `/api/playbooks/runs/${d.run}/reject`, json: { reason: 'no' } }],
    'GET /api/response': [{ url: '/api/response?limit=500' }, { url: `/api/response?case=${d.caseNumber}` }],
    'GET /api/response/:id': [{ url: `/api/response/${d.effect}` }],
    'POST /api/response/:id/release': [{ url: `/api/response/${d.effect}/release`, json: { reason: 'sneaky' } }],
    'POST /api/ingest/wazuh': [{ url: '/api/ingest/wazuh', json: { id: '1799999999.1', timestamp: '2026-01-01T00:00:00Z', rule: { id: '5710', level: 10, description: 'MARKER-OTHER-INGEST' }, agent: { id: '001', name: 'web-01' } } }],
    'POST /api/ingest/wazuh/:key': [{ url: '/api/ingest/wazuh/vgl_placeholderplaceholder', json: { id: '1799999999.2', rule: { id: '5710', level: 10, description: 'x' }, agent: { id: '001', name: 'web-01' } } }],
    'POST /api/ingest/suricata': [{ url: '/api/ingest/suricata', json: { event_type: 'alert', timestamp: '2026-01-01T00:00:00Z', src_ip: '203.0.113.9', dest_ip: '10.0.0.5', alert: { signature_id: 1, signature: 'x', severity: 1 } } }],
    'POST /api/ingest/suricata/:key': [{ url: '/api/ingest/suricata/vgl_placeholderplaceholder', json: { event_type: 'alert', src_ip: '203.0.113.9', alert: { signature_id: 1, signature: 'x', severity: 1 } } }],
    'POST /api/ingest/events': [{ url: '/api/ingest/events', json: { EventID: 1, Image: 'C:\\x.exe' } }],
    // TheHive API.
    [`POST ${TH}/alert`]: [{ url: `${TH}/alert`, json: { type: 'external', source: 'other', sourceRef: 'other-probe-1', title: 'other org alert', description: 'x' } }],
    [`GET ${TH}/alert/:id`]: [{ url: `${TH}/alert/${d.hiveAlert}` }],
    [`PATCH ${TH}/alert/_bulk`]: [{ url: `${TH}/alert/_bulk`, json: { ...ids(d.hiveAlert), title: 'hijacked' } }, { url: `${TH}/alert/_bulk`, json: { ...ids(d.ownAlert, d.hiveAlert), title: 'hijacked' } }],
    [`PATCH ${TH}/alert/:id`]: [{ url: `${TH}/alert/${d.hiveAlert}`, json: { title: 'hijacked' } }],
    [`DELETE ${TH}/alert/:id`]: [{ url: `${TH}/alert/${d.hiveAlert}` }],
    [`POST ${TH}/alert/delete/_bulk`]: [{ url: `${TH}/alert/delete/_bulk`, json: ids(d.hiveAlert) }],
    [`POST ${TH}/alert/:id/follow`]: [{ url: `${TH}/alert/${d.hiveAlert}/follow` }],
    [`POST ${TH}/alert/:id/unfollow`]: [{ url: `${TH}/alert/${d.hiveAlert}/unfollow` }],
    [`POST ${TH}/alert/:id/case`]: [{ url: `${TH}/alert/${d.hiveAlert}/case`, json: {} }],
    [`POST ${TH}/alert/:id/merge/:caseId`]: [{ url: `${TH}/alert/${d.hiveAlert}/merge/${d.ownCase}` }, { url: `${TH}/alert/${d.ownAlert}/merge/${d.hiveCase}` }],
    [`POST ${TH}/alert/merge/_bulk`]: [{ url: `${TH}/alert/merge/_bulk`, json: { caseId: d.hiveCase, alertIds: [d.ownAlert] } }, { url: `${TH}/alert/merge/_bulk`, json: { caseId: d.ownCase, alertIds: [d.hiveAlert] } }],
    [`POST ${TH}/alert/:id/observable`]: [{ url: `${TH}/alert/${d.hiveAlert}/observable`, json: { dataType: 'ip', data: '198.51.100.99' } }],
    [`POST ${TH}/alert/:id/procedure`]: [{ url: `${TH}/alert/${d.hiveAlert}/procedure`, json: { patternId: 'T1566', tactic: 'initial-access', occurDate: 1_790_000_000_000 } }],
    [`POST ${TH}/alert/:id/comment`]: [{ url: `${TH}/alert/${d.hiveAlert}/comment`, json: { message: 'sneaky' } }],
    [`POST ${TH}/case`]: [{ url: `${TH}/case`, json: { title: 'other org case', description: 'x' } }],
    [`GET ${TH}/case/:id`]: [{ url: `${TH}/case/${d.hiveCase}` }, { url: `${TH}/case/${d.caseNumber}` }],
    [`PATCH ${TH}/case/_bulk`]: [{ url: `${TH}/case/_bulk`, json: { ...ids(d.hiveCase), title: 'hijacked' } }],
    [`PATCH ${TH}/case/:id`]: [{ url: `${TH}/case/${d.hiveCase}`, json: { title: 'hijacked' } }],
    [`DELETE ${TH}/case/:id`]: [{ url: `${TH}/case/${d.hiveCase}` }],
    [`POST ${TH}/case/:id/observable`]: [{ url: `${TH}/case/${d.hiveCase}/observable`, json: { dataType: 'ip', data: '198.51.100.98' } }],
    [`POST ${TH}/case/:id/task`]: [{ url: `${TH}/case/${d.hiveCase}/task`, json: { title: 'sneaky' } }],
    [`POST ${TH}/case/:id/comment`]: [{ url: `${TH}/case/${d.hiveCase}/comment`, json: { message: 'sneaky' } }],
    [`POST ${TH}/case/:id/procedure`]: [{ url: `${TH}/case/${d.hiveCase}/procedure`, json: { patternId: 'T1566', tactic: 'initial-access', occurDate: 1_790_000_000_000 } }],
    [`DELETE ${TH}/case/:id/alert/:alertId`]: [{ url: `${TH}/case/${d.hiveCase}/alert/${d.hiveAlert}` }],
    [`GET ${TH}/case/:id/timeline`]: [{ url: `${TH}/case/${d.hiveCase}/timeline` }],
    [`GET ${TH}/case/:id/links`]: [{ url: `${TH}/case/${d.hiveCase}/links` }],
    [`GET ${TH}/task/:id`]: [{ url: `${TH}/task/${d.task}` }],
    [`PATCH ${TH}/task/_bulk`]: [{ url: `${TH}/task/_bulk`, json: { ...ids(d.task), status: 'Cancel' } }],
    [`PATCH ${TH}/task/:id`]: [{ url: `${TH}/task/${d.task}`, json: { status: 'Cancel' } }],
    [`DELETE ${TH}/task/:id`]: [{ url: `${TH}/task/${d.task}` }],
    [`POST ${TH}/task/:id/log`]: [{ url: `${TH}/task/${d.task}/log`, json: { message: 'sneaky' } }],
    [`GET ${TH}/log/:id`]: [{ url: `${TH}/log/${d.log}` }],
    [`PATCH ${TH}/log/:id`]: [{ url: `${TH}/log/${d.log}`, json: { message: 'hijacked' } }],
    [`DELETE ${TH}/log/:id`]: [{ url: `${TH}/log/${d.log}` }],
    [`GET ${TH}/observable/:id`]: [{ url: `${TH}/observable/${d.observable}` }],
    [`PATCH ${TH}/observable/_bulk`]: [{ url: `${TH}/observable/_bulk`, json: { ...ids(d.observable), ioc: true } }],
    [`PATCH ${TH}/observable/:id`]: [{ url: `${TH}/observable/${d.observable}`, json: { ioc: true } }],
    [`DELETE ${TH}/observable/:id`]: [{ url: `${TH}/observable/${d.observable}` }],
    [`GET ${TH}/comment/:id`]: [{ url: `${TH}/comment/${d.comment}` }],
    [`PATCH ${TH}/comment/:id`]: [{ url: `${TH}/comment/${d.comment}`, json: { message: 'hijacked' } }],
    [`DELETE ${TH}/comment/:id`]: [{ url: `${TH}/comment/${d.comment}` }],
    [`GET ${TH}/procedure/:id`]: [{ url: `${TH}/procedure/${d.procedure}` }],
    [`PATCH ${TH}/procedure/:id`]: [{ url: `${TH}/procedure/${d.procedure}`, json: { description: 'hijacked' } }],
    [`DELETE ${TH}/procedure/:id`]: [{ url: `${TH}/procedure/${d.procedure}` }],
    [`POST ${TH}/query`]: ['listAlert', 'listCase', 'listObservable', 'listTask', 'listLog', 'listComment', 'listProcedure'].flatMap((name): Probe[] => [
      { url: `${TH}/query`, json: { query: [{ _name: name }] } },
    ]).concat([
      { url: `${TH}/query`, json: { query: [{ _name: 'getCase', idOrName: d.hiveCase }, { _name: 'alerts' }] } },
      { url: `${TH}/query`, json: { query: [{ _name: 'getAlert', idOrName: d.hiveAlert }] } },
      { url: `${TH}/query`, json: { query: [{ _name: 'listCase' }, { _name: 'count' }] } },
    ]),
    [`GET ${TH}/caseTemplate`]: [{ url: `${TH}/caseTemplate` }],
    [`GET ${TH}/caseTemplate/:name`]: [{ url: `${TH}/caseTemplate/phishing` }],
    [`GET ${TH}/user/current`]: [{ url: `${TH}/user/current` }],
    [`GET ${TH}/status`]: [{ url: `${TH}/status` }],
  };
}

/** Routes that answer the same to everyone and hold no organisation's data. */
const STATIC = new Set(['GET /api/openapi.json', 'GET /api/docs', 'GET /api/docs/*', 'GET *', 'GET /thehive/*', 'POST /thehive/*', 'PATCH /thehive/*', 'PUT /thehive/*', 'DELETE /thehive/*']);

describe('organisation isolation over the whole route table', () => {
  let app: App;
  let server: FastifyInstance;
  let dir: string;
  let d: Ids;
  let markers: string[];
  const other: Record<string, string> = {};
  let mine: string;

  const call = (key: string, method: string, p: Probe): Promise<LightMyRequestResponse> =>
    server.inject({
      method: method as 'GET',
      url: p.url.replace('vgl_placeholderplaceholder', key),
      headers: { authorization: `Bearer ${key}`, ...(p.json !== undefined && { 'content-type': 'application/json' }), ...p.form?.headers },
      ...(p.json !== undefined && { payload: JSON.stringify(p.json) }),
      ...(p.form && { payload: p.form.payload }),
    });

  /** The first organisation's rows, as they are: what must not change. */
  const snapshot = async (): Promise<string> => {
    const db = app.repo.db;
    const of = async (q: ReturnType<typeof sql>) => JSON.stringify(await rows(db, q));
    const inCases = sql`(select id from cases where org = 'default')`;
    const inAlerts = sql`(select id from alerts where org = 'default')`;
    return [
      await of(sql`select * from cases where org = 'default' order by id`),
      await of(sql`select id, title, case_id, hive_status, tags, flag, extra, updated_at from alerts where org = 'default' order by id`),
      await of(sql`select * from tasks where case_id in ${inCases} order by id`),
      await of(sql`select * from task_logs where case_id in ${inCases} order by id`),
      await of(sql`select * from comments where parent_id in ${inCases} or parent_id in ${inAlerts} order by id`),
      await of(sql`select * from artifacts where parent_id in ${inCases} or parent_id in ${inAlerts} order by id`),
      await of(sql`select * from procedures where parent_id in ${inCases} or parent_id in ${inAlerts} order by id`),
      await of(sql`select id, status, steps from playbook_runs order by id`),
      await of(sql`select id, status, decided_by from approvals order by id`),
      await of(sql`select id, status from actions order by id`),
      await of(sql`select id, state, expires_at from response_effects order by id`),
      await of(sql`select count(*) from feeds`),
      await of(sql`select count(*) from indicators`),
    ].join('\n');
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-tenancy-'));
    mkdirSync(join(dir, 'pb'));
    writeFileSync(
      join(dir, 'pb/contain.yaml'),
      `description: contain web servers after approval
trigger: {severity: LOW, on: [case.created], hosts: ["web-*"]}
steps:
  - id: isolate
    uses: isolate-host
    for_each: hosts
    approval: {message: "Isolate {{ join(targets) }}?"}
    with: {host: "{{ item }}"}
`,
    );
    const { config } = loadConfig({ env: {} });
    config.dataDir = 'memory://';
    config.out = join(dir, 'out');
    config.feeds = [{ path: join(PACKAGE_ROOT, 'samples/feeds'), format: 'auto' }];
    writeFileSync(
      join(dir, 'pb/block.yaml'),
      `description: block malicious sources (no approval)
trigger: {severity: LOW, on: [case.created]}
steps:
  - {id: block, uses: block-ip, for_each: observables, where: {type: [ipv4], verdict: [malicious]}, with: {address: "{{ item.value }}", ttl: 1h}}
`,
    );
    config.playbooks.dir = join(dir, 'pb');
    app = await App.build(config, { log: silentLogger });
    await app.run([join(PACKAGE_ROOT, 'samples/alerts/wazuh/alerts.json')]);
    server = await buildServer(app);
    mine = (await app.keys.create({ name: 'default-admin', role: 'admin' })).key;
    for (const role of ROLES) other[role] = (await app.keys.create({ name: `other-${role}`, role, org: 'other' })).key;

    const th = async (key: string, method: string, url: string, json?: unknown) => {
      const r = await call(key, method, { url: `${TH}${url}`, ...(json !== undefined && { json }) });
      expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
      return r.body ? (r.json() as Record<string, unknown>) : {};
    };
    // The first organisation's case work through TheHive's API, on a pipeline case.
    const [first] = await app.repo.listCases(1, 0, 'default');
    const hiveCase = String((await th(mine, 'GET', `/case/${first!.number}`))._id);
    const task = String((await th(mine, 'POST', `/case/${hiveCase}/task`, { title: 'MARKER-DEFAULT-TASK' }))._id);
    const log = String((await th(mine, 'POST', `/task/${task}/log`, { message: 'MARKER-DEFAULT-LOG' }))._id);
    const comment = String((await th(mine, 'POST', `/case/${hiveCase}/comment`, { message: 'MARKER-DEFAULT-COMMENT' }))._id);
    const obs = (await th(mine, 'POST', `/case/${hiveCase}/observable`, { dataType: 'other', data: 'MARKER-DEFAULT-OBSERVABLE' })) as unknown as Array<{ _id: string }>;
    const procedure = String((await th(mine, 'POST', `/case/${hiveCase}/procedure`, { patternId: 'T1059', tactic: 'execution', occurDate: 1_790_000_000_000, description: 'MARKER-DEFAULT-PROCEDURE' }))._id);
    const alert = String((await th(mine, 'POST', '/alert', { type: 'external', source: 'siem', sourceRef: 'MARKER-DEFAULT-REF', title: 'MARKER-DEFAULT-ALERT', description: 'x' }))._id);
    const ownAlert = String((await th(other.analyst!, 'POST', '/alert', { type: 'external', source: 'siem', sourceRef: 'other-1', title: 'other org alert', description: 'x' }))._id);
    const ownCase = String((await th(other.analyst!, 'POST', '/case', { title: 'other org case', description: 'x' }))._id);
    const phish = await call(mine, 'POST', { url: '/api/phish', form: multipart('file', 'invoice.eml', EML, { enrich: 'false' }) });
    expect(phish.statusCode).toBe(200);
    const [run] = await rows<{ id: string }>(app.repo.db, sql`select r.id from playbook_runs r join cases c on c.id = r.case_id where c.org = 'default' and r.status = 'waiting_approval' order by r.id limit 1`);
    const [vigilAlert] = await rows<{ id: string }>(app.repo.db, sql`select id from alerts where org = 'default' and case_id = ${first!.id} limit 1`);
    expect(run, 'the playbook paused for approval on a default case').toBeDefined();
    const [effect] = await rows<{ id: string }>(app.repo.db, sql`select id from response_effects order by id limit 1`);
    expect(effect, 'a block in the response ledger').toBeDefined();
    d = { caseNumber: first!.number, hiveCase, hiveAlert: alert, vigilAlert: vigilAlert!.id, task, log, comment, observable: obs[0]!._id, procedure, run: run!.id, effect: effect!.id, phish: (phish.json() as { id: string }).id, ownAlert, ownCase };

    // What must never reach the other organisation: ids and texts of the first one's records.
    const texts = await rows<{ v: string }>(
      app.repo.db,
      sql`select id as v from cases where org = 'default' union select title from cases where org = 'default' union select id from alerts where org = 'default'
        union select id from tasks where case_id in (select id from cases where org = 'default') union select id from playbook_runs union select id from approvals union select id from response_effects
        union select id from comments union select id from task_logs union select id from artifacts union select id from procedures`,
    );
    markers = [...new Set([...texts.map((r) => r.v), 'MARKER-DEFAULT-', d.phish])].filter((m) => m.length >= 8);
    expect(markers.length).toBeGreaterThan(20);
    await caseServiceFor(app).settled();
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await caseServiceFor(app).settled();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a probe for every route that needs a key', () => {
    const table = probes(d);
    const routes = routeTable(server).filter((r) => !r.public).map((r) => `${r.method} ${r.url}`);
    expect(routes.length).toBeGreaterThan(80);
    expect(routes.filter((r) => !table[r] && !STATIC.has(r))).toEqual([]);
    expect(Object.keys(table).filter((k) => !routes.includes(k))).toEqual([]);
  });

  it("lets no key of another organisation, of any role, read or change the first organisation's records", async () => {
    const before = await snapshot();
    const leaks: string[] = [];
    const table = probes(d);
    for (const [route, list] of Object.entries(table)) {
      const method = route.split(' ')[0]!;
      for (const p of list) {
        for (const role of ROLES) {
          const r = await call(other[role]!, method, p);
          expect(r.statusCode, `${role} ${method} ${p.url}`).toBeLessThan(500);
          // An error naming the id the caller sent tells nothing new; anything else of the first organisation does.
          const sent = p.url + JSON.stringify(p.json ?? '');
          const hit = markers.find((m) => r.body.includes(m) && !sent.includes(m));
          if (hit) leaks.push(`${role} ${method} ${p.url} → ${r.statusCode} shows ${hit}`);
          // A write aimed at the first organisation is refused, whatever the role.
          const ownWrite = /^POST (\/thehive\/api\/v1\/(alert|case|query)|\/api\/enrich)$/.test(`${method} ${p.url}`);
          if (method !== 'GET' && !ownWrite) expect([400, 403, 404], `${role} ${method} ${p.url}: ${r.body.slice(0, 200)}`).toContain(r.statusCode);
        }
      }
    }
    await new Promise((res) => setTimeout(res, 300));
    await caseServiceFor(app).settled();
    expect(leaks).toEqual([]);
    expect(await snapshot()).toBe(before);
  }, 180_000);

  it('the same requests reach the records with a key of the first organisation (the probes aim true)', async () => {
    const table = probes(d);
    // Reads only: they prove the identifiers are right without changing what the writes would meet.
    const missed: string[] = [];
    for (const [route, list] of Object.entries(table)) {
      if (!route.startsWith('GET ')) continue;
      for (const p of list) {
        const r = await call(mine, 'GET', p);
        if (r.statusCode !== 200 && !p.url.endsWith('/caseTemplate/phishing')) missed.push(`${p.url} → ${r.statusCode} ${r.body.slice(0, 120)}`);
      }
    }
    expect(missed).toEqual([]);
    const approve = await call(mine, 'POST', table['POST /api/playbooks/runs/:id/approve']![0]!);
    expect(approve.statusCode).toBe(200);
    expect(approve.json()).toMatchObject({ status: 'succeeded' });
  }, 120_000);
});
