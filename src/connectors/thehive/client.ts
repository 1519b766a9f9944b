// A small TheHive 5 API client: JSON over fetch with a timeout, errors classified as retryable
// (network, timeouts, 408/429/5xx, 401/403 until the key is fixed) or not (other 4xx).
import { VigilError } from '../../core/errors.js';

export class TheHiveHttpError extends VigilError {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly hiveType: string | undefined,
    retryable: boolean,
  ) {
    super('VIGIL_ACTION_FAILED', message, { retryable });
  }
}

export interface TheHiveClientOptions {
  url: string;
  apiKey: string;
  organisation?: string | undefined;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const MAX_ERROR_BODY = 2000;

export class TheHiveClient {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly o: TheHiveClientOptions) {
    this.base = o.url.replace(/\/+$/, '');
    this.fetchFn = o.fetch ?? globalThis.fetch;
  }

  async request<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchFn(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.o.apiKey}`,
          accept: 'application/json',
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(this.o.organisation && { 'x-organisation': this.o.organisation }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? `timed out after ${this.o.timeoutMs} ms` : ((e as Error & { cause?: Error }).cause?.message ?? (e as Error).message);
      throw new TheHiveHttpError(`${method} ${path}: ${why}`, undefined, undefined, true);
    }
    const text = await res.text();
    if (!res.ok) {
      let type: string | undefined;
      let message = text.slice(0, MAX_ERROR_BODY);
      try {
        const j = JSON.parse(text) as { type?: string; message?: string };
        type = j.type;
        if (j.message) message = j.message;
      } catch {
        // Not JSON: the text is the message.
      }
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500 || res.status === 401 || res.status === 403;
      throw new TheHiveHttpError(`${method} ${path}: ${res.status} ${type ? `${type}: ` : ''}${message}`, res.status, type, retryable);
    }
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new TheHiveHttpError(`${method} ${path}: the answer is not JSON`, res.status, undefined, true);
    }
  }

  createAlert(alert: unknown): Promise<{ _id: string }> {
    return this.request('POST', '/api/v1/alert', alert);
  }

  updateAlert(id: string, fields: unknown): Promise<void> {
    return this.request('PATCH', `/api/v1/alert/${encodeURIComponent(id)}`, fields);
  }

  async findAlert(type: string, source: string, sourceRef: string): Promise<{ _id: string; caseId?: string } | undefined> {
    const found = await this.request<Array<{ _id: string; caseId?: string }>>('POST', '/api/v1/query?name=vigil-find-alert', {
      query: [
        { _name: 'listAlert' },
        { _name: 'filter', _and: [{ _eq: { _field: 'type', _value: type } }, { _eq: { _field: 'source', _value: source } }, { _eq: { _field: 'sourceRef', _value: sourceRef } }] },
        { _name: 'page', from: 0, to: 1 },
      ],
    });
    return Array.isArray(found) ? found[0] : undefined;
  }

  createCase(c: unknown): Promise<{ _id: string; number?: number }> {
    return this.request('POST', '/api/v1/case', c);
  }

  updateCase(id: string, fields: unknown): Promise<void> {
    return this.request('PATCH', `/api/v1/case/${encodeURIComponent(id)}`, fields);
  }

  mergeAlerts(caseId: string, alertIds: string[]): Promise<unknown> {
    return this.request('POST', '/api/v1/alert/merge/_bulk', { caseId, alertIds });
  }
}
