// Live sources: file-follow lines/s into a counting sink, next to the one-shot reader `vigil run` uses
// (same file, same run); syslog messages/s over loopback UDP and TCP, next to a bare UDP socket that
// only counts datagrams (the limit without parsing).
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/log.js';
import { readAlertFile } from '../src/sources/reader.js';
import fileFollow from '../src/sources/live/file-follow/index.js';
import type { LiveBatch, LiveSink, LiveSourceContext } from '../src/sources/live/source.js';
import syslog from '../src/sources/live/syslog/index.js';
import type { SyslogListener } from '../src/sources/live/syslog/listen.js';

const LINES = Number(process.env.BENCH_LINES ?? 200_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);

const ctx = (name: string): LiveSourceContext => ({ name, clock: systemClock, log: silentLogger, maxLineBytes: 1_048_576, env: {}, checkpoint: undefined });

class CountingSink implements LiveSink {
  records = 0;
  rejected = 0;
  done: () => void = () => undefined;
  constructor(private readonly target: number) {}
  deliver(b: LiveBatch): void {
    for (const i of b.items) {
      if ('record' in i) this.records++;
      else this.rejected++;
    }
    if (this.records + this.rejected >= this.target) this.done();
  }
  error(): void {}
}

function wazuhLine(n: number): string {
  return JSON.stringify({
    timestamp: `2025-03-14T09:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}.512+0000`,
    rule: { level: 5 + (n % 6), description: 'sshd: authentication failed.', id: '5716', firedtimes: n, mail: false, groups: ['syslog', 'sshd', 'authentication_failed'], mitre: { id: ['T1110'], tactic: ['Credential Access'], technique: ['Brute Force'] } },
    agent: { id: String(n % 50).padStart(3, '0'), name: `web-${n % 50}`, ip: `10.0.${n % 200}.10` },
    manager: { name: 'wazuh-manager' },
    id: `1741943523.${n}`,
    full_log: `Mar 14 09:12:03 web-${n % 50} sshd[${2000 + (n % 5000)}]: Failed password for invalid user admin from 185.220.${n % 256}.${(n * 7) % 256} port ${1024 + (n % 60000)} ssh2`,
    decoder: { parent: 'sshd', name: 'sshd' },
    data: { srcip: `185.220.${n % 256}.${(n * 7) % 256}`, srcport: String(1024 + (n % 60000)), dstuser: 'admin' },
    location: '/var/log/auth.log',
  });
}

async function benchFileFollow(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-follow-'));
  const path = join(dir, 'alerts.json');
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) lines.push(wazuhLine(i));
  const text = `${lines.join('\n')}\n`;
  writeFileSync(path, text);
  const mb = Buffer.byteLength(text) / 1e6;
  let best = { follow: Infinity, reader: Infinity };
  for (let round = 0; round < 3; round++) {
    let t = performance.now();
    const sink = new CountingSink(LINES);
    const finished = new Promise<void>((r) => (sink.done = r));
    const src = fileFollow.create(fileFollow.configSchema.parse({ path, pollInterval: 1000 }), ctx('bench'));
    await src.start(sink);
    await finished;
    const follow = performance.now() - t;
    await src.stop();
    if (sink.records !== LINES) throw new Error(`file-follow delivered ${sink.records} of ${LINES}`);

    t = performance.now();
    let n = 0;
    for await (const r of readAlertFile(path, { maxLineBytes: 1_048_576 })) if ('record' in r) n++;
    const reader = performance.now() - t;
    if (n !== LINES) throw new Error(`reader read ${n} of ${LINES}`);
    best = { follow: Math.min(best.follow, follow), reader: Math.min(best.reader, reader) };
  }
  rmSync(dir, { recursive: true, force: true });
  const rate = (ms: number): string => Math.round(LINES / (ms / 1000)).toLocaleString('en-US');
  console.log(`file-follow: ${LINES.toLocaleString('en-US')} Wazuh alert lines (${mb.toFixed(1)} MB, ${Math.round(Buffer.byteLength(text) / LINES)} B/line), best of 3`);
  console.log(`  file-follow → counting sink   ${rate(best.follow).padStart(10)} lines/s   ${(mb / (best.follow / 1000)).toFixed(0)} MB/s`);
  console.log(`  readAlertFile (vigil run)     ${rate(best.reader).padStart(10)} lines/s   ${(mb / (best.reader / 1000)).toFixed(0)} MB/s`);
  console.log(`  ratio follow / reader         ${(best.reader / best.follow).toFixed(2)}×`);
}

