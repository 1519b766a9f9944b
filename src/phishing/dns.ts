import { Resolver } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import type { AuthVerifier } from './analyze.js';
import { parseTagList } from './auth.js';
import type { PhishingConfig } from './config.js';
import { verifyAllDkim, type TxtLookup } from './dkim.js';
import { addressDomain, orgDomain, sameOrg } from './domains.js';
import type { AuthSummary } from './types.js';

// Authentication checked here rather than taken from the receiving server's headers: DKIM
// signatures against their published keys, SPF evaluated for the relay that handed the message
// in, and the DMARC record of the From domain. Only built when phishing.dns.resolver is set, so an
// unconfigured Vigil never sends a DNS query about a message.

/** The DNS answers the checks need; a test or another resolver can stand in. */
export interface DnsClient {
  txt: TxtLookup;
  a(name: string): Promise<string[]>;
  aaaa(name: string): Promise<string[]>;
  mx(name: string): Promise<string[]>;
}

const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'ENONAME']);

/** A DNS client on one configured server (`1.1.1.1`, `127.0.0.1:5353`, `[::1]:53`). */
export function resolverClient(server: string, timeoutMs: number): DnsClient {
  const r = new Resolver({ timeout: timeoutMs, tries: 1 });
  r.setServers([server]);
  const orEmpty = async <T>(p: Promise<T[]>): Promise<T[]> => {
    try {
      return await p;
    } catch (e) {
      if (NOT_FOUND.has((e as NodeJS.ErrnoException).code ?? '')) return [];
      throw e;
    }
  };
  return {
    txt: async (name) => {
      const recs = await orEmpty(r.resolveTxt(name));
      return recs.length ? recs.map((chunks) => chunks.join('')) : null;
    },
    a: (name) => orEmpty(r.resolve4(name)),
    aaaa: (name) => orEmpty(r.resolve6(name)),
    mx: async (name) => (await orEmpty(r.resolveMx(name))).sort((x, y) => x.priority - y.priority).map((m) => m.exchange),
  };
}

export type SpfResultWord = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror';

class SpfError extends Error {
  constructor(readonly result: 'temperror' | 'permerror', message: string) {
    super(message);
  }
}

function ipMatches(ip: ipaddr.IPv4 | ipaddr.IPv6, addr: string, bits: number | undefined): boolean {
  let a: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    a = ipaddr.parse(addr);
  } catch {
    return false;
  }
  if (a.kind() !== ip.kind()) return false;
  const len = bits ?? (a.kind() === 'ipv4' ? 32 : 128);
  return (ip as ipaddr.IPv4).match(a as ipaddr.IPv4, len);
}

/**
 * SPF check_host() (RFC 7208) for the common mechanisms: all, ip4, ip6, a, mx, include, exists and
 * redirect, with the 10-lookup limit. Macros beyond %{i} %{s} %{l} %{o} %{d} %{h} are a permerror.
 */
