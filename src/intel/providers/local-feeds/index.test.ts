import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { IntelResult } from '../../../core/types.js';
import { feodo } from '../../feeds/feodo/index.js';
import type { Indicator } from '../../feeds/format.js';
import { spamhausDrop } from '../../feeds/spamhaus-drop/index.js';
import { LocalIndex } from '../../local-index.js';
import type { IntelContext } from '../../provider.js';
import localFeeds from './index.js';
import { LocalFeedsConfig } from './config.js';

const feodoCsv = `"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
"2023-05-23 17:51:44","198.51.100.23","1194","online","2024-04-01","Pikabot"
`;
const drop = '; Spamhaus DROP\n198.51.100.0/24 ; SBL123\n';

const extra: Indicator[] = [
  { type: 'domain', value: 'evil.example', matchSubdomains: true, tags: ['phish-kit'], threat: 'phishing', confidence: 50, line: 1, firstSeen: '2024-01-01' },
  { type: 'md5', value: '44d88612fea8a8f36de82e1278abb02f', tags: [], line: 2, validUntil: '2024-06-01T00:00:00Z' },
  { type: 'sha1', value: 'da39a3ee5e6b4b0d3255bfef95601890afd80709', tags: [], threat: 'benign', line: 3 },
];

function setup(config: unknown = {}) {
  const index = LocalIndex.build([
    { name: 'Feodo Tracker', indicators: feodo.parse(feodoCsv, { file: 'f' }).indicators },
    { name: 'Spamhaus DROP', indicators: spamhausDrop.parse(drop, { file: 'd' }).indicators },
    { name: 'Team list', indicators: extra },
  ]);
  const ctx: IntelContext = { clock: fixedClock('2025-01-15T00:00:00Z'), log: silentLogger, fetch: globalThis.fetch, localIndex: index };
  const made = localFeeds.create(localFeeds.configSchema.parse(config), ctx);
  if ('disabled' in made) throw new Error(made.disabled);
  return made;
}

