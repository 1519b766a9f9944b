import { Resolver } from 'node:dns/promises';
import { runtimeFor } from '../../remote/index.js';
import { RemoteFailure } from '../../remote/errors.js';
import { defineIntelProvider } from '../../provider.js';
import { DnsConfig } from './config.js';
import { mapDns, type DnsAnswers } from './map.js';

// The name has no records of this type (NODATA) or does not exist (NXDOMAIN): answers, not failures.
const EMPTY = new Set(['ENODATA']);
const MISSING = new Set(['ENOTFOUND']);

/**
 * DNS records as context: A/AAAA, MX, NS, TXT (SPF) and DMARC for domains and email domains, the
 * reverse (PTR) name for addresses. Every query goes through the provider's quota, breaker, timeout
 * and retries. Off unless `enabled: true`: the queries leave the machine.
 */
const dns = defineIntelProvider<DnsConfig>({
  id: 'dns',
  description: 'DNS: A/AAAA, MX, NS, SPF and DMARC records of domains, reverse names of addresses',
  supports: ['domain', 'email', 'ipv4', 'ipv6'],
  remote: true,
  configSchema: DnsConfig,
  enabledExample: { enabled: true },
  create(config, ctx) {
    if (!config.enabled) return { disabled: 'DNS lookups are off (set intel.providers.dns.enabled: true; queries leave the machine)' };
    const runtime = runtimeFor(ctx, 'dns', config);

    /** One query; `null` for NXDOMAIN, `[]` for no records of the type. */
    function query<T>(ask: (r: Resolver) => Promise<T[]>, what: string): Promise<T[] | null> {
      return runtime.call(async (signal) => {
        // One resolver per query, so a timeout cancels exactly this query. tries: 1 because the runtime retries.
        const r = new Resolver({ timeout: Math.max(100, Math.min(config.timeout, 30_000)), tries: 1 });
        if (config.servers.length) r.setServers(config.servers);
        const onAbort = (): void => r.cancel();
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          return await ask(r);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? '';
          if (EMPTY.has(code)) return [];
          if (MISSING.has(code)) return null;
          if (signal.aborted && signal.reason instanceof RemoteFailure) throw signal.reason;
          if (code === 'ETIMEOUT') throw new RemoteFailure('timeout', `${what}: the resolver did not answer`);
          throw new RemoteFailure('network', `${what}: ${code || (e as Error).message}`, { cause: e });
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      });
    }

    async function forName(name: string, email: boolean): Promise<DnsAnswers> {
      const a: DnsAnswers = { name };
      const jobs: Array<Promise<void>> = [];
      if (!email) {
        jobs.push(query((r) => r.resolve4(name), `A ${name}`).then((v) => void (a.a = v)));
        jobs.push(query((r) => r.resolve6(name), `AAAA ${name}`).then((v) => void (a.aaaa = v)));
        jobs.push(query((r) => r.resolveNs(name), `NS ${name}`).then((v) => void (a.ns = v)));
      }
      jobs.push(query((r) => r.resolveMx(name), `MX ${name}`).then((v) => void (a.mx = v)));
      if (config.mailRecords) {
        jobs.push(query((r) => r.resolveTxt(name), `TXT ${name}`).then((v) => void (a.txt = v && v.map((chunks) => chunks.join('')))));
        jobs.push(query((r) => r.resolveTxt(`_dmarc.${name}`), `TXT _dmarc.${name}`).then((v) => void (a.dmarc = v && v.map((chunks) => chunks.join('')))));
      }
      await Promise.all(jobs);
      return a;
    }

    return {
      async lookup(o) {
        if (o.type === 'ipv4' || o.type === 'ipv6') {
          const ptr = await query((r) => r.reverse(o.value), `PTR ${o.value}`);
          return mapDns(o, { name: o.value, ptr: ptr ?? [] });
        }
        const email = o.type === 'email';
        const name = email ? o.value.slice(o.value.lastIndexOf('@') + 1) : o.value;
        return mapDns(o, await forName(name, email));
      },
    };
  },
});

export default dns;
export { dns };
