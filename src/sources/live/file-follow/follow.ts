import { watch, type FSWatcher } from 'node:fs';
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { InputRecord } from '../../reader.js';
import { jsonRecord, rejected } from '../records.js';
import type { LiveSink, LiveSourceContext, LiveSourceInstance, LiveSourceStatus } from '../source.js';
import { hasPosition } from '../checkpoints.js';
import { FilePosition, type FileFollowConfig } from './config.js';

const CHUNK = 256 * 1024;
// A rotated file is looked for among this many entries of the folder, no more (a hostile folder could be huge).
const MAX_SIBLINGS = 2000;

/**
 * Follows one growing file like `tail -F`: complete lines only (a partial last line waits for its
 * newline), rotation (a new inode at the path: the old file is finished through its open handle, then
 * the new one is read from 0) and truncation (size below the offset: start again at 0).
 */
export class FileFollower implements LiveSourceInstance {
  private fh: FileHandle | undefined;
  private ino = 0;
  /** File offset of the next read. */
  private readPos = 0;
  /** File offset where the line being assembled starts: the position to resume from. */
  private lineStart = 0;
  /** Complete lines before lineStart. */
  private line = 0;
  private parts: Buffer[] = [];
  private partSize = 0;
  /** The line being assembled is over the limit: drop bytes until its newline. */
  private skipping = false;
  private size = 0;

  private sink: LiveSink | undefined;
  private running = false;
  /** The checkpoint has been applied (the first open succeeded or found no file). */
  private initialized = false;
  private pumping: Promise<void> | undefined;
  private again = false;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private state: LiveSourceStatus['state'] = 'stopped';
  private detail = '';
  private readonly counters = { lines: 0, records: 0, rejected: 0, rotations: 0, truncations: 0 };
  private readonly maxLineBytes: number;
  private readonly base: string;

  constructor(
    private readonly cfg: FileFollowConfig,
    private readonly ctx: LiveSourceContext,
  ) {
    this.maxLineBytes = cfg.maxLineBytes ?? ctx.maxLineBytes;
    this.base = basename(cfg.path);
  }

