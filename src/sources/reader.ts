import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { VigilError, type InputIssue } from '../core/errors.js';

export type InputRecord =
  | { file: string; line: number; record: Record<string, unknown> }
  | { file: string; line: number; issue: InputIssue };

export interface ReadOptions {
  /** Longest accepted line (JSON lines) in bytes; longer lines are reported, not buffered. */
  maxLineBytes: number;
  /** Largest JSON-array file read whole. */
  maxArrayFileBytes?: number;
  /** Told how many bytes of the file were just read (a progress bar's position). */
  onRead?: (bytes: number) => void;
}

const INPUT_EXTENSIONS = new Set(['.json', '.jsonl', '.ndjson', '.log', '.eve']);

/** Expands folders (recursively, sorted, hidden entries skipped) into the alert files inside them. */
export async function expandInputs(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  async function walk(p: string, top: boolean): Promise<void> {
    let s;
    try {
      s = await stat(p);
    } catch {
      throw new VigilError('VIGIL_INPUT_NOT_FOUND', `${p} does not exist`, { file: p });
    }
    if (s.isDirectory()) {
      const entries = (await readdir(p)).filter((e) => !e.startsWith('.')).sort();
      for (const e of entries) await walk(join(p, e), false);
    } else if (top || INPUT_EXTENSIONS.has(extname(p).toLowerCase())) {
      out.push(p);
    }
  }
  for (const p of paths) await walk(p, true);
  return out;
}

async function firstByte(file: string): Promise<number | undefined> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    for (let i = 0; i < bytesRead; i++) {
      const c = buf[i]!;
      // Skip a UTF-8 BOM and white space.
      if (c === 0xef || c === 0xbb || c === 0xbf || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      return c;
    }
    return undefined;
  } finally {
    await fh.close();
  }
}

function parseLine(file: string, line: number, text: string): InputRecord {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { file, line, issue: { file, line, reason: `not valid JSON (${(e as Error).message.replace(/^.*?: /, '').slice(0, 120)})` } };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return { file, line, issue: { file, line, reason: 'not a JSON object' } };
  }
  return { file, line, record: v as Record<string, unknown> };
}

/** JSON lines, streamed: memory stays bounded by maxLineBytes whatever the file holds. */
async function* readLines(file: string, maxLineBytes: number, onRead?: (bytes: number) => void): AsyncGenerator<InputRecord> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let line = 1;
  const flush = function* (): Generator<InputRecord> {
    if (tooLong) {
      yield { file, line, issue: { file, line, reason: `line longer than ${maxLineBytes} bytes (input.maxLineBytes), skipped` } };
    } else if (size > 0) {
      let text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)).toString('utf8');
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.trim() !== '') yield parseLine(file, line, text);
    }
    parts = [];
    size = 0;
    tooLong = false;
    line++;
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      // Counted per line handed out, not per chunk read ahead: the position of the record in hand.
      onRead?.(nl === -1 ? end - start : end - start + 1);
      if (!tooLong) {
        size += end - start;
        if (size > maxLineBytes) {
          tooLong = true;
          parts = [];
        } else if (end > start) {
          parts.push(chunk.subarray(start, end));
        }
      }
      if (nl === -1) break;
      yield* flush();
      start = nl + 1;
    }
  }
  // A last line without a newline is complete for a file read once (the follow source treats it differently).
  yield* flush();
}

/** Start line of each top-level element of a JSON array text (the text is already known to parse). */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let depth = 0;
  let line = 1;
  let inString = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    if (expectElement && depth === 1 && c !== 93) {
      lines.push(line);
      expectElement = false;
    }
    if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (c === 93 || c === 125) depth--;
    else if (c === 44 && depth === 1) expectElement = true;
  }
  return lines;
}

async function* readArray(file: string, maxBytes: number, onRead?: (bytes: number) => void): AsyncGenerator<InputRecord> {
  const s = await stat(file);
  if (s.size > maxBytes) {
    yield { file, line: 1, issue: { file, line: 1, reason: `JSON array file of ${s.size} bytes is over the ${maxBytes}-byte limit; write it as JSON lines instead` } };
    return;
  }
  const { readFile } = await import('node:fs/promises');
  let text = await readFile(file, 'utf8');
  onRead?.(s.size);
  // firstByte skipped a UTF-8 BOM to choose the format; JSON.parse does not.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let arr: unknown;
  try {
    arr = JSON.parse(text);
  } catch (e) {
    yield { file, line: 1, issue: { file, line: 1, reason: `not a valid JSON array (${(e as Error).message.slice(0, 160)})` } };
    return;
  }
  if (!Array.isArray(arr)) return;
  const lines = elementLines(text);
  for (let i = 0; i < arr.length; i++) {
    const line = lines[i] ?? 1;
    const v = arr[i] as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      yield { file, line, issue: { file, line, field: `[${i}]`, reason: 'not a JSON object' } };
    } else {
      yield { file, line, record: v as Record<string, unknown> };
    }
  }
}

/** Reads one alert file: a JSON array when it starts with `[`, JSON lines otherwise. */
export async function* readAlertFile(file: string, opts: ReadOptions): AsyncGenerator<InputRecord> {
  const first = await firstByte(file);
  if (first === undefined) return;
  if (first === 0x5b) yield* readArray(file, opts.maxArrayFileBytes ?? 256 * 1024 * 1024, opts.onRead);
  else yield* readLines(file, opts.maxLineBytes, opts.onRead);
}
