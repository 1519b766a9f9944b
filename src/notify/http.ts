import type { Clock } from '../core/clock.js';
import { DeliveryError } from './errors.js';
import { safeOrigin } from './secrets.js';

const MAX_RESPONSE_BYTES = 64 * 1024;
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

export interface PostResult {
  status: number;
  /** The response body, at most 64 KiB of it. */
  body: string;
  headers: Headers;
}

/**
 * `Retry-After` as milliseconds from now: delta-seconds (`120`, Discord also sends `1.5`) or an
 * HTTP date. Undefined when absent or unreadable; capped at a day so a hostile peer cannot park a
 * notification forever.
 */
export function parseRetryAfter(value: string | null | undefined, clock: Clock): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(v)) ms = Math.ceil(Number(v) * 1000);
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = at - clock.now().getTime();
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size >= MAX_RESPONSE_BYTES) break;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}

/** A short, single-line excerpt of a peer's answer for an error message. */
export function snippet(body: string, max = 200): string {
  const one = body.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/**
 * POSTs a body and sorts the answer into delivered / retry later / give up. Redirects are not
 * followed (a redirect would carry the payload somewhere nobody configured). Network errors,
 * timeouts, 408, 429 and 5xx are retryable; 429 and 503 carry `Retry-After` when the peer sent it.
 * Messages name the channel and the URL's origin only: the path of a webhook URL is its secret.
 */
export async function post(opts: {
  channel: string;
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  fetch: typeof fetch;
  clock: Clock;
  /** Reads a wait out of a 429 body when the header is missing (Discord's `retry_after`). */
  retryAfterFromBody?: (body: string) => number | undefined;
}): Promise<PostResult> {
  const origin = safeOrigin(opts.url);
  let res: Response;
  try {
    res = await opts.fetch(opts.url, {
      method: 'POST',
      headers: opts.headers,
      body: opts.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === 'TimeoutError' || err.name === 'AbortError' ? `no answer within ${opts.timeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
    throw new DeliveryError(`${opts.channel}: cannot reach ${origin}: ${why}`, { retryable: true, cause: e });
  }
  const body = await readCapped(res).catch(() => '');
  if (res.status >= 200 && res.status < 300) return { status: res.status, body, headers: res.headers };
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), opts.clock) ?? (res.status === 429 ? opts.retryAfterFromBody?.(body) : undefined);
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  const what = res.status >= 300 && res.status < 400 ? `redirected (HTTP ${res.status}); redirects are not followed` : `HTTP ${res.status}`;
  const detail = snippet(body);
  throw new DeliveryError(`${opts.channel}: ${origin} answered ${what}${detail ? `: ${detail}` : ''}`, {
    retryable,
    status: res.status,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
  });
}

/**
 * A webhook URL from a secret: http(s) only, and plain http only to a loopback address (local
 * relays and tests) unless the channel allows it.
 */
export function checkWebhookUrl(url: string, what: string, allowHttp = false): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `${what} is not a valid URL`;
  }
  if (u.protocol === 'https:') return undefined;
  if (u.protocol !== 'http:') return `${what} must be an https:// URL`;
  const loopback = u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\./.test(u.hostname);
  if (allowHttp || loopback) return undefined;
  return `${what} must be an https:// URL (plain http is only accepted for loopback addresses)`;
}
