// Remote enrichment: a batch of 10k distinct observables (12k values with repeats) through
// VirusTotal, AbuseIPDB, IPinfo and urlscan, all served by one local mock HTTP server that plays
// each provider's documented answer shapes and counts every request against that provider's quota
// in a sliding window, the strictest way a provider can count. Quotas are per second (50–100/s) so
// the run finishes and still binds; the limiter code is the same as for 4/min. Then the same batch
// again, answered from the store cache (PGlite in memory). Run: npm run bench -- enrich
import { readFileSync } from 'node:fs';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/log.js';
import { IntelCache } from '../src/intel/cache.js';
import { DEFAULT_RISK, IntelEngine } from '../src/intel/engine.js';
import { LocalIndex } from '../src/intel/local-index.js';
import type { ObservableRef } from '../src/intel/provider.js';
import { INTEL_PROVIDERS } from '../src/intel/providers/registry.js';
import { mockServer } from '../src/intel/remote/testing.js';
import { Warninglists } from '../src/intel/warninglists.js';
import { openStore } from '../src/store/db.js';

const fixture = (p: string): string => readFileSync(new URL(`../src/intel/providers/${p}.json`, import.meta.url), 'utf8');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// Fast enough to finish, slow enough to bind: this machine (2 shared cores) serves and fetches a
// few hundred requests a second in one process, so quotas of 1,000/s would never be reached.
const QUOTA: Record<string, { limit: number; perMs: number }> = {
  virustotal: { limit: 100, perMs: 1000 },
  abuseipdb: { limit: 80, perMs: 1000 },
  ipinfo: { limit: 100, perMs: 1000 },
  urlscan: { limit: 50, perMs: 1000 },
};

// ---- the mock providers ---------------------------------------------------------------------------
const bodies = {
  vtIp: fixture('virustotal/fixtures/ip'),
  vtFile: fixture('virustotal/fixtures/file'),
  vtDomain: fixture('virustotal/fixtures/domain-clean'),
  vt404: fixture('virustotal/fixtures/not-found'),
  abuse: fixture('abuseipdb/fixtures/check'),
  abuseClean: fixture('abuseipdb/fixtures/clean'),
  ipinfo: fixture('ipinfo/fixtures/business'),
  search: fixture('urlscan/fixtures/search'),
  searchEmpty: fixture('urlscan/fixtures/search-empty'),
  result: fixture('urlscan/fixtures/result'),
};
const arrivals: Record<string, number[]> = { virustotal: [], abuseipdb: [], ipinfo: [], urlscan: [] };
const srv = await mockServer((r) => {
  const [, provider] = r.path.split('/');
  const now = performance.now();
  arrivals[provider!]?.push(now);
  let body: string;
  let status = 200;
  switch (provider) {
    case 'virustotal':
      if (r.path.includes('/files/')) body = r.path.endsWith('0') ? bodies.vt404 : bodies.vtFile;
      else if (r.path.includes('/domains/')) body = bodies.vtDomain;
      else body = bodies.vtIp;
      if (body === bodies.vt404) status = 404;
      break;
    case 'abuseipdb':
      body = (r.query.get('ipAddress') ?? '').endsWith('7') ? bodies.abuse : bodies.abuseClean;
      break;
    case 'ipinfo':
      body = bodies.ipinfo;
      break;
    default:
      body = r.path.includes('/result/') ? bodies.result : (r.query.get('q') ?? '').includes('phish') ? bodies.search : bodies.searchEmpty;
  }
  return { status, body: JSON.parse(body) as unknown };
});

// ---- the batch ------------------------------------------------------------------------------------
let seed = 0x2545f491;
const rnd = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
};
const hex = (n: number): string => {
  let s = '';
  while (s.length < n) s += rnd().toString(16).padStart(8, '0');
  return s.slice(0, n);
};
const unique: ObservableRef[] = [];
for (let i = 0; i < 6000; i++) unique.push({ type: 'ipv4', value: `${45 + (i % 100)}.${(i >> 8) & 255}.${i & 255}.${1 + (rnd() % 250)}` });
for (let i = 0; i < 2000; i++) unique.push({ type: 'domain', value: `${i % 7 === 0 ? 'phish' : 'site'}-${hex(8)}.top` });
for (let i = 0; i < 1000; i++) unique.push({ type: 'url', value: `https://${i % 5 === 0 ? 'phish' : 'cdn'}-${hex(6)}.top/${hex(10)}` });
for (let i = 0; i < 1000; i++) unique.push({ type: 'sha256', value: hex(64) });
const dedup = new Map(unique.map((o) => [`${o.type}:${o.value}`, o]));
const batch = [...dedup.values()];
for (let i = 0; i < 2000; i++) batch.push(batch[rnd() % dedup.size]!);

