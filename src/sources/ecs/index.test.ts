import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VigilError } from '../../core/errors.js';
import { alertId } from '../../core/ids.js';
import { Alert } from '../../core/types.js';
import { normalizeRecord } from '../../pipeline/run.js';
import { extractForPipeline } from '../../pipeline/extract.js';
import { sourceFor } from '../registry.js';
import ecs, { ecsGet } from './index.js';

type Rec = Record<string, unknown>;
const [endpoint, network, legacy] = JSON.parse(readFileSync(new URL('./fixtures/security-alerts.json', import.meta.url), 'utf8')) as [Rec, Rec, Rec];

function invalid(r: Rec): VigilError {
  try {
    ecs.normalize(r);
  } catch (e) {
    expect(e).toBeInstanceOf(VigilError);
    return e as VigilError;
  }
  throw new Error('expected normalize to throw');
}

describe('ecs source: accepts', () => {
  it('takes Elastic Security alerts (flat, nested and legacy 7.x signals) and nothing else', () => {
    expect(ecs.accepts(endpoint)).toBe(true);
    expect(ecs.accepts(network)).toBe(true);
    expect(ecs.accepts(legacy)).toBe(true);
    expect(ecs.accepts({ '@timestamp': '2025-01-01T00:00:00Z', host: { name: 'a' }, event: { kind: 'event' } })).toBe(false);
    expect(ecs.accepts({ timestamp: '2025-01-01T00:00:00.000+0000', id: '1.2', rule: { level: 3, id: '1' }, agent: { name: 'a' } })).toBe(false);
    expect(ecs.accepts({ event_type: 'alert', alert: { signature_id: 1 } })).toBe(false);
  });

  it('routes an alert carrying ECS rule and agent objects to ecs, and Wazuh alerts still to wazuh', () => {
    expect(endpoint.rule).toBeTypeOf('object');
    expect(endpoint.agent).toBeTypeOf('object');
    expect(sourceFor(endpoint)?.id).toBe('ecs');
    expect(sourceFor({ rule: { level: 3 }, agent: { name: 'a' } })?.id).toBe('wazuh');
    expect(sourceFor({ event_type: 'alert' })?.id).toBe('suricata');
  });
});

