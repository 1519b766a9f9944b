import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';
import type { ObservableType } from '../../core/types.js';

/**
 * Canonical forms shared by the feed importers and by lookups. An indicator and an observable that
 * mean the same thing must normalize to the same string, or the index will never match them.
 * Every function returns `undefined` for input that is not a value of its kind.
 */

/** Longest value any normalizer accepts; feeds are hostile and a 1 MB "domain" is not one. */
export const MAX_VALUE_LENGTH = 8192;

function stripZoneAndBrackets(input: string): string {
  let s = input.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const pct = s.indexOf('%');
  // The zone id names a local interface; it is meaningless for intel.
  return pct === -1 ? s : s.slice(0, pct);
}

/**
 * An IP address in canonical text: dotted-quad IPv4 without leading zeros, RFC 5952 IPv6 (lower
 * case, longest zero run compressed). IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes the IPv4 address,
 * so a feed entry and an observable match whichever form either side used.
 */
/** True for a dotted quad already in canonical form (no leading zeros, parts ≤ 255). */
function isCanonicalV4(s: string): boolean {
  let parts = 0;
  let digits = 0;
  let part = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i === s.length ? 46 : s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255 || ++parts > 4) return false;
      digits = 0;
      part = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return false;
      if (++digits > 3) return false;
      part = part * 10 + (c - 48);
    } else {
      return false;
    }
  }
  return parts === 4;
}

export function normalizeIp(input: string): string | undefined {
  // Fast path for the common case: an IPv4 feed entry that is already canonical.
  if (isCanonicalV4(input)) return input;
  const s = stripZoneAndBrackets(input);
  if (s.length === 0 || s.length > 64) return undefined;
  if (s.includes(':')) {
    if (!ipaddr.IPv6.isValid(s)) return undefined;
    const a = ipaddr.IPv6.parse(s);
    return a.isIPv4MappedAddress() ? a.toIPv4Address().toString() : a.toRFC5952String();
  }
  // Only strict a.b.c.d: `1.2.3` or `0x7f.1` are valid to inet_aton but never what a feed means.
  if (!ipaddr.IPv4.isValidFourPartDecimal(s)) return undefined;
  if (/(^|\.)0\d/.test(s)) return undefined; // leading zeros: octal to some parsers, decimal to others
  return ipaddr.IPv4.parse(s).toString();
}

/** `ipv4` or `ipv6` for a canonical (or any parseable) address, `undefined` otherwise. */
export function ipVersion(input: string): 'ipv4' | 'ipv6' | undefined {
  const n = normalizeIp(input);
  if (n === undefined) return undefined;
  return n.includes(':') ? 'ipv6' : 'ipv4';
}

/**
 * A CIDR range as `network/prefix` with the host bits cleared (`1.2.3.4/24` → `1.2.3.0/24`), the
 * address in canonical form. An IPv4-mapped IPv6 range of /96 or longer becomes the IPv4 range.
 * A bare address is accepted as a host route (/32 or /128).
 */
export function normalizeCidr(input: string): string | undefined {
  const s = input.trim();
  if (s.length === 0 || s.length > 64) return undefined;
  const slash = s.indexOf('/');
  const addrText = slash === -1 ? s : s.slice(0, slash);
  const addr = normalizeIp(addrText);
  if (addr === undefined) return undefined;
  const v6 = addr.includes(':');
  const max = v6 ? 128 : 32;
  let prefix = max;
  if (slash !== -1) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    // A mapped IPv6 range collapsed to IPv4 above: translate its prefix too.
    if (!v6 && addrText.includes(':')) prefix -= 96;
    if (prefix < 0 || prefix > max) return undefined;
  }
  const bytes = ipaddr.parse(addr).toByteArray();
  for (let bit = prefix; bit < max; bit++) {
    const i = bit >> 3;
    bytes[i] = (bytes[i] as number) & ~(0x80 >> (bit & 7));
  }
  const net = ipaddr.fromByteArray(bytes);
  return `${v6 ? (net as ipaddr.IPv6).toRFC5952String() : net.toString()}/${prefix}`;
}

