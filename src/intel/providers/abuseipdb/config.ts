import { z } from 'zod';
import { remoteOptions } from '../../remote/config.js';
import { BaseUrl } from '../shared.js';

/** Config of the `abuseipdb` provider (`intel.providers.abuseipdb` in vigil.yaml). */
export const AbuseIpdbConfig = z.strictObject({
  /** API key, sent as the `Key` header; or set VIGIL_ABUSEIPDB_KEY. Without one the provider is off. */
  apiKey: z.string().min(1).optional(),
  baseUrl: BaseUrl.default('https://api.abuseipdb.com'),
  /** Reports older than this many days are not counted (1–365). */
  maxAgeInDays: z.number().int().min(1).max(365).default(90),
  /** Ask for the individual reports, to name the abuse categories. */
  verbose: z.boolean().default(true),
  /** Abuse confidence at or above which the verdict is `malicious`. */
  maliciousAt: z.number().int().min(1).max(100).default(75),
  /** Abuse confidence at or above which the verdict is `suspicious`. */
  suspiciousAt: z.number().int().min(1).max(100).default(25),
  // Free tier: 1,000 checks a day.
  ...remoteOptions({ quota: [{ limit: 1000, per: '1d' }], positiveTtl: '12h', negativeTtl: '12h', concurrency: 2 }),
});
export type AbuseIpdbConfig = z.infer<typeof AbuseIpdbConfig>;
