// Reports and notifications keep up with analyst work, on the bundled samples: the CRITICAL case
// waiting for approval to contain its host says so in its first notification and report, and the
// report files are written again after an approval, a status change and a comment.
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
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

describe('reports that keep up with analyst work', () => {
  let dir: string;
  let app: App;
  let server: FastifyInstance;
  let key: string;
  let waiting: { run: string; step: string; number: number };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-reports-follow-'));
    const { config } = loadConfig({ file: join(PACKAGE_ROOT, 'samples/vigil.yaml'), env: {} });
    config.dataDir = 'memory://';
    config.out = join(dir, 'out');
    config.notify.caseUrl = 'https://vigil.example/cases/{number}';
    app = await App.build(config, { log: silentLogger });
    await app.run([join(PACKAGE_ROOT, 'samples/alerts'), join(PACKAGE_ROOT, 'samples/events')]);
    const [w] = await rows<{ run: string; step: string; number: number }>(
      app.repo.db,
      sql`select a.run_id as run, a.step_id as step, c.number from approvals a join cases c on c.id = a.case_id where a.status = 'pending' order by c.number limit 1`,
    );
    waiting = { ...w!, number: Number(w!.number) };
    server = await buildServer(app);
    key = (await app.keys.create({ name: 'alice', role: 'analyst' })).key;
  }, 240_000);

  afterAll(async () => {
    await server?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const md = () => readFileSync(join(dir, 'out/reports', `case-${String(waiting.number).padStart(4, '0')}.md`), 'utf8');
  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => server.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload !== undefined && { payload: payload as object }) });

  it('the first notification and report of a case waiting for approval say what waits, on what, until when, and how to decide', () => {
    const report = md();
    expect(report).toContain('## Waiting for approval');
    expect(report).toMatch(new RegExp(`- \\*\\*isolate-host\\*\\* on \`[^\`]+\`: step ${waiting.step} of playbook contain-critical-hosts, asked .*, expires .*\\. Isolate .* Decide in Vigil \\(https://vigil\\.example/cases/${waiting.number}\\) or: \`vigil playbooks approve ${waiting.run} --step ${waiting.step} \\(or --reject\\)\``));
    const outbox = join(dir, 'out/outbox');
    const envelope = readdirSync(outbox)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(outbox, f), 'utf8')) as { caseNumber: number; bodies: { text: string; html: string } })
      .find((e) => e.caseNumber === waiting.number)!;
    const text = readFileSync(join(outbox, envelope.bodies.text), 'utf8');
    expect(text).toMatch(/Waiting for approval\n {2}isolate-host on .+ \(step isolate of contain-critical-hosts\), until .+\n {4}Isolate .+\n {4}decide in Vigil \(https:\/\/vigil\.example\/cases\/\d+\) or: vigil playbooks approve/);
    expect(readFileSync(join(outbox, envelope.bodies.html), 'utf8')).toContain('Waiting for approval');
  });

  it('after an approval, a status change and a comment the report files are written again, once the changes settle', async () => {
    const approve = await call('POST', `/api/playbooks/runs/${waiting.run}/approve`, { reason: 'confirmed beaconing' });
    expect(approve.statusCode).toBe(200);
    await app.reportsSettled();
    let report = md();
    expect(report).not.toContain('## Waiting for approval');
    expect(report).toMatch(/\*\*SIMULATED\*\* \| isolate-host/);
    expect(report).toContain('alice approved step isolate of playbook contain-critical-hosts: confirmed beaconing');

    expect((await call('POST', `/api/cases/${waiting.number}/comments`, { message: 'Memory image taken' })).statusCode).toBeLessThan(300);
    expect((await call('PATCH', `/api/cases/${waiting.number}`, { status: 'TruePositive', reason: 'C2 confirmed' })).statusCode).toBe(200);
    await app.reportsSettled();
    report = md();
    expect(report).toContain("**Status:** TruePositive");
    expect(report).toContain('alice commented: Memory image taken');
    const html = readFileSync(join(dir, 'out/reports', `case-${String(waiting.number).padStart(4, '0')}.html`), 'utf8');
    expect(html).toContain('TruePositive');
  });
});
