import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../core/clock.js';
import type { NotificationChannelInstance } from '../../channel.js';
import { DeliveryError } from '../../errors.js';
import type { CaseNotificationV1 } from '../../payload.js';
import { Secrets } from '../../secrets.js';
import { failure, sampleNotification, startReceiver, type Answer, type Receiver } from '../../testing.js';
import webhook, { WebhookConfig } from './index.js';
import { signBody, verifySignature } from './sign.js';

const NOW = '2025-03-14T10:00:00.000Z';
const NOW_S = Date.parse(NOW) / 1000;

let rx: Receiver | undefined;
afterEach(async () => {
  await rx?.close();
  rx = undefined;
});

function channel(env: Record<string, string>, config: Record<string, unknown> = {}): NotificationChannelInstance {
  const made = webhook.create(WebhookConfig.parse({ urlEnv: 'VIGIL_TEST_HOOK', ...config }), { outDir: '/x', clock: fixedClock(NOW), fetch, secrets: Secrets.load({ env }) });
  if ('disabled' in made) throw new Error(made.disabled);
  return made;
}

/** A receiver like an n8n webhook node that checks the signature the way docs/notifications.md says. */
async function n8n(secret: string | undefined, override?: (n: number) => Answer | undefined): Promise<Receiver> {
  return startReceiver((req, n) => {
    const o = override?.(n);
    if (o) return o;
    if (secret !== undefined && !verifySignature(secret, req.body, String(req.headers['x-vigil-signature'] ?? ''), NOW_S)) return { status: 401, body: 'bad signature' };
    const doc = JSON.parse(req.body) as { version?: unknown; type?: unknown };
    return doc.version === 1 && doc.type === 'case.notification' ? { status: 200, body: '{"message":"Workflow was started"}' } : { status: 422, body: 'unexpected document' };
  });
}

