import PostalMime, { type Email } from 'postal-mime';
import { VigilError } from '../core/errors.js';
import type { PhishingConfig } from './config.js';
import type { FindingId } from './findings.js';

/** A limit or structural problem met while parsing: becomes a finding, never an exception. */
export interface ParseNote {
  id: FindingId;
  message: string;
  evidence: string;
}

export interface ParsedMail {
  email: Email;
  /** The bytes that were parsed (the message cut at a limit when one was hit). */
  raw: Uint8Array;
  /** Size of the message as given. */
  size: number;
  notes: ParseNote[];
  /** True when only the header block could be parsed. */
  headersOnly: boolean;
}

export type ParseLimits = PhishingConfig['limits'];

const LF = 0x0a;

/** Offset just past the header block's blank line (or the end), scanning at most `max` bytes. */
export function headerEnd(buf: Uint8Array, max = buf.length): number {
  const n = Math.min(buf.length, max);
  for (let i = 0; i < n; i++) {
    if (buf[i] !== LF) continue;
    // "\n\n" or "\n\r\n"
    if (buf[i + 1] === LF) return i + 2;
    if (buf[i + 1] === 0x0d && buf[i + 2] === LF) return i + 3;
  }
  return n;
}

// Boundary declarations anywhere in the message: boundary="…" or boundary=token. Bounded quantifiers,
// no nesting: linear on any input.
const BOUNDARY_RE = /boundary\s{0,20}=\s{0,20}(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/gi;

interface BoundaryScan {
  /** Offset of the line that starts the (maxParts + 1)-th part, when there are more. */
  cutAt: number | null;
  parts: number;
  /** Declared boundaries that never appear as a delimiter, or never close. */
  broken: string[];
}

/**
 * Counts MIME part delimiters without parsing: the parser has no breadth limit, and a message with
 * a hundred thousand tiny parts costs seconds. Also notices boundaries that are declared but never
 * used or never closed (broken MIME, which clients render differently).
 */
export function scanBoundaries(text: string, maxParts: number): BoundaryScan {
  const declared = new Set<string>();
  BOUNDARY_RE.lastIndex = 0;
  for (let m = BOUNDARY_RE.exec(text); m !== null && declared.size < 200; m = BOUNDARY_RE.exec(text)) {
    declared.add((m[1] ?? m[2])!);
  }
  const result: BoundaryScan = { cutAt: null, parts: 0, broken: [] };
  if (declared.size === 0) return result;
  const list = [...declared];
  const opened = new Set<string>();
  const closed = new Set<string>();
  let pos = text.startsWith('--') ? 0 : text.indexOf('\n--');
  while (pos >= 0) {
    const lineStart = text.charCodeAt(pos) === LF ? pos + 1 : pos;
    for (const b of list) {
      if (!text.startsWith(b, lineStart + 2)) continue;
      const after = lineStart + 2 + b.length;
      if (text.startsWith('--', after)) closed.add(b);
      else {
        opened.add(b);
        result.parts++;
        if (result.parts > maxParts && result.cutAt === null) result.cutAt = lineStart;
      }
      break;
    }
    pos = text.indexOf('\n--', lineStart + 2);
  }
  for (const b of list) if (!opened.has(b) || !closed.has(b)) result.broken.push(b);
  return result;
}

function cutAtLine(buf: Uint8Array, at: number): Uint8Array {
  let end = Math.min(at, buf.length);
  while (end > 0 && buf[end - 1] !== LF) end--;
  return buf.subarray(0, end > 0 ? end : Math.min(at, buf.length));
}

/**
 * Parses a message within limits. A message over the size or part limit is cut and parsed; one whose
 * nesting or headers break the parser's limits is parsed again as headers only. Each limit hit is a
 * note (a finding later). Only input that cannot be read as mail at all throws.
 */
export async function parseMail(input: Uint8Array, limits: ParseLimits, size = input.length): Promise<ParsedMail> {
  const notes: ParseNote[] = [];
  let raw = input;
  if (raw.length > limits.maxBytes || size > limits.maxBytes) {
    notes.push({ id: 'parse.limit.size', message: `The message is ${size} bytes, over the ${limits.maxBytes}-byte limit: only the first ${limits.maxBytes} bytes were analysed.`, evidence: `${size} bytes` });
    raw = cutAtLine(raw, limits.maxBytes);
  }
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  const scan = scanBoundaries(text, limits.maxParts);
  if (scan.cutAt !== null) {
    notes.push({ id: 'parse.limit.parts', message: `The message has ${scan.parts} MIME parts, over the limit of ${limits.maxParts}: later parts were not analysed.`, evidence: `${scan.parts} parts` });
    raw = cutAtLine(raw, scan.cutAt);
  }
  if (scan.broken.length) {
    notes.push({ id: 'parse.broken-mime', message: `A multipart boundary is declared but never used or never closed (${scan.broken.length}).`, evidence: `boundary="${scan.broken[0]}"` });
  }
  const opts = { maxNestingDepth: limits.maxDepth, maxRfc822NestingDepth: limits.maxMessageDepth, attachmentEncoding: 'arraybuffer' as const };
  try {
    const email = await PostalMime.parse(raw, opts);
    for (const a of email.attachments) {
      if (a.rfc822DepthExceeded) {
        notes.push({ id: 'parse.limit.depth', message: `Attached messages are nested more than ${limits.maxMessageDepth} deep: the deepest was not opened.`, evidence: a.filename ?? 'message/rfc822' });
        break;
      }
    }
    return { email, raw, size, notes, headersOnly: false };
  } catch (e) {
    const msg = (e as Error).message;
    const depth = /nesting depth/i.test(msg);
    const headers = /header size/i.test(msg);
    if (!depth && !headers) throw new VigilError('VIGIL_INPUT_PARSE', `not a readable e-mail: ${msg}`, { cause: e });
    notes.push(
      depth
        ? { id: 'parse.limit.depth', message: `MIME parts are nested more than ${limits.maxDepth} deep: only the headers were analysed.`, evidence: msg }
        : { id: 'parse.limit.headers', message: 'The headers are larger than the parser allows: only the headers that fit were analysed.', evidence: msg },
    );
  }
  // Headers only: the top-level header block, itself capped, parsed as a message without a body.
  const end = headerEnd(raw, 1024 * 1024);
  const head = cutAtLine(raw, end);
  try {
    const email = await PostalMime.parse(head, { ...opts, maxNestingDepth: 1 });
    return { email, raw: head, size, notes, headersOnly: true };
  } catch (e) {
    throw new VigilError('VIGIL_INPUT_PARSE', `not a readable e-mail: ${(e as Error).message}`, { cause: e });
  }
}

/** Parses an attached message (message/rfc822 content) with the same limits; null when unreadable. */
export async function parseNested(content: Uint8Array, limits: ParseLimits): Promise<ParsedMail | null> {
  try {
    return await parseMail(content, limits);
  } catch {
    return null;
  }
}
