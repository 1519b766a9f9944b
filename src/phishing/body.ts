import type { PhishingConfig } from './config.js';
import { MODEL_LEXICONS, type ModelLexicon } from './defaults.js';
import { isIpLiteral, orgDomain, splitRegistrable } from './domains.js';
import { clip, type FindingId, type FindingSet } from './findings.js';
import { scanHtml, type HtmlScan } from './html.js';
import type { BrandIndex } from './lookalike.js';
import type { LinkInfo, LinkSource } from './types.js';
import { foldText, scanWords, wordAt, wordHash, wordIs, wordIsOrPlural, type Words } from './words.js';

export interface BodyContext {
  cfg: PhishingConfig;
  brands: BrandIndex;
  /** Organisational domain of the From address ('' when unknown). */
  senderOrg: string;
  /** Host facts for this config, found on the first link and kept for the rest. */
  hosts?: HostFactsCache;
}

const DANGEROUS_SCHEMES = new Set(['javascript', 'vbscript', 'data', 'file', 'search-ms', 'search', 'ms-msdt', 'ms-search', 'ms-officecmd', 'jar']);
const IGNORED_SCHEMES = new Set(['tel', 'sms', 'cid', 'mid', 'callto', 'skype', 'whatsapp', 'fax']);
// Visible text that is itself an address: "www.bank.com", "https://bank.com/login".
const URLISH_TEXT = /^(?:https?:\/\/)?[^\s/@]{1,253}\.[a-z]{2,24}(?::\d{1,5})?(?:[/?#]\S{0,2000})?$/i;

const EMAIL_TEXT = /^(?:mailto:)?[^\s@/:]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*\.[a-z]{2,24}$/i;

/** The URL's scheme, lower-cased (`https`), or null: a letter, then up to 30 of [a-z0-9+.-], then ':'. */
function schemeOf(u: string): string | null {
  const c0 = u.charCodeAt(0) | 32;
  if (c0 < 97 || c0 > 122) return null;
  const n = Math.min(u.length, 32);
  for (let i = 1; i < n; i++) {
    const c = u.charCodeAt(i);
    if (c === 58) return u.slice(0, i).toLowerCase();
    const l = c | 32;
    if (!((l >= 97 && l <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 46 || c === 45)) return null;
  }
  return null;
}

/** A host of ASCII letters, digits, dots and hyphens, not all digits and dots, not 0x…, no empty label. */
function isPlainHost(h: string): boolean {
  const n = h.length;
  if (n === 0 || n > 253 || h.charCodeAt(0) === 46) return false;
  let letter = false;
  let prevDot = false;
  for (let i = 0; i < n; i++) {
    const c = h.charCodeAt(i);
    if (c === 46) {
      if (prevDot) return false;
      prevDot = true;
      continue;
    }
    prevDot = false;
    if ((c >= 97 && c <= 122) || c === 45) letter = true;
    else if (!(c >= 48 && c <= 57)) return false;
  }
  if (!letter) return false;
  // 0x7f000001 is an address in a browser's eyes
  return !(h.charCodeAt(0) === 48 && (h.charCodeAt(1) | 32) === 120);
}

interface HttpTarget {
  href: string;
  host: string;
  userinfo: boolean;
}

/**
 * The host of an http(s) URL (or a scheme-less `www.` / `//` one). Plain ASCII hosts are read
 * directly: a newsletter has hundreds of links, and the WHATWG parser is only needed for the odd
 * ones (IDNs, numeric IPs, escapes), whose host it normalises the way a browser would.
 */
function parseHttp(u: string, known?: string | null): HttpTarget | null {
  let s = u;
  if (s.startsWith('//')) s = `https:${s}`;
  else {
    const scheme = known === undefined ? schemeOf(s) : known;
    if (scheme === null) {
      if (!/^www\./i.test(s)) return null;
      s = `http://${s}`;
    } else if (scheme !== 'http' && scheme !== 'https') return null;
  }
  const start = s.indexOf('://') + 3;
  let end = s.length;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35 || c === 92) {
      end = i;
      break;
    }
  }
  let authority = s.slice(start, end);
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0;
  if (userinfo) authority = authority.slice(at + 1);
  const colon = authority.lastIndexOf(':');
  const host = (colon >= 0 && !authority.endsWith(']') ? authority.slice(0, colon) : authority).toLowerCase();
  if (isPlainHost(host)) return { href: s, host: host.endsWith('.') ? host.slice(0, -1) : host, userinfo };
  try {
    const url = new URL(s);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return { href: url.href, host: url.hostname.replace(/^\[|\]$/g, ''), userinfo: url.username !== '' };
  } catch {
    return null;
  }
}

function textHost(text: string): string | null {
  // Cheap rejections first: visible text is usually words ("Read more"), not an address.
  if (text.length < 4 || text.length > 2100 || !text.includes('.')) return null;
  const t = text.trim().replace(/[.,;:!)>\]]+$/, '');
  if (t.includes(' ')) return null;
  // An address as the text ("support@bank.com") promises that organisation too.
  const at = t.indexOf('@');
  if (at > 0 && !t.includes('/')) return EMAIL_TEXT.test(t) ? t.slice(t.lastIndexOf('@') + 1).toLowerCase() : null;
  if (!URLISH_TEXT.test(t)) return null;
  return parseHttp(/^https?:\/\//i.test(t) ? t : `http://${t}`)?.host ?? null;
}

