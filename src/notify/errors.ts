import { VigilError } from '../core/errors.js';

/**
 * A failed delivery. `retryable` says whether trying again can help (429, 5xx, timeouts, a refused
 * connection); `retryAfterMs` is the wait the service asked for, when it said.
 */
export class DeliveryError extends VigilError {
  readonly retryAfterMs?: number;
  readonly status?: number;

  constructor(message: string, opts: { retryable: boolean; retryAfterMs?: number; status?: number; cause?: unknown }) {
    super('VIGIL_NOTIFY_FAILED', message, { retryable: opts.retryable, ...(opts.cause !== undefined && { cause: opts.cause }) });
    this.name = 'DeliveryError';
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    if (opts.status !== undefined) this.status = opts.status;
  }
}

/** Any thrown value as a DeliveryError; unknown errors count as retryable (a bug in a peer, a reset socket). */
export function asDeliveryError(e: unknown): DeliveryError {
  if (e instanceof DeliveryError) return e;
  if (e instanceof VigilError) return new DeliveryError(e.message, { retryable: e.retryable, cause: e });
  return new DeliveryError(e instanceof Error ? e.message : String(e), { retryable: true, cause: e });
}
