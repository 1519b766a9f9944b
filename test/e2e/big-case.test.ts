// A case of 40,000 alerts, end to end: the API pages through every alert, and so does the case page
// in Debian's Chromium (playwright-core), with the true totals and the alerts grouped by rule. The
// case is written through the store's batch write, then served by the real server on 127.0.0.1.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { App } from '../../src/app.js';
import { ConfigSchema, PACKAGE_ROOT } from '../../src/config.js';
import { silentLogger } from '../../src/core/log.js';
import { BIG_CASE_RULES, writeBigCase } from '../helpers/big-case.js';
import { chromiumFor, launchChromium } from '../helpers/browser.js';

const CHROMIUM = chromiumFor('test/e2e/big-case.test.ts');
const ARTIFACTS = join(PACKAGE_ROOT, 'test-artifacts', 'ui');
const ALERTS = 40_000;

describe.skipIf(!CHROMIUM)('a 40,000-alert case in the API and the web UI', () => {
  let dir: string;
  let app: App;
  let server: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base = '';
  let key = '';
  let n = 0;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'vigil-big-case-'));
    const build = (await import(pathToFileURL(join(PACKAGE_ROOT, 'scripts', 'build-web.mjs')).href)) as { ensureWebBuilt(o: { log: (l: string) => void }): Promise<unknown> };
    await build.ensureWebBuilt({ log: () => {} });
    app = await App.build(ConfigSchema.parse({ dataDir: 'memory://', out: dir, feeds: [] }), { log: silentLogger });
    n = await writeBigCase(app.repo, { alerts: ALERTS, observables: 1_234, timeline: 120 });
    key = (await app.keys.create({ name: 'big-case', role: 'analyst' })).key;
    server = await buildServer(app);
    await server.listen({ host: '127.0.0.1', port: 0 });
    const addr = server.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    browser = await launchChromium(CHROMIUM!);
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' })).newPage();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the API pages through all 40,000 alerts, each once, with the true total', async () => {
    const ids = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await fetch(`${base}/api/cases/${n}/alerts?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { total: number; nextCursor: string | null; alerts: Array<{ id: string }> };
      expect(body.total).toBe(ALERTS);
      for (const a of body.alerts) ids.add(a.id);
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(ALERTS / 500);
    expect(ids.size).toBe(ALERTS);
  }, 120_000);

  it('the case page shows the true totals and the alerts grouped by rule with counts', async () => {
    await page.goto(`${base}/`);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.goto(`${base}/cases/${n}`);
    await page.locator('#alerts-by-rule tbody tr').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('.case-nav').textContent()).toContain('Alerts (40,000)');
    expect(await page.locator('.case-nav').textContent()).toContain('Observables (1,234)');
    expect(await page.locator('#alerts-h').textContent()).toBe('Alerts (40,000)');
    const counts = await page.locator('#alerts-by-rule tbody tr td:first-child').allTextContents();
    expect(counts).toHaveLength(BIG_CASE_RULES.length);
    expect(counts.reduce((s, c) => s + Number(c.replaceAll(',', '')), 0)).toBe(ALERTS);
    expect(await page.locator('#alerts .pager .page-range').textContent()).toBe('1–50 of 40,000');
    expect(await page.locator('#observables .pager .page-range').textContent()).toBe('1–50 of 1,234');
    expect(await page.locator('#timeline .pager .page-range').textContent()).toBe('1–50 of 121');
    await page.locator('#alerts').screenshot({ path: join(ARTIFACTS, 'big-case-alerts.png') });
  }, 120_000);

  it('the case page pages through all 40,000 alerts, 500 at a time, and back', async () => {
    const alerts = page.locator('#alerts');
    await alerts.getByLabel('Alerts per page').selectOption('500');
    const range = alerts.locator('.pager .page-range');
    await expect.poll(() => range.textContent()).toBe('1–500 of 40,000');
    const ids = new Set<string>();
    const older = alerts.getByRole('button', { name: 'Older →' });
    for (let start = 0; ; start += 500) {
      await expect.poll(() => range.textContent(), { timeout: 30_000 }).toBe(`${(start + 1).toLocaleString('en-US')}–${(start + 500).toLocaleString('en-US')} of 40,000`);
      const shown = await alerts.locator('table.alerts-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
      expect(shown).toHaveLength(500);
      for (const id of shown) ids.add(id!);
      if (start + 500 >= ALERTS) break;
      await older.click();
    }
    expect(ids.size).toBe(ALERTS);
    expect(await older.isDisabled()).toBe(true);
    await alerts.getByRole('button', { name: '← Newer' }).click();
    await expect.poll(() => range.textContent()).toBe('39,001–39,500 of 40,000');
  }, 300_000);

  it('shows one rule\'s alerts on their own, with their count, and all of them again (the page size chosen stays)', async () => {
    const alerts = page.locator('#alerts');
    const scan = alerts.locator('#alerts-by-rule tbody tr', { hasText: '2001219' });
    const count = (await scan.locator('td').first().textContent())!;
    await scan.getByRole('button', { name: 'Show these' }).click();
    await expect.poll(() => alerts.locator('.pager .page-range').textContent()).toBe(`1–500 of ${count}`);
    expect(await alerts.locator('table.alerts-table tbody tr', { hasNotText: '2001219' }).count()).toBe(0);
    await alerts.getByRole('button', { name: 'Show all 40,000' }).click();
    await expect.poll(() => alerts.locator('.pager .page-range').textContent()).toBe('1–500 of 40,000');
  }, 60_000);
});
