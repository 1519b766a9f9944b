import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../config.js';
import { VigilError } from '../../core/errors.js';
import wazuh from '../wazuh/index.js';
import suricata from './index.js';

type Rec = Record<string, unknown>;

function c2Alert(over: Rec = {}): Rec {
  return {
    timestamp: '2025-03-14T09:12:03.402118+0000',
    flow_id: 1246094180050360,
    in_iface: 'igb1',
    event_type: 'alert',
    src_ip: '10.0.2.20',
    src_port: 43112,
    dest_ip: '147.45.79.113',
    dest_port: 80,
    proto: 'TCP',
    alert: {
      action: 'allowed',
      gid: 1,
      signature_id: 2035595,
      rev: 2,
      signature: 'ET MALWARE Observed CobaltStrike Beacon',
      category: 'A Network Trojan was detected',
      severity: 1,
      metadata: {
        mitre_tactic_name: ['Command_And_Control'],
        mitre_technique_id: ['T1071'],
        mitre_technique_name: ['Application_Layer_Protocol'],
      },
    },
    http: { hostname: 'telemetry-cdn-sync.top', url: '/submit.php?id=42', http_user_agent: 'Mozilla/5.0', status: 200 },
    ...over,
  };
}

function alertWith(alert: Rec): Rec {
  return c2Alert({ alert: { ...(c2Alert().alert as Rec), ...alert } });
}

function invalid(r: Rec): VigilError {
  try {
    suricata.normalize(r);
  } catch (e) {
    expect(e).toBeInstanceOf(VigilError);
    expect((e as VigilError).code).toBe('VIGIL_INPUT_INVALID');
    return e as VigilError;
  }
  throw new Error('expected normalize to throw');
}

describe('suricata source: accepts', () => {
  it('takes EVE records, not Wazuh alerts', () => {
    expect(suricata.id).toBe('suricata');
    expect(suricata.accepts(c2Alert())).toBe(true);
    expect(suricata.accepts({ event_type: 'flow' })).toBe(true);
    // A Wazuh alert that forwarded an EVE record has a rule object: it is Wazuh's.
    const forwarded = { ...c2Alert(), rule: { id: '86601', level: 3 }, agent: { name: 'ids' } };
    expect(suricata.accepts(forwarded)).toBe(false);
    expect(wazuh.accepts(forwarded)).toBe(true);
  });
});

