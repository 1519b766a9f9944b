// Character classes for the scanners. A 128-entry table keeps the per-character cost of the hot loops
// to one array read; anything above ASCII goes through isWordNonAscii.

export const F_DIGIT = 1;
export const F_HEX = 2;
export const F_ALPHA = 4;
/** Letters, digits, `-` and `_`: what a token run is made of (dots are handled by the scanner). */
export const F_LABEL = 8;
/** Allowed inside a URL's path, query or fragment. */
export const F_URL = 16;
/** Allowed in an email local part besides label characters and dots. */
export const F_LOCAL = 32;
/** Base58 alphabet (Bitcoin). */
export const F_B58 = 64;
/** Allowed inside a Windows path or registry key segment (space is handled by look-ahead). */
export const F_WINSEG = 128;
/** Allowed inside a Unix path. */
export const F_UNIX = 256;

export const CT = new Uint16Array(128);

(function build() {
  for (let c = 48; c <= 57; c++) CT[c]! |= F_DIGIT | F_HEX | F_LABEL;
  for (let c = 65; c <= 90; c++) CT[c]! |= F_ALPHA | F_LABEL;
  for (let c = 97; c <= 122; c++) CT[c]! |= F_ALPHA | F_LABEL;
  for (const ch of 'abcdefABCDEF') CT[ch.charCodeAt(0)]! |= F_HEX;
  CT[45]! |= F_LABEL; // -
  CT[95]! |= F_LABEL; // _
  // RFC 3986 unreserved + reserved, minus the quote and the characters that end URLs in prose and markup.
  for (const ch of "-._~:/?#[]@!$&()*+,;=%") CT[ch.charCodeAt(0)]! |= F_URL;
  for (let c = 48; c < 128; c++) if (CT[c]! & F_LABEL) CT[c]! |= F_URL;
  for (const ch of "+!#$%&*^~'") CT[ch.charCodeAt(0)]! |= F_LOCAL;
  for (const ch of '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz') CT[ch.charCodeAt(0)]! |= F_B58;
  for (let c = 33; c < 127; c++) if (!'\\/:*?"<>|,;\''.includes(String.fromCharCode(c))) CT[c]! |= F_WINSEG;
  for (let c = 33; c < 127; c++) if (!'"\'<>|;,`(){}[]:=&$\\'.includes(String.fromCharCode(c))) CT[c]! |= F_UNIX;
})();

/**
 * Non-ASCII code units that can belong to a word (IDN labels, IRIs). Everything is a letter except the
 * punctuation, symbol and space blocks below, which end words the way ASCII punctuation does.
 */
export function isWordNonAscii(c: number): boolean {
  if (!(c >= 0xc0)) return false; // C1 controls, NBSP, Latin-1 punctuation and symbols; NaN past the end
  if (c === 0xd7 || c === 0xf7) return false;
  if (c >= 0x2000 && c <= 0x2bff) return false; // general punctuation, arrows, maths, box drawing
  if (c >= 0x3000 && c <= 0x303f) return false; // CJK punctuation
  if (c >= 0xd800 && c <= 0xdfff) return false; // surrogates: emoji and other astral symbols
  if (c >= 0xfe30 && c <= 0xfe4f) return false;
  if (c === 0xfeff) return false;
  if (c >= 0xff00 && c <= 0xff0f) return false; // fullwidth punctuation
  if (c >= 0xff1a && c <= 0xff20) return false;
  if (c >= 0xff3b && c <= 0xff40) return false;
  if (c >= 0xff5b && c <= 0xff65) return false;
  return true;
}

/** A letter, digit or IDN letter: what may sit on either side of a defang token. */
export function isWordCode(c: number): boolean {
  if (c < 128) return (CT[c]! & (F_ALPHA | F_DIGIT)) !== 0;
  return isWordNonAscii(c);
}

/** A code unit that continues a token run: label characters and IDN letters. */
export function isRunCode(c: number): boolean {
  if (c < 128) return (CT[c]! & F_LABEL) !== 0;
  return isWordNonAscii(c);
}
