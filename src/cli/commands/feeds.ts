import { Command, InvalidArgumentError } from 'commander';
import type { App } from '../../app.js';
import { formatIssue } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { FEED_FORMATS } from '../../intel/feeds/registry.js';
import { loadConfig } from '../../config.js';
import { printJson, reportError, table } from '../output.js';

function ttlDays(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 3650) throw new InvalidArgumentError('--ttl takes a whole number of days from 1 to 3650');
  return n;
}

function age(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 120) return `${m} min ago`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h ago` : `${Math.round(h / 24)} days ago`;
}

export function feedsCommand(): Command {
  const feeds = new Command('feeds').description('The local IOC database: import and list threat-intel feeds');

  feeds
    .command('import')
    .description('Import feed files, folders of them, or http(s) URLs into the local IOC database; re-importing a feed replaces its content and expires indicators gone from it')
    .argument('<paths...>', 'feed files, folders or http(s) URLs')
    .option('-f, --format <id>', `auto | ${FEED_FORMATS.map((f) => f.id).join(' | ')}`, 'auto')
    .option('-n, --name <name>', 'feed name used in evidence lines (default: the format label and file name)')
    .option('--ttl <days>', 'days the indicators stay valid unless the feed is imported again', ttlDays)
    .option('--force', 'import even when the content is unchanged, or its size jumped past feedLimits.maxSizeRatio')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nURLs are downloaded only when named here (never from config), up to 512 MiB; a redirect to a private,\nloopback or link-local address is refused.')
    .action(async (paths: string[], opts) => {
      let app: App | undefined;
      try {
        const [{ App }, { importFeeds }] = await Promise.all([import('../../app.js'), import('../../intel/feed-import.js')]);
        app = await App.build(loadConfig(opts.config ? { file: opts.config } : {}).config, { purpose: 'vigil feeds import', log: createLogger({ level: 'error' }) });
        if (paths.some((p) => /^https?:\/\//i.test(p)) && !opts.json) process.stderr.write('downloading…\n');
        const results = await importFeeds(app.repo, app.clock, paths.map((p) => ({ path: p, format: opts.format, name: opts.name, ttlDays: opts.ttl })), { force: opts.force, allowUrls: true, limits: app.config.feedLimits });
        if (opts.json) printJson({ results });
        else {
          process.stdout.write(
            `${table([
              ['feed', 'format', 'status', 'indicators', 'expired', 'skipped lines'],
              ...results.map((r) => [r.file, r.format, r.status, String(r.indicators), String(r.expired ?? 0), String(r.issues.length)]),
            ])}\n`,
          );
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
    .description('Each imported feed with its format, live and expired indicators, TTL and age')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      let app: App | undefined;
      try {
        const [{ App }, { feedCounts }] = await Promise.all([import('../../app.js'), import('../../intel/feed-store.js')]);
        app = await App.build(loadConfig(opts.config ? { file: opts.config } : {}).config, { purpose: 'vigil feeds list', log: createLogger({ level: 'error' }) });
        const now = app.clock.now();
        const counts = await feedCounts(app.repo.db, now);
        const rows = (await app.repo.listFeeds()).map((f) => ({ ...f, live: counts.get(f.id)?.live ?? 0, expired: counts.get(f.id)?.expired ?? 0 }));
        if (opts.json) printJson({ feeds: rows });
        else {
          process.stdout.write(
            `${table([
              ['name', 'format', 'indicators', 'expired', 'skipped', 'ttl', 'imported'],
              ...rows.map((f) => [f.name, f.format, String(f.live), String(f.expired), String(f.issueCount), f.ttlDays ? `${f.ttlDays} d` : '-', age(now.getTime() - Date.parse(f.importedAt))]),
            ])}\n`,
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
