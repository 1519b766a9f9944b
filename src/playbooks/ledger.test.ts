import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backends, requirePostgresInCi } from '../../test/helpers/store.js';
import { HostIdentities } from '../core/identity.js';
import { silentLogger } from '../core/log.js';
import type { CaseReport } from '../reports/model.js';
import type { StoreHandle } from '../store/db.js';
import { Repo } from '../store/repo.js';
import { actions, approvals, auditLog, cases, playbookRuns, responseEffects, responseHolders, tasks } from '../store/schema.js';
import { json, serve, type FakeServer } from './actions/fake-servers.js';
import { PlaybookEngine, type EngineDeps } from './engine.js';
import { createGuards } from './guards.js';
import { effectId, ResponseLedger } from './ledger.js';
import type { Playbook } from './schema.js';
import { PlaybookStore } from './store.js';
import { movableClock, pb, settings, TEST_ACTIONS } from './test-helpers.js';

requirePostgresInCi();

const ADDRESS = '193.35.18.61';

function report(id: string, number: number, over: { hosts?: string[] } = {}): CaseReport {
  return {
    generatedAt: '2025-03-14T10:00:00.000Z',
    case: { id, number, title: `case ${number}`, status: 'New', severity: 'HIGH', createdAt: '2025-03-14T09:00:00.000Z', updatedAt: '2025-03-14T09:00:00.000Z', summary: '', tags: [] },
    assessment: { severity: 'HIGH', score: 70, reasons: [] },
    timeline: [],
    alerts: (over.hosts ?? ['web-01']).map((host, i) => ({ id: `al_${id}_${i}`, source: 'wazuh', sourceRef: `${id}${i}`, time: '2025-03-14T09:00:00.000Z', title: 'C2 beacon', ruleId: '100', ruleLevel: 12, host, severity: 'HIGH', score: 70 })),
    observables: [{ type: 'ipv4', value: ADDRESS, scope: 'public', risk: { score: 90, verdict: 'malicious' }, intel: [] }],
    actions: [],
    tasks: [],
    mitre: [],
  };
}

// Case #1 wants the block for 1 h, case #2 for 4 h: one playbook, a TTL per case.
const BLOCK = `trigger: {severity: HIGH, on: [case.created]}
steps:
  - {id: short, uses: block-ip, if: "case.number == 1", for_each: observables, where: {verdict: [malicious]}, with: {address: "{{ item.value }}", ttl: 1h}}
  - {id: long, uses: block-ip, if: "case.number != 1", for_each: observables, where: {verdict: [malicious]}, with: {address: "{{ item.value }}", ttl: 4h}}
`;

const CONTAIN = `trigger: {severity: HIGH, on: [case.created]}
steps:
  - {id: isolate, uses: isolate-host, for_each: hosts, with: {host: "{{ item }}"}}
`;

