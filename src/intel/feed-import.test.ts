import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../core/clock.js';
import type { StoreHandle } from '../store/db.js';
import { Repo } from '../store/repo.js';
import { backends } from '../../test/helpers/store.js';
import { importFeeds } from './feed-import.js';
import { feedCounts } from './feed-store.js';
import { LocalIndex } from './local-index.js';
import { mockServer, type MockServer } from './remote/testing.js';

let store: StoreHandle;
let repo: Repo;
let dir: string;
let now = Date.parse('2026-11-20T00:00:00Z');
const clock: Clock = { now: () => new Date(now) };

beforeAll(async () => {
  store = (await backends[0]!.open()).store;
  repo = new Repo(store.db);
  dir = mkdtempSync(join(tmpdir(), 'vigil-feeds-'));
}, 60_000);
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function index(): Promise<LocalIndex> {
  return LocalIndex.build(await repo.loadFeedIndicators());
}

describe('feed import: expiry and TTL', () => {
  it('expires indicators that are gone from a re-imported feed, and says they were listed', async () => {
    const f = join(dir, 'team.txt');
    writeFileSync(f, '45.148.10.95\nevil-login.top\n');
    const [first] = await importFeeds(repo, clock, [{ path: f, format: 'plain', name: 'Team list' }]);
    expect(first).toMatchObject({ status: 'imported', indicators: 2 });
    now += 3_600_000;
    writeFileSync(f, 'evil-login.top\n');
    const [second] = await importFeeds(repo, clock, [{ path: f, format: 'plain', name: 'Team list' }]);
    expect(second).toMatchObject({ status: 'imported', indicators: 1, expired: 1 });
    const idx = await index();
    const m = idx.lookup('ipv4', '45.148.10.95');
    expect(m).toHaveLength(1);
    expect(m[0]!.indicator.validUntil).toBe('2026-11-20T01:00:00.000Z');
    expect(idx.lookup('domain', 'evil-login.top')[0]!.indicator.validUntil).toBeUndefined();
    // Listed again later: alive again.
    now += 3_600_000;
    writeFileSync(f, 'evil-login.top\n45.148.10.95\n');
    await importFeeds(repo, clock, [{ path: f, format: 'plain', name: 'Team list' }]);
    expect((await index()).lookup('ipv4', '45.148.10.95')[0]!.indicator.validUntil).toBeUndefined();
  });

  it('with --ttl, indicators expire unless the feed is imported again', async () => {
    const f = join(dir, 'ttl.txt');
    writeFileSync(f, '5.6.7.8\n');
    const t0 = now;
    await importFeeds(repo, clock, [{ path: f, format: 'plain', name: 'Short-lived', ttlDays: 2 }]);
    expect((await index()).lookup('ipv4', '5.6.7.8')[0]!.indicator.validUntil).toBe(new Date(t0 + 2 * 86_400_000).toISOString());
    const feed = (await repo.listFeeds()).find((x) => x.name === 'Short-lived')!;
    expect(feed.ttlDays).toBe(2);
    now = t0 + 3 * 86_400_000;
    expect((await feedCounts(store.db, clock.now())).get(feed.id)).toEqual({ live: 0, expired: 1 });
    // Same content, imported again: not "unchanged", its validity is renewed (the TTL is remembered).
    const [again] = await importFeeds(repo, clock, [{ path: f, format: 'plain', name: 'Short-lived' }]);
    expect(again!.status).toBe('imported');
    expect((await feedCounts(store.db, clock.now())).get(feed.id)).toEqual({ live: 1, expired: 0 });
  });
});

