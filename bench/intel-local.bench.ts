// Local IOC index: build time and memory with 2M indicators (1M hashes, 500k domains, 500k CIDRs),
// single-core lookups/s on a hit/miss mix against the goal of 1M/s, and parse rates of the
// CSV feed formats on generated large feeds. Run: npm run bench -- intel-local
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ObservableType } from '../src/core/types.js';
import type { FeedFormat, Indicator } from '../src/intel/feeds/format.js';
import { feodo } from '../src/intel/feeds/feodo/index.js';
import { phishtank } from '../src/intel/feeds/phishtank/index.js';
import { spamhausDrop } from '../src/intel/feeds/spamhaus-drop/index.js';
import { threatfox } from '../src/intel/feeds/threatfox/index.js';
import { urlhaus } from '../src/intel/feeds/urlhaus/index.js';
import { LocalIndex } from '../src/intel/local-index.js';

const GOAL = 1_000_000;
const HASHES = 1_000_000;
const DOMAINS = 500_000;
const CIDRS = 500_000;
const QUERIES = 1_000_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1048576;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// Deterministic so every run measures the same data.
let seed = 0x9e3779b9;
function rnd(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
}
// Built strings are ropes until something flattens them; flatten up front so the index build is not
// credited with (or charged for) that.
const flat = (s: string) => Buffer.from(s, 'latin1').toString('latin1');
function hex(len: number): string {
  let s = '';
  while (s.length < len) s += rnd().toString(16).padStart(8, '0');
  return flat(s.slice(0, len));
}
function label(): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const n = 5 + (rnd() % 10);
  let s = '';
  for (let i = 0; i < n; i++) s += chars[rnd() % chars.length];
  return s;
}
const TLDS = ['com', 'net', 'org', 'info', 'xyz', 'top', 'ru', 'io'];
const ipText = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

// ---- data -----------------------------------------------------------------------------------------
const hashInds: Indicator[] = [];
for (let i = 0; i < HASHES; i++) {
  const len = i % 4 === 0 ? 32 : i % 4 === 1 ? 40 : 64;
  const type = len === 32 ? 'md5' : len === 40 ? 'sha1' : 'sha256';
  hashInds.push({ type, value: hex(len), tags: ['payload'], threat: 'payload', malware: 'Gen', line: i + 1 });
}
const domainInds: Indicator[] = [];
for (let i = 0; i < DOMAINS; i++) {
  const value = flat(`${label()}.${TLDS[rnd() % TLDS.length]}`);
  const ind: Indicator = { type: 'domain', value, tags: [], threat: 'botnet_cc', line: i + 1 };
  if (i % 5 === 0) ind.matchSubdomains = true;
  domainInds.push(ind);
}
const cidrInds: Indicator[] = [];
const cidrStarts: number[] = [];
for (let i = 0; i < CIDRS; i++) {
  // Mostly /24s, some wider and narrower, as DROP-like and blocklist-like feeds have.
  const r = rnd() % 10;
  const prefix = r < 6 ? 24 : r < 8 ? 20 + (rnd() % 4) : 25 + (rnd() % 8);
  const size = 2 ** (32 - prefix);
  const start = Math.floor(rnd() / size) * size;
  cidrStarts.push(start);
  cidrInds.push({ type: 'cidr', value: flat(`${ipText(start)}/${prefix}`), tags: [], threat: 'hijacked-range', reference: `SBL${i}`, line: i + 1 });
}

// ---- build ----------------------------------------------------------------------------------------
const before = heapMb();
const t0 = performance.now();
const index = LocalIndex.build([
  { name: 'hashes', indicators: hashInds },
  { name: 'domains', indicators: domainInds },
  { name: 'ranges', indicators: cidrInds },
]);
const buildMs = performance.now() - t0;
const after = heapMb();
console.log(`index: ${fmt(index.size)} indicators (${fmt(HASHES)} hashes, ${fmt(DOMAINS)} domains, ${fmt(CIDRS)} CIDRs), ${index.skipped} skipped`);
console.log(`build: ${(buildMs / 1000).toFixed(2)} s; index memory on top of the indicators: ${fmt(after - before)} MB (heap ${fmt(after)} MB)`);

// ---- lookups --------------------------------------------------------------------------------------
type Q = { type: ObservableType; value: string };
function queries(kind: string): Q[] {
  const qs: Q[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const k = kind === 'mix' ? i % 10 : Number(kind);
    switch (k) {
      case 0:
      case 1: { // hash hit, upper case sometimes
        const ind = hashInds[rnd() % HASHES] as Indicator;
        qs.push({ type: ind.type, value: i % 20 === 0 ? ind.value.toUpperCase() : ind.value });
        break;
      }
      case 2:
      case 3: // hash miss
        qs.push({ type: 'sha256', value: hex(64) });
        break;
      case 4: { // domain hit, subdomain or exact
        const ind = domainInds[rnd() % DOMAINS] as Indicator;
        qs.push({ type: 'domain', value: ind.matchSubdomains ? `www.cdn.${ind.value}` : ind.value });
        break;
      }
      case 5: // domain miss with several labels
        qs.push({ type: 'domain', value: `a.${label()}.${label()}.com` });
        break;
      case 6: { // IP inside a listed range
        const start = cidrStarts[rnd() % CIDRS] as number;
        qs.push({ type: 'ipv4', value: ipText(start + (rnd() % 16)) });
        break;
      }
      case 7:
      case 8: // random IP: mostly a miss
        qs.push({ type: 'ipv4', value: ipText(rnd()) });
        break;
      default: { // URL: host lookup through the domain table
        const ind = domainInds[rnd() % DOMAINS] as Indicator;
        qs.push({ type: 'url', value: i % 2 === 0 ? `http://${ind.value}/gate.php` : `https://${label()}.net/x` });
      }
    }
  }
  return qs;
}

