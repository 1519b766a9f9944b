// Outlook .msg files (an OLE compound file of MAPI properties), read with @kenjiuno/msgreader and
// written back as the MIME message they stand for, so that every check runs on them exactly as on
// the .eml of the same mail. The transport headers Outlook keeps (PR_TRANSPORT_MESSAGE_HEADERS) are
// the message's own headers, relays and authentication results included; without them (a message
// saved from the drafts, or composed), the headers are made from the MAPI properties.
import * as msgreader from '@kenjiuno/msgreader';
import type { FieldsData } from '@kenjiuno/msgreader';
import type * as MR from '@kenjiuno/msgreader/lib/MsgReader.js';

// A CommonJS package whose class is `exports.default`: from ESM, Node hands the exports object as the
// default import, and TypeScript sees it the other way round; take the class wherever it is.
type Ctor = typeof MR.default.default;
type Reader = InstanceType<Ctor>;
const mod = msgreader as unknown as { default: { default?: Ctor } & Partial<Ctor> };
const MsgReader = (mod.default.default ?? mod.default) as Ctor;

const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/** Attached .msg files are opened down to this depth (an attached message inside an attached message…). */
const MAX_NESTED = 3;
const MAX_ATTACHMENTS = 200;

/** Whether the bytes are an OLE compound file (a .msg, or an Office 97–2003 document). */
export function isOle(b: Uint8Array): boolean {
  if (b.length < 512) return false;
  for (let i = 0; i < 8; i++) if (b[i] !== OLE_MAGIC[i]) return false;
  return true;
}

// Headers that describe the body's structure: the body is rebuilt, so they are written anew.
const STRUCTURE = /^(?:content-type|content-transfer-encoding|mime-version|content-disposition)$/i;

function unfoldHeaders(raw: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of raw.replace(/\r\n/g, '\n').split('\n')) {
    if (!line) continue;
    if ((line[0] === ' ' || line[0] === '\t') && out.length) {
      out[out.length - 1]![1] += `\r\n${line}`;
      continue;
    }
    const c = line.indexOf(':');
    if (c > 0) out.push([line.slice(0, c), line.slice(c + 1).replace(/^ /, '')]);
  }
  return out;
}

// A header value made of printable ASCII is written as is; anything else as an RFC 2047 encoded word.
function headerValue(s: string): string {
  const flat = s.replace(/[\r\n]+/g, ' ');
  // eslint-disable-next-line no-control-regex
  return /^[\x20-\x7e]*$/.test(flat) ? flat : `=?UTF-8?B?${Buffer.from(flat, 'utf8').toString('base64')}?=`;
}

function mailbox(name: string | undefined, email: string | undefined): string {
  const addr = (email ?? '').trim();
  const shown = (name ?? '').trim();
  if (!addr) return headerValue(shown);
  return shown && shown !== addr ? `${headerValue(`"${shown.replace(/"/g, "'")}"`)} <${addr}>` : addr;
}

function b64(content: Uint8Array | string): string {
  return Buffer.from(content as Uint8Array).toString('base64').replace(/.{76}/g, '$&\r\n');
}

let boundaryCount = 0;
const boundary = (): string => `----=_vigil_msg_${(boundaryCount++).toString(36)}_${Date.now().toString(36)}`;

function textPart(type: string, text: string): string {
  return `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(Buffer.from(text, 'utf8'))}`;
}

function htmlOf(f: FieldsData): string | null {
  if (f.bodyHtml) return f.bodyHtml;
  if (f.html && f.html.length) return Buffer.from(f.html).toString('utf8');
  return null;
}

function toMime(reader: Reader, f: FieldsData, depth: number): string {
  const lines: string[] = [];
  if (f.headers && /^[!-9;-~]+:/m.test(f.headers)) {
    for (const [k, v] of unfoldHeaders(f.headers)) if (!STRUCTURE.test(k)) lines.push(`${k}: ${v}`);
  } else {
    lines.push(`From: ${mailbox(f.senderName, f.senderSmtpAddress ?? f.senderEmail)}`);
    const to = (f.recipients ?? []).filter((r) => r.recipType !== 'cc' && r.recipType !== 'bcc');
    const cc = (f.recipients ?? []).filter((r) => r.recipType === 'cc');
    if (to.length) lines.push(`To: ${to.map((r) => mailbox(r.name, r.smtpAddress ?? r.email)).join(', ')}`);
    if (cc.length) lines.push(`Cc: ${cc.map((r) => mailbox(r.name, r.smtpAddress ?? r.email)).join(', ')}`);
    if (f.subject !== undefined) lines.push(`Subject: ${headerValue(f.subject)}`);
    const date = f.clientSubmitTime ?? f.messageDeliveryTime ?? f.creationTime;
    if (date && !Number.isNaN(Date.parse(date))) lines.push(`Date: ${new Date(date).toUTCString().replace('GMT', '+0000')}`);
    if (f.messageId) lines.push(`Message-ID: ${f.messageId}`);
  }
  lines.push('MIME-Version: 1.0');
  const html = htmlOf(f);
  const text = f.body ?? null;
  const attachments = (f.attachments ?? []).slice(0, MAX_ATTACHMENTS);
  let bodyPart: string;
  if (html && text) {
    const b = boundary();
    bodyPart = `Content-Type: multipart/alternative; boundary="${b}"\r\n\r\n--${b}\r\n${textPart('text/plain', text)}\r\n--${b}\r\n${textPart('text/html', html)}\r\n--${b}--\r\n`;
  } else bodyPart = html ? textPart('text/html', html) : textPart('text/plain', text ?? '');
  if (!attachments.length) return `${lines.join('\r\n')}\r\n${bodyPart}`;
  const b = boundary();
  const parts = [bodyPart];
  for (const a of attachments) {
    const name = headerValue(a.fileName ?? a.fileNameShort ?? a.name ?? 'attachment');
    if (a.innerMsgContent && a.innerMsgContentFields && depth < MAX_NESTED) {
      const inner = toMime(reader, a.innerMsgContentFields, depth + 1);
      parts.push(`Content-Type: message/rfc822; name="${name}.eml"\r\nContent-Disposition: attachment; filename="${name}.eml"\r\n\r\n${inner}`);
      continue;
    }
    let content: Uint8Array;
    try {
      content = reader.getAttachment(a).content;
    } catch {
      continue;
    }
    const type = a.attachMimeTag && /^[\w.+-]+\/[\w.+-]+$/.test(a.attachMimeTag) ? a.attachMimeTag : 'application/octet-stream';
    const cid = a.pidContentId ? `\r\nContent-ID: <${a.pidContentId.replace(/[<>\r\n]/g, '')}>` : '';
    parts.push(`Content-Type: ${type}; name="${name}"\r\nContent-Disposition: attachment; filename="${name}"${cid}\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(content)}`);
  }
  return `${lines.join('\r\n')}\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n${parts.map((p) => `--${b}\r\n${p}`).join('\r\n')}\r\n--${b}--\r\n`;
}

/**
 * The MIME message an Outlook .msg stands for, or null when the bytes are not a .msg (another OLE
 * file, such as a .doc, or a damaged one).
 */
export function msgToMime(bytes: Uint8Array): Buffer | null {
  if (!isOle(bytes)) return null;
  try {
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const reader = new MsgReader(copy);
    const f = reader.getFileData();
    if (f.error || (f.headers === undefined && f.subject === undefined && f.body === undefined && f.senderEmail === undefined && !f.recipients?.length)) return null;
    return Buffer.from(toMime(reader, f, 0), 'utf8');
  } catch {
    return null;
  }
}
