import { isIP } from 'node:net';
import { ipScope } from '../../../ioc/classify.js';
import { obj } from '../shared.js';

/** TLD (or longer suffix) → the RDAP base URLs that serve it, from an RFC 9224 bootstrap file. */
export type Bootstrap = Map<string, string[]>;

/**
 * Reads the IANA bootstrap file (`{"services": [[["com","net"], ["https://rdap.verisign.com/com/v1/"]], …]}`).
 * Server URLs are third-party data pointing where Vigil will send questions, so only https URLs to
 * names or public addresses are kept: a tampered file cannot aim lookups at the internal network.
 */
export function parseBootstrap(body: unknown): Bootstrap {
  const out: Bootstrap = new Map();
  const services = obj(body).services;
  if (!Array.isArray(services)) return out;
  for (const s of services.slice(0, 5000)) {
    if (!Array.isArray(s) || !Array.isArray(s[0]) || !Array.isArray(s[1])) continue;
    const urls = (s[1] as unknown[]).filter((u): u is string => typeof u === 'string' && safeServer(u)).map((u) => u.replace(/\/+$/, ''));
    if (!urls.length) continue;
    for (const tld of s[0] as unknown[]) if (typeof tld === 'string' && tld.length <= 63 * 4) out.set(tld.toLowerCase().replace(/^\.|\.$/g, ''), urls);
  }
  return out;
}

function safeServer(u: string): boolean {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return ipScope(host) === 'public';
  return !/(^|\.)(localhost|local|internal|home\.arpa)$/i.test(host);
}

/** The server for a domain: the longest suffix listed (`co.uk` before `uk`). */
export function serverFor(b: Bootstrap, domain: string): string | undefined {
  const labels = domain.toLowerCase().split('.');
  for (let i = 0; i < labels.length; i++) {
    const hit = b.get(labels.slice(i).join('.'));
    if (hit) return hit[0];
  }
  return undefined;
}
