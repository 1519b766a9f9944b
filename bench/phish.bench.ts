// Phishing analysis: messages/s for the full offline analysis (parse within limits, headers, auth,
// relays, HTML scan and links, wording, attachments with hashes and archive listing, IOCs, verdict)
// next to postal-mime's bare parse of the same bytes, in the same process. Each round times a block
// of bare parses and then a block of analyses of the same message; the ratio of each round is taken
// and the median of the rounds reported (the machine may be shared: only ratios measured side by side
// are compared). Three generated messages: small (a 2 KB credential phish), medium (a 64 KB newsletter
// with a text part and a 300-link HTML part) and large (2 MB: HTML body plus a zip, a macro document,
// a PDF and images).
import PostalMime from 'postal-mime';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeEmail } from '../src/phishing/analyze.js';
import { defaultPhishingConfig } from '../src/phishing/config.js';
import { BrandIndex } from '../src/phishing/lookalike.js';
import { buildMessage, buildOle, buildZip, FAKE_EXE } from '../src/phishing/testing.js';

let seed = 0x7a11;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const WORDS = 'the of and to in is that for it as was with be by on not this are or from at which but have an they you were their has would when if so what out up into more can some time could them than these other then only its may first like over also new very after such most even made well our where many way down through much must before back years good should because long those same people just still being each garden lamp chair table offer'.split(' ');
const sentence = () => Array.from({ length: 10 + Math.floor(rnd() * 10) }, () => pick(WORDS)).join(' ');
const HEAD = {
  From: 'Example Shop <news@example-shop.com>',
  To: 'alice@corp.example',
  Subject: 'Your weekly picks',
  Date: 'Tue, 14 May 2024 09:12:01 +0000',
  'Message-ID': '<bench@example-shop.com>',
  'Authentication-Results': 'mx1.corp.example; dkim=pass header.d=example-shop.com header.s=news; spf=pass smtp.mailfrom=bounce@mail.example-shop.com; dmarc=pass header.from=example-shop.com',
  Received: 'from out20.mail.example-shop.com (out20.mail.example-shop.com [198.51.100.20]) by mx1.corp.example (Postfix) with ESMTPS id 4Tq; Tue, 14 May 2024 09:12:06 +0000',
};

function newsletterHtml(links: number, paragraphs: number): string {
  const items: string[] = [];
  for (let i = 0; i < links; i++) {
    const host = pick(['www.example-shop.com', 'click.example-shop.com', 'cdn.example-shop.com', 'bit.ly', 'www.partner-store.example']);
    items.push(`<tr><td><a href="https://${host}/p/${i}?utm_source=news&amp;id=${Math.floor(rnd() * 1e6)}"><img src="https://cdn.example-shop.com/i/${i}.jpg" width="120" height="90" alt="${pick(WORDS)}"></a></td><td><p style="font-family:Arial;color:#333">${sentence()}</p><a href="https://www.example-shop.com/p/${i}">${pick(WORDS)} ${pick(WORDS)}</a></td></tr>`);
  }
  const paras = Array.from({ length: paragraphs }, () => `<p>${sentence()}. ${sentence()}.</p>`).join('\n');
  return `<!DOCTYPE html><html><head><style>td{padding:4px}</style></head><body><table>${items.join('\n')}</table>${paras}<img src="https://t.example-shop.com/o.gif" width="1" height="1"></body></html>`;
}

const small = readFileSync(join(import.meta.dirname, '../src/phishing/fixtures/credential-phish.eml'));
const medium = buildMessage(HEAD, [
  { type: 'text/plain; charset=utf-8', content: Array.from({ length: 60 }, sentence).join('\n') },
  { type: 'text/html; charset=utf-8', content: newsletterHtml(150, 40), disposition: 'inline' },
]);
const randomBytes = (n: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
};
const zipEntries: Record<string, Uint8Array> = { 'invoice.pdf.exe': FAKE_EXE };
for (let i = 0; i < 40; i++) zipEntries[`docs/scan_${i}.jpg`] = randomBytes(6000);
const large = buildMessage(HEAD, [
  { type: 'text/html; charset=utf-8', content: newsletterHtml(300, 400), disposition: 'inline' },
  { type: 'application/zip', filename: 'documents.zip', content: buildZip(zipEntries) },
  { type: 'application/vnd.ms-word.document.macroEnabled.12', filename: 'Invoice.docm', content: buildZip({ '[Content_Types].xml': '<Types/>', 'word/document.xml': `<w:document>${sentence().repeat(200)}</w:document>`, 'word/vbaProject.bin': buildOle({ 'VBA/dir': randomBytes(4000) }) }) },
  { type: 'application/pdf', filename: 'statement.pdf', content: Buffer.concat([Buffer.from('%PDF-1.7\n1 0 obj << /OpenAction 2 0 R >>\n'), randomBytes(400_000), Buffer.from('\n/URI (https://login.example.net/a)\n%%EOF')]) },
  { type: 'image/jpeg', filename: 'photo1.jpg', content: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(350_000)]) },
  { type: 'image/png', filename: 'photo2.png', content: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]), randomBytes(350_000)]) },
]);

const config = defaultPhishingConfig();
const brands = new BrandIndex(config);

async function timeIt(fn: () => Promise<unknown>, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return n / ((performance.now() - start) / 1000);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

// --rounds N (default 7), --only small|medium|large: for profiling one case.
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ROUNDS = Number(arg('--rounds') ?? 7);
const only = arg('--only');

console.log(`Phishing analysis vs. postal-mime bare parse (same messages, interleaved rounds, median of ${ROUNDS})`);
const rows: string[][] = [['message', 'size', 'postal-mime parse/s', 'full analysis/s', 'ratio', 'goal ≥ 0.5×']];
const cases = [['small', small, 1000], ['medium', medium, 60], ['large (2 MB, attachments)', large, 6]] as const;
for (const [name, raw, n] of cases) {
  if (only && !name.startsWith(only)) continue;
  const r0 = await analyzeEmail(raw, { file: name, config, brands });
  // warm-up: both sides compiled before anything is timed
  await timeIt(() => PostalMime.parse(raw), n);
  await timeIt(() => analyzeEmail(raw, { file: name, config, brands }), n);
  const parse: number[] = [];
  const full: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Each round times the bare parse and the analysis back to back, so a ratio compares like with like
    // on a machine whose load changes; the median of the rounds is reported.
    const p = await timeIt(() => PostalMime.parse(raw), n);
    const f = await timeIt(() => analyzeEmail(raw, { file: name, config, brands }), n);
    parse.push(p);
    full.push(f);
    ratios.push(f / p);
  }
  const ratio = median(ratios);
  rows.push([name, `${(raw.length / 1024).toFixed(0)} KB`, median(parse).toFixed(1), median(full).toFixed(1), `${ratio.toFixed(2)}×`, ratio >= 0.5 ? 'met' : 'NOT MET']);
  console.log(`  ${name}: verdict ${r0.verdict} ${r0.score}, ${r0.links.length} links, ${r0.attachments.length} attachments, ${r0.findings.length} findings; round ratios ${ratios.map((x) => x.toFixed(2)).join(' ')}`);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(`  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`);
