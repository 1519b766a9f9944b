import { httpFor } from '../../remote/index.js';
import { defineIntelProvider } from '../../provider.js';
import { GreyNoiseConfig } from './config.js';
import { mapGreyNoise } from './map.js';

/**
 * GreyNoise Community API (`/v3/community/{ip}`): whether an address is internet background noise
 * (a mass scanner, benign or not) or a known business service (RIOT), so triage can set it aside.
 */
const greynoise = defineIntelProvider<GreyNoiseConfig>({
  id: 'greynoise',
  description: 'GreyNoise Community: internet background noise (mass scanners) and known business services (RIOT) for IPv4 addresses',
  supports: ['ipv4'],
  remote: true,
  configSchema: GreyNoiseConfig,
  create(config, ctx) {
    if (!config.apiKey && !config.enabled) return { disabled: 'no API key (set intel.providers.greynoise.apiKey or VIGIL_GREYNOISE_KEY, or enabled: true for keyless community lookups)' };
    const http = httpFor(ctx, 'greynoise', config);
    const headers: Record<string, string> = config.apiKey ? { key: config.apiKey } : {};
    return {
      async lookup(o) {
        // 404 is GreyNoise's "never seen this address": an answer, with the same body shape.
        const res = await http.get(`${config.baseUrl}/v3/community/${encodeURIComponent(o.value)}`, headers, [404]);
        return mapGreyNoise(o, res.json, config.maliciousScore);
      },
    };
  },
});

export default greynoise;
export { greynoise };
