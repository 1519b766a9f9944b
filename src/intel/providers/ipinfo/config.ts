import { z } from 'zod';
import { remoteOptions } from '../../remote/config.js';
import { BaseUrl } from '../shared.js';

/** Config of the `ipinfo` provider (`intel.providers.ipinfo` in vigil.yaml). */
export const IpinfoConfig = z.strictObject({
  /** Access token, sent as `Authorization: Bearer`; or set VIGIL_IPINFO_KEY. Without one the provider is off. */
  apiKey: z.string().min(1).optional(),
  baseUrl: BaseUrl.default('https://ipinfo.io'),
  // Free plan: 50,000 requests a month.
  ...remoteOptions({ quota: [{ limit: 50_000, per: '30d' }], positiveTtl: '7d', negativeTtl: '1d' }),
});
export type IpinfoConfig = z.infer<typeof IpinfoConfig>;
