import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../../pipeline/run.js';
import { context, MemorySink, waitFor } from '../testing.js';
import syslog from './index.js';
import type { SyslogListener } from './listen.js';

const TLS = new URL('../fixtures/tls/', import.meta.url).pathname;
const running: SyslogListener[] = [];

afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

const WAZUH = {
  timestamp: '2025-03-14T09:12:03.512+0000',
  rule: { level: 10, description: 'sshd: brute force trying to get access to the system.', id: '5763', groups: ['syslog', 'sshd'] },
  agent: { id: '001', name: 'web-01', ip: '10.0.1.10' },
  manager: { name: 'wazuh-manager' },
  id: '1741943523.1234567',
  full_log: 'Failed password for invalid user admin from 185.220.101.4 port 50022 ssh2',
  data: { srcip: '185.220.101.4', dstuser: 'admin' },
};
const EVE = {
  timestamp: '2025-03-14T09:12:04.000123+0000',
  flow_id: 1234567890,
  event_type: 'alert',
  src_ip: '10.0.1.20',
  src_port: 51000,
  dest_ip: '45.155.205.233',
  dest_port: 80,
  proto: 'TCP',
  alert: { action: 'allowed', signature_id: 2024897, signature: 'ET MALWARE Example C2 Beacon', category: 'A Network Trojan was detected', severity: 1 },
  host: 'sensor-1',
};

async function listen(over: Record<string, unknown> = {}): Promise<{ src: SyslogListener; sink: MemorySink }> {
  const cfg = syslog.configSchema.parse({ port: 0, ...over });
  const src = syslog.create(cfg, context({ name: 'sensors' })) as SyslogListener;
  running.push(src);
  const sink = new MemorySink();
  await src.start(sink);
  return { src, sink };
}

function sendUdp(port: number, messages: string[]): Promise<void> {
  const sock = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    let left = messages.length;
    for (const m of messages) {
      sock.send(Buffer.from(m), port, '127.0.0.1', (e) => {
        if (e) return reject(e);
        if (--left === 0) {
          sock.close();
          resolve();
        }
      });
    }
  });
}

function sendTcp(port: number, chunks: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', async () => {
      for (const ch of chunks) {
        c.write(ch);
        await new Promise((r) => setTimeout(r, 10));
      }
      c.end(resolve);
    });
    c.on('error', reject);
  });
}

describe('syslog source', () => {
  it('listens on the loopback by default and says it is not resumable', () => {
    const cfg = syslog.configSchema.parse({});
    expect(cfg).toMatchObject({ host: '127.0.0.1', port: 5514, protocols: ['udp', 'tcp'] });
    expect(syslog.resumable).toBe(false);
  });

  it('takes RFC 5424 and RFC 3164 messages over UDP: JSON payloads become records, the rest is reported', async () => {
    const { src, sink } = await listen({ protocols: ['udp'] });
    const port = src.addresses().udp!.port;
    await sendUdp(port, [
      `<132>Mar 14 09:12:03 wazuh-manager ossec: ${JSON.stringify(WAZUH)}`,
      `<129>1 2025-03-14T09:12:04.000123Z sensor-1 suricata 2211 - [meta@32473 iface="eth0"] ${JSON.stringify(EVE)}\n`,
      '<38>Mar 14 09:12:05 web-01 sshd[2211]: Failed password for root from 203.0.113.9 port 22 ssh2',
    ]);
    await waitFor(() => sink.items.length === 3, 'three messages');
    const alerts = sink.records.map((r) => normalizeRecord(r, undefined)!);
    expect(alerts.map((a) => [a.source, a.title]).sort()).toEqual([
      ['suricata', 'ET MALWARE Example C2 Beacon'],
      ['wazuh', 'sshd: brute force trying to get access to the system.'],
    ]);
    expect(sink.issues).toHaveLength(1);
    expect(sink.issues[0]!.file).toMatch(/^source:sensors\/udp\/127\.0\.0\.1:\d+$/);
    expect(sink.issues[0]!.reason).toBe('from web-01 sshd: the message is not JSON: "Failed password for root from 203.0.113.9 port 22 ssh2"');
    expect(src.status()).toMatchObject({ state: 'running', resumable: false, counters: { received: 3, records: 2, rejected: 1 } });
    expect(src.status().detail).toMatch(/^listening on udp 127\.0\.0\.1:\d+; not resumable/);
  });

  it('takes octet-counted and newline-framed messages over TCP, split anywhere', async () => {
    const { src, sink } = await listen({ protocols: ['tcp'], maxMessageBytes: 4096 });
    const port = src.addresses().tcp!.port;
    const m1 = `<132>1 2025-03-14T09:12:03Z wazuh-manager ossec - - - ${JSON.stringify(WAZUH)}`;
    const m2 = `<129>Mar 14 09:12:04 sensor-1 suricata[2211]: ${JSON.stringify(EVE)}`;
    const octets = `${Buffer.byteLength(m1)} ${m1}${Buffer.byteLength(m2)} ${m2}`;
    await sendTcp(port, [octets.slice(0, 7), octets.slice(7, 300), octets.slice(300)]);
    const lines = `${m2.replace('2024897', '2024898')}\r\n${m1.replace('1234567"', '7654321"')}\n<13>Mar 14 09:12:05 h app: ${'x'.repeat(5000)}\n`;
    await sendTcp(port, [lines.slice(0, 50), lines.slice(50)]);
    await waitFor(() => sink.items.length === 5, 'five messages');
    expect(sink.records.map((r) => normalizeRecord(r, undefined)!.sourceRef)).toEqual([
      '1741943523.1234567',
      '1234567890:2024897:2025-03-14T09:12:04.000123+0000',
      '1234567890:2024898:2025-03-14T09:12:04.000123+0000',
      '1741943523.7654321',
    ]);
    expect(sink.issues.map((i) => i.reason)).toEqual(['message of 5027 bytes is longer than 4096 bytes (maxMessageBytes), dropped']);
    await waitFor(() => src.status().counters.openConnections === 0, 'connections closed');
    expect(src.status().counters.connections).toBe(2);
  });

  it('speaks TLS with the configured certificate, and a client that checks it against the CA connects', async () => {
    const { src, sink } = await listen({ protocols: ['tcp'], tls: { certFile: `${TLS}server.pem`, keyFile: `${TLS}server-key.pem` } });
    const port = src.addresses().tcp!.port;
    const msg = `<132>Mar 14 09:12:03 wazuh-manager ossec: ${JSON.stringify(WAZUH)}`;
    await new Promise<void>((resolve, reject) => {
      const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: readFileSync(`${TLS}ca.pem`) }, () => c.end(`${Buffer.byteLength(msg)} ${msg}`, resolve));
      c.on('error', reject);
    });
    await waitFor(() => sink.records.length === 1, 'the message over TLS');
    expect(sink.items[0]!.file).toMatch(/^source:sensors\/tls\//);
    expect(src.status().detail).toMatch(/listening on tls 127\.0\.0\.1:\d+/);
  });

  it('reports a certificate file it cannot read as a problem with that setting', () => {
    const cfg = syslog.configSchema.parse({ tls: { certFile: '/nonexistent/cert.pem', keyFile: `${TLS}server-key.pem` } });
    expect(() => syslog.create(cfg, context())).toThrow(expect.objectContaining({ field: 'tls.certFile' }));
    expect(() => syslog.create(syslog.configSchema.parse({ protocols: ['udp'], tls: { certFile: `${TLS}server.pem`, keyFile: `${TLS}server-key.pem` } }), context())).toThrow(/TLS runs over TCP/);
  });
});
