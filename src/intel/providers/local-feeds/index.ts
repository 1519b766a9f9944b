import { defineIntelProvider } from '../../provider.js';
import { LocalFeedsConfig } from './config.js';
import { mapMatches } from './map.js';

/**
 * The local IOC database as an intel provider: answers from the in-memory index built from the
 * imported feeds (`IntelContext.localIndex`, read at every lookup so a rebuilt index is used at
 * once). Nothing leaves the machine, so it needs no key and is on unless configured off.
 */
const localFeeds = defineIntelProvider<LocalFeedsConfig>({
  id: 'local-feeds',
  description: 'Local IOC database built from imported threat-intel feeds',
  supports: ['ipv4', 'ipv6', 'cidr', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256', 'sha512', 'asn'],
  remote: false,
  configSchema: LocalFeedsConfig,
  create(config, ctx) {
    if (!config.enabled) return { disabled: 'turned off in config (enabled: false)' };
    return {
      lookupSync(observable) {
        return mapMatches(observable, ctx.localIndex.lookup(observable.type, observable.value), config, ctx.clock.now());
      },
      lookup(observable) {
        const matches = ctx.localIndex.lookup(observable.type, observable.value);
        return Promise.resolve(mapMatches(observable, matches, config, ctx.clock.now()));
      },
    };
  },
});

export default localFeeds;
export { localFeeds };
