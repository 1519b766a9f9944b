import { z } from 'zod';
import { Duration } from '../../core/clock.js';

/** `thehive.connector`: pushes Vigil's alerts and cases to a real TheHive 5. Off unless enabled. */
export const TheHiveConnectorConfig = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** TheHive's base URL, e.g. `https://thehive.example:9000` (the connector adds `/api/v1/…`). */
    url: z.string().url().optional(),
    /** The API key (prefer `apiKeyEnv`, so the key stays out of the file). */
    apiKey: z.string().min(1).optional(),
    /** Environment variable holding the API key. */
    apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
    /** Sent as `X-Organisation`. */
    organisation: z.string().min(1).optional(),
    /** Which of Vigil's organisations are pushed. */
    orgs: z.array(z.string().min(1)).default(['default']),
    /** Push cases (created remotely, with their alerts merged into them), or alerts only. */
    cases: z.boolean().default(true),
    /** Alert `type` and `source` prefix used on the remote side. */
    alertType: z.string().min(1).max(64).default('vigil'),
    /** Most items pushed per drain (the rest wait for the next one). */
    batchSize: z.number().int().min(1).max(1000).default(100),
    /** Per-request timeout. */
    timeout: Duration.default(10_000),
    /** First retry delay; doubled after each failure up to `maxBackoff`. */
    backoff: Duration.default(5_000),
    maxBackoff: Duration.default(900_000),
    /** After this many failed attempts in a row an item is marked failed (retried when it changes again). */
    maxAttempts: z.number().int().min(1).max(100).default(10),
  })
  .superRefine((c, ctx) => {
    if (!c.enabled) return;
    if (!c.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'required when the connector is enabled' });
    if (!c.apiKey && !c.apiKeyEnv) ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'set apiKey or apiKeyEnv when the connector is enabled' });
  });
export type TheHiveConnectorConfig = z.infer<typeof TheHiveConnectorConfig>;
