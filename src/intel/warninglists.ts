import ipaddr from 'ipaddr.js';
import { detectIndicator, normalizeIp, urlHost } from './feeds/normalize.js';
import type { ObservableRef } from './provider.js';

/**
 * Warninglists: indicators that are known good or cannot be an attacker's address (private and
 * documentation ranges, the big public resolvers, major companies' domains), plus the team's own
 * allowlist. An observable on one never scores as malicious, whatever a feed or provider says; the
 * evidence names the list. They match IPs and domains only (and the allowlist every type): a URL
 * on a big platform is judged on its own, since phishing kits and payloads are hosted there.
 */

export type WarninglistKind = 'non-routable' | 'known-good' | 'allowlist';

export interface WarninglistHit {
  /** The list's id: `non-routable`, `public-dns-resolvers`, `major-domains`, `allowlist`. */
  list: string;
  kind: WarninglistKind;
  /** What matched, in words: `RFC 1918 private range 10.0.0.0/8`, `Google Public DNS`. */
  detail: string;
}

export const BUILTIN_WARNINGLISTS = ['non-routable', 'public-dns-resolvers', 'major-domains'] as const;
export type BuiltinWarninglist = (typeof BUILTIN_WARNINGLISTS)[number];

const V4_RANGES: Array<[string, string]> = [
  ['0.0.0.0/8', '"this network" (RFC 1122)'],
  ['10.0.0.0/8', 'RFC 1918 private range'],
  ['100.64.0.0/10', 'RFC 6598 shared address space (carrier-grade NAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (RFC 3927)'],
  ['172.16.0.0/12', 'RFC 1918 private range'],
  ['192.0.0.0/24', 'IETF protocol assignments (RFC 6890)'],
  ['192.0.2.0/24', 'documentation range TEST-NET-1 (RFC 5737)'],
  ['192.88.99.0/24', 'deprecated 6to4 relay anycast (RFC 7526)'],
  ['192.168.0.0/16', 'RFC 1918 private range'],
  ['198.18.0.0/15', 'benchmarking range (RFC 2544)'],
  ['198.51.100.0/24', 'documentation range TEST-NET-2 (RFC 5737)'],
  ['203.0.113.0/24', 'documentation range TEST-NET-3 (RFC 5737)'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved (RFC 1112), including broadcast'],
];

const V6_RANGES: Array<[string, string]> = [
  ['::/128', 'unspecified address'],
  ['::1/128', 'loopback'],
  ['100::/64', 'discard-only range (RFC 6666)'],
  ['2001:db8::/32', 'documentation range (RFC 3849)'],
  ['fc00::/7', 'unique local range (RFC 4193)'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
];

/** Special-use names (RFC 2606, 6761, 6762, 8375): never an attacker's registered domain. */
const RESERVED_TLDS: Record<string, string> = {
  localhost: 'special-use name .localhost (RFC 6761)',
  local: 'multicast DNS name .local (RFC 6762)',
  test: 'special-use name .test (RFC 6761)',
  invalid: 'special-use name .invalid (RFC 6761)',
  example: 'documentation name .example (RFC 2606)',
  internal: 'private-use name .internal',
  'home.arpa': 'home network name home.arpa (RFC 8375)',
};
const DOC_DOMAINS = ['example.com', 'example.net', 'example.org'];

const RESOLVERS: Array<[string, string[]]> = [
  ['Google Public DNS', ['8.8.8.8', '8.8.4.4', '2001:4860:4860::8888', '2001:4860:4860::8844']],
  ['Cloudflare DNS', ['1.1.1.1', '1.0.0.1', '1.1.1.2', '1.0.0.2', '1.1.1.3', '1.0.0.3', '2606:4700:4700::1111', '2606:4700:4700::1001', '2606:4700:4700::1112', '2606:4700:4700::1002', '2606:4700:4700::1113', '2606:4700:4700::1003']],
  ['Quad9', ['9.9.9.9', '149.112.112.112', '9.9.9.10', '149.112.112.10', '9.9.9.11', '149.112.112.11', '2620:fe::fe', '2620:fe::9', '2620:fe::10', '2620:fe::fe:10', '2620:fe::11', '2620:fe::fe:11']],
  ['OpenDNS (Cisco Umbrella)', ['208.67.222.222', '208.67.220.220', '208.67.222.123', '208.67.220.123', '2620:119:35::35', '2620:119:53::53']],
  ['AdGuard DNS', ['94.140.14.14', '94.140.15.15', '94.140.14.15', '94.140.15.16', '2a10:50c0::ad1:ff', '2a10:50c0::ad2:ff']],
  ['Level 3 / Lumen DNS', ['4.2.2.1', '4.2.2.2', '4.2.2.3', '4.2.2.4', '4.2.2.5', '4.2.2.6']],
  ['Comodo Secure DNS', ['8.26.56.26', '8.20.247.20']],
  ['CleanBrowsing', ['185.228.168.9', '185.228.169.9', '185.228.168.10', '185.228.169.11']],
  ['Yandex DNS', ['77.88.8.8', '77.88.8.1', '77.88.8.88', '77.88.8.2']],
  ['DNS.WATCH', ['84.200.69.80', '84.200.70.40']],
  ['Control D', ['76.76.2.0', '76.76.10.0']],
];
const RESOLVER_NAMES: Array<[string, string]> = [
  ['dns.google', 'Google Public DNS'],
  ['one.one.one.one', 'Cloudflare DNS'],
  ['cloudflare-dns.com', 'Cloudflare DNS'],
  ['dns.quad9.net', 'Quad9'],
  ['resolver1.opendns.com', 'OpenDNS (Cisco Umbrella)'],
  ['resolver2.opendns.com', 'OpenDNS (Cisco Umbrella)'],
  ['dns.adguard-dns.com', 'AdGuard DNS'],
];

/**
 * Company-run domains and CDN infrastructure, matched with their subdomains (nobody else can create
 * a name under them). Platforms that hand out subdomains to their users (cloudfront.net,
 * amazonaws.com, blogspot.com, github.io, duckdns.org, ngrok…) are deliberately absent.
 */
const MAJOR_DOMAINS: Array<[string, string]> = [
  ['google.com', 'Google'], ['gstatic.com', 'Google'], ['youtube.com', 'Google'], ['ytimg.com', 'Google'], ['gmail.com', 'Google'], ['googlevideo.com', 'Google'],
  ['microsoft.com', 'Microsoft'], ['windows.com', 'Microsoft'], ['windowsupdate.com', 'Microsoft'], ['office.com', 'Microsoft'], ['office365.com', 'Microsoft'], ['office.net', 'Microsoft'],
  ['microsoftonline.com', 'Microsoft'], ['live.com', 'Microsoft'], ['outlook.com', 'Microsoft'], ['bing.com', 'Microsoft'], ['msftncsi.com', 'Microsoft'], ['msedge.net', 'Microsoft'],
  ['apple.com', 'Apple'], ['icloud.com', 'Apple'], ['mzstatic.com', 'Apple'],
  ['amazon.com', 'Amazon'], ['cloudflare.com', 'Cloudflare'], ['akamai.net', 'Akamai CDN'], ['akamaiedge.net', 'Akamai CDN'], ['akamaitechnologies.com', 'Akamai'], ['akamaihd.net', 'Akamai CDN'],
  ['fastly.net', 'Fastly CDN'], ['edgekey.net', 'Akamai CDN'], ['edgesuite.net', 'Akamai CDN'],
  ['facebook.com', 'Meta'], ['fbcdn.net', 'Meta'], ['instagram.com', 'Meta'], ['whatsapp.net', 'Meta'],
  ['github.com', 'GitHub'], ['linkedin.com', 'LinkedIn'], ['wikipedia.org', 'Wikimedia'], ['mozilla.org', 'Mozilla'], ['mozilla.net', 'Mozilla'],
  ['ubuntu.com', 'Canonical'], ['debian.org', 'Debian'], ['digicert.com', 'DigiCert'], ['letsencrypt.org', "Let's Encrypt"], ['lencr.org', "Let's Encrypt"],
];

function v4ToInt(ip: string): number | undefined {
  let n = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= ip.length; i++) {
    const c = i === ip.length ? 46 : ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255 || ++parts > 4) return undefined;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3) return undefined;
    } else return undefined;
  }
  return parts === 4 ? n : undefined;
}

