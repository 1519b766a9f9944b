import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../core/clock.js';
import type { ActionContext } from '../../action.js';
import { createGuards } from '../../guards.js';
import isolateHost, { IsolateHostInput } from './index.js';

const ctx: ActionContext = {
  case: { id: 'case_1', number: 42, title: 'Mimikatz on ws-7', severity: 'CRITICAL', score: 90, hosts: ['ws-7'], tags: [], observables: [], alerts: [] },
  playbook: 'contain',
  step: 'isolate',
  guards: createGuards({ allowlistIps: [], allowlistHosts: ['dc-*', 'ids-01'] }),
  clock: fixedClock('2025-03-14T10:00:00.000Z'),
};

describe('isolate-host', () => {
  it('records a simulated network isolation of the host', async () => {
    const input = IsolateHostInput.parse({ host: 'ws-7' });
    expect(isolateHost.target(input)).toBe('ws-7');
    const out = await isolateHost.run(input, ctx);
    expect(out.status).toBe('simulated');
    expect(out.reason).toBe('case #42: Mimikatz on ws-7');
    expect(out.details).toMatchObject({
      containment: { host: 'ws-7', mode: 'network-isolation', case: 42, requestedAt: '2025-03-14T10:00:00.000Z' },
      note: expect.stringContaining('the host was not isolated'),
    });
  });

  it('keeps a given reason', async () => {
    expect((await isolateHost.run(IsolateHostInput.parse({ host: 'ws-7', reason: 'ransomware' }), ctx)).reason).toBe('ransomware');
  });

  it('refuses allowlisted hosts, naming the pattern', async () => {
    const out = await isolateHost.run(IsolateHostInput.parse({ host: 'DC-01' }), ctx);
    expect(out).toEqual({ status: 'refused', reason: 'host DC-01 is on the containment allowlist ("dc-*")', details: { host: 'DC-01' } });
  });

  it('needs a host', () => {
    expect(IsolateHostInput.safeParse({ host: '' }).error?.issues[0]?.path).toEqual(['host']);
  });
});
