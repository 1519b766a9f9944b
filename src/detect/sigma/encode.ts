// Encoding modifiers: the value is turned into the bytes or text an attacker's tooling would have
// produced, so the rule can look for it verbatim.

/** UTF-8 bytes of a string (what `base64` encodes when no utf16 modifier came first). */
export function utf8Bytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'utf8'));
}

/** UTF-16 code units as bytes, with an optional byte-order mark (`utf16`). */
export function utf16Bytes(s: string, order: 'le' | 'be', bom: boolean): Uint8Array {
  const out = new Uint8Array((s.length + (bom ? 1 : 0)) * 2);
  let o = 0;
  const put = (u: number): void => {
    if (order === 'le') {
      out[o++] = u & 0xff;
      out[o++] = u >> 8;
    } else {
      out[o++] = u >> 8;
      out[o++] = u & 0xff;
    }
  };
  if (bom) put(0xfeff);
  for (let i = 0; i < s.length; i++) put(s.charCodeAt(i));
  return out;
}

/** Standard base64 with padding. */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/**
 * The three forms `bytes` can take inside a longer base64 text, one per alignment (0, 1 or 2
 * bytes before it). Characters that also depend on neighbouring unknown bytes are trimmed: one
 * leading byte shares the first 2 characters, two share the first 3; at the end a trailing group
 * of 1 byte leaves its last 3 characters unstable (`X==`), of 2 bytes its last 2 (`X=`).
 */
export function base64Offsets(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const padded = new Uint8Array(shift + bytes.length);
    padded.set(bytes, shift);
    const enc = base64(padded);
    const start = [0, 2, 3][shift]!;
    const endTrim = [0, 3, 2][padded.length % 3]!;
    const s = enc.slice(start, enc.length - endTrim);
    if (s) out.push(s);
  }
  return out;
}

/** Bytes as a string of the same code units (what a `wide` value without base64 looks like). */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
