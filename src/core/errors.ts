/** What a code means to whoever meets it: an API client, a sender, a script running the CLI. */
export interface ErrorSpec {
  /** The HTTP status the API answers with. */
  status: number;
  /**
   * True when the same request may succeed later unchanged: the API adds `Retry-After` and a sender
   * keeps the record and tries again. False: the request itself must change (or it is a bug).
   */
  retryable: boolean;
  /** The CLI's exit status: 1 a failure to fix, 75 a temporary one (sysexits EX_TEMPFAIL: run it again later). */
  exit: 1 | 75;
  /** One line for docs/errors.md: when it happens and what to do. */
  meaning: string;
}

/**
 * Every error code Vigil answers or exits with. Stable: scripts and API clients match on these, so
 * never rename one. The API's error handler, the CLI's exit status and docs/errors.md all come from
 * this table (a test fails when docs/errors.md misses a code or disagrees with it).
 */
export const ERROR_CATALOGUE = {
  VIGIL_CONFIG_INVALID: { status: 400, retryable: false, exit: 1, meaning: 'A setting (vigil.yaml, the environment, a flag) or a definition sent to the API is invalid; the message names the file, line and field.' },
  VIGIL_CONFIG_NOT_FOUND: { status: 500, retryable: false, exit: 1, meaning: 'A configuration file named by --config or VIGIL_CONFIG does not exist.' },
  VIGIL_INPUT_PARSE: { status: 400, retryable: false, exit: 1, meaning: 'The input is not readable as its format (malformed JSON, a broken line); the message names the line and what is wrong.' },
  VIGIL_INPUT_INVALID: { status: 400, retryable: false, exit: 1, meaning: 'The input is readable but refused: a field is missing, of the wrong type or out of range (the field is named).' },
  VIGIL_INPUT_TOO_LARGE: { status: 413, retryable: false, exit: 1, meaning: 'A body, file, line or field is over its size limit (the limit is named); split it or raise the limit.' },
  VIGIL_INPUT_UNSUPPORTED: { status: 415, retryable: false, exit: 1, meaning: 'The body\'s Content-Type is not one the route takes (the route\'s types are in docs/api.md).' },
  VIGIL_INPUT_UNSTORABLE: { status: 422, retryable: false, exit: 1, meaning: 'The store refused a value the input carries (a number or date out of range, text it cannot hold); the record must change.' },
  VIGIL_INPUT_NOT_FOUND: { status: 404, retryable: false, exit: 1, meaning: 'The file, case, alert or other thing named does not exist (or belongs to another organisation).' },
  VIGIL_NO_RULES: { status: 409, retryable: false, exit: 1, meaning: 'Raw events were sent but no Sigma rules are configured (detect.rules), so they would be dropped.' },
  VIGIL_FEED_PARSE: { status: 400, retryable: false, exit: 1, meaning: 'A threat-intelligence feed could not be read in its format.' },
  VIGIL_FEED_UNKNOWN_FORMAT: { status: 400, retryable: false, exit: 1, meaning: 'A feed names a format Vigil has no reader for (docs/feeds.md lists them).' },
  /** A feed failed its sanity limits as a whole (its size jumped); the last good copy is kept. */
  VIGIL_FEED_REFUSED: { status: 422, retryable: false, exit: 1, meaning: 'A feed failed its sanity limits as a whole (its size jumped or collapsed); the last good copy stays in use.' },
  VIGIL_STORE_LOCKED: { status: 503, retryable: true, exit: 1, meaning: 'The embedded store is in use by another process (named with its pid); stop it, or ask the running server.' },
  VIGIL_STORE_FAILED: { status: 503, retryable: true, exit: 1, meaning: 'The store could not do what was asked (nothing was stored for the request); the message says why. Senders retry after Retry-After.' },
  VIGIL_STORE_UNAVAILABLE: { status: 503, retryable: true, exit: 75, meaning: 'The store does not answer (PostgreSQL down, restarting, out of connections); nothing was stored. Retry after Retry-After; Vigil reconnects by itself.' },
  /** A restore found rows in the store it was to fill (vigil backup restore --force replaces them). */
  VIGIL_STORE_NOT_EMPTY: { status: 409, retryable: false, exit: 1, meaning: 'A backup restore found rows in the store it was to fill; point it at an empty store or pass --force.' },
  VIGIL_PLAYBOOK_INVALID: { status: 400, retryable: false, exit: 1, meaning: 'A playbook file is invalid; the message names its file, line and field.' },
  VIGIL_ACTION_FAILED: { status: 502, retryable: true, exit: 1, meaning: 'A response action or a push to TheHive failed at the system it talks to.' },
  VIGIL_NOTIFY_FAILED: { status: 502, retryable: true, exit: 1, meaning: 'A notification channel did not take a message (it stays in the outbox and is retried).' },
  VIGIL_INTEL_FAILED: { status: 502, retryable: true, exit: 1, meaning: 'A threat-intelligence provider failed or timed out; the lookup is reported as failed, the rest goes on.' },
  VIGIL_INTEL_RATE_LIMITED: { status: 429, retryable: true, exit: 1, meaning: 'A threat-intelligence provider is over its rate limit or quota.' },
  VIGIL_PLUGIN_UNKNOWN: { status: 400, retryable: false, exit: 1, meaning: 'A provider, action, channel, source or format id names no plugin Vigil has.' },
  /** Scale-out: the ingest stream is over its size limit (back-pressure, answered 503). */
  VIGIL_BUS_FULL: { status: 503, retryable: true, exit: 75, meaning: 'Scale-out: the ingest stream is over its size limit (back-pressure); retry after Retry-After.' },
  /** Scale-out: NATS JetStream refused or could not take a request. */
  VIGIL_BUS_FAILED: { status: 503, retryable: true, exit: 75, meaning: 'Scale-out: NATS JetStream refused or could not take the request; nothing was queued. Retry after Retry-After.' },
  VIGIL_AUTH_REQUIRED: { status: 401, retryable: false, exit: 1, meaning: 'No API key was sent: Authorization: Bearer vgl_…' },
  VIGIL_AUTH_INVALID: { status: 401, retryable: false, exit: 1, meaning: 'The API key is unknown or revoked.' },
  VIGIL_AUTH_SESSION_ENDED: { status: 401, retryable: false, exit: 1, meaning: 'The web UI session ended (signed out, or its key was revoked); sign in again.' },
  VIGIL_AUTH_FORBIDDEN: { status: 403, retryable: false, exit: 1, meaning: 'The key\'s role or organisation may not do this (or a cross-site request tried the session cookie).' },
  VIGIL_AUTH_RATE_LIMITED: { status: 429, retryable: true, exit: 1, meaning: 'Too many bad keys from this address or key prefix; retry after Retry-After.' },
  VIGIL_INTERNAL: { status: 500, retryable: false, exit: 1, meaning: 'A bug in Vigil: the log has the details (with a stack trace). Please report it.' },
} as const satisfies Record<string, ErrorSpec>;

