// Builders for test messages and attachments: MIME messages, zips (with the encrypted flag set
// where asked), TNEF streams and OLE containers. Test-only; nothing here runs in the analyser.
import * as CFB from 'cfb';
import { zipSync } from 'fflate';

export interface Part {
  type: string;
  content: string | Uint8Array;
  filename?: string;
  disposition?: 'attachment' | 'inline';
}

/** A multipart/mixed message with base64 parts (text parts as 8bit). */
export function buildMessage(headers: Record<string, string>, parts: Part[], boundary = 'vigil-test-boundary'): Buffer {
  const lines: string[] = [];
  for (const [k, v] of Object.entries({ 'MIME-Version': '1.0', ...headers, 'Content-Type': `multipart/mixed; boundary="${boundary}"` })) lines.push(`${k}: ${v}`);
  lines.push('');
  for (const p of parts) {
    lines.push(`--${boundary}`);
    lines.push(`Content-Type: ${p.type}${p.filename ? `; name="${p.filename}"` : ''}`);
    if (p.filename || p.disposition) lines.push(`Content-Disposition: ${p.disposition ?? 'attachment'}${p.filename ? `; filename="${p.filename}"` : ''}`);
    if (typeof p.content === 'string' && p.type.startsWith('text/')) {
      lines.push('Content-Transfer-Encoding: 8bit', '', p.content);
    } else {
      const b64 = Buffer.from(p.content).toString('base64').replace(/.{76}/g, '$&\r\n');
      lines.push('Content-Transfer-Encoding: base64', '', b64);
    }
  }
  lines.push(`--${boundary}--`, '');
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** A zip of the given entries; names in `encrypted` get the "encrypted" flag bit in both headers. */
export function buildZip(entries: Record<string, string | Uint8Array>, encrypted: string[] = []): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(entries)) files[k] = typeof v === 'string' ? new TextEncoder().encode(v) : v;
  const zip = zipSync(files, { level: 6 });
  if (encrypted.length === 0) return zip;
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const names = new Set(encrypted);
  for (let p = 0; p + 4 <= zip.length; p++) {
    const sig = dv.getUint32(p, true);
    if (sig === 0x04034b50 && p + 30 <= zip.length) {
      const name = Buffer.from(zip.subarray(p + 30, p + 30 + dv.getUint16(p + 26, true))).toString('utf8');
      if (names.has(name)) dv.setUint16(p + 6, dv.getUint16(p + 6, true) | 1, true);
    } else if (sig === 0x02014b50 && p + 46 <= zip.length) {
      const name = Buffer.from(zip.subarray(p + 46, p + 46 + dv.getUint16(p + 28, true))).toString('utf8');
      if (names.has(name)) dv.setUint16(p + 8, dv.getUint16(p + 8, true) | 1, true);
    }
  }
  return zip;
}

/** A TNEF (winmail.dat) stream carrying the given files. */
export function buildTnef(files: Array<{ name: string; data: Uint8Array }>): Buffer {
  const attr = (level: number, id: number, data: Uint8Array): Buffer => {
    const h = Buffer.alloc(9);
    h[0] = level;
    h.writeUInt32LE(id, 1);
    h.writeUInt32LE(data.length, 5);
    let sum = 0;
    for (const b of data) sum = (sum + b) & 0xffff;
    const c = Buffer.alloc(2);
    c.writeUInt16LE(sum, 0);
    return Buffer.concat([h, data, c]);
  };
  const parts: Buffer[] = [Buffer.from([0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00]), attr(1, 0x00089006, Buffer.from([1, 0, 0, 0]))];
  for (const f of files) parts.push(attr(2, 0x00018010, Buffer.from(`${f.name}\0`, 'latin1')), attr(2, 0x0006800f, f.data));
  return Buffer.concat(parts);
}

/** An OLE compound file with the given streams (paths like `Macros/VBA/dir`). */
export function buildOle(streams: Record<string, string | Uint8Array>): Buffer {
  const cfb = CFB.utils.cfb_new();
  for (const [path, data] of Object.entries(streams)) CFB.utils.cfb_add(cfb, `/${path}`, typeof data === 'string' ? Buffer.from(data) : Buffer.from(data));
  return Buffer.from(CFB.write(cfb, { type: 'buffer' }) as Uint8Array);
}

/** A small valid PE header: enough for magic-byte detection. */
export const FAKE_EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x40, 0, 0, 0]), Buffer.from('PE\0\0'), Buffer.alloc(64)]);
