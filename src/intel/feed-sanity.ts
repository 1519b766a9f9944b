// Limits a feed must respect before its indicators reach the local IOC index. A feed is a third
// party's word: one line of `0.0.0.0/0` in a "Spamhaus DROP" file made every public address
// "malicious, risk 75". Entries that cover too much of the address space or name private and
// reserved ranges are quarantined (left out, each reported with its line), and a feed whose size
// jumps far from its last good copy is refused whole, keeping that copy.
import ipaddr from 'ipaddr.js';
import type { InputIssue } from '../core/errors.js';
import type { Indicator } from './feeds/format.js';

/** The limits (config `feedLimits`). */
export interface FeedLimits {
  /** Shortest IPv4 prefix accepted: /8 covers 1/256 of the address space. */
  minPrefixV4: number;
  /** Shortest IPv6 prefix accepted. */
  minPrefixV6: number;
  /** Accept private, loopback, link-local, multicast and other non-public ranges (a feed of internal addresses). */
  allowPrivate: boolean;
  /** A feed more than this many times larger or smaller than its last good copy is refused (counted from 100 entries). */
  maxSizeRatio: number;
}

export const DEFAULT_FEED_LIMITS: FeedLimits = { minPrefixV4: 8, minPrefixV6: 16, allowPrivate: false, maxSizeRatio: 10 };

/** Sizes below this are compared as this: small feeds legitimately double and halve. */
const SIZE_FLOOR = 100;

// Documentation ranges (RFC 5737, RFC 3849) are reserved for examples, which training and test feeds are.
const DOCUMENTATION = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32'].map((c) => ipaddr.parseCIDR(c));

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

// Every special (non-unicast) range ipaddr.js knows, per family, except the documentation ones.
function specialRanges(kind: 'ipv4' | 'ipv6'): Array<{ name: string; range: Range }> {
  const table = (kind === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6).prototype as unknown as { SpecialRanges: Record<string, Range | Range[]> };
  const out: Array<{ name: string; range: Range }> = [];
  for (const [name, r] of Object.entries(table.SpecialRanges)) {
    if (name === 'unicast') continue;
    const list = (Array.isArray(r[0]) ? r : [r]) as Range[];
    for (const range of list) {
      if (DOCUMENTATION.some((d) => d[0].kind() === range[0].kind() && d[1] === range[1] && d[0].toString() === range[0].toString())) continue;
      out.push({ name, range });
    }
  }
  return out;
}

const SPECIAL = { ipv4: specialRanges('ipv4'), ipv6: specialRanges('ipv6') };

const contains = (outer: Range, addr: ipaddr.IPv4 | ipaddr.IPv6): boolean => addr.kind() === outer[0].kind() && addr.match(outer as [ipaddr.IPv4, number]);

function asRange(ind: Indicator): Range | undefined {
  try {
    if (ind.type === 'cidr') return ipaddr.parseCIDR(ind.value) as Range;
    if (ind.type === 'ipv4' || ind.type === 'ipv6') {
      const a = ipaddr.parse(ind.value);
      return [a, a.kind() === 'ipv4' ? 32 : 128];
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** Why an entry is quarantined, or undefined when it may be used. */
export function entryProblem(ind: Indicator, limits: FeedLimits = DEFAULT_FEED_LIMITS): string | undefined {
  const r = asRange(ind);
  if (!r) return undefined;
  const [net, prefix] = r;
  const v4 = net.kind() === 'ipv4';
  const min = v4 ? limits.minPrefixV4 : limits.minPrefixV6;
  if (prefix < min) {
    const share = 2 ** -prefix;
    const pct = share >= 0.01 ? `${Math.round(share * 100)}%` : `1/${2 ** prefix}`;
    return `${ind.value} covers ${pct} of the ${v4 ? 'IPv4' : 'IPv6'} address space (shorter than /${min}, feedLimits.${v4 ? 'minPrefixV4' : 'minPrefixV6'}): quarantined`;
  }
  if (limits.allowPrivate) return undefined;
  // A range overlaps a special one when either holds the other's first address.
  const hit = SPECIAL[v4 ? 'ipv4' : 'ipv6'].find((s) => contains(s.range, net) || (s.range[1] >= prefix && contains(r, s.range[0])));
  if (hit) return `${ind.value} is in a ${hit.name} range (${hit.range[0].toString()}/${hit.range[1]}), never a public attacker: quarantined (feedLimits.allowPrivate)`;
  return undefined;
}

export interface SanityResult {
  kept: Indicator[];
  /** One per quarantined entry, with its line. */
  quarantined: InputIssue[];
  /** Set when the whole feed is refused (its size jumped): the last good copy stays. */
  refused?: string;
}

/** Applies the limits to a parsed feed; `previousCount` is the size of its last good copy. */
export function checkFeed(file: string, indicators: Indicator[], previousCount: number | undefined, limits: FeedLimits = DEFAULT_FEED_LIMITS): SanityResult {
  const kept: Indicator[] = [];
  const quarantined: InputIssue[] = [];
  for (const ind of indicators) {
    const why = entryProblem(ind, limits);
    if (why) quarantined.push({ file, line: ind.line, field: ind.type, reason: why });
    else kept.push(ind);
  }
  if (previousCount !== undefined && previousCount > 0) {
    const before = Math.max(previousCount, SIZE_FLOOR);
    const now = Math.max(kept.length, SIZE_FLOOR);
    if (now > before * limits.maxSizeRatio || before > now * limits.maxSizeRatio) {
      return {
        kept,
        quarantined,
        refused: `the feed went from ${previousCount} to ${kept.length} entries, more than ${limits.maxSizeRatio}× either way (feedLimits.maxSizeRatio): refused, the last good copy is kept; import with --force if the change is real`,
      };
    }
  }
  return { kept, quarantined };
}
