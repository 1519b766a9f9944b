import { z } from 'zod';
import { remoteOptions } from '../../remote/config.js';
import { BaseUrl } from '../shared.js';

/** Config of the `internetdb` provider (`intel.providers.internetdb` in vigil.yaml): Shodan's free InternetDB. */
export const InternetDbConfig = z.strictObject({
  /** InternetDB needs no key; lookups leave the machine, so the provider is off until this is true. */
  enabled: z.boolean().default(false),
  baseUrl: BaseUrl.default('https://internetdb.shodan.io'),
  /** Shodan tags that make an address suspicious (a C2 server, a compromised or backdoored host). */
  suspiciousTags: z.array(z.string().min(1).max(40)).max(50).default(['c2', 'malware', 'compromised', 'doublepulsar']),
  /** Score of an address carrying one of `suspiciousTags`. */
  suspiciousScore: z.number().int().min(0).max(100).default(50),
  // No published quota: one lookup a second is polite. Scan data is refreshed weekly.
  ...remoteOptions({ quota: [{ limit: 1, per: '1s' }], positiveTtl: '3d', negativeTtl: '1d', concurrency: 2 }),
});
export type InternetDbConfig = z.infer<typeof InternetDbConfig>;