interface HostFacts {
  org: string | null;
  flags: string[];
}

/** Facts about a link host that do not depend on the link: cached per config, hosts repeat a lot. */
class HostFactsCache {
  private readonly facts = new Map<string, HostFacts>();
  private readonly shorteners: Set<string>;
  private readonly hosting: Set<string>;
  private readonly tlds: Set<string>;

  constructor(
    cfg: PhishingConfig,
    private readonly brands: BrandIndex,
  ) {
    this.shorteners = new Set(cfg.shorteners);
    this.hosting = new Set(cfg.abusedHosting);
    this.tlds = new Set(cfg.suspiciousTlds);
  }

  // host or any parent domain in the set
  private under(host: string, set: Set<string>): boolean {
    let h = host;
    for (;;) {
      if (set.has(h)) return true;
      const dot = h.indexOf('.');
      if (dot < 0) return false;
      h = h.slice(dot + 1);
    }
  }

  get(host: string): HostFacts {
    let f = this.facts.get(host);
    if (f) return f;
    const ip = isIpLiteral(host);
    const flags: string[] = [];
    if (ip) flags.push('ip-literal');
    if (this.under(host, this.shorteners)) flags.push('shortener');
    if (host.includes('xn--')) flags.push('punycode');
    const look = this.brands.lookalike(host);
    if (look) flags.push(look.kind === 'brand-in-domain' ? `brand-in-domain:${look.target}` : `lookalike:${look.kind}:${look.target}`);
    if (this.under(host, this.hosting)) flags.push('abused-hosting');
    if (this.tlds.has(host.slice(host.lastIndexOf('.') + 1))) flags.push('suspicious-tld');
    f = { org: ip ? null : orgDomain(host), flags };
    if (this.facts.size >= 20_000) this.facts.clear();
    this.facts.set(host, f);
    return f;
  }
}

const hostCaches = new WeakMap<BrandIndex, WeakMap<PhishingConfig, HostFactsCache>>();

function hostFacts(ctx: BodyContext, host: string): HostFacts {
  let c = ctx.hosts;
  if (!c) {
    let byCfg = hostCaches.get(ctx.brands);
    if (!byCfg) hostCaches.set(ctx.brands, (byCfg = new WeakMap()));
    c = byCfg.get(ctx.cfg);
    if (!c) byCfg.set(ctx.cfg, (c = new HostFactsCache(ctx.cfg, ctx.brands)));
    ctx.hosts = c;
  }
  return c.get(host);
}

/**
 * A mailto: link: a link like any other (often the whole lure of an advance-fee or BEC message), with
 * no host to open; `registrableDomain` is the organisation of the mailbox, and a visible text naming
 * another organisation is a mismatch as for web links.
 */
function mailtoLink(url: string, text: string, shownText: string, source: LinkSource): LinkInfo | null {
  let to = url.slice(7);
  const q = to.indexOf('?');
  if (q >= 0) to = to.slice(0, q);
  try {
    to = decodeURIComponent(to);
  } catch {
    // keep it as written
  }
  to = (to.split(',')[0] ?? '').trim().toLowerCase();
  const at = to.lastIndexOf('@');
  if (at <= 0 || !EMAIL_TEXT.test(to)) return null;
  const org = orgDomain(to.slice(at + 1));
  const flags = ['mailto'];
  const th = textHost(text);
  if (th && org) {
    const tOrg = orgDomain(th);
    if (tOrg && tOrg !== org) flags.push(`text-mismatch:${tOrg}`);
  }
  return { url: clip(`mailto:${to}`, 500), text: shownText, host: null, registrableDomain: org, source, flags };
}

