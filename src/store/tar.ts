// The container of a backup: a plain POSIX tar (ustar) of regular files, so `tar tf` lists it and
// `tar xf` takes it apart without Vigil. Only what a backup needs: regular files, written once in
// order, each member streamed in and its header filled in afterwards (the size is known only then),
// and read back by hopping from header to header.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { VigilError } from '../core/errors.js';

const BLOCK = 512;
/** Eleven octal digits hold sizes below 8 GiB; larger ones use GNU tar's base-256 form, which tar and bsdtar read. */
const OCTAL_MAX = 8 ** 11;

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

/** A ustar header of a regular file. */
export function tarHeader(name: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length > 100) throw new Error(`tar member name too long: ${name}`);
  nameBytes.copy(h, 0);
  octal(h, 100, 8, 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  if (size < OCTAL_MAX) octal(h, 124, 12, size);
  else {
    h[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  octal(h, 136, 12, Math.floor(mtime / 1000));
  h.write('        ', 148, 8, 'ascii');
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

export interface WrittenMember {
  name: string;
  bytes: number;
  sha256: string;
}

/** Writes a tar file member by member; `close` ends it with the two empty blocks tar expects. */
export class TarWriter {
  private pos = 0;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
  ) {}

  static async create(path: string): Promise<TarWriter> {
    return new TarWriter(await open(path, 'wx'), path);
  }

  /** Adds one member from a buffer or a stream of chunks; returns its size and SHA-256. */
  async add(name: string, data: Buffer | AsyncIterable<Buffer | string>): Promise<WrittenMember> {
    const start = this.pos;
    this.pos += BLOCK;
    const hash = createHash('sha256');
    let bytes = 0;
    const write = async (chunk: Buffer): Promise<void> => {
      hash.update(chunk);
      await this.fh.write(chunk, 0, chunk.length, this.pos);
      this.pos += chunk.length;
      bytes += chunk.length;
    };
    if (Buffer.isBuffer(data)) await write(data);
    else for await (const c of data) await write(typeof c === 'string' ? Buffer.from(c) : c);
    const pad = (BLOCK - (bytes % BLOCK)) % BLOCK;
    if (pad) await this.fh.write(Buffer.alloc(pad), 0, pad, this.pos);
    this.pos += pad;
    await this.fh.write(tarHeader(name, bytes, Date.now()), 0, BLOCK, start);
    return { name, bytes, sha256: hash.digest('hex') };
  }

  async close(): Promise<void> {
    await this.fh.write(Buffer.alloc(BLOCK * 2), 0, BLOCK * 2, this.pos);
    await this.fh.sync();
    await this.fh.close();
  }

  /** Closes without finishing, for a write that failed (the caller removes the file). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
  }
}

export interface TarMember {
  name: string;
  /** Where its data starts in the file. */
  offset: number;
  size: number;
}

function readSize(h: Buffer): number {
  if (h[124]! & 0x80) {
    let v = 0n;
    for (let i = 125; i < 136; i++) v = (v << 8n) | BigInt(h[i]!);
    return Number(v);
  }
  const text = h.toString('ascii', 124, 136).replace(/[\0 ]+$/, '').trim();
  return text ? parseInt(text, 8) : NaN;
}

function cString(h: Buffer, offset: number, length: number): string {
  const end = h.indexOf(0, offset);
  return h.toString('utf8', offset, end < 0 || end > offset + length ? offset + length : end);
}

/**
 * The members of a tar file, found by reading each header and skipping its data. A file that is
 * not a tar, or is cut short, is refused with the offset where it stops making sense.
 */
export async function readTarIndex(path: string): Promise<TarMember[]> {
  const fh = await open(path, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const members: TarMember[] = [];
    const h = Buffer.alloc(BLOCK);
    let pos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(h, 0, BLOCK, pos);
      if (bytesRead < BLOCK) throw new VigilError('VIGIL_INPUT_PARSE', `ends at byte ${fileSize} in the middle of the archive (a backup cut short?)`, { file: path });
      if (h.every((b) => b === 0)) break;
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
      const stored = parseInt(h.toString('ascii', 148, 156).replace(/[\0 ]+$/, '').trim(), 8);
      if (stored !== sum) throw new VigilError('VIGIL_INPUT_PARSE', pos === 0 ? 'not a Vigil backup (not a tar archive)' : `damaged archive header at byte ${pos}`, { file: path });
      const size = readSize(h);
      if (!Number.isSafeInteger(size) || size < 0) throw new VigilError('VIGIL_INPUT_PARSE', `damaged archive header at byte ${pos} (size)`, { file: path });
      const prefix = h.toString('ascii', 257, 262) === 'ustar' ? cString(h, 345, 155) : '';
      const name = (prefix ? `${prefix}/` : '') + cString(h, 0, 100);
      const type = String.fromCharCode(h[156]!);
      if (pos + BLOCK + size > fileSize) throw new VigilError('VIGIL_INPUT_PARSE', `member ${name} needs ${size} bytes but the file ends before them (a backup cut short?)`, { file: path });
      if (type === '0' || type === '\0') members.push({ name, offset: pos + BLOCK, size });
      pos += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    }
    return members;
  } finally {
    await fh.close();
  }
}

/** A member's bytes as a stream. */
export function memberStream(path: string, m: TarMember): Readable {
  // createReadStream's `end` is inclusive, and cannot express an empty range.
  return m.size === 0 ? Readable.from([]) : createReadStream(path, { start: m.offset, end: m.offset + m.size - 1 });
}

/** A small member (the manifest) read whole, refused when over `max` bytes. */
export async function readMember(path: string, m: TarMember, max: number): Promise<Buffer> {
  if (m.size > max) throw new VigilError('VIGIL_INPUT_TOO_LARGE', `${m.name} is ${m.size} bytes, more than the ${max} it may have`, { file: path });
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(m.size);
    await fh.read(buf, 0, m.size, m.offset);
    return buf;
  } finally {
    await fh.close();
  }
}
