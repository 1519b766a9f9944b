import { Command, InvalidArgumentError } from 'commander';
import type { Bus, DeadLetter } from '../../bus/types.js';
import { loadConfig } from '../../config.js';
import { VigilError } from '../../core/errors.js';
import { printJson, reportError, table } from '../output.js';

async function open(configFile: string | undefined): Promise<Bus> {
  const { config } = loadConfig(configFile ? { file: configFile } : {});
  if (!config.bus.url || config.bus.url === 'memory://') {
    throw new VigilError('VIGIL_CONFIG_INVALID', 'dead letters belong to the distributed mode: set bus.url or VIGIL_NATS_URL to the NATS server the workers use', { field: 'bus.url' });
  }
  const { openBus } = await import('../../bus/index.js');
  return openBus(config.bus, { name: 'vigil-dlq' });
}

function seqList(v: string, prev: number[] = []): number[] {
  const out = [...prev];
  for (const part of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const n = Number(part);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${part}" is not a dead-letter sequence number (vigil dlq list shows them)`);
    out.push(n);
  }
  return out;
}

function render(dead: DeadLetter[]): string {
  return table([
    ['seq', 'stage', 'partition', 'deliveries', 'failed at', 'bytes', 'message id', 'error'],
    ...dead.map((d) => [String(d.seq), d.stage, String(d.partition), String(d.deliveries), d.at, String(d.bytes), d.id, d.error.length > 120 ? `${d.error.slice(0, 120)}…` : d.error]),
  ]);
}

export function dlqCommand(): Command {
  const dlq = new Command('dlq').description('Dead letters of the distributed mode: messages a stage failed on maxDeliver times, kept with the reason');

  dlq
    .command('list')
    .description('The dead letters, oldest first, with stage, partition, deliveries and the last error')
    .option('--limit <n>', 'at most this many', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('--limit takes a whole number from 1 to 100000');
      return n;
    })
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (opts: { limit?: number; config?: string; json?: boolean }) => {
      let bus: Bus | undefined;
      try {
        bus = await open(opts.config);
        const dead = await bus.listDead(opts.limit ?? 100);
        if (opts.json) printJson({ dead });
        else if (!dead.length) process.stdout.write('no dead letters\n');
        else process.stdout.write(`${render(dead)}\n`);
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      } finally {
        await bus?.close().catch(() => {});
      }
    });

  dlq
    .command('retry')
    .description('Publish dead letters again on their stage partition (after fixing what made them fail) and remove them from the dead letters')
    .argument('[seqs...]', 'sequence numbers from vigil dlq list (comma or space separated)')
    .option('--all', 'every dead letter')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExit status: 0 all retried, 2 some sequence numbers were not dead letters, 1 failure.')
    .action(async (seqArgs: string[], opts: { all?: boolean; config?: string; json?: boolean }) => {
      let bus: Bus | undefined;
      try {
        const seqs = seqArgs.reduce<number[]>((acc, v) => seqList(v, acc), []);
        if (!opts.all && !seqs.length) throw new VigilError('VIGIL_INPUT_INVALID', 'name the dead letters to retry (vigil dlq list shows their seq) or pass --all', { field: 'seqs' });
        if (opts.all && seqs.length) throw new VigilError('VIGIL_INPUT_INVALID', 'either sequence numbers or --all, not both', { field: 'seqs' });
        bus = await open(opts.config);
        const r = await bus.retryDead(opts.all ? 'all' : seqs);
        if (opts.json) printJson(r);
        else {
          process.stdout.write(`retried ${r.retried.length} dead letter${r.retried.length === 1 ? '' : 's'}${r.retried.length ? ` (${r.retried.join(', ')})` : ''}\n`);
          if (r.missing.length) process.stderr.write(`not dead letters (already retried, expired, or never): ${r.missing.join(', ')}\n`);
        }
        process.exitCode = r.missing.length ? 2 : 0;
      } catch (e) {
        const code = reportError(e, opts.json);
        process.exitCode = e instanceof VigilError && e.code === 'VIGIL_INPUT_INVALID' ? 2 : code;
      } finally {
        await bus?.close().catch(() => {});
      }
    });
  return dlq;
}
