import type { PhishingConfig } from './config.js';
import { DEFAULT_BRANDS, type BrandDef } from './defaults.js';
import { asciiHost, isCountrySuffix, isIpLiteral, orgDomain, splitRegistrable, toUnicodeHost } from './domains.js';
import { ASCII_ALNUM, foldText, scanWords } from './words.js';

// Confusable characters folded to the Latin letter they imitate. A short table of the homoglyphs
// seen in IDN phishing (Cyrillic, Greek, a few Latin variants), not the full Unicode confusables
// list: enough to catch рaypal.com, and small enough to read.
const CONFUSABLE: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ѕ: 's', і: 'i', ї: 'i',
  ј: 'j', ԁ: 'd', ɡ: 'g', ӏ: 'l', ԛ: 'q', ԝ: 'w', ү: 'y', һ: 'h', ь: 'b', г: 'r', п: 'n', ц: 'u', ш: 'w',
  α: 'a', β: 'b', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w', η: 'n', μ: 'u',
  ı: 'i', ł: 'l', ø: 'o', đ: 'd', ħ: 'h', ŀ: 'l', ɩ: 'i', ɑ: 'a', ɵ: 'o', ʀ: 'r', ꞵ: 'b',
};

/**
 * A skeleton: what a label looks like to a reader. Compatibility forms folded (NFKC: full-width and
 * mathematical letters), accents dropped, homoglyphs mapped to Latin, and the ASCII look-alikes
 * (0/o, 1/l/i/|, rn/m, vv/w) merged. Two labels with the same skeleton read the same.
 */
export function skeleton(label: string): string {
  let s = label.normalize('NFKC').toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  let out = '';
  for (const ch of s) out += CONFUSABLE[ch] ?? ch;
  s = out
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/[0]/g, 'o')
    .replace(/[1i|!]/g, 'l');
  return s;
}

// Rows reused across calls: the distance runs for every link host against every protected label.
let rowA = new Int32Array(72);
let rowB = new Int32Array(72);
let rowC = new Int32Array(72);

/** Optimal string alignment distance (Levenshtein plus adjacent swaps), stopping early past `max`. */
export function editDistance(a: string, b: string, max = 3): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = a.length;
  const m = b.length;
  if (m + 1 > rowA.length) {
    rowA = new Int32Array(m + 1);
    rowB = new Int32Array(m + 1);
    rowC = new Int32Array(m + 1);
  }
  let prev2 = rowA;
  let prev = rowB;
  let cur = rowC;
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= m; j++) {
      const bj = b.charCodeAt(j - 1);
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return prev[m]!;
}

export type LookalikeKind = 'homoglyph' | 'typo' | 'tld-swap' | 'brand-in-subdomain' | 'brand-in-domain';

export interface Lookalike {
  kind: LookalikeKind;
  /** The protected domain or brand it imitates. */
  target: string;
  host: string;
}

interface Target {
  domain: string;
  label: string;
  suffix: string;
  skeleton: string;
  /** Brand domains (not the organisation's own): their country-code variants are the brand's too. */
  brand: BrandDef | null;
}

/** The protected domains and brands, prepared once per config for lookalike and impersonation checks. */
export class BrandIndex {
  readonly brands: BrandDef[];
  readonly protectedDomains: Set<string>;
  private readonly targets: Target[] = [];
  private readonly ownedOrgs = new Map<string, BrandDef | 'protected'>();
  /** Labels of brand and protected domains, for "owned in another country" checks. */
  private readonly ownedLabels = new Map<string, BrandDef>();
  private readonly fragments: Array<{ token: string; brand: BrandDef | null; target: string }> = [];
  private readonly keywordRes: Array<{ re: RegExp; word: string; brand: BrandDef | null; target: string }> = [];
  /** Keyword indexes by the hash of their first word (words split at every non-letter). */
  private readonly byFirstWord = new Map<number, number[]>();
  private readonly anyText: number[] = [];

