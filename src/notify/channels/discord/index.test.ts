import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../core/clock.js';
import { hostileCaseReport, sshBruteForceCaseReport } from '../../../reports/fixtures.js';
import type { NotificationChannelInstance, OutgoingNotification } from '../../channel.js';
import { renderDigest } from '../../digest.js';
import { DeliveryError } from '../../errors.js';
import type { CaseNotificationV1 } from '../../payload.js';
import { Secrets } from '../../secrets.js';
import { failure, hugeCaseReport, sampleNotification, startReceiver, type Answer, type Receiver } from '../../testing.js';
import discord, { DiscordConfig } from './index.js';
import { DISCORD_LIMITS, embedChars, type DiscordMessage } from './map.js';

/** Discord's documented execute-webhook limits. Returns the problems. */
function discordProblems(m: DiscordMessage): string[] {
  const p: string[] = [];
  if (m.content !== undefined && m.content.length > DISCORD_LIMITS.content) p.push('content too long');
  if (!m.embeds.length && !m.content) p.push('empty message');
  if (m.embeds.length > DISCORD_LIMITS.embeds) p.push('too many embeds');
  let total = 0;
  for (const e of m.embeds) {
    total += embedChars(e);
    if (!e.title || e.title.length > DISCORD_LIMITS.title) p.push(`title ${e.title.length}`);
    if (e.description !== undefined && e.description.length > DISCORD_LIMITS.description) p.push(`description ${e.description.length}`);
    if (e.fields.length > DISCORD_LIMITS.fields) p.push(`${e.fields.length} fields`);
    for (const f of e.fields) {
      if (!f.name || f.name.length > DISCORD_LIMITS.fieldName) p.push(`field name ${f.name}`);
      if (!f.value || f.value.length > DISCORD_LIMITS.fieldValue) p.push(`field ${f.name} value ${f.value.length}`);
    }
    if (e.footer.text.length > DISCORD_LIMITS.footer) p.push('footer');
    if (!Number.isInteger(e.color) || e.color < 0 || e.color > 0xffffff) p.push('colour');
    if (e.url !== undefined && !/^https?:\/\//.test(e.url)) p.push('url');
  }
  if (total > DISCORD_LIMITS.total) p.push(`total ${total}`);
  if (!m.allowed_mentions || !Array.isArray(m.allowed_mentions.parse)) p.push('allowed_mentions missing');
  return p;
}

let rx: Receiver | undefined;
afterEach(async () => {
  await rx?.close();
  rx = undefined;
});

/** Behaves like discord.com/api/webhooks: with ?wait=true, 200 and the message; 400 for an invalid body. */
async function discordReceiver(override?: (n: number) => Answer | undefined): Promise<Receiver> {
  return startReceiver((req, n) => {
    const o = override?.(n);
    if (o) return o;
    const m = JSON.parse(req.body) as DiscordMessage;
    const problems = discordProblems(m);
    if (problems.length) return { status: 400, body: JSON.stringify({ code: 50035, message: `Invalid Form Body: ${problems.join('; ')}` }), headers: { 'content-type': 'application/json' } };
    return { status: 200, body: JSON.stringify({ id: `11${n}0000000000000001`, channel_id: '9876543210987654', embeds: m.embeds }), headers: { 'content-type': 'application/json' } };
  });
}

function channel(url: string, config: Record<string, unknown> = {}): NotificationChannelInstance {
  const made = discord.create(DiscordConfig.parse({ urlRef: 'discord', ...config }), { outDir: '/x', clock: fixedClock('2025-03-14T10:00:00Z'), fetch, secrets: secretsWith(url) });
  if ('disabled' in made) throw new Error(made.disabled);
  return made;
}

// The URL comes from a secrets file here, to exercise urlRef.
const dir = mkdtempSync(join(tmpdir(), 'vigil-discord-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function secretsWith(url: string): Secrets {
  const file = join(dir, 'secrets.yaml');
  writeFileSync(file, `discord: ${JSON.stringify(url)}\n`, { mode: 0o600 });
  return Secrets.load({ env: {}, file });
}

const body = (r: Receiver, i = 0): DiscordMessage => JSON.parse(r.requests[i]!.body) as DiscordMessage;

describe('discord channel', () => {
  it('posts one embed Discord accepts: colour, fields, footer; waits for the message id', async () => {
    rx = await discordReceiver();
    const where = await channel(`${rx.url}/api/webhooks/123/TOKENSECRET?thread_id=42`).send(sampleNotification(sshBruteForceCaseReport(), { caseUrl: 'https://vigil.example.org/cases/{number}' }));
    expect(where.location).toBe('discord:9876543210987654/1110000000000000001');
    const url = new URL(rx.requests[0]!.url, rx.url);
    expect(url.pathname).toBe('/api/webhooks/123/TOKENSECRET');
    expect(url.searchParams.get('wait')).toBe('true');
    expect(url.searchParams.get('thread_id')).toBe('42');
    const m = body(rx);
    expect(discordProblems(m)).toEqual([]);
    expect(m.allowed_mentions).toEqual({ parse: [] });
    expect(m.content).toBeUndefined();
    const e = m.embeds[0]!;
    expect(e.title).toBe('[HIGH] Case #3: SSH brute force from 185.220.101.4 on web-01');
    expect(e.url).toBe('https://vigil.example.org/cases/3');
    expect(e.color).toBe(0xc2410c);
    expect(e.fields.map((f) => f.name)).toEqual(['Severity', 'Case', 'Alerts', 'Hosts', 'MITRE ATT&CK', 'Observables', 'Response']);
    expect(e.fields[0]).toEqual({ name: 'Severity', value: 'HIGH (score 80)', inline: true });
    expect(e.fields.find((f) => f.name === 'Observables')!.value).toContain('ipv4 `185.220.101.4` — **malicious** (90)');
    expect(e.footer.text).toMatch(/^Vigil · default · reports\/case-0003\.html · ntf_/);
    expect(e.description).toContain('**Why HIGH**');
  });

  it('escapes hostile markdown and never pings: no masked link, no @everyone', async () => {
    rx = await discordReceiver();
    const r = hostileCaseReport();
    r.case.summary = '@everyone see [this](https://evil.example/x) **now**';
    await channel(rx.url).send(sampleNotification(r));
    const m = body(rx);
    expect(discordProblems(m)).toEqual([]);
    expect(m.allowed_mentions.parse).toEqual([]);
    const d = m.embeds[0]!.description!;
    expect(d).toContain('\\@everyone see \\[this\\]\\(hxxps://evil.example/x\\) \\*\\*now\\*\\*');
    expect(JSON.stringify(m)).not.toMatch(/https?:\/\/evil/);
  });

  it('pings the configured role on CRITICAL only, allowing just that role', async () => {
    rx = await discordReceiver();
    const ch = channel(rx.url, { mentionOnCritical: '<@&123456789012345678>' });
    const crit = sshBruteForceCaseReport();
    crit.case.severity = 'CRITICAL';
    await ch.send(sampleNotification(crit));
    await ch.send(sampleNotification());
    expect(body(rx, 0)).toMatchObject({ content: '<@&123456789012345678>', allowed_mentions: { parse: [], roles: ['123456789012345678'] } });
    expect(body(rx, 1).content).toBeUndefined();
  });

  it('keeps a huge case under 6000 characters, 25 fields and each field limit', async () => {
    rx = await discordReceiver();
    await channel(rx.url).send(sampleNotification(hugeCaseReport(), { caseUrl: 'https://vigil.example.org/cases/{number}' }));
    const m = body(rx);
    expect(discordProblems(m)).toEqual([]);
    expect(embedChars(m.embeds[0]!)).toBeLessThanOrEqual(6000);
    expect(m.embeds[0]!.fields.find((f) => f.name === 'Observables')!.value).toMatch(/more in \[the report\]\(https:\/\/vigil\.example\.org\/cases\/3\)$/);
  });

  it('a digest of 300 cases fits one embed', async () => {
    rx = await discordReceiver();
    const items = Array.from({ length: 300 }, (_, i) => {
      const r = sshBruteForceCaseReport();
      r.case.number = i + 1;
      r.case.severity = 'MEDIUM';
      return { notification: `ntf_${i}`, data: sampleNotification(r).data as unknown as CaseNotificationV1 };
    });
    const d = renderDigest('ntf_digest', '2025-03-14T10:00:00Z', items);
    const n: OutgoingNotification = { id: 'ntf_digest', caseId: '', caseNumber: 0, severity: d.severity, subject: d.subject, text: d.text, html: d.html, data: d.data as unknown as Record<string, unknown>, attachments: [] };
    await channel(rx.url).send(n);
    const m = body(rx);
    expect(discordProblems(m)).toEqual([]);
    expect(m.embeds[0]!.title).toBe('[Vigil] Digest: 300 cases (300 MEDIUM)');
    expect(m.embeds[0]!.description).toMatch(/more cases in the outbox and reports$/);
  });

  it('429 takes the wait from Retry-After, or from retry_after in the body; 502 retryable; 401 final', async () => {
    rx = await discordReceiver((n): Answer | undefined =>
      n === 1
        ? { status: 429, body: JSON.stringify({ message: 'You are being rate limited.', retry_after: 1.25, global: false }), headers: { 'content-type': 'application/json' } }
        : n === 2
          ? { status: 429, body: '{}', headers: { 'retry-after': '7' } }
          : n === 3
            ? { status: 502, body: 'bad gateway' }
            : { status: 401, body: JSON.stringify({ message: '401: Unauthorized', code: 0 }) },
    );
    const ch = channel(`${rx.url}/api/webhooks/1/TOKENSECRET`);
    const n = sampleNotification();
    const errs: DeliveryError[] = [];
    for (let i = 0; i < 4; i++) errs.push(await failure(ch.send(n)));
    expect(errs.map((e) => [e.retryable, e.retryAfterMs, e.status])).toEqual([
      [true, 1250, 429],
      [true, 7000, 429],
      [true, undefined, 502],
      [false, undefined, 401],
    ]);
    for (const e of errs) expect(e.message).not.toContain('TOKENSECRET');
  });

  it('rejects an avatar over http and a mention that is not one', () => {
    expect(DiscordConfig.safeParse({ urlEnv: 'X', avatarUrl: 'http://x.example/a.png' }).success).toBe(false);
    expect(DiscordConfig.safeParse({ urlEnv: 'X', mentionOnCritical: '@everyone please' }).success).toBe(false);
  });
});
