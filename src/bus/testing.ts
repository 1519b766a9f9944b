import { randomBytes } from 'node:crypto';
import { ConfigSchema } from '../config.js';
import type { BusConfig } from './types.js';

const natsUrl = process.env.VIGIL_TEST_NATS_URL;

/** The NATS server tests may use (VIGIL_TEST_NATS_URL), if any. */
export const testNatsUrl: string | undefined = natsUrl;

/** Under CI a missing NATS is a failure, not a skip (DESIGN.md, CI and services). */
export function requireNatsInCi(): void {
  if (process.env.CI === 'true' && !natsUrl) throw new Error('CI=true but VIGIL_TEST_NATS_URL is not set: the NATS suites cannot run');
}

/** A bus config with a prefix of its own, so parallel tests never share streams. */
export function testBusConfig(over: Partial<BusConfig> = {}): BusConfig {
  const base = ConfigSchema.parse({}).bus;
  return { ...base, prefix: `t${randomBytes(5).toString('hex')}`, partitions: 2, ...over };
}