interface V4Range {
  lo: number;
  hi: number;
  detail: string;
}

function v4Range(cidr: string, detail: string): V4Range {
  const [a, p] = cidr.split('/') as [string, string];
  const base = v4ToInt(a)!;
  const size = 2 ** (32 - Number(p));
  return { lo: base, hi: base + size - 1, detail };
}

interface V6Range {
  net: ipaddr.IPv6;
  bits: number;
  detail: string;
}

function v6Range(cidr: string, detail: string): V6Range {
  const [net, bits] = ipaddr.parseCIDR(cidr) as [ipaddr.IPv6, number];
  return { net, bits, detail };
}

interface Table {
  list: string;
  kind: WarninglistKind;
  v4: V4Range[];
  v6: V6Range[];
  ips: Map<string, string>;
  /** Domain → detail; `sub` covers subdomains too. */
  domains: Map<string, { detail: string; sub: boolean }>;
  tlds: Map<string, string>;
  /** `type:value` → detail, for allowlisted URLs, hashes and emails. */
  exact: Map<string, string>;
}

function emptyTable(list: string, kind: WarninglistKind): Table {
  return { list, kind, v4: [], v6: [], ips: new Map(), domains: new Map(), tlds: new Map(), exact: new Map() };
}

/** Why an allowlist entry cannot be used, or undefined when it can. */
export function allowlistEntryProblem(entry: string): string | undefined {
  if (detectIndicator(entry) === undefined) return `"${entry}" is not an IP, CIDR, domain (*.domain for subdomains), URL, hash or email address`;
  return undefined;
}

