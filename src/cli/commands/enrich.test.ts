import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockServer, type MockServer } from '../../intel/remote/testing.js';
import { enrichCommand } from './enrich.js';
import { intelCommand } from './intel.js';

const fixture = (p: string): unknown => JSON.parse(readFileSync(new URL(`../../intel/providers/${p}.json`, import.meta.url), 'utf8'));

let dir: string;
let srv: MockServer;
let out: string[];
let err: string[];

beforeAll(async () => {
  srv = await mockServer((r) => {
    if (r.path === '/vt/api/v3/ip_addresses/45.148.10.95') return { body: fixture('virustotal/fixtures/ip') };
    if (r.path === '/vt/api/v3/ip_addresses/45.148.10.96') return { status: 503, body: 'Service Unavailable' };
    if (r.path.startsWith('/vt/')) return { status: 404, body: fixture('virustotal/fixtures/not-found') };
    if (r.path === '/abuse/api/v2/check') return { body: r.query.get('ipAddress') === '45.148.10.95' ? fixture('abuseipdb/fixtures/check') : fixture('abuseipdb/fixtures/clean') };
    return { status: 404, body: 'nothing here' };
  });
  dir = mkdtempSync(join(tmpdir(), 'vigil-enrich-cli-'));
  writeFileSync(join(dir, 'team.txt'), '# team blocklist\n45.148.10.95\n');
  writeFileSync(
    join(dir, 'vigil.yaml'),
    `dataDir: data
out: out
feeds:
  - { path: team.txt, format: plain, name: Team blocklist }
intel:
  providers:
    virustotal: { apiKey: test-key, baseUrl: "${srv.url}/vt", retries: 0 }
    abuseipdb: { apiKey: test-key, baseUrl: "${srv.url}/abuse" }
`,
  );
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  process.exitCode = undefined;
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function run(cmd: 'enrich' | 'intel', args: string[]): Promise<any> {
  const c = cmd === 'enrich' ? enrichCommand() : intelCommand();
  await c.parseAsync([...args, '--config', join(dir, 'vigil.yaml')], { from: 'user' });
  return args.includes('--json') ? JSON.parse(out.join('')) : out.join('');
}

describe('vigil enrich', () => {
  it('answers with every configured provider and the local database, and a unified score', async () => {
    const j = await run('enrich', ['45.148.10[.]95', '--json']);
    expect(process.exitCode).toBe(0);
    expect(j.results).toHaveLength(1);
    const r = j.results[0];
    expect(r.observable).toEqual({ type: 'ipv4', value: '45.148.10.95' });
    expect(r.verdict).toBe('malicious');
    expect(r.score).toBe(100);
    expect(r.providers.map((p: any) => [p.provider, p.verdict, p.score])).toEqual([
      ['local-feeds', 'suspicious', 60],
      ['virustotal', 'malicious', 100],
      ['abuseipdb', 'malicious', 100],
    ]);
    expect(r.providers[2].evidence[0]).toBe('abuse confidence 100, 1,204 reports');
    expect(r.evidence).toContain('virustotal: 42/94 engines flag it, 2 more call it suspicious');
    expect(err.join('')).toContain('intel provider urlscan disabled: no API key (set intel.providers.urlscan.apiKey or VIGIL_URLSCAN_KEY)');
    expect(srv.requests).toHaveLength(2);
  }, 60_000);

  it('answers the second time from the cache, and asks again with --no-cache', async () => {
    const j = await run('enrich', ['45.148.10.95', '--json']);
    expect(j.results[0].providers.filter((p: any) => p.cached).map((p: any) => p.provider)).toEqual(['virustotal', 'abuseipdb']);
    expect(srv.requests).toHaveLength(2);
    out.length = 0;
    const fresh = await run('enrich', ['45.148.10.95', '--json', '--no-cache', '--providers', 'virustotal']);
    expect(fresh.results[0].providers.map((p: any) => [p.provider, p.cached ?? false])).toEqual([['virustotal', false]]);
    expect(srv.requests).toHaveLength(3);
  }, 60_000);

  it('shows a failing provider as "no answer" with the reason, and still answers', async () => {
    const text = await run('enrich', ['45.148.10.96', 'not-an-ioc']);
    expect(process.exitCode).toBe(2);
    expect(err.join('')).toContain('(arguments):2: "not-an-ioc" is not an IP, domain, URL, email, hash, CIDR or ASN');
    expect(text).toContain('ipv4 45.148.10.96: unknown, risk 0 (partial: some providers did not answer)');
    expect(text).toMatch(/virustotal\s+no answer\s+HTTP 503: Service Unavailable/);
    expect(text).toMatch(/abuseipdb\s+unknown\s+0\s+no abuse reports in the last 90 days/);
  }, 60_000);

  it('intel status shows quota used, calls and cache entries carried across processes', async () => {
    const j = await run('intel', ['status', '--json']);
    const vt = j.providers.find((p: any) => p.id === 'virustotal');
    expect(vt).toMatchObject({ enabled: true, remote: true, queued: 0, breaker: { state: 'closed' }, cacheEntries: { live: 1 } });
    expect(vt.quota[1]).toEqual({ limit: 500, per: '1d', used: 3, remaining: 497 });
    expect(vt.calls).toMatchObject({ requests: 3, failed: 1, cacheHits: 1, cacheMisses: 2 });
    expect(j.providers.find((p: any) => p.id === 'dns')).toMatchObject({ enabled: false, reason: expect.stringContaining('intel.providers.dns.enabled') });
    out.length = 0;
    const text = await run('intel', ['status']);
    expect(text).toMatch(/virustotal\s+on\s+\d\/4 per 1m, 497\/500 per 1d\s+0\s+closed\s+3\s+1\s+1\/2\s+1/);
    expect(text).toContain('Last errors:');
  }, 60_000);
});

describe('vigil enrich: related evidence from the local database (samples/feeds/urlhaus_recent.csv)', () => {
  it('a host with listed URLs is suspect, and the https and defanged forms of a listed http URL are listed', async () => {
    const urlhaus = new URL('../../../samples/feeds/urlhaus_recent.csv', import.meta.url).pathname;
    const cfg = join(dir, 'urlhaus.yaml');
    writeFileSync(cfg, `dataDir: data-urlhaus\nout: out\nfeeds:\n  - { path: "${urlhaus}", format: urlhaus }\n`);
    const c = enrichCommand();
    await c.parseAsync(['pkg-mirror-update.xyz', 'https://pkg-mirror-update.xyz/bins/x86_64.sh', 'hxxp://pkg-mirror-update[.]xyz/bins/x86_64.sh', '--json', '--providers', 'local-feeds', '--config', cfg], { from: 'user' });
    const j = JSON.parse(out.join(''));
    expect(j.results.map((r: any) => [r.observable.type, r.observable.value, r.verdict])).toEqual([
      ['domain', 'pkg-mirror-update.xyz', 'suspicious'],
      ['url', 'https://pkg-mirror-update.xyz/bins/x86_64.sh', 'malicious'],
      ['url', 'http://pkg-mirror-update.xyz/bins/x86_64.sh', 'malicious'],
    ]);
    expect(j.results[0].evidence[0]).toMatch(/^local-feeds: hosts 2 URLs \(e\.g\. http:\/\/pkg-mirror-update\.xyz\/bins\/.+\) listed by URLhaus .*counted at 70%/);
  }, 60_000);
});