describe('webhook channel', () => {
  it('POSTs the case.notification v1 document with a verifiable HMAC signature and the custom headers', async () => {
    rx = await n8n('s3cr3t-signing-key');
    const real = channel(
      { VIGIL_TEST_HOOK: `${rx.url}/webhook/8f3c-secret-path`, VIGIL_HOOK_SECRET: 's3cr3t-signing-key', VIGIL_HOOK_AUTH: 'Bearer tok-123' },
      { secretEnv: 'VIGIL_HOOK_SECRET', headers: { 'X-Team': 'soc' }, headersEnv: { Authorization: 'VIGIL_HOOK_AUTH' } },
    );
    const n = sampleNotification(undefined, { caseUrl: 'https://vigil.example.org/cases/{number}' });
    const where = await real.send(n);
    expect(where.location).toBe(`${rx.url} (HTTP 200)`);
    const req = rx.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/webhook/8f3c-secret-path');
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req.headers['x-vigil-event']).toBe('case.notification');
    expect(req.headers['x-vigil-id']).toBe(n.id);
    expect(req.headers['x-team']).toBe('soc');
    expect(req.headers.authorization).toBe('Bearer tok-123');
    expect(req.headers['x-vigil-signature']).toBe(signBody('s3cr3t-signing-key', req.body, NOW_S));
    expect(req.headers['x-vigil-signature']).toMatch(/^t=1741946400,v1=[0-9a-f]{64}$/);
    const doc = JSON.parse(req.body) as CaseNotificationV1;
    expect(doc).toMatchObject({
      version: 1,
      type: 'case.notification',
      id: n.id,
      event: 'opened',
      route: 'default',
      case: { number: 3, severity: 'HIGH', score: 80, status: 'New', alertCount: 3, hosts: ['web-01'], sources: ['wazuh'], url: 'https://vigil.example.org/cases/3' },
      report: { html: 'reports/case-0003.html', url: 'https://vigil.example.org/cases/3' },
      subject: '[HIGH] Case #3: SSH brute force from 185.220.101.4 on web-01',
    });
    expect(doc.observables[0]).toEqual({ type: 'ipv4', value: '185.220.101.4', verdict: 'malicious', score: 90, scope: 'public', role: 'src' });
    expect(doc.actions.map((a) => `${a.action}:${a.status}`)).toEqual(['block-ip:simulated', 'isolate-host:refused']);
    expect(doc.mitre).toEqual([{ id: 'T1110', tactic: 'Credential Access', technique: 'Brute Force' }]);
    expect(Object.keys(doc).sort()).toEqual(['actions', 'case', 'createdAt', 'event', 'id', 'mitre', 'observableCount', 'observables', 'reasons', 'report', 'route', 'subject', 'text', 'type', 'version']);
  });

  it('a receiver rejects a tampered body, a wrong key and an old timestamp', () => {
    const body = '{"version":1}';
    const sig = signBody('k', body, NOW_S);
    expect(verifySignature('k', body, sig, NOW_S)).toBe(true);
    expect(verifySignature('k', `${body} `, sig, NOW_S)).toBe(false);
    expect(verifySignature('other', body, sig, NOW_S)).toBe(false);
    expect(verifySignature('k', body, sig, NOW_S + 301)).toBe(false);
    expect(verifySignature('k', body, 'garbage', NOW_S)).toBe(false);
  });

  it('without a signing key sends no signature header', async () => {
    rx = await n8n(undefined);
    await channel({ VIGIL_TEST_HOOK: rx.url }).send(sampleNotification());
    expect(rx.requests[0]!.headers['x-vigil-signature']).toBeUndefined();
  });

  it('a configured signing key that is missing disables the channel instead of sending unsigned', () => {
    const made = webhook.create(WebhookConfig.parse({ urlEnv: 'H', secretEnv: 'VIGIL_MISSING_KEY' }), { outDir: '/x', clock: fixedClock(NOW), fetch, secrets: Secrets.load({ env: { H: 'https://n8n.example.org/webhook/x' } }) });
    expect(made).toEqual({ disabled: 'the webhook signing key: environment variable VIGIL_MISSING_KEY is not set' });
  });

  it('refuses headers Vigil sets itself, multi-line header values and inline secrets', () => {
    expect(WebhookConfig.safeParse({ urlEnv: 'H', headers: { 'X-Vigil-Signature': 'forged' } }).success).toBe(false);
    expect(WebhookConfig.safeParse({ urlEnv: 'H', headers: { 'Content-Type': 'text/plain' } }).success).toBe(false);
    expect(WebhookConfig.safeParse({ urlEnv: 'H', headers: { 'X-A': 'a\r\nX-B: b' } }).success).toBe(false);
    expect(WebhookConfig.safeParse({ urlEnv: 'H', secret: 'abc' }).error!.issues[0]!.message).toMatch(/secretEnv.*secretRef/);
  });

  it('503 with Retry-After and timeouts are retryable, 410 is final, redirects are not followed', async () => {
    rx = await n8n(undefined, (n): Answer | undefined =>
      n === 1 ? { status: 503, body: 'maintenance', headers: { 'retry-after': 'Fri, 14 Mar 2025 10:02:00 GMT' } } : n === 2 ? { status: 410, body: 'gone' } : n === 3 ? { status: 302, headers: { location: 'http://elsewhere.example/' } } : undefined,
    );
    const ch = channel({ VIGIL_TEST_HOOK: `${rx.url}/webhook/secret-path-123` });
    const n = sampleNotification();
    const e1 = await failure(ch.send(n));
    expect(e1).toMatchObject({ retryable: true, status: 503, retryAfterMs: 120_000 });
    const e2 = await failure(ch.send(n));
    expect(e2).toMatchObject({ retryable: false, status: 410 });
    const e3 = await failure(ch.send(n));
    expect(e3.retryable).toBe(false);
    expect(e3.message).toContain('redirects are not followed');
    expect(rx.requests).toHaveLength(3);
    for (const e of [e1, e2, e3]) expect(e.message).not.toContain('secret-path');
  });

  it('a receiver that does not answer in time is a retryable failure', async () => {
    rx = await startReceiver(() => new Promise<Answer>((r) => setTimeout(() => r({ status: 200 }), 2_000)));
    const e = await failure(channel({ VIGIL_TEST_HOOK: rx.url }, { timeout: '200ms' })
      .send(sampleNotification()));
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e.retryable).toBe(true);
    expect(e.message).toBe(`webhook: cannot reach ${rx.url}: no answer within 200 ms`);
  });

  it('a refused connection is retryable', async () => {
    const gone = await startReceiver(() => ({ status: 200 }));
    await gone.close();
    const e = await failure(channel({ VIGIL_TEST_HOOK: `${gone.url}/hook` })
      .send(sampleNotification()));
    expect(e.retryable).toBe(true);
    expect(e.message).toBe(`webhook: cannot reach ${gone.url}: ECONNREFUSED`);
  });
});
