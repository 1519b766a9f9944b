import type { Header } from 'postal-mime';
import { ipScope } from '../ioc/index.js';
import { asciiHost, hostUnderAny, isIpLiteral, orgDomain } from './domains.js';
import type { FindingSet } from './findings.js';
import type { Hop } from './types.js';

const MAX_HOPS = 100;
const MAX_LEN = 4096;

interface Piece {
  word?: string;
  comment?: string;
}

// Top-level words and (nested) comments of a Received value; linear.
function pieces(s: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  while (i < s.length && out.length < 200) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    if (c === 40) {
      let depth = 0;
      const start = i + 1;
      let end = s.length;
      for (; i < s.length; i++) {
        const d = s.charCodeAt(i);
        if (d === 40) depth++;
        else if (d === 41 && --depth === 0) {
          end = i;
          i++;
          break;
        }
      }
      out.push({ comment: s.slice(start, end).trim() });
      continue;
    }
    const start = i;
    while (i < s.length) {
      const d = s.charCodeAt(i);
      if (d === 32 || d === 9 || d === 10 || d === 13 || d === 40) break;
      i++;
    }
    out.push({ word: s.slice(start, i) });
  }
  return out;
}

function stripComments(s: string): string {
  return pieces(s)
    .filter((p) => p.word !== undefined)
    .map((p) => p.word)
    .join(' ');
}

const IP_BRACKET = /\[(?:ipv6:)?([0-9a-f:.]{2,45})\]/i;
const IPV4 = /(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])/;
const BARE_IP = /^(?:ipv6:)?([0-9a-f:.]{2,45})$/i;

function cleanHost(h: string | undefined | null): string | null {
  if (!h) return null;
  const v = h.replace(/^\[|\]$/g, '').replace(/\.$/, '').trim();
  return v ? v.slice(0, 255) : null;
}

function validIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const v = ip.replace(/^ipv6:/i, '');
  return ipScope(v) !== undefined ? v : null;
}

/** One Received header value → the parts a hop has. Tolerates Postfix, Sendmail, Exim, qmail and Exchange styles. */
export function parseReceived(value: string): Omit<Hop, 'index' | 'delaySeconds' | 'external' | 'firstExternal' | 'flags'> {
  return readReceived(value).hop;
}

type HopFields = Omit<Hop, 'index' | 'delaySeconds' | 'external' | 'firstExternal' | 'flags'>;

// The hop and its time in milliseconds (NaN without a date), so the chain need not parse the date again.
function readReceived(value: string): { hop: HopFields; time: number } {
  const v = value.length > MAX_LEN ? value.slice(0, MAX_LEN) : value;
  const semi = v.lastIndexOf(';');
  const main = semi >= 0 ? v.slice(0, semi) : v;
  let date: string | null = null;
  let time = Number.NaN;
  if (semi >= 0) {
    // The date parser skips "(UTC)"-style comments itself; odd ones are stripped and tried again.
    let t = Date.parse(v.slice(semi + 1));
    if (!Number.isFinite(t)) t = Date.parse(stripComments(v.slice(semi + 1)).trim());
    if (Number.isFinite(t)) {
      date = new Date(t).toISOString();
      time = t;
    }
  }
  const ps = pieces(main);
  let from: string | null = null;
  let by: string | null = null;
  let withProto: string | null = null;
  let helo: string | null = null;
  let rdns: string | null = null;
  let ip: string | null = null;
  let clause = '';
  const fromComments: string[] = [];
  for (let k = 0; k < ps.length; k++) {
    const p = ps[k]!;
    if (p.word !== undefined) {
      const w = p.word.toLowerCase();
      if (w === 'from' || w === 'by' || w === 'with' || w === 'id' || w === 'for' || w === 'via') {
        clause = w;
        const next = ps[k + 1];
        if (next?.word !== undefined) {
          if (w === 'from') from = cleanHost(next.word);
          else if (w === 'by') by = cleanHost(next.word);
          else if (w === 'with') withProto = next.word.slice(0, 40);
          k++;
        }
        continue;
      }
    } else if (p.comment !== undefined && clause === 'from') {
      fromComments.push(p.comment);
    }
  }
  if (from) {
    helo = from;
    if (from.startsWith('[') || isIpLiteral(from)) {
      ip = validIp(from.replace(/^\[|\]$/g, ''));
      helo = null;
    }
  }
  for (const c of fromComments) {
    const exim = /helo=([^\s)\]]{1,255})/i.exec(c);
    const qmail = /^helo\s+([^\s)]{1,255})/i.exec(c);
    if (exim || qmail) {
      // Exim and qmail write the verified name in "from" and the HELO separately.
      if (from && !isIpLiteral(from.replace(/^\[|\]$/g, '')) && from.toLowerCase() !== 'unknown') rdns = from;
      helo = cleanHost((exim ?? qmail)![1]);
    }
    const br = IP_BRACKET.exec(c);
    if (br) {
      ip ??= validIp(br[1]);
      const before = c.slice(0, br.index).trim().split(/\s+/).pop();
      if (before && !/^helo=/i.test(before)) rdns = cleanHost(before);
      continue;
    }
    const bare = BARE_IP.exec(c);
    if (bare) {
      ip ??= validIp(bare[1]);
      continue;
    }
    const v4 = IPV4.exec(c);
    if (v4) ip ??= validIp(v4[1]);
  }
  if (from?.toLowerCase() === 'unknown' && helo?.toLowerCase() === 'unknown') helo = null;
  const scope = ip ? (ipScope(ip) ?? null) : null;
  return { hop: { from, helo, rdns, ip, by, with: withProto, date, scope }, time };
}

