import { httpFor } from '../../remote/index.js';
import { defineIntelProvider } from '../../provider.js';
import { HttpJsonConfig } from './config.js';
import { mapHttpJson, notKnown } from './map.js';

/**
 * Any HTTP service that answers JSON, described in vigil.yaml: a URL template, headers, and JSON
 * paths to the verdict, score, evidence and tags. For a team's internal reputation service or
 * CMDB without writing TypeScript; it gets the same quota, cache, breaker and retries as the others.
 */
const httpJson = defineIntelProvider<HttpJsonConfig>({
  id: 'http-json',
  description: 'Generic HTTP JSON service configured in YAML: URL template, headers, JSON paths to verdict, score and evidence',
  supports: ['ipv4', 'ipv6', 'cidr', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256', 'sha512', 'asn'],
  remote: true,
  configSchema: HttpJsonConfig,
  enabledExample: { url: 'https://intel.example.org/lookup/{type}/{value}', verdict: { path: 'verdict' } },
  create(config, ctx) {
    if (!config.url) return { disabled: 'no URL (set intel.providers.http-json.url, with {value} where the observable goes)' };
    const template = config.url;
    const http = httpFor(ctx, 'http-json', config);
    const headers: Record<string, string> = { ...config.headers };
    if (config.apiKey) headers[config.apiKeyHeader] = `${config.apiKeyPrefix}${config.apiKey}`;
    return {
      supports: config.types,
      async lookup(o) {
        const type = config.typeNames[o.type] ?? o.type;
        const url = template.replaceAll('{value}', encodeURIComponent(o.value)).replaceAll('{type}', encodeURIComponent(type));
        const res = await http.get(url, headers, config.notFound);
        return config.notFound.includes(res.status) ? notKnown(o, config.name, res.status) : mapHttpJson(o, res.json, config);
      },
    };
  },
});

export default httpJson;
export { httpJson };
