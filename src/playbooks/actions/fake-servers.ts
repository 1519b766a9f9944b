// Local HTTP servers for the action tests: a Wazuh manager API (shapes of Wazuh 4.x) and a plain
// recorder. Bound to 127.0.0.1 on a free port; nothing leaves the machine.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixedClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import type { ActionContext } from '../action.js';
import { createGuards } from '../guards.js';
import { kase } from '../test-helpers.js';

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface FakeServer {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

export async function serve(handler: (req: Seen, res: http.ServerResponse) => void): Promise<FakeServer> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A Wazuh manager API: user `wazuh-wui` / `s3cret`, agents 001 web-01 (active), 002 db-01 (active), 003 ws-9 (disconnected). */
export async function fakeWazuh(opts: { expireFirstToken?: boolean } = {}): Promise<FakeServer & { tokens: number }> {
  const state = { tokens: 0, expired: new Set<string>() };
  const agents = [
    { id: '001', name: 'web-01', status: 'active' },
    { id: '002', name: 'db-01', status: 'active' },
    { id: '003', name: 'ws-9', status: 'disconnected' },
  ];
  const srv = await serve((req, res) => {
    const u = new URL(req.url, 'http://x');
    if (req.method === 'POST' && u.pathname === '/security/user/authenticate') {
      if (req.headers.authorization !== `Basic ${Buffer.from('wazuh-wui:s3cret').toString('base64')}`) {
        json(res, 401, { title: 'Unauthorized', detail: 'Invalid credentials' });
        return;
      }
      state.tokens++;
      json(res, 200, { data: { token: `tok-${state.tokens}` }, error: 0 });
      return;
    }
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!/^tok-\d+$/.test(token) || state.expired.has(token)) {
      json(res, 401, { title: 'Unauthorized', detail: 'No authorization token provided' });
      return;
    }
    if (opts.expireFirstToken && token === 'tok-1') {
      state.expired.add(token);
      json(res, 401, { title: 'Unauthorized', detail: 'Invalid token' });
      return;
    }
    if (req.method === 'PUT' && u.pathname === '/active-response') {
      const ids = (u.searchParams.get('agents_list') ?? '').split(',').filter(Boolean);
      const affected = ids.filter((id) => agents.find((a) => a.id === id)?.status === 'active');
      const failed = ids.filter((id) => !affected.includes(id)).map((id) => ({ error: { code: 1707, message: 'Cannot send request, agent is not active' }, id: [id] }));
      json(res, 200, {
        data: { affected_items: affected, total_affected_items: affected.length, total_failed_items: failed.length, failed_items: failed },
        message: failed.length ? (affected.length ? 'AR command was not sent to some agents' : 'AR command was not sent to any agent') : 'AR command was sent to all agents',
        error: failed.length ? (affected.length ? 2 : 1) : 0,
      });
      return;
    }
    if (req.method === 'GET' && u.pathname === '/agents') {
      const name = u.searchParams.get('name');
      const hit = agents.filter((a) => a.name === name);
      json(res, 200, { data: { affected_items: hit, total_affected_items: hit.length, total_failed_items: 0, failed_items: [] }, message: 'All selected agents information was returned', error: 0 });
      return;
    }
    json(res, 404, { title: 'Not Found', detail: `${req.method} ${u.pathname}` });
  });
  return Object.defineProperty(srv, 'tokens', { get: () => state.tokens }) as FakeServer & { tokens: number };
}

export const WAZUH_ENV = { VIGIL_WAZUH_API_USER: 'wazuh-wui', VIGIL_WAZUH_API_PASSWORD: 's3cret' };

/** An action context for direct action tests. */
export function ctxFor<C>(config: C, over: Partial<ActionContext<C>> = {}): ActionContext<C> {
  return {
    case: kase({ number: 3, title: 'C2 beacon on ws-7', hosts: ['ws-7'] }),
    playbook: 'pb',
    step: 'step',
    runId: 'run_test',
    idempotencyKey: 'act_test_key',
    guards: createGuards({ allowlistIps: ['1.1.1.1'], allowlistHosts: ['dc-*'] }),
    clock: fixedClock('2025-03-14T10:00:00.000Z'),
    dryRun: false,
    signal: new AbortController().signal,
    config,
    services: { fetch: globalThis.fetch, env: WAZUH_ENV, log: silentLogger },
    ...over,
  };
}
