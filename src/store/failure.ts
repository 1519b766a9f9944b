// What a failed store call means for whoever sent the data: try again later (the store is away), or
// change the record (the store cannot hold a value it carries). Everything else is a bug.

/** Node's socket errors: PostgreSQL is not reachable. */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
/** node-postgres says these in words, without a code. */
const LOST = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|the database system is (starting up|shutting down|in recovery mode)/i;

export type StoreFailureKind = 'unavailable' | 'unstorable';

/**
 * Classifies an error thrown by a store call, looking through wrappers (drizzle's "Failed query",
 * the embedded store's thread) at the database's own error:
 * - `unavailable`: connection refused or lost, server shutting down (SQLSTATE 08…, 57P0x), out of
 *   connections or memory (53…), a serialization failure or deadlock (40001, 40P01): the same
 *   request may succeed later, unchanged.
 * - `unstorable`: a data exception (22…: text it cannot hold, a number or date out of range) or a
 *   program limit (54…): only a different record helps.
 * - undefined: anything else.
 */
export function storeFailureKind(e: unknown): StoreFailureKind | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 6 && cur && typeof cur === 'object'; depth++) {
    const { code, message } = cur as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (NET_CODES.has(code)) return 'unavailable';
      if (/^[0-9A-Z]{5}$/.test(code)) {
        if (code.startsWith('08') || code.startsWith('53') || /^57P0[1-3]$/.test(code) || code === '40001' || code === '40P01') return 'unavailable';
        if (code.startsWith('22') || code.startsWith('54')) return 'unstorable';
      }
    }
    if (typeof message === 'string' && LOST.test(message)) return 'unavailable';
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
