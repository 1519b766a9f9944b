import ipaddr from 'ipaddr.js';
import { compileGlob } from '../core/glob.js';
import { ipScope } from '../ioc/classify.js';
import type { Guards } from './action.js';

type Addr = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Addr, number];

/** CIDR blocks are aligned, so two overlap exactly when one holds the other's first address. */
function overlaps(a: Cidr, b: Cidr): boolean {
  if (a[0].kind() !== b[0].kind()) return false;
  return a[0].match(b as never) || b[0].match(a as never);
}

/** The ipaddr.js range name (not `unicast`) a CIDR block overlaps: the same table `ipScope` classifies by. */
function specialOverlap(cidr: Cidr): string | undefined {
  const table = (cidr[0] as unknown as { SpecialRanges: Record<string, Cidr | Cidr[]> }).SpecialRanges;
  for (const [name, entry] of Object.entries(table)) {
    if (name === 'unicast') continue;
    const list: Cidr[] = Array.isArray(entry[0]) ? (entry as Cidr[]) : [entry as Cidr];
    if (list.some((r) => overlaps(cidr, r))) return name;
  }
  return undefined;
}

/** Private and reserved addresses are always refused; the allowlists add more. */
/**
 * @param namesOf every name of a host (src/core/identity.ts `HostIdentities.namesOf`): an allowlist
 *   pattern written for the FQDN (`*.dc.corp.example`) still protects the host known by its short name.
 */
export function createGuards(opts: { allowlistIps: string[]; allowlistHosts: string[] }, namesOf: (host: string) => string[] = (h) => [h]): Guards {
  const ranges: Array<{ text: string; range: Cidr }> = [];
  for (const entry of opts.allowlistIps) {
    const text = entry.includes('/') ? entry : `${entry}/${ipaddr.parse(entry).kind() === 'ipv4' ? 32 : 128}`;
    ranges.push({ text: entry, range: ipaddr.parseCIDR(text) });
  }
  const hosts = opts.allowlistHosts.map((p) => ({ p, re: compileGlob(p) }));
  return {
    ipRefusal(ip) {
      const bare = ip.split('/')[0]!;
      const scope = ipScope(bare);
      if (!scope) return `"${ip}" is not an IP address`;
      if (scope !== 'public') return `${ip} is a ${scope} address; blocking it could cut off internal systems`;
      let addr = ipaddr.parse(bare);
      if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
      let block: Cidr = [addr, addr.kind() === 'ipv4' ? 32 : 128];
      if (ip.includes('/')) {
        // A range is only as safe as every address in it: 8.0.0.0/4 starts public but holds 10.0.0.0/8.
        try {
          block = ipaddr.parseCIDR(ip);
        } catch {
          return `"${ip}" is not an IP address or CIDR range`;
        }
        const special = specialOverlap(block);
        if (special) return `${ip} includes ${special} addresses; blocking it could cut off internal systems`;
      }
      for (const r of ranges) {
        if (overlaps(block, r.range)) return `${ip} is on the allowlist (${r.text})`;
      }
      return undefined;
    },
    hostRefusal(host) {
      const names = namesOf(host);
      for (const h of hosts) if (names.some((n) => h.re.test(n))) return `host ${host} is on the containment allowlist ("${h.p}")`;
      return undefined;
    },
  };
}
