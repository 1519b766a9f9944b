import { z } from 'zod';
import { remoteOptions } from '../../remote/config.js';
import { BaseUrl } from '../shared.js';

/** Config of the `virustotal` provider (`intel.providers.virustotal` in vigil.yaml). */
export const VirusTotalConfig = z.strictObject({
  /** API key, sent as `x-apikey`; or set VIGIL_VIRUSTOTAL_KEY. Without one the provider is off. */
  apiKey: z.string().min(1).optional(),
  baseUrl: BaseUrl.default('https://www.virustotal.com'),
  /** Engines that must say malicious for the verdict `malicious`; fewer make it `suspicious`. */
  maliciousAt: z.number().int().min(1).max(100).default(5),
  // Public API: 4 requests/min and 500/day. Premium keys raise `quota`.
  ...remoteOptions({ quota: [{ limit: 4, per: '1m' }, { limit: 500, per: '1d' }], positiveTtl: '24h', negativeTtl: '6h' }),
});
export type VirusTotalConfig = z.infer<typeof VirusTotalConfig>;
