// Word scanning for the wording checks. A message's visible text can be hundreds of kilobytes, and
// only a handful of its words start a lure phrase: words are found and hashed in one pass over the
// folded text, and only those whose hash starts a phrase are cut out as strings and compared.

/** Lower case, and compatibility forms folded (NFKC: 𝐔𝐫𝐠𝐞𝐧𝐭 → urgent) when the text is not plain ASCII. */
export function foldText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\u0000-\u007f]/.test(s) ? s.normalize('NFKC').toLowerCase() : s.toLowerCase();
}

/**
 * A letter or digit of folded text: ASCII a–z and 0–9, and beyond ASCII everything that is not
 * punctuation, a symbol, a space, a combining mark or an emoji (surrogate halves). Close to
 * `[\p{L}\p{N}]` without a Unicode table lookup per character.
 */
export function isWordCode(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
  if (c < 0xc0) return c === 0xaa || c === 0xb5 || c === 0xba;
  if (c === 0xd7 || c === 0xf7) return false;
  if (c >= 0x300 && c <= 0x36f) return false;
  if (c >= 0x2000 && c <= 0x2bff) return false;
  if (c >= 0x3000 && c <= 0x303f) return false;
  if (c >= 0xd800 && c <= 0xdfff) return false;
  if (c >= 0xfe00 && c <= 0xfe6f) return false;
  if (c >= 0xff00 && c <= 0xff0f) return false;
  return c < 0xfff0;
}

// Character classes for every UTF-16 code unit: 1 word character, 2 joiner (' ’ -), 0 anything else.
const CLASS = new Uint8Array(65536);
for (let c = 0; c < 65536; c++) CLASS[c] = isWordCode(c) ? 1 : 0;
CLASS[39] = 2;
CLASS[0x2019] = 2;
CLASS[45] = 2;

// Where a written URL ends: white space, quotes, brackets.
const URL_END = new Uint8Array(65536);
for (const c of ' \t\n\r\f\v"\'<>()[]{}\u00a0') URL_END[c.charCodeAt(0)] = 1;
for (let c = 0; c < 32; c++) URL_END[c] = 1;

/** Only ASCII letters and digits are word characters; nothing joins words. */
export const ASCII_ALNUM = new Uint8Array(65536);
for (let c = 48; c <= 57; c++) ASCII_ALNUM[c] = 1;
for (let c = 97; c <= 122; c++) ASCII_ALNUM[c] = 1;
for (let c = 65; c <= 90; c++) ASCII_ALNUM[c] = 1;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/** The hash the scanner gives a word (’ counts as '). */
export function wordHash(word: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    h = Math.imul(h ^ (c === 0x2019 ? 39 : c), FNV_PRIME);
  }
  return h;
}

/** Words of a folded text: offsets, each word's hash, and the hash of the word less its last letter (plurals). */
export interface Words {
  text: string;
  n: number;
  start: Int32Array;
  end: Int32Array;
  hash: Int32Array;
  stem: Int32Array;
}

// Offsets and hashes live in buffers reused from call to call (a large text has a hundred thousand
// words): a Words result is valid until the next scanWords call.
let cap = 0;
let bufStart = new Int32Array(0);
let bufEnd = new Int32Array(0);
let bufHash = new Int32Array(0);
let bufStem = new Int32Array(0);

function ensure(n: number): void {
  if (n <= cap) return;
  cap = Math.max(n, cap * 2, 1024);
  bufStart = new Int32Array(cap);
  bufEnd = new Int32Array(cap);
  bufHash = new Int32Array(cap);
  bufStem = new Int32Array(cap);
}

/**
 * Splits folded text into words (letters and digits, joined by ' ’ -), at most `max` of them; `classes`
 * may be ASCII_ALNUM instead (only a–z and 0–9 are word characters, nothing joins). Unless
 * `own` is set, the result shares buffers with the next call: use it before scanning another text.
 * With `skipUrls`, addresses written as `scheme://…` are not read as words.
 */
export function scanWords(text: string, max = 100_000, own = false, classes: Uint8Array = CLASS, skipUrls = false): Words {
  const limit = Math.min(max, (text.length >> 1) + 1);
  if (!own) ensure(limit);
  const start = own ? new Int32Array(limit) : bufStart;
  const end = own ? new Int32Array(limit) : bufEnd;
  const hash = own ? new Int32Array(limit) : bufHash;
  const stem = own ? new Int32Array(limit) : bufStem;
  let n = 0;
  const len = text.length;
  let from = -1;
  let h = FNV_OFFSET;
  let prev = FNV_OFFSET;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    const k = classes[c]!;
    if (k === 1 || (k === 2 && from >= 0 && i + 1 < len && classes[text.charCodeAt(i + 1)] === 1)) {
      if (from < 0) {
        from = i;
        h = FNV_OFFSET;
      }
      prev = h;
      h = Math.imul(h ^ (c === 0x2019 ? 39 : c), FNV_PRIME);
      continue;
    }
    if (from < 0) continue;
    // "https://…": a web address is not wording; its scheme and the rest are stepped over
    if (skipUrls && c === 58 && text.charCodeAt(i + 1) === 47 && text.charCodeAt(i + 2) === 47) {
      from = -1;
      i += 2;
      while (i + 1 < len && !URL_END[text.charCodeAt(i + 1)]) i++;
      continue;
    }
    start[n] = from;
    end[n] = i;
    hash[n] = h;
    stem[n] = prev;
    from = -1;
    if (++n >= limit) return { text, n, start, end, hash, stem };
  }
  if (from >= 0) {
    start[n] = from;
    end[n] = len;
    hash[n] = h;
    stem[n] = prev;
    n++;
  }
  return { text, n, start, end, hash, stem };
}

/** Word `k` as a string (’ as '). */
export function wordAt(w: Words, k: number): string {
  const s = w.text.slice(w.start[k]!, w.end[k]!);
  return s.includes('\u2019') ? s.replace(/\u2019/g, "'") : s;
}

/** Word `k` is exactly `want` (’ read as '). */
export function wordIs(w: Words, k: number, want: string): boolean {
  const s = w.start[k]!;
  if (w.end[k]! - s !== want.length) return false;
  if (w.text.startsWith(want, s)) return true;
  return wordAt(w, k) === want;
}

/** Word `k` is `want` or its plural in -s. */
export function wordIsOrPlural(w: Words, k: number, want: string): boolean {
  if (wordIs(w, k, want)) return true;
  const s = w.start[k]!;
  const e = w.end[k]!;
  return e - s === want.length + 1 && w.text.charCodeAt(e - 1) === 115 && w.text.startsWith(want, s);
}
