import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VigilError } from '../../core/errors.js';
import { FEED_FORMATS, detectFormat, getFormat, requireFormat } from './registry.js';

const here = new URL('./', import.meta.url);
const folders = readdirSync(here, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'fixtures').map((d) => d.name).sort();
const docs = readFileSync(new URL('../../../docs/feeds.md', import.meta.url), 'utf8');

describe('feed format registry', () => {
  it('registers every format folder, under its folder name', () => {
    expect(FEED_FORMATS.map((f) => f.id).sort()).toEqual(folders);
  });

  it('documents every format in docs/feeds.md', () => {
    for (const f of FEED_FORMATS) expect(docs, `docs/feeds.md lacks "## ${f.id}"`).toContain(`\n## ${f.id}\n`);
  });

  it('has a fixture and a test beside every format', () => {
    for (const name of folders) {
      const files = readdirSync(new URL(`./${name}/`, here));
      expect(files).toContain('index.test.ts');
      expect(readdirSync(new URL(`./${name}/fixtures/`, here)).length).toBeGreaterThan(0);
    }
  });

  it("detects each format's own fixtures as that format", () => {
    for (const f of FEED_FORMATS) {
      // The openphish fixture holds a non-URL line on purpose, so it reads as a plain list.
      if (f.id === 'openphish') continue;
      for (const n of readdirSync(new URL(`./${f.id}/fixtures/`, here))) {
        const text = readFileSync(new URL(`./${f.id}/fixtures/${n}`, here), 'utf8');
        expect(detectFormat(text, n)?.format.id, `${f.id}/${n}`).toBe(f.id);
      }
    }
  });

  it('says when it cannot tell, and looks formats up by id', () => {
    expect(detectFormat('hello\nworld\n', 'notes.txt')).toBeUndefined();
    expect(detectFormat('https://a.example/\nhttps://b.example/x\n', 'openphish.txt')?.format.id).toBe('openphish');
    expect(getFormat('stix21')?.label).toBe('STIX 2.1');
    expect(getFormat('nope')).toBeUndefined();
    expect(() => requireFormat('nope')).toThrow(VigilError);
  });
});

describe('format detection on look-alikes', () => {
  it('keeps a plain hash list whose comments name a CSV feed a plain list', () => {
    const text = '# local blocklist\n# x86_64.sh dropper (URLhaus 3953115)\ne919819420ba89291c9ee9f6c9b5dac0\n';
    expect(detectFormat(text, 'hashes.txt')?.format.id).toBe('plain');
  });
});
