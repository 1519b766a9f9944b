import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatIssue, VigilError } from '../core/errors.js';
import { expandInputs, readAlertFile, type InputRecord } from './reader.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-reader-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function readAll(file: string, maxLineBytes = 1 << 20): Promise<InputRecord[]> {
  const out: InputRecord[] = [];
  for await (const r of readAlertFile(file, { maxLineBytes })) out.push(r);
  return out;
}

/** `line → record id` or `line → issue text`, the way a user reads the report. */
function summary(records: InputRecord[]): string[] {
  return records.map((r) => ('record' in r ? `${r.line}: ${JSON.stringify(r.record.id)}` : `${r.line}! ${formatIssue(r.issue)}`));
}

describe('readAlertFile: JSON lines', () => {
  it('reports a truncated line with its number and delivers the others', async () => {
    const f = write('alerts.json', ['{"id":1}', '{"id":2,"rule":{"level":', '{"id":3}', ''].join('\n'));
    const recs = await readAll(f);
    expect(recs).toHaveLength(3);
    expect(recs[0]).toEqual({ file: f, line: 1, record: { id: 1 } });
    expect(recs[2]).toEqual({ file: f, line: 3, record: { id: 3 } });
    const bad = recs[1]!;
    expect('issue' in bad && bad.issue.line).toBe(2);
    expect('issue' in bad && formatIssue(bad.issue)).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: not valid JSON`));
  });

  it('reports a line that is JSON but not an object', async () => {
    const f = write('alerts.json', '{"id":1}\n[1,2]\n"text"\nnull\n');
    expect(summary(await readAll(f))).toEqual([
      '1: 1',
      `2! ${f}:2: not a JSON object`,
      `3! ${f}:3: not a JSON object`,
      `4! ${f}:4: not a JSON object`,
    ]);
  });

  it('reports an over-long line without keeping it, and keeps reading', async () => {
    const long = JSON.stringify({ id: 'big', pad: 'x'.repeat(500) });
    const f = write('alerts.json', ['{"id":1}', long, '{"id":3}', long, long, '{"id":6}'].join('\n'));
    const recs = await readAll(f, 64);
    expect(summary(recs)).toEqual([
      '1: 1',
      `2! ${f}:2: line longer than 64 bytes (input.maxLineBytes), skipped`,
      '3: 3',
      `4! ${f}:4: line longer than 64 bytes (input.maxLineBytes), skipped`,
      `5! ${f}:5: line longer than 64 bytes (input.maxLineBytes), skipped`,
      '6: 6',
    ]);
  });

  it('a line of exactly maxLineBytes is accepted', async () => {
    const line = JSON.stringify({ id: 'x'.repeat(10) });
    const f = write('alerts.json', `${line}\n`);
    expect(summary(await readAll(f, Buffer.byteLength(line)))).toEqual(['1: "xxxxxxxxxx"']);
    expect(summary(await readAll(f, Buffer.byteLength(line) - 1))[0]).toContain('line longer than');
  });

  it('handles CRLF endings, blank lines and a last line without a newline, keeping line numbers', async () => {
    const f = write('alerts.json', '{"id":1}\r\n\r\n   \r\n{"id":4}\r\n\n{"id":6}');
    expect(summary(await readAll(f))).toEqual(['1: 1', '4: 4', '6: 6']);
  });

  it('reads records that span stream chunks (lines over 1 MiB in total)', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: i, pad: 'y'.repeat(400) }));
    const f = write('big.json', lines.join('\n'));
    const recs = await readAll(f);
    expect(recs).toHaveLength(3000);
    expect(recs.every((r, i) => 'record' in r && r.record.id === i && r.line === i + 1)).toBe(true);
  });

  it('an empty or blank file gives nothing', async () => {
    expect(await readAll(write('empty.json', ''))).toEqual([]);
    expect(await readAll(write('blank.json', '\n  \n\r\n'))).toEqual([]);
  });

  it('skips a UTF-8 BOM when choosing the format', async () => {
    const f = write('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"id":1}]')]));
    expect(summary(await readAll(f))).toEqual(['1: 1']);
    const g = write('bom.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"id":1}\n{"id":2}\n')]));
    expect(summary(await readAll(g))).toEqual(['1: 1', '2: 2']);
  });
});

describe('readAlertFile: JSON array', () => {
  it('gives each pretty-printed element the line it starts on', async () => {
    const text = JSON.stringify([{ id: 'a', rule: { groups: ['x', 'y'] } }, { id: 'b', s: 'brace } and [bracket], "quote"' }, { id: 'c' }], null, 2);
    const f = write('array.json', `${text}\n`);
    const recs = await readAll(f);
    const lines = text.split('\n');
    // The element's "{" is on the line above its "id" (0-based index of the id line = 1-based line of the brace).
    const startOf = (id: string): number => lines.findIndex((l) => l.includes(`"id": "${id}"`));
    expect(summary(recs)).toEqual([`${startOf('a')}: "a"`, `${startOf('b')}: "b"`, `${startOf('c')}: "c"`]);
    expect(lines[startOf('b') - 1]!.trim()).toBe('{');
    expect(startOf('a')).toBe(2);
  });

  it('reports an element that is not an object with its index and line, and delivers the rest', async () => {
    const f = write('array.json', ['[', '  {"id": 1},', '  42,', '  "oops",', '  {"id": 4}', ']'].join('\n'));
    expect(summary(await readAll(f))).toEqual(['2: 1', `3! ${f}:3: [1]: not a JSON object`, `4! ${f}:4: [2]: not a JSON object`, '5: 4']);
  });

  it('reports a broken array file once, at line 1', async () => {
    const f = write('array.json', '[\n  {"id": 1},\n  {"id": 2\n');
    const recs = await readAll(f);
    expect(recs).toHaveLength(1);
    expect('issue' in recs[0]! && recs[0].issue.reason).toMatch(/^not a valid JSON array/);
  });

  it('refuses an array file over the size limit', async () => {
    const f = write('array.json', JSON.stringify([{ id: 1 }, { id: 2 }]));
    const recs: InputRecord[] = [];
    for await (const r of readAlertFile(f, { maxLineBytes: 1000, maxArrayFileBytes: 10 })) recs.push(r);
    expect(recs).toHaveLength(1);
    expect('issue' in recs[0]! && recs[0].issue.reason).toMatch(/over the 10-byte limit; write it as JSON lines/);
  });
});

describe('expandInputs', () => {
  it('walks folders sorted and recursively, skipping hidden entries and non-alert files', async () => {
    write('b.json', '');
    write('a.jsonl', '');
    write('notes.txt', '');
    write('.hidden.json', '');
    mkdirSync(join(dir, '.git'));
    write('.git/HEAD.json', '');
    mkdirSync(join(dir, 'sub'));
    write('sub/eve.json', '');
    write('sub/c.NDJSON', '');
    write('sub/x.log', '');
    write('sub/y.eve', '');
    write('sub/z.yaml', '');
    expect(await expandInputs([dir])).toEqual([
      join(dir, 'a.jsonl'),
      join(dir, 'b.json'),
      join(dir, 'sub/c.NDJSON'),
      join(dir, 'sub/eve.json'),
      join(dir, 'sub/x.log'),
      join(dir, 'sub/y.eve'),
    ]);
  });

  it('keeps a file named directly whatever its extension, in the order given', async () => {
    const t = write('alerts.txt', '');
    const j = write('a.json', '');
    expect(await expandInputs([t, j])).toEqual([t, j]);
  });

  it('a missing path is VIGIL_INPUT_NOT_FOUND naming it', async () => {
    const missing = join(dir, 'nope');
    const e = await expandInputs([dir, missing]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(VigilError);
    expect((e as VigilError).code).toBe('VIGIL_INPUT_NOT_FOUND');
    expect((e as VigilError).file).toBe(missing);
    expect((e as VigilError).message).toBe(`${missing} does not exist`);
  });
});
