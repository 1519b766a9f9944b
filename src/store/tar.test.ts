import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memberStream, readTarIndex, tarHeader, TarWriter } from './tar.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-tar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const haveTar = spawnSync('tar', ['--version']).status === 0;

async function read(file: string, name: string): Promise<Buffer> {
  const m = (await readTarIndex(file)).find((x) => x.name === name)!;
  const chunks: Buffer[] = [];
  for await (const c of memberStream(file, m)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function* pieces(): AsyncIterable<Buffer | string> {
  for (let i = 0; i < 1000; i++) yield `line ${i} ${'x'.repeat(i % 700)}\n`;
  yield Buffer.from([0, 1, 2, 255]);
}

describe('the backup container (tar)', () => {
  it('writes members from buffers and streams, empty ones too, and reads them back with their checksums', async () => {
    const file = join(dir, 'a.tar');
    const tar = await TarWriter.create(file);
    const streamed = await tar.add('tables/big.jsonl', pieces());
    const empty = await tar.add('tables/empty.jsonl', Buffer.alloc(0));
    await tar.add('manifest.json', Buffer.from('{"a":1}\n'));
    await tar.close();
    expect(empty).toMatchObject({ bytes: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' });
    expect((await readTarIndex(file)).map((m) => [m.name, m.size])).toEqual([['tables/big.jsonl', streamed.bytes], ['tables/empty.jsonl', 0], ['manifest.json', 8]]);
    const big = await read(file, 'tables/big.jsonl');
    expect(big.length).toBe(streamed.bytes);
    expect(big.subarray(-4)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect((await read(file, 'tables/empty.jsonl')).length).toBe(0);
    await expect(TarWriter.create(file)).rejects.toThrow(/EEXIST/);
  });

  it.runIf(haveTar)('is a tar the tar command lists and extracts, and reads what tar writes', async () => {
    const file = join(dir, 'a.tar');
    expect(spawnSync('tar', ['tf', file], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)).toEqual(['tables/big.jsonl', 'tables/empty.jsonl', 'manifest.json']);
    const out = join(dir, 'x');
    mkdirSync(out);
    expect(spawnSync('tar', ['xf', file, '-C', out]).status).toBe(0);
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe('{"a":1}\n');
    expect(readFileSync(join(out, 'tables/big.jsonl'))).toEqual(await read(file, 'tables/big.jsonl'));

    // A path over 100 bytes: ustar keeps its folders in the header's prefix field.
    const long = `${'long-folder-name-'.repeat(5)}/${'file-name-'.repeat(3)}`;
    mkdirSync(join(out, 'long-folder-name-'.repeat(5)));
    writeFileSync(join(out, long), 'deep');
    const theirs = join(dir, 'theirs.tar');
    expect(spawnSync('tar', ['--format=ustar', '-cf', theirs, '-C', out, 'manifest.json', 'tables/big.jsonl', long], { encoding: 'utf8' }).stderr).toBe('');
    expect((await readTarIndex(theirs)).map((m) => m.name)).toEqual(['manifest.json', 'tables/big.jsonl', long]);
    expect((await read(theirs, long)).toString()).toBe('deep');
  });

  it('refuses what is not a tar, a damaged header and a file cut short, saying where', async () => {
    writeFileSync(join(dir, 'text.tar'), 'hello\n'.repeat(200));
    await expect(readTarIndex(join(dir, 'text.tar'))).rejects.toMatchObject({ code: 'VIGIL_INPUT_PARSE', message: 'not a Vigil backup (not a tar archive)' });
    const good = readFileSync(join(dir, 'a.tar'));
    const second = 512 + Math.ceil((await readTarIndex(join(dir, 'a.tar')))[0]!.size / 512) * 512;
    const damaged = Buffer.from(good);
    damaged[second + 3] = damaged[second + 3]! ^ 0x20;
    writeFileSync(join(dir, 'damaged.tar'), damaged);
    await expect(readTarIndex(join(dir, 'damaged.tar'))).rejects.toThrow(`damaged archive header at byte ${second}`);
    writeFileSync(join(dir, 'short.tar'), good.subarray(0, 2000));
    await expect(readTarIndex(join(dir, 'short.tar'))).rejects.toThrow('member tables/big.jsonl needs');
  });

  it('writes sizes of 8 GiB and more in the base-256 form tar reads', async () => {
    const size = 9 * 1024 ** 3;
    const h = tarHeader('huge.bin', size, Date.now());
    expect(h[124]).toBe(0x80);
    writeFileSync(join(dir, 'huge.tar'), Buffer.concat([h, Buffer.alloc(1024)]));
    await expect(readTarIndex(join(dir, 'huge.tar'))).rejects.toThrow(`member huge.bin needs ${size} bytes but the file ends before them`);
  });
});