describe('local-feeds provider', () => {
  it('is local and answers for every indicator type the index holds', () => {
    expect(localFeeds.id).toBe('local-feeds');
    expect(localFeeds.remote).toBe(false);
    expect(localFeeds.supports).toEqual(expect.arrayContaining(['ipv4', 'ipv6', 'domain', 'url', 'md5', 'sha256', 'email']));
  });

  it('explains a C2 address listed by two feeds', async () => {
    const r = await setup().lookup({ type: 'ipv4', value: '198.51.100.23' });
    expect(IntelResult.parse(r)).toEqual(r);
    expect(r.verdict).toBe('malicious');
    expect(r.score).toBe(95); // botnet_cc 90 + 5 for the second feed
    expect(r.evidence).toEqual([
      'listed by Feodo Tracker as Pikabot C2 since 2023-05-23',
      'inside 198.51.100.0/24 listed by Spamhaus DROP (SBL123)',
    ]);
    expect(r.tags).toEqual(expect.arrayContaining(['Pikabot', 'botnet_cc', 'hijacked-range', 'port:1194']));
    expect(r.firstSeen).toBe('2023-05-23T17:51:44Z');
    expect(r.lastSeen).toBe('2024-04-01');
  });

  it('scores a range-only listing by its threat', async () => {
    const r = await setup().lookup({ type: 'ipv4', value: '198.51.100.200' });
    expect(r).toMatchObject({ verdict: 'malicious', score: 75, evidence: ['inside 198.51.100.0/24 listed by Spamhaus DROP (SBL123)'] });
  });

  it('scales by confidence and says how a subdomain matched', async () => {
    const r = await setup().lookup({ type: 'url', value: 'https://login.evil.example/x' });
    // phishing 80 × (0.5 + 50/200)
    expect(r).toMatchObject({ verdict: 'suspicious', score: 60 });
    expect(r.evidence).toEqual(['subdomain of evil.example listed by Team list as phishing since 2024-01-01']);
  });

  it('a host inherits from the listed URLs on it, discounted and saying so', async () => {
    const urls: Indicator[] = [
      { type: 'url', value: 'http://pkg-mirror.example-dl.com/bins/x86_64.sh', tags: [], threat: 'malware_download', line: 1, firstSeen: '2025-01-10' },
      { type: 'url', value: 'http://pkg-mirror.example-dl.com/bins/arm7', tags: [], threat: 'malware_download', line: 2, firstSeen: '2025-01-11' },
    ];
    const index = LocalIndex.build([{ name: 'URLhaus', indicators: urls }]);
    const ctx: IntelContext = { clock: fixedClock('2025-01-15T00:00:00Z'), log: silentLogger, fetch: globalThis.fetch, localIndex: index };
    const made = localFeeds.create(localFeeds.configSchema.parse({}), ctx);
    if ('disabled' in made) throw new Error(made.disabled);
    const r = await made.lookup({ type: 'domain', value: 'pkg-mirror.example-dl.com' });
    // malware_download scores 85; the host was not listed itself: 85 × 0.7 ≈ 59
    expect(r).toMatchObject({ verdict: 'suspicious', score: 59 });
    expect(r.evidence).toEqual([
      'hosts 2 URLs (e.g. http://pkg-mirror.example-dl.com/bins/x86_64.sh) listed by URLhaus as malware download since 2025-01-10 (counted at 70%: the URLs are listed, not the host)',
    ]);
    // the https form of a listed http URL is that URL
    expect(await made.lookup({ type: 'url', value: 'https://pkg-mirror.example-dl.com/bins/arm7' })).toMatchObject({ verdict: 'malicious', score: 85 });
    const off = localFeeds.create(localFeeds.configSchema.parse({ urlHostFactor: 0 }), ctx);
    if ('disabled' in off) throw new Error(off.disabled);
    expect(await off.lookup({ type: 'domain', value: 'pkg-mirror.example-dl.com' })).toMatchObject({ verdict: 'info', score: 0 });
  });

  it('answers unknown with no evidence when nothing matches', async () => {
    const r = await setup().lookup({ type: 'domain', value: 'benign.example' });
    expect(r).toEqual({ provider: 'local-feeds', observable: { type: 'domain', value: 'benign.example' }, verdict: 'unknown', score: 0, evidence: [], tags: [] });
  });

  it('ignores expired listings but says they existed', async () => {
    const r = await setup().lookup({ type: 'md5', value: '44d88612fea8a8f36de82e1278abb02f' });
    expect(r).toMatchObject({ verdict: 'unknown', score: 0, evidence: ['was listed by Team list until 2024-06-01 (expired)'] });
    const kept = await setup({ ignoreExpired: false }).lookup({ type: 'md5', value: '44d88612fea8a8f36de82e1278abb02f' });
    expect(kept).toMatchObject({ verdict: 'suspicious', score: 60 });
  });

  it('takes threat scores and thresholds from config', async () => {
    const r = await setup({ threatScores: { 'hijacked-range': 40 }, maliciousAt: 90 }).lookup({ type: 'ipv4', value: '198.51.100.200' });
    expect(r).toMatchObject({ verdict: 'suspicious', score: 40 });
    const benign = await setup().lookup({ type: 'sha1', value: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' });
    expect(benign).toMatchObject({ verdict: 'info', score: 0 });
  });

  it('rejects unknown config keys and can be turned off', () => {
    expect(LocalFeedsConfig.safeParse({ treatScores: {} }).success).toBe(false);
    const ctx = { clock: fixedClock('2025-01-15T00:00:00Z'), log: silentLogger, fetch: globalThis.fetch, localIndex: LocalIndex.empty() };
    expect(localFeeds.create(LocalFeedsConfig.parse({ enabled: false }), ctx)).toEqual({ disabled: 'turned off in config (enabled: false)' });
  });
});
