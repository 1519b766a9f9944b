import { isIP } from 'node:net';
import { z } from 'zod';
import { remoteOptions } from '../../remote/config.js';

/** `1.1.1.1`, `[2606:4700:4700::1111]:53`, `127.0.0.1:5353`. */
function validServer(s: string): boolean {
  if (isIP(s)) return true;
  const v6 = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s);
  if (v6) return isIP(v6[1]!) === 6 && Number(v6[2]) <= 65535;
  const v4 = /^([\d.]+):(\d{1,5})$/.exec(s);
  return v4 !== null && isIP(v4[1]!) === 4 && Number(v4[2]) <= 65535;
}

/** Config of the `dns` provider (`intel.providers.dns` in vigil.yaml). */
export const DnsConfig = z.strictObject({
  /** DNS queries leave the machine, so the provider is off until this is true. */
  enabled: z.boolean().default(false),
  /** Resolvers to ask (`1.1.1.1`, `127.0.0.1:5353`, `[::1]:53`); the system's when empty. */
  servers: z.array(z.string().refine(validServer, 'not an IP address or IP:port')).max(8).default([]),
  /** Also read SPF and DMARC (`_dmarc.<domain>`) records for domains and email domains. */
  mailRecords: z.boolean().default(true),
  // Each record type is one query; be gentle with the resolver.
  ...remoteOptions({ quota: [{ limit: 50, per: '1s' }], positiveTtl: '1h', negativeTtl: '15m', concurrency: 8, timeout: '5s' }),
});
export type DnsConfig = z.infer<typeof DnsConfig>;
