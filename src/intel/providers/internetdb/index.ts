import { httpFor } from '../../remote/index.js';
import { defineIntelProvider } from '../../provider.js';
import { InternetDbConfig } from './config.js';
import { mapInternetDb, noInfo } from './map.js';

/** Shodan InternetDB (`/{ip}`, no key): open ports, software, known vulnerabilities and tags of an address. */
const internetdb = defineIntelProvider<InternetDbConfig>({
  id: 'internetdb',
  description: 'Shodan InternetDB: open ports, software (CPEs), known vulnerabilities and tags (c2, compromised, vpn, …) of IP addresses',
  supports: ['ipv4', 'ipv6'],
  remote: true,
  configSchema: InternetDbConfig,
  enabledExample: { enabled: true },
  create(config, ctx) {
    if (!config.enabled) return { disabled: 'Shodan InternetDB lookups are off (set intel.providers.internetdb.enabled: true; no key needed)' };
    const http = httpFor(ctx, 'internetdb', config);
    return {
      async lookup(o) {
        const res = await http.get(`${config.baseUrl}/${encodeURIComponent(o.value)}`, {}, [404]);
        return res.status === 404 ? noInfo(o) : mapInternetDb(o, res.json, config);
      },
    };
  },
});

export default internetdb;
export { internetdb };