function addAllowlist(t: Table, entry: string): void {
  const d = detectIndicator(entry);
  if (!d) return;
  const detail = `allowlisted as ${entry.trim()}`;
  switch (d.type) {
    case 'ipv4':
    case 'ipv6':
      t.ips.set(d.value, detail);
      break;
    case 'cidr':
      if (d.value.includes(':')) t.v6.push(v6Range(d.value, detail));
      else t.v4.push(v4Range(d.value, detail));
      break;
    case 'domain':
      t.domains.set(d.value, { detail, sub: d.matchSubdomains === true });
      break;
    default:
      t.exact.set(`${d.type}:${d.value}`, detail);
  }
}

interface Hit {
  list: string;
  kind: WarninglistKind;
  detail: string;
  /** For domains: also covers subdomains. */
  sub: boolean;
}

/**
 * Every table merged into one set of maps, so an observable costs one parse and one walk up its
 * labels whatever the number of lists; on a key listed twice the earlier list (the allowlist) wins.
 */
class Merged {
  ips = new Map<string, Hit>();
  domains = new Map<string, Hit>();
  tlds = new Map<string, Hit>();
  v4: Array<V4Range & { hit: Hit }> = [];
  v6: Array<V6Range & { hit: Hit }> = [];

  add(t: Table): void {
    const hit = (detail: string, sub = false): Hit => ({ list: t.list, kind: t.kind, detail, sub });
    for (const [k, d] of t.ips) if (!this.ips.has(k)) this.ips.set(k, hit(d));
    for (const [k, d] of t.domains) if (!this.domains.has(k)) this.domains.set(k, hit(d.detail, d.sub));
    for (const [k, d] of t.tlds) if (!this.tlds.has(k)) this.tlds.set(k, hit(d, true));
    for (const r of t.v4) this.v4.push({ ...r, hit: hit(r.detail) });
    for (const r of t.v6) this.v6.push({ ...r, hit: hit(r.detail) });
  }

  domain(name: string): Hit | undefined {
    const exact = this.domains.get(name) ?? this.tlds.get(name);
    if (exact) return exact;
    for (let i = name.indexOf('.'); i !== -1; i = name.indexOf('.', i + 1)) {
      const parent = name.slice(i + 1);
      const d = this.domains.get(parent);
      if (d?.sub) return d;
      const tld = this.tlds.get(parent);
      if (tld) return tld;
    }
    return undefined;
  }

  ip(ip: string): Hit | undefined {
    const exact = this.ips.get(ip);
    if (exact) return exact;
    const n = v4ToInt(ip);
    if (n !== undefined) {
      for (const r of this.v4) if (n >= r.lo && n <= r.hi) return r.hit;
      return undefined;
    }
    if (!this.v6.length || !ip.includes(':')) return undefined;
    let a: ipaddr.IPv6;
    try {
      a = ipaddr.IPv6.parse(ip);
    } catch {
      return undefined;
    }
    for (const r of this.v6) if (a.match(r.net, r.bits)) return r.hit;
    return undefined;
  }
}

