// The text scanner: one forward pass over (refanged) text. It stops only at characters that can start
// an indicator, reads the maximal token run there, and decides what the run is by looking at the run
// itself and the character right after it. Every helper either consumes what it read or leaves it for
// the main loop to step over once, and the few look-backs and look-aheads are bounded by constants or
// watermarks, so total work stays linear in the input whatever the input is.
import { domainToASCII } from 'node:url';
import type { IpScope } from '../core/types.js';
import { CT, F_ALPHA, F_DIGIT, F_HEX, F_LABEL, F_LOCAL, F_UNIX, F_URL, F_WINSEG, isRunCode, isWordNonAscii } from './chars.js';
import { domainInfo, ipScope, ipv4Scope } from './classify.js';
import { MARK } from './decode.js';
import { replacedWithin, type OffsetMap } from './refang.js';
import type { IocType } from './types.js';
import { IOC_TYPES } from './types.js';
import { allDigits, allHex, isBase58Address, isBech32Address, isIpv6, octets, parseIpv4 } from './validate.js';

/** A match in the scanned text's coordinates. */
export interface RawHit {
  type: IocType;
  value: string;
  start: number;
  end: number;
  scope?: IpScope;
  registrableDomain?: string;
  unicode?: string;
}

/** Bit for each type in a `want` mask. */
export const TYPE_BIT: Record<IocType, number> = Object.fromEntries(IOC_TYPES.map((t, i) => [t, 1 << i])) as Record<IocType, number>;
export const ALL_TYPES_MASK = (1 << IOC_TYPES.length) - 1;

const B = TYPE_BIT;
const IP_BITS = B.ipv4 | B.ipv6 | B.cidr;

/** What to look for. */
export interface ScanConfig {
  want: number;
  strictTld: boolean;
  privateIps: boolean;
}

const enum Ch {
  HASH = 35, PERCENT = 37, LPAREN = 40, RPAREN = 41, STAR = 42, COMMA = 44, DASH = 45, DOT = 46, SLASH = 47,
  COLON = 58, SEMI = 59, EQ = 61, QMARK = 63, AT = 64, LBRACK = 91, BSLASH = 92, RBRACK = 93, US = 95,
  TILDE = 126, SPACE = 32, BANG = 33, QUOTE = 39, LT = 60, GT = 62, AMP = 38,
}

const enum Ctx {
  Bare = 0,
  UrlHost = 1,
  EmailDomain = 2,
  UncHost = 3,
}

const SCHEMES = new Set([
  'http', 'https', 'ftp', 'ftps', 'sftp', 'tftp', 'ws', 'wss', 'tcp', 'udp', 'ssl', 'tls',
  'smb', 'ldap', 'ldaps', 'rdp', 'ssh', 'telnet', 'irc', 'ircs', 'git', 'svn', 'rtsp', 'socks', 'socks4', 'socks5',
]);

/**
 * TLDs that are also everyday file extensions. A bare two-label name ending in one of these (`setup.zip`,
 * `README.md`, `install.sh`) is read as a file name unless the context says host: it was defanged, it is a
 * URL host or email domain, or a port or path follows it. Kept short on purpose: TLDs that carry much
 * malicious traffic (.pl, .cc, .ml, .ai, .app) are not on it even though they are file extensions too.
 */
export const AMBIGUOUS_TLDS = new Set(['zip', 'mov', 'sh', 'py', 'md', 'rs', 'ps', 'pm', 'one', 'so', 'mk']);

/** File extensions that are not TLDs: what non-strict mode still refuses as a TLD. */
export const FILE_EXTENSIONS = new Set([
  'exe', 'dll', 'sys', 'drv', 'ocx', 'cpl', 'scr', 'com', 'bat', 'cmd', 'ps1', 'psm1', 'vbs', 'vbe', 'js', 'jse', 'wsf',
  'hta', 'lnk', 'msi', 'msp', 'jar', 'class', 'apk', 'ipa', 'dmg', 'pkg', 'deb', 'rpm', 'iso', 'img', 'vhd', 'vhdx',
  'pdf', 'txt', 'rtf', 'doc', 'docx', 'docm', 'dot', 'xls', 'xlsx', 'xlsm', 'ppt', 'pptx', 'odt', 'ods', 'csv',
  'json', 'xml', 'yml', 'yaml', 'toml', 'ini', 'cfg', 'conf', 'log', 'tmp', 'bak', 'old', 'dat', 'bin', 'db',
  'sqlite', 'lock', 'pid', 'html', 'htm', 'xhtml', 'php', 'asp', 'aspx', 'jsp', 'cgi', 'css', 'scss', 'less',
  'mjs', 'cjs', 'ts', 'tsx', 'jsx', 'map', 'java', 'kt', 'go', 'rb', 'c', 'h', 'cpp', 'hpp', 'cs', 'swift', 'o',
  'a', 'out', 'jpg', 'jpeg', 'png', 'gif', 'bmp', 'svg', 'ico', 'webp', 'tif', 'tiff', 'mp3', 'mp4', 'avi', 'mkv',
  'wav', 'tar', 'gz', 'tgz', 'bz2', 'xz', 'rar', '7z', 'cab', 'pem', 'crt', 'cer', 'der', 'key', 'p12', 'pfx',
  'eml', 'msg', 'pst', 'ost', 'evtx', 'pcap', 'pcapng', 'dmp', 'etl', 'reg', 'inf', 'plist',
  ...AMBIGUOUS_TLDS,
]);

const VERSION_WORDS = new Set(['version', 'ver', 'v', 'build', 'release', 'rev', 'revision', 'firmware', 'fw', 'kernel', 'patch', 'update', 'vers']);

const UNIX_ROOTS = new Set([
  'etc', 'tmp', 'var', 'usr', 'home', 'root', 'bin', 'sbin', 'opt', 'dev', 'proc', 'sys', 'lib', 'lib64', 'boot',
  'run', 'mnt', 'media', 'srv', 'Users', 'Library', 'Applications', 'System', 'private', 'Volumes', 'snap',
]);

const REGISTRY_ROOTS = new Set([
  'HKLM', 'HKCU', 'HKCR', 'HKU', 'HKCC', 'HKEY_LOCAL_MACHINE', 'HKEY_CURRENT_USER', 'HKEY_CLASSES_ROOT',
  'HKEY_USERS', 'HKEY_CURRENT_CONFIG', 'HKEY_PERFORMANCE_DATA',
]);

const MAX_NESTED_URLS = 4;

interface State {
  t: string;
  n: number;
  cfg: ScanConfig;
  map: OffsetMap | null;
  hits: RawHit[];
  /** Positions below this are inside a URL's path/query: no bare domains or file paths there. */
  urlInterior: number;
  nestedUrls: number;
  /** A failed IPv6 attempt read up to here; later attempts starting before it would fail the same way. */
  v6Mark: number;
  /** Email local parts may not extend back before this (text already consumed by another match). */
  lowMark: number;
  // side channel of checkDomain (avoids allocating a result object per candidate)
  dValue: string;
  dReg: string | null;
  dUnicode: string | undefined;
  /** Where marks of encoded content go (null: not wanted). */
  marks: number[] | null;
}