function measure(name: string, qs: Q[]): number {
  let hits = 0;
  // Warm-up pass so the JIT has settled; then the best of three timed passes.
  for (const q of qs) hits += index.lookup(q.type, q.value).length > 0 ? 1 : 0;
  let best = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    hits = 0;
    const s = performance.now();
    for (let i = 0; i < qs.length; i++) {
      const q = qs[i] as Q;
      if (index.lookup(q.type, q.value).length > 0) hits++;
    }
    best = Math.min(best, performance.now() - s);
  }
  const rate = (qs.length / best) * 1000;
  console.log(`  ${name.padEnd(34)} ${fmt(rate).padStart(11)} lookups/s  (${((hits / qs.length) * 100).toFixed(0)}% hits)`);
  return rate;
}

// The floor any JS index pays: one Map.get per query on a Map of the same 1M hash strings. Printed
// so the figures can be read on a loaded or slower machine: the ratio travels, the absolute does not.
const raw = new Map<string, number>();
hashInds.forEach((h, i) => raw.set(h.value, i));
function rawRate(qs: Q[]): number {
  let best = Infinity;
  let hits = 0;
  for (let pass = 0; pass < 4; pass++) {
    const s = performance.now();
    for (let i = 0; i < qs.length; i++) if (raw.get((qs[i] as Q).value) !== undefined) hits++;
    if (pass > 0) best = Math.min(best, performance.now() - s);
  }
  return hits >= 0 ? (qs.length / best) * 1000 : 0;
}

console.log(`lookups, one core, ${fmt(QUERIES)} queries per run:`);
const mixRate = measure('mix (hash/domain/IP/URL, hit+miss)', queries('mix'));
measure('sha256/md5/sha1 hits', queries('0'));
measure('sha256 misses', queries('2'));
measure('domain hits (exact + subdomain)', queries('4'));
measure('domain misses (4 labels)', queries('5'));
measure('IPv4 inside a listed range', queries('6'));
measure('IPv4 random (mostly misses)', queries('7'));
measure('URL (host via domain table)', queries('9'));
const baseline = rawRate(queries('0'));
console.log(`  ${'baseline: bare Map.get, 1M hash keys'.padEnd(34)} ${fmt(baseline).padStart(11)} lookups/s  (the floor on this machine now)`);
console.log(`mix vs goal: ${fmt(mixRate)} / ${fmt(GOAL)} = x${(mixRate / GOAL).toFixed(2)} ${mixRate >= GOAL ? '(meets the goal)' : '(BELOW the goal)'}`);
console.log(`mix vs bare Map.get: x${(mixRate / baseline).toFixed(2)}`);

// ---- feed parse rates -----------------------------------------------------------------------------
const ROWS = 200_000;
function gen(header: string, row: (i: number) => string): string {
  const parts = ['################################################################', '# generated for the benchmark', '#', header];
  for (let i = 0; i < ROWS; i++) parts.push(row(i));
  return `${parts.join('\n')}\n`;
}
const feeds: Array<[FeedFormat, string]> = [
  [feodo, gen('"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"',
    (i) => `"2024-02-08 19:20:49","${ipText(rnd())}","${1000 + (i % 9000)}","offline","2024-03-11","Pikabot"`)],
  [urlhaus, gen('# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter',
    (i) => `"${i}","2025-01-15 07:55:01","http://${label()}.com/${label()}/${label()}.exe","online","2025-01-15 07:55:01","malware_download","elf,mips,Mozi","https://urlhaus.abuse.ch/url/${i}/","tester"`)],
  [threatfox, gen('# "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias","malware_printable","last_seen_utc","confidence_level","reference","tags","anonymous","reporter"',
    (i) => (i % 2 === 0
      ? `"2025-01-15 07:00:00", "${i}", "${hex(64)}", "sha256_hash", "payload", "win.agent_tesla", "", "Agent Tesla", "", "100", "", "exe", "0", "tester"`
      : `"2025-01-15 07:00:00", "${i}", "${label()}.top", "domain", "botnet_cc", "win.lumma", "", "Lumma Stealer", "", "75", "", "Lumma", "0", "tester"`))],
  [phishtank, `phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target\n${Array.from({ length: ROWS }, (_, i) =>
    `${i},https://${label()}.example.com/login?id=${i},http://www.phishtank.com/phish_detail.php?phish_id=${i},2025-01-15T07:12:03+00:00,yes,2025-01-15T07:20:00+00:00,yes,Other`).join('\n')}\n`],
  [spamhausDrop, `; Spamhaus DROP\n${Array.from({ length: ROWS }, (_, i) => `${ipText((rnd() >>> 8) << 8)}/24 ; SBL${i}`).join('\n')}\n`],
];
console.log(`feed parse rate, ${fmt(ROWS)} generated rows each:`);
for (const [format, text] of feeds) {
  format.parse(text.slice(0, 200_000), { file: 'warmup' });
  const s = performance.now();
  const r = format.parse(text, { file: format.id });
  const ms = performance.now() - s;
  if (r.indicators.length !== ROWS) console.log(`  (${format.id}: ${r.indicators.length} indicators, ${r.issues.length} issues)`);
  console.log(`  ${format.id.padEnd(14)} ${fmt((r.indicators.length / ms) * 1000).padStart(10)} indicators/s  (${(text.length / 1048576 / (ms / 1000)).toFixed(0)} MB/s)`);
}
