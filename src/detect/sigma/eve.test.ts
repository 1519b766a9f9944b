import { describe, expect, it } from 'vitest';
import { SigmaEngine } from './engine.js';
import { prepareEvent } from './logsource.js';

const RULES = `title: Query to a dynamic DNS domain
id: e0000000-0000-4000-8000-000000000001
logsource:
    category: dns
detection:
    sel:
        query|endswith: '.duckdns.org'
    condition: sel
level: medium
---
title: PowerShell user agent fetching a script
id: e0000000-0000-4000-8000-000000000002
logsource:
    category: proxy
detection:
    sel:
        c-useragent|contains: 'WindowsPowerShell'
        c-uri-extension: 'ps1'
        cs-method: GET
    condition: sel
level: high
---
title: Outbound SMB
id: e0000000-0000-4000-8000-000000000003
logsource:
    category: firewall
detection:
    sel:
        dst_port: 445
    filter:
        dst_ip|cidr: '10.0.0.0/8'
    condition: sel and not filter
level: medium
`;

const dns = { timestamp: '2026-11-20T10:00:00.000+0000', event_type: 'dns', src_ip: '10.0.0.5', dest_ip: '10.0.0.1', src_port: 53000, dest_port: 53, dns: { type: 'query', rrname: 'c2.evil.duckdns.org', rrtype: 'A' } };
const dnsV2 = { ...dns, dns: { version: 2, type: 'answer', queries: [{ rrname: 'x.duckdns.org', rrtype: 'A' }], answers: [{ rrname: 'x.duckdns.org', rdata: '203.0.113.9' }] } };
const http = {
  timestamp: '2026-11-20T10:00:01.000+0000',
  event_type: 'http',
  src_ip: '10.0.0.5',
  dest_ip: '203.0.113.7',
  dest_port: 80,
  http: { hostname: 'files.example', url: '/drop/stage2.ps1?x=1', http_user_agent: 'Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1', http_method: 'GET', status: 200 },
};
const flow = (dest: string) => ({ timestamp: '2026-11-20T10:00:02.000+0000', event_type: 'flow', src_ip: '10.0.0.5', dest_ip: dest, src_port: 50000, dest_port: 445, proto: 'TCP' });

describe('Suricata EVE events', () => {
  const { engine, issues } = SigmaEngine.fromYaml(RULES, 'eve.yml');
  const titles = (ev: Record<string, unknown>) => engine.match(ev).map((m) => m.title);

  it('get the Sigma category of their event type and its taxonomy field names', () => {
    expect(issues).toEqual([]);
    expect(prepareEvent(dns).logsource).toEqual({ category: ['dns'] });
    expect(prepareEvent(http).fields).toMatchObject({ 'c-uri': '/drop/stage2.ps1?x=1', 'c-uri-stem': '/drop/stage2.ps1', 'c-uri-query': 'x=1', 'c-uri-extension': 'ps1', 'cs-host': 'files.example', dst_ip: '203.0.113.7' });
    expect(prepareEvent(dnsV2).fields).toMatchObject({ query: 'x.duckdns.org', answer: ['203.0.113.9'] });
  });

  it('match dns, proxy and firewall rules, and only those of their category', () => {
    expect(titles(dns)).toEqual(['Query to a dynamic DNS domain']);
    expect(titles(dnsV2)).toEqual(['Query to a dynamic DNS domain']);
    expect(titles(http)).toEqual(['PowerShell user agent fetching a script']);
    expect(titles(flow('198.51.100.20'))).toEqual(['Outbound SMB']);
    expect(titles(flow('10.1.2.3'))).toEqual([]);
    // A DNS query event is not a firewall log, even on port 445.
    expect(titles({ ...dns, dest_port: 445 })).toEqual(['Query to a dynamic DNS domain']);
  });
});
