import { Command } from 'commander';
import type { App } from '../../app.js';
import { createLogger } from '../../core/log.js';
import type { ProviderStatus } from '../../intel/engine.js';
import { loadConfig } from '../../config.js';
import { printJson, reportError, table } from '../output.js';

function quota(s: ProviderStatus): string {
  if (!s.quota) return '-';
  const q = s.quota.map((w) => `${w.remaining}/${w.limit} per ${w.per}`).join(', ');
  return s.pausedUntil ? `${q} (paused until ${s.pausedUntil})` : q;
}

/** `vigil intel status`: each provider's state, quota left, queue, breaker, calls and cache. */
export function intelCommand(): Command {
  const intel = new Command('intel').description('Threat-intel providers: state, quotas, circuit breakers and cache');
  intel
    .command('status')
    .description('Each provider: on or off (and why), quota left per window, queued lookups, circuit breaker, calls and cache hits since counting began, cached answers')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (opts: { config?: string; json?: boolean }) => {
      let app: App | undefined;
      try {
        const [{ App }, { IntelCache }] = await Promise.all([import('../../app.js'), import('../../intel/cache.js')]);
        app = await App.build(loadConfig(opts.config ? { file: opts.config } : {}).config, { purpose: 'vigil intel status', log: createLogger({ level: 'error' }) });
        const counts = await new IntelCache(app.repo.db, app.clock).counts();
        const providers = app.intel.status().map((s) => {
          const c = counts.find((x) => x.provider === s.id);
          return { ...s, ...(s.remote && { cacheEntries: { live: c?.live ?? 0, expired: c?.expired ?? 0 } }) };
        });
        if (opts.json) {
          printJson({ providers });
          return;
        }
        const rows = [['provider', 'state', 'quota left', 'queued', 'breaker', 'requests', 'failed', 'cache hits/misses', 'cached answers']];
        for (const s of providers) {
          const state = s.enabled ? 'on' : 'off';
          if (!s.enabled || !s.remote) {
            rows.push([s.id, s.remote ? state : `${state} (local)`, '-', '-', '-', '-', '-', '-', s.cacheEntries ? String(s.cacheEntries.live) : '-']);
            continue;
          }
          const breaker = s.breaker ? (s.breaker.state === 'open' ? `open until ${s.breaker.retryAt}` : s.breaker.state) : '-';
          rows.push([s.id, state, quota(s), String(s.queued ?? 0), breaker, String(s.calls?.requests ?? 0), String(s.calls?.failed ?? 0), `${s.calls?.cacheHits ?? 0}/${s.calls?.cacheMisses ?? 0}`, String(s.cacheEntries?.live ?? 0)]);
        }
        const lines = [table(rows)];
        const off = providers.filter((s) => !s.enabled);
        if (off.length) lines.push('', 'Off:', ...off.map((s) => `  ${s.id}: ${s.reason}`));
        const errs = providers.filter((s) => s.lastError);
        if (errs.length) lines.push('', 'Last errors:', ...errs.map((s) => `  ${s.id} at ${s.lastError!.at}: ${s.lastError!.message}`));
        process.stdout.write(`${lines.join('\n')}\n`);
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      } finally {
        await app?.close();
      }
    });
  return intel;
}
