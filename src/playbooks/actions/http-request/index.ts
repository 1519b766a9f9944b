import { z } from 'zod';
import { actionConfig, defineResponseAction, retryableFailure } from '../../action.js';
import { Duration } from '../../../core/clock.js';
import { EnvName } from '../../wazuh.js';
import { RequestFailed, RequestRefused, safeRequest, systemLookup, urlRefusal } from './client.js';

const HeaderName = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'a header name (letters, digits, -)');

export const HttpRequestInput = z
  .strictObject({
    url: z.string().min(1).max(4_000),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    headers: z.record(HeaderName, z.string().max(4_000)).default({}),
    /** A JSON body (sent with content-type application/json). */
    json: z.unknown().optional(),
    /** A text body. */
    body: z.string().max(1_000_000).optional(),
    /** Statuses that count as success besides 2xx. */
    expect: z.array(z.number().int().min(100).max(599)).optional(),
  })
  .refine((i) => i.json === undefined || i.body === undefined, { message: 'give json or body, not both' });

export const HttpRequestConfig = actionConfig({
  /** URL patterns (`*` wildcards, end the host with `/`): only these may be called. Empty: none. */
  allow: z.array(z.string().min(1).max(2_000)).default([]),
  /** Host names or addresses allowed to resolve to private/loopback addresses (an internal ticketing system). */
  allowPrivate: z.array(z.string().min(1)).default([]),
  /** Headers added to every request from environment variables: `{Authorization: VIGIL_SOAR_AUTH}`. */
  headersEnv: z.record(HeaderName, EnvName).default({}),
  timeout: Duration.default(10_000),
  /** Largest answer read; the rest is dropped and `truncated` set. */
  maxBytes: z.number().int().positive().max(10 * 1024 * 1024).default(1024 * 1024),
});

const MAX_OUTPUT_BODY = 65_536;

export default defineResponseAction({
  id: 'http-request',
  description: 'Call an allowlisted HTTP endpoint (a ticketing system, a SOAR webhook). SSRF-safe: private and metadata addresses are refused, redirects stay on the same host.',
  destructive: true,
  inputSchema: HttpRequestInput,
  configSchema: HttpRequestConfig,
  outputs: { status: 'the HTTP status', body: 'the answer as text (first 64 KiB)', json: 'the answer parsed as JSON, when it is', truncated: 'the answer was longer than maxBytes' },
  target: (i) => `${i.method} ${i.url.split('?')[0]}`,
  async run(input, ctx) {
    const cfg = ctx.config;
    const refusal = urlRefusal(input.url, cfg.allow);
    if (refusal) return { status: 'refused', reason: refusal, details: { url: input.url, method: input.method } };
    const body = input.json !== undefined ? JSON.stringify(input.json) : input.body;
    const headers: Record<string, string> = { ...input.headers, ...(input.json !== undefined && { 'content-type': 'application/json' }), 'idempotency-key': ctx.idempotencyKey, 'user-agent': 'vigil-playbooks' };
    for (const [h, env] of Object.entries(cfg.headersEnv)) {
      const v = ctx.services.env[env];
      if (!v) return { status: 'failed', reason: `header ${h} needs the environment variable ${env}`, details: { url: input.url } };
      headers[h] = v;
    }
    const shown = { url: input.url, method: input.method, headers: Object.keys(headers), ...(body !== undefined && { bytes: Buffer.byteLength(body) }) };
    if (ctx.dryRun) return { status: 'simulated', reason: `would ${input.method} ${input.url}`, details: { request: shown }, outputs: { status: 0, body: '', truncated: false } };
    try {
      const r = await safeRequest({
        url: input.url,
        method: input.method,
        headers,
        ...(body !== undefined && { body }),
        allow: cfg.allow,
        allowPrivate: cfg.allowPrivate,
        timeoutMs: cfg.timeout,
        maxBytes: cfg.maxBytes,
        lookup: ctx.services.lookup ?? systemLookup,
        signal: ctx.signal,
      });
      let json: unknown;
      if (/json/i.test(r.headers['content-type'] ?? '')) {
        try {
          json = JSON.parse(r.body);
        } catch {
          json = undefined;
        }
      }
      const outputs = { status: r.status, body: r.body.slice(0, MAX_OUTPUT_BODY), truncated: r.truncated, ...(json !== undefined && { json }) };
      const details = { request: shown, response: { status: r.status, address: r.address, redirects: r.redirects, truncated: r.truncated, bytes: Buffer.byteLength(r.body), contentType: r.headers['content-type'] ?? '' } };
      const ok = (r.status >= 200 && r.status < 300) || (input.expect?.includes(r.status) ?? false);
      if (ok) return { status: 'executed', reason: `${input.method} ${input.url}: HTTP ${r.status}`, details, outputs };
      const why = `${input.method} ${input.url}: HTTP ${r.status}`;
      if (r.status === 408 || r.status === 429 || r.status >= 500) return { ...retryableFailure(why, details), outputs };
      return { status: 'failed', reason: why, details, outputs };
    } catch (e) {
      if (e instanceof RequestRefused) return { status: 'refused', reason: e.message, details: { request: shown } };
      if (e instanceof RequestFailed) return e.retryable ? retryableFailure(e.message, { request: shown }) : { status: 'failed', reason: e.message, details: { request: shown } };
      throw e;
    }
  },
});
