import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIG_CASE_RULES, writeBigCase } from '../../../test/helpers/big-case.js';
import { freshPostgresUrl, requirePostgresInCi } from '../../../test/helpers/store.js';
import { App } from '../../app.js';
import { ConfigSchema } from '../../config.js';
import { silentLogger } from '../../core/log.js';
import { buildServer } from '../server.js';

requirePostgresInCi();

const stores = [
  { name: 'pglite', url: async () => ({ url: undefined as string | undefined, drop: async () => {} }) },
  ...(process.env.VIGIL_TEST_DATABASE_URL ? [{ name: 'postgres', url: freshPostgresUrl }] : []),
];

const ALERTS = 1234;
const OBSERVABLES = 345;
const TIMELINE = 321;

describe.each(stores)('a big case, page by page ($name)', (backend) => {
  let app: App;
  let server: FastifyInstance;
  let dir: string;
  let drop: () => Promise<void>;
  let n: number;
  let key = '';
  const get = (url: string, k = key) => server.inject({ url, headers: { authorization: `Bearer ${k}` } });

  /** Every item of a list, following nextCursor; checks each page's total on the way. */
  async function all<T>(path: string, field: string, limit: number): Promise<{ items: T[]; pages: number; total: number }> {
    const items: T[] = [];
    let cursor: string | null = null;
    let pages = 0;
    let total = -1;
    do {
      const r = await get(`${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json() as Record<string, unknown> & { total: number; nextCursor: string | null };
      if (total === -1) total = body.total;
      expect(body.total).toBe(total);
      const page = body[field] as T[];
      expect(page.length).toBe(body.nextCursor ? limit : total - items.length);
      items.push(...page);
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    return { items, pages, total };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-case-lists-'));
    const db = await backend.url();
    drop = db.drop;
    const config = ConfigSchema.parse({ dataDir: 'memory://', out: dir, feeds: [], ...(db.url && { database: { url: db.url } }) });
    app = await App.build(config, { log: silentLogger });
    n = await writeBigCase(app.repo, { alerts: ALERTS, observables: OBSERVABLES, timeline: TIMELINE });
    server = await buildServer(app);
    key = (await app.keys.create({ name: 'lists', role: 'read-only' })).key;
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await app?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pages through every alert once, newest first, with the true total on each page', async () => {
    const { items, pages, total } = await all<{ id: string; time: string; ruleId: string }>(`/api/cases/${n}/alerts`, 'alerts', 100);
    expect(total).toBe(ALERTS);
    expect(pages).toBe(Math.ceil(ALERTS / 100));
    expect(new Set(items.map((a) => a.id)).size).toBe(ALERTS);
    const times = items.map((a) => Date.parse(a.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The report of the same case still shows a window of 500, and says how many there are.
    const report = (await get(`/api/cases/${n}`)).json() as { alerts: unknown[]; totals: { alerts: number } };
    expect(report.alerts).toHaveLength(500);
    expect(report.totals.alerts).toBe(ALERTS);
  });

  it('groups the alerts by rule with counts, most frequent first, and pages through one rule\'s alerts', async () => {
    const r = (await get(`/api/cases/${n}/alerts/by-rule`)).json() as { alerts: number; total: number; groups: Array<{ source: string; ruleId: string; title: string; alerts: number; hosts: number; severity: string }> };
    expect(r.alerts).toBe(ALERTS);
    expect(r.total).toBe(BIG_CASE_RULES.length);
    expect(r.groups.map((g) => g.ruleId)).toEqual(['5710', '5712', '2001219', '5715']);
    expect(r.groups.reduce((s, g) => s + g.alerts, 0)).toBe(ALERTS);
    expect(r.groups[0]).toMatchObject({ source: 'wazuh', title: BIG_CASE_RULES[0]!.title, hosts: 4, severity: 'HIGH' });
    const scan = r.groups.find((g) => g.ruleId === '2001219')!;
    const { items, total } = await all<{ ruleId: string; source: string }>(`/api/cases/${n}/alerts?source=suricata&ruleId=2001219`, 'alerts', 64);
    expect(total).toBe(scan.alerts);
    expect(items.every((a) => a.ruleId === '2001219' && a.source === 'suricata')).toBe(true);
  });

  it('pages through every observable: malicious and suspicious first, then by risk, none twice', async () => {
    const { items, total } = await all<{ value: string; risk?: { score: number; verdict: string } }>(`/api/cases/${n}/observables`, 'observables', 40);
    expect(total).toBe(OBSERVABLES);
    expect(new Set(items.map((o) => o.value)).size).toBe(OBSERVABLES);
    const flagged = items.map((o) => o.risk?.verdict === 'malicious' || o.risk?.verdict === 'suspicious');
    expect(flagged.indexOf(false)).toBe(flagged.filter(Boolean).length);
    const firstSafe = flagged.indexOf(false);
    const risks = items.slice(firstSafe).map((o) => o.risk?.score ?? -1);
    expect(risks).toEqual([...risks].sort((a, b) => b - a));
  });

  it('pages through the whole timeline, newest first', async () => {
    const { items, total } = await all<{ id: number; message: string }>(`/api/cases/${n}/timeline`, 'entries', 50);
    expect(total).toBe(TIMELINE + 1);
    expect(items.map((e) => e.id)).toEqual([...items.map((e) => e.id)].sort((a, b) => b - a));
    expect(items[0]!.message).toBe(`Timeline entry ${TIMELINE}`);
    expect(items.at(-1)!.message).toBe('Case opened');
  });

  it('refuses a cursor it did not hand out, naming the field, and hides another organisation\'s case', async () => {
    for (const cursor of ['not-a-cursor', Buffer.from('["x"]').toString('base64url')]) {
      const r = await get(`/api/cases/${n}/alerts?cursor=${cursor}`);
      expect(r.statusCode).toBe(400);
      expect(r.json()).toMatchObject({ error: { code: 'VIGIL_INPUT_INVALID', field: 'cursor' } });
    }
    const other = (await app.keys.create({ name: 'elsewhere', role: 'admin', org: 'other-org' })).key;
    for (const list of ['alerts', 'alerts/by-rule', 'observables', 'timeline']) expect((await get(`/api/cases/${n}/${list}`, other)).statusCode).toBe(404);
  });
});