describe('feed import from a URL', () => {
  let srv: MockServer;
  const csv = '# plain list\n198.51.100.77\nbad-host.top\n';
  beforeAll(async () => {
    srv = await mockServer((r) => {
      if (r.path === '/feed.txt') return { body: csv };
      if (r.path === '/moved') return { status: 302, headers: { location: '/feed.txt' } };
      if (r.path === '/to-metadata') return { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } };
      if (r.path === '/to-localhost') return { status: 301, headers: { location: `http://localhost:${new URL(srv.url).port}/feed.txt` } };
      if (r.path === '/big') return { body: 'x'.repeat(5000) };
      return { status: 404, body: 'no' };
    });
  });
  afterAll(() => srv.close());

  it('downloads a feed named on the command line, following a redirect on the same host', async () => {
    const [r] = await importFeeds(repo, clock, [{ path: `${srv.url}/moved`, format: 'plain', name: 'Remote list' }], { allowUrls: true });
    expect(r).toMatchObject({ status: 'imported', indicators: 2, format: 'plain' });
    expect((await repo.feedBySource(`${srv.url}/moved`))?.name).toBe('Remote list');
  });

  it('never downloads a URL that comes from config', async () => {
    const [r] = await importFeeds(repo, clock, [{ path: `${srv.url}/feed.txt` }]);
    expect(r).toMatchObject({ status: 'failed', error: 'feed URLs are downloaded only when named on the command line (vigil feeds import URL); download it and list the file instead' });
  });

  it('refuses redirects to private, loopback and link-local addresses', async () => {
    const [meta] = await importFeeds(repo, clock, [{ path: `${srv.url}/to-metadata`, format: 'plain' }], { allowUrls: true });
    expect(meta!.error).toBe(`${srv.url}/to-metadata redirected to 169.254.169.254 (169.254.169.254, a private address); refused, a feed may only redirect to public addresses`);
    const [local] = await importFeeds(repo, clock, [{ path: `${srv.url}/to-localhost`, format: 'plain' }], { allowUrls: true });
    expect(local!.error).toMatch(/redirected to localhost:\d+ \((127\.0\.0\.1|::1), a reserved address\); refused/);
    expect(srv.requests.filter((q) => q.path === '/feed.txt' && q.headers.host?.startsWith('localhost'))).toEqual([]);
  });

  it('stops at the size limit and reports HTTP errors', async () => {
    const [big] = await importFeeds(repo, clock, [{ path: `${srv.url}/big`, format: 'plain' }], { allowUrls: true, maxBytes: 1000 });
    expect(big!.error).toBe(`${srv.url}/big: more than the 1000-byte feed limit`);
    const [missing] = await importFeeds(repo, clock, [{ path: `${srv.url}/nope`, format: 'plain' }], { allowUrls: true });
    expect(missing!.error).toBe(`${srv.url}/nope: HTTP 404 Not Found`);
  });
});

describe('feed import: sanity limits', () => {
  it('quarantines 0.0.0.0/0, ::/0, 10/8 and 127/8 from a lying DROP list, reports each with its line, and public addresses stay clean', async () => {
    const f = join(dir, 'drop-lie.txt');
    writeFileSync(f, '; Spamhaus DROP List 2026/11/18\n0.0.0.0/0 ; SBL1\n::/0 ; SBL2\n10.0.0.0/8 ; SBL3\n127.0.0.0/8 ; SBL4\n5.134.128.0/19 ; SBL270738\n');
    const [r] = await importFeeds(repo, clock, [{ path: f, format: 'spamhaus-drop' }]);
    expect(r).toMatchObject({ status: 'imported', indicators: 1, quarantined: 4 });
    expect(r!.issues.map((i) => `${i.line} ${i.reason}`)).toEqual([
      '2 0.0.0.0/0 covers 100% of the IPv4 address space (shorter than /8, feedLimits.minPrefixV4): quarantined',
      '3 ::/0 covers 100% of the IPv6 address space (shorter than /16, feedLimits.minPrefixV6): quarantined',
      expect.stringMatching(/^4 10\.0\.0\.0\/8 is in a private range \(10\.0\.0\.0\/8\)/),
      expect.stringMatching(/^5 127\.0\.0\.0\/8 is in a loopback range/),
    ]);
    const idx = await index();
    expect(idx.lookup('ipv4', '8.8.8.8')).toEqual([]);
    expect(idx.lookup('ipv6', '2606:4700::1111')).toEqual([]);
    expect(idx.lookup('ipv4', '5.134.130.1')).toHaveLength(1);
  });

  it('refuses a feed whose size jumps past the ratio of its last good copy and keeps that copy; --force takes it', async () => {
    const f = join(dir, 'jumpy.txt');
    const ips = (n: number, base: number) => Array.from({ length: n }, (_, i) => `45.${base}.${Math.floor(i / 250)}.${(i % 250) + 1}`).join('\n');
    writeFileSync(f, ips(150, 60));
    expect((await importFeeds(repo, clock, [{ path: f, format: 'plain', name: 'Jumpy' }]))[0]).toMatchObject({ status: 'imported', indicators: 150 });
    writeFileSync(f, ips(2000, 61));
    const [jump] = await importFeeds(repo, clock, [{ path: f, format: 'plain', name: 'Jumpy' }]);
    expect(jump).toMatchObject({ status: 'failed', error: expect.stringMatching(/^the feed went from 150 to 2000 entries, more than 10× either way/) });
    const idx = await index();
    expect(idx.lookup('ipv4', '45.60.0.1')).toHaveLength(1);
    expect(idx.lookup('ipv4', '45.61.0.1')).toEqual([]);
    expect((await importFeeds(repo, clock, [{ path: f, format: 'plain', name: 'Jumpy' }], { force: true }))[0]).toMatchObject({ status: 'imported', indicators: 2000 });
  });
});
