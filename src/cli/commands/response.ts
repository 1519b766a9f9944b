import { userInfo } from 'node:os';
import { Command } from 'commander';
import type { App } from '../../app.js';
import { loadConfig } from '../../config.js';
import { VigilError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import type { EffectOut } from '../../playbooks/response.js';
import { printJson, reportError, table } from '../output.js';

async function withApp<T>(opts: { config?: string }, purpose: string, fn: (app: App) => Promise<T>): Promise<T> {
  const { App } = await import('../../app.js');
  const config = loadConfig(opts.config ? { file: opts.config } : {}).config;
  const app = await App.build(config, { purpose, log: createLogger({ level: 'error' }) });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

function cases(e: EffectOut): string {
  return e.holders.map((h) => `#${h.caseNumber ?? '?'}${h.first ? '' : '+'}${h.releasedAt ? ' (let go)' : ''}`).join(', ');
}

/** One effect and its holders, for the terminal. */
export function describeEffect(e: EffectOut): string {
  const lines = [
    `${e.id}  ${e.kind} ${e.target}  ${e.state.toUpperCase()} (${e.status})`,
    `  since ${e.since}; ${e.expiresAt ? `${e.state === 'released' ? 'ended' : 'ends'} ${e.expiresAt}` : 'no end: held until released'}${e.releasedAt ? `; released ${e.releasedAt}: ${e.releaseReason ?? ''}` : ''}`,
  ];
  for (const h of e.holders) {
    lines.push(`  - case #${h.caseNumber ?? '?'} ${h.caseTitle ?? ''} [${h.caseStatus ?? '?'}] ${h.first ? 'ran it' : 'joined'} ${h.joinedAt}, wants it ${h.expiresAt ? `until ${h.expiresAt}` : 'without end'}${h.releasedAt ? `; let go ${h.releasedAt}: ${h.releaseReason ?? ''}` : ''}`);
  }
  return lines.join('\n');
}

/** `vigil response list|show|release`: the response ledger (one block per address, one containment per host). */
export function responseCommand(): Command {
  const cmd = new Command('response').description('Blocks and containments in place, one per target, with the cases holding each; release one (undo it now)');

  cmd
    .command('list')
    .description('Effects on the outside world, newest first (active ones by default)')
    .option('--all', 'released ones too')
    .option('--case <number>', 'only effects this case holds or held', (v) => Number.parseInt(v, 10))
    .option('--kind <action>', 'only this action (block-ip, isolate-host)')
    .option('-n, --limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 100)
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (opts: { all?: boolean; case?: number; kind?: string; limit: number; config?: string; json?: boolean }) => {
      try {
        const { listEffects } = await import('../../playbooks/response.js');
        const effects = await withApp(opts, 'vigil response list', (app) =>
          listEffects(app, { ...(!opts.all && { state: ['pending', 'active', 'releasing'] }), ...(opts.kind && { kind: opts.kind }), ...(opts.case !== undefined && { caseNumber: opts.case }), limit: opts.limit }),
        );
        if (opts.json) printJson({ effects });
        else if (!effects.length) process.stdout.write(opts.all ? 'no response effects\n' : 'no active response effects (--all lists released ones too)\n');
        else {
          process.stdout.write(
            `${table([
              ['id', 'action', 'target', 'state', 'since', 'ends', 'cases'],
              ...effects.map((e) => [e.id, e.kind, e.target, `${e.state} (${e.status})`, e.since, e.expiresAt ?? 'when released', cases(e)]),
            ])}\n`,
          );
          process.stdout.write('cases: the first ran the action, + joined it; vigil response release ID|TARGET undoes one now\n');
        }
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  cmd
    .command('show')
    .description('One effect (by id or target) with every case that holds or held it')
    .argument('<effect>', 'effect id or target (an address, a host)')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { config?: string; json?: boolean }) => {
      try {
        const { getEffect } = await import('../../playbooks/response.js');
        const e = await withApp(opts, 'vigil response show', (app) => getEffect(app, ref));
        if (opts.json) printJson(e);
        else process.stdout.write(`${describeEffect(e)}\n`);
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  cmd
    .command('release')
    .description('End an active effect for every case holding it and undo it now (unblock, lift containment); recorded on each case')
    .argument('<effect>', 'effect id or target (an address, a host)')
    .option('-r, --reason <text>', 'why (recorded on every holding case)')
    .option('--by <name>', 'who releases it (default cli:<user>)')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (ref: string, opts: { reason?: string; by?: string; config?: string; json?: boolean }) => {
      try {
        const { releaseEffect } = await import('../../playbooks/response.js');
        const e = await withApp(opts, 'vigil response release', (app) => releaseEffect(app, ref, { by: opts.by ?? `cli:${userInfo().username}`, ...(opts.reason !== undefined && { reason: opts.reason }) }));
        if (opts.json) printJson(e);
        else process.stdout.write(`${describeEffect(e)}\n`);
        process.exitCode = e.state === 'released' ? 0 : 1;
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
        if (e instanceof VigilError && e.code === 'VIGIL_INPUT_INVALID') process.exitCode = 2;
      }
    });
  return cmd;
}
