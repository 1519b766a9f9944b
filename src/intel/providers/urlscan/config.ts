import { z } from 'zod';
import { Duration } from '../../../core/clock.js';
import { remoteOptions } from '../../remote/config.js';
import { BaseUrl } from '../shared.js';

/** Config of the `urlscan` provider (`intel.providers.urlscan` in vigil.yaml). */
export const UrlscanConfig = z.strictObject({
  /** API key, sent as `API-Key`; or set VIGIL_URLSCAN_KEY. Without one the provider is off. */
  apiKey: z.string().min(1).optional(),
  baseUrl: BaseUrl.default('https://urlscan.io'),
  /** Existing scans fetched per search (newest first). */
  searchSize: z.number().int().min(1).max(100).default(10),
  /** Only scans from the last this many days count. */
  maxAgeDays: z.number().int().min(1).max(3650).default(365),
  /**
   * Submit a URL nobody has scanned yet. Off by default: a submission makes urlscan.io visit the
   * URL, which can tip off whoever runs it and, with `public` visibility, shows it to everyone.
   */
  submit: z.boolean().default(false),
  visibility: z.enum(['private', 'unlisted', 'public']).default('private'),
  /** Tags added to submitted scans. */
  tags: z.array(z.string().max(100)).max(10).default(['vigil']),
  /** How long to wait for a submitted scan's result before answering without it. */
  submitWait: Duration.prefault('60s'),
  /** Time between result polls after a submission (urlscan.io asks for 10 s before the first). */
  pollInterval: Duration.prefault('5s'),
  // Conservative defaults under the free plan's per-minute, per-hour and per-day limits; urlscan.io
  // shows each account's own quotas on its settings page.
  ...remoteOptions({ quota: [{ limit: 60, per: '1m' }, { limit: 500, per: '1h' }, { limit: 1000, per: '1d' }], positiveTtl: '6h', negativeTtl: '1h', concurrency: 2 }),
});
export type UrlscanConfig = z.infer<typeof UrlscanConfig>;
