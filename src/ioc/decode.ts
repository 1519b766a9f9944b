// Decoding layers: indicators that are in the text but not written plainly. A PowerShell
// `-EncodedCommand` (base64 of UTF-16LE), a `FromBase64String('…')` literal (possibly gzip or
// deflate inside), a base64 literal that spells a URL, a percent-encoded URL, and the link rewriters
// analysts meet daily (Microsoft Safe Links, Proofpoint URL Defense v1–v3, Mimecast, Google's and
// other redirectors' `?url=` forms). Each finder runs only when a cheap sign of its form is present
// (the scanner reports long opaque runs and `%3A%2F%2F`; rewriters are told by the URL hits'
// hosts), each decoded piece is bounded in size, the nesting in depth and the whole call in total
// decoded text, so extraction stays linear in the input.
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { urlAuthority } from '../core/url.js';

/** A decoding step, outermost first in an indicator's `layers`. */
export type DecodeLayer =
  | 'powershell-enc'
  | 'base64'
  | 'gzip'
  | 'deflate'
  | 'percent'
  | 'redirect'
  | 'safelinks'
  | 'urldefense-v1'
  | 'urldefense-v2'
  | 'urldefense-v3'
  | 'mimecast'
  | 'google-redirect';

/** Every layer, for documentation and evaluation. */
export const DECODE_LAYERS: readonly DecodeLayer[] = [
  'powershell-enc', 'base64', 'gzip', 'deflate', 'percent', 'redirect', 'safelinks',
  'urldefense-v1', 'urldefense-v2', 'urldefense-v3', 'mimecast', 'google-redirect',
];

/** How deep layers may nest (Safe Links around URL Defense around a percent-encoded URL is 3). */
export const MAX_DECODE_DEPTH = 3;
/** Longest encoded piece read (characters); longer blobs are left as they are. */
export const MAX_ENCODED_CHARS = 262_144;
/** Longest decoded piece kept (characters). */
export const MAX_DECODED_CHARS = 65_536;
/** Decoded text per extraction call, over all pieces and depths. */
export const MAX_DECODED_TOTAL = 262_144;
/** Decoded pieces per extraction call. */
export const MAX_DECODED_PIECES = 64;

/** What one extraction call may still decode. */
export interface DecodeBudget {
  pieces: number;
  chars: number;
}

export function newBudget(): DecodeBudget {
  return { pieces: MAX_DECODED_PIECES, chars: MAX_DECODED_TOTAL };
}

/** One decoded piece: `text` stands for `[start, end)` of the text it was found in. */
export interface DecodedPiece {
  start: number;
  end: number;
  text: string;
  layers: DecodeLayer[];
  /** For an unwrapped link: the wrapping URL. */
  wrapper?: string;
  /** The piece is a bare domain (Mimecast names only the target's domain), not text to scan. */
  domain?: boolean;
}

// ---- base64 ----

const B64 = new Uint8Array(128);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') B64[ch.charCodeAt(0)] = 1;

function isB64(c: number): boolean {
  return c < 128 && B64[c] === 1;
}

/** End of a base64 run at `i` (padding included). */
function b64End(t: string, i: number): number {
  let j = i;
  const n = Math.min(t.length, i + MAX_ENCODED_CHARS);
  while (j < n && isB64(t.charCodeAt(j))) j++;
  let pad = 0;
  while (j < t.length && pad < 2 && t.charCodeAt(j) === 61) {
    j++;
    pad++;
  }
  return j;
}

/**
 * Decoded bytes as text: UTF-16LE when every other byte is mostly zero (PowerShell), gzip or raw /
 * zlib deflate when compressed, UTF-8 when mostly printable; null for anything else (binary).
 */
export function bytesToText(buf: Buffer, layers: DecodeLayer[]): { text: string; layers: DecodeLayer[] } | null {
  if (buf.length < 4) return null;
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    const out = inflate(() => gunzipSync(buf, { maxOutputLength: MAX_DECODED_CHARS * 2 }));
    return out ? bytesToText(out, [...layers, 'gzip']) : null;
  }
  let zeros = 0;
  for (let i = 1; i < buf.length; i += 2) if (buf[i] === 0) zeros++;
  if (zeros * 2 >= buf.length * 0.8 && buf.length % 2 === 0) {
    const text = buf.toString('utf16le', 0, Math.min(buf.length, MAX_DECODED_CHARS * 2));
    return printable(text) ? { text, layers } : null;
  }
  const text = buf.toString('utf8', 0, Math.min(buf.length, MAX_DECODED_CHARS * 4)).slice(0, MAX_DECODED_CHARS);
  if (printable(text)) return { text, layers };
  // PowerShell's DeflateStream is raw deflate; zlib-wrapped streams start with 0x78.
  if (layers[layers.length - 1] !== 'deflate') {
    const out = inflate(() => (buf[0] === 0x78 ? inflateSync : inflateRawSync)(buf, { maxOutputLength: MAX_DECODED_CHARS * 2 }));
    if (out) return bytesToText(out, [...layers, 'deflate']);
  }
  return null;
}

