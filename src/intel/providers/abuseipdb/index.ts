import { httpFor } from '../../remote/index.js';
import { errorDetail } from '../../remote/http.js';
import { defineIntelProvider } from '../../provider.js';
import { noKey } from '../shared.js';
import { AbuseIpdbConfig } from './config.js';
import { mapAbuseIpdb, rejected } from './map.js';

/**
 * AbuseIPDB API v2 `check`: how often and for what an IP address was reported for abuse, with
 * AbuseIPDB's confidence score, usage type, ISP and Tor flag.
 */
const abuseipdb = defineIntelProvider<AbuseIpdbConfig>({
  id: 'abuseipdb',
  description: 'AbuseIPDB v2: abuse reports and confidence for IP addresses',
  supports: ['ipv4', 'ipv6'],
  remote: true,
  configSchema: AbuseIpdbConfig,
  create(config, ctx) {
    if (!config.apiKey) return noKey('abuseipdb', 'VIGIL_ABUSEIPDB_KEY');
    const http = httpFor(ctx, 'abuseipdb', config);
    const headers = { Key: config.apiKey, Accept: 'application/json' };
    return {
      async lookup(o) {
        const q = new URLSearchParams({ ipAddress: o.value, maxAgeInDays: String(config.maxAgeInDays) });
        const res = await http.get(`${config.baseUrl}/api/v2/check?${q}${config.verbose ? '&verbose' : ''}`, headers, [422]);
        // 422: AbuseIPDB refuses the address itself (private, malformed): an answer, not a failure.
        if (res.status === 422) return rejected(o, errorDetail(res.json, res.text));
        return mapAbuseIpdb(o, res.json, config);
      },
    };
  },
});

export default abuseipdb;
export { abuseipdb };
