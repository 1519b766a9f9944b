import { describe, expect, it } from 'vitest';
import { levelFromLabel, normalizeCaseStatus, severityFromNumber, severityToNumber, tacticSlug, vigilObservable } from './model.js';

describe('TheHive vocabulary', () => {
  it('maps severities both ways', () => {
    expect([1, 2, 3, 4].map(severityFromNumber)).toEqual(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);
    expect(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].map(severityToNumber)).toEqual([1, 2, 3, 4]);
    expect(levelFromLabel('severity', 'high')).toBe(3);
    expect(levelFromLabel('tlp', 'CLEAR')).toBe(0);
    expect(levelFromLabel('tlp', 'AMBER+STRICT')).toBe(3);
    expect(levelFromLabel('pap', 'purple')).toBeUndefined();
  });

  it('reads TheHive 5 and TheHive 4 statuses', () => {
    expect(normalizeCaseStatus('TruePositive')).toBe('TruePositive');
    expect(normalizeCaseStatus('Resolved', 'FalsePositive')).toBe('FalsePositive');
    expect(normalizeCaseStatus('Resolved')).toBe('Indeterminate');
    expect(normalizeCaseStatus('Open')).toBe('InProgress');
    expect(normalizeCaseStatus('Deleted')).toBeUndefined();
  });

  it('turns TheHive observables into Vigil ones where there is one', () => {
    expect(vigilObservable('ip', '185.220.101.4')).toEqual({ type: 'ipv4', value: '185.220.101.4', scope: 'public' });
    expect(vigilObservable('ip', '::ffff:10.0.0.1')).toEqual({ type: 'ipv4', value: '10.0.0.1', scope: 'private' });
    expect(vigilObservable('ip', '10.0.0.0/8')).toEqual({ type: 'cidr', value: '10.0.0.0/8' });
    expect(vigilObservable('ip', '010.1.1.1')).toBeUndefined();
    expect(vigilObservable('ip', 'not an ip')).toBeUndefined();
    expect(vigilObservable('fqdn', 'WWW.Example.COM.')).toEqual({ type: 'domain', value: 'www.example.com' });
    expect(vigilObservable('hash', 'D41D8CD98F00B204E9800998ECF8427E')).toEqual({ type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' });
    expect(vigilObservable('hash', 'abc')).toBeUndefined();
    expect(vigilObservable('mail', 'J.Doe@Example.org')).toEqual({ type: 'email', value: 'j.doe@example.org' });
    expect(vigilObservable('autonomous-system', '15169')).toEqual({ type: 'asn', value: 'AS15169' });
    expect(vigilObservable('user-agent', 'curl/8')).toBeUndefined();
  });

  it('accepts ATT&CK tactics as names or short names', () => {
    expect(tacticSlug('Credential Access')).toBe('credential-access');
    expect(tacticSlug('command_and_control')).toBe('command-and-control');
    expect(tacticSlug('nonsense')).toBeUndefined();
  });
});
