import { appendFileSync, closeSync, mkdtempSync, openSync, renameSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { context, MemorySink, waitFor } from '../testing.js';
import type { LiveSourceInstance } from '../source.js';
import fileFollow from './index.js';
import type { FileFollowConfig } from './config.js';

let dir: string;
let path: string;
const running: LiveSourceInstance[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-follow-'));
  path = join(dir, 'alerts.json');
});

afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const line = (n: number, pad = 0): string => `${JSON.stringify({ n, pad: 'x'.repeat(pad) })}\n`;

async function follow(sink: MemorySink, checkpoint?: unknown, over: Partial<FileFollowConfig> = {}, maxLineBytes = 1_048_576): Promise<LiveSourceInstance> {
  const cfg = fileFollow.configSchema.parse({ path, pollInterval: 40, ...over });
  const s = fileFollow.create(cfg, context({ name: 'alerts', checkpoint, maxLineBytes }));
  running.push(s);
  await s.start(sink);
  return s;
}

async function stop(s: LiveSourceInstance): Promise<void> {
  await s.stop();
  running.splice(running.indexOf(s), 1);
}

const numbers = (sink: MemorySink): number[] => sink.records.map((r) => r.n as number);

describe('file-follow', () => {
  it('delivers every complete line exactly once through partial lines, rotation, truncation and restarts', async () => {
    writeFileSync(path, line(1) + line(2));
    const sink = new MemorySink();
    let src = await follow(sink);
    await waitFor(() => sink.records.length === 2, 'the first two lines');

    // A partial last line waits for its newline.
    appendFileSync(path, line(3) + '{"n":4,');
    await waitFor(() => sink.records.length === 3, 'line 3');
    await new Promise((r) => setTimeout(r, 150));
    expect(numbers(sink)).toEqual([1, 2, 3]);
    appendFileSync(path, '"pad":""}\n');
    await waitFor(() => sink.records.length === 4, 'the completed line 4');

    // Rotation: the writer still adds to the renamed file (its last line without a newline) before moving on.
    const oldFd = openSync(path, 'a');
    renameSync(path, join(dir, 'alerts.json.1'));
    writeSync(oldFd, line(5) + line(6).trimEnd());
    closeSync(oldFd);
    writeFileSync(path, line(7, 300) + line(8, 300));
    await waitFor(() => sink.records.length === 8, 'lines 5–8 across the rotation');
    expect(src.status().counters.rotations).toBe(1);

    // copytruncate: the file shrinks below the offset, then short lines follow.
    truncateSync(path, 0);
    await waitFor(() => src.status().counters.truncations === 1, 'the truncation');
    appendFileSync(path, line(9) + line(10));
    await waitFor(() => sink.records.length === 10, 'lines 9 and 10 after the truncation');

    // Lines written while stopped are read on restart from the checkpoint, and nothing before them.
    await stop(src);
    appendFileSync(path, line(11) + line(12));
    src = await follow(sink, sink.position);
    await waitFor(() => sink.records.length === 12, 'lines 11 and 12 after a restart');

    // Rotated while stopped: the old file is found beside the new one by its inode and finished first.
    await stop(src);
    appendFileSync(path, line(13));
    renameSync(path, join(dir, 'alerts.json.2'));
    writeFileSync(path, line(14));
    src = await follow(sink, sink.position);
    await waitFor(() => sink.records.length === 14, 'lines 13 and 14');
    await new Promise((r) => setTimeout(r, 150));

    expect(numbers(sink)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(sink.issues).toEqual([]);
    expect(sink.errors).toEqual([]);
  });

  it('reports an invalid or over-long line with its line number and keeps going', async () => {
    writeFileSync(path, `${line(1)}not json\n${JSON.stringify({ n: 0, pad: 'y'.repeat(300) })}\n[1,2]\n${line(2)}`);
    const sink = new MemorySink();
    const src = await follow(sink, undefined, {}, 120);
    await waitFor(() => sink.items.length === 5, 'all five lines');
    expect(numbers(sink)).toEqual([1, 2]);
    expect(sink.issues.map((i) => [i.file, i.line])).toEqual([
      [path, 2],
      [path, 3],
      [path, 4],
    ]);
    expect(sink.issues[0]!.reason).toMatch(/not valid JSON/);
    expect(sink.issues[1]!.reason).toBe('line longer than 120 bytes (input.maxLineBytes), skipped');
    expect(sink.issues[2]!.reason).toBe('not a JSON object');
    expect(src.status().counters).toMatchObject({ lines: 5, records: 2, rejected: 3 });

    // Line numbers continue from the checkpoint after a restart.
    await stop(src);
    appendFileSync(path, 'oops\n');
    const again = new MemorySink();
    await follow(again, sink.position, {}, 120);
    await waitFor(() => again.items.length === 1, 'the appended line');
    expect(again.issues[0]).toMatchObject({ file: path, line: 6 });
  });

  it('drops an over-long line that arrives in pieces without buffering it', async () => {
    const sink = new MemorySink();
    const src = await follow(sink, undefined, {}, 64);
    writeFileSync(path, line(1));
    await waitFor(() => sink.records.length === 1, 'line 1');
    for (let i = 0; i < 5; i++) {
      appendFileSync(path, 'z'.repeat(50));
      await new Promise((r) => setTimeout(r, 60));
    }
    appendFileSync(path, `\n${line(2)}`);
    await waitFor(() => sink.records.length === 2, 'line 2');
    expect(sink.issues).toHaveLength(1);
    expect(sink.issues[0]).toMatchObject({ line: 2 });
    expect(src.status().position).toMatchObject({ line: 3 });
  });

  it('waits for a file that does not exist yet, and startAt end skips what is already there', async () => {
    const sink = new MemorySink();
    const src = await follow(sink);
    expect(src.status()).toMatchObject({ state: 'waiting' });
    writeFileSync(path, line(1));
    await waitFor(() => sink.records.length === 1, 'the new file');
    await stop(src);

    const tail = new MemorySink();
    const t = await follow(tail, undefined, { startAt: 'end' });
    appendFileSync(path, line(2));
    await waitFor(() => tail.records.length === 1, 'the line written after the start');
    expect(numbers(tail)).toEqual([2]);
    expect(t.status().position).toMatchObject({ line: 2 });
  });

  it('shows position and lag from a checkpoint without running', async () => {
    writeFileSync(path, line(1) + line(2));
    const sink = new MemorySink();
    const src = await follow(sink);
    await waitFor(() => sink.records.length === 2, 'two lines');
    await stop(src);
    const cfg = fileFollow.configSchema.parse({ path });
    expect(await fileFollow.describe(cfg, { position: sink.position, lastEventAt: null }, new Date())).toMatchObject({ lag: 'caught up', lagBytes: 0 });
    appendFileSync(path, line(3));
    const v = await fileFollow.describe(cfg, { position: sink.position, lastEventAt: null }, new Date());
    expect(v.lagBytes).toBe(line(3).length);
    expect(v.position).toMatch(/^inode \d+, byte \d+ \(line 2\)$/);
  });
});
