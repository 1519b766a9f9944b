import { describe, expect, it } from 'vitest';
import { createGuards } from './guards.js';

const none = createGuards({ allowlistIps: [], allowlistHosts: [] });

describe('ipRefusal', () => {
  it('lets a public address through', () => {
    expect(none.ipRefusal('185.220.101.4')).toBeUndefined();
    expect(none.ipRefusal('2a01:4f8:c010::1')).toBeUndefined();
    expect(none.ipRefusal('185.220.101.0/24')).toBeUndefined();
  });

  it.each([
    ['10.0.2.20', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.0.10', 'private'],
    ['fd00::1', 'private'],
    ['127.0.0.1', 'private'],
    ['0.0.0.0', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['224.0.0.251', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'reserved'],
  ])('refuses %s as a %s address, saying why', (ip, scope) => {
    const why = none.ipRefusal(ip);
    expect(why).toBeDefined();
    expect(why).toMatch(new RegExp(`^${ip.replace(/[.]/g, '\\.')} is a (private|reserved) address; blocking it could cut off internal systems$`));
    if (scope === 'private' && ip !== '127.0.0.1') expect(why).toContain('private');
  });

  it('refuses what is not an address', () => {
    expect(none.ipRefusal('evil.example.com')).toBe('"evil.example.com" is not an IP address');
    expect(none.ipRefusal('')).toBe('"" is not an IP address');
    expect(none.ipRefusal('1.2.3.4/40')).toBe('"1.2.3.4/40" is not an IP address or CIDR range');
  });

  it('refuses a range that starts public but holds internal addresses', () => {
    expect(none.ipRefusal('8.0.0.0/6')).toBe('8.0.0.0/6 includes private addresses; blocking it could cut off internal systems');
    expect(none.ipRefusal('1.0.0.0/0')).toMatch(/^1\.0\.0\.0\/0 includes \w+ addresses/);
    expect(none.ipRefusal('2000::/3')).toMatch(/includes \w+ addresses/);
    expect(none.ipRefusal('0.0.0.0/0')).toMatch(/reserved address/);
  });

  it('refuses allowlisted addresses and ranges, naming the entry', () => {
    const g = createGuards({ allowlistIps: ['8.8.8.8', '198.41.128.0/17', '2606:4700::/32'], allowlistHosts: [] });
    expect(g.ipRefusal('8.8.8.8')).toBe('8.8.8.8 is on the allowlist (8.8.8.8)');
    expect(g.ipRefusal('198.41.200.1')).toBe('198.41.200.1 is on the allowlist (198.41.128.0/17)');
    expect(g.ipRefusal('2606:4700::6810:84e5')).toBe('2606:4700::6810:84e5 is on the allowlist (2606:4700::/32)');
    expect(g.ipRefusal('::ffff:8.8.8.8')).toBe('::ffff:8.8.8.8 is on the allowlist (8.8.8.8)');
    expect(g.ipRefusal('8.8.4.4')).toBeUndefined();
    expect(g.ipRefusal('198.41.0.1')).toBeUndefined();
  });

  it('refuses a range that would cover an allowlisted address', () => {
    const g = createGuards({ allowlistIps: ['8.8.8.8'], allowlistHosts: [] });
    expect(g.ipRefusal('8.8.0.0/16')).toBe('8.8.0.0/16 is on the allowlist (8.8.8.8)');
    expect(g.ipRefusal('8.8.9.0/24')).toBeUndefined();
  });

  it('a bad allowlist entry fails at start, not at block time', () => {
    expect(() => createGuards({ allowlistIps: ['not-an-ip'], allowlistHosts: [] })).toThrow();
  });
});

describe('hostRefusal', () => {
  it('refuses hosts matching an allowlist pattern, case-insensitively, naming the pattern', () => {
    const g = createGuards({ allowlistIps: [], allowlistHosts: ['dc-*', 'ids-01'] });
    expect(g.hostRefusal('DC-01')).toBe('host DC-01 is on the containment allowlist ("dc-*")');
    expect(g.hostRefusal('ids-01')).toBe('host ids-01 is on the containment allowlist ("ids-01")');
    expect(g.hostRefusal('ids-011')).toBeUndefined();
    expect(g.hostRefusal('web-01')).toBeUndefined();
    expect(none.hostRefusal('dc-01')).toBeUndefined();
  });
});

describe('createGuards: host names', () => {
  it('an allowlist pattern written for the FQDN protects the host known by its short name', async () => {
    const { HostIdentities } = await import('../core/identity.js');
    const ids = new HostIdentities(['corp.example']);
    const g = createGuards({ allowlistIps: [], allowlistHosts: ['*.dc.corp.example', 'dc-*.corp.example'] }, (h) => ids.namesOf(h));
    expect(g.hostRefusal('dc-01')).toBe('host dc-01 is on the containment allowlist ("dc-*.corp.example")');
    expect(g.hostRefusal('ws-042')).toBeUndefined();
    expect(createGuards({ allowlistIps: [], allowlistHosts: ['dc-*.corp.example'] }).hostRefusal('dc-01')).toBeUndefined();
  });
});