describe.each(backends)('the response ledger ($name)', (backend) => {
  let handle: { store: StoreHandle; drop(): Promise<void> };
  let repo: Repo;
  let dir: string;
  let clock: ReturnType<typeof movableClock>;
  let fw: FakeServer;
  let delay = 0;

  beforeAll(async () => {
    handle = await backend.open();
    repo = new Repo(handle.store.db);
    // A firewall API: POST adds a rule, DELETE removes it; both are counted.
    fw = await serve((req, res) => {
      const reply = () => (req.method === 'POST' ? json(res, 201, { id: `rule-${fw.seen.length}` }) : json(res, 200, {}));
      if (delay) setTimeout(reply, delay);
      else reply();
    });
  }, 120_000);
  afterAll(async () => {
    await fw?.close();
    await handle?.store.close();
    await handle?.drop();
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-ledger-'));
    clock = movableClock('2025-03-14T10:00:00.000Z');
    fw.seen.length = 0;
    delay = 0;
    const db = handle.store.db;
    for (const t of [actions, approvals, playbookRuns, auditLog, cases, tasks, responseEffects, responseHolders]) await db.delete(t);
    await db.execute(sql`delete from kv where key like 'playbooks.%'`);
    for (const n of [1, 2, 3]) {
      await db.insert(cases).values({ id: `case_${n}`, number: n, title: `case ${n}`, severity: 'HIGH', score: 70, assessment: {}, firstAlertAt: '2025-03-14T09:00:00.000Z', lastAlertAt: '2025-03-14T09:00:00.000Z', createdAt: '2025-03-14T09:00:00.000Z', updatedAt: '2025-03-14T09:00:00.000Z' });
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function engine(playbooks: Playbook[], over: Partial<EngineDeps> = {}): PlaybookEngine {
    const s = settings({ dryRun: false, actions: { 'block-ip': { adapter: 'http', http: { url: `${fw.url}/v1/blocks` } } } });
    const hosts = new HostIdentities(['corp.example']);
    return new PlaybookEngine({
      playbooks,
      settings: s,
      guards: createGuards(s),
      clock,
      log: silentLogger,
      services: { fetch, env: {}, log: silentLogger },
      actions: TEST_ACTIONS,
      store: new PlaybookStore(handle.store.db),
      outDir: dir,
      canonicalHost: (h) => hosts.canonical(h),
      ...over,
    });
  }
  const posts = () => fw.seen.filter((s) => s.method === 'POST').length;
  const deletes = () => fw.seen.filter((s) => s.method === 'DELETE').length;
  const ledger = () => new ResponseLedger(handle.store.db);
  const rows = async (caseId: string) => (await repo.actionsOfCase(caseId)).map((a) => `${a.action} ${a.target}: ${a.status}`);

  it('a second case joins the block (no second firewall rule), extends it, and one unblock runs when the last holder ends', async () => {
    const p = pb('/pb/block.yaml', BLOCK);
    await engine([p]).onCase({ report: report('case_1', 1), opened: true });
    expect(posts()).toBe(1);
    clock.set('2025-03-14T10:10:00.000Z');
    const second = await engine([p]).onCase({ report: report('case_2', 2), opened: true });
    expect(posts()).toBe(1);
    expect(second.records.map((r) => `${r.action} ${r.target}: ${r.status}`)).toEqual([`block-ip ${ADDRESS}: joined`]);
    expect(second.records[0]!.reason).toBe(`${ADDRESS}: already in place since 2025-03-14T10:00:00.000Z for case #1; this case holds it too, until 2025-03-14T14:10:00.000Z (extended to this case's end). No new block-ip command was sent.`);

    const [eff] = await ledger().list();
    expect(eff).toMatchObject({ id: effectId('block-ip', ADDRESS), kind: 'block-ip', target: ADDRESS, state: 'active', status: 'executed', caseId: 'case_1', expiresAt: '2025-03-14T14:10:00.000Z' });
    expect(eff!.holders.map((h) => [h.caseNumber, h.expiresAt])).toEqual([
      [1, '2025-03-14T11:00:00.000Z'],
      [2, '2025-03-14T14:10:00.000Z'],
    ]);
    expect(await handle.store.db.select().from(responseEffects)).toHaveLength(1);

    // Case #1's hour is over, case #2 still holds it: nothing is lifted.
    expect((await engine([p]).sweepExpired(new Date('2025-03-14T11:30:00.000Z'))).undone).toBe(0);
    expect(deletes()).toBe(0);
    // Case #2's end: one DELETE, the unblock recorded on both cases.
    expect((await engine([p]).sweepExpired(new Date('2025-03-14T14:10:00.000Z'))).undone).toBe(1);
    expect(deletes()).toBe(1);
    expect(fw.seen.find((s) => s.method === 'DELETE')!.url).toBe('/v1/blocks/rule-1');
    expect(await rows('case_1')).toEqual([`block-ip ${ADDRESS}: executed`, `unblock-ip ${ADDRESS}: executed`]);
    expect(await rows('case_2')).toEqual([`block-ip ${ADDRESS}: joined`, `unblock-ip ${ADDRESS}: executed`]);
    const unblock = (await repo.actionsOfCase('case_2')).find((a) => a.action === 'unblock-ip')!;
    expect(unblock.reason).toBe(`TTL ended: block of ${ADDRESS} removed from the firewall (one unblock-ip for cases #1, #2)`);
    expect((await ledger().list())[0]).toMatchObject({ state: 'released', releaseReason: 'TTL ended' });
    // Nothing left to undo, and the per-case sweep does not undo it again.
    expect((await engine([p]).sweepExpired(new Date('2025-03-15T10:00:00.000Z'))).undone).toBe(0);
    expect(deletes()).toBe(1);

    // A third case later: the block is put in place again, on the same ledger row.
    clock.set('2025-03-15T10:00:00.000Z');
    await engine([p]).onCase({ report: report('case_3', 3), opened: true });
    expect(posts()).toBe(2);
    expect(await handle.store.db.select().from(responseEffects)).toHaveLength(1);
    expect((await ledger().list())[0]).toMatchObject({ state: 'active', caseId: 'case_3', since: '2025-03-15T10:00:00.000Z', expiresAt: '2025-03-15T14:00:00.000Z' });
  });

  it('a case closed as a false positive lets go: its extension is gone, and when every holder is such a case the block is lifted at once', async () => {
    const p = pb('/pb/block.yaml', BLOCK);
    await engine([p]).onCase({ report: report('case_1', 1), opened: true });
    clock.set('2025-03-14T10:10:00.000Z');
    await engine([p]).onCase({ report: report('case_2', 2), opened: true });
    // Case #2 (the 4 h one) was a false positive: the block ends with case #1's hour again.
    expect(await ledger().releaseCase('case_2', 'case #2 closed as FalsePositive', '2025-03-14T10:20:00.000Z')).toEqual([]);
    expect((await ledger().list())[0]!.expiresAt).toBe('2025-03-14T11:00:00.000Z');
    expect((await engine([p]).sweepExpired(new Date('2025-03-14T10:30:00.000Z'))).undone).toBe(0);
    expect(deletes()).toBe(0);
    // Case #1 too: nobody holds it, so it is due now and the next sweep lifts it, once.
    const due = await ledger().releaseCase('case_1', 'case #1 closed as FalsePositive', '2025-03-14T10:40:00.000Z');
    expect(due.map((e) => e.target)).toEqual([ADDRESS]);
    expect((await engine([p]).sweepExpired(new Date('2025-03-14T10:40:00.000Z'))).undone).toBe(1);
    expect(deletes()).toBe(1);
    const unblock = (await repo.actionsOfCase('case_1')).find((a) => a.action === 'unblock-ip')!;
    expect(unblock.reason).toBe(`case #1 closed as FalsePositive; case #2 closed as FalsePositive: block of ${ADDRESS} removed from the firewall (one unblock-ip for cases #1, #2)`);
  });

  it('two cases racing for one address (as two workers would) send one firewall command', async () => {
    const p = pb('/pb/block.yaml', BLOCK);
    delay = 150;
    const [a, b] = await Promise.all([engine([p]).onCase({ report: report('case_1', 1), opened: true }), engine([p]).onCase({ report: report('case_2', 2), opened: true })]);
    expect(posts()).toBe(1);
    expect([...a.records, ...b.records].map((r) => r.status).sort()).toEqual(['executed', 'joined']);
    const [eff] = await ledger().list();
    expect(eff!.holders).toHaveLength(2);
    expect(eff!.expiresAt).toBe('2025-03-14T14:00:00.000Z');
  });

  it('one machine under two names is contained once; the second case joins', async () => {
    const p = pb('/pb/contain.yaml', CONTAIN);
    await engine([p]).onCase({ report: report('case_1', 1, { hosts: ['WS-042.corp.example'] }), opened: true });
    const second = await engine([p]).onCase({ report: report('case_2', 2, { hosts: ['ws-042'] }), opened: true });
    expect(await rows('case_1')).toEqual(['isolate-host WS-042.corp.example: simulated']);
    expect(second.records.map((r) => `${r.target}: ${r.status}`)).toEqual(['ws-042: joined']);
    const [eff] = await ledger().list();
    expect(eff).toMatchObject({ kind: 'isolate-host', target: 'ws-042', state: 'active', status: 'simulated', expiresAt: null });
    // Containment has no end of its own: released by hand, lifted once.
    await ledger().release(eff!.id, 'released by cli:alice', '2025-03-14T12:00:00.000Z');
    expect((await engine([p]).sweepExpired(new Date('2025-03-14T12:00:00.000Z'))).undone).toBe(1);
    expect(await rows('case_2')).toEqual(['isolate-host ws-042: joined', 'release-host ws-042: simulated']);
  });

  it('a block only simulated (dry run) is made real by the first case that acts for real; holders stay', async () => {
    const p = pb('/pb/block.yaml', BLOCK);
    const dry = settings({ dryRun: true, actions: { 'block-ip': { adapter: 'http', http: { url: `${fw.url}/v1/blocks` } } } });
    await engine([p], { settings: dry, guards: createGuards(dry) }).onCase({ report: report('case_1', 1), opened: true });
    expect(posts()).toBe(0);
    await engine([p]).onCase({ report: report('case_2', 2), opened: true });
    expect(posts()).toBe(1);
    const [eff] = await ledger().list();
    expect(eff).toMatchObject({ state: 'active', status: 'executed', caseId: 'case_2', since: '2025-03-14T10:00:00.000Z', expiresAt: '2025-03-14T14:00:00.000Z' });
    expect(eff!.holders.map((h) => h.caseNumber)).toEqual([1, 2]);
  });
});
