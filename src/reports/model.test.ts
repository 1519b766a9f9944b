import { describe, expect, it } from 'vitest';
import { sshBruteForceCaseReport } from './fixtures.js';
import { assetHosts } from './model.js';

describe('assetHosts', () => {
  it('lists the machines of a case: not the sensors that saw the traffic, not the mailboxes phishing alerts name', () => {
    const r = sshBruteForceCaseReport();
    r.totals = { alerts: 3, observables: 0, timeline: 0, hosts: [{ name: 'ws-042' }, { name: 'suricata', role: 'sensor' }, { name: 'bob@corp.example' }], sources: [], ruleIds: [], ruleGroups: [] };
    expect(assetHosts(r)).toEqual(['ws-042']);
  });
});
