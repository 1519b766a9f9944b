// HTTP for the configured response adapters (Wazuh manager API, HTTP firewall API): bounded
// answers, a timeout joined to the step's abort signal, no redirects, and errors that say whether
// another attempt can help. The endpoints come from the operator's config, never from a playbook.

/** A failed adapter call; `retryable` when a later attempt may succeed. */
export class AdapterError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AdapterError';
  }
}

const MAX_ANSWER = 1 << 20;

export async function readCapped(res: Response, max = MAX_ANSWER): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        chunks.push(value.subarray(0, value.byteLength - (size - max)));
        truncated = true;
        break;
      }
      chunks.push(value);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

export function snippet(text: string, max = 200): string {
  const one = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/** The origin of a URL, for messages: paths and queries may carry secrets. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

export interface JsonAnswer {
  status: number;
  json: unknown;
  text: string;
}

/**
 * One request with a JSON answer. Network errors, timeouts, 408, 429 and 5xx are retryable;
 * other non-2xx answers are not, unless `accept` lists the status.
 */
export async function requestJson(opts: {
  fetch: typeof fetch;
  url: string;
  method: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
  /** What the call is, for messages: `Wazuh active response`. */
  what: string;
  accept?: number[];
}): Promise<JsonAnswer> {
  const signals = [AbortSignal.timeout(opts.timeoutMs), ...(opts.signal ? [opts.signal] : [])];
  let res: Response;
  try {
    res = await opts.fetch(opts.url, {
      method: opts.method,
      headers: { accept: 'application/json', ...(opts.body !== undefined && { 'content-type': 'application/json' }), ...opts.headers },
      ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }),
      redirect: 'manual',
      signal: AbortSignal.any(signals),
    });
  } catch (e) {
    const err = e as Error;
    const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
    throw new AdapterError(`${opts.what} at ${originOf(opts.url)}: ${timedOut ? `no answer within ${opts.timeoutMs} ms` : `request failed (${(err.cause as Error | undefined)?.message ?? err.message})`}`, true);
  }
  const { text } = await readCapped(res);
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if ((res.status < 200 || res.status >= 300) && !opts.accept?.includes(res.status)) {
    const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
    const detail = (json as { detail?: unknown; message?: unknown; title?: unknown } | undefined)?.detail ?? (json as { message?: unknown } | undefined)?.message ?? (json as { title?: unknown } | undefined)?.title;
    throw new AdapterError(`${opts.what} at ${originOf(opts.url)}: HTTP ${res.status}${res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : ''}${detail !== undefined ? `: ${snippet(String(detail))}` : text ? `: ${snippet(text)}` : ''}`, retryable, res.status);
  }
  return { status: res.status, json, text };
}
