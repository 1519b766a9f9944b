import { resolve } from 'node:path';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { App } from '../../app.js';
import { PACKAGE_ROOT } from '../../config.js';
import { formatIssue } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { SEVERITIES } from '../../core/types.js';
import type { RunProgress, RunSummary } from '../../pipeline/run.js';
import { printJson, rel, reportError, table, neutralize } from '../output.js';
import { loadConfigFrom, printStartup } from '../startup.js';

const EXIT_HELP = `
Exit status:
  0  every input record was processed
  2  some input was rejected (each reported with file:line and the reason); the rest was processed
  1  failure (bad config, store unavailable, unexpected error)`;

/** How many alert ids, case numbers and rejected lines the JSON summary lists without --ids. */
export const JSON_LIST_LIMIT = 100;

function splitList(v: string, prev: string[] = []): string[] {
  return [...prev, ...v.split(',').map((x) => x.trim()).filter(Boolean)];
}

function printSummary(s: RunSummary): void {
  const sev = SEVERITIES.slice()
    .reverse()
    .map((k) => `${k} ${s.cases.bySeverity[k]}`)
    .join('   ');
  const actions = Object.entries(s.actions)
    .map(([k, v]) => `${k} ${v}`)
    .join('   ');
  const lines = [
    `Vigil run: ${s.files.length} file${s.files.length === 1 ? '' : 's'} in ${(s.elapsedMs / 1000).toFixed(2)} s`,
    table([
      ['alerts', `read ${s.alerts.read}`, `new ${s.alerts.new}`, `duplicate ${s.alerts.duplicate}`, `rejected ${s.alerts.rejected}`, `ignored ${s.alerts.ignored}`],
      ['cases', `opened ${s.cases.opened}`, `updated ${s.cases.updated}`, sev],
      ['actions', actions || 'none', `tasks ${s.tasks}`],
      ...(s.detect ? [['sigma', `rules ${s.detect.rules}`, `events ${s.detect.events}`, `detections ${s.detect.detections}`, `correlations ${s.detect.correlations}`]] : []),
      ['notifications', String(s.notifications)],
      ['reports', String(s.reports)],
    ]),
    'Output',
    table([
      ['actions', rel(s.out.actions)],
      ['outbox', rel(s.out.outbox)],
      ['reports', rel(s.out.reports)],
    ]),
  ];
  if (s.issues.length) {
    // A rejected line's reason quotes the input: its escapes and controls are shown, not obeyed.
    lines.push('Rejected input', ...s.issues.slice(0, 20).map((i) => `  ${neutralize(formatIssue({ ...i, file: rel(i.file) }), { line: true })}`));
    if (s.issues.length > 20) lines.push(`  … and ${s.issues.length - 20} more (--json --ids lists all)`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The summary a script reads: every count, and the first JSON_LIST_LIMIT alert ids, case numbers,
 * rejected lines and files, so its size does not grow with the input (a 50,000-line run listed every
 * id: 1.65 MB). `omitted` says how many of each were left out; `all` (--ids) lists everything.
 */
export function jsonSummary(s: RunSummary, all = false): Record<string, unknown> {
  const { placed: _placed, ...rest } = s;
  if (all) return rest;
  const omitted: Record<string, number> = {};
  const cap = <T,>(name: string, list: T[]): T[] => {
    if (list.length <= JSON_LIST_LIMIT) return list;
    omitted[name] = list.length - JSON_LIST_LIMIT;
    return list.slice(0, JSON_LIST_LIMIT);
  };
  const out = { ...rest, files: cap('files', s.files), issues: cap('issues', s.issues), caseNumbers: cap('caseNumbers', s.caseNumbers), alertIds: cap('alertIds', s.alertIds) };
  return Object.keys(omitted).length ? { ...out, omitted } : out;
}

function megabytes(n: number): string {
  return (n / 1e6).toFixed(n < 1e7 ? 1 : 0);
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * The progress bar of a run on a terminal: bytes read of the files' total, the percentage, alerts
 * per second and the time left at the pace so far. Off the terminal nothing is drawn (logs and pipes
 * get the summary only).
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): { update(p: RunProgress): void; stop(): void } | undefined {
  if (!stream.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    { stream, format: ' {bar} {percentage}% | {read}/{size} MB | {rate} alerts/s | ETA {left} | {file}', hideCursor: true, clearOnComplete: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let running = false;
  return {
    update(p) {
      const total = Math.max(p.bytesTotal ?? 0, 1);
      const read = Math.min(p.bytesRead ?? 0, total);
      const seconds = (performance.now() - started) / 1000;
      const payload = {
        read: megabytes(read),
        size: megabytes(total),
        rate: seconds > 0 ? Math.round(p.records / seconds) : 0,
        left: read > 0 ? duration(((total - read) * seconds) / read) : '–',
        file: rel(p.file),
      };
      if (!running) {
        bar.start(total, read, payload);
        running = true;
      } else bar.update(read, payload);
    },
    stop() {
      if (running) bar.stop();
    },
  };
}

interface RunCommandOptions {
  out?: string;
  config?: string;
  json?: boolean;
  ids?: boolean;
  rules?: string[];
  pipeline?: string[];
}

async function runFiles(paths: string[], opts: RunCommandOptions, purpose = 'vigil run', storeThread = false): Promise<{ code: number; app?: App }> {
  const { config } = loadConfigFrom(opts);
  if (opts.rules?.length) config.detect.rules = opts.rules.map((r) => resolve(r));
  if (opts.pipeline?.length) config.detect.pipelines = opts.pipeline.map((r) => resolve(r));
  // The CLI reports start-up problems itself, as plain lines; JSON logs are for services.
  const { App } = await import('../../app.js');
  const app = await App.build(config, { purpose, storeThread, log: createLogger({ level: 'error' }) });
  printStartup(app);
  const bar = opts.json ? undefined : progressBar();
  let summary: RunSummary;
  try {
    summary = await app.run(paths, opts.out ?? config.out, bar && { onProgress: (p) => bar.update(p) });
  } finally {
    bar?.stop();
  }
  if (opts.json) printJson(jsonSummary(summary, opts.ids));
  else printSummary(summary);
  return { code: summary.alerts.rejected > 0 ? 2 : 0, app };
}

export function runCommand(): Command {
  return new Command('run')
    .description('Carry alert files (Wazuh alerts.json lines, a JSON array of alerts, Suricata EVE JSON) or folders of them through the whole pipeline')
    .argument('[paths...]', 'alert files or folders', [])
    .option('-o, --out <dir>', 'output folder for actions, outbox and reports (default: ./vigil-out)')
    .option('-c, --config <file>', 'config file (default: ./vigil.yaml when present)')
    .option('--json', `print one JSON object with the counts, the output paths and the first ${JSON_LIST_LIMIT} alert ids, case numbers and rejected lines`)
    .option('--ids', 'with --json: list every alert id, case number and rejected line')
    .option('-r, --rules <dirs>', 'also run Sigma rules (files or folders, comma-separated, repeatable) over every record: matches become alerts', splitList)
    .option('-p, --pipeline <file>', 'Sigma field-mapping pipeline YAML (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .addHelpText('after', EXIT_HELP)
    .action(async (paths: string[], opts: RunCommandOptions) => {
      try {
        if (!paths.length) paths = [`${PACKAGE_ROOT}/samples/alerts`];
        const { code, app } = await runFiles(paths, opts);
        await app?.close();
        process.exitCode = code;
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('Run the bundled samples through the pipeline, then serve the API (what `npm start` does)')
    .option('-o, --out <dir>', 'output folder (default: ./vigil-out)')
    .option('-c, --config <file>', 'config file (default: the bundled samples/vigil.yaml)')
    .option('--no-serve', 'exit after the run instead of serving')
    .action(async (opts: { out?: string; config?: string; serve: boolean }) => {
      try {
        const cfg = { ...opts, config: opts.config ?? `${PACKAGE_ROOT}/samples/vigil.yaml` };
        const { app } = await runFiles([`${PACKAGE_ROOT}/samples/alerts`, `${PACKAGE_ROOT}/samples/events`], cfg, 'vigil demo', opts.serve !== false);
        if (!app) return;
        if (opts.serve === false) {
          await app.close();
          return;
        }
        const { startServer } = await import('../../api/server.js');
        // The demo signs in with a fresh key each start; the one printed last time is revoked.
        await app.keys.revoke('demo');
        const { key } = await app.keys.create({ name: 'demo', role: 'admin' });
        process.stdout.write(`API key (admin, for this demo): ${key}\n`);
        await startServer(app, { host: app.config.server.host, port: app.config.server.port });
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });
}
