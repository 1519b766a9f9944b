import { App } from '../app.js';
import type { VigilConfig } from '../config.js';
import { systemClock } from '../core/clock.js';
import { VigilError } from '../core/errors.js';
import { maskUrl } from '../store/db.js';
import { GlobalQuota, remoteQuotas } from './quota.js';
import { withStartupLock } from './startup.js';

/**
 * `vigil serve` in the distributed mode: the same App, built under the start-up lock, with the
 * shared provider quota in front of its own lookups (`/api/enrich`, phishing) and ingest switched
 * to publishing into the first stream.
 */
export async function buildDistributedServer(config: VigilConfig): Promise<App> {
  if (!config.database.url) {
    throw new VigilError('VIGIL_CONFIG_INVALID', 'the distributed mode (bus.url / VIGIL_NATS_URL) needs PostgreSQL shared by every process: set database.url or VIGIL_DATABASE_URL', { field: 'database.url' });
  }
  const quota = new GlobalQuota(remoteQuotas(config), systemClock);
  const app = await withStartupLock(config.database.url, () => App.build(config, { purpose: 'vigil serve', fetch: quota.wrap(globalThis.fetch) }));
  quota.bind(app.repo.db);
  try {
    await app.startDistributed();
  } catch (e) {
    await app.close();
    throw e;
  }
  process.stderr.write(`distributed mode: ingest goes to ${maskUrl(config.bus.url!)} (prefix ${config.bus.prefix}, ${config.bus.partitions} partitions); run vigil worker to process it\n`);
  return app;
}
