import type { ObservableType } from '../core/types.js';
import type { Indicator } from './feeds/format.js';
import { urlHostOf } from '../core/url.js';
import { normalizeAsn, normalizeEmail, normalizeUrl } from './feeds/normalize.js';

/** One feed entry that matched an observable, and how. */
export interface IndicatorMatch {
  /** The feed's name as given to `LocalIndex.build`. */
  feed: string;
  indicator: Indicator;
  /**
   * exact: the same value (a URL's host equal to a listed domain or IP also counts);
   * cidr: the address (or range) lies inside a listed range;
   * subdomain: the name is a subdomain of a domain listed with `matchSubdomains`;
   * url: the same normalized URL (`http` and `https` spellings of it alike);
   * url-host: a listed URL is on this host (a domain or address inherits, discounted, from its URLs).
   */
  matchedBy: 'exact' | 'cidr' | 'subdomain' | 'url' | 'url-host';
}

/** Listed URLs per host kept in one answer; a host with more is still answered with these. */
const MAX_URLS_PER_HOST = 50;

/** Shared answer for every miss, so a miss allocates nothing. */
const NO_MATCHES: readonly IndicatorMatch[] = Object.freeze([]);

// ---- allocation-free scanners over (string, from, to) -------------------------------------------

/** Strict dotted-quad IPv4 in s[from, to) as an unsigned number, or -1. */
function parseV4(s: string, from: number, to: number): number {
  let acc = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // leading zero
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || parts === 3) return -1;
      acc = acc * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  if (digits === 0 || parts !== 3) return -1;
  return acc * 256 + part;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

const groups = new Uint16Array(8);

/**
 * IPv6 in s[from, to) into `out` as four 32-bit words (most significant first). Accepts `::`
 * compression, an embedded dotted IPv4 tail, brackets and a `%zone` (ignored). False if invalid.
 */
function parseV6(s: string, from: number, to: number, out: Uint32Array): boolean {
  if (to > from && s.charCodeAt(from) === 91 && s.charCodeAt(to - 1) === 93) { from++; to--; }
  const pct = s.indexOf('%', from);
  if (pct !== -1 && pct < to) to = pct;
  let count = 0;
  let gap = -1;
  let i = from;
  if (i + 1 < to && s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return false;
    gap = 0;
    i += 2;
  }
  while (i < to) {
    let j = i;
    let val = 0;
    while (j < to) {
      const h = hexVal(s.charCodeAt(j));
      if (h < 0) break;
      val = val * 16 + h;
      if (j - i >= 4) return false;
      j++;
    }
    if (j < to && s.charCodeAt(j) === 46) {
      if (count > 6) return false;
      const v4 = parseV4(s, i, to);
      if (v4 < 0) return false;
      groups[count++] = Math.floor(v4 / 65536);
      groups[count++] = v4 % 65536;
      i = to;
      break;
    }
    if (j === i || count === 8) return false;
    groups[count++] = val;
    if (j === to) { i = j; break; }
    if (s.charCodeAt(j) !== 58) return false;
    j++;
    if (j < to && s.charCodeAt(j) === 58) {
      if (gap !== -1) return false;
      gap = count;
      j++;
    } else if (j === to) {
      return false;
    }
    i = j;
  }
  if (gap === -1) {
    if (count !== 8) return false;
  } else {
    if (count > 7) return false;
    const tail = count - gap;
    for (let k = 7; k >= 8 - tail; k--) groups[k] = groups[gap + tail - (8 - k)] as number;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  }
  for (let k = 0; k < 4; k++) out[k] = ((groups[2 * k] as number) * 65536 + (groups[2 * k + 1] as number)) >>> 0;
  return true;
}

