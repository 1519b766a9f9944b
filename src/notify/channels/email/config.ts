import { z } from 'zod';
import { EnvName, inlineSecretForbidden, SecretRef } from '../../secrets.js';
import { Timeout } from '../common.js';

// One address, `a@b.example` or `SOC <a@b.example>`: no line breaks, so no header can be smuggled in.
const Address = z
  .string()
  .max(320)
  .regex(/^[^\r\n\u0000]+$/, 'must be one line')
  .regex(/^(?:[^<>@]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/, 'must be an address such as soc@example.org or "SOC <soc@example.org>"');

export const EmailConfig = z
  .strictObject({
    /** SMTP server host. */
    host: z.string().min(1).max(255),
    /** 587 (submission with STARTTLS) by default; 465 for TLS from the start; 25 for a local relay. */
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the first byte (port 465). Defaults to true on port 465, false elsewhere. */
    secure: z.boolean().optional(),
    /**
     * Upgrading a plain connection with STARTTLS: `required` fails rather than send in clear text,
     * `opportunistic` upgrades when the server offers it, `never` stays plain (a relay on localhost).
     */
    starttls: z.enum(['required', 'opportunistic', 'never']).default('required'),
    /** Login name, when the server needs authentication. */
    user: z.string().min(1).max(320).optional(),
    /** Environment variable holding the login name (when it is itself a secret). */
    userEnv: EnvName.optional(),
    /** Environment variable holding the password. */
    passwordEnv: EnvName.optional(),
    /** Key in `notify.secretsFile` holding the password. */
    passwordRef: SecretRef.optional(),
    password: inlineSecretForbidden('password'),
    /** Sender address. */
    from: Address,
    /** Recipients. */
    to: z.array(Address).min(1).max(100),
    cc: z.array(Address).max(100).default([]),
    bcc: z.array(Address).max(100).default([]),
    /** Attach the incident report(s) the route's template names. */
    attachReport: z.boolean().default(true),
    tls: z
      .strictObject({
        /** Check the server's certificate (turn off only for a test server with a self-signed certificate). */
        rejectUnauthorized: z.boolean().default(true),
        /** Name to check the certificate against, when it differs from `host`. */
        servername: z.string().optional(),
        /** PEM file with the CA that signed the server's certificate. */
        caFile: z.string().optional(),
      })
      .prefault({}),
    /** Limit for connecting, the greeting and each command. */
    timeout: Timeout.default(15_000),
  })
  .refine((c) => !((c.user !== undefined || c.userEnv !== undefined) && c.passwordEnv === undefined && c.passwordRef === undefined), {
    message: 'a login needs a password: set passwordEnv (an environment variable) or passwordRef (a key in notify.secretsFile)',
    path: ['passwordEnv'],
  });
export type EmailConfig = z.infer<typeof EmailConfig>;