// Fast-loop classes: K_RUN characters extend the current token run; K_SPECIAL characters can start or
// join an indicator and hand over to the detailed handlers; K_BRACKET characters matter only when looking
// for defang forms; everything else ends a run.
const K_RUN = 1;
const K_DIGIT = 2;
const K_ALPHA = 4;
const K_SPECIAL = 8;
const K_BRACKET = 16;
const FAST = new Uint8Array(128);
for (let c = 48; c <= 57; c++) FAST[c] = K_RUN | K_DIGIT;
for (let c = 65; c <= 90; c++) FAST[c] = K_RUN | K_ALPHA;
for (let c = 97; c <= 122; c++) FAST[c] = K_RUN | K_ALPHA;
FAST[45] = K_RUN;
FAST[95] = K_RUN;
for (const ch of '.@:/\\%~') FAST[ch.charCodeAt(0)] = K_SPECIAL;
for (const ch of '[({])}*') FAST[ch.charCodeAt(0)] = K_BRACKET;

/** `scanText` met something that may be a defang form (and stopped: refang, then scan again). */
export const SIGN_DEFANG = 1;
/**
 * Marks of possibly encoded content, left in `marks` as `position * 8 + kind` for the decoding layers,
 * so that they look only where the scanner passed something that may start one: a PowerShell `-e…`
 * flag, a `FromBase64String` call, base64 that begins like `http`, `%3A` (`:`) percent-encoded.
 */
const MARK_PS_FLAG = MARK.psFlag;
const MARK_FROM_B64 = MARK.fromBase64;
const MARK_B64_URL = MARK.base64Url;
const MARK_PERCENT = MARK.percent;
/** Most marks kept per scanned text (decoding is bounded further down). */
const MAX_MARKS = 512;

function mark(s: State, pos: number, kind: number): void {
  const m = s.marks;
  if (m !== null && m.length < MAX_MARKS) m.push(pos * 8 + kind);
}

/**
 * Scan `t` and append what it finds to `hits`. Plain words and numbers cost one table read per character;
 * only runs next to a special character (`.` `@` `:` `/` `\` `%` `~`), mixed letter-digit runs and long
 * runs get a closer look. With `detectDefang`, returns SIGN_DEFANG as soon as it meets anything that may
 * be a defang form (the caller then refangs and scans again); otherwise 0. With `marks`, leaves the
 * marks of possibly encoded content there.
 */
export function scanText(t: string, map: OffsetMap | null, cfg: ScanConfig, hits: RawHit[], detectDefang = false, marks: number[] | null = null): number {
  const s: State = {
    t, n: t.length, cfg, map, hits, urlInterior: 0, nestedUrls: 0, v6Mark: 0, lowMark: 0,
    dValue: '', dReg: null, dUnicode: undefined, marks,
  };
  const n = t.length;
  let i = 0;
  let rs = 0; // start of the current run
  let flags = 0;
  while (i < n) {
    const c = t.charCodeAt(i);
    let f: number;
    if (c < 128) f = FAST[c]!;
    else if (isWordNonAscii(c)) f = K_RUN | K_ALPHA;
    else {
      if (detectDefang && isInvisible(c)) return SIGN_DEFANG;
      f = 0;
    }
    if (f & K_RUN) {
      flags |= f;
      i++;
      continue;
    }
    if (f & K_SPECIAL) {
      if (detectDefang && specialMayBeDefang(t, i, c, rs)) return SIGN_DEFANG;
      let e = rs < i ? onRun(s, rs) : i;
      if (e <= i) e = onChar(s, i, c);
      i = e;
      rs = e;
      flags = 0;
      continue;
    }
    // a PowerShell `-e…` / `–e…` flag word ending here (`-enc`, `-EncodedCommand`)
    if ((c <= Ch.SPACE || c === 34 || c === Ch.QUOTE) && rs < i && i - rs <= 16 && s.marks !== null) {
      const c0 = t.charCodeAt(rs);
      if (c0 === Ch.DASH ? (t.charCodeAt(rs + 1) | 32) === 101 : (c0 | 32) === 101 && isDashLike(t.charCodeAt(rs - 1))) mark(s, c0 === Ch.DASH ? rs : rs - 1, MARK_PS_FLAG);
    }
    if (c === Ch.GT && rs < i && t.charCodeAt(i + 1) === Ch.BSLASH && t.charCodeAt(rs - 1) === Ch.LT && i - rs <= 21 && REGISTRY_ROOTS.has(t.slice(rs, i).toUpperCase())) {
      // `<HKCU>\Software\…`: a key whose root is written as a placeholder
      const r = tryRegistry(s, rs - 1, i + 2);
      if (r > 0) {
        i = r;
        rs = r;
        flags = 0;
        continue;
      }
    }
    if (detectDefang) {
      if ((f & K_BRACKET) !== 0 && bracketMayBeDefang(t, i, c, rs)) return SIGN_DEFANG;
      if (c === Ch.SPACE && rs + 3 === i && t.charCodeAt(rs - 1) === Ch.SPACE && isDotWord(t, rs)) return SIGN_DEFANG;
    }
    if (rs < i && plainRunMatters(t, rs, i, flags, c)) {
      const e = classifyRun(s, rs, i, true);
      if (e > i) {
        i = e;
        rs = e;
        flags = 0;
        continue;
      }
    }
    i++;
    rs = i;
    flags = 0;
  }
  if (rs < n && plainRunMatters(t, rs, n, flags, 0)) classifyRun(s, rs, n, true);
  return 0;
}

// A run ended by an ordinary character is worth classifying only if it could be a hash or coin address
// (long), an ASN / ATT&CK id / CVE (letters and digits), or the word of a spaced form: the "AS" of
// "AS 15169", "asn 15169", "CVE 2014-0160".
function plainRunMatters(t: string, a: number, b: number, flags: number, next: number): boolean {
  const len = b - a;
  if (len >= 26) return true;
  if ((flags & (K_DIGIT | K_ALPHA)) === (K_DIGIT | K_ALPHA) && len >= 3) return true;
  if (next !== Ch.SPACE || !isDigit(t.charCodeAt(b + 1))) return false;
  if (len === 2) return t.charCodeAt(a) === 65 && t.charCodeAt(a + 1) === 83;
  return len === 3 && (isWordCi(t, a, 'asn') || isWordCi(t, a, 'cve'));
}

/** `t` at `a` spells the lower-case ASCII `w`, in any case. */
function isWordCi(t: string, a: number, w: string): boolean {
  for (let k = 0; k < w.length; k++) if ((t.charCodeAt(a + k) | 32) !== w.charCodeAt(k)) return false;
  return true;
}

function onChar(s: State, i: number, c: number): number {
  switch (c) {
    case Ch.SLASH:
      return onSlash(s, i);
    case Ch.BSLASH:
      return onBackslash(s, i);
    case Ch.PERCENT: {
      const t = s.t;
      if ((t.charCodeAt(i + 1) === 51 && (t.charCodeAt(i + 2) | 32) === 97 && t.charCodeAt(i + 3) === Ch.PERCENT) || (t.charCodeAt(i + 1) === 50 && t.charCodeAt(i + 2) === 53 && t.charCodeAt(i + 3) === 51)) mark(s, i, MARK_PERCENT);
      const r = onPercent(s, i);
      // A percent escape (`%2F`, `%3A`) is one character: its hex digits do not start the next word
      // (`%2Fevil.com` is `/evil.com`, not the domain `2fevil.com`).
      return r === i + 1 && isHex(s.t.charCodeAt(i + 1)) && isHex(s.t.charCodeAt(i + 2)) ? i + 3 : r;
    }
    case Ch.TILDE:
      return onTilde(s, i);
    case Ch.COLON:
      if (s.t.charCodeAt(i + 1) === Ch.COLON && !isRunOrColon(s.t.charCodeAt(i - 1))) {
        const e = tryIpv6(s, i);
        if (e > 0) return e;
      }
      return i + 1;
    default:
      return i + 1;
  }
}

