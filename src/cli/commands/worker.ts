import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import type { App } from '../../app.js';
import type { Bus, Stage } from '../../bus/types.js';
import { loadConfig } from '../../config.js';
import { VigilError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { maskUrl } from '../../store/db.js';
import type { Worker } from '../../workers/worker.js';
import { printJson, reportError, table } from '../output.js';

/** The issue's finer stage names map onto the three stages the bus has (docs/scaling.md). */
const STAGE_NAMES: Record<string, Stage> = {
  ingest: 'ingest',
  detect: 'ingest',
  normalize: 'ingest',
  enrich: 'ingest',
  case: 'case',
  assess: 'case',
  group: 'case',
  store: 'case',
  respond: 'respond',
  notify: 'respond',
  report: 'respond',
};

export function parseStages(v: string): Stage[] {
  const out = new Set<Stage>();
  for (const name of v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    const s = STAGE_NAMES[name];
    if (!s) throw new InvalidArgumentError(`unknown stage "${name}": use ingest (alias detect, enrich), case (alias assess), respond (alias notify)`);
    out.add(s);
  }
  if (!out.size) throw new InvalidArgumentError('no stage given');
  return [...out];
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new InvalidArgumentError('--concurrency takes a whole number from 1 to 1024');
  return n;
}

function printStats(w: Worker): void {
  const s = w.stats;
  process.stderr.write(
    `${table([
      ['ingest', `messages ${s.ingest.messages}`, `records ${s.ingest.records}`, `alerts ${s.ingest.alerts}`, `rejected ${s.ingest.rejected}`, `forwarded ${s.ingest.forwarded}`],
      ['case', `messages ${s.case.messages}`, `stored ${s.case.stored}`, `duplicate ${s.case.duplicate}`, `cases touched ${s.case.cases}`],
      ['respond', `messages ${s.respond.messages}`, `ran ${s.respond.ran}`, `coalesced ${s.respond.coalesced}`, `actions ${s.respond.actions}`, `notifications ${s.respond.notifications}`],
      ['failures', `retried ${s.retried}`, `dead-lettered ${s.deadLettered}`],
    ])}\n`,
  );
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('Run pipeline stages from NATS JetStream with PostgreSQL as the shared store (the distributed mode: bus.url + database.url, or VIGIL_NATS_URL + VIGIL_DATABASE_URL)')
    .option('--stages <list>', 'stages to run, comma-separated: ingest (detect, normalize, enrich), case (assess, group, store), respond (playbooks, report, notify)', parseStages, ['ingest', 'case', 'respond'] as Stage[])
    .option('--concurrency <n>', 'messages processed at once (default: the number of CPUs)', positiveInt)
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print the final counts as JSON when stopped')
    .addHelpText(
      'after',
      '\nAny number of workers on any number of machines: each takes its share of the ordered partitions\nand gives it up when it stops (SIGINT/SIGTERM finishes the messages in hand first). See docs/scaling.md.',
    )
    .action(async (opts: { stages: Stage[]; concurrency?: number; config?: string; json?: boolean }) => {
      let app: App | undefined;
      let bus: Bus | undefined;
      try {
        const { config } = loadConfig(opts.config ? { file: opts.config } : {});
        if (!config.bus.url || config.bus.url === 'memory://') {
          throw new VigilError('VIGIL_CONFIG_INVALID', 'vigil worker needs a NATS JetStream server: set bus.url or VIGIL_NATS_URL (nats://host:4222)', { field: 'bus.url' });
        }
        if (!config.database.url) {
          throw new VigilError('VIGIL_CONFIG_INVALID', 'vigil worker needs PostgreSQL shared with the other processes: set database.url or VIGIL_DATABASE_URL', { field: 'database.url' });
        }
        const databaseUrl = config.database.url;
        const [{ App }, { openBus }, { PgLeases }, { Worker }, { GlobalQuota, remoteQuotas }, { withStartupLock }, { printStartup }, { systemClock }] = await Promise.all([
          import('../../app.js'),
          import('../../bus/index.js'),
          import('../../workers/leases.js'),
          import('../../workers/worker.js'),
          import('../../workers/quota.js'),
          import('../../workers/startup.js'),
          import('../startup.js'),
          import('../../core/clock.js'),
        ]);
        const quota = new GlobalQuota(remoteQuotas(config), systemClock);
        const built = await withStartupLock(databaseUrl, () => App.build(config, { purpose: 'vigil worker', fetch: quota.wrap(globalThis.fetch), log: createLogger({ level: config.log.level }) }));
        app = built;
        // Correlation windows live per partition in the worker (src/workers/worker.ts); the process-wide
        // detector would only save an empty state over the embedded mode's on close.
        built.detector = undefined;
        quota.bind(built.repo.db);
        printStartup(built);
        bus = await openBus(config.bus, { name: 'vigil-worker' });
        const id = `${process.pid}`;
        const leases = await PgLeases.open(databaseUrl, config.bus.prefix, opts.stages, id);
        const concurrency = opts.concurrency ?? availableParallelism();
        const worker = new Worker(built, bus, leases, { stages: opts.stages, concurrency }, () => PgLeases.open(databaseUrl, config.bus.prefix, opts.stages, id));
        await worker.start();
        process.stderr.write(
          `vigil worker ${worker.id}: stages ${opts.stages.join(', ')}, concurrency ${concurrency}, ${config.bus.partitions} partitions on ${maskUrl(config.bus.url)} (prefix ${config.bus.prefix}). Ctrl-C stops.\n`,
        );
        const openBusRef = bus;
        let stopping = false;
        const stop = async (): Promise<void> => {
          if (stopping) return;
          stopping = true;
          try {
            await worker.stop();
            await openBusRef.close();
            await built.close();
            if (opts.json) printJson({ worker: worker.id, stats: worker.stats });
            else printStats(worker);
            process.exit(0);
          } catch (e) {
            process.exit(reportError(e, opts.json));
          }
        };
        process.once('SIGINT', () => void stop());
        process.once('SIGTERM', () => void stop());
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
        await bus?.close().catch(() => {});
        await app?.close().catch(() => {});
      }
    });
}
