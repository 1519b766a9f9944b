import { describe, expect, it } from 'vitest';
import { canonicalHost, HostIdentities } from './identity.js';

describe('HostIdentities', () => {
  it('a short name and its FQDN under a configured estate domain are one host, in any case', () => {
    const ids = new HostIdentities(['corp.northwind.internal']);
    expect(ids.canonical('WS-042.corp.northwind.internal.')).toBe('ws-042');
    expect(ids.canonical('ws-042')).toBe('ws-042');
    expect(ids.same('ws-042', 'Ws-042.CORP.northwind.internal')).toBe(true);
    // only one label before the estate domain is a short name; other domains stay whole; addresses stay
    expect(ids.canonical('a.b.corp.northwind.internal')).toBe('a.b.corp.northwind.internal');
    expect(ids.canonical('ws-042.other.example')).toBe('ws-042.other.example');
    expect(ids.canonical('10.0.4.42')).toBe('10.0.4.42');
    expect(canonicalHost('DC-01.corp.example', ['corp.example'])).toBe('dc-01');
  });

  it('without config, an alert that names a host both ways ties the names and teaches the domain', () => {
    const ids = new HostIdentities();
    expect(ids.canonical('ws-042.corp.northwind.internal')).toBe('ws-042.corp.northwind.internal');
    // a Wazuh Windows alert: agent ws-042, event computer ws-042.corp.northwind.internal
    expect(ids.resolve({ name: 'ws-042', id: '005', aliases: ['ws-042.corp.northwind.internal'] })).toEqual({ name: 'ws-042', aliases: ['ws-042.corp.northwind.internal', 'id:005'] });
    // a Sigma detection on the same record names it by the FQDN first
    expect(ids.resolve({ name: 'WS-042.corp.northwind.internal', aliases: ['ws-042'] }).name).toBe('ws-042');
    // and from then on the domain is known for every host
    expect(ids.resolve({ name: 'dc-01.corp.northwind.internal' }).name).toBe('dc-01');
    expect(ids.knownDomains).toEqual(['corp.northwind.internal']);
  });

  it('names that only share a first label are not tied', () => {
    const ids = new HostIdentities();
    expect(ids.resolve({ name: 'web-01', aliases: ['web-02.corp.example'] }).name).toBe('web-01');
    expect(ids.canonical('web-02.corp.example')).toBe('web-02.corp.example');
  });

  it('an agent id seen with a name stands for it when an alert has no name', () => {
    const ids = new HostIdentities();
    ids.resolve({ name: 'db-01', id: '003' });
    expect(ids.resolve({ name: 'unknown', id: '003' }).name).toBe('db-01');
    // a different name with the same id is not renamed (ids are per manager, names are what alerts say)
    expect(ids.resolve({ name: 'db-02', id: '003' }).name).toBe('db-02');
  });
});
