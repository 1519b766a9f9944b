import { z } from 'zod';
import { remoteOptions } from '../../remote/config.js';
import { BaseUrl } from '../shared.js';

/** Config of the `greynoise` provider (`intel.providers.greynoise` in vigil.yaml): the free Community API. */
export const GreyNoiseConfig = z.strictObject({
  /** Community API key, sent as the `key` header; or set VIGIL_GREYNOISE_KEY. */
  apiKey: z.string().min(1).optional(),
  /** The Community API also answers without a key (fewer lookups): `enabled: true` turns it on keyless. */
  enabled: z.boolean().default(false),
  baseUrl: BaseUrl.default('https://api.greynoise.io'),
  /** Score of an address GreyNoise saw scanning the internet with malicious intent. */
  maliciousScore: z.number().int().min(0).max(100).default(50),
  // The free community plan is counted per week; set `quota` to your plan's numbers.
  ...remoteOptions({ quota: [{ limit: 50, per: '7d' }], positiveTtl: '1d', negativeTtl: '1d', concurrency: 2 }),
});
export type GreyNoiseConfig = z.infer<typeof GreyNoiseConfig>;
