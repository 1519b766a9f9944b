import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { InputRecord } from '../../reader.js';
import { rejected } from '../records.js';
import { ConfigProblem, type LiveSink, type LiveSourceContext, type LiveSourceInstance, type LiveSourceStatus } from '../source.js';
import type { SyslogConfig } from './config.js';
import { Framer, jsonPayload, parseSyslog, type Frame } from './parse.js';

// UDP cannot be paused: while the pipeline is behind, at most this many messages wait; later ones are dropped and counted.
const UDP_BACKLOG = 10_000;

function readPem(file: string, field: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new ConfigProblem(`cannot read ${file}: ${(e as Error).message}`, field);
  }
}

/**
 * A syslog receiver over UDP and TCP (optionally TLS). Messages whose MSG is a JSON object become
 * records; anything else is reported as rejected input. Not resumable: what is sent while Vigil is
 * down is lost unless the sender queues it.
 */
export class SyslogListener implements LiveSourceInstance {
  private udp: dgram.Socket | undefined;
  private tcp: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private sink: LiveSink | undefined;
  private state: LiveSourceStatus['state'] = 'stopped';
  private seq = 0;
  /** A back-pressure promise from the sink: TCP sockets stay paused until it resolves. */
  private pressure: Promise<void> | undefined;
  private backlog = 0;
  private droppedReported = 0;
  private readonly maxBytes: number;
  private readonly tlsOptions: tls.TlsOptions | undefined;
  private readonly counters = { received: 0, records: 0, rejected: 0, dropped: 0, connections: 0 };

  constructor(
    private readonly cfg: SyslogConfig,
    private readonly ctx: LiveSourceContext,
  ) {
    this.maxBytes = cfg.maxMessageBytes ?? ctx.maxLineBytes;
    if (cfg.tls) {
      if (!cfg.protocols.includes('tcp')) throw new ConfigProblem('TLS runs over TCP: add tcp to protocols', 'tls');
      this.tlsOptions = {
        cert: readPem(cfg.tls.certFile, 'tls.certFile'),
        key: readPem(cfg.tls.keyFile, 'tls.keyFile'),
        ...(cfg.tls.caFile && { ca: readPem(cfg.tls.caFile, 'tls.caFile') }),
        requestCert: cfg.tls.requireClientCert,
        rejectUnauthorized: cfg.tls.requireClientCert,
      };
    }
  }