/** A 32-bit finalizer so the polynomial hash's low bits spread over the table. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Hash of a lower-cased domain, computed right to left so every label suffix is a prefix of the work. */
function domainHash(s: string): number {
  let h = 0;
  for (let i = s.length - 1; i >= 0; i--) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

/**
 * An ip/cidr indicator value as a range written into `out`: returns 1 for IPv4 (`out[0]` start,
 * `out[1]` end), 4 for IPv6 (`out[0..3]` start words, `out[4..7]` end words), 0 when invalid.
 */
function rangeOf(value: string, scratch: Uint32Array, out: Float64Array): number {
  const slash = value.indexOf('/');
  const addrEnd = slash === -1 ? value.length : slash;
  let prefix = -1;
  if (slash !== -1) {
    const digits = value.length - slash - 1;
    if (digits < 1 || digits > 3) return 0;
    prefix = 0;
    for (let i = slash + 1; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 48 || c > 57) return 0;
      prefix = prefix * 10 + (c - 48);
    }
  }
  const v4 = parseV4(value, 0, addrEnd);
  if (v4 >= 0) {
    if (prefix === -1) prefix = 32;
    if (prefix > 32) return 0;
    const size = 2 ** (32 - prefix);
    out[0] = v4 - (v4 % size);
    out[1] = (out[0] as number) + size - 1;
    return 1;
  }
  if (!parseV6(value, 0, addrEnd, scratch)) return 0;
  if (prefix === -1) prefix = 128;
  if (prefix > 128) return 0;
  // IPv4-mapped ranges are IPv4 ranges: lookups of mapped addresses go to the IPv4 side.
  if (scratch[0] === 0 && scratch[1] === 0 && scratch[2] === 0xffff && prefix >= 96) {
    const size = 2 ** (128 - prefix);
    const w = scratch[3] as number;
    out[0] = w - (w % size);
    out[1] = (out[0] as number) + size - 1;
    return 1;
  }
  for (let k = 0; k < 4; k++) {
    const bits = Math.min(32, Math.max(0, prefix - 32 * k));
    const mask = bits === 0 ? 0 : bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    const w = scratch[k] as number;
    out[k] = (w & mask) >>> 0;
    out[4 + k] = (w | ~mask) >>> 0;
  }
  return 4;
}

/** Ranges of one family collected during a build: `words` numbers per start and per end. */
class RangeInput {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly ids: number[] = [];
  constructor(readonly words: number) {}
  add(r: Float64Array, id: number): void {
    for (let k = 0; k < this.words; k++) this.starts.push(r[k] as number);
    for (let k = 0; k < this.words; k++) this.ends.push(r[(this.words === 1 ? 1 : 4) + k] as number);
    this.ids.push(id);
  }
}

/**
 * Address ranges of one family, laminar like CIDR blocks always are (two blocks are either nested or
 * disjoint). Sorted by start (wider first on equal starts), each node knows its smallest enclosing
 * node, so a lookup is one binary search plus a walk up at most 33 (IPv4) or 129 (IPv6) levels.
 */
class RangeSet {
  readonly words: number;
  readonly count: number;
  private readonly starts: Uint32Array;
  private readonly ends: Uint32Array;
  private readonly parent: Int32Array;
  /** First indicator id of the node's chain. */
  readonly head: Int32Array;
  /** Answers per node, built on first hit: as the exact range queried, and as an enclosing one. */
  readonly exactCache: Array<readonly IndicatorMatch[] | undefined>;
  readonly cidrCache: Array<readonly IndicatorMatch[] | undefined>;

