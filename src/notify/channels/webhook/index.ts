import { defineNotificationChannel } from '../../channel.js';
import { checkWebhookUrl, post } from '../../http.js';
import { safeOrigin } from '../../secrets.js';
import { WebhookConfig } from './config.js';
import { signBody } from './sign.js';

export { WebhookConfig };

export default defineNotificationChannel({
  id: 'webhook',
  description: 'Generic webhook (n8n, Shuffle, a SOAR): the case.notification JSON document v1, optionally signed with HMAC-SHA256, with custom headers.',
  remote: true,
  configSchema: WebhookConfig,
  create(config, ctx) {
    const secret = ctx.secrets.get({ env: config.urlEnv, ref: config.urlRef }, 'the webhook URL');
    if ('missing' in secret) return { disabled: secret.missing };
    const url = secret.value;
    const bad = checkWebhookUrl(url, 'the webhook URL', config.allowHttp);
    if (bad) return { disabled: bad };
    let signingKey: string | undefined;
    if (config.secretEnv !== undefined || config.secretRef !== undefined) {
      const key = ctx.secrets.get({ env: config.secretEnv, ref: config.secretRef }, 'the webhook signing key');
      // A configured signature that cannot be made must stop the channel: sending unsigned would
      // teach the receiver to accept unsigned requests.
      if ('missing' in key) return { disabled: key.missing };
      signingKey = key.value;
    }
    const extra: Record<string, string> = { ...config.headers };
    for (const [h, env] of Object.entries(config.headersEnv)) {
      const v = ctx.secrets.get({ env }, `header ${h}`);
      if ('missing' in v) return { disabled: v.missing };
      extra[h] = v.value;
    }
    for (const [h, ref] of Object.entries(config.headersRef)) {
      const v = ctx.secrets.get({ ref }, `header ${h}`);
      if ('missing' in v) return { disabled: v.missing };
      extra[h] = v.value;
    }
    for (const [h, v] of Object.entries(extra)) if (/[\r\n\u0000]/.test(v)) return { disabled: `header ${h} must be one line` };
    return {
      async send(n) {
        const body = JSON.stringify(n.data);
        const type = typeof n.data.type === 'string' ? n.data.type : 'case.notification';
        const headers: Record<string, string> = {
          ...extra,
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Vigil',
          'x-vigil-event': type,
          'x-vigil-id': n.id,
        };
        if (signingKey !== undefined) headers['x-vigil-signature'] = signBody(signingKey, body, Math.floor(ctx.clock.now().getTime() / 1000));
        const res = await post({ channel: 'webhook', url, body, headers, timeoutMs: config.timeout, fetch: ctx.fetch, clock: ctx.clock });
        return { location: `${safeOrigin(url)} (HTTP ${res.status})` };
      },
    };
  },
});
