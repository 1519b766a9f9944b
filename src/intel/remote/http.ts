import { parseRetryAfter, RemoteFailure } from './errors.js';
import type { RemoteRuntime } from './runtime.js';

/** Largest answer body read from a provider. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  text: string;
}

export interface HttpRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Non-2xx statuses the provider turns into an answer itself (404 = unknown to the provider). */
  accept?: readonly number[];
}

const USER_AGENT = 'vigil/0.1';

/** The service's own words from an error body: VirusTotal, AbuseIPDB, IPinfo, urlscan, GreyNoise, OTX and RDAP shapes. */
export function errorDetail(json: unknown, text: string): string {
  const j = json as Record<string, any> | undefined;
  let d: unknown;
  if (j && typeof j === 'object') {
    // RDAP errors (RFC 9083 §6) carry `title` and a `description` array.
    const rdapDescription = Array.isArray(j.description) ? j.description.find((x: unknown) => typeof x === 'string') : undefined;
    d = j.error?.message ?? j.error?.title ?? (typeof j.error === 'string' ? j.error : undefined) ?? j.errors?.[0]?.detail ?? j.message ?? (typeof j.description === 'string' ? j.description : undefined) ?? j.detail ?? rdapDescription ?? j.title;
  }
  const s = typeof d === 'string' ? d : text.trim().startsWith('<') ? '' : text.trim();
  return s.replace(/\s+/g, ' ').slice(0, 200);
}

function headersOf(req: HttpRequest): Record<string, string> {
  const h: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json' };
  if (req.body !== undefined) h['content-type'] = 'application/json';
  for (const [k, v] of Object.entries(req.headers ?? {})) h[k.toLowerCase()] = v;
  return h;
}

async function readCapped(res: Response, signal: AbortSignal): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    await res.body?.cancel().catch(() => {});
    throw new RemoteFailure('bad-response', `answer of ${declared} bytes is over the ${MAX_BODY_BYTES}-byte limit`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    if (signal.aborted) throw signal.reason;
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw new RemoteFailure('bad-response', `answer is over the ${MAX_BODY_BYTES}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * HTTP for remote providers over the injected fetch, every request through the provider's runtime
 * (quota, breaker, timeout, retries). 2xx and the statuses in `accept` are answers; 429 and 5xx are
 * retried; 401/403 mean a bad key.
 */
export class RemoteHttp {
  constructor(
    readonly runtime: RemoteRuntime,
    private readonly fetchFn: typeof fetch,
    private readonly clock: { now(): Date },
  ) {}

  request(url: string, req: HttpRequest = {}): Promise<HttpAnswer> {
    return this.runtime.call((signal) => this.attempt(url, req, signal));
  }

  get(url: string, headers: Record<string, string> = {}, accept: readonly number[] = []): Promise<HttpAnswer> {
    return this.request(url, { headers, accept });
  }

  private async attempt(url: string, req: HttpRequest, signal: AbortSignal): Promise<HttpAnswer> {
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method: req.method ?? 'GET',
        headers: headersOf(req),
        ...(req.body !== undefined && { body: req.body }),
        signal,
        // A redirect would carry the API key header to wherever it points (fetch only strips
        // Authorization across origins, not x-apikey or Key): refuse them.
        redirect: 'error',
      });
    } catch (e) {
      if (e instanceof RemoteFailure) throw e;
      if (signal.aborted && signal.reason instanceof RemoteFailure) throw signal.reason;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new RemoteFailure('network', `connection failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`, { cause: e });
    }
    let text: string;
    try {
      text = await readCapped(res, signal);
    } catch (e) {
      if (e instanceof RemoteFailure) throw e;
      if (signal.aborted && signal.reason instanceof RemoteFailure) throw signal.reason;
      throw new RemoteFailure('network', `answer cut off: ${(e as Error).message}`, { cause: e });
    }
    let json: unknown;
    const t = text.trimStart();
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    const status = res.status;
    if ((status >= 200 && status < 300) || req.accept?.includes(status)) {
      if (status >= 200 && status < 300 && json === undefined && t !== '') throw new RemoteFailure('bad-response', `HTTP ${status} answer is not JSON`);
      return { status, headers: res.headers, json, text };
    }
    const detail = errorDetail(json, text);
    const says = detail ? `: ${detail}` : '';
    if (status === 429) {
      const after = parseRetryAfter(res.headers.get('retry-after'), this.clock.now());
      throw new RemoteFailure('rate-limited', `rate limited (HTTP 429${says})`, { status, ...(after !== undefined && { retryAfterMs: after }) });
    }
    if (status === 401 || status === 403) throw new RemoteFailure('auth', `API key refused (HTTP ${status}${says})`, { status });
    if (status >= 500) {
      const after = status === 503 ? parseRetryAfter(res.headers.get('retry-after'), this.clock.now()) : undefined;
      throw new RemoteFailure('http', `HTTP ${status}${says}`, { status, ...(after !== undefined && { retryAfterMs: after }) });
    }
    throw new RemoteFailure('http', `HTTP ${status}${says}`, { status, retryable: false });
  }
}
