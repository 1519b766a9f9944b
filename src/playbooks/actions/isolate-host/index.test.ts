import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearWazuhTokens } from '../../wazuh.js';
import { ctxFor, fakeWazuh } from '../fake-servers.js';
import isolateHost, { IsolateHostConfig, IsolateHostInput } from './index.js';

const none = IsolateHostConfig.parse({});

describe('isolate-host (no adapter)', () => {
  it('records a simulated containment with the case and time', async () => {
    const out = await isolateHost.run(IsolateHostInput.parse({ host: 'ws-7' }), ctxFor(none));
    expect(out).toEqual({
      status: 'simulated',
      reason: 'case #3: C2 beacon on ws-7',
      details: {
        containment: { host: 'ws-7', mode: 'network-isolation', case: 3, requestedAt: '2025-03-14T10:00:00.000Z' },
        note: expect.stringContaining('Simulated: the host was not isolated'),
      },
      outputs: { host: 'ws-7', adapter: 'none' },
    });
  });

  it('refuses allowlisted hosts, case-insensitively, with the pattern in the reason', async () => {
    const out = await isolateHost.run(IsolateHostInput.parse({ host: 'DC-01', reason: 'x' }), ctxFor(none));
    expect(out).toEqual({ status: 'refused', reason: 'host DC-01 is on the containment allowlist ("dc-*")', details: { host: 'DC-01' } });
  });

  it('needs a host and the wazuh command when that adapter is chosen', () => {
    expect(IsolateHostInput.safeParse({ host: '' }).success).toBe(false);
    expect(IsolateHostConfig.safeParse({ adapter: 'wazuh', wazuh: { url: 'https://w:55000' } }).success).toBe(false);
    expect(IsolateHostConfig.safeParse({ adapter: 'wazuh' }).error!.issues[0]!.message).toBe('adapter wazuh needs wazuh: {url, command}');
  });
});

describe('isolate-host through Wazuh active response', () => {
  let wazuh: Awaited<ReturnType<typeof fakeWazuh>>;
  beforeEach(async () => {
    clearWazuhTokens();
    wazuh = await fakeWazuh();
  });
  afterEach(async () => wazuh.close());
  const cfg = () => IsolateHostConfig.parse({ adapter: 'wazuh', wazuh: { url: wazuh.url, command: '!isolate-host', arguments: ['--all-but-manager'] } });

  it('finds the agent by host name and runs the isolation script on it', async () => {
    const out = await isolateHost.run(IsolateHostInput.parse({ host: 'web-01' }), ctxFor(cfg()));
    expect(out).toMatchObject({ status: 'executed', details: { wazuh: { agent: '001', command: '!isolate-host' } }, outputs: { host: 'web-01', adapter: 'wazuh', agent: '001' } });
    expect(wazuh.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /security/user/authenticate', 'GET /agents?name=web-01&select=id,name,status', 'PUT /active-response?agents_list=001']);
    expect(JSON.parse(wazuh.seen[2]!.body)).toEqual({ command: '!isolate-host', arguments: ['--all-but-manager'], alert: { data: { host: 'web-01', case: 3 } } });
  });

  it('fails with the reason for an unknown host, and retryably for a disconnected agent', async () => {
    expect(await isolateHost.run(IsolateHostInput.parse({ host: 'nope-01' }), ctxFor(cfg()))).toMatchObject({ status: 'failed', reason: 'no Wazuh agent is named nope-01' });
    expect(await isolateHost.run(IsolateHostInput.parse({ host: 'ws-9' }), ctxFor(cfg()))).toMatchObject({
      status: 'failed',
      retryable: true,
      reason: 'Wazuh could not run !isolate-host on agent 003 (ws-9): Cannot send request, agent is not active',
    });
  });

  it('calls nothing in dry run, and never for an allowlisted host', async () => {
    expect((await isolateHost.run(IsolateHostInput.parse({ host: 'web-01' }), ctxFor(cfg(), { dryRun: true }))).status).toBe('simulated');
    expect((await isolateHost.run(IsolateHostInput.parse({ host: 'dc-01' }), ctxFor(cfg()))).status).toBe('refused');
    expect(wazuh.seen).toEqual([]);
  });
});
