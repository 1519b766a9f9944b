import { defineNotificationChannel } from '../../channel.js';
import { checkWebhookUrl, post } from '../../http.js';
import { safeOrigin } from '../../secrets.js';
import { DiscordConfig } from './config.js';
import { discordMessage } from './map.js';

export { DiscordConfig };

// A 429 from Discord carries the wait in its JSON body as well (`retry_after`, seconds, fractional).
function retryAfterFromBody(body: string): number | undefined {
  try {
    const v = (JSON.parse(body) as { retry_after?: unknown }).retry_after;
    return typeof v === 'number' && v >= 0 ? Math.min(Math.ceil(v * 1000), 86_400_000) : undefined;
  } catch {
    return undefined;
  }
}

export default defineNotificationChannel({
  id: 'discord',
  description: 'Discord webhook: an embed with the severity colour, fields for the key facts and observables, and a footer; nothing in it can ping unless configured.',
  remote: true,
  configSchema: DiscordConfig,
  create(config, ctx) {
    const secret = ctx.secrets.get({ env: config.urlEnv, ref: config.urlRef }, 'the Discord webhook URL');
    if ('missing' in secret) return { disabled: secret.missing };
    const bad = checkWebhookUrl(secret.value, 'the Discord webhook URL');
    if (bad) return { disabled: bad };
    // wait=true makes Discord answer with the created message, which proves delivery and gives its id.
    const target = new URL(secret.value);
    target.searchParams.set('wait', 'true');
    const url = target.toString();
    const opts = { maxObservables: config.maxObservables, defang: config.defang, username: config.username, avatarUrl: config.avatarUrl, mentionOnCritical: config.mentionOnCritical };
    return {
      async send(n) {
        const res = await post({
          channel: 'discord',
          url,
          body: JSON.stringify(discordMessage(n, opts)),
          headers: { 'content-type': 'application/json', 'user-agent': 'Vigil' },
          timeoutMs: config.timeout,
          fetch: ctx.fetch,
          clock: ctx.clock,
          retryAfterFromBody,
        });
        try {
          const m = JSON.parse(res.body) as { id?: unknown; channel_id?: unknown };
          if (typeof m.id === 'string' && /^\d+$/.test(m.id)) return { location: `discord:${typeof m.channel_id === 'string' ? `${m.channel_id}/` : ''}${m.id}` };
        } catch {
          /* 204 or a non-JSON answer: delivered all the same */
        }
        return { location: safeOrigin(url) };
      },
    };
  },
});