export async function checkSpf(dns: DnsClient, ipText: string, domain: string, sender: string, helo = ''): Promise<{ result: SpfResultWord; reason: string }> {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(ipText);
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  } catch {
    return { result: 'permerror', reason: `not an IP address: ${ipText}` };
  }
  let lookups = 0;
  const count = () => {
    if (++lookups > 10) throw new SpfError('permerror', 'more than 10 DNS lookups');
  };
  const local = sender.includes('@') ? sender.slice(0, sender.lastIndexOf('@')) : 'postmaster';
  const expand = (spec: string, d: string): string =>
    spec.replace(/%\{([a-z])\}|%%|%_|%-/gi, (m, letter: string | undefined) => {
      if (m === '%%') return '%';
      if (m === '%_') return ' ';
      if (m === '%-') return '%20';
      switch (letter!.toLowerCase()) {
        case 'i':
          return ip.kind() === 'ipv4' ? ip.toString() : (ip as ipaddr.IPv6).toNormalizedString().replace(/:/g, '').split('').join('.');
        case 's':
          return sender || `postmaster@${d}`;
        case 'l':
          return local;
        case 'o':
          return sender.includes('@') ? addressDomain(sender) : d;
        case 'd':
          return d;
        case 'h':
          return helo || d;
        default:
          throw new SpfError('permerror', `unsupported macro ${m}`);
      }
    });

  const run = async (d: string, depth: number): Promise<{ result: SpfResultWord; reason: string }> => {
    if (depth > 10) throw new SpfError('permerror', 'include/redirect loop');
    let txt: string[] | null;
    try {
      txt = await dns.txt(d);
    } catch (e) {
      throw new SpfError('temperror', `TXT ${d}: ${(e as Error).message}`);
    }
    const recs = (txt ?? []).filter((r) => /^v=spf1(\s|$)/i.test(r));
    if (recs.length === 0) return { result: 'none', reason: `${d} publishes no SPF record` };
    if (recs.length > 1) throw new SpfError('permerror', `${d} publishes ${recs.length} SPF records`);
    const terms = recs[0]!.trim().split(/\s+/).slice(1);
    let redirect: string | null = null;
    for (const term of terms.slice(0, 100)) {
      const mod = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(term);
      if (mod) {
        if (mod[1]!.toLowerCase() === 'redirect') redirect = expand(mod[2]!, d);
        continue;
      }
      const m = /^([+?~-]?)([a-z0-9]+)(?::([^/]*))?(?:\/(\d{1,3}))?(?:\/\/(\d{1,3}))?$/i.exec(term);
      if (!m) throw new SpfError('permerror', `bad SPF term "${term}" in ${d}`);
      const q = m[1] || '+';
      const mech = m[2]!.toLowerCase();
      const arg = m[3] !== undefined ? expand(m[3], d) : d;
      const bits = ip.kind() === 'ipv4' ? (m[4] !== undefined ? Number(m[4]) : undefined) : m[5] !== undefined ? Number(m[5]) : undefined;
      let match = false;
      switch (mech) {
        case 'all':
          match = true;
          break;
        case 'ip4':
        case 'ip6': {
          const cidr = /^(.+?)(?:\/(\d{1,3}))?$/.exec(m[3] ?? '');
          const b = m[4] !== undefined ? Number(m[4]) : cidr?.[2] !== undefined ? Number(cidr[2]) : undefined;
          match = ipMatches(ip, cidr?.[1] ?? '', b);
          break;
        }
        case 'a': {
          count();
          const addrs = ip.kind() === 'ipv4' ? await dns.a(arg) : await dns.aaaa(arg);
          match = addrs.some((x) => ipMatches(ip, x, bits));
          break;
        }
        case 'mx': {
          count();
          const hosts = (await dns.mx(arg)).slice(0, 10);
          for (const h of hosts) {
            const addrs = ip.kind() === 'ipv4' ? await dns.a(h) : await dns.aaaa(h);
            if (addrs.some((x) => ipMatches(ip, x, bits))) {
              match = true;
              break;
            }
          }
          break;
        }
        case 'include': {
          count();
          const r = await run(arg, depth + 1);
          if (r.result === 'pass') match = true;
          else if (r.result === 'temperror') throw new SpfError('temperror', r.reason);
          else if (r.result === 'permerror' || r.result === 'none') throw new SpfError('permerror', `include:${arg}: ${r.reason}`);
          break;
        }
        case 'exists': {
          count();
          match = (await dns.a(arg)).length > 0;
          break;
        }
        case 'ptr':
          // Deprecated and slow; RFC 7208 §5.5 says not to use it. Counted, never matched.
          count();
          break;
        default:
          throw new SpfError('permerror', `unknown mechanism "${mech}" in ${d}`);
      }
      if (match) {
        const result: SpfResultWord = q === '-' ? 'fail' : q === '~' ? 'softfail' : q === '?' ? 'neutral' : 'pass';
        return { result, reason: `${d}: ${term} matches ${ipText}` };
      }
    }
    if (redirect) {
      count();
      const r = await run(redirect, depth + 1);
      if (r.result === 'none') throw new SpfError('permerror', `redirect=${redirect} has no SPF record`);
      return r;
    }
    return { result: 'neutral', reason: `${d}: no mechanism matches ${ipText}` };
  };
  try {
    return await run(domain, 0);
  } catch (e) {
    if (e instanceof SpfError) return { result: e.result, reason: e.message };
    return { result: 'temperror', reason: (e as Error).message };
  }
}

/** The DMARC record that applies to a From domain: its own, else its organisational domain's (sp=). */
export async function lookupDmarc(dns: DnsClient, fromDomain: string): Promise<{ policy: string; adkim: 'r' | 's'; aspf: 'r' | 's'; record: string; at: string } | null> {
  const org = orgDomain(fromDomain) ?? fromDomain;
  for (const name of fromDomain === org ? [fromDomain] : [fromDomain, org]) {
    const txt = await dns.txt(`_dmarc.${name}`);
    const rec = txt?.find((r) => /^v=DMARC1(\s*;|\s*$)/i.test(r));
    if (!rec) continue;
    const t = parseTagList(rec);
    const policy = (name === fromDomain ? t.p : (t.sp ?? t.p)) ?? 'none';
    return { policy: policy.toLowerCase(), adkim: t.adkim?.toLowerCase() === 's' ? 's' : 'r', aspf: t.aspf?.toLowerCase() === 's' ? 's' : 'r', record: rec, at: `_dmarc.${name}` };
  }
  return null;
}

