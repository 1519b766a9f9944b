// Pure validators over slices of a string (start/end indexes rather than substrings, so the scanner
// does not allocate for candidates that fail).
import { createHash } from 'node:crypto';
import { CT, F_B58, F_DIGIT, F_HEX } from './chars.js';

function isHexCode(c: number): boolean {
  return c < 128 && (CT[c]! & F_HEX) !== 0;
}
function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Octets of the last dotted quad accepted by {@link parseIpv4}. */
export const octets = [0, 0, 0, 0];

/**
 * Parse `t[a, b)` as a dotted quad: four parts of one to three digits, each at most 255. Leading zeros are
 * accepted and dropped (`010.001.002.003` → `10.1.2.3`: decimal, as most log producers mean it, not the
 * octal a C resolver would read). Returns the normalized address or null.
 */
export function parseIpv4(t: string, a: number, b: number): string | null {
  let part = 0;
  let digits = 0;
  let k = 0;
  for (let j = a; j <= b; j++) {
    const c = j < b ? t.charCodeAt(j) : 46;
    if (c === 46) {
      if (digits === 0 || part > 255 || k > 3) return null;
      octets[k++] = part;
      part = 0;
      digits = 0;
    } else if (isDigitCode(c)) {
      if (++digits > 3) return null;
      part = part * 10 + (c - 48);
    } else return null;
  }
  if (k !== 4) return null;
  return `${octets[0]}.${octets[1]}.${octets[2]}.${octets[3]}`;
}

/**
 * True when `t[a, b)` is an IPv6 address in any of its textual forms (full, `::`-compressed, with an
 * embedded dotted quad). A bare `::` is rejected, and so is an address without a single decimal digit
 * (`dead::beef`, `Ab::Cd`): those are far more often code than addresses.
 */
export function isIpv6(t: string, a: number, b: number): boolean {
  let groups = 0;
  let dbl = false;
  let i = a;
  let sawDigit = false;
  if (t.charCodeAt(a) === 58) {
    if (t.charCodeAt(a + 1) !== 58) return false;
    dbl = true;
    i = a + 2;
    if (i >= b) return false;
  }
  while (i < b) {
    let g = i;
    while (g < b && isHexCode(t.charCodeAt(g))) {
      if (isDigitCode(t.charCodeAt(g))) sawDigit = true;
      g++;
    }
    if (g < b && t.charCodeAt(g) === 46) {
      if (parseIpv4(t, i, b) === null) return false;
      groups += 2;
      sawDigit = true;
      break;
    }
    const len = g - i;
    if (len === 0 || len > 4) return false;
    groups++;
    if (g >= b) break;
    if (t.charCodeAt(g) !== 58) return false;
    if (t.charCodeAt(g + 1) === 58) {
      if (dbl) return false;
      dbl = true;
      i = g + 2;
    } else {
      i = g + 1;
      if (i >= b) return false;
    }
  }
  if (!sawDigit) return false;
  return dbl ? groups <= 7 : groups === 8;
}

/** True when `t[a, b)` is entirely hexadecimal digits. */
export function allHex(t: string, a: number, b: number): boolean {
  for (let j = a; j < b; j++) if (!isHexCode(t.charCodeAt(j))) return false;
  return true;
}

/** True when `t[a, b)` is entirely decimal digits. */
export function allDigits(t: string, a: number, b: number): boolean {
  for (let j = a; j < b; j++) {
    const c = t.charCodeAt(j);
    if (c >= 128 || (CT[c]! & F_DIGIT) === 0) return false;
  }
  return b > a;
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B58_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < B58.length; i++) B58_INDEX[B58.charCodeAt(i)] = i;

/**
 * True when `s` is a legacy Bitcoin address (P2PKH `1…` or P2SH `3…`) whose Base58Check checksum holds.
 * The checksum is what separates an address from any other 26–35 character token.
 */
export function isBase58Address(s: string): boolean {
  const first = s.charCodeAt(0);
  if ((first !== 49 && first !== 51) || s.length < 26 || s.length > 35) return false;
  const bytes = new Uint8Array(25);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CT[c]! & F_B58) === 0) return false;
    let carry = B58_INDEX[c]!;
    for (let k = 24; k >= 0; k--) {
      carry += bytes[k]! * 58;
      bytes[k] = carry & 0xff;
      carry >>= 8;
    }
    if (carry !== 0) return false;
  }
  const version = bytes[0];
  if (version !== 0 && version !== 5) return false;
  const h1 = createHash('sha256').update(bytes.subarray(0, 21)).digest();
  const h2 = createHash('sha256').update(h1).digest();
  for (let k = 0; k < 4; k++) if (h2[k] !== bytes[21 + k]) return false;
  return true;
}

const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < BECH32.length; i++) BECH32_INDEX[BECH32.charCodeAt(i)] = i;
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

/** True when `s` (lower-case) is a SegWit `bc1…` address with a valid bech32 or bech32m checksum. */
export function isBech32Address(s: string): boolean {
  if (s.length < 14 || s.length > 74 || !s.startsWith('bc1')) return false;
  let chk = 1;
  const step = (v: number): void => {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i]!;
  };
  // hrp "bc" expanded: high bits, 0, low bits
  step(98 >>> 5); step(99 >>> 5); step(0); step(98 & 31); step(99 & 31);
  for (let i = 3; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? BECH32_INDEX[c]! : -1;
    if (v < 0) return false;
    step(v);
  }
  chk >>>= 0;
  return chk === 1 || chk === 0x2bc830a3;
}
