import { pino } from 'pino';

export type Logger = pino.Logger;

/** Paths pino blanks out wherever they appear in a log object. */
export const REDACT_PATHS = [
  'apiKey', '*.apiKey', '*.*.apiKey', 'key', '*.key', '*.*.key', 'token', '*.token', '*.*.token',
  'password', '*.password', '*.*.password', 'secret', '*.secret', '*.*.secret',
  'headers.authorization', 'headers["x-apikey"]', 'url', '*.webhookUrl', '*.*.webhookUrl',
];

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    { level: opts.level ?? process.env.VIGIL_LOG_LEVEL ?? 'info', redact: { paths: REDACT_PATHS, censor: '***' } },
    // Logs go to stderr so stdout stays clean for tables and --json.
    (opts.destination ?? process.stderr) as pino.DestinationStream,
  );
}

/** A logger that drops everything, for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' });
