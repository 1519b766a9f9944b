import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { Command } from 'commander';
import type { App } from '../../app.js';
import { loadConfig } from '../../config.js';
import { formatIssue, VigilError, type InputIssue } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import type { RunView, StepRecord } from '../../playbooks/engine.js';
import { printJson, reportError, table } from '../output.js';

function cfg(opts: { config?: string }) {
  return loadConfig(opts.config ? { file: opts.config } : {}).config;
}

async function withApp<T>(opts: { config?: string }, purpose: string, fn: (app: App) => Promise<T>): Promise<T> {
  const { App } = await import('../../app.js');
  const app = await App.build(cfg(opts), { purpose, log: createLogger({ level: 'error' }) });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

function oneLine(v: unknown, max = 300): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  if (s === undefined) return '';
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A run step by step, for the terminal. */
export function describeRun(run: RunView, opts: { details?: boolean } = {}): string {
  const lines = [
    `run ${run.id}  ${run.playbook}  case #${run.caseNumber ?? '?'}  ${run.status.toUpperCase()}${run.dryRun ? '  (dry run: destructive actions simulated)' : ''}`,
    `  trigger ${run.trigger}; started ${run.startedAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ''}${run.deadlineAt ? `, deadline ${run.deadlineAt}` : ''}`,
  ];
  if (run.error) lines.push(`  error: ${run.error}`);
  for (const s of run.steps) lines.push(...describeStep(s, opts));
  return lines.join('\n');
}

function describeStep(s: StepRecord, opts: { details?: boolean }): string[] {
  const out = [`  step ${s.id} (${s.uses}${s.handler ? ', failure handler' : ''}): ${s.status}${s.reason ? ` — ${s.reason}` : ''}${s.durationMs !== undefined ? `  [${duration(s.durationMs)}]` : ''}`];
  if (s.approval) {
    const a = s.approval;
    out.push(`    approval ${a.status}${a.decidedBy ? ` by ${a.decidedBy}` : ''}${a.reason ? ` (${a.reason})` : ''}: ${a.message}${a.expiresAt ? `; expires ${a.expiresAt}` : ''}`);
    if (a.preview?.length) out.push(`    would act on: ${a.preview.join(', ')}`);
  }
  for (const it of s.items) {
    out.push(`    - ${it.target}: ${it.status}${it.reason ? ` — ${it.reason}` : ''}${it.attempts && it.attempts > 1 ? ` (${it.attempts} attempts)` : ''}`);
    if (opts.details) {
      if (it.inputs !== undefined) out.push(`        inputs  ${oneLine(it.inputs)}`);
      if (it.outputs !== undefined) out.push(`        outputs ${oneLine(it.outputs)}`);
    }
  }
  return out;
}

function printIssues(issues: InputIssue[]): void {
  for (const i of issues) process.stderr.write(`${formatIssue(i)}\n`);
}

/** `vigil playbooks list|lint|test|runs|show|approve`. */
export function playbooksCommand(): Command {
  const pb = new Command('playbooks').description('Response playbooks: check them, try them on a case in dry run, list their runs, approve paused steps');

  pb.command('lint')
    .description('Validate playbook files (a folder or files; default the configured folder); every problem with file:line')
    .argument('[paths...]', 'playbook folders or files')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (paths: string[], opts: { config?: string; json?: boolean }) => {
      try {
        const { loadPlaybooks, loadPlaybookText } = await import('../../playbooks/loader.js');
        const { readFileSync, statSync } = await import('node:fs');
        const targets = paths.length ? paths.map((p) => resolve(p)) : [cfg(opts).playbooks.dir];
        const names: string[] = [];
        const issues: InputIssue[] = [];
        for (const t of targets) {
          let dir = false;
          try {
            dir = statSync(t).isDirectory();
          } catch {
            issues.push({ file: t, line: 1, reason: 'does not exist' });
            continue;
          }
          if (dir) {
            const r = loadPlaybooks(t);
            names.push(...r.playbooks.map((p) => p.name));
            issues.push(...r.issues);
          } else {
            const r = loadPlaybookText(t, readFileSync(t, 'utf8'));
            if (r.playbook) names.push(r.playbook.name);
            issues.push(...r.issues);
          }
        }
        if (opts.json) printJson({ playbooks: names, issues });
        else {
          printIssues(issues);
          process.stdout.write(`${names.length} playbook${names.length === 1 ? '' : 's'} valid${names.length ? ` (${names.join(', ')})` : ''}; ${issues.length} problem${issues.length === 1 ? '' : 's'}\n`);
        }
        process.exitCode = issues.length ? 2 : 0;
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  pb.command('test')
    .description('Run one playbook over a case fixture in dry run: whether it triggers, then each step’s rendered inputs and simulated outputs. Nothing is stored or sent.')
    .argument('<file>', 'playbook YAML file')
    .requiredOption('--case <fixture>', 'case fixture JSON (see samples/playbooks/fixtures/)')
    .option('-e, --event <kind>', 'trigger event to test (default: every event a new case like this has)')
    .option('--force', 'run the steps even when the trigger does not match')
    .option('-c, --config <file>', 'config file (allowlists, action settings)')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { case: string; event?: string; force?: boolean; config?: string; json?: boolean }) => {
      try {
        const { dryRunPlaybook, readCaseFixture } = await import('../../playbooks/dry-run.js');
        const fixture = readCaseFixture(opts.case);
        const { issues, result } = await dryRunPlaybook({ file, case: fixture, settings: cfg(opts).playbooks, ...(opts.event && { event: opts.event }), ...(opts.force && { force: true }) });
        if (!result) {
          if (opts.json) printJson({ issues });
          else printIssues(issues);
          process.exitCode = 2;
          return;
        }
        if (opts.json) printJson({ playbook: result.playbook.name, case: { id: result.case.id, number: result.case.number, severity: result.case.severity }, trigger: result.trigger, run: result.run ?? null });
        else {
          const c = result.case;
          process.stdout.write(`playbook ${result.playbook.name} (${file}) on case #${c.number} "${c.title}" (${c.severity})\n`);
          process.stdout.write(`trigger: ${result.trigger.matched ? 'matches' : `does not match — ${result.trigger.reason}`} (events: ${result.trigger.events.join(', ') || 'none'})\n`);
          if (result.run) {
            for (const s of result.run.steps) process.stdout.write(`${describeStep(s, { details: true }).join('\n')}\n`);
            process.stdout.write(`run: ${result.run.status}${result.run.error ? ` — ${result.run.error}` : ''} (dry run: nothing was changed, stored or sent)\n`);
          } else process.stdout.write('no steps run (--force runs them anyway)\n');
        }
        process.exitCode = result.run?.status === 'failed' ? 1 : 0;
      } catch (e) {
        const code = reportError(e, opts.json);
        process.exitCode = e instanceof VigilError && e.code.startsWith('VIGIL_INPUT') ? 2 : code;
      }
    });

  pb.command('runs')
    .description('Playbook runs, newest first: status, steps, error')
    .option('--case <n>', 'only this case number', (v) => Number(v))
    .option('--status <s>', 'only runs with this status (running, waiting_approval, succeeded, failed, rejected, expired)')
    .option('-n, --limit <n>', 'how many', (v) => Number(v), 50)
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (opts: { case?: number; status?: string; limit: number; config?: string; json?: boolean }) => {
      try {
        const views = await withApp(opts, 'vigil playbooks runs', async (app) => {
          const { listRuns } = await import('../../playbooks/views.js');
          return listRuns(app, { ...(opts.case !== undefined && { caseNumber: opts.case }), ...(opts.status && { status: opts.status }), limit: opts.limit });
        });
        if (opts.json) printJson({ runs: views });
        else if (!views.length) process.stdout.write('no playbook runs\n');
        else {
          const steps = (r: RunView): string => {
            const by = new Map<string, number>();
            for (const s of r.steps) by.set(s.status, (by.get(s.status) ?? 0) + 1);
            return [...by].map(([k, v]) => `${v} ${k}`).join(', ');
          };
          process.stdout.write(
            `${table([
              ['run', 'playbook', 'case', 'status', 'started', 'steps', 'error'],
              ...views.map((r) => [r.id, r.playbook, `#${r.caseNumber ?? '?'}`, r.status, r.startedAt, steps(r), oneLine(r.error ?? '', 80)]),
            ])}\n`,
          );
          const waiting = views.filter((r) => r.status === 'waiting_approval');
          if (waiting.length) process.stdout.write(`${waiting.length} waiting for approval: vigil playbooks approve RUN_ID (or --reject)\n`);
        }
      } catch (e) {
        const code = reportError(e, opts.json);
        process.exitCode = e instanceof VigilError && e.code === 'VIGIL_INPUT_INVALID' ? 2 : code;
      }
    });

  pb.command('show')
    .description('One run: every step with its items, inputs, outputs, timings and approval')
    .argument('<run>', 'run id (or its first 8+ characters)')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { config?: string; json?: boolean }) => {
      try {
        const view = await withApp(opts, 'vigil playbooks show', async (app) => (await import('../../playbooks/views.js')).getRun(app, id));
        if (opts.json) printJson(view);
        else process.stdout.write(`${describeRun(view, { details: true })}\n`);
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  pb.command('approve')
    .description('Approve (or --reject) the step a paused run is waiting on; approving resumes the run now')
    .argument('<run>', 'run id (or its first 8+ characters)')
    .option('-s, --step <id>', 'the step (when a run waits on several)')
    .option('--reject', 'reject instead: the run ends rejected')
    .option('-r, --reason <text>', 'why (recorded on the run and the case timeline)')
    .option('--by <name>', 'who decides (default cli:<user>)')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { step?: string; reject?: boolean; reason?: string; by?: string; config?: string; json?: boolean }) => {
      try {
        const view = await withApp(opts, 'vigil playbooks approve', async (app) => {
          const { createPlaybookEngine } = await import('../../playbooks/setup.js');
          const by = opts.by ?? `cli:${userInfo().username}`;
          const v = await createPlaybookEngine(app).decide(id, { approve: !opts.reject, by, ...(opts.step && { step: opts.step }), ...(opts.reason !== undefined && { reason: opts.reason }) });
          // The report files follow (written before the app closes).
          app.caseChanged(v.caseId);
          const ref = await app.repo.caseById(v.caseId);
          return { ...v, ...(ref && { caseNumber: ref.number }) };
        });
        if (opts.json) printJson(view);
        else process.stdout.write(`${describeRun(view)}\n`);
        process.exitCode = view.status === 'failed' ? 1 : 0;
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  pb.command('list')
    .description('The loaded playbooks with their triggers and steps, and any file that did not load')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (opts: { config?: string; json?: boolean }) => {
      try {
        const { loadPlaybooks } = await import('../../playbooks/loader.js');
        const { playbookSummary } = await import('../../playbooks/views.js');
        const r = loadPlaybooks(cfg(opts).playbooks.dir);
        if (opts.json) printJson({ playbooks: r.playbooks.map(playbookSummary), issues: r.issues });
        else {
          printIssues(r.issues);
          process.stdout.write(
            `${table([
              ['name', 'enabled', 'on', 'severity', 'steps'],
              ...r.playbooks.map((p) => [p.name, p.enabled ? 'yes' : 'no', p.trigger.on.join(','), p.trigger.severity, p.steps.map((s) => `${s.id}:${s.uses}${s.approval ? '(approval)' : ''}`).join(' → ')]),
            ])}\n`,
          );
        }
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });
  return pb;
}