/** One link's target and what is wrong with it. Null for links that go nowhere (anchors, tel:, cid:). */
export function classifyLink(rawUrl: string, text: string, source: LinkSource, ctx: BodyContext): LinkInfo | null {
  let url = rawUrl.length > 4000 ? rawUrl.slice(0, 4000) : rawUrl;
  if (/[\s\u0000-\u001f]/.test(url)) url = url.replace(/[\s\u0000-\u001f]+/g, '');
  if (!url || url.charCodeAt(0) === 35 /* # */) return null;
  const shownText = clip(text, 200);
  const scheme = schemeOf(url);
  if (scheme && DANGEROUS_SCHEMES.has(scheme)) {
    const flag = scheme === 'data' ? 'data-uri' : scheme === 'javascript' || scheme === 'vbscript' ? 'script-uri' : 'dangerous-scheme';
    return { url: clip(url, 500), text: shownText, host: null, registrableDomain: null, source, flags: [flag] };
  }
  if (scheme && IGNORED_SCHEMES.has(scheme)) return null;
  if (scheme === 'mailto') return mailtoLink(url, text, shownText, source);
  const parsed = parseHttp(url, scheme);
  if (!parsed) return null;
  const facts = hostFacts(ctx, parsed.host);
  const flags = facts.flags.length ? facts.flags.slice() : [];
  if (parsed.userinfo) flags.unshift('userinfo');
  const th = textHost(text);
  if (th) {
    const tOrg = orgDomain(th);
    if (tOrg && tOrg !== facts.org) flags.push(`text-mismatch:${tOrg}`);
  }
  // The target holds no white space or control characters any more (DEL aside): only its length can need a cut.
  return { url: parsed.href.length <= 1000 && !parsed.href.includes('\x7f') ? parsed.href : clip(parsed.href, 1000), text: shownText, host: parsed.host, registrableDomain: facts.org, source, flags };
}

interface FlagHit {
  /** The first link with the flag, and where it is in the list. */
  l: LinkInfo;
  at: number;
  /** The flag as written on that link (`text-mismatch:paypal.com`). */
  flag: string;
  /** Links carrying it. */
  n: number;
  last: LinkInfo;
}

/** Findings for a list of links (each id once, with a count). */
export function linkFindings(links: LinkInfo[], fs: FindingSet): void {
  const where = (l: LinkInfo) => (l.text ? `"${clip(l.text, 80)}" → ${clip(l.url, 200)}` : clip(l.url, 200));
  // Links grouped by flag (the part before the first ':') in one pass.
  const by = new Map<string, FlagHit>();
  let web = 0;
  let obscured = 0;
  let firstWeb: LinkInfo | null = null;
  const orgs = new Set<string>();
  for (let k = 0; k < links.length; k++) {
    const l = links[k]!;
    if (l.host) {
      web++;
      firstWeb ??= l;
    }
    if (l.registrableDomain) orgs.add(l.registrableDomain);
    let hidden = false;
    for (const f of l.flags) {
      const c = f.indexOf(':');
      const key = c < 0 ? f : f.slice(0, c);
      if (key === 'shortener' || key === 'ip-literal') hidden = true;
      const h = by.get(key);
      if (!h) by.set(key, { l, at: k, flag: f, n: 1, last: l });
      else if (h.last !== l) {
        h.n++;
        h.last = l;
      }
    }
    if (hidden && l.host) obscured++;
  }
  const plural = (k: number, one: string, many: string) => (k === 1 ? one : many.replace('{n}', String(k)));
  let r = by.get('text-mismatch');
  if (r) fs.add('link.text-mismatch', plural(r.n, `A link shows ${r.flag.slice(14)} but goes to ${r.l.registrableDomain ?? r.l.host}.`, `{n} links show one address and go to another.`), where(r.l));
  r = by.get('userinfo');
  if (r) fs.add('link.text-mismatch', 'A link hides its real host behind a user name (http://trusted.com@other.host/).', where(r.l));
  r = by.get('ip-literal');
  if (r) fs.add('link.ip-literal', plural(r.n, `A link goes to the bare IP address ${r.l.host}.`, `{n} links go to bare IP addresses.`), where(r.l));
  r = by.get('lookalike');
  if (r) {
    const [, kind, target] = r.flag.split(':');
    fs.add('link.lookalike', `A link goes to ${r.l.host}, which imitates ${target} (${kind}).`, where(r.l));
  }
  r = by.get('brand-in-domain');
  if (r) fs.add('link.brand-in-domain', `A link goes to ${r.l.host}, which uses the name of ${r.flag.slice(16)} without belonging to it.`, where(r.l));
  let code: FlagHit | undefined;
  for (const k of ['script-uri', 'data-uri', 'dangerous-scheme']) {
    const h = by.get(k);
    if (h && (!code || h.at < code.at)) code = h;
  }
  if (code) fs.add('link.script-uri', `A link runs code or opens a local resource (${code.l.url.slice(0, code.l.url.indexOf(':') + 1)}).`, where(code.l));
  r = by.get('shortener');
  if (r) fs.add('link.shortener', plural(r.n, `A link uses the shortener ${r.l.host}: its destination is hidden.`, `{n} links use URL shorteners.`), where(r.l));
  r = by.get('punycode');
  if (r) fs.add('link.punycode', `A link goes to an internationalised host name (${r.l.host}).`, where(r.l));
  r = by.get('abused-hosting');
  if (r) fs.add('link.abused-hosting', `A link goes to ${r.l.host}, a free hosting or form service.`, where(r.l));
  r = by.get('suspicious-tld');
  if (r) fs.add('link.suspicious-tld', `A link goes to a .${r.l.host!.slice(r.l.host!.lastIndexOf('.') + 1)} domain (${r.l.host}).`, where(r.l));
  // Every web link a shortener or a bare IP: the reader cannot see any site the message points to.
  if (firstWeb && obscured === web) fs.add('link.all-obscured', `${web === 1 ? 'The only link hides' : `All ${web} links hide`} where ${web === 1 ? 'it goes' : 'they go'} (URL shortener or bare IP address).`, where(firstWeb));
  if (orgs.size >= 8) fs.add('link.many-domains', `Links go to ${orgs.size} different domains.`, [...orgs].slice(0, 5).join(', '));
}

