import ipaddr from 'ipaddr.js';
import type { IpScope } from '../core/types.js';

// ipaddr.js range names that mean "not on the public internet" and are routed internally.
const PRIVATE_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat']);

/**
 * public: routable on the internet, worth asking remote intel about.
 * private: RFC 1918 / 6598 / loopback / link-local / ULA: an internal host.
 * reserved: everything else that is not routable (documentation, multicast, broadcast, unspecified, …).
 */
export function ipScope(ip: string): IpScope | undefined {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(ip);
  } catch {
    return undefined;
  }
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  }
  const range = addr.range();
  if (range === 'unicast') return 'public';
  if (PRIVATE_RANGES.has(range)) return 'private';
  return 'reserved';
}
