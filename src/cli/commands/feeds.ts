import { Command } from 'commander';
import type { App } from '../../app.js';
import { formatIssue } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { FEED_FORMATS } from '../../intel/feeds/registry.js';
import { loadConfig } from '../../config.js';
import { printJson, reportError, table } from '../output.js';

export function feedsCommand(): Command {
  const feeds = new Command('feeds').description('The local IOC database: import and list threat-intel feeds');

  feeds
    .command('import')
    .description('Import feed files (or folders of them) into the local IOC database; re-importing a feed replaces its indicators')
    .argument('<paths...>', 'feed files or folders')
    .option('-f, --format <id>', `auto | ${FEED_FORMATS.map((f) => f.id).join(' | ')}`, 'auto')
    .option('-n, --name <name>', 'feed name used in evidence lines (default: the format label and file name)')
    .option('--ttl <days>', 'days the indicators stay valid', (v) => Number(v))
    .option('--force', 'import even when the content is unchanged')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (paths: string[], opts) => {
      let app: App | undefined;
      try {
        const [{ App }, { importFeeds }] = await Promise.all([import('../../app.js'), import('../../intel/feed-import.js')]);
        app = await App.build(loadConfig(opts.config ? { file: opts.config } : {}).config, { purpose: 'vigil feeds import', log: createLogger({ level: 'error' }) });
        const results = await importFeeds(app.repo, app.clock, paths.map((p) => ({ path: p, format: opts.format, name: opts.name, ttlDays: opts.ttl })), { force: opts.force });
        if (opts.json) printJson({ results });
        else {
          process.stdout.write(`${table([['file', 'format', 'status', 'indicators', 'skipped lines'], ...results.map((r) => [r.file, r.format, r.status, String(r.indicators), String(r.issues.length)])])}\n`);
          for (const r of results) {
            if (r.error) process.stderr.write(`${r.file}: ${r.error}\n`);
            for (const i of [...r.issues, ...r.unsupported].slice(0, 20)) process.stderr.write(`${formatIssue(i)}\n`);
          }
        }
        process.exitCode = results.some((r) => r.status === 'failed') ? 1 : results.some((r) => r.issues.length) ? 2 : 0;
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      } finally {
        await app?.close();
      }
    });

  feeds
    .command('list')
    .description('Each imported feed with its format, indicator count and age')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      let app: App | undefined;
      try {
        const { App } = await import('../../app.js');
        app = await App.build(loadConfig(opts.config ? { file: opts.config } : {}).config, { purpose: 'vigil feeds list', log: createLogger({ level: 'error' }) });
        const rows = await app.repo.listFeeds();
        if (opts.json) printJson({ feeds: rows });
        else {
          const now = Date.now();
          process.stdout.write(
            `${table([['name', 'format', 'indicators', 'skipped', 'imported'], ...rows.map((f) => [f.name, f.format, String(f.indicatorCount), String(f.issueCount), `${Math.round((now - Date.parse(f.importedAt)) / 60000)} min ago`])])}\n`,
          );
        }
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      } finally {
        await app?.close();
      }
    });
  return feeds;
}
