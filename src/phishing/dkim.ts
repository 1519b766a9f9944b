import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { parseTagList } from './auth.js';
import { headerEnd } from './parse.js';

// DKIM verification (RFC 6376, Ed25519 per RFC 8463): canonicalise the signed headers and body
// exactly as the signer did, check the body hash, and verify the signature with the key published
// at <selector>._domainkey.<domain>. Used only when a DNS resolver is configured.

/** A raw header field: its name and its full text including folding, ending in CRLF. */
export interface RawHeader {
  name: string;
  raw: string;
}

const MAX_HEADERS = 1000;

/** The top-level header fields as written (bytes read as latin1, line ends normalised to CRLF). */
export function rawHeaders(raw: Uint8Array): { headers: RawHeader[]; bodyStart: number } {
  const end = headerEnd(raw);
  const text = Buffer.from(raw.buffer, raw.byteOffset, Math.min(end, raw.length)).toString('latin1').replace(/\r?\n/g, '\r\n');
  const lines = text.split('\r\n');
  const headers: RawHeader[] = [];
  for (const line of lines) {
    if (line === '') break;
    if ((line[0] === ' ' || line[0] === '\t') && headers.length) {
      headers[headers.length - 1]!.raw += `${line}\r\n`;
      continue;
    }
    if (headers.length >= MAX_HEADERS) break;
    const colon = line.indexOf(':');
    headers.push({ name: (colon < 0 ? line : line.slice(0, colon)).trim().toLowerCase(), raw: `${line}\r\n` });
  }
  return { headers, bodyStart: end };
}