export interface HopOptions {
  /** The client IP the receiver's SPF check names, when it says: that hop is where the message came in. */
  senderIp: string | null;
  internalRelays: string[];
}

/**
 * The Received chain in the order the message travelled (oldest first), with delays, scopes, which
 * hops are outside the receiving organisation and which one handed the message in.
 */
export function buildHops(headers: Header[], opts: HopOptions): Hop[] {
  const values = headers.filter((h) => h.key === 'received').slice(0, MAX_HOPS);
  // Header order is newest first: walk it that way to find where the outside world begins.
  const read = values.map((h) => readReceived(h.value));
  const top = read.map((r) => r.hop);
  let firstExternalTop = -1;
  if (opts.senderIp) firstExternalTop = top.findIndex((h) => h.ip !== null && h.ip === opts.senderIp);
  if (firstExternalTop < 0) {
    const ourOrgs = new Set<string>();
    for (let k = 0; k < top.length; k++) {
      const h = top[k]!;
      const byOrg = orgDomain(h.by);
      if (byOrg) ourOrgs.add(byOrg);
      // Private and loopback relays are inside someone's network; anything else may be the outside
      // world (documentation ranges included, so examples read like real mail).
      if (!h.ip || h.scope === 'private' || h.ip.startsWith('127.') || h.ip === '::1' || h.ip === '0.0.0.0') continue;
      const names = [h.rdns, h.helo, h.from].map((n) => asciiHost(n)).filter((n): n is string => n !== null);
      if (names.some((n) => hostUnderAny(n, opts.internalRelays) !== null)) continue;
      if (names.some((n) => ourOrgs.has(orgDomain(n) ?? ''))) continue;
      firstExternalTop = k;
      break;
    }
  }
  const hops: Hop[] = [];
  const n = top.length;
  let prevTime: number | null = null;
  for (let k = n - 1; k >= 0; k--) {
    const h = top[k]!;
    const t = h.date ? read[k]!.time : null;
    const flags: string[] = [];
    if (h.scope === 'private' || h.scope === 'reserved') flags.push(h.scope);
    if (h.rdns?.toLowerCase() === 'unknown') flags.push('no-rdns');
    const helo = asciiHost(h.helo);
    const rdns = h.rdns && h.rdns.toLowerCase() !== 'unknown' ? asciiHost(h.rdns) : null;
    if (helo && rdns && !isIpLiteral(helo) && orgDomain(helo) !== orgDomain(rdns)) flags.push('helo-mismatch');
    if (h.helo && (isIpLiteral(h.helo) || !h.helo.includes('.')) && h.helo.toLowerCase() !== 'localhost') flags.push('helo-not-fqdn');
    let delay: number | null = null;
    if (t !== null && prevTime !== null) {
      delay = Math.round((t - prevTime) / 1000);
      if (delay < -600) flags.push('time-travel');
      else if (delay > 3600) flags.push('long-delay');
    }
    if (t === null) flags.push('no-date');
    else prevTime = t;
    hops.push({
      index: n - k,
      ...h,
      delaySeconds: delay,
      // Hops at and below the entry point happened before the message reached the receiving organisation.
      external: firstExternalTop >= 0 && k >= firstExternalTop,
      firstExternal: k === firstExternalTop,
      flags,
    });
  }
  return hops;
}

export function hopFindings(hops: Hop[], fs: FindingSet): void {
  const entry = hops.find((h) => h.firstExternal);
  if (entry) {
    const ev = `from ${entry.helo ?? entry.from ?? '?'} (${entry.rdns ?? 'no rDNS'} [${entry.ip}]) by ${entry.by ?? '?'}`;
    if (entry.flags.includes('helo-mismatch')) fs.add('hops.helo-mismatch', `The sending server introduced itself as ${entry.helo} but its address ${entry.ip} resolves to ${entry.rdns}.`, ev);
    if (entry.flags.includes('no-rdns')) fs.add('hops.no-rdns', `The sending server ${entry.ip} has no reverse DNS name.`, ev);
  }
  const tt = hops.find((h) => h.flags.includes('time-travel'));
  if (tt) fs.add('hops.time-travel', `Hop ${tt.index} is stamped ${Math.round(-tt.delaySeconds! / 60)} minutes before the hop it came from.`, `${tt.by ?? '?'} at ${tt.date}`);
}
