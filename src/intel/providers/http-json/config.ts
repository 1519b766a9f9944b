import { z } from 'zod';
import { OBSERVABLE_TYPES, Verdict } from '../../../core/types.js';
import { remoteOptions } from '../../remote/config.js';
import { JSON_PATH_RE } from './path.js';

const JsonPath = z.string().regex(JSON_PATH_RE, 'not a JSON path: use dotted keys with [n] or [*] (`data.verdict`, `results[0].score`, `$.tags[*]`)');

/**
 * Config of the `http-json` provider (`intel.providers.http-json` in vigil.yaml): any internal
 * service that answers JSON over HTTP, described in YAML instead of TypeScript.
 */
export const HttpJsonConfig = z.strictObject({
  /**
   * The lookup URL; `{value}` is replaced by the observable (URL-encoded) and `{type}` by its type
   * (after `typeNames`). Without it the provider is off.
   */
  url: z
    .string()
    .refine((s) => /^https?:\/\/[^/\s]+/i.test(s), 'must be an http:// or https:// URL')
    .refine((s) => s.includes('{value}'), 'must contain {value}, where the observable goes')
    .optional(),
  /** How the service is named in evidence lines. */
  name: z.string().min(1).max(60).default('http-json'),
  /** Observable types sent to the service. */
  types: z.array(z.enum(OBSERVABLE_TYPES)).min(1).default(['ipv4', 'ipv6', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256']),
  /** What `{type}` becomes per type (`{ ipv4: ip, sha256: hash }`); the type id otherwise. */
  typeNames: z.partialRecord(z.enum(OBSERVABLE_TYPES), z.string().min(1).max(40)).default({}),
  /** A secret (token, key), kept out of the cache key; or set VIGIL_HTTP_JSON_KEY. */
  apiKey: z.string().min(1).optional(),
  /** The header the key is sent in. */
  apiKeyHeader: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a header name').default('Authorization'),
  /** Put before the key in its header (`Bearer `, `Token `, or empty). */
  apiKeyPrefix: z.string().max(20).default('Bearer '),
  /** Other headers sent with every lookup (not secrets: they are part of the cache key). */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a header name'), z.string().max(1000)).default({}),
  /** Statuses that mean "not known to the service" (an answer, verdict unknown), not a failure. */
  notFound: z.array(z.number().int().min(400).max(499)).default([404]),
  verdict: z
    .strictObject({
      /** Where the verdict is in the answer. */
      path: JsonPath.optional(),
      /** The service's words → Vigil's verdicts (`{ bad: malicious, clean: safe }`); the five verdict names map to themselves. */
      map: z.record(z.string(), Verdict).default({}),
    })
    .prefault({}),
  score: z
    .strictObject({
      /** Where a 0–100 score is in the answer; without it the verdict gives the score (malicious 75, suspicious 40, else 0). */
      path: JsonPath.optional(),
      /** Multiplies the service's number (`100` for a 0–1 score). */
      scale: z.number().positive().default(1),
    })
    .prefault({}),
  /** Paths whose values become evidence lines (strings and numbers; `[*]` gives one line per item). */
  evidence: z.array(JsonPath).max(20).default([]),
  /** Paths whose values become tags. */
  tags: z.array(JsonPath).max(10).default([]),
  /** Where a last-seen date is, if the service gives one. */
  lastSeen: JsonPath.optional(),
  // An internal service: set `quota` to what it can take.
  ...remoteOptions({ quota: [{ limit: 10, per: '1s' }], positiveTtl: '1h', negativeTtl: '1h', concurrency: 4, timeout: '10s' }),
});
export type HttpJsonConfig = z.infer<typeof HttpJsonConfig>;