  constructor(input: RangeInput, next: Int32Array) {
    const words = input.words;
    this.words = words;
    const S = input.starts;
    const E = input.ends;
    const n = input.ids.length;
    const cmpEntries = (a: number, b: number): number => {
      for (let k = 0; k < words; k++) {
        const d = (S[a * words + k] as number) - (S[b * words + k] as number);
        if (d !== 0) return d;
      }
      for (let k = 0; k < words; k++) {
        const d = (E[b * words + k] as number) - (E[a * words + k] as number);
        if (d !== 0) return d;
      }
      return 0;
    };
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort(cmpEntries);
    const starts = new Uint32Array(n * words);
    const ends = new Uint32Array(n * words);
    const head = new Int32Array(n);
    const parent = new Int32Array(n);
    const tail = new Int32Array(n);
    const stack = new Int32Array(130);
    let depth = 0;
    let count = 0;
    let prevEntry = -1;
    for (let o = 0; o < n; o++) {
      const e = order[o] as number;
      const id = input.ids[e] as number;
      if (prevEntry !== -1 && cmpEntries(prevEntry, e) === 0) {
        // Same range from another feed or line: chain it to the existing node.
        next[tail[count - 1] as number] = id;
        tail[count - 1] = id;
        continue;
      }
      prevEntry = e;
      const i = count++;
      for (let k = 0; k < words; k++) {
        starts[i * words + k] = S[e * words + k] as number;
        ends[i * words + k] = E[e * words + k] as number;
      }
      head[i] = id;
      tail[i] = id;
      // Pop blocks that end before this one starts; what remains on top encloses it.
      while (depth > 0 && this.endBefore(ends, stack[depth - 1] as number, starts, i, words)) depth--;
      parent[i] = depth > 0 ? (stack[depth - 1] as number) : -1;
      if (depth < stack.length) stack[depth++] = i;
    }
    this.count = count;
    this.starts = starts.slice(0, count * words);
    this.ends = ends.slice(0, count * words);
    this.head = head.slice(0, count);
    this.parent = parent.slice(0, count);
    this.exactCache = slots(count);
    this.cidrCache = slots(count);
  }

  /** Whether node a's end lies before node b's start. */
  private endBefore(ends: Uint32Array, a: number, starts: Uint32Array, b: number, words: number): boolean {
    for (let k = 0; k < words; k++) {
      const d = (ends[a * words + k] as number) - (starts[b * words + k] as number);
      if (d !== 0) return d < 0;
    }
    return false;
  }

  /** Parent of node i, -1 at the top. */
  up(i: number): number {
    return this.parent[i] as number;
  }

  /** IPv4: the deepest node containing [lo, hi], or -1. */
  find4(lo: number, hi: number): number {
    const starts = this.starts;
    let a = 0;
    let b = this.count - 1;
    let i = -1;
    while (a <= b) {
      const m = (a + b) >>> 1;
      if ((starts[m] as number) <= lo) { i = m; a = m + 1; } else b = m - 1;
    }
    while (i !== -1 && (this.ends[i] as number) < hi) i = this.parent[i] as number;
    return i;
  }

  /** IPv6: the deepest node containing [lo, hi] (4 words each), or -1. */
  find6(lo: Uint32Array, hi: Uint32Array): number {
    let a = 0;
    let b = this.count - 1;
    let i = -1;
    while (a <= b) {
      const m = (a + b) >>> 1;
      if (this.cmpAt(this.starts, m, lo) <= 0) { i = m; a = m + 1; } else b = m - 1;
    }
    while (i !== -1 && this.cmpAt(this.ends, i, hi) < 0) i = this.parent[i] as number;
    return i;
  }

  private cmpAt(arr: Uint32Array, node: number, w: Uint32Array): number {
    const base = node * 4;
    for (let k = 0; k < 4; k++) {
      const d = (arr[base + k] as number) - (w[k] as number);
      if (d !== 0) return d;
    }
    return 0;
  }

  /** True when node i is exactly [lo, hi] (IPv4). */
  same4(i: number, lo: number, hi: number): boolean {
    return this.starts[i] === lo && this.ends[i] === hi;
  }

  same6(i: number, lo: Uint32Array, hi: Uint32Array): boolean {
    return this.cmpAt(this.starts, i, lo) === 0 && this.cmpAt(this.ends, i, hi) === 0;
  }
}

/** A packed array of n empty slots: indexed writes into `[]` far past its end would make it a dictionary. */
function slots<T>(n: number): Array<T | undefined> {
  const a: Array<T | undefined> = [];
  for (let i = 0; i < n; i++) a.push(undefined);
  return a;
}

