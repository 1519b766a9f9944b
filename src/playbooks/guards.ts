import ipaddr from 'ipaddr.js';
import { globToRegExp } from '../core/glob.js';
import { ipScope } from '../ioc/classify.js';
import type { Guards } from './action.js';

/** Private and reserved addresses are always refused; the allowlists add more. */
export function createGuards(opts: { allowlistIps: string[]; allowlistHosts: string[] }): Guards {
  const ranges: Array<{ text: string; range: [ipaddr.IPv4 | ipaddr.IPv6, number] }> = [];
  for (const entry of opts.allowlistIps) {
    const text = entry.includes('/') ? entry : `${entry}/${ipaddr.parse(entry).kind() === 'ipv4' ? 32 : 128}`;
    ranges.push({ text: entry, range: ipaddr.parseCIDR(text) });
  }
  const hosts = opts.allowlistHosts.map((p) => ({ p, re: globToRegExp(p) }));
  return {
    ipRefusal(ip) {
      const bare = ip.split('/')[0]!;
      const scope = ipScope(bare);
      if (!scope) return `"${ip}" is not an IP address`;
      if (scope !== 'public') return `${ip} is a ${scope} address; blocking it could cut off internal systems`;
      const addr = ipaddr.parse(bare);
      for (const r of ranges) {
        if (addr.kind() === r.range[0].kind() && addr.match(r.range as never)) return `${ip} is on the allowlist (${r.text})`;
      }
      return undefined;
    },
    hostRefusal(host) {
      for (const h of hosts) if (h.re.test(host)) return `host ${host} is on the containment allowlist ("${h.p}")`;
      return undefined;
    },
  };
}
