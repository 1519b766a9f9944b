import { defineNotificationChannel } from '../../channel.js';
import { checkWebhookUrl, post } from '../../http.js';
import { safeOrigin } from '../../secrets.js';
import { SlackConfig } from './config.js';
import { slackMessage } from './map.js';

export { SlackConfig };

export default defineNotificationChannel({
  id: 'slack',
  description: 'Slack incoming webhook: a Block Kit message with the severity colour, key fields, observables with verdicts and a link to the case.',
  remote: true,
  configSchema: SlackConfig,
  create(config, ctx) {
    const secret = ctx.secrets.get({ env: config.urlEnv, ref: config.urlRef }, 'the Slack webhook URL');
    if ('missing' in secret) return { disabled: secret.missing };
    const url = secret.value;
    const bad = checkWebhookUrl(url, 'the Slack webhook URL');
    if (bad) return { disabled: bad };
    const opts = { maxObservables: config.maxObservables, defang: config.defang, username: config.username, iconEmoji: config.iconEmoji, mentionOnCritical: config.mentionOnCritical };
    return {
      async send(n) {
        const body = JSON.stringify(slackMessage(n, opts));
        await post({ channel: 'slack', url, body, headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Vigil' }, timeoutMs: config.timeout, fetch: ctx.fetch, clock: ctx.clock });
        // Incoming webhooks answer a bare "ok" and no message id: where it went is the workspace's webhook host.
        return { location: safeOrigin(url) };
      },
    };
  },
});