const EXACT_TYPES = ['md5', 'sha1', 'sha256', 'sha512', 'url', 'email', 'asn'] as const;

/**
 * The in-memory IOC index the `local-feeds` provider answers from. Built once from every feed's
 * indicators (rebuild it when a feed changes; it is immutable). Hashes, URLs, emails and ASNs sit in
 * hash maps; domains in an open-addressing table probed once per label suffix; IPs and CIDR ranges
 * of each family in a sorted, nested range set. A lookup that misses allocates nothing, and the
 * answer for a value is built once on its first hit and reused, so returned arrays are frozen and
 * shared between calls. Indicators are referenced, not copied.
 */
export class LocalIndex {
  private readonly feeds: string[] = [];
  private readonly indicators: Indicator[] = [];
  private feedOf: Int32Array = new Int32Array(0);
  /** Next indicator with the same key (-1 ends the chain), so a value listed by many feeds costs one slot. */
  private next: Int32Array = new Int32Array(0);
  /** Exact-value maps per type: key → first indicator id of its chain, replaced by the answer on first hit. */
  private readonly exact = new Map<ObservableType, Map<string, Slot>>();
  private v4: RangeSet | undefined;
  private v6: RangeSet | undefined;
  // Domain table: node arrays plus an open-addressing slot array of node ids (-1 = empty).
  private domStr: string[] = [];
  private domHash: Int32Array = new Int32Array(0);
  private domHead: Int32Array = new Int32Array(0);
  private domSub: Uint8Array = new Uint8Array(0);
  private domSlots: Int32Array = new Int32Array(1).fill(-1);
  private domMask = 0;
  private skippedCount = 0;
  // Answers built on first hit, so hot values cost no allocation (see `chain`).
  private domExactCache: Array<readonly IndicatorMatch[] | undefined> = [];
  private domSubCache: Array<readonly IndicatorMatch[] | undefined> = [];
  /** Host (lower-case name or address) → the listed URLs on it, replaced by the answer on first hit. */
  private readonly urlHosts = new Map<string, number[] | readonly IndicatorMatch[]>();
  // Scratch space for lookups; an index is used from one thread.
  private readonly w6a = new Uint32Array(4);
  private readonly w6b = new Uint32Array(4);
  private readonly range = new Float64Array(8);
  private readonly labelNodes = new Int32Array(128);
  private readonly labelExact = new Uint8Array(128);

  private constructor() {}

  /** An index with nothing in it: every lookup misses. */
  static empty(): LocalIndex {
    return LocalIndex.build([]);
  }

