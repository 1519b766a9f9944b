import { z } from 'zod';
import { EnvName, inlineSecretForbidden, SecretRef } from '../../secrets.js';
import { Timeout, urlSecretRequired } from '../common.js';

export const SlackConfig = z
  .strictObject({
    /** Environment variable holding the incoming-webhook URL (`https://hooks.slack.com/services/…`). */
    urlEnv: EnvName.optional(),
    /** Key in `notify.secretsFile` holding the URL. */
    urlRef: SecretRef.optional(),
    url: inlineSecretForbidden('url'),
    /** Display name, for webhooks that allow overriding it. */
    username: z.string().min(1).max(80).optional(),
    /** `:shield:`, for webhooks that allow overriding the icon. */
    iconEmoji: z.string().regex(/^:[a-z0-9_+'-]{1,64}:$/, 'must look like :emoji_name:').optional(),
    /** Put in front of CRITICAL messages so they page: `<!here>`, `<!channel>`, `<!subteam^S0123ABC>`, `<@U0123ABC>`. */
    mentionOnCritical: z.string().regex(/^<[!@][A-Za-z0-9^_-]{1,64}>$/, 'must be a Slack mention such as <!here> or <!subteam^S0123ABC>').optional(),
    /** How many observables the message lists (the riskiest first). */
    maxObservables: z.number().int().min(1).max(25).default(8),
    /** Show URLs, domains and emails defanged (`hxxp://evil[.]example`) so they are not links. */
    defang: z.boolean().default(true),
    /** How long to wait for Slack's answer. */
    timeout: Timeout.default(10_000),
  })
  .refine(...urlSecretRequired('webhook URL'));
export type SlackConfig = z.infer<typeof SlackConfig>;
