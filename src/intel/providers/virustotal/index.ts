import { httpFor } from '../../remote/index.js';
import { defineIntelProvider } from '../../provider.js';
import { noKey } from '../shared.js';
import { VirusTotalConfig } from './config.js';
import { mapVirusTotal, unknownToVt, vtPath } from './map.js';

/**
 * VirusTotal API v3: what the antivirus engines and the community say about an IP address, a
 * domain, a URL or a file hash. 404 means VirusTotal does not know the observable: an answer
 * (`unknown`), cached for the negative TTL.
 */
const virustotal = defineIntelProvider<VirusTotalConfig>({
  id: 'virustotal',
  description: 'VirusTotal v3: engine verdicts and reputation for IPs, domains, URLs and file hashes',
  supports: ['ipv4', 'ipv6', 'domain', 'url', 'md5', 'sha1', 'sha256'],
  remote: true,
  configSchema: VirusTotalConfig,
  create(config, ctx) {
    if (!config.apiKey) return noKey('virustotal', 'VIGIL_VIRUSTOTAL_KEY');
    const http = httpFor(ctx, 'virustotal', config);
    const headers = { 'x-apikey': config.apiKey };
    return {
      async lookup(o) {
        const path = vtPath(o);
        if (!path) return unknownToVt(o);
        const res = await http.get(`${config.baseUrl}${path}`, headers, [404]);
        return res.status === 404 ? unknownToVt(o) : mapVirusTotal(o, res.json, config);
      },
    };
  },
});

export default virustotal;
export { virustotal };
