// Playbooks inside the whole flow: alerts → cases → runs, through App with the embedded store.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../app.js';
import { loadConfig, PACKAGE_ROOT } from '../config.js';
import { silentLogger } from '../core/log.js';
import type { RunSummary } from '../pipeline/run.js';
import { listRuns } from './views.js';

describe('playbooks in the pipeline', () => {
  let dir: string;
  let app: App;
  let summary: RunSummary;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-pb-pipeline-'));
    const pbDir = join(dir, 'playbooks');
    mkdirSync(pbDir);
    writeFileSync(
      join(pbDir, 'broken-response.yaml'),
      `description: a step that cannot succeed, and one after it
trigger: {severity: LOW, on: [case.created]}
steps:
  - id: tag
    uses: add-tag
    with: {tags: triaged}
  - id: runbook
    uses: create-task
    with: {template: ssh-runbook}
  - id: after
    uses: create-task
    with: {title: never added}
`,
    );
    writeFileSync(
      join(pbDir, 'wait.yaml'),
      `trigger: {severity: LOW, on: [case.created], hosts: ["web-*"]}
steps:
  - id: isolate
    uses: isolate-host
    for_each: hosts
    approval: {expires: 1ms}
    with: {host: "{{ item }}"}
`,
    );
    const { config } = loadConfig({ env: {} });
    config.dataDir = 'memory://';
    config.out = join(dir, 'out');
    config.feeds = [];
    config.playbooks.dir = pbDir;
    app = await App.build(config, { log: silentLogger });
    summary = await app.run([join(PACKAGE_ROOT, 'samples/alerts/wazuh/alerts.json')]);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a failing step ends its run failed, visibly: summary, run record, timeline, artifact and report', async () => {
    expect(summary.actions.failed).toBe(summary.cases.opened);
    const runs = await listRuns(app, { status: 'failed' });
    expect(runs).toHaveLength(summary.cases.opened);
    const run = runs.find((r) => r.caseNumber === 1)!;
    expect(run.error).toBe(`step runbook: template:ssh-runbook: no case template "ssh-runbook" (none are configured under playbooks.actions.create-task.templates)`);
    expect(run.steps.map((s) => `${s.id}: ${s.status}`)).toEqual(['tag: succeeded', 'runbook: failed', 'after: skipped']);
    const c = (await app.repo.caseByNumber(1))!;
    expect(c.tags).toEqual(['triaged']);
    const timeline = await app.repo.timelineOfCase(c.id);
    expect(timeline.find((t) => t.kind === 'playbook.failed')!.message).toBe(`Playbook broken-response failed: ${run.error} (1 executed, 1 failed)`);
    const files = readdirSync(join(dir, 'out/actions/case-0001/runs'));
    expect(files).toContain(`broken-response--${run.id}.json`);
    const artifact = JSON.parse(readFileSync(join(dir, 'out/actions/case-0001/runs', `broken-response--${run.id}.json`), 'utf8')) as { status: string; error: string };
    expect(artifact).toMatchObject({ status: 'failed', error: run.error });
    const report = readFileSync(join(dir, 'out/reports', readdirSync(join(dir, 'out/reports')).find((f) => f.startsWith('case-0001') && f.endsWith('.md'))!), 'utf8');
    expect(report).toContain('no case template "ssh-runbook"');
    expect((await app.repo.tasksOfCase(c.id)).map((t) => t.title)).not.toContain('never added');
  });

  it('pauses for approval inside the pipeline, and the periodic sweep expires what nobody decided', async () => {
    const waiting = await listRuns(app, { status: 'waiting_approval' });
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.every((r) => r.playbook === 'wait')).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    await app.tick();
    expect(await listRuns(app, { status: 'waiting_approval' })).toEqual([]);
    const expired = await listRuns(app, { status: 'expired' });
    expect(expired.map((r) => r.id).sort()).toEqual(waiting.map((r) => r.id).sort());
    expect(expired[0]!.error).toMatch(/^the approval for step isolate expired at /);
  });

  it('running the same input again starts nothing new', async () => {
    const before = (await listRuns(app, { limit: 500 })).length;
    const again = await app.run([join(PACKAGE_ROOT, 'samples/alerts/wazuh/alerts.json')]);
    expect(again.actions).toEqual({});
    expect(await listRuns(app, { limit: 500 })).toHaveLength(before);
  });
});