const LABEL_CHAR = new Uint8Array(128);
for (let c = 48; c <= 57; c++) LABEL_CHAR[c] = 1;
for (let c = 97; c <= 122; c++) LABEL_CHAR[c] = 1;
LABEL_CHAR[45] = 1; // -
LABEL_CHAR[95] = 1; // _ appears in real DNS names (SRV, DKIM, some malware domains)

/**
 * A domain in lookup form: lower case, no trailing dot, internationalized names in punycode
 * (`bücher.example` → `xn--bcher-kva.example`). Rejects IP addresses, empty labels, labels over
 * 63 characters and names over 253.
 */
export function normalizeDomain(input: string): string | undefined {
  let s = input.trim();
  if (s.length === 0 || s.length > 1024) return undefined;
  if (s.endsWith('.')) s = s.slice(0, -1);
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (c !== 46 && LABEL_CHAR[c | 32] !== 1)) { ascii = false; break; }
  }
  if (ascii) s = s.toLowerCase();
  else {
    s = domainToASCII(s);
    if (s === '') return undefined;
  }
  if (s.length === 0 || s.length > 253) return undefined;
  let labelStart = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i === s.length ? 46 : s.charCodeAt(i);
    if (c === 46) {
      const len = i - labelStart;
      if (len === 0 || len > 63) return undefined;
      labelStart = i + 1;
    } else if (c >= 128 || LABEL_CHAR[c] !== 1) {
      return undefined;
    }
  }
  // A name whose last label is numeric is an IP address (or garbage), never a registrable domain.
  if (/^\d+$/.test(s.slice(s.lastIndexOf('.') + 1))) return undefined;
  return s;
}

const URL_SCHEMES = new Set(['http:', 'https:', 'ftp:', 'ws:', 'wss:']);

/**
 * A URL in lookup form (WHATWG serialization): scheme and host lower case, IDN hosts in punycode,
 * default port removed, fragment dropped, an empty path written as `/`. Path and query keep their
 * case. Only http, https, ftp, ws and wss URLs are accepted.
 */
export function normalizeUrl(input: string): string | undefined {
  const s = input.trim();
  if (s.length === 0 || s.length > MAX_VALUE_LENGTH) return undefined;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return undefined;
  }
  if (!URL_SCHEMES.has(u.protocol) || u.hostname === '') return undefined;
  u.hash = '';
  return u.href;
}

/** The host part of a normalized URL (`[v6]` brackets removed), or `undefined`. */
export function urlHost(url: string): string | undefined {
  try {
    const h = new URL(url).hostname;
    return h.startsWith('[') ? h.slice(1, -1) : h;
  } catch {
    return undefined;
  }
}

/** Hash type by hex length: 32 md5, 40 sha1, 64 sha256, 128 sha512. */
export function hashTypeOf(hex: string): 'md5' | 'sha1' | 'sha256' | 'sha512' | undefined {
  switch (hex.length) {
    case 32: return 'md5';
    case 40: return 'sha1';
    case 64: return 'sha256';
    case 128: return 'sha512';
    default: return undefined;
  }
}

/** A hex digest in lower case with its type told by its length, or `undefined` if it is not one. */
export function normalizeHash(input: string): { type: 'md5' | 'sha1' | 'sha256' | 'sha512'; value: string } | undefined {
  const s = input.trim();
  const type = hashTypeOf(s);
  if (type === undefined) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 32;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return undefined;
  }
  return { type, value: s.toLowerCase() };
}

