import { hash } from 'node:crypto';
import * as CFB from 'cfb';
import { inflateSync } from 'fflate';
import type { FindingSet } from './findings.js';
import { scanHtml } from './html.js';
import type { ArchiveEntry, AttachmentInfo } from './types.js';

// Nothing here runs, renders or unpacks an attachment beyond reading its structure: magic bytes,
// the zip central directory, the OLE directory, a byte scan of PDFs and a text scan of HTML.

const EXECUTABLE_EXT = new Set(['exe', 'scr', 'com', 'pif', 'cpl', 'dll', 'msi', 'msix', 'msixbundle', 'appx', 'appxbundle', 'msp', 'mst', 'sys', 'ocx', 'gadget', 'xll', 'jar', 'apk', 'app', 'elf', 'run', 'bin', 'pkg']);
const SCRIPT_EXT = new Set(['js', 'jse', 'vbs', 'vbe', 'vb', 'wsf', 'wsh', 'wsc', 'ws', 'sct', 'ps1', 'psm1', 'psd1', 'ps1xml', 'bat', 'cmd', 'hta', 'reg', 'inf', 'msc', 'sh', 'iqy', 'slk', 'mshta', 'jnlp', 'py', 'pyw', 'applescript', 'scpt']);
const SHORTCUT_EXT = new Set(['lnk', 'url', 'scf', 'settingcontent-ms', 'library-ms', 'appref-ms', 'desktop', 'website', 'searchconnector-ms']);
const DISK_EXT = new Set(['iso', 'img', 'vhd', 'vhdx', 'dmg', 'udf', 'vmdk']);
const MACRO_EXT = new Set(['docm', 'dotm', 'xlsm', 'xltm', 'xlam', 'xla', 'pptm', 'potm', 'ppam', 'ppsm', 'sldm']);
const HTML_EXT = new Set(['htm', 'html', 'shtml', 'xhtml', 'mht', 'mhtml', 'svg', 'svgz']);
const ARCHIVE_EXT = new Set(['zip', 'rar', '7z', 'gz', 'tgz', 'bz2', 'xz', 'tar', 'cab', 'arj', 'lzh', 'ace', 'z', 'zipx']);
// Extensions a lure file name pretends to be before the real one: invoice.pdf.exe.
const DECOY_EXT = new Set(['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'txt', 'rtf', 'jpg', 'jpeg', 'png', 'gif', 'bmp', 'csv', 'odt', 'mp3', 'mp4', 'wav', 'zip', 'rar', 'xml', 'eml', 'msg', 'htm', 'html', 'ics']);

/** What each extension's content should look like (families from detectType). */
const EXPECTED: Record<string, string[]> = {
  pdf: ['pdf'],
  doc: ['ole', 'rtf'], dot: ['ole', 'rtf'], xls: ['ole'], ppt: ['ole'], msg: ['ole'], msi: ['ole'],
  // Password-protected OOXML documents are OLE containers (EncryptedPackage).
  docx: ['ooxml', 'zip', 'ole'], docm: ['ooxml', 'zip', 'ole'], dotx: ['ooxml', 'zip', 'ole'], dotm: ['ooxml', 'zip', 'ole'], xlsx: ['ooxml', 'zip', 'ole'],
  xlsm: ['ooxml', 'zip', 'ole'], xlsb: ['ooxml', 'zip', 'ole'], pptx: ['ooxml', 'zip', 'ole'], pptm: ['ooxml', 'zip', 'ole'], ppsx: ['ooxml', 'zip', 'ole'],
  odt: ['zip'], ods: ['zip'], odp: ['zip'],
  jpg: ['jpeg'], jpeg: ['jpeg'], png: ['png'], gif: ['gif'], bmp: ['bmp'], webp: ['webp'], tif: ['tiff'], tiff: ['tiff'], ico: ['ico'],
  zip: ['zip', 'ooxml'], rar: ['rar'], '7z': ['7z'], gz: ['gzip'], tgz: ['gzip'], bz2: ['bzip2'], xz: ['xz'], cab: ['cab'],
  exe: ['pe'], dll: ['pe'], scr: ['pe'], sys: ['pe'], cpl: ['pe'],
  iso: ['iso', 'udf'], img: ['iso', 'udf', 'disk', 'unknown'], vhd: ['vhd'], vhdx: ['vhdx'], lnk: ['lnk'],
  rtf: ['rtf'], htm: ['html', 'text'], html: ['html', 'text'], svg: ['svg', 'xml', 'text'], xml: ['xml', 'text', 'html', 'svg'],
  txt: ['text'], csv: ['text'], ics: ['text'], eml: ['eml', 'text'], json: ['text'],
  mp3: ['mp3', 'unknown'], mp4: ['mp4', 'unknown'], wav: ['wav', 'unknown'],
};

/** The content family a declared MIME type stands for, when it pins one down. */
function familyOfMime(mime: string): string[] | null {
  const m = mime.toLowerCase();
  if (m === 'application/pdf') return ['pdf'];
  if (m === 'image/jpeg' || m === 'image/jpg' || m === 'image/pjpeg') return ['jpeg'];
  if (m === 'image/png') return ['png'];
  if (m === 'image/gif') return ['gif'];
  if (m === 'application/zip' || m === 'application/x-zip-compressed') return ['zip', 'ooxml'];
  if (m.startsWith('application/vnd.openxmlformats-officedocument') || m.includes('macroenabled')) return ['ooxml', 'zip', 'ole'];
  if (m === 'application/msword' || m === 'application/vnd.ms-excel' || m === 'application/vnd.ms-powerpoint') return ['ole', 'rtf'];
  if (m === 'text/html') return ['html', 'text'];
  if (m === 'text/plain' || m === 'text/csv') return ['text', 'html', 'eml', 'xml'];
  return null;
}

export interface Detected {
  /** Family: pe, elf, macho, zip, ooxml, ole, pdf, rtf, rar, 7z, gzip, … html, svg, text, unknown. */
  family: string;
  /** A readable type: "PE executable", "Office Open XML (zip)", … */
  label: string;
}

function startsWith(b: Uint8Array, sig: number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig[i]) return false;
  return true;
}

function ascii(b: Uint8Array, from: number, len: number): string {
  if (from < 0 || from >= b.length) return '';
  return Buffer.from(b.buffer, b.byteOffset + from, Math.max(0, Math.min(len, b.length - from))).toString('latin1');
}

function looksText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 4096);
  if (n === 0) return true;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 0) return false;
    if (c < 9 || (c > 13 && c < 32)) bad++;
  }
  return bad / n < 0.02;
}

