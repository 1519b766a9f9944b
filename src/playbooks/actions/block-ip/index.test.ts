import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearWazuhTokens } from '../../wazuh.js';
import { ctxFor, fakeWazuh, json, serve, type FakeServer } from '../fake-servers.js';
import blockIp, { BlockIpConfig, BlockIpInput } from './index.js';

const none = BlockIpConfig.parse({});
const run = (input: Record<string, unknown>, config = none, over = {}) => blockIp.run(BlockIpInput.parse(input), ctxFor(config, over));

describe('block-ip (no adapter)', () => {
  it('is registered under its verb, destructive, and targets the address', () => {
    expect(blockIp.id).toBe('block-ip');
    expect(blockIp.destructive).toBe(true);
    expect(blockIp.target(BlockIpInput.parse({ address: '147.45.79.113' }))).toBe('147.45.79.113');
  });

  it('defaults to an inbound 24h block, records the rule and commands, and says it is simulated', async () => {
    const out = await run({ address: '147.45.79.113' });
    expect(out).toEqual({
      status: 'simulated',
      reason: 'case #3: C2 beacon on ws-7',
      expiresAt: '2025-03-15T10:00:00.000Z',
      details: {
        rule: { address: '147.45.79.113', direction: 'inbound', ttl: '24h', expiresAt: '2025-03-15T10:00:00.000Z', case: 3 },
        commands: ['nft add rule inet filter input ip saddr 147.45.79.113 drop', 'iptables -I INPUT -s 147.45.79.113 -j DROP'],
        note: expect.stringContaining('Simulated: no firewall was changed'),
      },
      outputs: { address: '147.45.79.113', direction: 'inbound', expiresAt: '2025-03-15T10:00:00.000Z', adapter: 'none', commands: expect.any(Array) },
    });
  });

  it('writes outbound commands and the expiry from the ttl', async () => {
    const out = await run({ address: '147.45.79.0/24', direction: 'outbound', ttl: '7d', reason: 'C2 range' });
    expect(out.reason).toBe('C2 range');
    expect(out.details.rule).toMatchObject({ direction: 'outbound', expiresAt: '2025-03-21T10:00:00.000Z' });
    expect(out.details.commands).toEqual(['nft add rule inet filter output ip daddr 147.45.79.0/24 drop', 'iptables -I OUTPUT -d 147.45.79.0/24 -j DROP']);
    expect((await run({ address: '147.45.79.113', ttl: '90m' })).expiresAt).toBe('2025-03-14T11:30:00.000Z');
  });

  it('uses ip6 / ip6tables for IPv6 in both directions', async () => {
    const out = await run({ address: '2a01:4f8:c010::1', direction: 'both' });
    expect(out.details.commands).toEqual([
      'nft add rule inet filter input ip6 saddr 2a01:4f8:c010::1 drop',
      'ip6tables -I INPUT -s 2a01:4f8:c010::1 -j DROP',
      'nft add rule inet filter output ip6 daddr 2a01:4f8:c010::1 drop',
      'ip6tables -I OUTPUT -d 2a01:4f8:c010::1 -j DROP',
    ]);
  });

  it('refuses private, reserved and allowlisted addresses with no commands', async () => {
    for (const [address, why] of [
      ['192.168.1.10', /private address/],
      ['203.0.113.5', /reserved address/],
      ['1.1.1.1', /allowlist \(1\.1\.1\.1\)/],
      ['8.0.0.0/4', /includes unspecified addresses/],
      ['not-an-ip; rm -rf /', /is not an IP address/],
    ] as const) {
      const out = await run({ address });
      expect(out.status).toBe('refused');
      expect(out.reason).toMatch(why);
      expect(out.details).toEqual({ address });
    }
  });

  it('rejects unknown inputs, directions and bad TTLs by field', () => {
    const r = BlockIpInput.safeParse({ address: '1.2.3.4', direction: 'sideways', port: 22, ttl: 'forever' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.') || (i as { keys?: string[] }).keys?.join(','))).toEqual(expect.arrayContaining(['direction', 'port', 'ttl']));
    expect(BlockIpInput.safeParse({ address: '1.2.3.4', ttl: '400d' }).error!.issues[0]!.message).toBe('ttl 400d must be more than 0 and at most 365d');
  });

  it('writes the unblock commands when undone', async () => {
    const out = await blockIp.undo!({ id: 'act_1', caseId: 'c', target: '147.45.79.113', status: 'simulated', details: { rule: { address: '147.45.79.113', direction: 'inbound' } } }, ctxFor(none));
    expect(out).toMatchObject({ status: 'simulated', reason: 'TTL ended: the block of 147.45.79.113 lapses' });
    expect(out.details.commands).toEqual([expect.stringContaining("awk '/ip saddr 147.45.79.113 drop/ {print $NF}'"), 'iptables -D INPUT -s 147.45.79.113 -j DROP']);
  });
});

describe('block-ip through Wazuh active response', () => {
  let wazuh: Awaited<ReturnType<typeof fakeWazuh>>;
  beforeEach(async () => {
    clearWazuhTokens();
    wazuh = await fakeWazuh();
  });
  afterEach(async () => wazuh.close());

  const cfg = (over: Record<string, unknown> = {}) => BlockIpConfig.parse({ adapter: 'wazuh', wazuh: { url: wazuh.url, agents: ['001', '002'], ...over } });

  it('signs in with basic auth, then runs firewall-drop on the named agents with the address as srcip', async () => {
    const out = await run({ address: '147.45.79.113', ttl: '1h' }, cfg());
    expect(out).toMatchObject({
      status: 'executed',
      expiresAt: '2025-03-14T11:00:00.000Z',
      details: { wazuh: { agents: ['001', '002'], command: '!firewall-drop', message: 'AR command was sent to all agents' } },
      outputs: { adapter: 'wazuh' },
    });
    expect(wazuh.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /security/user/authenticate', 'PUT /active-response?agents_list=001%2C002']);
    expect(wazuh.seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('wazuh-wui:s3cret').toString('base64')}`);
    expect(wazuh.seen[1]!.headers.authorization).toBe('Bearer tok-1');
    expect(JSON.parse(wazuh.seen[1]!.body)).toEqual({ command: '!firewall-drop', arguments: [], alert: { data: { srcip: '147.45.79.113' } } });
    // The token is reused for the next call.
    await run({ address: '147.45.79.114' }, cfg());
    expect(wazuh.tokens).toBe(1);
  });

  it('does not call Wazuh in dry run, and says so', async () => {
    const out = await run({ address: '147.45.79.113' }, cfg(), { dryRun: true });
    expect(out).toMatchObject({ status: 'simulated', details: { note: 'Dry run: the wazuh adapter was not called.' } });
    expect(wazuh.seen).toEqual([]);
  });

  it('reports agents that did not get the command as a retryable failure', async () => {
    const out = await run({ address: '147.45.79.113' }, cfg({ agents: ['001', '003'] }));
    expect(out).toMatchObject({ status: 'failed', retryable: true, reason: 'Wazuh could not run !firewall-drop on 003 (Cannot send request, agent is not active)' });
  });

  it('names the missing or refused credentials without retrying, and refuses ranges', async () => {
    const missing = await run({ address: '147.45.79.113' }, cfg(), { services: { fetch, env: {}, log: undefined as never } });
    expect(missing).toMatchObject({ status: 'failed', reason: 'Wazuh API credentials missing: set VIGIL_WAZUH_API_USER and VIGIL_WAZUH_API_PASSWORD' });
    expect(missing.retryable).toBeUndefined();
    const wrong = await run({ address: '147.45.79.113' }, cfg(), { services: { fetch, env: { VIGIL_WAZUH_API_USER: 'wazuh-wui', VIGIL_WAZUH_API_PASSWORD: 'nope' }, log: undefined as never } });
    expect(wrong.reason).toBe(`Wazuh sign-in at ${wazuh.url}: the credentials in VIGIL_WAZUH_API_USER/VIGIL_WAZUH_API_PASSWORD were refused`);
    expect((await run({ address: '147.45.79.0/24' }, cfg())).reason).toBe('Wazuh firewall-drop blocks single addresses; 147.45.79.0/24 is a range');
  });

  it('signs in again once when the token was revoked', async () => {
    await wazuh.close();
    clearWazuhTokens();
    wazuh = await fakeWazuh({ expireFirstToken: true });
    const out = await run({ address: '147.45.79.113' }, cfg());
    expect(out.status).toBe('executed');
    expect(wazuh.seen.map((s) => `${s.method} ${s.url.split('?')[0]} ${s.headers.authorization?.split(' ')[0]}`)).toEqual([
      'POST /security/user/authenticate Basic',
      'PUT /active-response Bearer',
      'POST /security/user/authenticate Basic',
      'PUT /active-response Bearer',
    ]);
  });

  it('an unreachable manager is a retryable failure', async () => {
    await wazuh.close();
    const out = await run({ address: '147.45.79.113' }, cfg());
    expect(out).toMatchObject({ status: 'failed', retryable: true, reason: expect.stringMatching(/^Wazuh sign-in at http:\/\/127\.0\.0\.1:\d+: request failed/) });
    wazuh = await fakeWazuh();
  });

  it('lifts the block with the configured unblock script, or leaves it to the agents’ timeout', async () => {
    const done = { id: 'act_1', caseId: 'c', target: '147.45.79.113', status: 'executed' as const, details: { rule: { address: '147.45.79.113', direction: 'inbound' }, wazuh: { agents: ['001'] } } };
    const lifted = await blockIp.undo!(done, ctxFor(cfg({ unblockCommand: '!firewall-drop-remove' })));
    expect(lifted).toMatchObject({ status: 'executed', reason: 'TTL ended: block of 147.45.79.113 lifted through Wazuh' });
    expect(JSON.parse(wazuh.seen.at(-1)!.body)).toMatchObject({ command: '!firewall-drop-remove', alert: { data: { srcip: '147.45.79.113' } } });
    const left = await blockIp.undo!(done, ctxFor(cfg()));
    expect(left).toMatchObject({ status: 'skipped', reason: expect.stringContaining("the agents' own active-response timeout lifts the Wazuh block") });
  });
});

describe('block-ip through an HTTP firewall API', () => {
  let fw: FakeServer;
  beforeEach(async () => {
    fw = await serve((req, res) => {
      if (req.method === 'POST') json(res, 201, { id: 'rule-77' });
      else if (req.method === 'DELETE') json(res, req.url.endsWith('/gone') ? 404 : 200, {});
      else json(res, 405, {});
    });
  });
  afterEach(async () => fw.close());

  const cfg = () => BlockIpConfig.parse({ adapter: 'http', http: { url: `${fw.url}/v1/blocks`, tokenEnv: 'FW_TOKEN' } });
  const services = { fetch, env: { FW_TOKEN: 'fw-secret' }, log: undefined as never };

  it('POSTs the block with an idempotency key and bearer token, and keeps the rule id', async () => {
    const out = await run({ address: '147.45.79.113', direction: 'both', ttl: '2h' }, cfg(), { services });
    expect(out).toMatchObject({ status: 'executed', details: { http: { status: 201, ruleId: 'rule-77' } }, outputs: { ruleId: 'rule-77' } });
    const req = fw.seen[0]!;
    expect(req.url).toBe('/v1/blocks');
    expect(req.headers['idempotency-key']).toBe('act_test_key');
    expect(req.headers.authorization).toBe('Bearer fw-secret');
    expect(JSON.parse(req.body)).toEqual({ address: '147.45.79.113', direction: 'both', ttlSeconds: 7200, expiresAt: '2025-03-14T12:00:00.000Z', reason: 'case #3: C2 beacon on ws-7', case: { id: 'case_1', number: 3, title: 'C2 beacon on ws-7' }, idempotencyKey: 'act_test_key' });
  });

  it('DELETEs the rule when the TTL ends; a rule already gone is fine', async () => {
    const base = { id: 'a', caseId: 'c', target: '147.45.79.113', status: 'executed' as const };
    expect(await blockIp.undo!({ ...base, details: { rule: { address: '147.45.79.113' }, http: { ruleId: 'rule-77' } } }, ctxFor(cfg(), { services }))).toMatchObject({ status: 'executed', details: { http: { status: 200 } } });
    expect(fw.seen.at(-1)).toMatchObject({ method: 'DELETE', url: '/v1/blocks/rule-77' });
    expect(await blockIp.undo!({ ...base, details: { rule: { address: '147.45.79.113' }, http: { ruleId: 'gone' } } }, ctxFor(cfg(), { services }))).toMatchObject({ status: 'executed', details: { http: { status: 404 } } });
  });

  it('treats 5xx as retryable and 4xx as final, quoting the API', async () => {
    await fw.close();
    fw = await serve((req, res) => json(res, req.headers['idempotency-key'] ? 503 : 400, { message: 'firewall busy' }));
    expect(await run({ address: '147.45.79.113' }, cfg(), { services })).toMatchObject({ status: 'failed', retryable: true, reason: expect.stringMatching(/firewall API block at http:\/\/127\.0\.0\.1:\d+: HTTP 503: firewall busy/) });
  });

  it('needs its adapter settings when the adapter is chosen', () => {
    expect(BlockIpConfig.safeParse({ adapter: 'http' }).error!.issues[0]).toMatchObject({ path: ['http'], message: 'adapter http needs http: {url}' });
    expect(BlockIpConfig.safeParse({ adapter: 'wazuh', wazuh: { url: 'https://w:55000', agents: [] } }).success).toBe(false);
    expect(BlockIpConfig.safeParse({ adapter: 'wazuh', wazuh: { url: 'https://w:55000', agents: ['001'], password: 'inline' } }).success).toBe(false);
  });
});