/** An email address, lower case, the domain part normalized like a domain. */
export function normalizeEmail(input: string): string | undefined {
  const s = input.trim();
  if (s.length > 254) return undefined;
  const at = s.lastIndexOf('@');
  if (at <= 0 || at > 64) return undefined;
  const local = s.slice(0, at);
  if (/[\s<>(),;:"[\]\\]/.test(local)) return undefined;
  const domain = normalizeDomain(s.slice(at + 1));
  if (domain === undefined || !domain.includes('.')) return undefined;
  return `${local.toLowerCase()}@${domain}`;
}

/** An autonomous system number as `AS<n>` (accepts `AS123`, `as123`, `123`). */
export function normalizeAsn(input: string | number): string | undefined {
  const s = String(input).trim();
  const m = /^(?:as)?(\d{1,10})$/i.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n <= 4294967295 ? `AS${n}` : undefined;
}

/**
 * Normalizes a value of a known type. IPv4-mapped IPv6 addresses come back as `ipv4`, which is why
 * the type is returned too. Types without a canonical form are trimmed only.
 */
export function normalizeValue(type: ObservableType, value: string): { type: ObservableType; value: string } | undefined {
  switch (type) {
    case 'ipv4':
    case 'ipv6': {
      const v = normalizeIp(value);
      if (v === undefined) return undefined;
      return { type: v.includes(':') ? 'ipv6' : 'ipv4', value: v };
    }
    case 'cidr': {
      const v = normalizeCidr(value);
      return v === undefined ? undefined : { type, value: v };
    }
    case 'domain':
    case 'host': {
      const v = normalizeDomain(value);
      return v === undefined ? undefined : { type, value: v };
    }
    case 'url': {
      const v = normalizeUrl(value);
      return v === undefined ? undefined : { type, value: v };
    }
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512': {
      const h = normalizeHash(value);
      return h === undefined || h.type !== type ? undefined : h;
    }
    case 'email': {
      const v = normalizeEmail(value);
      return v === undefined ? undefined : { type, value: v };
    }
    case 'asn': {
      const v = normalizeAsn(value);
      return v === undefined ? undefined : { type, value: v };
    }
    default: {
      const v = value.trim();
      return v.length === 0 || v.length > MAX_VALUE_LENGTH ? undefined : { type, value: v };
    }
  }
}

/**
 * Guesses the type of one bare value (as in a plain list) and normalizes it: IP, CIDR, hash by
 * length, URL (with a scheme, or `host/path`), email, ASN, domain. `*.example.com` and
 * `.example.com` are domains that cover their subdomains.
 */
export function detectIndicator(input: string): { type: ObservableType; value: string; matchSubdomains?: boolean } | undefined {
  const s = input.trim();
  if (s.length === 0 || s.length > MAX_VALUE_LENGTH) return undefined;
  if (s.includes('/') && !s.includes('://')) {
    const cidr = normalizeCidr(s);
    if (cidr !== undefined) return { type: 'cidr', value: cidr };
  }
  const ip = normalizeIp(s);
  if (ip !== undefined) return { type: ip.includes(':') ? 'ipv6' : 'ipv4', value: ip };
  const hash = normalizeHash(s);
  if (hash !== undefined) return hash;
  if (/^[a-z][a-z0-9+.-]{0,15}:\/\//i.test(s)) {
    const url = normalizeUrl(s);
    return url === undefined ? undefined : { type: 'url', value: url };
  }
  if (s.includes('@')) {
    const email = normalizeEmail(s);
    return email === undefined ? undefined : { type: 'email', value: email };
  }
  const asn = /^as\d/i.test(s) ? normalizeAsn(s) : undefined;
  if (asn !== undefined) return { type: 'asn', value: asn };
  const slash = s.indexOf('/');
  if (slash > 0) {
    const host = normalizeDomain(s.slice(0, slash));
    if (host === undefined || !host.includes('.')) return undefined;
    const url = normalizeUrl(`http://${s}`);
    return url === undefined ? undefined : { type: 'url', value: url };
  }
  let wildcard = false;
  let name = s;
  if (name.startsWith('*.')) { wildcard = true; name = name.slice(2); }
  else if (name.startsWith('.')) { wildcard = true; name = name.slice(1); }
  const domain = normalizeDomain(name);
  if (domain === undefined || !domain.includes('.')) return undefined;
  return wildcard ? { type: 'domain', value: domain, matchSubdomains: true } : { type: 'domain', value: domain };
}