const MAIL_FIRST_LINE = /^(?:received|return-path|from|to|cc|subject|date|message-id|mime-version|content-type|delivered-to|reply-to|sender|dkim-signature|authentication-results|arc-seal|x-[a-z0-9-]{1,60}):/;

/** The real type of some bytes, from their signature (never from the name). */
export function detectType(b: Uint8Array): Detected {
  if (startsWith(b, [0x4d, 0x5a])) return { family: 'pe', label: 'Windows executable (PE)' };
  if (startsWith(b, [0x7f, 0x45, 0x4c, 0x46])) return { family: 'elf', label: 'ELF executable' };
  if (startsWith(b, [0xcf, 0xfa, 0xed, 0xfe]) || startsWith(b, [0xce, 0xfa, 0xed, 0xfe]) || startsWith(b, [0xca, 0xfe, 0xba, 0xbe])) {
    // CAFEBABE is both Mach-O fat and Java class; class files have a small major version next.
    if (b[0] === 0xca && b.length > 7 && b[6]! === 0 && b[7]! >= 45 && b[7]! < 80) return { family: 'class', label: 'Java class file' };
    return { family: 'macho', label: 'Mach-O executable' };
  }
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06]) || startsWith(b, [0x50, 0x4b, 0x07, 0x08])) return { family: 'zip', label: 'ZIP archive' };
  if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return { family: 'ole', label: 'OLE compound file (legacy Office / MSI / MSG)' };
  if (startsWith(b, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return { family: 'rar', label: 'RAR archive' };
  if (startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return { family: '7z', label: '7-Zip archive' };
  if (startsWith(b, [0x1f, 0x8b])) return { family: 'gzip', label: 'gzip' };
  if (startsWith(b, [0x42, 0x5a, 0x68])) return { family: 'bzip2', label: 'bzip2' };
  if (startsWith(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return { family: 'xz', label: 'xz' };
  if (startsWith(b, [0x4d, 0x53, 0x43, 0x46])) return { family: 'cab', label: 'Microsoft Cabinet' };
  if (startsWith(b, [0x78, 0x9f, 0x3e, 0x22])) return { family: 'tnef', label: 'TNEF (winmail.dat)' };
  if (startsWith(b, [0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00])) return { family: 'lnk', label: 'Windows shortcut (LNK)' };
  if (startsWith(b, [0x49, 0x54, 0x53, 0x46])) return { family: 'chm', label: 'Compiled HTML help (CHM)' };
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47])) return { family: 'png', label: 'PNG image' };
  if (startsWith(b, [0xff, 0xd8, 0xff])) return { family: 'jpeg', label: 'JPEG image' };
  if (startsWith(b, [0x47, 0x49, 0x46, 0x38])) return { family: 'gif', label: 'GIF image' };
  if (startsWith(b, [0x42, 0x4d]) && b.length > 14) return { family: 'bmp', label: 'BMP image' };
  if (startsWith(b, [0x52, 0x49, 0x46, 0x46]) && ascii(b, 8, 4) === 'WEBP') return { family: 'webp', label: 'WebP image' };
  if (startsWith(b, [0x52, 0x49, 0x46, 0x46]) && ascii(b, 8, 4) === 'WAVE') return { family: 'wav', label: 'WAV audio' };
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return { family: 'tiff', label: 'TIFF image' };
  if (startsWith(b, [0x00, 0x00, 0x01, 0x00])) return { family: 'ico', label: 'icon' };
  if (ascii(b, 4, 4) === 'ftyp') return { family: 'mp4', label: 'MP4/QuickTime media' };
  if (startsWith(b, [0x49, 0x44, 0x33]) || startsWith(b, [0xff, 0xfb])) return { family: 'mp3', label: 'MP3 audio' };
  if (ascii(b, 0, 8) === 'vhdxfile') return { family: 'vhdx', label: 'Hyper-V disk image (VHDX)' };
  if (ascii(b, 0, 8) === 'conectix' || (b.length >= 512 && ascii(b, b.length - 512, 8) === 'conectix')) return { family: 'vhd', label: 'virtual disk image (VHD)' };
  for (const off of [0x8001, 0x8801, 0x9001]) {
    const id = ascii(b, off, 5);
    if (id === 'CD001') return { family: 'iso', label: 'ISO 9660 disk image' };
    if (id === 'BEA01' || id === 'NSR02' || id === 'NSR03') return { family: 'udf', label: 'UDF disk image' };
  }
  if (b.length >= 512 && ascii(b, b.length - 512, 4) === 'koly') return { family: 'dmg', label: 'Apple disk image (DMG)' };
  // PDF may start after some junk: readers accept %PDF- in the first kilobyte.
  if (ascii(b, 0, 1024).includes('%PDF-')) return { family: 'pdf', label: 'PDF document' };
  if (ascii(b, 0, 5) === '{\\rtf') return { family: 'rtf', label: 'RTF document' };
  if (looksText(b)) {
    const head = ascii(b, 0, 2048).replace(/^\ufeff|^\xef\xbb\xbf/, '').trimStart().toLowerCase();
    if (head.startsWith('#!')) return { family: 'script', label: 'script (#!)' };
    // A message starts with a header field; its HTML body further down does not make it a web page.
    if (MAIL_FIRST_LINE.test(head) && /\n\r?\n/.test(ascii(b, 0, 65536))) return { family: 'eml', label: 'e-mail message' };
    if (/^(?:<\?xml[^>]{0,200}>\s*)?(?:<!--[\s\S]{0,500}?-->\s*)?<svg[\s>]/.test(head)) return { family: 'svg', label: 'SVG image (XML, can hold script)' };
    if (/<(?:!doctype html|html|head|body|script|form|iframe|meta|div|table|a\s)[\s>/]/.test(head)) return { family: 'html', label: 'HTML document' };
    if (head.startsWith('<?xml')) return { family: 'xml', label: 'XML' };
    if (/^(?:received|return-path|from|message-id|mime-version|delivered-to|x-[a-z-]+|date|subject):/m.test(head.slice(0, 500)) && /\n\r?\n/.test(ascii(b, 0, 65536))) return { family: 'eml', label: 'e-mail message' };
    return { family: 'text', label: 'text' };
  }
  return { family: 'unknown', label: 'unknown binary' };
}

function extensions(name: string): string[] {
  const base = name.replace(/[\s.]+$/, '').split(/[\\/]/).pop() ?? '';
  const parts = base.split('.');
  if (parts.length < 2) return [];
  return parts.slice(1).map((p) => p.trim().toLowerCase());
}

/** Flags a file name earns on its own: dangerous extension, double extension, RTLO disguise. */
export function nameFlags(name: string): string[] {
  const flags: string[] = [];
  if (/[\u202e\u202d\u200e\u200f\u2066-\u2069]/.test(name)) flags.push('rtlo');
  const ext = extensions(name);
  const last = ext[ext.length - 1] ?? '';
  if (EXECUTABLE_EXT.has(last)) flags.push('executable');
  if (SCRIPT_EXT.has(last)) flags.push('script');
  if (SHORTCUT_EXT.has(last)) flags.push('shortcut');
  if (DISK_EXT.has(last)) flags.push('disk-image');
  if (MACRO_EXT.has(last)) flags.push('macro-enabled');
  if (HTML_EXT.has(last)) flags.push('html');
  if (ARCHIVE_EXT.has(last)) flags.push('archive');
  const prev = ext[ext.length - 2];
  const dangerousLast = EXECUTABLE_EXT.has(last) || SCRIPT_EXT.has(last) || SHORTCUT_EXT.has(last) || DISK_EXT.has(last) || HTML_EXT.has(last);
  if (prev && DECOY_EXT.has(prev) && dangerousLast) flags.push('double-extension');
  // invoice.pdf                    .exe: the real extension pushed out of sight
  else if (dangerousLast && /\s{5,}\.[a-z0-9]{1,12}$/i.test(name)) flags.push('double-extension');
  return flags;
}

// ---- zip ---------------------------------------------------------------------------------------

interface ZipEntryRaw {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/**
 * The zip central directory, read without inflating anything: so a huge or encrypted archive costs
 * only its directory. Null when there is no readable directory.
 */
export function readZipDirectory(b: Uint8Array, maxEntries: number): { entries: ZipEntryRaw[]; total: number } | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = b.length;
  let eocd = -1;
  for (let i = n - 22; i >= Math.max(0, n - 22 - 65535); i--) {
    if (b[i] === 0x50 && b[i + 1] === 0x4b && b[i + 2] === 0x05 && b[i + 3] === 0x06) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  let total = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if ((total === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && dv.getUint32(eocd - 20, true) === 0x07064b50) {
    const z64 = Number(dv.getBigUint64(eocd - 12, true));
    if (z64 + 56 <= n && dv.getUint32(z64, true) === 0x06064b50) {
      total = Number(dv.getBigUint64(z64 + 32, true));
      cdSize = Number(dv.getBigUint64(z64 + 40, true));
      cdOffset = Number(dv.getBigUint64(z64 + 48, true));
    }
  }
  // Self-extracting or prefixed archives: the directory offset is relative to the archive start.
  if (cdOffset + cdSize > eocd) cdOffset = eocd - cdSize;
  if (cdOffset < 0) return null;
  const entries: ZipEntryRaw[] = [];
  let p = cdOffset;
  let seen = 0;
  while (p + 46 <= n && seen < total && dv.getUint32(p, true) === 0x02014b50) {
    seen++;
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localOffset = dv.getUint32(p + 42, true);
    const nameBytes = b.subarray(p + 46, Math.min(n, p + 46 + nameLen));
    // bit 11: UTF-8 names; otherwise CP437, read as latin1 (close enough for extensions)
    const name = Buffer.from(nameBytes).toString(flags & 0x800 ? 'utf8' : 'latin1');
    // zip64 extra field
    let e = p + 46 + nameLen;
    const eEnd = Math.min(n, e + extraLen);
    while (e + 4 <= eEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff && q + 8 <= eEnd) (size = Number(dv.getBigUint64(q, true))), (q += 8);
        if (compressedSize === 0xffffffff && q + 8 <= eEnd) (compressedSize = Number(dv.getBigUint64(q, true))), (q += 8);
        if (localOffset === 0xffffffff && q + 8 <= eEnd) localOffset = Number(dv.getBigUint64(q, true));
      }
      e += 4 + len;
    }
    if (entries.length < maxEntries) entries.push({ name, flags, method, compressedSize, size, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return { entries, total: Math.max(total, seen) };
}

/** One small entry's bytes (stored or deflated), or null when it is too big, encrypted or damaged. */
export function readZipEntry(b: Uint8Array, e: ZipEntryRaw, maxSize = 4 * 1024 * 1024): Uint8Array | null {
  if (e.flags & 1 || e.size > maxSize || e.compressedSize > maxSize) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const p = e.localOffset;
  if (p + 30 > b.length || dv.getUint32(p, true) !== 0x04034b50) return null;
  const start = p + 30 + dv.getUint16(p + 26, true) + dv.getUint16(p + 28, true);
  const data = b.subarray(start, Math.min(b.length, start + e.compressedSize));
  try {
    if (e.method === 0) return data;
    if (e.method === 8) {
      const out = inflateSync(data, { out: new Uint8Array(e.size) });
      return out.length === e.size ? out : null;
    }
  } catch {
    return null;
  }
  return null;
}

// ---- PDF ---------------------------------------------------------------------------------------

/** PDF name keys that matter, with `#xx` escapes decoded (/J#61vaScript is /JavaScript). */
export function pdfKeys(b: Uint8Array, maxBytes = 20 * 1024 * 1024): { keys: Set<string>; uris: string[] } {
  const s = ascii(b, 0, Math.min(b.length, maxBytes));
  const keys = new Set<string>();
  const wanted = new Set(['JavaScript', 'JS', 'OpenAction', 'AA', 'Launch', 'EmbeddedFile', 'EmbeddedFiles', 'URI', 'SubmitForm', 'AcroForm', 'XFA', 'RichMedia', 'ObjStm', 'Encrypt', 'GoToR', 'ImportData']);
  const re = /\/([A-Za-z0-9#]{1,40})/g;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    let name = m[1]!;
    if (name.includes('#')) name = name.replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    if (wanted.has(name)) keys.add(name);
  }
  const uris: string[] = [];
  // a PDF string: escaped characters (\) \( \\) stay inside it
  const ure = /\/URI\s{0,10}\(((?:[^()\\]|\\.){1,2000})\)/g;
  for (let m = ure.exec(s); m !== null && uris.length < 50; m = ure.exec(s)) uris.push(m[1]!.replace(/\\(.)/g, '$1'));
  return { keys, uris };
}

// ---- TNEF (winmail.dat) --------------------------------------------------------------------------

/** Files carried inside a TNEF stream (attAttachTitle + attAttachData pairs). */
export function readTnef(b: Uint8Array, maxFiles = 100): Array<{ name: string; data: Uint8Array }> {
  const out: Array<{ name: string; data: Uint8Array }> = [];
  if (!startsWith(b, [0x78, 0x9f, 0x3e, 0x22])) return out;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 6;
  let current: { name: string; data: Uint8Array | null } | null = null;
  while (p + 9 <= b.length && out.length < maxFiles) {
    const level = b[p]!;
    const id = dv.getUint32(p + 1, true);
    const len = dv.getUint32(p + 5, true);
    const start = p + 9;
    if (start + len > b.length) break;
    const data = b.subarray(start, start + len);
    if (level === 2 && id === 0x00018010) {
      // attAttachTitle starts the next file
      if (current?.data) out.push({ name: current.name, data: current.data });
      current = { name: Buffer.from(data).toString('latin1').replace(/\0+$/, ''), data: null };
    } else if (level === 2 && id === 0x0006800f) {
      if (current) current.data = data;
      else current = { name: 'attachment', data };
    }
    p = start + len + 2; // checksum
  }
  if (current?.data && out.length < maxFiles) out.push({ name: current.name, data: current.data });
  return out;
}

// ---- the attachment ----------------------------------------------------------------------------

export interface AttachmentInput {
  filename: string | null;
  mimeType: string;
  disposition: string | null;
  content: Uint8Array;
  path: string[];
}

export interface AttachmentResult {
  info: AttachmentInfo;
  /** Links found inside (PDF /URI, HTML anchors): analysed with the body's links. */
  urls: string[];
  /** Files inside a TNEF container, to be analysed as attachments of their own. */
  inner: AttachmentInput[];
}

function hashes(b: Uint8Array): { md5: string; sha1: string; sha256: string } {
  return { md5: hash('md5', b, 'hex'), sha1: hash('sha1', b, 'hex'), sha256: hash('sha256', b, 'hex') };
}

const HTML_TRICKS = /\b(?:atob|unescape|eval|document\.write|window\.location|location\.href|location\.replace|fromCharCode|XMLHttpRequest|fetch)\s{0,5}\(|\blocation\s{0,5}=|\.submit\s{0,5}\(/;

/** Inspects one attachment: type, hashes, flags, archive listing. Never executes or renders it. */
export function inspectAttachment(a: AttachmentInput, maxEntries: number): AttachmentResult {
  const b = a.content;
  const name = a.filename ?? '(unnamed)';
  const det = detectType(b);
  const flags = nameFlags(a.filename ?? '');
  const urls: string[] = [];
  const inner: AttachmentInput[] = [];
  const info: AttachmentInfo = {
    filename: name,
    path: a.path,
    declaredType: a.mimeType,
    detectedType: det.label,
    size: b.length,
    ...hashes(b),
    disposition: a.disposition,
    flags,
  };
  const add = (f: string) => {
    if (!flags.includes(f)) flags.push(f);
  };
  if (det.family === 'pe' || det.family === 'elf' || det.family === 'macho' || det.family === 'class') add('executable');
  if (det.family === 'lnk') add('shortcut');
  if (det.family === 'iso' || det.family === 'udf' || det.family === 'vhd' || det.family === 'vhdx' || det.family === 'dmg') add('disk-image');
  if (det.family === 'script') add('script');
  if (det.family === 'chm') add('executable');
  const ext = extensions(a.filename ?? '').pop() ?? '';
  const expected = EXPECTED[ext];
  const declared = familyOfMime(a.mimeType);
  if (det.family !== 'unknown' && b.length > 0) {
    if (expected && !expected.includes(det.family)) add(`type-mismatch:.${ext} is ${det.label}`);
    else if (declared && !declared.includes(det.family) && !(expected && expected.includes(det.family))) add(`type-mismatch:${a.mimeType} is ${det.label}`);
  }

  if (det.family === 'zip') {
    const dir = readZipDirectory(b, maxEntries);
    if (!dir) add('unreadable');
    else {
      const isOoxml = dir.entries.some((e) => e.name === '[Content_Types].xml');
      if (isOoxml) info.detectedType = 'Office Open XML document (zip)';
      const entries: ArchiveEntry[] = [];
      for (const e of dir.entries) {
        const ef = nameFlags(e.name).filter((f) => f !== 'archive' || !isOoxml);
        const enc = (e.flags & 1) === 1;
        if (enc) ef.push('encrypted');
        if (/(^|\/)vbaproject\.bin$/i.test(e.name)) {
          ef.push('vba');
          add('macro');
        }
        if (/(^|\/)_rels\/[^/]{1,200}\.rels$/i.test(e.name) && isOoxml && e.size < 1_000_000) {
          const xml = readZipEntry(b, e);
          if (xml) {
            const t = Buffer.from(xml).toString('utf8');
            const m = /<Relationship\b[^>]{0,2000}TargetMode="External"[^>]{0,2000}>/i.exec(t);
            if (m && /Type="[^"]{0,300}\/(?:attachedTemplate|oleObject|frame|subDocument)"/i.test(m[0]) && /Target="(?:https?:|\\\\|file:)/i.test(m[0])) {
              ef.push('remote-template');
              add(`remote-template:${/Target="([^"]{1,300})"/i.exec(m[0])?.[1] ?? ''}`);
            }
          }
        }
        if (!isOoxml) {
          if (enc) add('archive-encrypted');
          if (ef.some((f) => f === 'executable' || f === 'script' || f === 'shortcut' || f === 'disk-image')) add(`archive-executable:${e.name}`);
          if (ef.includes('double-extension')) add('double-extension');
          if (ef.includes('html')) add(`archive-html:${e.name}`);
        }
        entries.push({ name: e.name.slice(0, 500), size: e.size, compressedSize: e.compressedSize, encrypted: enc, flags: ef });
      }
      info.entries = entries;
      if (dir.total > entries.length) info.entriesOmitted = dir.total - entries.length;
    }
  } else if (det.family === 'ole') {
    try {
      const cfb = CFB.read(Buffer.from(b.buffer, b.byteOffset, b.byteLength), { type: 'buffer' });
      const paths = cfb.FullPaths.map((p) => p.toLowerCase());
      if (paths.some((p) => /\/vba\/(?:dir|_vba_project)$/.test(p) || p.includes('/_vba_project_cur/') || p.includes('/macros/vba/'))) add('macro');
      if (paths.some((p) => p.endsWith('/encryptedpackage'))) add('office-encrypted');
      if (paths.some((p) => p.includes('__substg1.0_'))) info.detectedType = 'Outlook message (.msg, OLE)';
      else if (paths.some((p) => p.endsWith('/worddocument'))) info.detectedType = 'Word 97-2003 document (OLE)';
      else if (paths.some((p) => p.endsWith('/workbook') || p.endsWith('/book'))) info.detectedType = 'Excel 97-2003 workbook (OLE)';
      else if (paths.some((p) => p.endsWith('/powerpoint document'))) info.detectedType = 'PowerPoint 97-2003 presentation (OLE)';
      else if (paths.some((p) => p.endsWith('/encryptedpackage'))) info.detectedType = 'encrypted Office document (OLE)';
      if (paths.some((p) => p.endsWith('/\u0001ole10native') || p.endsWith('/objectpool/'))) add('embedded-object');
    } catch {
      add('unreadable');
    }
  } else if (det.family === 'pdf') {
    const { keys, uris } = pdfKeys(b);
    if (keys.has('JavaScript') || keys.has('JS')) add('pdf-javascript');
    if (keys.has('OpenAction') || keys.has('AA')) add('pdf-openaction');
    if (keys.has('Launch')) add('pdf-launch');
    if (keys.has('EmbeddedFile') || keys.has('EmbeddedFiles')) add('pdf-embedded-file');
    if (keys.has('SubmitForm') || keys.has('XFA')) add('pdf-form');
    if (keys.has('Encrypt')) add('pdf-encrypted');
    if (uris.length) add('pdf-links');
    urls.push(...uris);
  } else if (det.family === 'html' || det.family === 'svg' || (det.family === 'text' && flags.includes('html'))) {
    const text = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, 4 * 1024 * 1024)).toString('utf8');
    add('html');
    const scan = scanHtml(text, { maxChars: 4 * 1024 * 1024, maxAnchors: 200 });
    if (scan.forms.length || scan.passwordFields) add('html-form');
    if (scan.scripts || scan.handlers || scan.metaRefresh.length || HTML_TRICKS.test(scan.scriptText)) add('html-script');
    for (const an of scan.anchors) urls.push(an.href);
    for (const f of scan.forms) if (f.action) urls.push(f.action);
  } else if (det.family === 'tnef') {
    add('tnef');
    for (const f of readTnef(b)) inner.push({ filename: f.name, mimeType: 'application/octet-stream', disposition: 'attachment', content: f.data, path: [...a.path, name] });
  } else if (det.family === 'rtf') {
    const head = ascii(b, 0, Math.min(b.length, 2 * 1024 * 1024));
    if (/\\objdata|\\objupdate|\\objautlink/i.test(head)) add('embedded-object');
  }
  return { info, urls, inner };
}

/** Findings for one inspected attachment. */
export function attachmentFindings(info: AttachmentInfo, fs: FindingSet): void {
  const where = [...info.path, info.filename].join(' › ');
  const ev = `${where} (${info.declaredType}; ${info.detectedType}; ${info.size} bytes; sha256 ${info.sha256})`;
  const f = info.flags;
  const has = (p: string) => f.find((x) => x === p || x.startsWith(`${p}:`));
  if (has('executable')) fs.add('attachment.executable', `${where} is an executable (${info.detectedType}).`, ev);
  if (has('script')) fs.add('attachment.script', `${where} is a script.`, ev);
  if (has('shortcut')) fs.add('attachment.shortcut', `${where} is a shortcut that launches something else.`, ev);
  if (has('disk-image')) fs.add('attachment.disk-image', `${where} is a disk image (${info.detectedType}).`, ev);
  if (has('rtlo')) fs.add('attachment.rtlo', `${where} uses a right-to-left override to disguise its extension.`, ev);
  if (has('double-extension')) fs.add('attachment.double-extension', `${where} has a decoy extension before its real one.`, ev);
  const mm = has('type-mismatch');
  if (mm) fs.add('attachment.type-mismatch', `${where}: ${mm.slice(14)}.`, ev);
  if (has('macro')) fs.add('attachment.macro', `${where} contains VBA macros.`, ev);
  const rt = has('remote-template');
  if (rt) fs.add('attachment.office.remote-template', `${where} loads content from ${rt.slice(16) || 'the web'} when opened.`, ev);
  if (has('office-encrypted')) fs.add('attachment.office-encrypted', `${where} is a password-protected Office document.`, ev);
  if (has('archive-encrypted')) fs.add('attachment.archive.encrypted', `${where} is a password-protected archive: its content cannot be checked.`, ev);
  const ax = has('archive-executable');
  if (ax) fs.add('attachment.archive.executable', `${where} contains ${ax.slice(19)}, which runs when opened.`, ev);
  const ah = has('archive-html');
  if (ah) fs.add('attachment.html', `${where} contains the HTML file ${ah.slice(13)}.`, ev);
  if (has('pdf-javascript')) fs.add('attachment.pdf.javascript', `${where} is a PDF with JavaScript.`, ev);
  if (has('pdf-launch')) fs.add('attachment.pdf.launch', `${where} is a PDF with a /Launch action.`, ev);
  if (has('pdf-openaction')) fs.add('attachment.pdf.openaction', `${where} is a PDF that acts when opened (/OpenAction or /AA).`, ev);
  if (has('pdf-links') && info.size < 500_000) fs.add('attachment.pdf.link', `${where} is a small PDF whose content links to the web.`, ev);
  if (has('pdf-embedded-file')) fs.add('attachment.pdf.embedded-file', `${where} is a PDF carrying an embedded file.`, ev);
  if (has('html')) {
    if (has('html-form')) fs.add('attachment.html.form', `${where} is an HTML page with a form (a local sign-in page).`, ev);
    if (has('html-script')) fs.add('attachment.html.script', `${where} is an HTML/SVG file with script or a redirect.`, ev);
    fs.add('attachment.html', `${where} is an HTML/SVG file that opens in a browser.`, ev);
  }
  if (has('tnef')) fs.add('attachment.tnef', `${where} is a TNEF (winmail.dat) container; its files are listed separately.`, ev);
  if (has('unreadable')) fs.add('attachment.unreadable', `${where} could not be read as ${info.detectedType}.`, ev);
}