describe('suricata source: normalize', () => {
  it('maps an alert event', () => {
    const a = suricata.normalize(c2Alert())!;
    expect(a.source).toBe('suricata');
    expect(a.time).toBe('2025-03-14T09:12:03.402Z');
    expect(a.title).toBe('ET MALWARE Observed CobaltStrike Beacon');
    expect(a.description).toBe('ET MALWARE Observed CobaltStrike Beacon — A Network Trojan was detected — 10.0.2.20:43112 → 147.45.79.113:80 TCP');
    expect(a.rule).toEqual({
      id: '2035595',
      level: 1,
      scale: 'suricata',
      groups: ['A Network Trojan was detected', 'allowed'],
      mitre: { ids: ['T1071'], tactics: ['Command_And_Control'], techniques: ['Application_Layer_Protocol'] },
    });
    // The interface is not a host: without `host` the sensor is just "suricata", and it is a sensor, not the asset.
    expect(a.host).toEqual({ name: 'suricata', role: 'sensor' });
    expect(a.text).toEqual([]);
  });

  it('builds a stable id from flow, signature and time', () => {
    const a = suricata.normalize(c2Alert())!;
    expect(suricata.normalize(c2Alert())!.id).toBe(a.id);
    expect(a.sourceRef).toBe('1246094180050360:2035595:2025-03-14T09:12:03.402118+0000');
    // Same flow and signature a second later is another alert.
    expect(suricata.normalize(c2Alert({ timestamp: '2025-03-14T09:12:04.402118+0000' }))!.id).not.toBe(a.id);
    expect(suricata.normalize(alertWith({ signature_id: 2000001 }))!.id).not.toBe(a.id);
  });

  it('names the sensor from the EVE host field', () => {
    expect(suricata.normalize(c2Alert({ host: 'ids-01' }))!.host).toEqual({ name: 'ids-01', role: 'sensor' });
  });

  it('collects src/dest addresses and the HTTP host and URL', () => {
    const a = suricata.normalize(c2Alert())!;
    expect(a.observables).toEqual([
      { type: 'ipv4', value: '10.0.2.20', role: 'src', context: 'src_ip', port: 43112 },
      { type: 'ipv4', value: '147.45.79.113', role: 'dst', context: 'dest_ip', port: 80 },
      { type: 'domain', value: 'telemetry-cdn-sync.top', role: 'dst', context: 'http.hostname' },
      { type: 'url', value: 'http://telemetry-cdn-sync.top/submit.php?id=42', role: 'dst', context: 'http.url' },
      { type: 'host', value: 'suricata', role: 'sensor', context: 'host' },
    ]);
  });

  it('takes the DNS query name, both the flat and the Suricata 7 list form', () => {
    const flat = suricata.normalize(c2Alert({ http: undefined, dns: { type: 'query', rrname: 'evil.example.net', rrtype: 'A' } }))!;
    expect(flat.observables.filter((o) => o.type === 'domain')).toEqual([{ type: 'domain', value: 'evil.example.net', role: 'dst', context: 'dns.rrname' }]);
    const list = suricata.normalize(c2Alert({ http: undefined, dns: { query: [{ type: 'query', id: 1, rrname: 'telemetry-cdn-sync.top', rrtype: 'A' }] } }))!;
    expect(list.observables.filter((o) => o.type === 'domain').map((o) => o.value)).toEqual(['telemetry-cdn-sync.top']);
  });

  it('takes the TLS SNI and file info hashes, IPv6 lower-cased', () => {
    const a = suricata.normalize(
      c2Alert({
        src_ip: '2001:DB8::5',
        dest_ip: '2606:4700::6810:84e5',
        http: undefined,
        tls: { sni: 'login.micros0ft-support.com', version: 'TLS 1.3', ja3: { hash: 'abc' } },
        fileinfo: { filename: '/invoice.exe', sha256: 'A'.repeat(64), md5: 'not-a-hash' },
      }),
    )!;
    expect(a.observables.map((o) => `${o.type}:${o.role}:${o.value}`)).toEqual([
      'ipv6:src:2001:db8::5',
      'ipv6:dst:2606:4700::6810:84e5',
      'domain:dst:login.micros0ft-support.com',
      'filepath:file:/invoice.exe',
      `sha256:file:${'a'.repeat(64)}`,
      'host:sensor:suricata',
    ]);
  });

  it('defaults a missing severity to 3 (low) and accepts 1–4', () => {
    const r = alertWith({});
    delete (r.alert as Rec).severity;
    expect(suricata.normalize(r)!.rule.level).toBe(3);
    expect(suricata.normalize(alertWith({ severity: 2 }))!.rule.level).toBe(2);
    expect(suricata.normalize(alertWith({ severity: 4 }))!.rule.level).toBe(4);
  });

  it.each(['flow', 'http', 'dns', 'tls', 'stats', 'fileinfo', 'anomaly'])('a %s event is not an alert: null', (event_type) => {
    expect(suricata.normalize({ timestamp: '2025-03-14T09:12:03.402118+0000', event_type, src_ip: '10.0.0.1' })).toBeNull();
  });
});

describe('suricata source: invalid records', () => {
  it('an alert event without an alert object', () => {
    const r = c2Alert();
    delete r.alert;
    const e = invalid(r);
    expect(e.field).toBe('alert');
  });

  it('a missing signature id', () => {
    const r = alertWith({});
    delete (r.alert as Rec).signature_id;
    expect(invalid(r).field).toBe('alert.signature_id');
  });

  it.each([[0], [5], [1.5], ['high']])('severity %j is out of range', (severity) => {
    const e = invalid(alertWith({ severity }));
    expect(e.field).toBe('alert.severity');
    expect(e.message).toContain(JSON.stringify(severity));
  });

  it('a bad timestamp', () => {
    const e = invalid(c2Alert({ timestamp: '14/03/2025 09:12' }));
    expect(e.field).toBe('timestamp');
    expect(e.message).toContain('is not a timestamp');
  });
});

describe('suricata source: the bundled samples', () => {
  it('normalizes the alert events of samples/alerts/suricata/eve.json and skips the rest', () => {
    const records = readFileSync(join(PACKAGE_ROOT, 'samples/alerts/suricata/eve.json'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Rec);
    const alerts = records.map((r) => suricata.normalize(r));
    const expectedAlerts = records.filter((r) => r.event_type === 'alert').length;
    expect(expectedAlerts).toBeGreaterThan(0);
    expect(alerts.filter((a) => a !== null)).toHaveLength(expectedAlerts);
    expect(alerts.filter((a) => a === null)).toHaveLength(records.length - expectedAlerts);
    const dnsAlert = alerts.find((a) => a?.title.includes('*.top domain'));
    expect(dnsAlert?.observables.some((o) => o.type === 'domain' && o.value === 'telemetry-cdn-sync.top')).toBe(true);
  });
});
