import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../app.js';
import { loadConfig, PACKAGE_ROOT } from '../config.js';
import { silentLogger } from '../core/log.js';
import { buildServer } from './server.js';

describe('playbooks API', () => {
  let app: App;
  let server: FastifyInstance;
  let dir: string;
  let analyst: string;
  let reader: string;
  const call = (method: 'GET' | 'POST', url: string, key: string, payload?: unknown) =>
    server.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload !== undefined && { payload: payload as Record<string, unknown> }) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-api-pb-'));
    mkdirSync(join(dir, 'pb'));
    writeFileSync(
      join(dir, 'pb/contain.yaml'),
      `description: contain web servers after approval
trigger: {severity: LOW, on: [case.created], hosts: ["web-*"]}
steps:
  - id: isolate
    uses: isolate-host
    for_each: hosts
    if: "matches(item, 'web-*')"
    approval: {message: "Isolate {{ join(targets) }}?"}
    with: {host: "{{ item }}"}
  - id: note
    uses: create-task
    with: {title: "Contained {{ join(pluck(steps.isolate.outputs, 'target')) }}"}
`,
    );
    writeFileSync(join(dir, 'pb/broken.yaml'), 'trigger: {severity: LOUD}\nsteps: []\n');
    const { config } = loadConfig({ env: {} });
    config.dataDir = 'memory://';
    config.out = join(dir, 'out');
    config.feeds = [];
    config.playbooks.dir = join(dir, 'pb');
    app = await App.build(config, { log: silentLogger });
    await app.run([join(PACKAGE_ROOT, 'samples/alerts/wazuh/alerts.json')]);
    server = await buildServer(app);
    analyst = (await app.keys.create({ name: 'alice', role: 'analyst' })).key;
    reader = (await app.keys.create({ name: 'viewer', role: 'read-only' })).key;
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the loaded playbooks and the files that did not load', async () => {
    const r = await call('GET', '/api/playbooks', reader);
    expect(r.statusCode).toBe(200);
    const body = r.json() as { playbooks: Array<{ name: string; steps: Array<{ id: string; approval: boolean }> }>; issues: Array<{ file: string; line: number; field: string }> };
    expect(body.playbooks.map((p) => p.name)).toEqual(['contain']);
    expect(body.playbooks[0]!.steps).toEqual([expect.objectContaining({ id: 'isolate', approval: true }), expect.objectContaining({ id: 'note', approval: false })]);
    expect(body.issues.map((i) => `${i.file.slice(dir.length + 1)}:${i.line} ${i.field}`)).toEqual(['pb/broken.yaml:1 trigger.severity', 'pb/broken.yaml:2 steps']);
  });

  it('lists runs waiting for approval and shows one with its approval', async () => {
    const r = await call('GET', '/api/playbooks/runs?status=waiting_approval', reader);
    const runs = (r.json() as { runs: Array<{ id: string; caseNumber: number; steps: Array<{ approval?: { message: string } }> }> }).runs;
    expect(runs.length).toBeGreaterThanOrEqual(2);
    const one = (await call('GET', `/api/playbooks/runs/${runs[0]!.id}`, reader)).json() as { id: string; status: string; approvals: Array<{ status: string; message: string }> };
    expect(one).toMatchObject({ id: runs[0]!.id, status: 'waiting_approval', approvals: [{ status: 'pending', message: expect.stringMatching(/^Isolate web-\d+\?$/) }] });
    const byCase = (await call('GET', `/api/playbooks/runs?case=${runs[0]!.caseNumber}`, reader)).json() as { runs: Array<{ id: string }> };
    expect(byCase.runs.map((x) => x.id)).toContain(runs[0]!.id);
    expect((await call('GET', '/api/playbooks/runs/run_nope', reader)).statusCode).toBe(404);
  });

  it('approves as the key’s owner, resuming the run; read-only keys cannot', async () => {
    const runs = ((await call('GET', '/api/playbooks/runs?status=waiting_approval', reader)).json() as { runs: Array<{ id: string }> }).runs;
    const id = runs[0]!.id;
    const denied = await call('POST', `/api/playbooks/runs/${id}/approve`, reader, {});
    expect(denied.statusCode).toBe(403);
    const ok = await call('POST', `/api/playbooks/runs/${id}/approve`, analyst, { reason: 'confirmed by phone' });
    expect(ok.statusCode).toBe(200);
    const run = ok.json() as { status: string; steps: Array<{ status: string; items: Array<{ status: string }>; approval?: { decidedBy: string } }>; approvals: Array<{ status: string; decidedBy: string; reason: string }> };
    expect(run.status).toBe('succeeded');
    expect(run.approvals).toEqual([expect.objectContaining({ status: 'approved', decidedBy: 'alice', reason: 'confirmed by phone' })]);
    expect(run.steps[0]!.items.map((i) => i.status).filter((s) => s !== 'skipped')).toEqual(['simulated']);
    expect(run.steps[1]!.status).toBe('succeeded');
    const again = await call('POST', `/api/playbooks/runs/${id}/approve`, analyst, {});
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ error: { code: 'VIGIL_INPUT_INVALID', message: `run ${id} is succeeded: only a run waiting for approval can be approved`, field: 'run' } });
  });

  it('rejects with a reason, naming a wrong step, and validates the body', async () => {
    const runs = ((await call('GET', '/api/playbooks/runs?status=waiting_approval', reader)).json() as { runs: Array<{ id: string }> }).runs;
    const id = runs[0]!.id;
    const wrong = await call('POST', `/api/playbooks/runs/${id}/reject`, analyst, { step: 'note' });
    expect(wrong.json()).toMatchObject({ error: { message: `run ${id} has no pending approval for step note (waiting: isolate)`, field: 'step' } });
    expect((await call('POST', `/api/playbooks/runs/${id}/reject`, analyst, { why: 'x' })).statusCode).toBe(400);
    const r = await call('POST', `/api/playbooks/runs/${id}/reject`, analyst, { step: 'isolate', reason: 'not our server' });
    expect(r.json()).toMatchObject({ status: 'rejected', error: 'step isolate rejected by alice: not our server' });
  });

  it('publishes the routes in the OpenAPI document', async () => {
    const doc = (await call('GET', '/api/openapi.json', reader)).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/playbooks', '/api/playbooks/runs', '/api/playbooks/runs/{id}', '/api/playbooks/runs/{id}/approve', '/api/playbooks/runs/{id}/reject']));
  });
});