  /**
   * Indexes every indicator of every feed. Values are expected normalized (as the feed formats
   * produce them); indicators whose value cannot be indexed for their type are counted in `skipped`.
   */
  static build(feeds: Array<{ name: string; indicators: Indicator[] }>): LocalIndex {
    const idx = new LocalIndex();
    let total = 0;
    for (const f of feeds) total += f.indicators.length;
    idx.feedOf = new Int32Array(total);
    idx.next = new Int32Array(total).fill(-1);
    const v4 = new RangeInput(1);
    const v6 = new RangeInput(4);
    const range = new Float64Array(8);
    const domNodes = new Map<string, number>();
    const domStr: string[] = [];
    const domHeadList: number[] = [];
    const domTail: number[] = [];
    const domSubList: number[] = [];
    const scratch = new Uint32Array(4);
    for (const t of EXACT_TYPES) idx.exact.set(t, new Map());

    for (const feed of feeds) {
      const feedNo = idx.feeds.length;
      idx.feeds.push(feed.name);
      for (const ind of feed.indicators) {
        const id = idx.indicators.length;
        const value = typeof ind.value === 'string' ? ind.value.trim() : '';
        let ok = value.length > 0;
        if (ok) {
          switch (ind.type) {
            case 'ipv4':
            case 'ipv6':
            case 'cidr': {
              const kind = rangeOf(value, scratch, range);
              if (kind === 0) ok = false;
              else (kind === 4 ? v6 : v4).add(range, id);
              break;
            }
            case 'domain':
            case 'host': {
              let d = value.toLowerCase();
              if (d.endsWith('.')) d = d.slice(0, -1);
              if (d.length === 0) { ok = false; break; }
              const node = domNodes.get(d);
              if (node === undefined) {
                domNodes.set(d, domStr.length);
                domStr.push(d);
                domHeadList.push(id);
                domTail.push(id);
                domSubList.push(ind.matchSubdomains ? 1 : 0);
              } else {
                idx.next[domTail[node] as number] = id;
                domTail[node] = id;
                if (ind.matchSubdomains) domSubList[node] = 1;
              }
              break;
            }
            default: {
              const key = LocalIndex.exactKey(ind.type, value);
              if (key === undefined) { ok = false; break; }
              if (ind.type === 'url') {
                // MISP, STIX, URLhaus… list URLs: their hosts are known through them (discounted).
                const host = urlHostOf(key);
                if (host !== undefined) {
                  const ids = idx.urlHosts.get(host) as number[] | undefined;
                  if (ids === undefined) idx.urlHosts.set(host, [id]);
                  else if (ids.length < MAX_URLS_PER_HOST) ids.push(id);
                }
              }
              let m = idx.exact.get(ind.type);
              if (m === undefined) { m = new Map(); idx.exact.set(ind.type, m); }
              const head = m.get(key) as number | undefined;
              // Prepend: chains are short and order among feeds carries no meaning.
              if (head !== undefined) idx.next[id] = head;
              m.set(key, id);
            }
          }
        }
        if (!ok) { idx.skippedCount++; continue; }
        idx.feedOf[id] = feedNo;
        idx.indicators.push(ind);
      }
    }
    if (v4.ids.length > 0) idx.v4 = new RangeSet(v4, idx.next);
    if (v6.ids.length > 0) idx.v6 = new RangeSet(v6, idx.next);

    const n = domStr.length;
    idx.domExactCache = slots(n);
    idx.domSubCache = slots(n);
    idx.domStr = domStr;
    idx.domHash = new Int32Array(n);
    idx.domHead = Int32Array.from(domHeadList);
    idx.domSub = Uint8Array.from(domSubList);
    let cap = 2;
    while (cap < n * 2) cap *= 2;
    idx.domSlots = new Int32Array(cap).fill(-1);
    idx.domMask = cap - 1;
    for (let i = 0; i < n; i++) {
      const h = domainHash(domStr[i] as string);
      idx.domHash[i] = h;
      let slot = mix(h) & idx.domMask;
      while (idx.domSlots[slot] !== -1) slot = (slot + 1) & idx.domMask;
      idx.domSlots[slot] = i;
    }
    return idx;
  }

  private static exactKey(type: ObservableType, value: string): string | undefined {
    switch (type) {
      case 'md5':
      case 'sha1':
      case 'sha256':
      case 'sha512':
        return value.toLowerCase();
      case 'email':
        return value.toLowerCase();
      case 'asn':
        return normalizeAsn(value);
      default:
        return value;
    }
  }

  /** Number of indicators in the index (over all feeds, duplicates counted). */
  get size(): number {
    return this.indicators.length;
  }

  /** Indicators `build` could not index (a value that is not valid for its type). */
  get skipped(): number {
    return this.skippedCount;
  }

  /** Names of the feeds the index was built from, in build order. */
  get feedNames(): readonly string[] {
    return this.feeds;
  }

