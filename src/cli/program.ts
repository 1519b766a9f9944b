import { relative } from 'node:path';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import type { App } from '../app.js';
import { loadConfig, maskSecrets, PACKAGE_ROOT, type LoadedConfig } from '../config.js';
import { formatIssue } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { SEVERITIES } from '../core/types.js';
import type { RunSummary } from '../pipeline/run.js';
import { feedsCommand } from './commands/feeds.js';
import { printJson, reportError, table } from './output.js';
import { iocCommand } from './commands/ioc.js';
import { detectCommand } from './commands/detect.js';

const EXIT_HELP = `
Exit status:
  0  every input record was processed
  2  some input was rejected (each reported with file:line and the reason); the rest was processed
  1  failure (bad config, store unavailable, unexpected error)`;

function rel(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}

export function loadConfigFrom(opts: { config?: string }): LoadedConfig {
  return loadConfig(opts.config ? { file: opts.config } : {});
}

/** Start-up problems that do not stop the run, one plain line each on stderr. */
export function printStartup(app: App): void {
  for (const d of app.startup.disabledProviders) process.stderr.write(`intel provider ${d.id} disabled: ${d.reason}\n`);
  for (const i of app.startup.playbookIssues) process.stderr.write(`playbook problem: ${formatIssue(i)}\n`);
  for (const f of app.startup.feeds) {
    if (f.status === 'failed') process.stderr.write(`feed ${rel(f.file)} not imported: ${f.error}\n`);
    else if (f.issues.length) process.stderr.write(`feed ${rel(f.file)}: ${f.issues.length} line${f.issues.length > 1 ? 's' : ''} skipped (first: ${formatIssue({ ...f.issues[0]!, file: rel(f.issues[0]!.file) })})\n`);
  }
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
    lines.push('Rejected input', ...s.issues.slice(0, 20).map((i) => `  ${formatIssue({ ...i, file: rel(i.file) })}`));
    if (s.issues.length > 20) lines.push(`  … and ${s.issues.length - 20} more (--json lists all)`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function runCommand(paths: string[], opts: { out?: string; config?: string; json?: boolean }, purpose = 'vigil run'): Promise<{ code: number; app?: App }> {
  const { config } = loadConfigFrom(opts);
  // The CLI reports start-up problems itself, as plain lines; JSON logs are for services.
  const { App } = await import('../app.js');
  const app = await App.build(config, { purpose, log: createLogger({ level: 'error' }) });
  printStartup(app);
  const bar = process.stderr.isTTY && !opts.json ? new cliProgress.SingleBar({ format: ' {bar} {value}/{total} files | {records} records | {file}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic) : undefined;
  let filesDone = 0;
  let lastFile = '';
  const summary = await app.run(paths, opts.out ?? config.out, {
    onProgress: (p) => {
      if (!bar) return;
      if (!lastFile) bar.start(1, 0, { records: 0, file: '' });
      if (p.file !== lastFile) {
        if (lastFile) filesDone++;
        lastFile = p.file;
      }
      bar.setTotal(Math.max(filesDone + 1, 1));
      bar.update(filesDone, { records: p.records, file: rel(p.file) });
    },
  });
  bar?.stop();
  if (opts.json) printJson(summary);
  else printSummary(summary);
  return { code: summary.alerts.rejected > 0 ? 2 : 0, app };
}

export function buildProgram(): Command {
  const program = new Command('vigil')
    .description('SOC automation: alerts in, indicators enriched, severity explained, cases opened, response run, people told, reports written.')
    .version('0.1.0')
    .showHelpAfterError();

  program
    .command('run')
    .description('Carry alert files (Wazuh alerts.json lines, a JSON array of alerts, Suricata EVE JSON) or folders of them through the whole pipeline')
    .argument('[paths...]', 'alert files or folders', [])
    .option('-o, --out <dir>', 'output folder for actions, outbox and reports (default: ./vigil-out)')
    .option('-c, --config <file>', 'config file (default: ./vigil.yaml when present)')
    .option('--json', 'print one JSON object with the counts and output paths')
    .addHelpText('after', EXIT_HELP)
    .action(async (paths: string[], opts) => {
      try {
        if (!paths.length) paths = [`${PACKAGE_ROOT}/samples/alerts`];
        const { code, app } = await runCommand(paths, opts);
        await app?.close();
        process.exitCode = code;
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  program
    .command('serve')
    .description('Serve the HTTP API (health, readiness, cases and reports)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port (default 8080)', (v) => Number(v))
    .option('-c, --config <file>', 'config file')
    .action(async (opts) => {
      try {
        const { config } = loadConfigFrom(opts);
        const [{ App }, { startServer }] = await Promise.all([import('../app.js'), import('../api/server.js')]);
        const app = await App.build(config, { purpose: 'vigil serve' });
        printStartup(app);
        await startServer(app, { host: opts.host ?? config.server.host, port: opts.port ?? config.server.port });
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });

  program
    .command('demo')
    .description('Run the bundled samples through the pipeline, then serve the API (what `npm start` does)')
    .option('-o, --out <dir>', 'output folder (default: ./vigil-out)')
    .option('-c, --config <file>', 'config file (default: the bundled samples/vigil.yaml)')
    .option('--no-serve', 'exit after the run instead of serving')
    .action(async (opts) => {
      try {
        const cfg = { ...opts, config: opts.config ?? `${PACKAGE_ROOT}/samples/vigil.yaml` };
        const { app } = await runCommand([`${PACKAGE_ROOT}/samples/alerts`], cfg, 'vigil demo');
        if (!app) return;
        if (opts.serve === false) {
          await app.close();
          return;
        }
        const { startServer } = await import('../api/server.js');
        await startServer(app, { host: app.config.server.host, port: app.config.server.port });
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });

  const configCmd = program.command('config').description('Inspect the configuration');
  configCmd
    .command('check')
    .description('Validate the config and print the effective settings, secrets masked')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action((opts) => {
      try {
        const loaded = loadConfigFrom(opts);
        const shown = { file: loaded.file ?? null, env: loaded.env, config: maskSecrets(loaded.config) };
        if (opts.json) printJson(shown);
        else {
          process.stdout.write(`config ${loaded.file ? rel(loaded.file) : '(defaults, no vigil.yaml)'} is valid${loaded.env.length ? `; environment overrides: ${loaded.env.join(', ')}` : ''}\n`);
          process.stdout.write(`${JSON.stringify(shown.config, null, 2)}\n`);
        }
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  program.addCommand(feedsCommand());
  program.addCommand(iocCommand());
  program.addCommand(detectCommand());
  program.addOption(new Option('--no-color', 'plain output').hideHelp());
  return program;
}


