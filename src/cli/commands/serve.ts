import { resolve } from 'node:path';
import { Command } from 'commander';
import type { App } from '../../app.js';
import { reportError } from '../output.js';
import { loadConfigFrom, printStartup } from '../startup.js';

/**
 * A server with no key at all could not be used: the first start creates an admin key. It goes to a
 * file only its owner can read, and the log names the file: service logs are read by many.
 */
async function firstKey(app: App): Promise<void> {
  if ((await app.keys.list({ all: true })).length) return;
  const { key } = await app.keys.create({ name: 'admin', role: 'admin' });
  const dir = app.config.dataDir && !app.config.dataDir.startsWith('memory://') ? app.config.dataDir : resolve('.vigil');
  const { writeBootstrapKey } = await import('../../auth/keys.js');
  const file = writeBootstrapKey(dir, key);
  process.stdout.write(`First start: created the admin API key and wrote it to ${file} (mode 0600). Read it, store it safely, then delete the file.\nCreate more with \`vigil keys create --name NAME --role admin|analyst|read-only|ingest\`.\n`);
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('Serve the HTTP API (health, readiness, cases and reports) and run the live sources configured under sources:')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port (default 8080)', (v) => Number(v))
    .option('-c, --config <file>', 'config file')
    .action(async (opts: { host?: string; port?: number; config?: string }) => {
      try {
        const { config } = loadConfigFrom(opts);
        const [{ App }, { startServer }, { readTlsPair }] = await Promise.all([import('../../app.js'), import('../../api/server.js'), import('../../api/tls.js')]);
        // A certificate that cannot work is said before the store is opened and the feeds imported.
        if (config.server.tls) readTlsPair(config.server.tls);
        // bus.url set: ingest is published to the workers instead of processed here (docs/scaling.md).
        const app = config.bus.url ? await (await import('../../workers/serve.js')).buildDistributedServer(config) : await App.build(config, { purpose: 'vigil serve', storeThread: true });
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
}
