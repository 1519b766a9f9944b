import { pino } from 'pino';

export type Logger = pino.Logger;

/** Paths pino blanks out wherever they appear in a log object. */
export const REDACT_PATHS = [
  'apiKey', '*.apiKey', '*.*.apiKey', 'key', '*.key', '*.*.key', 'token', '*.token', '*.*.token',
  'password', '*.password', '*.*.password', 'secret', '*.secret', '*.*.secret',
  'headers.authorization', 'headers["x-apikey"]', 'url', '*.webhookUrl', '*.*.webhookUrl',
];

/** Fields of an error (and its causes) that say what failed without carrying the data it failed on. */
const ERROR_FIELDS = ['code', 'errno', 'syscall', 'address', 'port', 'severity', 'routine', 'table', 'column', 'constraint', 'file', 'line', 'field', 'retryable'];
const MAX_QUERY = 300;

/** drizzle's "Failed query: <sql>\nparams: <values>": the values are alert text and keys, never logged. */
function withoutParams(text: string): string {
  const at = text.indexOf('\nparams:');
  const cut = at < 0 ? text : `${text.slice(0, at)}\nparams: (not logged)`;
  // A multi-row insert's SQL alone can be megabytes: its start says which statement it was.
  return cut.startsWith('Failed query: ') && cut.length > MAX_QUERY + 40 ? `${cut.slice(0, MAX_QUERY)}… (${cut.length} characters)` : cut;
}

/**
 * The `err` serializer of every Vigil log: type, message, stack, the diagnostic fields and the
 * cause chain of an error, but never a query's parameters (alert text, keys) or megabytes of SQL.
 */
export function serializeError(e: unknown, depth = 0): unknown {
  if (!(e instanceof Error)) return e;
  const message = withoutParams(e.message);
  const stack = e.stack ?? '';
  const frames = stack.indexOf('\n    at ');
  const out: Record<string, unknown> = { type: e.name, message, stack: frames < 0 ? `${e.name}: ${message}` : `${e.name}: ${message}${stack.slice(frames)}` };
  for (const k of ERROR_FIELDS) {
    const v = (e as unknown as Record<string, unknown>)[k];
    if (v !== undefined && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) out[k] = v;
  }
  if (e.cause !== undefined && depth < 4) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    { level: opts.level ?? process.env.VIGIL_LOG_LEVEL ?? 'info', redact: { paths: REDACT_PATHS, censor: '***' }, serializers: { err: serializeError } },
    // Logs go to stderr so stdout stays clean for tables and --json.
    (opts.destination ?? process.stderr) as pino.DestinationStream,
  );
}

/** A logger that drops everything, for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' });