function toHit(h: Hit | undefined): WarninglistHit | undefined {
  return h && { list: h.list, kind: h.kind, detail: h.detail };
}

/** The built-in lists plus the configured allowlist, ready for lookups (a few set probes per observable). */
export class Warninglists {
  private readonly all = new Merged();
  /** The allowlist alone: the only list that applies to URLs (by host), emails (by domain), hashes. */
  private readonly allow = new Merged();
  private readonly exact: Map<string, string>;

  private constructor(tables: Table[]) {
    for (const t of tables) this.all.add(t);
    const allow = tables.find((t) => t.kind === 'allowlist');
    if (allow) this.allow.add(allow);
    this.exact = allow?.exact ?? new Map();
    this.empty = tables.length === 0;
  }

  readonly empty: boolean;

  static none(): Warninglists {
    return new Warninglists([]);
  }

  /**
   * @param lists built-in lists to use (all by default)
   * @param allowlist the team's known-good values: IPs, CIDRs, domains (`*.corp.example` covers
   *   subdomains), URLs, hashes, emails. Entries that are none of these are ignored (config
   *   validation reports them).
   */
  static build(opts: { lists?: readonly string[]; allowlist?: readonly string[] } = {}): Warninglists {
    const want = new Set(opts.lists ?? BUILTIN_WARNINGLISTS);
    const tables: Table[] = [];
    if (opts.allowlist?.length) {
      const t = emptyTable('allowlist', 'allowlist');
      for (const e of opts.allowlist) addAllowlist(t, e);
      tables.push(t);
    }
    if (want.has('non-routable')) {
      const t = emptyTable('non-routable', 'non-routable');
      for (const [c, d] of V4_RANGES) t.v4.push(v4Range(c, `${d} ${c}`));
      for (const [c, d] of V6_RANGES) t.v6.push(v6Range(c, `${d} ${c}`));
      for (const [tld, d] of Object.entries(RESERVED_TLDS)) t.tlds.set(tld, d);
      for (const d of DOC_DOMAINS) t.domains.set(d, { detail: `documentation domain ${d} (RFC 2606)`, sub: true });
      tables.push(t);
    }
    if (want.has('public-dns-resolvers')) {
      const t = emptyTable('public-dns-resolvers', 'known-good');
      for (const [who, ips] of RESOLVERS) for (const ip of ips) t.ips.set(normalizeIp(ip)!, `public DNS resolver (${who})`);
      for (const [name, who] of RESOLVER_NAMES) t.domains.set(name, { detail: `public DNS resolver name (${who})`, sub: false });
      tables.push(t);
    }
    if (want.has('major-domains')) {
      const t = emptyTable('major-domains', 'known-good');
      for (const [d, who] of MAJOR_DOMAINS) t.domains.set(d, { detail: `major domain ${d} (${who})`, sub: true });
      tables.push(t);
    }
    return new Warninglists(tables);
  }

  /** The list the observable is on (the allowlist before the built-in lists), or undefined. */
  match(o: ObservableRef): WarninglistHit | undefined {
    switch (o.type) {
      case 'ipv4':
      case 'ipv6':
        return toHit(this.all.ip(o.value));
      case 'domain':
      case 'host':
        return toHit(this.all.domain(o.value));
      case 'url': {
        const exact = this.exact.get(`url:${o.value}`);
        if (exact) return { list: 'allowlist', kind: 'allowlist', detail: exact };
        if (this.allow.domains.size === 0 && this.allow.ips.size === 0 && !this.allow.v4.length && !this.allow.v6.length) return undefined;
        const host = urlHost(o.value);
        if (host === undefined) return undefined;
        return toHit(v4ToInt(host) !== undefined || host.includes(':') ? this.allow.ip(host) : this.allow.domain(host));
      }
      case 'email': {
        const exact = this.exact.get(`email:${o.value}`);
        if (exact) return { list: 'allowlist', kind: 'allowlist', detail: exact };
        const at = o.value.lastIndexOf('@');
        return at === -1 ? undefined : toHit(this.allow.domain(o.value.slice(at + 1)));
      }
      default: {
        const d = this.exact.get(`${o.type}:${o.value}`);
        return d === undefined ? undefined : { list: 'allowlist', kind: 'allowlist', detail: d };
      }
    }
  }
}
