import { z } from 'zod';
import { EnvName, inlineSecretForbidden, SecretRef } from '../../secrets.js';
import { HeaderName, HeaderValue, Timeout, urlSecretRequired } from '../common.js';

// Headers Vigil sets itself: a custom header may not replace them (a wrong Content-Length or a
// forged signature would only confuse the receiver).
const RESERVED = /^(content-type|content-length|host|connection|transfer-encoding|user-agent|x-vigil-.*)$/i;
const CustomHeader = HeaderName.refine((h) => !RESERVED.test(h), { message: 'is set by Vigil and cannot be overridden' });

export const WebhookConfig = z
  .strictObject({
    /** Environment variable holding the URL to POST to (an n8n or Shuffle webhook, a SOAR endpoint). */
    urlEnv: EnvName.optional(),
    /** Key in `notify.secretsFile` holding the URL. */
    urlRef: SecretRef.optional(),
    url: inlineSecretForbidden('url'),
    /** Environment variable holding the HMAC-SHA256 signing key; when set, every request carries `X-Vigil-Signature`. */
    secretEnv: EnvName.optional(),
    /** Key in `notify.secretsFile` holding the signing key. */
    secretRef: SecretRef.optional(),
    secret: inlineSecretForbidden('secret'),
    /** Extra headers with fixed, non-secret values. */
    headers: z.record(CustomHeader, HeaderValue).default({}),
    /** Extra headers whose values come from environment variables (`Authorization: VIGIL_N8N_AUTH`). */
    headersEnv: z.record(CustomHeader, EnvName).default({}),
    /** Extra headers whose values come from the secrets file. */
    headersRef: z.record(CustomHeader, SecretRef).default({}),
    /** Allow plain http to hosts other than loopback (a relay on a trusted network). */
    allowHttp: z.boolean().default(false),
    /** How long to wait for the receiver's answer. */
    timeout: Timeout.default(10_000),
  })
  .refine(...urlSecretRequired('URL'));
export type WebhookConfig = z.infer<typeof WebhookConfig>;