  async start(sink: LiveSink): Promise<void> {
    if (this.state !== 'stopped') return;
    this.sink = sink;
    this.state = 'starting';
    try {
      if (this.cfg.protocols.includes('udp')) await this.listenUdp();
      if (this.cfg.protocols.includes('tcp')) await this.listenTcp();
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.state = 'running';
  }

  async stop(): Promise<void> {
    const udp = this.udp;
    this.udp = undefined;
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    const tcp = this.tcp;
    this.tcp = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()));
    await this.pressure;
    this.state = 'stopped';
  }

  /** Where it listens (port 0 in config means the system chose one). */
  addresses(): { udp?: AddressInfo; tcp?: AddressInfo } {
    const tcp = this.tcp?.address();
    return {
      ...(this.udp && { udp: this.udp.address() }),
      ...(tcp && typeof tcp === 'object' && { tcp }),
    };
  }

  status(): LiveSourceStatus {
    const a = this.addresses();
    const where = [a.udp && `udp ${a.udp.address}:${a.udp.port}`, a.tcp && `${this.tlsOptions ? 'tls' : 'tcp'} ${a.tcp.address}:${a.tcp.port}`].filter(Boolean).join(', ');
    return {
      state: this.state,
      resumable: false,
      position: undefined,
      detail: `${where ? `listening on ${where}; ` : ''}not resumable: messages sent while Vigil is down are lost unless the sender queues them`,
      counters: { ...this.counters, openConnections: this.sockets.size },
    };
  }

  private listenUdp(): Promise<void> {
    const sock = dgram.createSocket({ type: net.isIPv6(this.cfg.host) ? 'udp6' : 'udp4', recvBufferSize: this.cfg.udpBufferBytes });
    this.udp = sock;
    sock.on('message', (msg, rinfo) => {
      const origin = `source:${this.ctx.name}/udp/${rinfo.address}:${rinfo.port}`;
      if (msg.length > this.maxBytes) return this.take(origin, { tooLong: msg.length }, false);
      // One datagram is one message; senders often end it with a newline anyway.
      let end = msg.length;
      while (end > 0 && (msg[end - 1] === 0x0a || msg[end - 1] === 0x0d || msg[end - 1] === 0)) end--;
      if (end > 0) this.take(origin, { message: msg.subarray(0, end) }, false);
    });
    sock.on('error', (e) => this.sink?.error(e));
    return new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(this.cfg.port, this.cfg.host, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  }

  private listenTcp(): Promise<void> {
    const onConnection = (socket: net.Socket): void => {
      this.counters.connections++;
      this.sockets.add(socket);
      const origin = `source:${this.ctx.name}/${this.tlsOptions ? 'tls' : 'tcp'}/${socket.remoteAddress}:${socket.remotePort}`;
      const framer = new Framer(this.maxBytes);
      const emit = (f: Frame): void => this.take(origin, f, true);
      if (this.pressure) socket.pause();
      socket.on('data', (chunk: Buffer) => framer.push(chunk, emit));
      socket.on('end', () => framer.end(emit));
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    };
    const server = this.tlsOptions ? tls.createServer(this.tlsOptions, onConnection) : net.createServer(onConnection);
    server.maxConnections = this.cfg.maxConnections;
    // A TLS handshake that fails (wrong CA, plain TCP on the TLS port) is the sender's problem, not a reason to stop.
    server.on('tlsClientError', () => undefined);
    this.tcp = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.cfg.port, this.cfg.host, () => {
        server.off('error', reject);
        server.on('error', (e) => this.sink?.error(e));
        resolve();
      });
    });
  }

  private isoAt = 0;
  private iso = '';

  /** Receive time for lastEventAt; formatted at most once per second, as it is asked per message. */
  private receivedAt(): string {
    const now = this.ctx.clock.now().getTime();
    if (now - this.isoAt >= 1000) {
      this.isoAt = now;
      this.iso = new Date(now).toISOString();
    }
    return this.iso;
  }

  private take(origin: string, f: Frame, pausable: boolean): void {
    this.counters.received++;
    const line = ++this.seq;
    let item: InputRecord;
    if ('tooLong' in f) item = rejected(origin, line, `message of ${f.tooLong} bytes is longer than ${this.maxBytes} bytes (maxMessageBytes), dropped`);
    else if ('badFrame' in f) item = rejected(origin, line, f.badFrame);
    else {
      const m = parseSyslog(f.message.toString('utf8'));
      const p = jsonPayload(m.msg);
      if ('value' in p) item = { file: origin, line, record: p.value };
      else {
        const who = [m.hostname, m.appName].filter(Boolean).join(' ');
        item = rejected(origin, line, `${who ? `from ${who}: ` : ''}${p.reason}`);
      }
    }
    if ('issue' in item) this.counters.rejected++;
    else this.counters.records++;
    if (this.pressure && !pausable) {
      if (this.backlog >= UDP_BACKLOG) {
        this.counters.dropped++;
        return;
      }
      this.backlog++;
    }
    const p = this.sink?.deliver({ items: [item], lastEventAt: this.receivedAt() });
    if (p && !this.pressure) {
      this.pressure = p;
      for (const s of this.sockets) s.pause();
      void p.finally(() => {
        this.pressure = undefined;
        this.backlog = 0;
        if (this.counters.dropped > this.droppedReported) {
          this.sink?.error(new Error(`${this.counters.dropped - this.droppedReported} UDP message(s) dropped while the pipeline was behind`));
          this.droppedReported = this.counters.dropped;
        }
        for (const s of this.sockets) s.resume();
      });
    }
  }
}
