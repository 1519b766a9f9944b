import ipaddr from 'ipaddr.js';
import { parse as parseDomain } from 'tldts';
import type { IpScope } from '../core/types.js';

// ipaddr.js range names that mean "not on the public internet" and are routed internally.
const PRIVATE_RANGES = new Set(['private', 'linkLocal', 'uniqueLocal', 'carrierGradeNat']);

/**
 * public: routable on the internet, worth asking remote intel about.
 * private: RFC 1918 / 6598 / link-local / ULA: an internal host.
 * reserved: everything else that is not routable (loopback, documentation, multicast, broadcast, unspecified, …).
 */
export function ipScope(ip: string): IpScope | undefined {
  const fast = ipv4ScopeOf(ip);
  if (fast) return fast;
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

// Plain dotted-decimal IPv4 (no leading zeros), parsed without ipaddr.js or allocation: the common case in alerts.
function ipv4ScopeOf(ip: string): IpScope | undefined {
  const o = [0, 0, 0, 0];
  let part = 0;
  let digits = 0;
  let n = 0;
  for (let i = 0; i <= ip.length; i++) {
    const c = i === ip.length ? 46 : ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 3 || n > 255) return undefined;
      o[part++] = n;
      n = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && n === 0) return undefined;
      n = n * 10 + (c - 48);
      if (++digits > 3) return undefined;
    } else return undefined;
  }
  return part === 4 ? ipv4Scope(o[0]!, o[1]!, o[2]!, o[3]!) : undefined;
}

/**
 * The same answer as `ipScope` for a dotted quad already split into octets, without parsing: the
 * extractor calls this for every IPv4 it finds, so it avoids ipaddr.js's allocation and regexes.
 * The ranges mirror ipaddr.js's special ranges (a test keeps the two in step).
 */
export function ipv4Scope(a: number, b: number, c: number, d: number): IpScope {
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 169 && b === 254) return 'private';
  if (a === 100 && b >= 64 && b <= 127) return 'private';
  if (a === 0 || a === 127 || a >= 224) return 'reserved'; // unspecified, loopback, multicast, 240/4, broadcast
  if (a === 192) {
    if (b === 0 && (c === 0 || c === 2)) return 'reserved';
    if ((b === 88 && c === 99) || (b === 175 && c === 48) || (b === 31 && c === 196) || (b === 52 && c === 193)) return 'reserved';
  }
  if (a === 198 && (b === 18 || b === 19 || (b === 51 && c === 100))) return 'reserved';
  if (a === 203 && b === 0 && c === 113) return 'reserved';
  void d;
  return 'public';
}

/** What the public suffix list says about a host name. */
export interface DomainInfo {
  /** The host's suffix is an ICANN public suffix (a real TLD). */
  icann: boolean;
  /** The registrable domain (`a.b.example.co.uk` → `example.co.uk`), or null when the host is only a suffix. */
  registrable: string | null;
}

// Host names repeat heavily in logs; tldts costs ~0.5 µs per call, a Map hit ~50 ns. Cleared when full
// rather than LRU-evicted: simpler, and a full refill is cheap.
const domainCache = new Map<string, DomainInfo>();
const DOMAIN_CACHE_MAX = 20_000;

/**
 * Public-suffix facts for a lower-case ASCII (punycode) host name.
 */
export function domainInfo(host: string): DomainInfo {
  let info = domainCache.get(host);
  if (info !== undefined) return info;
  const p = parseDomain(host, { extractHostname: false, validateHostname: false });
  info = { icann: p.isIcann === true, registrable: p.domain };
  if (domainCache.size >= DOMAIN_CACHE_MAX) domainCache.clear();
  domainCache.set(host, info);
  return info;
}
