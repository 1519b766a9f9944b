import { z } from 'zod';
import { EnvName, inlineSecretForbidden, SecretRef } from '../../secrets.js';
import { Timeout, urlSecretRequired } from '../common.js';

export const DiscordConfig = z
  .strictObject({
    /** Environment variable holding the webhook URL (`https://discord.com/api/webhooks/<id>/<token>`). */
    urlEnv: EnvName.optional(),
    /** Key in `notify.secretsFile` holding the URL. */
    urlRef: SecretRef.optional(),
    url: inlineSecretForbidden('url'),
    /** Overrides the webhook's display name. */
    username: z.string().min(1).max(80).optional(),
    /** Overrides the webhook's avatar (an https URL). */
    avatarUrl: z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional(),
    /** Pinged on CRITICAL cases: a role `<@&123…>`, a user `<@123…>`, `@here` or `@everyone`. Nothing else in a message can ping. */
    mentionOnCritical: z.string().regex(/^(<@&?\d{5,25}>|@here|@everyone)$/, 'must be <@&ROLE_ID>, <@USER_ID>, @here or @everyone').optional(),
    /** How many observables the message lists (the riskiest first). */
    maxObservables: z.number().int().min(1).max(25).default(8),
    /** Show URLs, domains and emails defanged (`hxxp://evil[.]example`) so they are not links. */
    defang: z.boolean().default(true),
    /** How long to wait for Discord's answer. */
    timeout: Timeout.default(10_000),
  })
  .refine(...urlSecretRequired('webhook URL'));
export type DiscordConfig = z.infer<typeof DiscordConfig>;