  async start(sink: LiveSink): Promise<void> {
    if (this.running) return;
    this.sink = sink;
    this.running = true;
    this.state = 'starting';
    try {
      await this.openInitial();
      this.initialized = true;
    } catch (e) {
      // Unreadable for now (permissions, I/O): the poll tries again, still from the checkpoint.
      sink.error(e as Error);
    }
    try {
      // The folder, not the file: a watch on the file follows its inode away after a rotation.
      this.watcher = watch(dirname(this.cfg.path), { persistent: false }, (_event, name) => {
        if (!name || name === this.base) this.kick();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // No folder yet, or no inotify left: the poll below still finds every change.
    }
    this.timer = setInterval(() => this.kick(), this.cfg.pollInterval);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.pumping;
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
    this.state = 'stopped';
  }

  status(): LiveSourceStatus {
    return {
      state: this.state,
      resumable: true,
      position: this.fh ? this.position() : undefined,
      lag: { bytes: Math.max(0, this.size - this.lineStart) },
      detail: this.detail,
      counters: { ...this.counters },
    };
  }

  private position(): FilePosition {
    return { inode: this.ino, offset: this.lineStart, line: this.line };
  }

  private kick(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((e: Error) => this.sink?.error(e))
      .finally(() => {
        this.pumping = undefined;
      });
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      if (!this.initialized) {
        await this.openInitial();
        this.initialized = true;
      }
      if (!this.fh) {
        await this.openFresh();
        if (!this.fh) return;
      }
      await this.drain(false);
      if (!this.running) return;
      let st;
      try {
        st = await stat(this.cfg.path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        // Renamed away and not yet replaced: keep reading the old file through its handle.
        this.detail = `${this.cfg.path} is gone; waiting for it to be created again`;
        continue;
      }
      if (st.ino !== this.ino) {
        // Rotated: whatever the writer added before it let go of the old file, then the new file from 0.
        await this.drain(true);
        if (!this.running) return;
        this.counters.rotations++;
        this.ctx.log.info({ source: this.ctx.name, path: this.cfg.path }, 'file rotated; following the new file');
        await this.fh?.close().catch(() => undefined);
        this.fh = undefined;
        await this.openFresh();
        this.again = true;
      } else if (st.size < this.readPos) {
        this.counters.truncations++;
        this.ctx.log.info({ source: this.ctx.name, path: this.cfg.path, size: st.size, offset: this.readPos }, 'file truncated; reading it again from the start');
        this.resetTo(0, 0);
        await this.deliver([]);
        this.again = true;
      } else {
        this.size = st.size;
        this.state = 'running';
        this.detail = `following ${this.cfg.path}`;
      }
    } while (this.again && this.running);
  }

  /** The first open: resume from the checkpoint, finishing a file rotated away while Vigil was stopped. */
  private async openInitial(): Promise<void> {
    const parsed = hasPosition(this.ctx.checkpoint) ? FilePosition.safeParse(this.ctx.checkpoint) : undefined;
    if (parsed && !parsed.success) this.ctx.log.warn({ source: this.ctx.name }, 'stored file position is not usable; starting without it');
    const cp = parsed?.success ? parsed.data : undefined;
    const fh = await this.tryOpen(this.cfg.path);
    const st = fh ? await fh.stat() : undefined;
    if (cp && (!st || st.ino !== cp.inode)) {
      const previous = await this.findByInode(cp.inode);
      if (previous) {
        const old = await this.tryOpen(previous);
        if (old) {
          this.ctx.log.info({ source: this.ctx.name, file: previous }, 'finishing the rotated file first');
          this.adopt(old, cp.inode, 0);
          this.resetTo(cp.offset, cp.line);
          await this.drain(true);
          await old.close().catch(() => undefined);
          this.fh = undefined;
        }
      } else if (st) {
        this.sink?.error(
          new Error(`${this.cfg.path} was replaced while the source was stopped and the previous file (inode ${cp.inode}) is not in its folder: lines written to it after byte ${cp.offset} were not read`),
        );
      }
    }
    if (!fh || !st) {
      this.state = 'waiting';
      this.detail = `waiting for ${this.cfg.path} to be created`;
      return;
    }
    this.adopt(fh, st.ino, st.size);
    if (cp && cp.inode === st.ino) {
      if (st.size >= cp.offset) this.resetTo(cp.offset, cp.line);
      else {
        this.counters.truncations++;
        this.resetTo(0, 0);
      }
    } else if (!cp && this.cfg.startAt === 'end') {
      this.resetTo(st.size, await countLines(fh, st.size));
    } else {
      this.resetTo(0, 0);
    }
    // Record the file it starts on even before its first line, so a rotation before then is noticed at restart.
    await this.deliver([]);
    this.state = 'running';
    this.detail = `following ${this.cfg.path}`;
  }

  /** A file appearing at the path (created, or the new file after a rotation): read from 0. */
  private async openFresh(): Promise<void> {
    const fh = await this.tryOpen(this.cfg.path);
    if (!fh) {
      this.state = 'waiting';
      this.detail = `waiting for ${this.cfg.path} to be created`;
      return;
    }
    const st = await fh.stat();
    this.adopt(fh, st.ino, st.size);
    this.resetTo(0, 0);
    await this.deliver([]);
    this.state = 'running';
    this.detail = `following ${this.cfg.path}`;
  }

  private adopt(fh: FileHandle, ino: number, size: number): void {
    this.fh = fh;
    this.ino = ino;
    this.size = size;
  }

  private resetTo(offset: number, line: number): void {
    this.readPos = offset;
    this.lineStart = offset;
    this.line = line;
    this.parts = [];
    this.partSize = 0;
    this.skipping = false;
  }

  private async tryOpen(path: string): Promise<FileHandle | undefined> {
    try {
      return await open(path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** A rotated copy kept beside the file (`alerts.json.1`, `alerts.json-20250101`) with the checkpoint's inode. */
  private async findByInode(inode: number): Promise<string | undefined> {
    const dir = dirname(this.cfg.path);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return undefined;
    }
    for (const n of names.slice(0, MAX_SIBLINGS)) {
      const p = join(dir, n);
      try {
        const s = await stat(p);
        if (s.isFile() && s.ino === inode) return p;
      } catch {
        // Vanished meanwhile.
      }
    }
    return undefined;
  }

  /**
   * Reads from readPos to the end of the current file, delivering complete lines chunk by chunk.
   * `final`: the file will not grow any more (rotated away), so an unterminated last line is taken as it is.
   */
  private async drain(final: boolean): Promise<void> {
    const fh = this.fh;
    if (!fh) return;
    while (this.running) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await fh.read(buf, 0, CHUNK, this.readPos);
      if (bytesRead === 0) break;
      const before = this.lineStart;
      const items = this.consume(buf.subarray(0, bytesRead));
      if (items.length || this.lineStart !== before) await this.deliver(items);
    }
    if (final && this.running && (this.partSize > 0 || this.skipping)) {
      const items: InputRecord[] = [];
      this.line++;
      if (this.skipping) items.push(this.tooLong());
      else {
        const text = this.takeLine();
        const rec = jsonRecord(this.cfg.path, this.line, text);
        items.push('issue' in rec ? rejected(this.cfg.path, this.line, `incomplete last line of a rotated file: ${rec.issue.reason}`) : rec);
      }
      this.count(items);
      this.lineStart = this.readPos;
      this.parts = [];
      this.partSize = 0;
      this.skipping = false;
      await this.deliver(items);
    }
  }

  /** Splits a chunk into complete lines; the unterminated rest stays in `parts` until its newline comes. */
  private consume(chunk: Buffer): InputRecord[] {
    const items: InputRecord[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.skipping) {
        this.partSize += end - start;
        if (this.partSize > this.maxLineBytes) {
          this.skipping = true;
          this.parts = [];
        } else if (end > start) this.parts.push(chunk.subarray(start, end));
      }
      if (nl === -1) break;
      this.line++;
      if (this.skipping) items.push(this.tooLong());
      else {
        const text = this.takeLine();
        if (text.trim() !== '') items.push(jsonRecord(this.cfg.path, this.line, text));
      }
      this.parts = [];
      this.partSize = 0;
      this.skipping = false;
      this.lineStart = this.readPos + nl + 1;
      start = nl + 1;
    }
    this.readPos += chunk.length;
    this.count(items);
    return items;
  }

  private takeLine(): string {
    let text = (this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partSize)).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (this.line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return text;
  }

  private tooLong(): InputRecord {
    return rejected(this.cfg.path, this.line, `line longer than ${this.maxLineBytes} bytes (input.maxLineBytes), skipped`);
  }

  private count(items: InputRecord[]): void {
    for (const i of items) {
      this.counters.lines++;
      if ('issue' in i) this.counters.rejected++;
      else this.counters.records++;
    }
  }

  private async deliver(items: InputRecord[]): Promise<void> {
    const p = this.sink?.deliver({ items, position: this.position(), ...(items.length && { lastEventAt: this.ctx.clock.now().toISOString() }) });
    if (p) await p;
  }
}

/** Newlines in the first `size` bytes, so line numbers stay right when following starts at the end. */
async function countLines(fh: FileHandle, size: number): Promise<number> {
  const buf = Buffer.allocUnsafe(1 << 20);
  let n = 0;
  for (let pos = 0; pos < size; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) break;
    for (let i = buf.indexOf(0x0a, 0); i !== -1 && i < bytesRead; i = buf.indexOf(0x0a, i + 1)) n++;
    pos += bytesRead;
  }
  return n;
}