function aligned(mode: 'r' | 's', a: string | null, from: string): boolean {
  if (!a || !from) return false;
  return mode === 's' ? a.toLowerCase() === from.toLowerCase() : sameOrg(a, from);
}

/** The verifier the CLI and services use; null when no resolver is configured (offline). */
export function createDnsVerifier(cfg: PhishingConfig['dns'], client?: DnsClient): AuthVerifier | null {
  if (!cfg.resolver && !client) return null;
  const dns = client ?? resolverClient(cfg.resolver!, cfg.timeoutMs);
  const where = cfg.resolver ?? 'the given resolver';
  return {
    async verify({ raw, email, auth, fromDomain, senderIp }) {
      await verifyAuth(dns, { raw, auth, fromDomain, senderIp, returnPath: email.returnPath ?? null }, where);
    },
  };
}

/** Replaces the stated SPF/DKIM/DMARC results with ones checked through DNS. */
export async function verifyAuth(dns: DnsClient, input: { raw: Uint8Array; auth: AuthSummary; fromDomain: string; senderIp: string | null; returnPath: string | null }, where: string): Promise<void> {
  const { auth, fromDomain } = input;
  const source = `DNS via ${where}`;
  const done: string[] = [];
  const dkim = await verifyAllDkim(input.raw, async (name) => {
    try {
      return await dns.txt(name);
    } catch (e) {
      throw new Error((e as Error).message);
    }
  });
  if (dkim.length) {
    auth.dkim = dkim.map((d) => ({ result: d.result, domain: d.domain, selector: d.selector, aligned: d.domain && fromDomain ? sameOrg(d.domain, fromDomain) : null, source, verified: true, reason: d.reason }));
    done.push(`${dkim.length} DKIM signature${dkim.length === 1 ? '' : 's'} checked`);
  }
  const mailfrom = auth.spf?.identity === 'mailfrom' && auth.spf.domain ? auth.spf.domain : input.returnPath ? addressDomain(input.returnPath) : null;
  if (input.senderIp && mailfrom) {
    const spf = await checkSpf(dns, input.senderIp, mailfrom, input.returnPath ?? `postmaster@${mailfrom}`);
    auth.spf = { result: spf.result, domain: mailfrom, identity: 'mailfrom', ip: input.senderIp, aligned: fromDomain ? sameOrg(mailfrom, fromDomain) : null, source: `${source}: ${spf.reason}`, verified: true };
    done.push(`SPF evaluated for ${input.senderIp}`);
  }
  if (fromDomain) {
    let rec: Awaited<ReturnType<typeof lookupDmarc>> = null;
    let failed: string | null = null;
    try {
      rec = await lookupDmarc(dns, fromDomain);
    } catch (e) {
      failed = (e as Error).message;
    }
    const spfOk = !!auth.spf && auth.spf.result === 'pass' && aligned(rec?.aspf ?? 'r', auth.spf.domain, fromDomain);
    const dkimOk = auth.dkim.some((d) => d.result === 'pass' && aligned(rec?.adkim ?? 'r', d.domain, fromDomain));
    const result = failed ? 'temperror' : !rec ? 'none' : spfOk || dkimOk ? 'pass' : 'fail';
    auth.dmarc = { result, domain: fromDomain, policy: rec?.policy ?? null, source: rec ? `${source}: ${rec.at} "${rec.record.slice(0, 120)}"` : `${source}${failed ? `: ${failed}` : ': no DMARC record'}`, verified: true };
    done.push('DMARC record looked up');
  }
  const spfAligned = !!auth.spf && auth.spf.result === 'pass' && !!auth.spf.aligned;
  const dkimAligned = auth.dkim.some((d) => d.result === 'pass' && d.aligned);
  auth.alignment = { spf: spfAligned, dkim: dkimAligned, pass: spfAligned || dkimAligned };
  auth.verification = done.length ? `verified through DNS (${where}): ${done.join(', ')}` : `DNS resolver configured (${where}) but nothing to check: no DKIM signature, no sender IP or From domain`;
}