// The UDP sender runs on its own thread, so it does not take turns with the receiver on one event loop.
const SENDER = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const sock = dgram.createSocket('udp4');
const msgs = workerData.msgs.map((m) => Buffer.from(m));
parentPort.on('message', async ({ port, rate, ms }) => {
  const perTick = Math.max(1, Math.round(rate / 100));
  const start = Date.now();
  let sent = 0;
  for (let tick = 0; Date.now() - start < ms; tick++) {
    const due = start + tick * 10;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await Promise.all(Array.from({ length: perTick }, (_, i) => new Promise((r) => sock.send(msgs[(sent + i) % msgs.length], port, '127.0.0.1', r))));
    sent += perTick;
  }
  parentPort.postMessage({ sent, ms: Date.now() - start });
});
`;

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

async function benchSyslog(): Promise<void> {
  const { Worker } = await import('node:worker_threads');
  const msgs: string[] = [];
  for (let i = 0; i < 2000; i++) msgs.push(`<132>Mar 14 09:12:03 wazuh-manager ossec: ${wazuhLine(i)}`);
  const avg = Math.round(msgs.reduce((a, m) => a + Buffer.byteLength(m), 0) / msgs.length);
  const sender = new Worker(SENDER, { eval: true, workerData: { msgs } });
  const send = (port: number, rate: number, ms: number): Promise<{ sent: number; ms: number }> =>
    new Promise((r) => {
      sender.once('message', r);
      sender.postMessage({ port, rate, ms });
    });

  // The limit: a socket that only counts datagrams (same receive buffer as the source's default).
  const bare = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  let bareCount = 0;
  bare.on('message', () => bareCount++);
  await new Promise<void>((r) => bare.bind(0, '127.0.0.1', () => r()));
  const listener = syslog.create(syslog.configSchema.parse({ port: 0, protocols: ['udp'] }), ctx('bench')) as SyslogListener;
  const sink = new CountingSink(Infinity);
  await listener.start(sink);

  const rows: string[] = [];
  const best = { bare: 0, source: 0 };
  for (const rate of [5_000, 10_000, 20_000, 40_000, 80_000]) {
    const cells: string[] = [];
    for (const [name, port, count] of [
      ['bare', (bare.address() as net.AddressInfo).port, () => bareCount],
      ['source', listener.addresses().udp!.port, () => sink.records + sink.rejected],
    ] as const) {
      const before = count();
      const r = await send(port, rate, 1000);
      await until(() => count() - before >= r.sent, 300);
      const got = count() - before;
      const loss = 1 - got / r.sent;
      const achieved = Math.round(r.sent / (r.ms / 1000));
      if (loss < 0.01) best[name] = Math.max(best[name], achieved);
      cells.push(`${achieved.toLocaleString('en-US').padStart(7)} sent/s, ${(loss * 100).toFixed(1).padStart(5)}% lost`);
    }
    rows.push(`  ${rate.toLocaleString('en-US').padStart(7)} msg/s   ${cells[0]}   ${cells[1]}`);
  }
  await sender.terminate();
  bare.close();
  await listener.stop();
  if (sink.rejected) throw new Error(`${sink.rejected} messages rejected`);

  // TCP, octet-counted, one connection: lossless, so it shows the parser's own rate.
  const tcpSink = new CountingSink(MESSAGES);
  const tcpListener = syslog.create(syslog.configSchema.parse({ port: 0, protocols: ['tcp'] }), ctx('bench-tcp')) as SyslogListener;
  await tcpListener.start(tcpSink);
  const finished = new Promise<void>((r) => (tcpSink.done = r));
  const framed: Buffer[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const m = Buffer.from(msgs[i % msgs.length]!);
    framed.push(Buffer.from(`${m.length} `), m);
  }
  const t = performance.now();
  const c = net.connect(tcpListener.addresses().tcp!.port, '127.0.0.1');
  c.end(Buffer.concat(framed));
  await finished;
  const tcpMs = performance.now() - t;
  await tcpListener.stop();

  console.log(`\nsyslog: RFC 3164 messages carrying Wazuh JSON (${avg} B each) over loopback; UDP sender on its own thread, 1 s per rate`);
  console.log(`  offered rate   bare UDP socket (count only)      syslog source (parse → record)`);
  for (const r of rows) console.log(r);
  console.log(`  highest rate with < 1% loss: bare ${best.bare.toLocaleString('en-US')} msg/s, syslog source ${best.source.toLocaleString('en-US')} msg/s (${best.bare ? (best.source / best.bare).toFixed(2) : '?'}×)`);
  console.log(`  TCP octet-counted, one connection: ${Math.round(MESSAGES / (tcpMs / 1000)).toLocaleString('en-US')} msg/s (${MESSAGES.toLocaleString('en-US')} messages, lossless)`);
}

await benchFileFollow();
await benchSyslog();