  constructor(cfg: Pick<PhishingConfig, 'protectedDomains' | 'brands' | 'defaultBrands'>) {
    this.brands = [...(cfg.defaultBrands ? DEFAULT_BRANDS : []), ...cfg.brands];
    this.protectedDomains = new Set(cfg.protectedDomains.map((d) => orgDomain(d) ?? d));
    for (const d of this.protectedDomains) {
      this.ownedOrgs.set(d, 'protected');
      this.addTarget(d, null);
      const { label } = splitRegistrable(d);
      if (label.length >= 4) {
        this.fragments.push({ token: label, brand: null, target: d });
        this.keywordRes.push({ re: wordRe(label), word: label, brand: null, target: d });
      }
      this.keywordRes.push({ re: wordRe(d), word: d, brand: null, target: d });
    }
    for (const b of this.brands) {
      for (const d of b.domains) {
        const org = orgDomain(d) ?? d;
        if (!this.ownedOrgs.has(org)) this.ownedOrgs.set(org, b);
      }
      const main = orgDomain(b.domains[0]!) ?? b.domains[0]!;
      this.ownedLabels.set(splitRegistrable(main).label, b);
      for (const d of b.domains) this.addTarget(orgDomain(d) ?? d, b);
      for (const t of b.fragments ?? []) this.fragments.push({ token: t, brand: b, target: b.name });
      for (const k of b.words ?? [b.name.toLowerCase()]) this.keywordRes.push({ re: wordRe(k), word: k, brand: b, target: b.name });
    }
    this.keywordRes.forEach((k, i) => {
      const w = scanWords(foldText(k.word), 16, true, ASCII_ALNUM);
      // no ASCII letter at all ("Сбербанк"): always looked for
      if (w.n === 0) {
        this.anyText.push(i);
        return;
      }
      const h = w.hash[0]!;
      const list = this.byFirstWord.get(h);
      if (list) list.push(i);
      else this.byFirstWord.set(h, [i]);
    });
  }

  private addTarget(domain: string, brand: BrandDef | null): void {
    const { label, suffix } = splitRegistrable(domain);
    if (this.targets.some((t) => t.domain === domain)) return;
    this.targets.push({ domain, label, suffix, skeleton: skeleton(label), brand });
  }

  /** Who owns a host's organisational domain: a brand, `protected` (the organisation itself), or nobody. */
  ownerOf(host: string | null | undefined): BrandDef | 'protected' | null {
    const org = orgDomain(host);
    if (!org) return null;
    const direct = this.ownedOrgs.get(org);
    if (direct) return direct;
    const { label, suffix } = splitRegistrable(org);
    const b = this.ownedLabels.get(label);
    return b && isCountrySuffix(suffix) ? b : null;
  }

  isProtected(host: string | null | undefined): boolean {
    const org = orgDomain(host);
    return org !== null && this.protectedDomains.has(org);
  }

  /** Brands (or protected domains) named as whole words in a text (display name, subject, body). */
  named(text: string): Array<{ brand: BrandDef | null; target: string }> {
    const folded = foldText(text);
    // Which keywords can be there at all: the first ASCII word of one must be a word of the text (both
    // split at every other character, so a whole-word match always passes). Most texts (subjects,
    // display names) name no brand, and then nothing else runs.
    const w = scanWords(folded, 20_000, false, ASCII_ALNUM);
    let cand: number[] | null = this.anyText.length ? [...this.anyText] : null;
    for (let i = 0; i < w.n; i++) {
      const ks = this.byFirstWord.get(w.hash[i]!);
      if (ks) (cand ??= []).push(...ks);
    }
    if (cand === null) return [];
    if (cand.length > 1) cand = [...new Set(cand)].sort((a, b) => a - b);
    const out: Array<{ brand: BrandDef | null; target: string }> = [];
    for (const i of cand) {
      const k = this.keywordRes[i]!;
      // A substring test first: the word-boundary regex only runs when the word is there at all.
      if (!folded.includes(k.word) || out.some((o) => o.target === k.target)) continue;
      if (k.re.test(folded)) out.push({ brand: k.brand, target: k.target });
    }
    return out;
  }

  /** Whether a host belongs to the brand (or protected domain) named `target`. */
  owns(target: { brand: BrandDef | null; target: string }, host: string | null | undefined): boolean {
    const owner = this.ownerOf(host);
    if (owner === null) return false;
    return target.brand === null ? owner === 'protected' : owner === target.brand;
  }

  /**
   * Whether a host imitates a protected domain or brand: a homoglyph or typo of its label, the same
   * label under another TLD, the brand as a subdomain (paypal.com.example.net) or inside the label
   * (paypal-secure.com). Hosts the brand owns are never lookalikes.
   */
  lookalike(hostIn: string | null | undefined): Lookalike | null {
    const host = asciiHost(hostIn);
    if (!host || isIpLiteral(host)) return null;
    // Link hosts repeat within and across messages: remember answers (cleared when full).
    const cached = this.cache.get(host);
    if (cached !== undefined) return cached;
    const found = this.findLookalike(host);
    if (this.cache.size >= 20_000) this.cache.clear();
    this.cache.set(host, found);
    return found;
  }