// The dashes Word and web pages turn `-` into, which PowerShell accepts for parameters.
function isDashLike(c: number): boolean {
  return c >= 0x2013 && c <= 0x2015;
}

function isInvisible(c: number): boolean {
  return c === 0xad || (c >= 0x200b && c <= 0x200d) || c === 0x2060 || c === 0xfeff;
}

function lowerCode(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function isDotWord(t: string, a: number): boolean {
  const w = t.slice(a, a + 3);
  return w === 'dot' || w === 'DOT';
}

// Supersets of what refangText rewrites: a false alarm only costs a refang pass that changes nothing.
function specialMayBeDefang(t: string, i: number, c: number, rs: number): boolean {
  if (c === Ch.DOT) return t.charCodeAt(i - 1) === Ch.SPACE && t.charCodeAt(i + 1) === Ch.SPACE;
  if (c === Ch.BSLASH) return t.charCodeAt(i + 1) === Ch.DOT;
  if (c === Ch.COLON) return fangedScheme(t, rs, i);
  return false;
}

function bracketMayBeDefang(t: string, i: number, c: number, rs: number): boolean {
  const c1 = t.charCodeAt(i + 1);
  if (c === Ch.LBRACK || c === Ch.LPAREN || c === 123) {
    if (c1 === Ch.DOT || c1 === Ch.COMMA || c1 === Ch.AT || c1 === Ch.COLON || c1 === Ch.SLASH) return true;
    const l1 = lowerCode(c1);
    const l2 = lowerCode(t.charCodeAt(i + 2));
    return (l1 === 100 && l2 === 111) || (l1 === 97 && l2 === 116);
  }
  if (c === Ch.STAR) return rs + 1 === i && lowerCode(t.charCodeAt(rs)) === 104;
  return c1 === Ch.DOT; // ].[  ).(
}

function fangedScheme(t: string, a: number, b: number): boolean {
  const len = b - a;
  if (len < 3 || len > 5) return false;
  const c0 = lowerCode(t.charCodeAt(a));
  const c1 = lowerCode(t.charCodeAt(a + 1));
  if (c0 === 102) return len === 3 && c1 === 120;
  if (c0 !== 104 || len < 4) return false;
  const c2 = lowerCode(t.charCodeAt(a + 2));
  return (c1 === 120 || c1 === 116) && (c2 === 120 || c2 === 116) && !(c1 === 116 && c2 === 116);
}

function isRunOrColon(c: number): boolean {
  return c === Ch.COLON || isRunCode(c);
}
function isAlpha(c: number): boolean {
  return c < 128 && (CT[c]! & F_ALPHA) !== 0;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
  return c < 128 && (CT[c]! & F_HEX) !== 0;
}
function isAlnum(c: number): boolean {
  return c < 128 && (CT[c]! & (F_ALPHA | F_DIGIT)) !== 0;
}

function emit(s: State, type: IocType, value: string, start: number, end: number, scope?: IpScope, reg?: string | null, unicode?: string): void {
  if ((s.cfg.want & B[type]) === 0) return;
  if (scope !== undefined && scope !== 'public' && !s.cfg.privateIps && (B[type] & IP_BITS) !== 0) return;
  const h: RawHit = { type, value, start, end };
  if (scope !== undefined) h.scope = scope;
  if (reg) h.registrableDomain = reg;
  if (unicode !== undefined) h.unicode = unicode;
  s.hits.push(h);
}

/** End of the token run (label characters, IDN letters, and dots between them) starting at i. */
function runEnd(t: string, i: number, n: number): number {
  let e = i;
  while (e < n) {
    const c = t.charCodeAt(e);
    if (c < 128) {
      if (CT[c]! & F_LABEL) {
        e++;
        continue;
      }
      if (c === Ch.DOT && e + 1 < n && isRunCode(t.charCodeAt(e + 1))) {
        e++;
        continue;
      }
      break;
    }
    if (isWordNonAscii(c)) {
      e++;
      continue;
    }
    break;
  }
  return e;
}

function onRun(s: State, i: number): number {
  const t = s.t;
  const n = s.n;
  const e = runEnd(t, i, n);
  const next = e < n ? t.charCodeAt(e) : 0;
  if (next === Ch.COLON) {
    const n1 = t.charCodeAt(e + 1);
    const n2 = t.charCodeAt(e + 2);
    if (n1 === Ch.SLASH && n2 === Ch.SLASH) {
      const r = tryUrl(s, i, e);
      if (r > 0) return r;
    } else if (n1 === Ch.BSLASH || n1 === Ch.SLASH) {
      if (e - i === 1 && isAlpha(t.charCodeAt(i)) && i >= s.urlInterior) {
        const r = tryWinPath(s, i, e + 2);
        if (r > 0) return r;
      }
      if (n1 === Ch.BSLASH && REGISTRY_ROOTS.has(t.slice(i, e).toUpperCase())) {
        const r = tryRegistry(s, i, e + 2);
        if (r > 0) return r;
      }
    }
    if (e - i <= 4 && i >= s.v6Mark && (isHex(n1) || n1 === Ch.COLON) && allHex(t, i, e)) {
      const r = tryIpv6(s, i);
      if (r > 0) return r;
    }
  } else if (next === Ch.AT) {
    const r = tryEmail(s, i, e);
    if (r > 0) return r;
  } else if (next === Ch.BSLASH && e - i <= 21 && REGISTRY_ROOTS.has(t.slice(i, e).toUpperCase())) {
    const r = tryRegistry(s, i, e + 1);
    if (r > 0) return r;
  }
  return classifyRun(s, i, e, true);
}

function isDashOrUnderscore(c: number): boolean {
  return c === Ch.DASH || c === Ch.US;
}

/** Decide what a plain run is. Returns where the main loop continues (the run's end, or later). */
function classifyRun(s: State, a0: number, e: number, allowSplit: boolean): number {
  const t = s.t;
  let a = a0;
  let b = e;
  while (a < b && isDashOrUnderscore(t.charCodeAt(a))) a++;
  while (b > a && isDashOrUnderscore(t.charCodeAt(b - 1))) b--;
  if (a >= b) return e;
  let dots = 0;
  let alpha = 0;
  let other = 0;
  let dashes = 0;
  for (let j = a; j < b; j++) {
    const c = t.charCodeAt(j);
    if (c === Ch.DOT) dots++;
    else if (c < 128) {
      const f = CT[c]!;
      if (f & F_ALPHA) alpha++;
      else if (!(f & F_DIGIT)) dashes++;
    } else other++;
  }
  if (s.marks !== null && alpha > 0 && dots === 0) {
    // `FromBase64String(`, and base64 that starts like `http:` (UTF-8 `aHR0c`, UTF-16LE `aAB0AHQA`)
    if (b - a === 16 && t.charCodeAt(b) === Ch.LPAREN && isWordCi(t, a, 'frombase64string')) mark(s, a, MARK_FROM_B64);
    else if (b - a >= 9 && t.charCodeAt(a) === 97 && ((t.charCodeAt(a + 1) === 72 && t.charCodeAt(a + 2) === 82 && t.charCodeAt(a + 3) === 48) || (t.charCodeAt(a + 1) === 65 && t.charCodeAt(a + 2) === 66 && t.charCodeAt(a + 3) === 48))) mark(s, a, MARK_B64_URL);
  }
  if (dashes > 0 && alpha >= 3) {
    const r = findCve(s, a, b);
    if (r) return e;
  }
  if (dots > 0) {
    if (alpha === 0 && other === 0 && dashes === 0) {
      if (dots === 3 && b === e) return ipv4At(s, a, b);
      if (dots === 3) ipv4At(s, a, b);
      return e;
    }
    if (b - a === 9 && isAttack(t, a, b)) {
      emit(s, 'attack', t.slice(a, b), a, b);
      return e;
    }
    // inside a URL's path a dotted word is a file or path segment, not a host
    if ((alpha > 0 || other > 0) && a >= s.urlInterior) {
      const from = checkDomain(s, a, b, Ctx.Bare);
      if (from >= 0) {
        emit(s, 'domain', s.dValue, from, b, undefined, s.dReg, s.dUnicode);
        return b === e && from === a ? schemelessUrl(s, a, b, s.dValue, s.dReg, false) : e;
      }
    }
    if (dashes > 0 && allowSplit) {
      splitRun(s, a, b);
      return e;
    }
    subAtoms(s, a, b);
    return e;
  }
  const len = b - a;
  if (len === 5 && isAttack(t, a, b)) {
    emit(s, 'attack', t.slice(a, b), a, b);
    return e;
  }
  const c0 = t.charCodeAt(a) | 32;
  if (c0 === 97 && (t.charCodeAt(a + 1) | 32) === 115) {
    const r = asnAt(s, a, b, e);
    if (r > 0) return r;
  } else if (len === 3 && b === e && isWordCi(t, a, 'cve') && t.charCodeAt(b) === Ch.SPACE) {
    const r = spacedCve(s, a, b);
    if (r > 0) return r;
  }
  subAtoms(s, a, b);
  return e;
}

// "CVE 2014-0160": the id written with a space after the word (any case), as in prose and tickets.
function spacedCve(s: State, a: number, b: number): number {
  const t = s.t;
  const y = b + 1;
  if (!allDigits(t, y, y + 4) || t.charCodeAt(y + 4) !== Ch.DASH) return -1;
  const year = Number(t.slice(y, y + 4));
  if (year < 1999 || year > 2099) return -1;
  let k = y + 5;
  while (k < s.n && k < y + 13 && isDigit(t.charCodeAt(k))) k++;
  const idLen = k - (y + 5);
  if (idLen < 4 || idLen > 7 || (k < s.n && (isRunCode(t.charCodeAt(k)) || (t.charCodeAt(k) === Ch.DOT && isRunCode(t.charCodeAt(k + 1)))))) return -1;
  emit(s, 'cve', `CVE-${t.slice(y, k)}`, a, k);
  return k;
}

// `10.0.0.1-10.0.0.9`, `host-1.2.3.4`: when a run with dashes is not a domain, its dash-separated
// pieces are classified on their own (one level deep).
function splitRun(s: State, a: number, b: number): void {
  const t = s.t;
  let p = a;
  for (let j = a; j <= b; j++) {
    if (j === b || isDashOrUnderscore(t.charCodeAt(j))) {
      if (j > p) classifyRun(s, p, j, false);
      p = j + 1;
    }
  }
}

function isAttack(t: string, a: number, b: number): boolean {
  if (t.charCodeAt(a) !== 84) return false; // uppercase T only: "t1234" is rarely a technique
  if (!allDigits(t, a + 1, a + 5)) return false;
  if (b - a === 5) return true;
  return t.charCodeAt(a + 5) === Ch.DOT && allDigits(t, a + 6, b) && b - a === 9;
}

function findCve(s: State, a: number, b: number): boolean {
  const t = s.t;
  for (let j = a; j + 13 <= b; j++) {
    if ((t.charCodeAt(j) | 32) !== 99) continue;
    if (j > a && !isDashOrUnderscore(t.charCodeAt(j - 1)) && t.charCodeAt(j - 1) !== Ch.DOT) continue;
    if ((t.charCodeAt(j + 1) | 32) !== 118 || (t.charCodeAt(j + 2) | 32) !== 101 || t.charCodeAt(j + 3) !== Ch.DASH) continue;
    if (!allDigits(t, j + 4, j + 8) || t.charCodeAt(j + 8) !== Ch.DASH) continue;
    const year = Number(t.slice(j + 4, j + 8));
    if (year < 1999 || year > 2099) continue;
    let k = j + 9;
    while (k < b && isDigit(t.charCodeAt(k))) k++;
    const idLen = k - (j + 9);
    if (idLen < 4 || idLen > 7) continue;
    if (k < b && isAlnum(t.charCodeAt(k))) continue;
    emit(s, 'cve', t.slice(j, k).toUpperCase(), j, k);
    return true;
  }
  return false;
}

// AS15169, ASN15169, and "AS 15169" (upper-case only when spaced: "as 2" is prose).
function asnAt(s: State, a: number, b: number, e: number): number {
  const t = s.t;
  let p = a + 2;
  if ((t.charCodeAt(p) | 32) === 110) p++;
  let end = b;
  let digitsFrom = p;
  if (p === b) {
    // Spaced: "AS 15169" upper case only ("as 2" is prose); "asn 15169" in any case.
    if (p === a + 2 ? t.charCodeAt(a) !== 65 || t.charCodeAt(a + 1) !== 83 : !isWordCi(t, a, 'asn')) return -1;
    if (t.charCodeAt(b) !== Ch.SPACE || !isDigit(t.charCodeAt(b + 1))) return -1;
    digitsFrom = b + 1;
    end = digitsFrom;
    while (end < s.n && isDigit(t.charCodeAt(end))) end++;
    if (end < s.n && (isRunCode(t.charCodeAt(end)) || t.charCodeAt(end) === Ch.DOT)) return -1;
  } else if (!allDigits(t, p, b)) return -1;
  const digits = end - digitsFrom;
  if (digits < 1 || digits > 10) return -1;
  const num = Number(t.slice(digitsFrom, end));
  if (num < 1 || num > 4294967295) return -1;
  emit(s, 'asn', `AS${num}`, a, end);
  return Math.max(end, e);
}

/** A dotted quad at `t[a, b)`: an IPv4, a CIDR range (and its network address), or a schemeless URL's host. Returns where scanning goes on. */
function ipv4At(s: State, a: number, b: number): number {
  const t = s.t;
  const v = parseIpv4(t, a, b);
  if (v === null) return b;
  if (a >= s.urlInterior && versionContext(t, a)) return b;
  const scope = ipv4Scope(octets[0]!, octets[1]!, octets[2]!, octets[3]!);
  // CIDR: "/" + prefix length, not followed by more of a path or number
  if (t.charCodeAt(b) === Ch.SLASH && isDigit(t.charCodeAt(b + 1))) {
    let k = b + 1;
    while (k < s.n && k < b + 3 && isDigit(t.charCodeAt(k))) k++;
    const c = t.charCodeAt(k);
    const bits = Number(t.slice(b + 1, k));
    if (bits <= 32 && !isRunCode(c) && c !== Ch.DOT && c !== Ch.SLASH) {
      emit(s, 'cidr', `${v}/${bits}`, a, k, scope);
      // The network address is an address too: lists and lookups that hold IPs should see it.
      emit(s, 'ipv4', v, a, b, scope);
      return k;
    }
  }
  emit(s, 'ipv4', v, a, b, scope);
  return schemelessUrl(s, a, b, v, null, true);
}

/**
 * `host[:port]/path` written without a scheme (`evil.example/gate.php`, `1.2.3.4:8080/x`): reported as a
 * URL as written (host lower-cased), its path read like a URL's. Only at the start of a word, so parts of
 * paths (`/a/b.com/x`) and emails stay what they are. Returns where scanning goes on (`b` when it is not one).
 */
function schemelessUrl(s: State, a: number, b: number, host: string, reg: string | null, ip: boolean): number {
  const t = s.t;
  if (a < s.urlInterior || !startsWord(t.charCodeAt(a - 1))) return b;
  let u = b;
  if (t.charCodeAt(u) === Ch.COLON && isDigit(t.charCodeAt(u + 1))) {
    let k = u + 1;
    while (k < s.n && k < u + 7 && isDigit(t.charCodeAt(k))) k++;
    if (Number(t.slice(u + 1, k)) > 65535) return b;
    u = k;
  }
  if (t.charCodeAt(u) !== Ch.SLASH) return b;
  const c1 = t.charCodeAt(u + 1);
  // a path must follow, and for an address not a prefix length (that is a CIDR)
  if (!(c1 < 128 ? (CT[c1]! & F_URL) !== 0 && c1 !== Ch.SLASH : isWordNonAscii(c1)) || (ip && isDigit(c1) && u === b)) return b;
  const end = trimUrlEnd(t, u, urlPathEnd(t, u, s.n, t.charCodeAt(a - 1) === Ch.COMMA ? STOP_COMMA : 0));
  if (end <= u + 1) return b;
  emit(s, 'url', host + t.slice(b, end), a, end, undefined, reg);
  if (end > s.urlInterior) s.urlInterior = end;
  if (s.lowMark < u) s.lowMark = u;
  return u;
}

// What may come right before a schemeless URL: the start, a space, a quote, a bracket, a separator.
function startsWord(c: number): boolean {
  if (Number.isNaN(c) || c <= Ch.SPACE) return true;
  return c === 34 || c === Ch.QUOTE || c === Ch.LPAREN || c === Ch.LBRACK || c === 123 || c === Ch.LT || c === Ch.GT || c === Ch.EQ || c === Ch.COMMA || c === Ch.SEMI || c === Ch.COLON || c === 124 || c === 0x60;
}

// "version 1.2.3.4", "ver: 1.2.3.4", "Chrome/120.0.1.2": a dotted quad that is a version number.
function versionContext(t: string, a: number): boolean {
  const c = t.charCodeAt(a - 1);
  if (c === Ch.SLASH) return isAlpha(t.charCodeAt(a - 2)) || isDigit(t.charCodeAt(a - 2));
  let k = a - 1;
  while (k >= 0 && k >= a - 3) {
    const d = t.charCodeAt(k);
    if (d === Ch.SPACE || d === Ch.COLON || d === Ch.EQ || d === Ch.DOT || d === Ch.HASH) k--;
    else break;
  }
  if (k === a - 1) return false;
  let w = k;
  while (w >= 0 && k - w < 12 && isAlpha(t.charCodeAt(w))) w--;
  if (w === k) return false;
  return VERSION_WORDS.has(t.slice(w + 1, k + 1).toLowerCase());
}

// Pieces of a run separated by dots, dashes and underscores: hashes, Ethereum and Bitcoin addresses.
function subAtoms(s: State, a: number, b: number): void {
  const t = s.t;
  let p = a;
  for (let j = a; j <= b; j++) {
    const c = j < b ? t.charCodeAt(j) : Ch.DOT;
    if (c === Ch.DOT || c === Ch.DASH || c === Ch.US) {
      if (j - p >= 26) atom(s, p, j);
      p = j + 1;
    }
  }
}

function atom(s: State, a: number, b: number): void {
  const t = s.t;
  const len = b - a;
  if (len === 32 || len === 40 || len === 64 || len === 128) {
    if (allHex(t, a, b)) {
      const type: IocType = len === 32 ? 'md5' : len === 40 ? 'sha1' : len === 64 ? 'sha256' : 'sha512';
      emit(s, type, t.slice(a, b).toLowerCase(), a, b);
      return;
    }
  }
  if (len === 42 && t.charCodeAt(a) === 48 && (t.charCodeAt(a + 1) | 32) === 120 && allHex(t, a + 2, b)) {
    emit(s, 'eth', t.slice(a, b), a, b);
    return;
  }
  if ((s.cfg.want & B.btc) === 0) return;
  const c0 = t.charCodeAt(a);
  if ((c0 === 49 || c0 === 51) && len <= 35) {
    const v = t.slice(a, b);
    if (isBase58Address(v)) emit(s, 'btc', v, a, b);
    return;
  }
  if ((c0 | 32) === 98 && len >= 14 && len <= 74) {
    const v = t.slice(a, b);
    const lower = v.toLowerCase();
    // bech32 is single-case: all lower or all upper
    if ((v === lower || v === v.toUpperCase()) && isBech32Address(lower)) emit(s, 'btc', lower, a, b);
  }
}

/**
 * Validate `t[a, b)` as a host name. Returns where the domain starts (in bare text a valid suffix of the
 * run is accepted, e.g. after a label with a leading hyphen), or -1. On success leaves the punycode value,
 * the registrable domain and the Unicode form (IDNs only) in s.dValue / s.dReg / s.dUnicode.
 */
function checkDomain(s: State, a0: number, b: number, ctx: Ctx): number {
  const t = s.t;
  let a = a0;
  if (b - a > 253) {
    if (ctx !== Ctx.Bare) return -1;
    a = b - 253;
    while (a < b && t.charCodeAt(a - 1) !== Ch.DOT) a++;
  }
  let validFrom = a;
  let labelStart = a;
  let labels = 0;
  let lastLabel = a;
  let prevLabel = -1;
  let lastUnderscore = -1;
  let nonAscii = false;
  for (let j = a; j <= b; j++) {
    const c = j < b ? t.charCodeAt(j) : Ch.DOT;
    if (c === Ch.DOT) {
      const len = j - labelStart;
      if (len < 1 || len > 63 || t.charCodeAt(labelStart) === Ch.DASH || t.charCodeAt(j - 1) === Ch.DASH) {
        validFrom = j + 1;
        labels = 0;
      } else labels++;
      prevLabel = lastLabel;
      lastLabel = labelStart;
      labelStart = j + 1;
    } else if (c === Ch.US) lastUnderscore = j;
    else if (c >= 128) nonAscii = true;
  }
  if (labels < 2 || validFrom > prevLabel) return -1;
  if (ctx !== Ctx.Bare && validFrom !== a0) return -1;
  // the registrable label and the TLD may not hold underscores (deeper labels may: _dmarc, x_y.duckdns.org)
  if (lastUnderscore >= prevLabel) return -1;
  // TLD: letters only (ASCII or IDN), or punycode
  const tldLen = b - lastLabel;
  if (tldLen < 2) return -1;
  let tldUpper = 0;
  let tldLower = 0;
  if (!(tldLen > 4 && t.startsWith('xn--', lastLabel))) {
    for (let j = lastLabel; j < b; j++) {
      const c = t.charCodeAt(j);
      if (c >= 128) continue;
      if (!(CT[c]! & F_ALPHA)) return -1;
      if (c <= 90) tldUpper++;
      else tldLower++;
    }
  }
  if (tldUpper > 0 && ctx === Ctx.Bare && !caseLooksLikeHost(t, validFrom, lastLabel, tldLower)) return -1;
  let host = t.slice(validFrom, b).toLowerCase();
  let unicode: string | undefined;
  if (nonAscii) {
    const ascii = domainToASCII(host);
    if (ascii === '') return -1;
    unicode = host;
    host = ascii;
  }
  const tld = host.slice(host.lastIndexOf('.') + 1);
  const info = domainInfo(host);
  let reg = info.registrable;
  if (info.icann) {
    if (reg === null) return -1;
  } else {
    if (s.cfg.strictTld || FILE_EXTENSIONS.has(tld)) return -1;
    if (reg === null) reg = host.slice(host.lastIndexOf('.', host.length - tld.length - 2) + 1);
  }
  if (ctx === Ctx.Bare) {
    const prev = t.charCodeAt(validFrom - 1);
    const pathy = (prev === Ch.SLASH || prev === Ch.BSLASH) && t.charCodeAt(validFrom - 2) !== Ch.SLASH;
    if (AMBIGUOUS_TLDS.has(tld) && (pathy || labels === 2) && !hostContext(s, validFrom, b)) return -1;
  }
  s.dValue = host;
  s.dReg = reg;
  s.dUnicode = unicode;
  return validFrom;
}

// Upper case in a TLD is fine when the whole name is upper case (EXAMPLE.COM); Title-case or mixed names
// (System.Net, Example.Com, www.EXAMPLE.COM) are identifiers in code and prose, not hosts.
function caseLooksLikeHost(t: string, a: number, lastLabel: number, tldLower: number): boolean {
  if (tldLower > 0) return false;
  for (let j = a; j < lastLabel; j++) {
    const c = t.charCodeAt(j);
    if (c >= 97 && c <= 122) return false;
  }
  return true;
}

function hostContext(s: State, a: number, b: number): boolean {
  const t = s.t;
  const next = t.charCodeAt(b);
  if (next === Ch.SLASH) return true;
  if (next === Ch.COLON && isDigit(t.charCodeAt(b + 1))) return true;
  return replacedWithin(s.map, a, b);
}

function tryUrl(s: State, a: number, b: number): number {
  const t = s.t;
  const n = s.n;
  if (b - a > 7) return -1;
  const scheme = t.slice(a, b).toLowerCase();
  if (!SCHEMES.has(scheme)) return -1;
  const nested = a < s.urlInterior;
  if (nested && s.nestedUrls >= MAX_NESTED_URLS) return -1;
  const p = b + 3;
  // authority: up to the first / ? # or non-URL character; userinfo ends at its last @
  let q = p;
  let at = -1;
  while (q < n) {
    const c = t.charCodeAt(q);
    if (c === Ch.SLASH || c === Ch.QMARK || c === Ch.HASH) break;
    if (c < 128) {
      if (!(CT[c]! & F_URL)) break;
      if (c === Ch.AT) at = q;
    } else if (!isWordNonAscii(c)) break;
    q++;
  }
  const h = at >= 0 ? at + 1 : p;
  let hostEnd: number;
  let hostType: IocType;
  let hostValue: string;
  let scope: IpScope | undefined;
  let reg: string | null = null;
  let unicode: string | undefined;
  if (t.charCodeAt(h) === Ch.LBRACK) {
    const close = t.indexOf(']', h);
    if (close < 0 || close > q || !isIpv6(t, h + 1, close)) return -1;
    hostEnd = close + 1;
    hostType = 'ipv6';
    hostValue = t.slice(h + 1, close).toLowerCase();
    scope = ipScope(hostValue);
  } else {
    hostEnd = runEnd(t, h, n);
    if (hostEnd === h) return -1;
    const v4 = parseIpv4(t, h, hostEnd);
    if (v4 !== null) {
      hostType = 'ipv4';
      hostValue = v4;
      scope = ipv4Scope(octets[0]!, octets[1]!, octets[2]!, octets[3]!);
    } else {
      if (checkDomain(s, h, hostEnd, Ctx.UrlHost) < 0) return -1;
      hostType = 'domain';
      hostValue = s.dValue;
      reg = s.dReg;
      unicode = s.dUnicode;
    }
  }
  let u = hostEnd;
  if (t.charCodeAt(u) === Ch.COLON && isDigit(t.charCodeAt(u + 1))) {
    let k = u + 1;
    while (k < n && k < u + 7 && isDigit(t.charCodeAt(k))) k++;
    if (Number(t.slice(u + 1, k)) <= 65535 && !isRunCode(t.charCodeAt(k))) u = k;
  }
  let end = u;
  const c = t.charCodeAt(u);
  if (c === Ch.SLASH || c === Ch.QMARK || c === Ch.HASH) {
    // A URL that is a field of a comma-separated line ends at the next comma; one that is a query or
    // key=value value (`?q=http://x/y&sa=D`) ends where that value does, unless it has a query of its own.
    const before = t.charCodeAt(a - 1);
    const stops = (before === Ch.COMMA ? STOP_COMMA : 0) | (before === Ch.EQ ? STOP_AMP : 0);
    end = trimUrlEnd(t, u, urlPathEnd(t, u, n, stops));
  }
  if (nested) s.nestedUrls++;
  else s.nestedUrls = 0;
  const hostText = hostType === 'ipv4' ? hostValue : t.slice(h, hostEnd).toLowerCase();
  const value = scheme + t.slice(b, h) + hostText + t.slice(hostEnd, end);
  emit(s, 'url', value, a, end, undefined, reg);
  if (hostType === 'ipv6') emit(s, 'ipv6', hostValue, h + 1, hostEnd - 1, scope);
  else if (hostType === 'ipv4') emit(s, 'ipv4', hostValue, h, hostEnd, scope);
  else emit(s, 'domain', hostValue, h, hostEnd, undefined, reg, unicode);
  if (end > u) {
    // Scan the path and query too (redirect targets, emails, hashes), but read nothing there as a bare
    // domain or file path.
    if (end > s.urlInterior) s.urlInterior = end;
    if (s.lowMark < u) s.lowMark = u;
    return u;
  }
  if (s.lowMark < end) s.lowMark = end;
  return end;
}

const STOP_COMMA = 1;
const STOP_AMP = 2;

function urlPathEnd(t: string, u: number, n: number, stops = 0): number {
  let depth = 0;
  let j = u;
  while (j < n) {
    const c = t.charCodeAt(j);
    if (c < 128) {
      if (!(CT[c]! & F_URL)) break;
      if (stops !== 0) {
        if (c === Ch.COMMA && (stops & STOP_COMMA) !== 0) break;
        if (c === Ch.AMP && (stops & STOP_AMP) !== 0) break;
        if (c === Ch.QMARK) stops &= ~STOP_AMP;
      }
      // `,http://…`: a comma right before another URL separates the two
      if (c === Ch.COMMA && t.charCodeAt(j + 1) === 104 && /^https?:\/\//i.test(t.slice(j + 1, j + 9))) break;
      if (c === Ch.LPAREN || c === Ch.LBRACK) depth++;
      else if (c === Ch.RPAREN || c === Ch.RBRACK) {
        // a closing bracket the URL did not open belongs to the surrounding text: (http://x) [x](http://y)
        if (depth === 0) break;
        depth--;
      }
    } else if (!isWordNonAscii(c)) break;
    j++;
  }
  return j;
}

function trimUrlEnd(t: string, min: number, end: number): number {
  let e = end;
  while (e > min + 1) {
    const c = t.charCodeAt(e - 1);
    if (c === Ch.DOT || c === Ch.COMMA || c === Ch.SEMI || c === Ch.COLON || c === Ch.BANG || c === Ch.QMARK || c === Ch.STAR || c === Ch.QUOTE) e--;
    else break;
  }
  return e;
}

const LOCAL_MAX = 64;

function tryEmail(s: State, a: number, b: number): number {
  const t = s.t;
  let ls = a;
  const floor = Math.max(s.lowMark, a - LOCAL_MAX);
  while (ls > floor) {
    const c = t.charCodeAt(ls - 1);
    if (c < 128 && ((CT[c]! & (F_LOCAL | F_LABEL)) !== 0 || c === Ch.DOT)) ls--;
    else break;
  }
  while (ls < b && !isAlnum(t.charCodeAt(ls))) ls++;
  if (ls >= b || b - ls > LOCAL_MAX) return -1;
  const d = b + 1;
  const de = runEnd(t, d, s.n);
  if (de === d || checkDomain(s, d, de, Ctx.EmailDomain) < 0) {
    if (s.lowMark < b) s.lowMark = b;
    return -1;
  }
  const value = `${t.slice(ls, b).toLowerCase()}@${s.dValue}`;
  emit(s, 'email', value, ls, de, undefined, s.dReg);
  emit(s, 'domain', s.dValue, d, de, undefined, s.dReg, s.dUnicode);
  s.lowMark = de;
  return de;
}

function tryIpv6(s: State, start: number): number {
  if (start < s.v6Mark) return -1;
  const t = s.t;
  const n = s.n;
  let j = start;
  while (j < n) {
    const c = t.charCodeAt(j);
    if (isHex(c) || c === Ch.COLON || c === Ch.DOT) j++;
    else break;
  }
  let end = j;
  while (end > start && t.charCodeAt(end - 1) === Ch.DOT) end--;
  if (t.charCodeAt(end - 1) === Ch.COLON && t.charCodeAt(end - 2) !== Ch.COLON) end--;
  if (end - start < 3 || isRunCode(t.charCodeAt(end)) || !isIpv6(t, start, end)) {
    s.v6Mark = j;
    return -1;
  }
  let z = end;
  if (t.charCodeAt(z) === Ch.PERCENT && isAlnum(t.charCodeAt(z + 1))) {
    z++;
    while (z < n && isAlnum(t.charCodeAt(z))) z++;
  }
  const value = t.slice(start, end).toLowerCase();
  const scope = ipScope(value);
  s.v6Mark = z;
  if (t.charCodeAt(z) === Ch.SLASH && isDigit(t.charCodeAt(z + 1))) {
    let k = z + 1;
    while (k < n && k < z + 4 && isDigit(t.charCodeAt(k))) k++;
    const bits = Number(t.slice(z + 1, k));
    if (bits <= 128 && !isRunCode(t.charCodeAt(k)) && t.charCodeAt(k) !== Ch.DOT) {
      emit(s, 'cidr', `${value}/${bits}`, start, k, scope);
      return k;
    }
  }
  emit(s, 'ipv6', value, start, end, scope);
  return z;
}

// ---- file paths and registry keys ----

// After a space inside a Windows path: accept up to three more space-separated words if a backslash
// (or the path's separator) follows them ("Program Files (x86)\", "Windows NT\"). Bounded, so linear.
function spaceContinues(t: string, j: number, n: number, fwd: boolean): number {
  let q = j + 1;
  let words = 0;
  const first = t.charCodeAt(q);
  if (first === Ch.PERCENT || first === Ch.DASH || first === Ch.LT) return -1;
  let wordStart = q;
  while (q < n && q - j < 64) {
    const c = t.charCodeAt(q);
    if (c === Ch.BSLASH || (fwd && c === Ch.SLASH)) {
      // The next word is the root of another key (`… HKCU\x`): the first one ended.
      if (t.charCodeAt(q - 1) === Ch.SPACE || startsKey(t, wordStart, q)) return -1;
      return q;
    }
    if (c === Ch.SPACE) {
      wordStart = q + 1;
      if (t.charCodeAt(q - 1) === Ch.SPACE || ++words > 3) return -1;
      q++;
      continue;
    }
    if ((c < 128 && (CT[c]! & F_WINSEG) !== 0) || (c >= 128 && isWordNonAscii(c))) {
      q++;
      continue;
    }
    return -1;
  }
  return -1;
}

/** End of a `<placeholder>` at `j` (`<SID>`, `<user name>`), or -1. */
function placeholderEnd(t: string, j: number, n: number): number {
  let k = j + 1;
  while (k < n && k - j <= 40) {
    const c = t.charCodeAt(k);
    // a whole segment: `\<SID>\…` or at the end, not `x<b>`
    if (c === Ch.GT) return k > j + 1 && (t.charCodeAt(k + 1) === Ch.BSLASH || !(t.charCodeAt(k + 1) < 128 && (CT[t.charCodeAt(k + 1)]! & F_WINSEG) !== 0)) ? k + 1 : -1;
    if (!(c < 128 && ((CT[c]! & F_LABEL) !== 0 || c === Ch.SPACE))) return -1;
    k++;
  }
  return -1;
}

/** `t[a, b)` (the word before a backslash) is a registry root (`HKCU`, `HKEY_USERS`). */
function startsKey(t: string, a: number, b: number): boolean {
  return b - a <= 21 && b - a >= 3 && REGISTRY_ROOTS.has(t.slice(a, b).toUpperCase());
}

/** End of Windows path segments starting at p (after the root). */
function winPathEnd(t: string, p: number, n: number, fwd: boolean, placeholders = false): number {
  let j = p;
  let depth = 0;
  // A segment with a dot is a file name: a space after it ends the path (`C:\x\a.dll C:\y`, `cmd.exe /c`).
  let segDot = false;
  while (j < n) {
    const c = t.charCodeAt(j);
    if (c === Ch.BSLASH || (fwd && c === Ch.SLASH)) {
      segDot = false;
      j++;
      continue;
    }
    // Registry keys in write-ups name per-user parts with placeholders: HKEY_USERS\<SID>\Software\…
    if (c === Ch.LT && placeholders) {
      const k = t.charCodeAt(j - 1) === Ch.BSLASH ? placeholderEnd(t, j, n) : -1;
      if (k > 0) {
        j = k;
        continue;
      }
      break;
    }
    if (c < 128) {
      if (CT[c]! & F_WINSEG) {
        if (c === Ch.DOT) segDot = true;
        else if (c === Ch.LPAREN) depth++;
        else if (c === Ch.RPAREN) {
          if (depth === 0) break;
          depth--;
        }
        j++;
        continue;
      }
      if (c === Ch.SPACE && !segDot) {
        const k = spaceContinues(t, j, n, fwd);
        if (k > 0) {
          j = k;
          continue;
        }
      }
      break;
    }
    if (isWordNonAscii(c)) {
      j++;
      continue;
    }
    break;
  }
  while (j > p && t.charCodeAt(j - 1) === Ch.DOT) j--;
  return j;
}

function tryWinPath(s: State, a: number, p: number): number {
  const t = s.t;
  const fwd = t.charCodeAt(p - 1) === Ch.SLASH;
  const end = winPathEnd(t, p, s.n, fwd);
  if (end <= p || t.charCodeAt(p) === Ch.SPACE) return -1;
  emit(s, 'filepath', t.slice(a, end), a, end);
  if (s.lowMark < end) s.lowMark = end;
  return end;
}

function tryRegistry(s: State, a: number, p: number): number {
  const t = s.t;
  const end = winPathEnd(t, p, s.n, false, true);
  if (end <= p) return -1;
  emit(s, 'registry', t.slice(a, end), a, end);
  if (s.lowMark < end) s.lowMark = end;
  return end;
}

const KERNEL_ROOTS = ['device\\', 'systemroot\\', '??\\', 'global??\\'];

function onBackslash(s: State, i: number): number {
  const t = s.t;
  const n = s.n;
  const prev = t.charCodeAt(i - 1);
  if (isRunCode(prev) || prev === Ch.BSLASH || prev === Ch.DOT || i < s.urlInterior) return i + 1;
  if (t.charCodeAt(i + 1) === Ch.BSLASH) {
    const c2 = t.charCodeAt(i + 2);
    // \\?\C:\… and \\.\pipe\…
    if ((c2 === Ch.QMARK || c2 === Ch.DOT) && t.charCodeAt(i + 3) === Ch.BSLASH) {
      const end = winPathEnd(t, i + 4, n, false);
      if (end > i + 4) {
        emit(s, 'filepath', t.slice(i, end), i, end);
        return end;
      }
      return i + 4;
    }
    // UNC: \\host\share\… (\\host@SSL\… for WebDAV)
    const h = i + 2;
    const he = runEnd(t, h, n);
    const after = t.charCodeAt(he);
    if (he === h || (after !== Ch.BSLASH && after !== Ch.AT)) return i + 2;
    const end = winPathEnd(t, he, n, false);
    if (end <= he + 1) return he;
    emit(s, 'filepath', t.slice(i, end), i, end);
    const v4 = parseIpv4(t, h, he);
    if (v4 !== null) emit(s, 'ipv4', v4, h, he, ipv4Scope(octets[0]!, octets[1]!, octets[2]!, octets[3]!));
    else if (checkDomain(s, h, he, Ctx.UncHost) >= 0) emit(s, 'domain', s.dValue, h, he, undefined, s.dReg, s.dUnicode);
    if (s.lowMark < end) s.lowMark = end;
    return end;
  }
  const head = t.slice(i + 1, i + 13).toLowerCase();
  if (head.startsWith('registry\\')) {
    const end = winPathEnd(t, i + 10, n, false);
    if (end > i + 10) {
      emit(s, 'registry', t.slice(i, end), i, end);
      return end;
    }
    return i + 10;
  }
  for (const root of KERNEL_ROOTS) {
    if (head.startsWith(root)) {
      const p = i + 1 + root.length;
      const end = winPathEnd(t, p, n, false);
      if (end > p) {
        emit(s, 'filepath', t.slice(i, end), i, end);
        return end;
      }
      return p;
    }
  }
  return i + 1;
}

// %APPDATA%\x.exe, %ProgramFiles(x86)%\…
function onPercent(s: State, i: number): number {
  const t = s.t;
  if (isRunCode(t.charCodeAt(i - 1)) || i < s.urlInterior) return i + 1;
  let j = i + 1;
  while (j < s.n && j - i < 40) {
    const c = t.charCodeAt(j);
    if ((c < 128 && (CT[c]! & F_LABEL) !== 0) || c === Ch.LPAREN || c === Ch.RPAREN) j++;
    else break;
  }
  if (j === i + 1 || t.charCodeAt(j) !== Ch.PERCENT || t.charCodeAt(j + 1) !== Ch.BSLASH) return i + 1;
  const p = j + 2;
  const end = winPathEnd(t, p, s.n, false);
  if (end <= p) return p;
  emit(s, 'filepath', t.slice(i, end), i, end);
  return end;
}

function unixPathEnd(t: string, p: number, n: number): number {
  let j = p;
  while (j < n) {
    const c = t.charCodeAt(j);
    if ((c < 128 && (CT[c]! & F_UNIX) !== 0) || (c >= 128 && isWordNonAscii(c))) j++;
    else break;
  }
  while (j > p && t.charCodeAt(j - 1) === Ch.DOT) j--;
  return j;
}

// Absolute Unix paths under a well-known root (/etc/passwd, /tmp/x.sh): web request paths (/api/v1/…)
// and fractions are not file paths.
function onSlash(s: State, i: number): number {
  const t = s.t;
  const n = s.n;
  if (i < s.urlInterior) return i + 1;
  const prev = t.charCodeAt(i - 1);
  if (isRunCode(prev) || prev === Ch.DOT || prev === Ch.SLASH || prev === Ch.BSLASH || prev === Ch.STAR) return i + 1;
  let j = i + 1;
  while (j < n && j - i < 16 && isAlnum(t.charCodeAt(j))) j++;
  if (t.charCodeAt(j) !== Ch.SLASH || !UNIX_ROOTS.has(t.slice(i + 1, j))) {
    // `/enc …`: PowerShell takes `/` for `-` too
    if (s.marks !== null && (t.charCodeAt(i + 1) | 32) === 101 && j < n && t.charCodeAt(j) <= Ch.SPACE) mark(s, i, MARK_PS_FLAG);
    return j > i + 1 ? j : i + 1;
  }
  const end = unixPathEnd(t, j + 1, n);
  if (end <= j + 1) return j + 1;
  const v = t.slice(i, end);
  if (v !== '/dev/null') emit(s, 'filepath', v, i, end);
  return end;
}

function onTilde(s: State, i: number): number {
  const t = s.t;
  if (i < s.urlInterior || isRunCode(t.charCodeAt(i - 1)) || t.charCodeAt(i + 1) !== Ch.SLASH) return i + 1;
  const end = unixPathEnd(t, i + 2, s.n);
  if (end <= i + 2) return i + 2;
  emit(s, 'filepath', t.slice(i, end), i, end);
  return end;
}

