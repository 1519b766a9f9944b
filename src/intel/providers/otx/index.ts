import { httpFor } from '../../remote/index.js';
import { errorDetail } from '../../remote/http.js';
import { defineIntelProvider } from '../../provider.js';
import { noKey } from '../shared.js';
import { OtxConfig } from './config.js';
import { mapOtx, notInOtx, SECTIONS } from './map.js';

/** AlienVault OTX (`/api/v1/indicators/{section}/{value}/general`): the community pulses that list an observable. */
const otx = defineIntelProvider<OtxConfig>({
  id: 'otx',
  description: 'AlienVault OTX: community threat pulses, malware families, ATT&CK techniques and adversaries for IPs, domains, URLs and file hashes',
  supports: ['ipv4', 'ipv6', 'domain', 'url', 'md5', 'sha1', 'sha256'],
  remote: true,
  configSchema: OtxConfig,
  create(config, ctx) {
    if (!config.apiKey) return noKey('otx', 'VIGIL_OTX_KEY');
    const http = httpFor(ctx, 'otx', config);
    const headers = { 'X-OTX-API-KEY': config.apiKey };
    return {
      async lookup(o) {
        const section = SECTIONS[o.type]!;
        const res = await http.get(`${config.baseUrl}/api/v1/indicators/${section}/${encodeURIComponent(o.value)}/general`, headers, [404]);
        return res.status === 404 ? notInOtx(o, errorDetail(res.json, res.text)) : mapOtx(o, res.json, config);
      },
    };
  },
});

export default otx;
export { otx };
