// Helpers for provider tests and the enrichment benchmark: virtual time, and a local HTTP server
// (127.0.0.1, port 0) that serves recorded answer shapes. Nothing here reaches the internet.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../core/clock.js';
import type { Sleep } from './limiter.js';
import { silentLogger } from '../../core/log.js';
import type { IntelResult } from '../../core/types.js';
import { IntelEngine, type EnrichOptions } from '../engine.js';
import { LocalIndex } from '../local-index.js';
import type { IntelProviderDefinition, ObservableRef } from '../provider.js';

export interface VirtualTime {
  clock: Clock;
  /** Resolves on the next macrotask, with the clock moved forward to the sleeper's wake time. */
  sleep: Sleep;
  /** Every sleep requested, in milliseconds, in order. */
  sleeps: number[];
  advance(ms: number): void;
  nowMs(): number;
}

/**
 * Time that passes only when something sleeps. Concurrent sleepers wake in order of their wake
 * times, and the clock moves to each one's wake time (never past it), so waiting in tests costs
 * nothing and stays exact.
 */
export function virtualTime(start = '2026-01-01T00:00:00Z'): VirtualTime {
  let t = Date.parse(start);
  const pending: Array<{ at: number; seq: number; resolve: () => void }> = [];
  let seq = 0;
  let ticking = false;
  const sleeps: number[] = [];
  const tick = (): void => {
    pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = pending.shift();
    if (!next) {
      ticking = false;
      return;
    }
    if (next.at > t) t = next.at;
    next.resolve();
    setImmediate(tick);
  };
  return {
    clock: { now: () => new Date(t) },
    sleeps,
    sleep(ms) {
      sleeps.push(ms);
      return new Promise<void>((resolve) => {
        pending.push({ at: t + Math.max(0, ms), seq: seq++, resolve });
        if (!ticking) {
          ticking = true;
          setImmediate(tick);
        }
      });
    },
    advance(ms) {
      t += ms;
    },
    nowMs: () => t,
  };
}

export interface MockRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface MockAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  /** Never answer (for timeout tests); the server closes the socket on close(). */
  hang?: boolean;
  /** Answer after this many real milliseconds. */
  delayMs?: number;
}

export interface MockServer {
  url: string;
  requests: MockRequest[];
  close(): Promise<void>;
}

/** A local HTTP server answering every request with `handler`. */
export async function mockServer(handler: (req: MockRequest) => MockAnswer | Promise<MockAnswer>): Promise<MockServer> {
  const requests: MockRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      const r: MockRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(r);
      Promise.resolve(handler(r)).then(
        (a) => {
          if (a.hang) {
            hanging.add(res);
            return;
          }
          const send = (): void => {
            const body = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
            res.writeHead(a.status ?? 200, { 'content-type': typeof a.body === 'string' ? 'text/plain' : 'application/json', ...a.headers });
            res.end(body);
          };
          if (a.delayMs) setTimeout(send, a.delayMs);
          else send();
        },
        (e: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(e));
        },
      );
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- a provider under test: one provider behind a real engine, on virtual time ----


export interface ProviderHarness {
  engine: IntelEngine;
  time: VirtualTime;
  /** The provider's answer for one observable, through the engine (quota, breaker, retries, partial on failure). */
  lookup(o: ObservableRef, opts?: EnrichOptions): Promise<IntelResult>;
}

export function providerHarness(def: IntelProviderDefinition<any>, config: unknown, opts: { fetch?: typeof fetch; start?: string } = {}): ProviderHarness {
  const time = virtualTime(opts.start);
  const engine = new IntelEngine([def], { [def.id]: config }, { clock: time.clock, log: silentLogger, fetch: opts.fetch ?? globalThis.fetch, localIndex: LocalIndex.empty() }, undefined, silentLogger, { sleep: time.sleep, random: () => 1 });
  return {
    engine,
    time,
    async lookup(o, eo) {
      const r = (await engine.enrichMany([o], eo)).get(`${o.type}:${o.value}`);
      const first = r?.results[0];
      if (!first) throw new Error(`${def.id} gave no answer for ${o.type} ${o.value}${engine.disabled.length ? ` (disabled: ${engine.disabled[0]!.reason})` : ''}`);
      return first;
    },
  };
}
