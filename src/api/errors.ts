// One mapping from whatever a route threw to the answer a client gets and what the log says.
// Statuses and retryability come from the catalogue (src/core/errors.ts, docs/errors.md).
import { ERROR_CATALOGUE, VigilError, type VigilErrorCode } from '../core/errors.js';
import { storeFailureKind } from '../store/failure.js';

export interface HttpError {
  status: number;
  code: VigilErrorCode;
  message: string;
  field?: string;
  /** The sender should send the same request again later (answered with Retry-After). */
  retryable: boolean;
  /**
   * How the log tells it: `info` the sender's mistake (one line, no stack); `warn` the store or bus
   * is away (the reason, no stack); `error` a failure of Vigil's (with the stack and causes).
   */
  level: 'info' | 'warn' | 'error';
}

/** Fastify's own errors, by their code. */
const FASTIFY: Record<string, VigilErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'VIGIL_INPUT_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'VIGIL_INPUT_UNSUPPORTED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VIGIL_INPUT_INVALID',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VIGIL_INPUT_PARSE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VIGIL_INPUT_PARSE',
};

function of(code: VigilErrorCode, message: string, field?: string): HttpError {
  const spec = ERROR_CATALOGUE[code];
  const level = spec.status < 500 ? 'info' : spec.status === 503 ? 'warn' : 'error';
  return { status: spec.status, code, message, ...(field && { field }), retryable: spec.retryable, level };
}

/** The answer for an error a route (or Fastify, or the store underneath) threw. */
export function httpErrorOf(err: unknown): HttpError {
  const e = err as Error & { validation?: Array<{ instancePath?: string; params?: { issue?: { path?: unknown[] } } }>; statusCode?: number; code?: string };
  if (e instanceof VigilError) {
    return of(e.code, e.message, e.field);
  }
  if (e?.validation) {
    const first = e.validation[0];
    const field = first?.params?.issue?.path?.join('.') ?? first?.instancePath?.replace(/^\//, '').replaceAll('/', '.') ?? '';
    return of('VIGIL_INPUT_INVALID', e.message, field || undefined);
  }
  const fastify = typeof e?.code === 'string' ? FASTIFY[e.code] : undefined;
  if (fastify) return of(fastify, e.message);
  // JSON.parse's SyntaxError from a content-type parser carries Fastify's 400.
  if (e instanceof SyntaxError && e.statusCode === 400) return of('VIGIL_INPUT_PARSE', `invalid JSON: ${e.message}`);
  const kind = storeFailureKind(e);
  if (kind === 'unavailable') return of('VIGIL_STORE_UNAVAILABLE', 'the store does not answer; nothing was stored: send it again later');
  if (kind === 'unstorable') return of('VIGIL_INPUT_UNSTORABLE', `the store refused a value in the input: ${firstLine(e.message, e)}`);
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    const h = of(e.statusCode === 404 ? 'VIGIL_INPUT_NOT_FOUND' : e.statusCode === 413 ? 'VIGIL_INPUT_TOO_LARGE' : e.statusCode === 415 ? 'VIGIL_INPUT_UNSUPPORTED' : 'VIGIL_INPUT_INVALID', e.message);
    return { ...h, status: e.statusCode };
  }
  return of('VIGIL_INTERNAL', 'internal error (see the Vigil log)');
}

/** The database's own reason, without the query or its parameters. */
function firstLine(message: string, e: unknown): string {
  let cur: unknown = e;
  for (let d = 0; d < 6 && cur && typeof cur === 'object'; d++) {
    const c = cur as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof c.code === 'string' && /^[0-9A-Z]{5}$/.test(c.code) && typeof c.message === 'string') return c.message.split('\n')[0]!.slice(0, 300);
    cur = c.cause;
  }
  return message.split('\n')[0]!.replace(/^Failed query:.*/, 'the query failed').slice(0, 300);
}

/** The innermost cause's message, one line: what a warning about an unavailable store says. */
export function causeLine(e: unknown): string {
  let cur: unknown = e;
  let msg = '';
  for (let d = 0; d < 6 && cur instanceof Error; d++) {
    msg = cur.message;
    cur = cur.cause;
  }
  return msg.split('\n')[0]!.replace(/^Failed query:.*/, 'a query failed').slice(0, 300);
}
