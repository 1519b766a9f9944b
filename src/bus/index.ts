import { VigilError } from '../core/errors.js';
import { MemoryBus } from './memory.js';
import { NatsBus } from './nats.js';
import type { Bus, BusConfig } from './types.js';

export { MemoryBus } from './memory.js';
export { NatsBus } from './nats.js';
export { Subscription } from './subscription.js';
export * from './types.js';

/**
 * The bus `bus.url` names: `nats://…` (comma-separated for a cluster) is JetStream; `memory://` is
 * the in-process bus, for a worker and its producers in one process (tests, a single-box trial).
 */
export async function openBus(cfg: BusConfig, opts: { name?: string } = {}): Promise<Bus> {
  if (!cfg.url) throw new VigilError('VIGIL_CONFIG_INVALID', 'no bus URL: set bus.url or VIGIL_NATS_URL', { field: 'bus.url' });
  if (cfg.url === 'memory://') return new MemoryBus(cfg);
  if (!/^(nats|tls|ws|wss):\/\//.test(cfg.url.split(',')[0]!.trim())) {
    throw new VigilError('VIGIL_CONFIG_INVALID', `bus.url must be nats://host:port (or memory://), not ${cfg.url.replace(/\/\/[^@/]*@/, '//***@')}`, { field: 'bus.url' });
  }
  const bus = await NatsBus.open(cfg, opts);
  try {
    await bus.ensure();
  } catch (e) {
    await bus.close();
    throw e instanceof VigilError ? e : new VigilError('VIGIL_BUS_FAILED', `could not create the streams and consumers: ${(e as Error).message}`, { cause: e });
  }
  return bus;
}
