import { z } from 'zod';
import { remoteOptions } from '../../remote/config.js';
import { BaseUrl } from '../shared.js';

/** Config of the `rdap` provider (`intel.providers.rdap` in vigil.yaml). */
export const RdapConfig = z.strictObject({
  /** RDAP queries leave the machine (to the registry of each domain), so the provider is off until this is true. */
  enabled: z.boolean().default(false),
  /**
   * One RDAP server asked for every domain (`https://rdap.verisign.com/com/v1`, an internal mirror).
   * When absent, the server of each domain's TLD is found in the IANA bootstrap registry.
   */
  server: BaseUrl.optional(),
  /** The IANA RDAP bootstrap file for domains (RFC 9224), read once and kept for `bootstrapTtl`. */
  bootstrapUrl: z.string().url().refine((s) => /^https?:\/\//i.test(s), 'must be an http:// or https:// URL').default('https://data.iana.org/rdap/dns.json'),
  /** How long the bootstrap file is reused before it is read again. */
  bootstrapTtl: z.number().int().min(60_000).default(86_400_000),
  /** A domain registered fewer days ago than this is "newly registered": verdict suspicious, tag `new-domain`. */
  newDomainDays: z.number().int().min(1).max(3650).default(30),
  /** Score of a newly registered domain (below 35, so alone it does not make an observable suspicious). */
  newDomainScore: z.number().int().min(0).max(100).default(30),
  // No documented global quota: each registry rate-limits on its own. Registration data changes
  // rarely, but the age in the evidence is worded from the lookup day, so answers live a day.
  ...remoteOptions({ quota: [{ limit: 5, per: '1s' }, { limit: 2000, per: '1d' }], positiveTtl: '1d', negativeTtl: '1d', concurrency: 4, timeout: '10s' }),
});
export type RdapConfig = z.infer<typeof RdapConfig>;
