// The response ledger end to end, on the bundled samples: the demo run twice into one store, with
// blocks enforced through a (local, fake) firewall API. One address gets one firewall rule however
// many cases want it, one machine one containment; the other cases are recorded as holders.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { buildServer } from '../../src/api/server.js';
import { rows } from '../../src/api/routes/common.js';
import { loadConfig, PACKAGE_ROOT } from '../../src/config.js';
import { silentLogger } from '../../src/core/log.js';
import { json, serve, type FakeServer } from '../../src/playbooks/actions/fake-servers.js';
import { createPlaybookEngine } from '../../src/playbooks/setup.js';
import { freshPostgresUrl, requirePostgresInCi } from '../helpers/store.js';

requirePostgresInCi();

const stores = [
  { name: 'pglite', url: async () => ({ url: undefined as string | undefined, drop: async () => {} }) },
  ...(process.env.VIGIL_TEST_DATABASE_URL ? [{ name: 'postgres', url: freshPostgresUrl }] : []),
];

describe.each(stores)('the demo samples twice into one store, blocks enforced ($name)', (backend) => {
  let dir: string;
  let app: App;
  let fw: FakeServer;
  let server: FastifyInstance;
  let key: string;
  let dropDb: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-response-'));
    fw = await serve((req, res) => json(res, req.method === 'POST' ? 201 : 200, req.method === 'POST' ? { id: `rule-${fw.seen.length}` } : {}));
    const db = await backend.url();
    dropDb = db.drop;
    const { config } = loadConfig({ file: join(PACKAGE_ROOT, 'samples/vigil.yaml'), env: {} });
    config.dataDir = 'memory://';
    config.out = join(dir, 'out');
    if (db.url) config.database.url = db.url;
    config.playbooks.dryRun = false;
    config.playbooks.actions = { 'block-ip': { adapter: 'http', http: { url: `${fw.url}/v1/blocks` } } };
    app = await App.build(config, { log: silentLogger });
    const inputs = [join(PACKAGE_ROOT, 'samples/alerts'), join(PACKAGE_ROOT, 'samples/events')];
    await app.run(inputs);
    // Every containment waiting for approval is approved, then the samples go in again.
    const engine = createPlaybookEngine(app);
    for (const r of await rows<{ id: string }>(app.repo.db, sql`select id from playbook_runs where status = 'waiting_approval' order by id`)) await engine.decide(r.id, { approve: true, by: 'test' });
    await app.run(inputs);
    for (const r of await rows<{ id: string }>(app.repo.db, sql`select id from playbook_runs where status = 'waiting_approval' order by id`)) await engine.decide(r.id, { approve: true, by: 'test' });
    server = await buildServer(app);
    key = (await app.keys.create({ name: 'analyst', role: 'admin' })).key;
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    await app?.close();
    await fw?.close();
    await dropDb?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends one firewall rule per address and contains each machine once; later cases are recorded as holders', async () => {
    const posted = fw.seen.filter((s) => s.method === 'POST').map((s) => (JSON.parse(s.body) as { address: string }).address);
    expect(posted.length).toBeGreaterThan(0);
    expect(posted.filter((a, i) => posted.indexOf(a) !== i)).toEqual([]);
    // Every action record that changed (or would change) something, per canonical target: at most one.
    const acted = await rows<{ action: string; target: string; n: number }>(
      app.repo.db,
      sql`select e.kind as action, e.target, count(*)::int as n from actions a join response_effects e on a.details->>'effect' = e.id where a.status in ('executed', 'simulated') and a.action in ('block-ip', 'isolate-host') group by e.kind, e.target having count(*) > 1`,
    );
    expect(acted).toEqual([]);
    const effects = await rows<{ kind: string; target: string }>(app.repo.db, sql`select kind, target from response_effects`);
    expect(new Set(effects.map((e) => `${e.kind} ${e.target}`)).size).toBe(effects.length);
    expect(effects.some((e) => e.kind === 'isolate-host')).toBe(true);
    // 193.35.18.61 is in two cases of the samples: the second joined the first's block.
    const shared = await rows<{ target: string; holders: number }>(app.repo.db, sql`select e.target, count(h.case_id)::int as holders from response_effects e join response_holders h on h.effect_id = e.id where e.kind = 'block-ip' group by e.target having count(h.case_id) > 1`);
    expect(shared.map((r) => r.target)).toContain('193.35.18.61');
    const joined = await rows<{ reason: string }>(app.repo.db, sql`select reason from actions where status = 'joined' and target = '193.35.18.61'`);
    expect(joined.length).toBeGreaterThan(0);
    expect(joined[0]!.reason).toMatch(/^193\.35\.18\.61: already in place since .* for case #\d+; this case holds it too, until .*\. No new block-ip command was sent\.$/);
  });

  it('/api/response lists the effects with their holders; a case closed as a false positive lets go, and the last one lifts the block once', async () => {
    const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => server.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload !== undefined && { payload: payload as object }) });
    const list = await call('GET', '/api/response?kind=block-ip&state=active');
    expect(list.statusCode).toBe(200);
    const effect = (list.json() as { effects: Array<{ id: string; target: string; holders: Array<{ caseNumber: number; first: boolean }> }> }).effects.find((e) => e.target === '193.35.18.61')!;
    expect(effect.holders.length).toBeGreaterThan(1);
    expect(effect.holders.filter((h) => h.first)).toHaveLength(1);
    const byCase = await call('GET', `/api/response?case=${effect.holders[1]!.caseNumber}`);
    expect((byCase.json() as { effects: Array<{ id: string }> }).effects.map((e) => e.id)).toContain(effect.id);
    expect((await call('GET', '/api/response/193.35.18.61')).json()).toMatchObject({ id: effect.id, kind: 'block-ip', state: 'active' });

    const deletes = () => fw.seen.filter((s) => s.method === 'DELETE').length;
    const before = deletes();
    // All but the last holder closed as false positives: the block stays.
    for (const h of effect.holders.slice(0, -1)) expect((await call('PATCH', `/api/cases/${h.caseNumber}`, { status: 'FalsePositive' })).statusCode).toBe(200);
    expect((await call('GET', `/api/response/${effect.id}`)).json()).toMatchObject({ state: 'active' });
    expect(deletes()).toBe(before);
    // The last one: nobody holds it any more; it is lifted at once, with one DELETE.
    const last = effect.holders.at(-1)!;
    expect((await call('PATCH', `/api/cases/${last.caseNumber}`, { status: 'FalsePositive' })).statusCode).toBe(200);
    const after = (await call('GET', `/api/response/${effect.id}`)).json() as { state: string; releaseReason: string };
    expect(after.state).toBe('released');
    expect(after.releaseReason).toMatch(/closed as FalsePositive by analyst/);
    expect(deletes()).toBe(before + 1);
    // Releasing it again is refused with the reason.
    const again = await call('POST', `/api/response/${effect.id}/release`, { reason: 'again' });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('only an active effect can be released');
  });

  it('POST /api/response/:id/release lifts a containment for every holder now', async () => {
    const call = (method: 'GET' | 'POST', url: string, payload?: unknown) => server.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload !== undefined && { payload: payload as object }) });
    const list = (await call('GET', '/api/response?kind=isolate-host&state=active')).json() as { effects: Array<{ id: string; target: string }> };
    const c = list.effects[0]!;
    const r = await call('POST', `/api/response/${c.id}/release`, { reason: 'reimaged' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ state: 'released', releaseReason: 'released by api:analyst: reimaged' });
    const undo = await rows<{ action: string; status: string }>(app.repo.db, sql`select action, status from actions where action = 'release-host' and details->>'effect' = ${c.id}`);
    expect(undo.length).toBeGreaterThan(0);
    expect(undo.every((u) => u.status === 'simulated')).toBe(true);
  });
});
