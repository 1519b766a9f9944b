import { relative, resolve } from 'node:path';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import type { App } from '../app.js';
import { loadConfig, maskSecrets, PACKAGE_ROOT, type LoadedConfig } from '../config.js';
import { formatIssue } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { SEVERITIES } from '../core/types.js';
import type { RunSummary } from '../pipeline/run.js';
import { feedsCommand } from './commands/feeds.js';
import { enrichCommand } from './commands/enrich.js';
import { intelCommand } from './commands/intel.js';
import { notifyCommand } from './commands/notify.js';
import { printJson, reportError, table } from './output.js';
import { iocCommand } from './commands/ioc.js';
import { detectCommand, rulesCommand } from './commands/detect.js';
import { keysCommand } from './commands/keys.js';
import { sourcesCommand } from './commands/sources.js';
import { phishCommand } from './commands/phish.js';
import { playbooksCommand } from './commands/playbooks.js';
import { workerCommand } from './commands/worker.js';
import { dlqCommand } from './commands/dlq.js';
import { formatSigmaIssue } from '../detect/sigma/io.js';

const EXIT_HELP = `
Exit status:
  0  every input record was processed
  2  some input was rejected (each reported with file:line and the reason); the rest was processed
  1  failure (bad config, store unavailable, unexpected error)`;

function splitList(v: string, prev: string[] = []): string[] {
  return [...prev, ...v.split(',').map((x) => x.trim()).filter(Boolean)];
}

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
  const ruleIssues = app.startup.ruleIssues;
  if (ruleIssues.length) {
    for (const i of ruleIssues.slice(0, 5)) process.stderr.write(`sigma rule skipped: ${formatSigmaIssue(i)}\n`);
    if (ruleIssues.length > 5) process.stderr.write(`… and ${ruleIssues.length - 5} more rules skipped (vigil detect lint lists all)\n`);
  }
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
    lines.push('Rejected input', ...s.issues.slice(0, 20).map((i) => `  ${formatIssue({ ...i, file: rel(i.file) })}`));
    if (s.issues.length > 20) lines.push(`  … and ${s.issues.length - 20} more (--json lists all)`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

interface RunCommandOptions {
  out?: string;
  config?: string;
  json?: boolean;
  rules?: string[];
  pipeline?: string[];
}

async function runCommand(paths: string[], opts: RunCommandOptions, purpose = 'vigil run', storeThread = false): Promise<{ code: number; app?: App }> {
  const { config } = loadConfigFrom(opts);
  if (opts.rules?.length) config.detect.rules = opts.rules.map((r) => resolve(r));
  if (opts.pipeline?.length) config.detect.pipelines = opts.pipeline.map((r) => resolve(r));
  // The CLI reports start-up problems itself, as plain lines; JSON logs are for services.
  const { App } = await import('../app.js');
  const app = await App.build(config, { purpose, storeThread, log: createLogger({ level: 'error' }) });
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

/** A server with no key at all could not be used: the first start creates an admin key and shows it once. */
async function firstKey(app: App): Promise<void> {
  if ((await app.keys.list({ all: true })).length) return;
  const { key } = await app.keys.create({ name: 'admin', role: 'admin' });
  process.stdout.write(`First start: created the admin API key (shown only now, store it safely):\n  ${key}\nCreate more with \`vigil keys create --name NAME --role admin|analyst|read-only|ingest\`.\n`);
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
    .option('-r, --rules <dirs>', 'also run Sigma rules (files or folders, comma-separated, repeatable) over every record: matches become alerts', splitList)
    .option('-p, --pipeline <file>', 'Sigma field-mapping pipeline YAML (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
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
    .description('Serve the HTTP API (health, readiness, cases and reports) and run the live sources configured under sources:')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port (default 8080)', (v) => Number(v))
    .option('-c, --config <file>', 'config file')
    .action(async (opts) => {
      try {
        const { config } = loadConfigFrom(opts);
        const [{ App }, { startServer }] = await Promise.all([import('../app.js'), import('../api/server.js')]);
        // bus.url set: ingest is published to the workers instead of processed here (docs/scaling.md).
        const app = config.bus.url ? await (await import('../workers/serve.js')).buildDistributedServer(config) : await App.build(config, { purpose: 'vigil serve', storeThread: true });
        printStartup(app);
        await firstKey(app);
        const server = await startServer(app, { host: opts.host ?? config.server.host, port: opts.port ?? config.server.port });
        if (config.sources.length) {
          try {
            const names = (await app.startSources()).live().map((l) => `${l.name} (${l.type})`);
            process.stderr.write(`live sources running: ${names.join(', ') || 'none enabled'}; see vigil sources status or /api/sources\n`);
          } catch (e) {
            await server.close();
            await app.close();
            throw e;
          }
        }
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
        const { app } = await runCommand([`${PACKAGE_ROOT}/samples/alerts`, `${PACKAGE_ROOT}/samples/events`], cfg, 'vigil demo', opts.serve !== false);
        if (!app) return;
        if (opts.serve === false) {
          await app.close();
          return;
        }
        const { startServer } = await import('../api/server.js');
        // The demo signs in with a fresh key each start; the one printed last time is revoked.
        await app.keys.revoke('demo');
        const { key } = await app.keys.create({ name: 'demo', role: 'admin' });
        process.stdout.write(`API key (admin, for this demo): ${key}\n`);
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
  program.addCommand(enrichCommand());
  program.addCommand(intelCommand());
  program.addCommand(notifyCommand());
  program.addCommand(iocCommand());
  program.addCommand(detectCommand());
  program.addCommand(rulesCommand());
  program.addCommand(keysCommand());
  program.addCommand(sourcesCommand());
  program.addCommand(phishCommand());
  program.addCommand(playbooksCommand());
  program.addCommand(workerCommand());
  program.addCommand(dlqCommand());
  program.addOption(new Option('--no-color', 'plain output').hideHelp());
  return program;
}