  /**
   * Every indicator matching one observable. `value` should be normalized (see
   * `feeds/normalize.ts`); upper case is tolerated for hashes, domains, emails and URL hosts. IPv4
   * checks exact addresses and every enclosing range; `ipv6` likewise, and an IPv4-mapped address is
   * looked up as IPv4; `cidr` finds the same range or enclosing ones; `domain`/`host` checks the name
   * and, for entries listed with `matchSubdomains`, each parent; `url` checks the URL and then its
   * host as a domain or address. Most specific matches come first. The returned array is frozen and
   * may be shared with other calls.
   */
  lookup(type: ObservableType, value: string): readonly IndicatorMatch[] {
    let res: Res = null;
    switch (type) {
      case 'ipv4': {
        const ip = parseV4(value, 0, value.length);
        if (ip >= 0) res = this.ip4(ip, ip);
        else if (parseV6(value, 0, value.length, this.w6a)) res = this.ip6(this.w6a, this.w6a);
        res = join(res, this.urlsOnHost(value));
        break;
      }
      case 'ipv6': {
        if (parseV6(value, 0, value.length, this.w6a)) res = this.ip6(this.w6a, this.w6a);
        else {
          const ip = parseV4(value, 0, value.length);
          if (ip >= 0) res = this.ip4(ip, ip);
        }
        res = join(res, this.urlsOnHost(value));
        break;
      }
      case 'cidr':
        res = this.cidr(value);
        break;
      case 'domain':
      case 'host':
        res = join(this.domain(value, 0, value.length), this.urlsOnHost(value));
        break;
      case 'url':
        res = this.url(value);
        break;
      case 'md5':
      case 'sha1':
      case 'sha256':
      case 'sha512':
      case 'email': {
        const m = this.exact.get(type) as Map<string, Slot>;
        res = this.exactHit(m, value, 'exact');
        if (res === null && hasUpper(value)) res = this.exactHit(m, value.toLowerCase(), 'exact');
        if (res === null && type === 'email' && value !== value.trim()) {
          const e = normalizeEmail(value);
          if (e !== undefined) res = this.exactHit(m, e, 'exact');
        }
        break;
      }
      case 'asn': {
        const m = this.exact.get('asn') as Map<string, Slot>;
        res = this.exactHit(m, value, 'exact');
        if (res === null) {
          const k = normalizeAsn(value);
          if (k !== undefined && k !== value) res = this.exactHit(m, k, 'exact');
        }
        break;
      }
      default: {
        const m = this.exact.get(type);
        if (m !== undefined) res = this.exactHit(m, value, 'exact');
      }
    }
    return res ?? NO_MATCHES;
  }

  private match(id: number, matchedBy: IndicatorMatch['matchedBy']): IndicatorMatch {
    // Frozen because the answer is cached and shared between callers.
    return Object.freeze({ feed: this.feeds[this.feedOf[id] as number] as string, indicator: this.indicators[id] as Indicator, matchedBy });
  }

  /**
   * The matches for `key` in an exact map. The first hit builds the answer and stores it in place of
   * the chain head, so repeated hits on a value cost one Map.get and allocate nothing. Each map
   * holds one type, so one matchedBy.
   */
  private exactHit(m: Map<string, Slot>, key: string, matchedBy: IndicatorMatch['matchedBy']): Res {
    const v = m.get(key);
    if (v === undefined) return null;
    if (typeof v !== 'number') return v;
    const list: IndicatorMatch[] = [];
    for (let id = v; id !== -1; id = this.next[id] as number) list.push(this.match(id, matchedBy));
    const answer = Object.freeze(list);
    m.set(key, answer);
    return answer;
  }

  /** Matches of range node `node` (exact or enclosing) and of every ancestor, cached per node. */
  private ranges(set: RangeSet, node: number, exact: boolean): readonly IndicatorMatch[] {
    const cache = exact ? set.exactCache : set.cidrCache;
    const cached = cache[node];
    if (cached !== undefined) return cached;
    const list: IndicatorMatch[] = [];
    for (let i = node; i !== -1; i = set.up(i)) {
      // The listed range (or address) being exactly the query is an exact match; enclosing ones are cidr.
      const matchedBy = exact && i === node ? 'exact' : 'cidr';
      for (let id = set.head[i] as number; id !== -1; id = this.next[id] as number) list.push(this.match(id, matchedBy));
    }
    return (cache[node] = Object.freeze(list));
  }

