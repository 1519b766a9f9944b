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

/** What an Outlook .msg built by buildMsg holds. */
export interface MsgContent {
  /** PR_TRANSPORT_MESSAGE_HEADERS: the headers as received (omit for a message without them). */
  headers?: string;
  subject?: string;
  senderName?: string;
  senderEmail?: string;
  recipients?: Array<{ name: string; email: string }>;
  body?: string;
  html?: string;
  attachments?: Array<{ filename: string; mimeType: string; content: Uint8Array }>;
}

// MAPI property streams: __substg1.0_<tag><type>, 001F = UTF-16LE string, 0102 = binary.
const unicode = (s: string) => Buffer.from(s, 'utf16le');
// The fixed-size property stream each storage has: a header (32 bytes at the top, 8 in recipients
// and attachments) and no fixed properties; enough for readers that look for it.
const props = (top: boolean) => Buffer.alloc(top ? 32 : 8);

/**
 * An Outlook .msg (OLE compound file of MAPI properties) written from known content, the way Outlook
 * stores a received message: the same content as an .eml must give the same analysis.
 */
export function buildMsg(m: MsgContent): Buffer {
  const cfb = CFB.utils.cfb_new();
  const add = (path: string, data: Uint8Array) => CFB.utils.cfb_add(cfb, `/${path}`, Buffer.from(data));
  add('__properties_version1.0', props(true));
  add('__substg1.0_001A001F', unicode('IPM.Note'));
  if (m.headers !== undefined) add('__substg1.0_007D001F', unicode(m.headers));
  if (m.subject !== undefined) add('__substg1.0_0037001F', unicode(m.subject));
  if (m.senderName !== undefined) add('__substg1.0_0C1A001F', unicode(m.senderName));
  if (m.senderEmail !== undefined) {
    add('__substg1.0_0C1F001F', unicode(m.senderEmail));
    add('__substg1.0_0C1E001F', unicode('SMTP'));
  }
  if (m.body !== undefined) add('__substg1.0_1000001F', unicode(m.body));
  if (m.html !== undefined) add('__substg1.0_10130102', Buffer.from(m.html, 'utf8'));
  (m.recipients ?? []).forEach((r, i) => {
    const dir = `__recip_version1.0_#${i.toString(16).toUpperCase().padStart(8, '0')}`;
    add(`${dir}/__properties_version1.0`, props(false));
    add(`${dir}/__substg1.0_3001001F`, unicode(r.name));
    add(`${dir}/__substg1.0_3003001F`, unicode(r.email));
    add(`${dir}/__substg1.0_39FE001F`, unicode(r.email));
  });
  (m.attachments ?? []).forEach((a, i) => {
    const dir = `__attach_version1.0_#${i.toString(16).toUpperCase().padStart(8, '0')}`;
    add(`${dir}/__properties_version1.0`, props(false));
    add(`${dir}/__substg1.0_3707001F`, unicode(a.filename));
    add(`${dir}/__substg1.0_3704001F`, unicode(a.filename));
    add(`${dir}/__substg1.0_370E001F`, unicode(a.mimeType));
    add(`${dir}/__substg1.0_37010102`, a.content);
  });
  return Buffer.from(CFB.write(cfb, { type: 'buffer' }) as Uint8Array);
}
