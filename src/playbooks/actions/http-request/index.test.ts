import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctxFor, json, serve, type FakeServer } from '../fake-servers.js';
import { RequestRefused, vetHost } from './client.js';
import httpRequest, { HttpRequestConfig, HttpRequestInput } from './index.js';

let srv: FakeServer;
let other: FakeServer;
beforeAll(async () => {
  other = await serve((_req, res) => json(res, 200, { other: true }));
  srv = await serve((req, res) => {
    if (req.url === '/hooks/ticket') json(res, 201, { id: 'T-42', echo: req.body ? JSON.parse(req.body) : null });
    else if (req.url === '/hooks/moved') {
      res.writeHead(302, { location: '/hooks/ticket' });
      res.end();
    } else if (req.url === '/hooks/away') {
      res.writeHead(307, { location: `${other.url}/hooks/ticket` });
      res.end();
    } else if (req.url === '/hooks/big') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(5000));
    } else if (req.url === '/hooks/slow') setTimeout(() => json(res, 200, {}), 2_000);
    else if (req.url === '/hooks/down') json(res, 503, { message: 'maintenance' });
    else json(res, 404, { message: 'no such hook' });
  });
}, 30_000);
afterAll(async () => {
  await srv.close();
  await other.close();
});

const local = () => HttpRequestConfig.parse({ allow: [`${srv.url}/hooks/*`], allowPrivate: ['127.0.0.1'], headersEnv: { Authorization: 'TICKET_AUTH' }, timeout: 500, maxBytes: 1000 });
const services = { fetch, env: { TICKET_AUTH: 'Bearer t0k' }, log: undefined as never };
const run = (input: Record<string, unknown>, config = local(), over = {}) => httpRequest.run(HttpRequestInput.parse(input), ctxFor(config, { services, ...over }));

