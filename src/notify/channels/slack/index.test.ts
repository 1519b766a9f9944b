import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../core/clock.js';
import { hostileCaseReport, sshBruteForceCaseReport } from '../../../reports/fixtures.js';
import type { NotificationChannelInstance, OutgoingNotification } from '../../channel.js';
import { renderDigest } from '../../digest.js';
import { DeliveryError } from '../../errors.js';
import type { CaseNotificationV1 } from '../../payload.js';
import { Secrets } from '../../secrets.js';
import { failure, hugeCaseReport, sampleNotification, startReceiver, type Answer, type Receiver } from '../../testing.js';
import slack, { SlackConfig } from './index.js';
import { SLACK_LIMITS, type SlackBlock, type SlackMessage } from './map.js';

/** What Slack's incoming webhooks accept: the documented Block Kit shape and limits. Returns the problems. */
function slackProblems(m: SlackMessage): string[] {
  const p: string[] = [];
  if (typeof m.text !== 'string' || !m.text) p.push('text missing');
  if (m.text.length > 40_000) p.push('text too long');
  for (const a of m.attachments) {
    if (!/^#[0-9a-f]{6}$/i.test(a.color)) p.push(`bad colour ${a.color}`);
    if (a.blocks.length > SLACK_LIMITS.blocks) p.push(`${a.blocks.length} blocks`);
    for (const b of a.blocks as SlackBlock[]) {
      if (b.type === 'header' && (b.text.type !== 'plain_text' || b.text.text.length > 150 || !b.text.text)) p.push('bad header');
      if (b.type === 'section') {
        if (!b.text && !b.fields) p.push('empty section');
        if (b.text && (b.text.text.length > 3000 || !b.text.text)) p.push(`section text ${b.text.text.length}`);
        if (b.fields && (b.fields.length > 10 || b.fields.some((f) => f.text.length > 2000 || !f.text))) p.push('bad fields');
      }
      if (b.type === 'context' && (b.elements.length > 10 || b.elements.some((e) => e.text.length > 3000))) p.push('bad context');
      if (b.type === 'actions') for (const e of b.elements) if (e.text.text.length > 75 || e.url.length > 3000 || !/^https?:\/\//.test(e.url)) p.push('bad button');
    }
  }
  return p;
}

let rx: Receiver | undefined;
afterEach(async () => {
  await rx?.close();
  rx = undefined;
});

/** A receiver that behaves like hooks.slack.com: 200 "ok" for a valid message, 400 invalid_blocks otherwise. */
async function slackReceiver(override?: (n: number) => Answer | undefined): Promise<Receiver> {
  return startReceiver((req, n) => {
    const o = override?.(n);
    if (o) return o;
    if (req.method !== 'POST' || !String(req.headers['content-type']).startsWith('application/json')) return { status: 400, body: 'invalid_payload' };
    let m: SlackMessage;
    try {
      m = JSON.parse(req.body) as SlackMessage;
    } catch {
      return { status: 400, body: 'invalid_payload' };
    }
    return slackProblems(m).length ? { status: 400, body: 'invalid_blocks' } : { status: 200, body: 'ok' };
  });
}

function channel(url: string | undefined, config: Record<string, unknown> = {}): NotificationChannelInstance {
  const env = url ? { VIGIL_TEST_SLACK: url } : {};
  const made = slack.create(SlackConfig.parse({ urlEnv: 'VIGIL_TEST_SLACK', ...config }), { outDir: '/nonexistent', clock: fixedClock('2025-03-14T10:00:00Z'), fetch, secrets: Secrets.load({ env }) });
  if ('disabled' in made) throw new Error(made.disabled);
  return made;
}

function sent(r: Receiver, i = 0): SlackMessage {
  return JSON.parse(r.requests[i]!.body) as SlackMessage;
}

function allText(m: SlackMessage): string {
  return JSON.stringify(m);
}

describe('slack channel', () => {
  it('posts a Block Kit message Slack accepts: colour, title, key fields, observables with verdicts, link to the case', async () => {
    rx = await slackReceiver();
    const n = sampleNotification(sshBruteForceCaseReport(), { caseUrl: 'https://vigil.example.org/cases/{number}' });
    const where = await channel(`${rx.url}/services/T000/B000/XXXXSECRETXXXX`).send(n);
    expect(where.location).toBe(rx.url);
    const m = sent(rx);
    expect(slackProblems(m)).toEqual([]);
    expect(m.text).toBe('[HIGH] Case #3: SSH brute force from 185.220.101.4 on web-01');
    expect(m.attachments[0]!.color).toBe('#c2410c');
    const blocks = m.attachments[0]!.blocks;
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: m.text, emoji: false } });
    const fields = (blocks[1] as { fields: Array<{ text: string }> }).fields.map((f) => f.text);
    expect(fields[0]).toContain('HIGH (score 80)');
    expect(fields[1]).toContain('<https://vigil.example.org/cases/3|#3>');
    expect(fields[2]).toBe('*Hosts*\nweb-01');
    expect(fields[3]).toBe('*Alerts*\n3 from wazuh');
    expect(fields[4]).toBe('*MITRE ATT&amp;CK*\nT1110');
    const text = allText(m);
    expect(text).toContain('ipv4 `185.220.101.4` — *malicious* (90)');
    expect(text).toContain('*SIMULATED* block-ip 185.220.101.4');
    expect(text).toContain('*REFUSED* isolate-host web-01');
    const button = blocks.find((b) => b.type === 'actions') as { elements: Array<{ url: string; text: { text: string } }> };
    expect(button.elements[0]).toMatchObject({ url: 'https://vigil.example.org/cases/3', text: { text: 'Open case #3' } });
  });

  it('without a case URL names the report file instead of a button', async () => {
    rx = await slackReceiver();
    await channel(rx.url).send(sampleNotification());
    const m = sent(rx);
    expect(m.attachments[0]!.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(allText(m)).toContain('reports/case-0003');
  });

  it('escapes hostile alert text: no mention, no link, no formatting break-out; URLs defanged', async () => {
    rx = await slackReceiver();
    const r = hostileCaseReport();
    r.case.title = '<!channel> ping <https://evil.example|click me> & co';
    await channel(rx.url).send(sampleNotification(r));
    const m = sent(rx);
    // The header is plain_text, shown literally by Slack; everything else is mrkdwn and must be escaped.
    expect(m.attachments[0]!.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    const text = allText({ ...m, attachments: [{ ...m.attachments[0]!, blocks: m.attachments[0]!.blocks.slice(1) }] });
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil.example');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toContain('<script>');
    expect(text).toContain('hxxp://evil[.]example/');
    // Slack links any http:// in mrkdwn: URLs in free text (reasons here) are defanged too.
    expect(text).toContain('[f](hxxps://evil.example)');
    expect(text).not.toMatch(/https?:\/\/evil/);
    expect(m).toMatchObject({ unfurl_links: false, unfurl_media: false });
    expect(slackProblems(m)).toEqual([]);
  });

  it('keeps a case far beyond the limits within 50 blocks and 3000 characters per section, pointing at the report', async () => {
    rx = await slackReceiver();
    const n = sampleNotification(hugeCaseReport(), { caseUrl: 'https://vigil.example.org/cases/{number}' });
    await channel(rx.url).send(n);
    const m = sent(rx);
    expect(slackProblems(m)).toEqual([]);
    expect(rx.requests).toHaveLength(1);
    const text = allText(m);
    expect(text).toMatch(/more observables? in the full report: <https:\/\/vigil\.example\.org\/cases\/3\|case #3>/);
    expect(text).toContain('…');
    expect(m.attachments[0]!.color).toBe('#991b1b');
  });

  it('brief template: header, fields, at most 3 observables, no summary', async () => {
    rx = await slackReceiver();
    await channel(rx.url).send(sampleNotification(hugeCaseReport(), { template: 'brief' }));
    const m = sent(rx);
    expect(slackProblems(m)).toEqual([]);
    expect(allText(m)).not.toContain('What happened');
    const obs = m.attachments[0]!.blocks.find((b) => b.type === 'section' && b.text?.text.startsWith('*Observables*')) as { text: { text: string } };
    expect(obs.text.text.split('\n').filter((l) => l.startsWith('•'))).toHaveLength(3);
  });

  it('pages with the configured mention on CRITICAL only', async () => {
    rx = await slackReceiver();
    const ch = channel(rx.url, { mentionOnCritical: '<!here>' });
    const crit = sshBruteForceCaseReport();
    crit.case.severity = 'CRITICAL';
    await ch.send(sampleNotification(crit));
    await ch.send(sampleNotification());
    expect(sent(rx, 0).text.startsWith('<!here> [CRITICAL]')).toBe(true);
    expect(sent(rx, 1).text.startsWith('[HIGH]')).toBe(true);
  });

  it('lays out a digest of 600 cases within the limits', async () => {
    rx = await slackReceiver();
    const items = Array.from({ length: 600 }, (_, i) => {
      const r = sshBruteForceCaseReport();
      r.case.number = i + 1;
      r.case.severity = i % 2 ? 'LOW' : 'MEDIUM';
      r.case.title = `Case ${i} ${'t'.repeat(200)}`;
      return { notification: `ntf_${i}`, data: sampleNotification(r).data as unknown as CaseNotificationV1 };
    });
    const d = renderDigest('ntf_digest', '2025-03-14T10:00:00Z', items);
    const n: OutgoingNotification = { id: 'ntf_digest', caseId: '', caseNumber: 0, severity: d.severity, subject: d.subject, text: d.text, html: d.html, data: d.data as unknown as Record<string, unknown>, attachments: [] };
    await channel(rx.url).send(n);
    const m = sent(rx);
    expect(slackProblems(m)).toEqual([]);
    expect(m.text).toBe('[Vigil] Digest: 600 cases (300 MEDIUM, 300 LOW)');
    expect(allText(m)).toMatch(/more cases in the outbox and reports/);
  });

  it('429 with Retry-After is a retryable failure carrying the wait; 5xx retryable; 4xx final', async () => {
    rx = await slackReceiver((n) => (n === 1 ? { status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } } : n === 2 ? { status: 500, body: 'rollup_error' } : { status: 404, body: 'no_service' }));
    const ch = channel(`${rx.url}/services/T000/B000/XXXXSECRETXXXX`);
    const n = sampleNotification();
    const e1 = await failure(ch.send(n));
    expect(e1).toBeInstanceOf(DeliveryError);
    expect(e1).toMatchObject({ retryable: true, retryAfterMs: 30_000, status: 429 });
    const e2 = await failure(ch.send(n));
    expect(e2).toMatchObject({ retryable: true, status: 500 });
    const e3 = await failure(ch.send(n));
    expect(e3).toMatchObject({ retryable: false, status: 404 });
    expect(e3.message).toBe(`slack: ${rx.url} answered HTTP 404: no_service`);
    for (const e of [e1, e2, e3]) expect(e.message).not.toContain('SECRET');
  });

  it('is disabled without its secret, and refuses plain http outside loopback and an inline URL', () => {
    const ctx = { outDir: '/x', clock: fixedClock('2025-03-14T10:00:00Z'), fetch, secrets: Secrets.load({ env: { SLACK_PLAIN: 'http://hooks.example.org/x' } }) };
    expect(slack.create(SlackConfig.parse({ urlEnv: 'VIGIL_UNSET_SLACK' }), ctx)).toEqual({ disabled: 'the Slack webhook URL: environment variable VIGIL_UNSET_SLACK is not set' });
    expect(slack.create(SlackConfig.parse({ urlEnv: 'SLACK_PLAIN' }), ctx)).toEqual({ disabled: 'the Slack webhook URL must be an https:// URL (plain http is only accepted for loopback addresses)' });
    const inline = SlackConfig.safeParse({ url: 'https://hooks.slack.com/services/T/B/secret' });
    expect(inline.success).toBe(false);
    expect(inline.error!.issues.map((i) => i.message).join()).toContain('do not put the secret in the config');
    expect(SlackConfig.safeParse({}).error!.issues[0]!.message).toMatch(/set urlEnv/);
  });
});