// ---- the engine -----------------------------------------------------------------------------------
const store = await openStore({ dataDir: 'memory://' });
const perSecond = (id: string) => [{ limit: QUOTA[id]!.limit, per: QUOTA[id]!.perMs }];
const configs = {
  virustotal: { apiKey: 'bench', baseUrl: `${srv.url}/virustotal`, quota: perSecond('virustotal'), concurrency: 32 },
  abuseipdb: { apiKey: 'bench', baseUrl: `${srv.url}/abuseipdb`, quota: perSecond('abuseipdb'), concurrency: 32 },
  ipinfo: { apiKey: 'bench', baseUrl: `${srv.url}/ipinfo`, quota: perSecond('ipinfo'), concurrency: 32 },
  urlscan: { apiKey: 'bench', baseUrl: `${srv.url}/urlscan`, quota: perSecond('urlscan'), concurrency: 32 },
};
// Request times, to explain the throughput: a token comes back one window after its request finished.
let reqCount = 0;
let reqMs = 0;
const timedFetch: typeof fetch = async (input, init) => {
  const t = performance.now();
  try {
    const res = await fetch(input, init);
    await res.clone().arrayBuffer();
    return res;
  } finally {
    reqCount++;
    reqMs += performance.now() - t;
  }
};
const engine = new IntelEngine(
  INTEL_PROVIDERS,
  configs,
  { clock: systemClock, log: silentLogger, fetch: timedFetch, localIndex: LocalIndex.empty() },
  { ...DEFAULT_RISK, warninglists: Warninglists.build() },
  silentLogger,
  { cache: new IntelCache(store.db, systemClock) },
);

console.log(`${fmt(batch.length)} values, ${fmt(dedup.size)} distinct: 6,000 IPs, 2,000 domains, 1,000 URLs, 1,000 SHA-256`);
console.log(`providers: ${engine.providers.join(', ')}; quotas ${Object.entries(QUOTA).map(([k, q]) => `${k} ${q.limit}/s`).join(', ')}`);

const t0 = performance.now();
const out = await engine.enrichMany(batch);
const cold = performance.now() - t0;
const lookups = [...out.values()].reduce((n, e) => n + e.results.length, 0);
const partial = [...out.values()].filter((e) => e.partial).length;

/** Requests beyond the quota: arrivals that found the sliding window already full. */
function overQuota(times: number[], limit: number, perMs: number): { over: number; peak: number } {
  const s = [...times].sort((a, b) => a - b);
  let over = 0;
  let peak = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i]! - s[j]! >= perMs) j++;
    const inWindow = i - j + 1;
    peak = Math.max(peak, inWindow);
    if (inWindow > limit) over++;
  }
  return { over, peak };
}

const rows: string[][] = [['provider', 'requests', 'quota', 'peak in any window', 'over quota', 'lower bound (s)']];
let totalOver = 0;
let totalRequests = 0;
let bound = 0;
for (const [id, q] of Object.entries(QUOTA)) {
  const a = arrivals[id]!;
  const { over, peak } = overQuota(a, q.limit, q.perMs);
  totalOver += over;
  totalRequests += a.length;
  // The first `limit` go at once; each further `limit` needs another window.
  const need = Math.max(0, Math.ceil(a.length / q.limit) - 1) * (q.perMs / 1000);
  bound = Math.max(bound, need);
  rows.push([id, fmt(a.length), `${q.limit}/s`, fmt(peak), String(over), need.toFixed(0)]);
}
const width = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(`  ${r.map((c, i) => c.padEnd(width[i]!)).join('  ')}`);

const warm0 = performance.now();
const again = await engine.enrichMany(batch);
const warm = performance.now() - warm0;
const requestsAfter = Object.values(arrivals).reduce((n, a) => n + a.length, 0);

console.log(`
cold batch (every answer from the providers): ${(cold / 1000).toFixed(1)} s, ${fmt(lookups)} provider answers
  ${fmt(dedup.size / (cold / 1000))} observables/s, ${fmt(totalRequests / (cold / 1000))} requests/s; ${totalOver} requests over quota; ${partial} partial answers
  the busiest quota alone needs ${bound.toFixed(0)} s: the batch took ${Math.round((100 * cold) / 1000 / bound)}% of that, with requests taking ${fmt(reqMs / reqCount)} ms on average
  (a token comes back one window after its request finished, so a 1 s window with ${fmt(reqMs / reqCount)} ms requests runs at ${Math.round(100000 / (1000 + reqMs / reqCount))}% of the quota)
warm batch (every answer from the store cache): ${(warm / 1000).toFixed(2)} s, ${fmt(dedup.size / (warm / 1000))} observables/s, ${fmt(requestsAfter - totalRequests)} requests
malicious: ${[...again.values()].filter((e) => e.risk.verdict === 'malicious').length}, suspicious: ${[...again.values()].filter((e) => e.risk.verdict === 'suspicious').length}`);
for (const s of engine.status().filter((x) => x.enabled && x.remote)) {
  console.log(`  ${s.id}: ${s.calls!.requests} requests, ${s.calls!.cacheHits} cache hits, ${s.calls!.cacheMisses} misses, breaker ${s.breaker!.state}, queue ${s.queued}`);
}
if (totalOver > 0 || partial > 0) process.exitCode = 1;
await srv.close();
await store.close();