  private ip4(lo: number, hi: number): Res {
    const set = this.v4;
    if (set === undefined) return null;
    const node = set.find4(lo, hi);
    return node === -1 ? null : this.ranges(set, node, set.same4(node, lo, hi));
  }

  private ip6(lo: Uint32Array, hi: Uint32Array): Res {
    if (lo[0] === 0 && lo[1] === 0 && lo[2] === 0xffff && hi[0] === 0 && hi[1] === 0 && hi[2] === 0xffff) {
      return this.ip4(lo[3] as number, hi[3] as number);
    }
    const set = this.v6;
    if (set === undefined) return null;
    const node = set.find6(lo, hi);
    return node === -1 ? null : this.ranges(set, node, set.same6(node, lo, hi));
  }

  private cidr(value: string): Res {
    const slash = value.indexOf('/');
    if (slash === -1) {
      const ip = parseV4(value, 0, value.length);
      if (ip >= 0) return this.ip4(ip, ip);
      return parseV6(value, 0, value.length, this.w6a) ? this.ip6(this.w6a, this.w6a) : null;
    }
    const r = this.range;
    const kind = rangeOf(value, this.w6b, r);
    if (kind === 0) return null;
    if (kind === 1) return this.ip4(r[0] as number, r[1] as number);
    for (let k = 0; k < 4; k++) { this.w6a[k] = r[k] as number; this.w6b[k] = r[4 + k] as number; }
    return this.ip6(this.w6a, this.w6b);
  }

  /** Matches of domain node `node`: all its entries when `whole`, else only those covering subdomains. */
  private domainNode(node: number, whole: boolean): readonly IndicatorMatch[] {
    const cache = whole ? this.domExactCache : this.domSubCache;
    const cached = cache[node];
    if (cached !== undefined) return cached;
    const list: IndicatorMatch[] = [];
    for (let id = this.domHead[node] as number; id !== -1; id = this.next[id] as number) {
      const ind = this.indicators[id] as Indicator;
      if (whole || ind.matchSubdomains) list.push(this.match(id, whole ? 'exact' : 'subdomain'));
    }
    return (cache[node] = Object.freeze(list));
  }

  /**
   * Probes the domain table for s[from, to), case-insensitively, and for each parent suffix with a
   * `matchSubdomains` entry. One right-to-left pass computes every suffix hash.
   */
  private domain(s: string, from: number, to: number): Res {
    if (to > from && s.charCodeAt(to - 1) === 46) to--;
    if (to <= from || this.domStr.length === 0) return null;
    let found = 0;
    let h = 0;
    for (let i = to - 1; i >= from; i--) {
      let c = s.charCodeAt(i);
      if (c >= 65 && c <= 90) c |= 32;
      h = (Math.imul(h, 31) + c) | 0;
      const whole = i === from;
      if (!whole && s.charCodeAt(i - 1) !== 46) continue;
      const node = this.probe(h, s, i, to);
      if (node === -1 || (!whole && this.domSub[node] !== 1) || found >= 128) continue;
      this.labelNodes[found] = node;
      this.labelExact[found] = whole ? 1 : 0;
      found++;
    }
    // Found from the TLD inwards; report the most specific first.
    let res: Res = null;
    for (let k = found - 1; k >= 0; k--) res = join(res, this.domainNode(this.labelNodes[k] as number, this.labelExact[k] === 1));
    return res;
  }