function inflate(f: () => Buffer): Buffer | null {
  try {
    return f();
  } catch (e) {
    // Past the output limit zlib throws; what was produced is not returned, so a bomb yields nothing.
    void e;
    return null;
  }
}

/** At least 90% of the characters are printable text (letters, punctuation, whitespace). */
function printable(s: string): boolean {
  if (s.length === 0) return false;
  let bad = 0;
  const n = Math.min(s.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd || (c >= 0x7f && c < 0xa0)) bad++;
  }
  return bad * 10 <= n;
}

function decodeB64(t: string, a: number, b: number, layers: DecodeLayer[]): { text: string; layers: DecodeLayer[] } | null {
  let s = t.slice(a, b);
  // Base64 literals in scripts are often split over lines or padded with spaces.
  if (/\s/.test(s)) s = s.replace(/\s+/g, '');
  if (s.length < 8) return null;
  return bytesToText(Buffer.from(s, 'base64'), layers);
}

// `-EncodedCommand` and every prefix PowerShell accepts (`-e`, `-en`, `-enc`, …, `-ec`), with `-`, `/`
// or the dashes Word turns them into; then the base64 argument, quoted or not. Tried (sticky) only
// where the scanner marked such a flag.
const PS_ENC = /[-/\u2013\u2014\u2015](?:e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma|encodedcomman|encodedcommand)[\s"'^]+(?=[A-Za-z0-9+/]{16})/iy;
const FROM_B64 = /frombase64string\s*\(\s*(?:\[\w+\]\s*)?["']/iy;
// Base64 that spells a URL: `http://`, `https://` (UTF-8) and their UTF-16LE forms.
const B64_URL = /(?:aHR0cDovL|aHR0cHM6Ly|aAB0AHQAcAA6AC8AL|aAB0AHQAcABzADoALwAv)/y;

/** Kinds of marks the scanner leaves (`position * 8 + kind`); see scan.ts. */
export const MARK = { psFlag: 1, fromBase64: 2, base64Url: 3, percent: 4 } as const;

/** Base64 pieces at the scanner's marks: PowerShell encoded commands, `FromBase64String` literals, base64 URLs. */
export function findBase64(t: string, marks: readonly number[], out: DecodedPiece[], budget: DecodeBudget): void {
  let last = 0;
  for (const m of marks) {
    if (budget.pieces <= 0 || budget.chars <= 0) return;
    const kind = m % 8;
    const i = (m - kind) / 8;
    let a = -1;
    let b = -1;
    let layer: DecodeLayer = 'base64';
    if (kind === MARK.psFlag) {
      PS_ENC.lastIndex = i;
      const r = PS_ENC.exec(t);
      if (r === null) continue;
      a = i + r[0].length;
      b = b64End(t, a);
      layer = 'powershell-enc';
    } else if (kind === MARK.fromBase64) {
      FROM_B64.lastIndex = i;
      const r = FROM_B64.exec(t);
      if (r === null) continue;
      a = i + r[0].length;
      const quote = t.charCodeAt(a - 1);
      b = a;
      const lim = Math.min(t.length, a + MAX_ENCODED_CHARS);
      while (b < lim && t.charCodeAt(b) !== quote && (isB64(t.charCodeAt(b)) || t.charCodeAt(b) === 61 || t.charCodeAt(b) <= 32)) b++;
      if (t.charCodeAt(b) !== quote) continue;
    } else if (kind === MARK.base64Url) {
      // a whole base64 token, not the middle of a longer one
      if (i > 0 && isB64(t.charCodeAt(i - 1))) continue;
      B64_URL.lastIndex = i;
      if (!B64_URL.test(t)) continue;
      a = i;
      b = b64End(t, i);
    } else continue;
    if (a < last) continue;
    const d = decodeB64(t, a, b, [layer]);
    if (!d) continue;
    const text = d.text.length > budget.chars ? d.text.slice(0, budget.chars) : d.text;
    budget.pieces--;
    budget.chars -= text.length;
    last = b;
    out.push({ start: a, end: b, text, layers: d.layers });
  }
}

// ---- percent-encoding ----

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * Percent-decode `s` (UTF-8 sequences included); `+` stays `+` (a query's space is not an
 * indicator's concern). Invalid escapes are kept as written.
 */
export function percentDecode(s: string): string {
  if (s.indexOf('%') === -1) return s;
  const bytes: number[] = [];
  let out = '';
  const flush = (): void => {
    if (bytes.length) {
      out += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    }
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length + 0 && hexVal(s.charCodeAt(i + 1)) >= 0 && hexVal(s.charCodeAt(i + 2)) >= 0) {
      bytes.push(hexVal(s.charCodeAt(i + 1)) * 16 + hexVal(s.charCodeAt(i + 2)));
      i += 2;
      continue;
    }
    flush();
    out += s[i];
  }
  flush();
  return out;
}

/** `%3A%2F%2F` (`://`) once or twice encoded, any case, at `i`; returns its length or 0. */
function encodedSep(t: string, i: number): number {
  if (t.charCodeAt(i) !== 37) return 0;
  const twice = t.charCodeAt(i + 1) === 50 && t.charCodeAt(i + 2) === 53; // %25…
  const step = twice ? 5 : 3;
  for (let k = 0; k < 3; k++) {
    const p = i + k * step;
    if (t.charCodeAt(p) !== 37) return 0;
    const h = twice ? p + 3 : p + 1;
    if (twice && (t.charCodeAt(p + 1) !== 50 || t.charCodeAt(p + 2) !== 53)) return 0;
    const hi = t.charCodeAt(h);
    const lo = t.charCodeAt(h + 1) | 32;
    if (k === 0 ? hi !== 51 || lo !== 97 : hi !== 50 || lo !== 102) return 0;
  }
  return step * 3;
}

const URL_CHAR = new Uint8Array(128);
for (let c = 48; c < 58; c++) URL_CHAR[c] = 1;
for (let c = 65; c < 91; c++) URL_CHAR[c] = 1;
for (let c = 97; c < 123; c++) URL_CHAR[c] = 1;
for (const ch of "-._~:/?#[]@!$&()*+,;=%'") URL_CHAR[ch.charCodeAt(0)] = 1;

/** Percent-encoded URLs in running text (`/redirect?u=http%3A%2F%2Fevil.example%2Fx`) at the scanner's marks. */
export function findPercentUrls(t: string, marks: readonly number[], out: DecodedPiece[], budget: DecodeBudget, skip: ReadonlyArray<{ start: number; end: number }>): void {
  let last = 0;
  for (const m of marks) {
    if (m % 8 !== MARK.percent) continue;
    if (budget.pieces <= 0 || budget.chars <= 0) return;
    const sep = (m - MARK.percent) / 8;
    if (sep < last || encodedSep(t, sep) === 0) continue;
    // the scheme: letters right before the separator
    let a = sep;
    while (a > 0 && sep - a < 8 && isLetter(t.charCodeAt(a - 1))) a--;
    if (a === sep) continue;
    let b = sep;
    const lim = Math.min(t.length, sep + MAX_ENCODED_CHARS);
    // in a query value, `&` (and `,` in CSV) ends the encoded URL: its own are encoded
    while (b < lim) {
      const c = t.charCodeAt(b);
      if (c >= 128 || URL_CHAR[c] !== 1 || c === 38 || c === 44 || c === 39) break;
      b++;
    }
    last = b;
    if (skip.some((r) => a >= r.start && b <= r.end)) continue;
    let text = percentDecode(t.slice(a, b));
    if (/%3a%2f%2f/i.test(text)) text = percentDecode(text);
    if (text.length > budget.chars) continue;
    budget.pieces--;
    budget.chars -= text.length;
    out.push({ start: a, end: b, text, layers: ['percent'] });
  }
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

// ---- link rewriters ----

/** The parts of a URL value the rewriters need. */
function splitUrl(url: string): { host: string; path: string; query: string } | null {
  const a = urlAuthority(url);
  if (!a) return null;
  const q = url.indexOf('?', a.end);
  const hash = url.indexOf('#', a.end);
  const pathEnd = q >= 0 ? q : hash >= 0 ? hash : url.length;
  return { host: url.slice(a.hostStart, a.hostEnd).toLowerCase(), path: url.slice(a.end, pathEnd), query: q >= 0 ? url.slice(q + 1, hash > q ? hash : url.length) : '' };
}

function params(query: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (!query) return out;
  for (const part of query.split('&', 50)) {
    const eq = part.indexOf('=');
    if (eq > 0) out.push([part.slice(0, eq).toLowerCase(), part.slice(eq + 1)]);
  }
  return out;
}

const SCHEME_AT_START = /^(?:https?|ftps?|hxxps?):\/\//i;

/** A query value that is (once or twice percent-decoded) an absolute URL, else undefined. */
function urlValue(v: string): string | undefined {
  let s = v;
  for (let k = 0; k < 3; k++) {
    if (SCHEME_AT_START.test(s)) return s;
    if (s.indexOf('%') === -1) return undefined;
    s = percentDecode(s);
  }
  return SCHEME_AT_START.test(s) ? s : undefined;
}

function named(host: string, path: string): DecodeLayer {
  if (host.endsWith('safelinks.protection.outlook.com') || host.endsWith('safelinks.protection.office365.us')) return 'safelinks';
  if (host === 'urldefense.proofpoint.com' && path.startsWith('/v1/')) return 'urldefense-v1';
  if (/^(?:www\.)?google\.[a-z.]{2,6}$/.test(host) && path === '/url') return 'google-redirect';
  return 'redirect';
}

/**
 * What a URL wraps: the target of a link rewriter or redirector (Safe Links `url=`, URL Defense
 * v1 `u=`, v2's `-`/`_` encoding, v3's `__…__;…!!` form, Google's `/url?q=`, any `?x=<absolute URL>`,
 * `?<absolute URL>` dereferrers) and Mimecast's target domain. Empty when it wraps nothing.
 */
export function unwrapUrl(url: string): Array<{ layer: DecodeLayer; text: string; domain?: boolean }> {
  const p = splitUrl(url);
  if (!p) return [];
  const out: Array<{ layer: DecodeLayer; text: string; domain?: boolean }> = [];
  if (p.host === 'urldefense.proofpoint.com' && p.path.startsWith('/v2/')) {
    const u = params(p.query).find(([k]) => k === 'u')?.[1];
    if (u) {
      const decoded = percentDecode(u.replace(/-/g, '%').replace(/_/g, '/'));
      if (SCHEME_AT_START.test(decoded)) out.push({ layer: 'urldefense-v2', text: decoded });
    }
    return out;
  }
  if (p.host === 'urldefense.com' && p.path.startsWith('/v3/__')) {
    const target = urlDefenseV3(url);
    if (target) out.push({ layer: 'urldefense-v3', text: target });
    return out;
  }
  if (/(?:^|\.)mimecast(?:protect)?\.com$/.test(p.host)) {
    for (const [k, v] of params(p.query)) {
      if (k === 'domain' && /^[a-z0-9.-]{3,253}$/i.test(v)) out.push({ layer: 'mimecast', text: v.toLowerCase(), domain: true });
      else if (k === 'url') {
        const t = urlValue(v);
        if (t) out.push({ layer: 'mimecast', text: t });
      }
    }
    return out;
  }
  const layer = named(p.host, p.path);
  for (const [, v] of params(p.query)) {
    const t = urlValue(v);
    if (t) out.push({ layer, text: t });
  }
  // `https://href.li/?https://target`: the whole query is the target
  if (out.length === 0 && p.query && !p.query.includes('=')) {
    const t = urlValue(p.query);
    if (t) out.push({ layer, text: t });
  }
  return out;
}

// URL Defense v3 run lengths: `**A` stands for 2 characters, `**B` for 3, … `**_` for 65.
const V3_RUNS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Proofpoint URL Defense v3: `https://urldefense.com/v3/__<url>__;<base64url>!!<signature>`. In `<url>`
 * each `*` stands for the next character of the decoded base64url string, and `**X` for a run of
 * them whose length `X` codes.
 */
export function urlDefenseV3(url: string): string | undefined {
  const a = url.indexOf('/v3/__');
  if (a < 0) return undefined;
  const from = a + 6;
  const close = url.indexOf('__;', from);
  if (close < 0) return undefined;
  const bang = url.indexOf('!', close + 3);
  const enc = url.slice(close + 3, bang < 0 ? url.length : bang);
  let chars: string[];
  try {
    chars = [...Buffer.from(enc.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')];
  } catch {
    return undefined;
  }
  const body = percentDecode(url.slice(from, close));
  let out = '';
  let k = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '*') {
      out += c;
      continue;
    }
    if (body[i + 1] === '*') {
      const run = V3_RUNS.indexOf(body[i + 2] ?? '');
      if (run < 0) return undefined;
      out += chars.slice(k, k + run + 2).join('');
      k += run + 2;
      i += 2;
    } else {
      out += chars[k++] ?? '';
    }
  }
  return SCHEME_AT_START.test(out) ? out : undefined;
}

/** Cheap test before `unwrapUrl`: the URL has a query, or is a URL Defense v3 link. */
export function mayWrap(url: string): boolean {
  return url.indexOf('=') > 0 || url.indexOf('?http') > 0 || url.indexOf('/v3/__') > 0;
}
