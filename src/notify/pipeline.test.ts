// The pipeline with routing to a webhook: a run that meets a failing receiver retries and ends `sent`;
// one whose receiver never recovers ends with dead letters that `vigil notify failed` lists and
// `vigil notify retry --all` delivers once the receiver is back.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { App } from '../app.js';
import { loadConfig, PACKAGE_ROOT } from '../config.js';
import { silentLogger } from '../core/log.js';
import type { RunSummary } from '../pipeline/run.js';
import type { CaseNotificationV1 } from './payload.js';
import { startReceiver, type Receiver } from './testing.js';
import { verifySignature } from './channels/webhook/sign.js';

const SAMPLES = join(PACKAGE_ROOT, 'samples/alerts');
const HOOK_ENV = 'VIGIL_TEST_PIPELINE_HOOK';
const KEY_ENV = 'VIGIL_TEST_PIPELINE_KEY';
const KEY = 'pipeline-signing-key';

/** The demo's assessment and grouping (as in samples/vigil.yaml), a private store and output, and the given notify section. */
function writeConfig(dir: string, notify: Record<string, unknown>): string {
  const base = parse(readFileSync(join(PACKAGE_ROOT, 'samples/vigil.yaml'), 'utf8')) as Record<string, unknown>;
  const cfg = {
    out: join(dir, 'out'),
    dataDir: join(dir, 'data'),
    feeds: [{ path: join(PACKAGE_ROOT, 'samples/feeds') }],
    playbooks: { ...(base.playbooks as object), dir: join(PACKAGE_ROOT, 'samples/playbooks') },
    assess: base.assess,
    cases: base.cases,
    notify,
  };
  const file = join(dir, 'vigil.yaml');
  writeFileSync(file, stringify(cfg));
  return file;
}

function notifyWith(retry: Record<string, unknown>): Record<string, unknown> {
  return {
    minSeverity: 'HIGH',
    channelSettings: { hook: { type: 'webhook', urlEnv: HOOK_ENV, secretEnv: KEY_ENV } },
    routes: [{ name: 'high-to-hook', match: { minSeverity: 'HIGH' }, channels: ['hook', 'outbox'] }],
    retry,
  };
}

