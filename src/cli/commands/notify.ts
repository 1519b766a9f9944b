import { Command } from 'commander';
import type { App } from '../../app.js';
import { loadConfig } from '../../config.js';
import { VigilError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import type { DeliveryResult, Notifier } from '../../notify/dispatcher.js';
import { createNotifier } from '../../notify/setup.js';
import { NotifyStore } from '../../notify/store.js';
import { printJson, reportError, table } from '../output.js';

interface Common {
  config?: string;
  out?: string;
  json?: boolean;
}

async function withApp<T>(opts: Common, purpose: string, fn: (app: App) => Promise<T>): Promise<T> {
  const { App } = await import('../../app.js');
  const app = await App.build(loadConfig(opts.config ? { file: opts.config } : {}).config, { purpose, log: createLogger({ level: 'error' }) });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** Input problems (an unknown channel, a missing id) exit 2; everything else that failed exits 1. */
function fail(e: unknown, json?: boolean): number {
  const code = reportError(e, json);
  if (e instanceof VigilError && (e.code === 'VIGIL_INPUT_NOT_FOUND' || e.code === 'VIGIL_INPUT_INVALID' || (e.code === 'VIGIL_PLUGIN_UNKNOWN' && e.field === 'notify.channels'))) return 2;
  return code;
}

// Channels are built when a notification needs them: retrying a webhook's dead letters must not
// require the Slack secret to be in this shell.
function lazyNotifier(app: App, outDir?: string): Notifier {
  return createNotifier({ repo: app.repo, notify: app.config.notify, outDir: outDir ?? app.config.out, clock: app.clock, fetch: globalThis.fetch, log: app.log, eager: false });
}

function ago(iso: string): string {
  const min = Math.round((Date.now() - Date.parse(iso)) / 60_000);
  return min < 60 ? `${min} min ago` : min < 2880 ? `${Math.round(min / 60)} h ago` : `${Math.round(min / 1440)} d ago`;
}

function printResults(results: DeliveryResult[]): void {
  process.stdout.write(
    `${table([
      ['id', 'channel', 'status', 'attempts', 'where / why'],
      ...results.map((r) => [r.id, r.channel, r.status, String(r.attempts), r.status === 'sent' ? (r.location ?? '') : r.status === 'retrying' ? `${r.error ?? ''} (next ${r.nextAttemptAt})` : (r.error ?? '')]),
    ])}\n`,
  );
}

/** `vigil notify test|failed|retry`: try a channel, list dead letters, send them again. */
export function notifyCommand(): Command {
  const notify = new Command('notify').description('Notification channels: send a test message, list dead letters, retry them');

  notify
    .command('test')
    .description('Send the sample case (#3, HIGH, SSH brute force on web-01) to one channel, without routing, and say where it went')
    .argument('<channel>', 'a channel id (outbox, slack, …) or a name under notify.channelSettings')
    .option('-c, --config <file>', 'config file')
    .option('-o, --out <dir>', 'output folder (for the outbox)')
    .option('--json', 'print JSON')
    .action(async (channel: string, opts: Common) => {
      try {
        const r = await withApp(opts, 'vigil notify test', (app) => lazyNotifier(app, opts.out).sendTest(channel));
        if (opts.json) printJson({ ok: true, ...r });
        else process.stdout.write(`sent a test notification via ${r.channel} (${r.type})${r.attempts > 1 ? ` after ${r.attempts} attempts` : ''}: ${r.location}\n`);
      } catch (e) {
        if (opts.json && !(e instanceof VigilError && e.field)) {
          printJson({ ok: false, channel, error: e instanceof VigilError ? e.toJSON() : { code: 'VIGIL_INTERNAL', message: (e as Error).message } });
          process.exitCode = 1;
        } else process.exitCode = fail(e, opts.json);
      }
    });

  notify
    .command('failed')
    .description('Dead letters: notifications whose last attempt failed, newest first')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (opts: Common) => {
      try {
        await withApp(opts, 'vigil notify failed', async (app) => {
          const store = new NotifyStore(app.repo.db);
          const [dead, counts] = await Promise.all([store.dead(), store.countByStatus()]);
          const rows = dead.map((d) => ({ id: d.id, case: d.caseNumber, channel: d.channel, severity: d.severity, subject: d.subject, attempts: d.attempts, error: d.error, route: d.route, createdAt: d.createdAt }));
          const waiting = (counts.retrying ?? 0) + (counts.pending ?? 0);
          if (opts.json) printJson({ dead: rows, waiting: { retrying: counts.retrying ?? 0, pending: counts.pending ?? 0 } });
          else {
            if (!rows.length) process.stdout.write('no dead letters\n');
            else process.stdout.write(`${table([['id', 'case', 'channel', 'severity', 'attempts', 'created', 'last error'], ...rows.map((r) => [r.id, r.case === null ? 'digest' : `#${r.case}`, r.channel, r.severity, String(r.attempts), ago(r.createdAt), r.error ?? ''])])}\n`);
            if (waiting) process.stderr.write(`${waiting} more waiting for a retry or the end of quiet hours (vigil notify retry --due sends what is due)\n`);
          }
        });
      } catch (e) {
        process.exitCode = fail(e, opts.json);
      }
    });

  notify
    .command('retry')
    .description('Send dead letters (or waiting retries) again now: one by id, or --all; --due does what the server loop does')
    .argument('[id]', 'notification id (from vigil notify failed)')
    .option('--all', 'every dead letter and every notification waiting for a retry')
    .option('--due', 'only what is due: scheduled retries, messages held for quiet hours, digests whose interval has passed')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, opts: Common & { all?: boolean; due?: boolean }) => {
      try {
        if ([id !== undefined, !!opts.all, !!opts.due].filter(Boolean).length !== 1) {
          throw new VigilError('VIGIL_INPUT_INVALID', 'give one notification id, --all or --due', { field: 'id' });
        }
        await withApp(opts, 'vigil notify retry', async (app) => {
          const n = lazyNotifier(app);
          if (opts.due) {
            const r = await n.retryDue();
            if (opts.json) printJson(r);
            else process.stdout.write(`attempted ${r.attempted}: sent ${r.sent}, retrying ${r.retrying}, dead ${r.dead}, dropped ${r.suppressed}; digests sent ${r.digests}\n`);
            process.exitCode = r.dead || r.retrying ? 1 : 0;
            return;
          }
          const results = opts.all ? await n.resendAll() : [await n.resend(id!)];
          if (opts.json) printJson({ results });
          else if (!results.length) process.stdout.write('nothing to retry\n');
          else printResults(results);
          process.exitCode = results.every((r) => r.status === 'sent') ? 0 : 1;
        });
      } catch (e) {
        process.exitCode = fail(e, opts.json);
      }
    });
  return notify;
}
