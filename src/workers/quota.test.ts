import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config.js';
import type { Clock } from '../core/clock.js';
import { RemoteFailure } from '../intel/remote/errors.js';
import { openStore, type StoreHandle } from '../store/db.js';
import { GlobalQuota, remoteQuotas, takeSlot } from './quota.js';

describe('takeSlot', () => {
  const windows = [{ limit: 3, per: 60_000 }];

  it('lets `limit` requests through per window, then says when the oldest leaves it', () => {
    let usage;
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) {
      const r = takeSlot(usage, windows, t0 + i * 1_000);
      expect(r.waitMs).toBe(0);
      usage = r.usage;
    }
    const full = takeSlot(usage, windows, t0 + 5_000);
    expect(full.waitMs).toBeGreaterThan(55_000);
    expect(full.waitMs).toBeLessThanOrEqual(57_000);
    // Rounding only ever makes the shared count look later: never more than the limit in a window.
    expect(takeSlot(usage, windows, t0 + 60_500).waitMs).toBeGreaterThan(0);
    expect(takeSlot(usage, windows, t0 + 62_000).waitMs).toBe(0);
  });

  it('enforces every window', () => {
    const two = [
      { limit: 10, per: 1_000 },
      { limit: 2, per: 86_400_000 },
    ];
    let usage;
    for (let i = 0; i < 2; i++) usage = takeSlot(usage, two, 5_000 + i).usage;
    expect(takeSlot(usage, two, 10_000).waitMs).toBeGreaterThan(86_000_000);
  });
});

describe('remoteQuotas', () => {
  it('reads each remote provider\'s origin and quota from config, documented defaults included', () => {
    const config = ConfigSchema.parse({ intel: { providers: { abuseipdb: { apiKey: 'k', quota: [{ limit: 100, per: '1d' }] }, virustotal: { baseUrl: 'https://vt.example.org/' } } } });
    const rules = remoteQuotas(config);
    expect(rules.find((r) => r.provider === 'abuseipdb')).toEqual({ provider: 'abuseipdb', origin: 'https://api.abuseipdb.com', windows: [{ limit: 100, per: 86_400_000 }] });
    expect(rules.find((r) => r.provider === 'virustotal')?.origin).toBe('https://vt.example.org');
    expect(rules.find((r) => r.provider === 'local-feeds')).toBeUndefined();
  });
});

describe('GlobalQuota', () => {
  let store: StoreHandle;
  let now = Date.parse('2026-11-20T10:00:00Z');
  const clock: Clock = { now: () => new Date(now) } as Clock;
  beforeAll(async () => {
    store = await openStore({ dataDir: 'memory://' });
  });
  afterAll(async () => store.close());

  it('shares one quota between processes: the second worker is refused what the first used', async () => {
    const rule = { provider: 'abuseipdb', origin: 'https://api.abuseipdb.com', windows: [{ limit: 4, per: 60_000 }] };
    const sent: string[] = [];
    const fake = (async (input: string | URL | Request) => {
      sent.push(String(input));
      return new Response('{}', { status: 200 });
    }) as typeof fetch;
    const workers = [new GlobalQuota([rule], clock), new GlobalQuota([rule], clock)];
    for (const w of workers) w.bind(store.db);
    const fetches = workers.map((w) => w.wrap(fake));
    for (let i = 0; i < 4; i++) await fetches[i % 2]!(`https://api.abuseipdb.com/api/v2/check?ipAddress=${i}`);
    // Other origins are not the provider's: not counted, not held.
    await fetches[0]!('https://example.org/x');
    const refused = await fetches[1]!('https://api.abuseipdb.com/api/v2/check?ipAddress=9').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RemoteFailure);
    expect((refused as RemoteFailure).kind).toBe('rate-limited');
    expect((refused as RemoteFailure).opts.retryAfterMs).toBeGreaterThan(50_000);
    expect(sent).toHaveLength(5);
    now += 61_000;
    await fetches[1]!('https://api.abuseipdb.com/api/v2/check?ipAddress=10');
    expect(sent).toHaveLength(6);
  });
});