/** The CLI in a child process. Asynchronous: the receiver it talks to runs in this process's event loop. */
function vigil(dir: string, env: Record<string, string>, ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'bin/vigil.js'), ...args], { cwd: dir, env: { ...process.env, VIGIL_DATABASE_URL: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill(), 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

async function runOnce(file: string): Promise<{ app: App; summary: RunSummary }> {
  const app = await App.build(loadConfig({ file, env: {} }).config, { log: silentLogger });
  const summary = await app.run([SAMPLES]);
  return { app, summary };
}

describe('a run routing HIGH to a webhook that fails once (503, then 200)', () => {
  let dir: string;
  let rx: Receiver;
  let app: App;
  let summary: RunSummary;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-notify-run-'));
    rx = await startReceiver((req, n) => {
      if (!verifySignature(KEY, req.body, String(req.headers['x-vigil-signature']), Math.floor(Date.now() / 1000))) return { status: 401, body: 'bad signature' };
      return n === 1 ? { status: 503, body: 'warming up' } : { status: 200, body: '{}' };
    });
    process.env[HOOK_ENV] = `${rx.url}/webhook/run-1`;
    process.env[KEY_ENV] = KEY;
    ({ app, summary } = await runOnce(writeConfig(dir, notifyWith({ backoff: '100ms' }))));
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await rx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('retries the failed delivery and every HIGH+ case ends sent, to the webhook and the outbox', async () => {
    const high = summary.cases.bySeverity.HIGH + summary.cases.bySeverity.CRITICAL;
    expect(high).toBeGreaterThan(0);
    expect(summary.notifications).toBe(2 * high);
    expect(rx.requests).toHaveLength(high + 1);
    const counts = await app.notifier().store.countByStatus();
    expect(counts).toEqual({ sent: 2 * high });
    const docs = rx.requests.map((r) => JSON.parse(r.body) as CaseNotificationV1);
    // The failed request and its retry carry the same notification.
    expect(docs[0]!.id).toBe(docs[1]!.id);
    expect(new Set(docs.map((d) => d.id)).size).toBe(high);
    expect(docs.every((d) => d.route === 'high-to-hook' && ['HIGH', 'CRITICAL'].includes(d.case.severity))).toBe(true);
  });

  it('shows the failed attempt and the delivery on the case timeline', async () => {
    const first = (await app.notifier().store.get((JSON.parse(rx.requests[0]!.body) as CaseNotificationV1).id))!;
    expect(first).toMatchObject({ status: 'sent', attempts: 2, channel: 'hook', route: 'high-to-hook' });
    const timeline = (await app.repo.timelineOfCase(first.caseId)).filter((t) => t.kind.startsWith('notification.') && t.message.includes('hook'));
    expect(timeline.map((t) => t.kind)).toEqual(['notification.failed', 'notification.sent']);
    expect(timeline[0]!.message).toMatch(/^notification via hook failed \(attempt 1 of 8\): webhook: http:\/\/127\.0\.0\.1:\d+ answered HTTP 503: warming up; trying again in 100 ms$/);
    expect(timeline[0]!.message).not.toContain('run-1');
  });

  it('running the same input again notifies nobody twice', async () => {
    const before = rx.requests.length;
    const again = await app.run([SAMPLES]);
    expect(again.notifications).toBe(0);
    expect(rx.requests).toHaveLength(before);
  });
});

describe('a run whose webhook never answers 2xx', () => {
  let dir: string;
  let rx: Receiver;
  let file: string;
  let failing = true;
  let summary: RunSummary;
  const env = (): Record<string, string> => ({ [HOOK_ENV]: `${rx.url}/webhook/run-2`, [KEY_ENV]: KEY });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-notify-dead-'));
    rx = await startReceiver(() => (failing ? { status: 500, body: 'workflow error' } : { status: 200, body: '{}' }));
    Object.assign(process.env, env());
    file = writeConfig(dir, notifyWith({ attempts: 2, quickAttempts: 2, backoff: '50ms' }));
    const r = await runOnce(file);
    summary = r.summary;
    await r.app.close();
  }, 180_000);

  afterAll(async () => {
    await rx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends dead after the last attempt, and vigil notify failed lists the dead letters', async () => {
    const high = summary.cases.bySeverity.HIGH + summary.cases.bySeverity.CRITICAL;
    expect(summary.notifications).toBe(high); // the outbox ones
    expect(rx.requests).toHaveLength(2 * high);
    const r = await vigil(dir, env(), 'notify', 'failed', '--json', '--config', file);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { dead: Array<{ id: string; case: number; channel: string; attempts: number; error: string }> };
    expect(out.dead).toHaveLength(high);
    for (const d of out.dead) {
      expect(d).toMatchObject({ channel: 'hook', attempts: 2 });
      expect(d.case).toBeGreaterThan(0);
      expect(d.error).toMatch(/^webhook: http:\/\/127\.0\.0\.1:\d+ answered HTTP 500: workflow error$/);
    }
    const table = await vigil(dir, env(), 'notify', 'failed', '--config', file);
    expect(table.stdout).toMatch(/id\s+case\s+channel\s+severity\s+attempts\s+created\s+last error/);
    expect(table.stdout).toContain('answered HTTP 500: workflow error');
  }, 120_000);

  it('vigil notify retry --all delivers them once the receiver is back; nothing is left dead', async () => {
    failing = false;
    const r = await vigil(dir, env(), 'notify', 'retry', '--all', '--json', '--config', file);
    expect(r.status).toBe(0);
    const results = (JSON.parse(r.stdout) as { results: Array<{ status: string; attempts: number }> }).results;
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((x) => x.status === 'sent' && x.attempts === 3)).toBe(true);
    expect(JSON.parse((await vigil(dir, env(), 'notify', 'failed', '--json', '--config', file)).stdout)).toMatchObject({ dead: [] });
  }, 120_000);

  it('vigil notify test sends the sample to a channel; an unknown channel is an input error; no id is an input error', async () => {
    const ok = await vigil(dir, env(), 'notify', 'test', 'hook', '--json', '--config', file);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, channel: 'hook', type: 'webhook' });
    const doc = JSON.parse(rx.requests.at(-1)!.body) as CaseNotificationV1;
    expect(doc).toMatchObject({ event: 'test', route: 'test', case: { number: 3 } });
    expect(doc.subject.startsWith('[TEST] ')).toBe(true);
    const unknown = await vigil(dir, env(), 'notify', 'test', 'pager', '--config', file);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown notification channel "pager"');
    expect((await vigil(dir, env(), 'notify', 'retry', '--config', file)).status).toBe(2);
  }, 120_000);
});
