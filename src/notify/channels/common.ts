import { z } from 'zod';
import { Duration } from '../../core/clock.js';

/** `10s`, `2m` or milliseconds, bounded: a channel that may wait longer than this blocks the pipeline. */
export const Timeout = Duration
  .pipe(z.number().int().min(100, 'at least 100 ms').max(120_000, 'at most 2 minutes'));

/** An HTTP header name (RFC 9110 token) and a value that cannot smuggle a second header. */
export const HeaderName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/, 'is not a valid header name');
export const HeaderValue = z.string().max(8192).regex(/^[^\r\n\u0000]*$/, 'must be one line');

/** The check every URL-bearing channel makes: its URL comes from an environment variable or the secrets file. */
export function urlSecretRequired(what: string): [(c: { urlEnv?: string | undefined; urlRef?: string | undefined }) => boolean, { message: string; path: string[] }] {
  return [
    (c) => c.urlEnv !== undefined || c.urlRef !== undefined,
    { message: `set urlEnv (an environment variable holding the ${what}) or urlRef (a key in notify.secretsFile)`, path: ['urlEnv'] },
  ];
}