  private probe(h: number, s: string, from: number, to: number): number {
    const len = to - from;
    let slot = mix(h) & this.domMask;
    for (;;) {
      const node = this.domSlots[slot] as number;
      if (node === -1) return -1;
      if (this.domHash[node] === h) {
        const d = this.domStr[node] as string;
        if (d.length === len) {
          let k = 0;
          for (; k < len; k++) {
            let c = s.charCodeAt(from + k);
            if (c >= 65 && c <= 90) c |= 32;
            if (c !== d.charCodeAt(k)) break;
          }
          if (k === len) return node;
        }
      }
      slot = (slot + 1) & this.domMask;
    }
  }

  /** The listed URLs on a host (a domain or an address), most recently built answer cached. */
  private urlsOnHost(host: string): Res {
    if (this.urlHosts.size === 0) return null;
    let key = host.toLowerCase();
    if (key.endsWith('.')) key = key.slice(0, -1);
    const v = this.urlHosts.get(key);
    if (v === undefined) return null;
    if (Object.isFrozen(v)) return v as readonly IndicatorMatch[];
    const answer = Object.freeze((v as number[]).map((id) => this.match(id, 'url-host')));
    this.urlHosts.set(key, answer);
    return answer;
  }

  private url(value: string): Res {
    const m = this.exact.get('url') as Map<string, Slot>;
    const sep = value.indexOf('://');
    // A URL written without a scheme (`evil.example/gate.php`) is looked up as http and https.
    if (sep <= 0) return /^[a-z0-9.-]+[/:]/i.test(value) ? (this.url(`http://${value}`) ?? null) : this.exactHit(m, value, 'url');
    let own = this.exactHit(m, value, 'url') ?? this.exactHit(m, otherScheme(value), 'url');
    let hs = sep + 3;
    let he = hs;
    while (he < value.length) {
      const c = value.charCodeAt(he);
      if (c === 47 || c === 63 || c === 35) break;
      he++;
    }
    if (own === null && m.size > 0 && this.urlNeedsNormalizing(value, sep, he)) {
      const n = normalizeUrl(value);
      if (n !== undefined && n !== value) own = this.exactHit(m, n, 'url') ?? this.exactHit(m, otherScheme(n), 'url');
    }
    // Authority → host: drop user info and port.
    const at = value.lastIndexOf('@', he - 1);
    if (at >= hs) hs = at + 1;
    if (value.charCodeAt(hs) === 91) {
      const close = value.indexOf(']', hs);
      if (close === -1 || close > he) return own;
      return join(own, parseV6(value, hs + 1, close, this.w6a) ? this.ip6(this.w6a, this.w6a) : null);
    }
    const colon = value.indexOf(':', hs);
    if (colon !== -1 && colon < he) he = colon;
    const ip = parseV4(value, hs, he);
    return join(own, ip >= 0 ? this.ip4(ip, ip) : this.domain(value, hs, he));
  }

  /** Cheap test for a URL that is not in normalized form: upper-case scheme/host, a fragment, no path. */
  private urlNeedsNormalizing(value: string, sep: number, authorityEnd: number): boolean {
    if (authorityEnd >= value.length || value.indexOf('#', authorityEnd) !== -1) return true;
    for (let i = 0; i < authorityEnd; i++) {
      const c = value.charCodeAt(i);
      // Upper case, or a port that may be the scheme's default.
      if ((c >= 65 && c <= 90) || (c === 58 && i > sep)) return true;
    }
    return false;
  }
}

/** `http://x` ↔ `https://x`: a listing of one is a listing of the other (the same path on the same host). */
function otherScheme(url: string): string {
  if (url.startsWith('http://')) return `https://${url.slice(7)}`;
  if (url.startsWith('https://')) return `http://${url.slice(8)}`;
  return url;
}

type Res = readonly IndicatorMatch[] | null;
/** An exact map's value: the chain head id until the first hit, the built answer after. */
type Slot = number | readonly IndicatorMatch[];

/** Concatenates two partial answers; allocates only when both hold matches. */
function join(a: Res, b: Res): Res {
  if (a === null || a.length === 0) return b;
  if (b === null || b.length === 0) return a;
  return [...a, ...b];
}
