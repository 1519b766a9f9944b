import { domainToASCII, domainToUnicode } from 'node:url';
import { domainInfo } from '../ioc/index.js';

const ASCII_HOST = /^[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,20}$/;

// Hosts repeat within a message (the From domain is looked at a dozen times) and across messages
// (mail providers, brands, trackers): both answers are remembered, the tables emptied when full.
const CACHE_MAX = 20_000;
const asciiCache = new Map<string, string | null>();
const orgCache = new Map<string, string | null>();

function remember<T>(m: Map<string, T>, k: string, v: T): T {
  if (m.size >= CACHE_MAX) m.clear();
  m.set(k, v);
  return v;
}

function toAscii(host: string): string | null {
  let h = host.trim().toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.length === 0 || h.length > 253) return null;
  if (ASCII_HOST.test(h)) return h;
  const a = domainToASCII(h);
  return a && ASCII_HOST.test(a) ? a : null;
}

/** A host name in lower-case ASCII (punycode), or null when it is not a usable DNS name. */
export function asciiHost(host: string | null | undefined): string | null {
  if (!host) return null;
  const hit = asciiCache.get(host);
  if (hit !== undefined) return hit;
  return host.length > 300 ? toAscii(host) : remember(asciiCache, host, toAscii(host));
}

/** The registrable ("organisational") domain of a host: `a.b.example.co.uk` → `example.co.uk`. */
export function orgDomain(host: string | null | undefined): string | null {
  if (!host) return null;
  const hit = orgCache.get(host);
  if (hit !== undefined) return hit;
  const h = asciiHost(host);
  const org = h === null || isIpLiteral(h) ? null : domainInfo(h).registrable;
  return host.length > 300 ? org : remember(orgCache, host, org);
}

/** Relaxed DMARC alignment: the two hosts share an organisational domain. */
export function sameOrg(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = orgDomain(a);
  return x !== null && x === orgDomain(b);
}

/** `host` is `suffix` or a subdomain of it. */
export function hostUnder(host: string, suffix: string): boolean {
  return host === suffix || (host.length > suffix.length && host.endsWith(suffix) && host.charCodeAt(host.length - suffix.length - 1) === 46);
}

export function hostUnderAny(host: string, suffixes: Iterable<string>): string | null {
  for (const s of suffixes) if (hostUnder(host, s)) return s;
  return null;
}

export function isIpLiteral(host: string): boolean {
  // A DNS name starts with a letter far more often than not: no pattern to run then.
  const c = host.charCodeAt(0);
  if (((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) && !host.includes(':')) return false;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host)) return true;
  // Browsers also accept one-number and hex forms (http://3232235777/, http://0xC0A80001/).
  if (/^(?:0x[0-9a-f]{1,8}|\d{1,10})$/i.test(host)) return true;
  return host.startsWith('[') || (host.includes(':') && /^[0-9a-f:.]+$/i.test(host));
}

/** The domain part of an address, lower-case ASCII, or '' when there is none. */
export function addressDomain(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return '';
  return asciiHost(address.slice(at + 1)) ?? address.slice(at + 1).toLowerCase();
}

export function toUnicodeHost(host: string): string {
  if (!host.includes('xn--')) return host;
  return domainToUnicode(host) || host;
}

/** The label left of the public suffix (`mail.paypal.co.uk` → `paypal`) and the suffix (`co.uk`). */
export function splitRegistrable(registrable: string): { label: string; suffix: string } {
  const dot = registrable.indexOf('.');
  return dot < 0 ? { label: registrable, suffix: '' } : { label: registrable.slice(0, dot), suffix: registrable.slice(dot + 1) };
}

/** A suffix that is a country code (`de`, `co.uk`, `com.br`): brands own their country variants. */
export function isCountrySuffix(suffix: string): boolean {
  const last = suffix.slice(suffix.lastIndexOf('.') + 1);
  return last.length === 2;
}