  private readonly cache = new Map<string, Lookalike | null>();

  private findLookalike(host: string): Lookalike | null {
    if (this.ownerOf(host) !== null) return null;
    const org = orgDomain(host);
    if (!org) return null;
    const { label, suffix } = splitRegistrable(org);
    const uLabel = toUnicodeHost(label);
    const sk = skeleton(uLabel);
    for (const t of this.targets) {
      if (label === t.label) {
        if (suffix === t.suffix) continue;
        // Brands own many country domains we cannot list, and short labels (me, fb, live) collide.
        if (t.brand && (isCountrySuffix(suffix) || t.label.length < 5)) continue;
        return { kind: 'tld-swap', target: t.domain, host };
      }
      if (t.label.length >= 4 && sk === t.skeleton) return { kind: 'homoglyph', target: t.domain, host };
      if (t.label.length >= 6 && Math.abs(label.length - t.label.length) <= 2) {
        const d = editDistance(label, t.label, 2);
        if (d <= (t.label.length >= 10 ? 2 : 1)) return { kind: 'typo', target: t.domain, host };
      }
    }
    // One hyphen-separated part imitating a brand: paypa1-secure.com, secure-rnicrosoft.com.
    const parts = label.split('-');
    if (parts.length > 1) {
      for (const part of parts) {
        if (part.length < 4) continue;
        const psk = skeleton(toUnicodeHost(part));
        for (const t of this.targets) {
          if (part === t.label) continue;
          if (t.label.length >= 4 && psk === t.skeleton) return { kind: 'homoglyph', target: t.domain, host };
          if (t.label.length >= 6 && Math.abs(part.length - t.label.length) <= 1 && editDistance(part, t.label, 1) <= 1) return { kind: 'typo', target: t.domain, host };
        }
      }
    }
    // A brand spelled out left of the real registrable domain: paypal.com.secure-login.net, or a
    // distinctive brand token as a subdomain label (paypal.secure-login.net).
    const sub = host.slice(0, host.length - org.length);
    if (sub.length > 0) {
      const dotted = `.${sub}`;
      for (const t of this.targets) {
        if (t.label.length >= 4 && dotted.includes(`.${t.domain}.`)) return { kind: 'brand-in-subdomain', target: t.domain, host };
      }
      for (const part of sub.split('.')) {
        if (!part) continue;
        const hit = this.tokenIn(part);
        if (hit) return { kind: 'brand-in-subdomain', target: hit, host };
        // a brand's label, possibly with look-alike characters, as a label of its own: paypa1.com.evil.net
        if (part.length >= 5) {
          const psk = skeleton(toUnicodeHost(part));
          const t = this.targets.find((x) => x.label.length >= 5 && x.skeleton === psk && x.label !== part);
          if (t) return { kind: 'brand-in-subdomain', target: t.domain, host };
        }
      }
    }
    const hit = this.tokenIn(label);
    if (hit) return { kind: 'brand-in-domain', target: hit, host };
    return null;
  }

  // A brand token at the start or end of a label, or set off by a hyphen or digit: paypalsecure,
  // secure-paypal, paypal24. Inside a word it is ignored (fragments are chosen to be distinctive).
  private tokenIn(label: string): string | null {
    for (const { token, target } of this.fragments) {
      const i = label.indexOf(token);
      if (i < 0) continue;
      const end = i + token.length;
      if (i === 0 || end === label.length || isSep(label.charCodeAt(i - 1)) || isSep(label.charCodeAt(end))) return target;
    }
    return null;
  }
}

function isSep(c: number): boolean {
  return c === 45 || (c >= 48 && c <= 57);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Whole-word match: not preceded or followed by a letter or digit (any script).
function wordRe(phrase: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(phrase)}(?![\\p{L}\\p{N}])`, 'u');
}

/** Registrable domain of a host, exported for callers that only have a BrandIndex. */
export function orgOf(host: string | null | undefined): string | null {
  return orgDomain(host);
}

/** Convenience for tests and docs: a host's ASCII form. */
export { asciiHost };