describe('ecs source: normalize', () => {
  it('maps an 8.x endpoint alert with flat kibana.alert.* keys', () => {
    const a = ecs.normalize(endpoint)!;
    expect(a.id).toBe(alertId('ecs', '4f2b6c1e8a93d0b7c5e1f2a3b4c5d6e7f8091a2b3c4d5e6f7a8b9c0d1e2f3a4b'));
    expect(a.source).toBe('ecs');
    expect(a.time).toBe('2025-03-14T09:05:10.000Z');
    expect(a.title).toBe('Potential Credential Access via LSASS Memory Dump');
    expect(a.description).toMatch(/^process event with process procdump64\.exe/);
    expect(a.rule).toEqual({
      id: 'f2f46686-6f3c-4724-bd7d-24e31c70f98f',
      level: 73,
      scale: 'generic',
      groups: ['Domain: Endpoint', 'OS: Windows', 'Tactic: Credential Access', 'process'],
      mitre: { ids: ['T1003', 'T1003.001'], tactics: ['Credential Access'], techniques: ['OS Credential Dumping'] },
    });
    expect(a.host).toEqual({ name: 'WS-042', role: 'agent', ip: '10.20.30.42', id: 'b6f1c7d2e3a4' });
    const obs = a.observables.map((o) => `${o.type}:${o.value}:${o.role}`);
    expect(obs).toEqual(
      expect.arrayContaining([
        'user:jdoe:user',
        'process:C:\\Tools\\procdump64.exe:process',
        'process:C:\\Windows\\System32\\cmd.exe:parent',
        'commandline:procdump64.exe -accepteula -ma lsass.exe C:\\Users\\Public\\l.dmp:process',
        'sha256:05732e84de58a3cc142535431b3aa04efbe034cc96e837f93c360a6387d8faad:process',
        'host:WS-042:host',
        'ipv4:10.20.30.42:host',
        'ipv6:fe80::a1b2:c3d4:e5f6:1:host',
      ]),
    );
    expect(a.text).toEqual([{ field: 'process.command_line', value: 'procdump64.exe -accepteula -ma lsass.exe C:\\Users\\Public\\l.dmp' }]);
  });

  it('maps a nested alert with a severity but no risk score, and network observables', () => {
    const a = normalizeRecord(network, extractForPipeline)!;
    expect(Alert.parse(a)).toBeTruthy();
    expect(a.rule).toMatchObject({ id: 'c2-threat-intel-match', level: 99, scale: 'generic', groups: ['Threat Intel'] });
    expect(a.time).toBe('2025-03-14T09:07:40.120Z');
    expect(a.description).toBe('web-01 connected to 45.155.205.233 (update-cdn[.]example)');
    const obs = a.observables.map((o) => `${o.type}:${o.value}:${o.role ?? ''}:${o.scope ?? ''}`);
    expect(obs).toEqual(
      expect.arrayContaining([
        'ipv4:10.0.1.10:src:private',
        'ipv4:45.155.205.233:dst:public',
        'domain:update-cdn.example:dst:',
        'url:https://update-cdn.example/gate.php?id=7:dst:',
      ]),
    );
    // related.ip repeats source and destination: each observable once.
    expect(obs.filter((o) => o.startsWith('ipv4:45.155.205.233'))).toHaveLength(1);
  });

  it('builds the URL from url.* when there is no absolute one, keeping url.scheme and url.port; addresses keep their port; an IP in a domain field is an address', () => {
    const doc = {
      '@timestamp': '2026-11-18T09:22:31.077Z', 'kibana.alert.uuid': 'u-1', 'kibana.alert.rule.name': 'C2 beacon', 'kibana.alert.severity': 'high', 'host.name': 'ws-042',
      'source.ip': '10.0.4.42', 'source.port': 50803, 'destination.ip': '77.105.161.37', 'destination.port': 2078, 'destination.domain': '77.105.161.37',
      url: { original: '/api/health/v2', domain: '77.105.161.37', port: 2078, scheme: 'http' },
    };
    const a = normalizeRecord(doc, extractForPipeline)!;
    expect(a.observables.filter((o) => o.type === 'url').map((o) => o.value)).toEqual(['http://77.105.161.37:2078/api/health/v2']);
    expect(a.observables.filter((o) => o.type === 'domain')).toEqual([]);
    expect(a.observables.find((o) => o.value === '10.0.4.42')).toMatchObject({ role: 'src', port: 50803 });
    const https = normalizeRecord({ ...doc, 'kibana.alert.uuid': 'u-2', url: { path: '/login', domain: 'portal.example-sso.com', port: 443, scheme: 'https', query: 'next=%2F' } }, extractForPipeline)!;
    expect(https.observables.filter((o) => o.type === 'url').map((o) => o.value)).toEqual(['https://portal.example-sso.com/login?next=%2F']);
  });

  it('maps a legacy 7.x signal, whose id comes from the rule, the source event and the time', () => {
    const a = ecs.normalize(legacy)!;
    expect(a.sourceRef).toBe('multiple-logon-failure:zQ8xkHkBbZ2p0Yk3aL1q:2021-06-02T11:19:58.500Z');
    expect(a.rule).toMatchObject({ id: 'multiple-logon-failure', level: 47, mitre: { ids: ['T1110'], tactics: ['Credential Access'], techniques: ['Brute Force'] } });
    expect(a.description).toBe('authentication event by Administrator on DC01 created medium alert Multiple Logon Failure.');
    expect(ecs.normalize(legacy)!.id).toBe(a.id);
  });

  it('names the field when a document cannot be an alert', () => {
    expect(invalid({ 'kibana.alert.uuid': 'x', '@timestamp': '2025-01-01T00:00:00Z', 'kibana.alert.risk_score': 5 }).field).toBe('kibana.alert.rule.name');
    const noScore = invalid({ 'kibana.alert.uuid': 'x', 'kibana.alert.rule.name': 'r', '@timestamp': '2025-01-01T00:00:00Z' });
    expect(noScore.field).toBe('kibana.alert.risk_score');
    expect(noScore.message).toMatch(/needs a risk score/);
    expect(invalid({ 'kibana.alert.uuid': 'x', 'kibana.alert.rule.name': 'r', '@timestamp': '2025-01-01T00:00:00Z', 'kibana.alert.risk_score': 150 }).message).toBe('must be 0–100, got 150');
    expect(invalid({ 'kibana.alert.uuid': 'x', 'kibana.alert.rule.name': 'r', 'kibana.alert.severity': 'high' }).field).toBe('@timestamp');
  });

  it('reads dotted names through flat keys, nested objects and mixes of both', () => {
    expect(ecsGet({ 'a.b.c': 1 }, 'a.b.c')).toBe(1);
    expect(ecsGet({ a: { b: { c: 2 } } }, 'a.b.c')).toBe(2);
    expect(ecsGet({ a: { 'b.c': 3 } }, 'a.b.c')).toBe(3);
    expect(ecsGet({ 'a.b': { c: 4 } }, 'a.b.c')).toBe(4);
    expect(ecsGet({ a: { b: {} }, 'a.b.c': 5 }, 'a.b.c')).toBe(5);
    expect(ecsGet({ constructor: 1 }, 'constructor.name')).toBeUndefined();
    expect(ecsGet({}, 'toString')).toBeUndefined();
  });
});
