import { Command } from 'commander';
import { loadConfig, type VigilConfig } from '../../config.js';
import { VigilError } from '../../core/errors.js';
import { deleteCheckpoint } from '../../sources/live/checkpoints.js';
import { formatAge } from '../../sources/live/source.js';
import { sourcesStatus, type SourceStatusView } from '../../sources/live/status.js';
import { openStore, type StoreHandle } from '../../store/db.js';
import { printJson, reportError, table } from '../output.js';

function serverBase(config: VigilConfig): string {
  const h = config.server.host;
  // A server listening on every address is reachable on the loopback.
  const host = h === '0.0.0.0' || h === '::' || h === '' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h;
  return `http://${host}:${config.server.port}`;
}

/** The running server's view, when it holds the embedded store; a string says why there is none. */
async function askServer(base: string, apiKey: string | undefined): Promise<SourceStatusView[] | string> {
  try {
    const res = await fetch(`${base}/api/sources`, { signal: AbortSignal.timeout(5000), headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
    if (res.status === 401 || res.status === 403) {
      return apiKey
        ? `it refused the API key (HTTP ${res.status})`
        : 'it needs an API key: pass --api-key or set VIGIL_API_KEY (a read-only key is enough: vigil keys create --role read-only)';
    }
    if (!res.ok) return `it answered HTTP ${res.status}`;
    const body = (await res.json()) as { sources?: SourceStatusView[] };
    return Array.isArray(body.sources) ? body.sources : 'its answer had no sources list';
  } catch (e) {
    return `it did not answer (${(e as Error).message})`;
  }
}

function ago(iso: string | null, now: number): string {
  if (!iso) return '—';
  return `${formatAge(now - Date.parse(iso))} ago`;
}

function render(views: SourceStatusView[]): string {
  const now = Date.now();
  const rows = [['name', 'type', 'state', 'position', 'lag', 'delivered', 'last event', 'last error']];
  for (const v of views) {
    const state = !v.configured ? 'not configured' : !v.enabled ? 'disabled' : v.running === null ? '—' : v.running ? (v.state ?? 'running') : 'not running';
    const err = v.lastError ? `${ago(v.lastErrorAt, now)}: ${v.lastError.length > 100 ? `${v.lastError.slice(0, 100)}…` : v.lastError}` : '—';
    rows.push([v.name, v.type, state, v.position, v.lag || '—', String(v.delivered), ago(v.lastEventAt, now), err]);
  }
  return table(rows);
}

export function sourcesCommand(): Command {
  const sources = new Command('sources').description('Live sources (sources: in vigil.yaml): where each one is, how far behind, its last error');

  sources
    .command('status')
    .description('Each configured source: position, lag, records delivered, last event and last error (from the store, or from the running server when it holds the embedded store)')
    .option('-c, --config <file>', 'config file')
    .option('--api-key <key>', 'API key for asking the running server when it holds the embedded store (default: VIGIL_API_KEY)')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      let store: StoreHandle | undefined;
      try {
        const { config } = loadConfig(opts.config ? { file: opts.config } : {});
        let views: SourceStatusView[];
        let note = '';
        try {
          store = await openStore({ databaseUrl: config.database.url, dataDir: config.dataDir, purpose: 'vigil sources status' });
          views = await sourcesStatus(store.db, config.sources);
        } catch (e) {
          if (!(e instanceof VigilError) || e.code !== 'VIGIL_STORE_LOCKED') throw e;
          const base = serverBase(config);
          const fromServer = await askServer(base, opts.apiKey ?? process.env.VIGIL_API_KEY);
          if (typeof fromServer === 'string') {
            throw new VigilError('VIGIL_STORE_LOCKED', `${e.message} Asked the server at ${base}/api/sources instead, but ${fromServer}.`);
          }
          views = fromServer;
          note = `The embedded store is locked by the running server; this status comes from ${base}/api/sources.`;
        }
        if (opts.json) printJson({ sources: views, ...(note && { note }) });
        else {
          if (note) process.stderr.write(`${note}\n`);
          process.stdout.write(views.length ? `${render(views)}\n` : 'No live sources: add them under sources: in vigil.yaml (docs/sources.md).\n');
        }
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      } finally {
        await store?.close();
      }
    });

  sources
    .command('reset')
    .description("Forget a source's stored position, so its next start begins afresh (files: from startAt; indexers: from since). Stop the server first.")
    .argument('<name>', 'the source name')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print JSON')
    .action(async (name: string, opts) => {
      let store: StoreHandle | undefined;
      try {
        const { config } = loadConfig(opts.config ? { file: opts.config } : {});
        store = await openStore({ databaseUrl: config.database.url, dataDir: config.dataDir, purpose: 'vigil sources reset' });
        const removed = await deleteCheckpoint(store.db, name);
        if (opts.json) printJson({ source: name, reset: removed });
        else process.stdout.write(removed ? `source ${name}: position forgotten (a server running it keeps its position in memory and saves it again: stop the server first)\n` : `source ${name} has no stored position\n`);
        process.exitCode = removed ? 0 : 2;
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      } finally {
        await store?.close();
      }
    });
  return sources;
}