/** Stable error codes: scripts and API clients match on these, so never rename one. */
export type VigilErrorCode = keyof typeof ERROR_CATALOGUE;

/** The catalogue entry of a code. */
export function errorSpec(code: VigilErrorCode): ErrorSpec {
  return ERROR_CATALOGUE[code];
}

/** The CLI exit status for an error (1 for anything that is not a VigilError). */
export function exitStatusOf(e: unknown): number {
  return e instanceof VigilError ? ERROR_CATALOGUE[e.code].exit : 1;
}

export interface VigilErrorOptions {
  cause?: unknown;
  /** True when trying again later may succeed (rate limits, timeouts, 5xx). */
  retryable?: boolean;
  /** File the problem is in, when there is one. */
  file?: string;
  /** 1-based line number in `file`. */
  line?: number;
  /** Dotted field path the problem is about. */
  field?: string;
}

/** The one error type Vigil throws: a stable code, a message that names where and why. */
export class VigilError extends Error {
  readonly code: VigilErrorCode;
  readonly retryable: boolean;
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;

  constructor(code: VigilErrorCode, message: string, opts: VigilErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'VigilError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
    if (opts.file !== undefined) this.file = opts.file;
    if (opts.line !== undefined) this.line = opts.line;
    if (opts.field !== undefined) this.field = opts.field;
  }

  /** `file:line: message`, the form editors and terminals turn into links. */
  get location(): string {
    if (this.file === undefined) return '';
    return this.line === undefined ? this.file : `${this.file}:${this.line}`;
  }

  override toString(): string {
    const where = this.location;
    return `${where ? `${where}: ` : ''}${this.message}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.file !== undefined && { file: this.file }),
      ...(this.line !== undefined && { line: this.line }),
      ...(this.field !== undefined && { field: this.field }),
      ...(this.retryable && { retryable: true }),
    };
  }
}

/** A problem found while parsing input that was collected rather than thrown. */
export interface InputIssue {
  file: string;
  line: number;
  field?: string;
  reason: string;
}

export function formatIssue(i: InputIssue): string {
  return `${i.file}:${i.line}: ${i.field ? `${i.field}: ` : ''}${i.reason}`;
}

/** Turns zod issues into one readable line: `field.path: reason; other: reason`. */
export function describeZodIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