// Base64 of "<html", "<!DOCTYPE", "<!doctype", "<script", "<form", "<body", "<iframe", "<head", "<meta": how an
// encoded page starts when it is embedded whole.
const B64_HTML = ['PGh0bWw', 'PCFET0NUWVBF', 'PCFkb2N0eXBl', 'PHNjcmlwd', 'PGZvcm0', 'PGJvZHk', 'PGlmcmFtZ', 'PGhlYWQ', 'PG1ldGE'];

/** Where an HTML page is embedded base64-encoded (data:text/html;base64, or an encoded page in script/text). */
export function findBase64Html(s: string): string | null {
  const lower = s.length > 4_000_000 ? s.slice(0, 4_000_000) : s;
  // data: URIs are rare: find each "data:" natively, then look at what follows.
  for (let d = lower.indexOf('data:'), n = 0; d >= 0 && n < 1000; d = lower.indexOf('data:', d + 5), n++) {
    if (/^data:text\/html[^,]{0,40};base64,/i.test(lower.slice(d, d + 80))) return lower.slice(d, d + 80);
  }
  for (let d = lower.indexOf('DATA:'), n = 0; d >= 0 && n < 100; d = lower.indexOf('DATA:', d + 5), n++) {
    if (/^data:text\/html[^,]{0,40};base64,/i.test(lower.slice(d, d + 80))) return lower.slice(d, d + 80);
  }
  for (const sig of B64_HTML) {
    const i = lower.indexOf(sig);
    if (i < 0) continue;
    // A run of base64 at least 40 characters long, not a word that happens to contain the letters.
    let j = i;
    while (j < lower.length && j - i < 60 && /[A-Za-z0-9+/=]/.test(lower[j]!)) j++;
    if (j - i >= 40) return lower.slice(i, i + 60);
  }
  return null;
}

export interface BodyResult {
  links: LinkInfo[];
  /** Text a reader sees: the plain part and the HTML's visible text. */
  visibleText: string;
  html: HtmlScan | null;
}

