import { errorDetail } from '../../remote/http.js';
import { httpFor } from '../../remote/index.js';
import { defineIntelProvider } from '../../provider.js';
import { noKey } from '../shared.js';
import { IpinfoConfig } from './config.js';
import { mapIpinfo, noData } from './map.js';

/** IPinfo: geolocation, owning network (ASN), hostname and privacy flags of an IP address, as context. */
const ipinfo = defineIntelProvider<IpinfoConfig>({
  id: 'ipinfo',
  description: 'IPinfo: geolocation, ASN/organisation, privacy flags (VPN, proxy, Tor, hosting) and bogon for IP addresses',
  supports: ['ipv4', 'ipv6'],
  remote: true,
  configSchema: IpinfoConfig,
  create(config, ctx) {
    if (!config.apiKey) return noKey('ipinfo', 'VIGIL_IPINFO_KEY');
    const http = httpFor(ctx, 'ipinfo', config);
    // The token goes in a header, not the query string, so it never lands in a proxy's access log.
    const headers = { Authorization: `Bearer ${config.apiKey}` };
    return {
      async lookup(o) {
        const res = await http.get(`${config.baseUrl}/${encodeURIComponent(o.value)}`, headers, [404]);
        return res.status === 404 ? noData(o, errorDetail(res.json, res.text)) : mapIpinfo(o, res.json);
      },
    };
  },
});

export default ipinfo;
export { ipinfo };
