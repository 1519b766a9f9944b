/** Stable error codes: scripts and API clients match on these, so never rename one. */
export type VigilErrorCode =
  | 'VIGIL_CONFIG_INVALID'
  | 'VIGIL_CONFIG_NOT_FOUND'
  | 'VIGIL_INPUT_PARSE'
  | 'VIGIL_INPUT_INVALID'
  | 'VIGIL_INPUT_TOO_LARGE'
  | 'VIGIL_INPUT_NOT_FOUND'
  | 'VIGIL_FEED_PARSE'
  | 'VIGIL_FEED_UNKNOWN_FORMAT'
  /** A feed failed its sanity limits as a whole (its size jumped); the last good copy is kept. */
  | 'VIGIL_FEED_REFUSED'
  | 'VIGIL_STORE_LOCKED'
  | 'VIGIL_STORE_FAILED'
  /** A restore found rows in the store it was to fill (vigil backup restore --force replaces them). */
  | 'VIGIL_STORE_NOT_EMPTY'
  | 'VIGIL_PLAYBOOK_INVALID'
  | 'VIGIL_ACTION_FAILED'
  | 'VIGIL_NOTIFY_FAILED'
  | 'VIGIL_INTEL_FAILED'
  | 'VIGIL_INTEL_RATE_LIMITED'
  | 'VIGIL_PLUGIN_UNKNOWN'
  /** Scale-out: the ingest stream is over its size limit (back-pressure, answered 503). */
  | 'VIGIL_BUS_FULL'
  /** Scale-out: NATS JetStream refused or could not take a request. */
  | 'VIGIL_BUS_FAILED'
  | 'VIGIL_INTERNAL';

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