function relaxedHeader(h: RawHeader): string {
  const colon = h.raw.indexOf(':');
  const name = h.raw.slice(0, colon).trim().toLowerCase();
  const value = h.raw
    .slice(colon + 1)
    .replace(/\r\n(?=[ \t])/g, '')
    .replace(/\r\n$/, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}\r\n`;
}

/** The canonical body (simple or relaxed), cut at `l=` when the signature has one. */
export function canonicalBody(body: string, mode: 'simple' | 'relaxed', length?: number): Buffer {
  let b = body.replace(/\r?\n/g, '\r\n');
  if (mode === 'relaxed') {
    b = b.replace(/[ \t]+\r\n/g, '\r\n').replace(/[ \t]+/g, ' ');
    // trailing whitespace on the last line without CRLF
    b = b.replace(/[ \t]+$/, '');
  }
  // Drop trailing empty lines; a non-empty body ends in exactly one CRLF.
  let end = b.length;
  while (end >= 2 && b.charCodeAt(end - 2) === 13 && b.charCodeAt(end - 1) === 10) end -= 2;
  b = b.slice(0, end);
  if (b.length > 0) b += '\r\n';
  else if (mode === 'simple') b = '\r\n';
  const buf = Buffer.from(b, 'latin1');
  return length !== undefined && length < buf.length ? buf.subarray(0, length) : buf;
}

// The header with the b= tag's value deleted (whatever whitespace it was folded with), by tag
// position: a base64 bh= value can itself end in "b=".
function withoutSignature(raw: string): string {
  const colon = raw.indexOf(':');
  const tags = raw
    .slice(colon + 1)
    .split(';')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq >= 0 && p.slice(0, eq).trim().toLowerCase() === 'b' ? p.slice(0, eq + 1) : p;
    });
  return raw.slice(0, colon + 1) + tags.join(';');
}

export interface DkimVerdict {
  result: 'pass' | 'fail' | 'neutral' | 'permerror' | 'temperror';
  domain: string | null;
  selector: string | null;
  reason: string;
}

export type TxtLookup = (name: string) => Promise<string[] | null>;

function publicKey(p: string, k: string): KeyObject {
  const der = Buffer.from(p, 'base64');
  if (k === 'ed25519') {
    // A bare 32-byte key: wrap it in the SubjectPublicKeyInfo header for Ed25519.
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), der]);
    return createPublicKey({ key: spki, format: 'der', type: 'spki' });
  }
  try {
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    return createPublicKey({ key: der, format: 'der', type: 'pkcs1' });
  }
}

/** Verifies one DKIM-Signature header of a message. Never throws: problems are results. */
export async function verifyDkim(headers: RawHeader[], body: string, sigIndex: number, lookup: TxtLookup): Promise<DkimVerdict> {
  const sigHeader = headers[sigIndex]!;
  const t = parseTagList(sigHeader.raw.slice(sigHeader.raw.indexOf(':') + 1));
  const domain = t.d?.toLowerCase() ?? null;
  const selector = t.s ?? null;
  const out = (result: DkimVerdict['result'], reason: string): DkimVerdict => ({ result, domain, selector, reason });
  if (!domain || !selector || !t.b || !t.bh || !t.h) return out('permerror', 'signature lacks d=, s=, h=, b= or bh=');
  if (t.v && t.v !== '1') return out('permerror', `unknown version v=${t.v}`);
  const alg = (t.a ?? '').toLowerCase();
  const hashAlg = alg === 'rsa-sha256' || alg === 'ed25519-sha256' ? 'sha256' : alg === 'rsa-sha1' ? 'sha1' : null;
  if (!hashAlg) return out('permerror', `unsupported algorithm a=${t.a}`);
  const [hc, bc] = (t.c ?? 'simple/simple').toLowerCase().split('/');
  const headerMode = hc === 'relaxed' ? 'relaxed' : 'simple';
  const bodyMode = bc === 'relaxed' ? 'relaxed' : 'simple';
  const length = t.l !== undefined ? Number(t.l) : undefined;
  const bodyHash = createHash(hashAlg).update(canonicalBody(body, bodyMode, length)).digest('base64');
  if (bodyHash !== t.bh) return out('fail', 'body hash did not verify (the body was changed after signing)');

  // Signed headers: for each name in h=, the last instance not yet used (bottom up).
  const used = new Set<number>();
  let data = '';
  for (const nameRaw of t.h.split(':')) {
    const name = nameRaw.trim().toLowerCase();
    for (let i = headers.length - 1; i >= 0; i--) {
      if (used.has(i) || headers[i]!.name !== name) continue;
      used.add(i);
      data += headerMode === 'relaxed' ? relaxedHeader(headers[i]!) : headers[i]!.raw;
      break;
    }
  }
  // The signature header itself, b= emptied, no final CRLF.
  const stripped = { name: sigHeader.name, raw: withoutSignature(sigHeader.raw) };
  const sigCanon = headerMode === 'relaxed' ? relaxedHeader(stripped) : stripped.raw;
  data += sigCanon.replace(/\r\n$/, '');

  let records: string[] | null;
  try {
    records = await lookup(`${selector}._domainkey.${domain}`);
  } catch (e) {
    return out('temperror', `key lookup failed: ${(e as Error).message}`);
  }
  const rec = records?.map((r) => parseTagList(r)).find((r) => r.p !== undefined);
  if (!rec) return out('permerror', `no key published at ${selector}._domainkey.${domain}`);
  if (!rec.p) return out('permerror', 'key revoked (empty p=)');
  let key: KeyObject;
  try {
    key = publicKey(rec.p, (rec.k ?? (alg.startsWith('ed25519') ? 'ed25519' : 'rsa')).toLowerCase());
  } catch (e) {
    return out('permerror', `published key unreadable: ${(e as Error).message}`);
  }
  const signature = Buffer.from(t.b, 'base64');
  let ok: boolean;
  try {
    ok = alg.startsWith('ed25519')
      ? verify(null, createHash('sha256').update(Buffer.from(data, 'latin1')).digest(), key, signature)
      : verify(hashAlg, Buffer.from(data, 'latin1'), key, signature);
  } catch (e) {
    return out('fail', `signature check failed: ${(e as Error).message}`);
  }
  return ok ? out('pass', `signature verified with ${selector}._domainkey.${domain}`) : out('fail', 'signature did not verify (headers changed or wrong key)');
}

/** Verifies every DKIM-Signature of a message (at most `max`). */
export async function verifyAllDkim(raw: Uint8Array, lookup: TxtLookup, max = 5): Promise<DkimVerdict[]> {
  const { headers, bodyStart } = rawHeaders(raw);
  const body = Buffer.from(raw.buffer, raw.byteOffset + bodyStart, Math.max(0, raw.length - bodyStart)).toString('latin1');
  const out: DkimVerdict[] = [];
  for (let i = 0; i < headers.length && out.length < max; i++) {
    if (headers[i]!.name === 'dkim-signature') out.push(await verifyDkim(headers, body, i, lookup));
  }
  return out;
}
