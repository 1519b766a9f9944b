import { getDomain } from 'tldts';
import { httpFor } from '../../remote/index.js';
import { errorDetail } from '../../remote/http.js';
import { RemoteFailure } from '../../remote/errors.js';
import { defineIntelProvider } from '../../provider.js';
import { parseBootstrap, serverFor, type Bootstrap } from './bootstrap.js';
import { RdapConfig } from './config.js';
import { mapRdap, noRecord } from './map.js';

/**
 * RDAP (RFC 9082/9083), the registration data that replaced WHOIS: when a domain was registered,
 * by which registrar, when it last changed and expires. No key. The server is the one configured,
 * or the registry of the domain's TLD from the IANA bootstrap (RFC 9224).
 */
const rdap = defineIntelProvider<RdapConfig>({
  id: 'rdap',
  description: 'RDAP: registration date (domain age), registrar, last change, expiry and status of domains',
  supports: ['domain'],
  remote: true,
  configSchema: RdapConfig,
  enabledExample: { enabled: true },
  create(config, ctx) {
    if (!config.enabled) return { disabled: 'RDAP lookups are off (set intel.providers.rdap.enabled: true; queries go to each domain’s registry)' };
    const http = httpFor(ctx, 'rdap', config);
    const headers = { accept: 'application/rdap+json, application/json' };
    let bootstrap: { at: number; map: Promise<Bootstrap> } | undefined;

    function servers(): Promise<Bootstrap> {
      const now = ctx.clock.now().getTime();
      if (!bootstrap || now - bootstrap.at > config.bootstrapTtl) {
        const map = http.get(config.bootstrapUrl, headers).then((res) => {
          const b = parseBootstrap(res.json);
          if (b.size === 0) throw new RemoteFailure('bad-response', `the RDAP bootstrap ${config.bootstrapUrl} lists no usable server`);
          return b;
        });
        bootstrap = { at: now, map };
        // A failed read is not kept: the next lookup tries again.
        map.catch(() => {
          if (bootstrap?.map === map) bootstrap = undefined;
        });
      }
      return bootstrap.map;
    }

    return {
      async lookup(o) {
        // Registries hold registered domains: `login.example.co.uk` is asked as `example.co.uk`.
        const name = getDomain(o.value, { allowPrivateDomains: false }) ?? o.value;
        const base = config.server ?? serverFor(await servers(), name);
        if (!base) return noRecord(o, `no RDAP server for .${name.split('.').pop()} in the IANA bootstrap`);
        const res = await http.get(`${base}/domain/${encodeURIComponent(name)}`, headers, [404]);
        if (res.status === 404) {
          const why = errorDetail(res.json, res.text);
          return noRecord(o, `no RDAP record for ${name}${why && why !== 'Not Found' ? ` (${why})` : ''}: not registered, or not in this registry`);
        }
        return mapRdap(o, name, res.json, config, ctx.clock.now());
      },
    };
  },
});

export default rdap;
export { rdap };
