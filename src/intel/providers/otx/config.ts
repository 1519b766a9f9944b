import { z } from 'zod';
import { remoteOptions } from '../../remote/config.js';
import { BaseUrl } from '../shared.js';

/** Config of the `otx` provider (`intel.providers.otx` in vigil.yaml): AlienVault Open Threat Exchange. */
export const OtxConfig = z.strictObject({
  /** OTX API key, sent as `X-OTX-API-KEY`; or set VIGIL_OTX_KEY. Without one the provider is off. */
  apiKey: z.string().min(1).optional(),
  baseUrl: BaseUrl.default('https://otx.alienvault.com'),
  /** Pulses naming the observable at or above which the verdict is `malicious`. */
  maliciousAt: z.number().int().min(1).max(1000).default(5),
  /** Pulses at or above which the verdict is `suspicious`; fewer (at least one) give `info`. */
  suspiciousAt: z.number().int().min(1).max(1000).default(2),
  // OTX allows 10,000 requests an hour per key.
  ...remoteOptions({ quota: [{ limit: 10_000, per: '1h' }], positiveTtl: '12h', negativeTtl: '6h', concurrency: 4 }),
});
export type OtxConfig = z.infer<typeof OtxConfig>;