/** Findings from an HTML body's structure (forms, scripts, refresh, hidden text, pixels, encoded pages). */
export function htmlFindings(scan: HtmlScan, rawHtml: string, fs: FindingSet): void {
  const ext = scan.forms.find((f) => /^(?:https?:)?\/\//i.test(f.action));
  if (ext) fs.add('html.form.external', `The message contains a form that sends what is typed to ${hostOf(ext.action) ?? ext.action}.`, `<form action="${ext.action}" method="${ext.method}">`);
  if (scan.passwordFields > 0) fs.add('html.form.password', `The message asks for a password in ${scan.passwordFields === 1 ? 'a password field' : `${scan.passwordFields} password fields`}.`, '<input type="password">');
  if (scan.metaRefresh.length) fs.add('html.meta-refresh', 'The HTML redirects by itself (meta refresh).', `<meta http-equiv="refresh" content="${scan.metaRefresh[0]}">`);
  if (scan.scripts > 0 || scan.handlers > 0) {
    const parts = [scan.scripts ? `${scan.scripts} <script> element${scan.scripts > 1 ? 's' : ''}` : '', scan.handlers ? `${scan.handlers} on* event handler${scan.handlers > 1 ? 's' : ''}` : ''].filter(Boolean);
    fs.add('html.script', `The HTML carries script: ${parts.join(' and ')}.`, scan.scriptText ? clip(scan.scriptText, 120) : parts.join(', '));
  }
  if (scan.trackingPixels.length) fs.add('html.tracking-pixel', `A ${scan.trackingPixels.length > 1 ? `set of ${scan.trackingPixels.length} hidden images` : 'hidden 1×1 image'} reports when the message is opened.`, scan.trackingPixels[0]!);
  if (nonSpace(scan.hiddenText, 201) > 200) fs.add('html.hidden-text', `The HTML hides ${scan.hiddenText.length} characters of text from the reader.`, clip(scan.hiddenText, 160));
  const b64 = findBase64Html(rawHtml);
  if (b64) fs.add('html.base64-embedded', 'An HTML page is embedded base64-encoded in the message.', b64);
  if (scan.images > 0 && scan.anchors.length > 0) {
    const visible = nonSpace(scan.text, 30);
    if (visible < 30) fs.add('body.image-only', `The HTML body is ${scan.images} image${scan.images > 1 ? 's' : ''} and links with almost no text.`, `${visible} visible characters`);
  }
}

/** Characters other than white space in `s`, counted up to `max`. */
function nonSpace(s: string, max: number): number {
  let n = 0;
  for (let i = 0; i < s.length && n < max; i++) {
    const c = s.charCodeAt(i);
    if (!(c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff)) n++;
  }
  return n;
}

function hostOf(u: string): string | null {
  return parseHttp(u)?.host ?? null;
}

const DATA_HTML = /^data:text\/html/i;
// Punctuation that ends a sentence rather than the URL written before it.
const TRAILING_PUNCT = '.,;:!?';

/**
 * The lines of the HTML's visible text that the text part does not already hold. Mailers write the
 * text part from the HTML (and the parser appends each to the other in mixed messages): the wording
 * and indicator checks need each line once, not twice.
 */
function newLines(htmlText: string, text: string): string {
  const have = new Set<string>();
  for (let i = 0; i < text.length; ) {
    let j = text.indexOf('\n', i);
    if (j < 0) j = text.length;
    if (j > i) have.add(text.slice(i, j).trim());
    i = j + 1;
  }
  let out = '';
  let kept = 0;
  let dropped = 0;
  // scanHtml's text is already trimmed per line and single-spaced
  for (let i = 0; i < htmlText.length; ) {
    let j = htmlText.indexOf('\n', i);
    if (j < 0) j = htmlText.length;
    if (j > i) {
      const line = htmlText.slice(i, j);
      if (have.has(line)) dropped++;
      else {
        out = kept++ ? `${out}\n${line}` : line;
      }
    }
    i = j + 1;
  }
  return dropped ? out : htmlText;
}

/** Scans the HTML and text bodies: links, HTML findings, and the visible text for wording checks. */
export function analyzeBody(htmlBody: string | undefined, textBody: string | undefined, ctx: BodyContext, fs: FindingSet, linkSource: LinkSource = 'html'): BodyResult {
  const limits = ctx.cfg.limits;
  const links: LinkInfo[] = [];
  // Each target with the texts it was shown with: the same link twice is kept once.
  const seenUrls = new Map<string, string[]>();
  const addLink = (l: LinkInfo | null): void => {
    if (!l || links.length >= limits.maxLinks) return;
    const texts = seenUrls.get(l.url);
    if (texts) {
      // The text part usually repeats the HTML part's links: keep those once.
      if (l.source === 'text' || texts.includes(l.text)) return;
      texts.push(l.text);
    } else seenUrls.set(l.url, [l.text]);
    links.push(l);
  };
  let scan: HtmlScan | null = null;
  let visible = '';
  if (htmlBody) {
    scan = scanHtml(htmlBody, { maxChars: limits.maxBodyChars, maxAnchors: limits.maxLinks });
    for (const a of scan.anchors) addLink(classifyLink(a.href, a.text || a.alt, linkSource, ctx));
    for (const f of scan.forms) if (f.action) addLink(classifyLink(f.action, '', linkSource, ctx));
    for (const r of scan.resources) if (r.tag === 'iframe' || DATA_HTML.test(r.url)) addLink(classifyLink(r.url, '', linkSource, ctx));
    for (const m of scan.metaRefresh) {
      const u = /url\s*=\s*['"]?([^'"\s]+)/i.exec(m)?.[1];
      if (u) addLink(classifyLink(u, '', linkSource, ctx));
    }
    htmlFindings(scan, htmlBody.length > limits.maxBodyChars ? htmlBody.slice(0, limits.maxBodyChars) : htmlBody, fs);
    visible = scan.text;
  }
  if (textBody) {
    const t = textBody.length > limits.maxBodyChars ? textBody.slice(0, limits.maxBodyChars) : textBody;
    // URLs written out in the text part (the HTML part's links are already in).
    const re = /\b(?:https?:\/\/|www\.)[^\s<>"'()[\]{}]{2,2000}/gi;
    for (let m = re.exec(t); m !== null && links.length < limits.maxLinks; m = re.exec(t)) {
      let e = m[0].length;
      while (e > 0 && TRAILING_PUNCT.includes(m[0][e - 1]!)) e--;
      const u = e === m[0].length ? m[0] : m[0].slice(0, e);
      if (!seenUrls.has(u)) addLink(classifyLink(u, '', 'text', ctx));
    }
    if (!htmlBody) {
      const b64 = findBase64Html(t);
      if (b64) fs.add('html.base64-embedded', 'An HTML page is embedded base64-encoded in the message.', b64);
    }
    visible = visible ? `${t}\n${newLines(visible, t)}` : t;
  }
  return { links, visibleText: visible, html: scan };
}

// ---- lure wording ----------------------------------------------------------------------------

type LureCategory = keyof PhishingConfig['lures'];
/** A lure category or one of the model's word classes (defaults.ts MODEL_LEXICONS). */
export type WordClass = LureCategory | ModelLexicon;

interface LurePhrase {
  words: string[];
  key: string;
  cats: WordClass[];
}

interface LureIndex {
  /** Phrases by the hash of their first word: most words start no phrase, so they cost one lookup. */
  byFirst: Map<number, LurePhrase[]>;
  /** One-word phrases by hash, for plural look-ups ("prizes"). */
  single: Map<number, LurePhrase[]>;
  /** The low 16 bits of those hashes, set: a word whose bit is clear needs no lookup at all. */
  firstBits: Uint8Array;
  singleBits: Uint8Array;
}

const lureCache = new WeakMap<PhishingConfig['lures'], LureIndex>();
const WORD_CLASSES = [...(['urgency', 'credential', 'payment', 'reward', 'advanceFee', 'bec', 'invoice', 'payroll'] as const), ...(Object.keys(MODEL_LEXICONS) as ModelLexicon[])];

function phraseWords(p: string): string[] {
  // its own buffers: an index may be built while a message's words are being matched
  const w = scanWords(foldText(p), 64, true);
  const out: string[] = [];
  for (let k = 0; k < w.n; k++) out.push(wordAt(w, k));
  return out;
}

function pushTo(m: Map<number, LurePhrase[]>, h: number, p: LurePhrase): void {
  const list = m.get(h);
  if (list) list.push(p);
  else m.set(h, [p]);
}

function lureIndex(lures: PhishingConfig['lures']): LureIndex {
  let idx = lureCache.get(lures);
  if (idx) return idx;
  idx = { byFirst: new Map(), single: new Map(), firstBits: new Uint8Array(65536), singleBits: new Uint8Array(65536) };
  const byKey = new Map<string, LurePhrase>();
  const all: Record<string, readonly string[]> = { ...lures, ...MODEL_LEXICONS };
  for (const cat of Object.keys(all) as WordClass[]) {
    for (const p of all[cat]!) {
      const w = phraseWords(p);
      if (!w.length) continue;
      const key = w.join(' ');
      let phrase = byKey.get(key);
      if (!phrase) {
        phrase = { words: w, key, cats: [] };
        byKey.set(key, phrase);
        const h = wordHash(w[0]!);
        pushTo(idx.byFirst, h, phrase);
        idx.firstBits[h & 0xffff] = 1;
        if (w.length === 1) {
          pushTo(idx.single, h, phrase);
          idx.singleBits[h & 0xffff] = 1;
        }
      }
      if (!phrase.cats.includes(cat)) phrase.cats.push(cat);
    }
  }
  lureCache.set(lures, idx);
  return idx;
}

// The phrase's last word may appear as a plural ("prizes", "rewards").
function matchesAt(w: Words, i: number, p: LurePhrase): boolean {
  const n = p.words.length;
  if (i + n > w.n) return false;
  for (let k = 0; k < n - 1; k++) if (!wordIs(w, i + k, p.words[k]!)) return false;
  return wordIsOrPlural(w, i + n - 1, p.words[n - 1]!);
}


/** Lure phrases found in a text, per category (whole words, NFKC-folded, case-insensitive). */
export function findLures(text: string, lures: PhishingConfig['lures'], maxChars = 200_000): Record<WordClass, string[]> {
  return findLuresIn(scanWords(foldText(text.length > maxChars ? text.slice(0, maxChars) : text), 100_000, false, undefined, true), lures);
}

function findLuresIn(w: Words, lures: PhishingConfig['lures']): Record<WordClass, string[]> {
  const idx = lureIndex(lures);
  const found = {} as Record<WordClass, string[]>;
  for (const c of WORD_CLASSES) found[c] = [];
  const hit = (p: LurePhrase): void => {
    for (const c of p.cats) if (!found[c].includes(p.key)) found[c].push(p.key);
  };
  const { firstBits, singleBits } = idx;
  for (let i = 0; i < w.n; i++) {
    const h = w.hash[i]!;
    if (firstBits[h & 0xffff] === 1) {
      const cands = idx.byFirst.get(h);
      if (cands) for (const p of cands) if (matchesAt(w, i, p)) hit(p);
    }
    // a one-word phrase in the plural
    const stem = w.stem[i]!;
    if (singleBits[stem & 0xffff] === 1) {
      const e = w.end[i]!;
      if (e - w.start[i]! > 3 && w.text.charCodeAt(e - 1) === 115 /* s */) {
        const single = idx.single.get(stem);
        if (single) for (const p of single) if (wordIsOrPlural(w, i, p.words[0]!)) hit(p);
      }
    }
  }
  return found;
}

const LURE_FINDINGS: Array<[LureCategory, FindingId, string]> = [
  ['credential', 'body.lure.credential', 'Asks the reader to act on their account or credentials'],
  ['urgency', 'body.lure.urgency', 'Pressures the reader with urgency'],
  ['payment', 'body.lure.payment', 'Demands a payment or fee'],
  ['reward', 'body.lure.reward', 'Dangles a prize or reward'],
  ['advanceFee', 'body.lure.advance-fee', "Offers a stranger's fortune that needs the reader's help (advance-fee wording)"],
  ['bec', 'body.lure.bec', 'Asks for a quiet favour, gift cards or a change of bank details (business e-mail compromise wording)'],
  ['invoice', 'body.lure.invoice', 'Presents an invoice, remittance or purchase order'],
  ['payroll', 'body.lure.payroll', 'Talks about salary, payroll or HR matters'],
];

// A sum of money as written in mail: "US$ 7,2 milhões", "$32,500", "4500€", "27 513 USD", "2.5 million euros".
const MONEY =
  /(?:(?:US\$|R\$|\$|€|£|\b(?:usd|eur|gbp|btc|eth|usdt)\b)\s?(\d{1,3}(?:[.,\u00a0 ]\d{3}){1,4}|\d{1,12})(?:[.,]\d{1,2})?(\s?(?:million|millions|milh(?:ão|ões)|mill(?:ón|ones)|millionen|miljoen|mln|mio)\b)?)|(?:(?<![\d.,])(\d{1,3}(?:[.,\u00a0 ]\d{3}){1,4}|\d{1,12})(?:[.,]\d{1,2})?\s?(?:(million|millions|milh(?:ão|ões)|mill(?:ón|ones)|millionen|miljoen|mln|mio)\s?)?(?:US\$|\$|€|£|\b(?:usd|eur|euros?|dollars?|d[oó]lares|gbp|btc|eth|usdt)\b))/gi;

/** The largest sum of money written in a text (0 when none), millions spelled out counted as such. */
export function largestSum(text: string, maxChars = 200_000): { value: number; written: string } {
  const t = text.length > maxChars ? text.slice(0, maxChars) : text;
  let best = { value: 0, written: '' };
  MONEY.lastIndex = 0;
  for (let m = MONEY.exec(t), k = 0; m !== null && k < 200; m = MONEY.exec(t), k++) {
    const digits = (m[1] ?? m[3] ?? '').replace(/[.,\u00a0 ]/g, '');
    let value = Number(digits);
    if (m[2] || m[4]) value *= 1_000_000;
    if (Number.isFinite(value) && value > best.value) best = { value, written: m[0].trim() };
  }
  return best;
}

/**
 * Wording findings for a message: `head` (display name, subject) and `text` (what the reader sees);
 * `foldedText` is `foldText(text)` when the caller already has it.
 */
export function lureFindings(head: string, text: string, cfg: PhishingConfig, fs: FindingSet, foldedText?: string): { words: Record<WordClass, string[]>; head: Record<WordClass, string[]> } {
  const body = foldedText ?? foldText(text);
  // The head and the text are read one after the other (a phrase does not run from the subject into the text).
  const hits = findLuresIn(scanWords(foldText(head), 10_000, false, undefined, true), cfg.lures);
  const headHits: Record<WordClass, string[]> = { ...hits };
  for (const c of WORD_CLASSES) headHits[c] = [...hits[c]];

  const more = findLuresIn(scanWords(body.length > 200_000 ? body.slice(0, 200_000) : body, 100_000, false, undefined, true), cfg.lures);
  for (const cat of WORD_CLASSES) for (const p of more[cat]) if (!hits[cat].includes(p)) hits[cat].push(p);
  const list = (a: string[]) => a.slice(0, 6).map((p) => `"${p}"`).join(', ') + (a.length > 6 ? ` (+${a.length - 6} more)` : '');
  for (const [cat, id, what] of LURE_FINDINGS) {
    const h = hits[cat];
    if (h.length) fs.add(id, `${what}: ${list(h)}.`, list(h));
  }
  // A prize or a stranger's fortune with a figure on it: the promise that makes the reader act.
  if (hits.reward.length || hits.advanceFee.length) {
    const sum = largestSum(`${head}\n${text}`);
    if (sum.value >= 1000) fs.add('body.money-offer', `Names a large sum of money (${clip(sum.written, 40)}) next to prize or inheritance wording.`, `${sum.written}; ${list([...hits.reward, ...hits.advanceFee])}`);
  }
  return { words: hits, head: headHits };
}

// ---- who the text signs as ------------------------------------------------------------------

const CLAIM_MARKS = ['©', '(c)', 'copyright', 'rights reserved'];

function isBoundary(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  // new line, "|", "•", "·", or a full stop that ends a sentence
  return c === 10 || c === 124 || c === 0x2022 || c === 0xb7 || (c === 46 && (i + 1 >= text.length || text.charCodeAt(i + 1) === 32 || text.charCodeAt(i + 1) === 10));
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
}

/**
 * The brand a message signs as — "© 2024 PayPal", "eBay © All rights reserved" — when the sending
 * domain is not that brand's. Only the phrase around the copyright sign is read (not a trademark
 * notice elsewhere in the text), so a retailer mentioning the products it sells is not a claim.
 * `folded` is `foldText(text)`; the phrase is quoted from `text` when the two line up.
 */
export function brandClaimFindings(text: string, folded: string, fromDomain: string, brands: BrandIndex, fs: FindingSet): void {
  if (!fromDomain || folded.length === 0) return;
  const t = folded.length > 200_000 ? folded.slice(0, 200_000) : folded;
  const marks: Array<[number, number]> = [];
  for (const mark of CLAIM_MARKS) {
    for (let i = t.indexOf(mark), k = 0; i >= 0 && k < 20; i = t.indexOf(mark, i + mark.length), k++) {
      // "copyright" as a word, not inside one
      if (mark === 'copyright' && ((i > 0 && isLetter(t.charCodeAt(i - 1))) || isLetter(t.charCodeAt(i + mark.length)))) continue;
      marks.push([i, i + mark.length]);
    }
  }
  marks.sort((a, b) => a[0] - b[0]);
  const same = text.length === folded.length;
  for (const [at, stop] of marks.slice(0, 20)) {
    let from = at;
    while (from > 0 && at - from < 80 && !isBoundary(t, from - 1)) from--;
    let to = stop;
    while (to < t.length && to - at < 80 && !isBoundary(t, to)) to++;
    const phrase = t.slice(from, to).trim();
    const claimed = brands.named(phrase).find((b) => !brands.owns(b, fromDomain));
    if (claimed) {
      const shown = same ? text.slice(from, to).trim() : phrase;
      fs.add('body.brand-claim', `The message signs as ${claimed.brand ? claimed.brand.name : claimed.target} ("${clip(shown, 80)}") but is sent from ${fromDomain}, which does not belong to it.`, shown);
      return;
    }
  }
}

// ---- whose content it is ----------------------------------------------------------------------

export interface ContentContext {
  links: LinkInfo[];
  /** Visible text of the message, folded (`foldText`). */
  text: string;
  subject: string;
  fromDomain: string;
  /** The From domain is a free-mail provider (people forward newsletters from there). */
  freemail: boolean;
}

const FORWARD = /^\s*(?:fwd?|wg|tr|rv|doorst|enc)\s*:/i;


function wordCount(text: string, w: string, max: number): number {
  let n = 0;
  for (let i = text.indexOf(w); i >= 0 && n < max; i = text.indexOf(w, i + w.length)) {
    const b = i > 0 ? text.charCodeAt(i - 1) : 32;
    const a = i + w.length < text.length ? text.charCodeAt(i + w.length) : 32;
    const letter = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (!letter(b) && !letter(a)) n++;
  }
  return n;
}

/**
 * Another organisation's mail sent by an unrelated sender: most links go to one site whose name the
 * text repeats (a copied newsletter, a cloned notification), while the sender's own domain appears in
 * no link and nowhere in the text. Forwards and free-mail senders (people forwarding) are left alone.
 */
export function foreignContentFindings(c: ContentContext, brands: BrandIndex, fs: FindingSet): void {
  if (!c.fromDomain || c.freemail || FORWARD.test(c.subject)) return;
  const senderOrg = orgDomain(c.fromDomain);
  if (!senderOrg) return;
  const counts = new Map<string, number>();
  let web = 0;
  for (const l of c.links) {
    if (!l.registrableDomain || !l.host) continue;
    web++;
    counts.set(l.registrableDomain, (counts.get(l.registrableDomain) ?? 0) + 1);
  }
  if (web < 3) return;
  let top = '';
  let topN = 0;
  for (const [org, n] of counts) if (n > topN) [top, topN] = [org, n];
  if (topN < 3 || topN * 2 < web || top === senderOrg) return;
  const owner = brands.ownerOf(top);
  if (owner !== null && owner === brands.ownerOf(senderOrg)) return;
  const senderLabel = splitRegistrable(senderOrg).label;
  if (senderLabel.length < 3) return;
  for (const l of c.links) if (l.host?.includes(senderLabel)) return;
  const text = c.text.length > 200_000 ? c.text.slice(0, 200_000) : c.text;
  if (text.includes(senderLabel)) return;
  const names = owner && owner !== 'protected' ? (owner.words ?? [owner.name.toLowerCase()]) : [splitRegistrable(top).label];
  const named = names.find((w) => w.length >= 4 && wordCount(text, w, 2) >= 2);
  if (!named) return;
  fs.add('body.foreign-content', `The message is dressed as ${top}'s mail: ${topN} of its ${web} links go there and the text names "${named}", but the sender ${c.fromDomain} appears nowhere in it.`, `${topN}/${web} links to ${top}; From domain ${c.fromDomain}`);
}