describe('http-request', () => {
  it('calls an allowlisted endpoint with the JSON body, secret header and idempotency key', async () => {
    const out = await run({ url: `${srv.url}/hooks/ticket`, json: { title: 'Case #3' } });
    expect(out).toMatchObject({
      status: 'executed',
      reason: `POST ${srv.url}/hooks/ticket: HTTP 201`,
      outputs: { status: 201, json: { id: 'T-42', echo: { title: 'Case #3' } }, truncated: false },
      details: { response: { status: 201, address: '127.0.0.1', redirects: 0 } },
    });
    const seen = srv.seen.at(-1)!;
    expect(seen.headers).toMatchObject({ authorization: 'Bearer t0k', 'idempotency-key': 'act_test_key', 'content-type': 'application/json' });
    expect(JSON.stringify(out.details)).not.toContain('t0k');
    expect(httpRequest.target(HttpRequestInput.parse({ url: `${srv.url}/hooks/ticket?token=x` }))).toBe(`POST ${srv.url}/hooks/ticket`);
  });

  it('refuses URLs off the allowlist, other schemes and credentials before sending anything', async () => {
    const before = srv.seen.length;
    expect(await run({ url: `${srv.url}/admin` })).toMatchObject({ status: 'refused', reason: `${srv.url}/admin is not on the allowlist (playbooks.actions.http-request.allow)` });
    expect((await run({ url: 'file:///etc/passwd' })).reason).toBe('file: URLs are not allowed (http and https only)');
    expect((await run({ url: `http://u:p@127.0.0.1:1/hooks/x` })).reason).toMatch(/^URLs with credentials are not allowed/);
    expect((await run({ url: `${srv.url}/hooks/ticket` }, HttpRequestConfig.parse({}))).reason).toBe('no URL is allowed: list the endpoints under playbooks.actions.http-request.allow');
    expect(srv.seen.length).toBe(before);
  });

  it('refuses loopback, private, link-local and metadata addresses unless that host is allowed', async () => {
    const noPrivate = HttpRequestConfig.parse({ allow: ['http://*'] });
    expect(await run({ url: `${srv.url}/hooks/ticket` }, noPrivate)).toMatchObject({ status: 'refused', reason: expect.stringMatching(/^127\.0\.0\.1 resolves to 127\.0\.0\.1, a reserved address/) });
    expect((await run({ url: 'http://169.254.169.254/latest/meta-data/' }, noPrivate)).reason).toMatch(/169\.254\.169\.254, a private address/);
    expect((await run({ url: 'http://[::1]:8080/x' }, noPrivate)).reason).toMatch(/::1, a reserved address/);
    expect((await run({ url: 'http://metadata.google.internal/computeMetadata/v1/' }, noPrivate)).reason).toBe('metadata.google.internal is an internal or cloud-metadata name');
    expect((await run({ url: 'http://10.0.0.5/hook' }, noPrivate)).reason).toMatch(/10\.0\.0\.5, a private address/);
  });

  it('checks every address a name resolves to, and connects to the one it checked', async () => {
    const lookup = async (host: string) => (host === 'rebind.example' ? [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    await expect(vetHost('rebind.example', [], lookup)).rejects.toThrow(new RequestRefused('rebind.example resolves to 127.0.0.1, a reserved address (list it under playbooks.actions.http-request.allowPrivate to allow it)'));
    const port = new URL(srv.url).port;
    const cfg = HttpRequestConfig.parse({ allow: [`http://tickets.internal.example:${port}/hooks/*`], allowPrivate: ['tickets.internal.example'] });
    const out = await run({ url: `http://tickets.internal.example:${port}/hooks/ticket`, method: 'GET' }, cfg, { services: { ...services, lookup } });
    expect(out).toMatchObject({ status: 'executed', details: { response: { address: '127.0.0.1' } } });
  });

  it('follows a redirect on the same host only', async () => {
    expect(await run({ url: `${srv.url}/hooks/moved`, method: 'GET' })).toMatchObject({ status: 'executed', details: { response: { redirects: 1, status: 201 } } });
    expect(await run({ url: `${srv.url}/hooks/away` })).toMatchObject({ status: 'refused', reason: `HTTP 307 redirect to another host (${other.url}) was not followed` });
    expect(other.seen).toEqual([]);
  });

  it('caps the answer, times out, and sorts failures into retryable and final', async () => {
    expect(await run({ url: `${srv.url}/hooks/big`, method: 'GET' })).toMatchObject({ status: 'executed', outputs: { truncated: true, body: 'x'.repeat(1000) } });
    const slow = await run({ url: `${srv.url}/hooks/slow`, method: 'GET' });
    expect(slow).toMatchObject({ status: 'failed', retryable: true, reason: 'no answer within 500 ms' });
    expect(await run({ url: `${srv.url}/hooks/down` })).toMatchObject({ status: 'failed', retryable: true, reason: `POST ${srv.url}/hooks/down: HTTP 503` });
    const missing = await run({ url: `${srv.url}/hooks/none` });
    expect(missing).toMatchObject({ status: 'failed', reason: `POST ${srv.url}/hooks/none: HTTP 404` });
    expect(missing.retryable).toBeUndefined();
    expect(await run({ url: `${srv.url}/hooks/none`, expect: [404] })).toMatchObject({ status: 'executed' });
  });

  it('sends nothing in dry run, and needs the secret header variable', async () => {
    const before = srv.seen.length;
    expect(await run({ url: `${srv.url}/hooks/ticket` }, local(), { dryRun: true })).toMatchObject({ status: 'simulated', reason: `would POST ${srv.url}/hooks/ticket`, details: { request: { headers: ['idempotency-key', 'user-agent', 'Authorization'] } } });
    expect(await run({ url: `${srv.url}/hooks/ticket` }, local(), { services: { ...services, env: {} } })).toMatchObject({ status: 'failed', reason: 'header Authorization needs the environment variable TICKET_AUTH' });
    expect(srv.seen.length).toBe(before);
    expect(HttpRequestInput.safeParse({ url: 'x', json: {}, body: 'y' }).success).toBe(false);
  });
});
