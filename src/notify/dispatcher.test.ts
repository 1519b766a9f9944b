import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backends, requirePostgresInCi } from '../../test/helpers/store.js';
import type { Clock } from '../core/clock.js';
import { silentLogger } from '../core/log.js';
import type { Severity } from '../core/types.js';
import { sshBruteForceCaseReport } from '../reports/fixtures.js';
import { renderNotification, renderReportHtml, reportFileName, type CaseReport } from '../reports/index.js';
import { cases } from '../store/schema.js';
import { Repo } from '../store/repo.js';
import type { StoreHandle } from '../store/db.js';
import type { NotificationChannelInstance, OutgoingNotification } from './channel.js';
import { NotifyConfig, notifySettings } from './config.js';
import { Notifier, type ChannelEntry } from './dispatcher.js';
import { DeliveryError } from './errors.js';
import type { CaseDigestV1, CaseNotificationV1 } from './payload.js';
import { Secrets } from './secrets.js';

requirePostgresInCi();

type Outcome = 'ok' | DeliveryError;

/** A channel that answers from a script (then succeeds), recording what it delivered. */
class FakeChannel implements NotificationChannelInstance {
  delivered: OutgoingNotification[] = [];
  calls = 0;
  constructor(public script: Outcome[] = []) {}
  async send(n: OutgoingNotification): Promise<{ location: string }> {
    this.calls++;
    const o = this.script.shift() ?? 'ok';
    if (o !== 'ok') throw o;
    this.delivered.push(n);
    return { location: `fake:${this.delivered.length}` };
  }
}

class TestClock implements Clock {
  constructor(public t: number) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

const rateLimited = (ms: number): DeliveryError => new DeliveryError('fake: answered HTTP 429', { retryable: true, retryAfterMs: ms, status: 429 });
const unavailable = (): DeliveryError => new DeliveryError('fake: answered HTTP 503', { retryable: true, status: 503 });
const rejected = (): DeliveryError => new DeliveryError('fake: answered HTTP 400: invalid_payload', { retryable: false, status: 400 });

describe.each(backends)('notifier ($name)', (backend) => {
  let store: StoreHandle;
  let drop: () => Promise<void>;
  let repo: Repo;
  let out: string;
  let clock: TestClock;
  let waits: number[];
  let channels: Map<string, FakeChannel>;

  // One store per backend (opening and migrating one takes seconds); each test starts from empty tables.
  beforeAll(async () => {
    const opened = await backend.open();
    store = opened.store;
    drop = opened.drop;
    repo = new Repo(store.db);
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });
  beforeEach(async () => {
    await store.db.execute(sql`truncate notifications, audit_log, cases, kv restart identity`);
    out = mkdtempSync(join(tmpdir(), 'vigil-notifier-'));
    clock = new TestClock(Date.parse('2025-03-14T11:00:00Z'));
    waits = [];
    channels = new Map();
  });
  afterEach(() => {
    rmSync(out, { recursive: true, force: true });
  });

  function notifier(notify: Record<string, unknown> = {}, secrets = Secrets.load({ env: {} })): Notifier {
    const settings = notifySettings(NotifyConfig.parse({ channels: ['a', 'b'], channelSettings: { a: { type: 'outbox' }, b: { type: 'outbox' } }, ...notify }));
    return new Notifier({
      repo,
      settings,
      channel: (name: string): ChannelEntry => {
        if (name === 'gone') throw new Error('no longer in the config');
        let c = channels.get(name);
        if (!c) channels.set(name, (c = new FakeChannel()));
        return { name, type: 'fake', instance: c };
      },
      outDir: out,
      clock,
      log: silentLogger,
      secrets,
      sleep: async (ms) => {
        waits.push(ms);
        clock.advance(ms);
      },
    });
  }

  function fake(name: string, script: Outcome[] = []): FakeChannel {
    const c = new FakeChannel(script);
    channels.set(name, c);
    return c;
  }

  let caseSeq = 0;
  /** A case in the store (for case numbers) and its report, with the HTML report written under <out>/reports. */
  async function aCase(severity: Severity = 'HIGH', over: (r: CaseReport) => void = () => undefined): Promise<{ caseId: string; report: CaseReport; html: string; htmlName: string; rendered: ReturnType<typeof renderNotification> }> {
    caseSeq++;
    const report = sshBruteForceCaseReport();
    report.case.id = `cs_test_${caseSeq}_${Math.random().toString(36).slice(2)}`;
    report.case.severity = severity;
    over(report);
    const [row] = await store.db
      .insert(cases)
      .values({ id: report.case.id, title: report.case.title, severity, score: 80, assessment: report.assessment, firstAlertAt: '2025-03-14T09:12:03Z', lastAlertAt: '2025-03-14T09:13:58Z', createdAt: '2025-03-14T09:12:04Z', updatedAt: '2025-03-14T09:14:00Z' })
      .returning({ number: cases.number });
    report.case.number = row!.number;
    const htmlName = reportFileName(report, 'html');
    const dir = join(out, 'reports');
    report.reportFiles = { html: join(dir, htmlName), markdown: join(dir, reportFileName(report, 'md')) };
    const html = renderReportHtml(report);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, htmlName), html);
    return { caseId: report.case.id, report, html, htmlName, rendered: renderNotification(report) };
  }

  async function timeline(caseId: string): Promise<string[]> {
    return (await repo.timelineOfCase(caseId)).filter((r) => r.kind.startsWith('notification.')).map((r) => `${r.kind}: ${r.message}`);
  }

  it('delivers to every channel once per case and severity, storing the rendered message and a timeline row', async () => {
    const n = notifier();
    const a = fake('a');
    const b = fake('b');
    const c = await aCase();
    expect(await n.notifyCase(c)).toEqual({ sent: 2, held: 0, digested: 0, retrying: 0, dead: 0, suppressed: 0 });
    expect(a.delivered).toHaveLength(1);
    expect(b.delivered).toHaveLength(1);
    const msg = a.delivered[0]!;
    expect(msg.subject).toBe(c.rendered.subject);
    expect(msg.attachments).toEqual([{ filename: c.htmlName, contentType: 'text/html; charset=utf-8', content: c.html }]);
    expect((msg.data as unknown as CaseNotificationV1).event).toBe('opened');
    const row = (await n.store.get(msg.id))!;
    expect(row).toMatchObject({ status: 'sent', channel: 'a', severity: 'HIGH', attempts: 1, location: 'fake:1', route: 'default', deliveredAt: '2025-03-14T11:00:00.000Z' });
    expect((row.payload as { text: string }).text).toBe(c.rendered.text);
    expect((await timeline(c.caseId)).sort()).toEqual([`notification.sent: Notified via a: ${c.rendered.subject}`, `notification.sent: Notified via b: ${c.rendered.subject}`]);

    // The case updated at the same severity: nothing new. Escalated: new messages.
    c.report.alerts.push({ ...c.report.alerts[0]!, id: 'al_more' });
    expect(await n.notifyCase(c)).toMatchObject({ sent: 0, suppressed: 2 });
    c.report.case.severity = 'CRITICAL';
    const out2 = await n.notifyCase({ ...c, rendered: renderNotification(c.report) });
    expect(out2.sent).toBe(2);
    expect((a.delivered[1]!.data as unknown as CaseNotificationV1).event).toBe('escalated');
  });

  it('below minSeverity nothing is sent or stored', async () => {
    const n = notifier();
    const a = fake('a');
    const c = await aCase('MEDIUM');
    expect(await n.notifyCase(c)).toMatchObject({ sent: 0 });
    expect(a.calls).toBe(0);
    expect(await n.store.countByStatus()).toEqual({});
  });

  it('retries at once after a short Retry-After, and records the failed attempt', async () => {
    const n = notifier({ channels: ['a'] });
    const a = fake('a', [rateLimited(3_000)]);
    const c = await aCase();
    expect(await n.notifyCase(c)).toMatchObject({ sent: 1 });
    expect(waits).toEqual([3_000]);
    expect(a.calls).toBe(2);
    expect((await n.store.get(a.delivered[0]!.id))!).toMatchObject({ status: 'sent', attempts: 2, error: null });
    expect(await timeline(c.caseId)).toEqual([
      'notification.failed: notification via a failed (attempt 1 of 8): fake: answered HTTP 429; trying again in 3 s',
      `notification.sent: Notified via a (attempt 2): ${c.rendered.subject}`,
    ]);
  });

  it('a long Retry-After is not waited for: the retry is scheduled and made by retryDue when due', async () => {
    const n = notifier({ channels: ['a'] });
    const a = fake('a', [rateLimited(120_000)]);
    const c = await aCase();
    expect(await n.notifyCase(c)).toMatchObject({ sent: 0, retrying: 1 });
    expect(waits).toEqual([]);
    const id = (await n.store.idsWithStatus(['retrying']))[0]!;
    expect(await n.store.get(id)).toMatchObject({ status: 'retrying', attempts: 1, nextAttemptAt: '2025-03-14T11:02:00.000Z', error: 'fake: answered HTTP 429' });
    clock.advance(60_000);
    expect(await n.retryDue()).toMatchObject({ attempted: 0 });
    clock.advance(60_000);
    expect(await n.retryDue()).toMatchObject({ attempted: 1, sent: 1 });
    expect(a.delivered).toHaveLength(1);
    expect(await n.store.get(id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('after the last attempt a notification is a dead letter; vigil notify retry sends it again', async () => {
    const n = notifier({ channels: ['a'], retry: { attempts: 4, quickAttempts: 2, backoff: '1s' } });
    const a = fake('a', [unavailable(), unavailable(), unavailable(), unavailable()]);
    const c = await aCase();
    expect(await n.notifyCase(c)).toMatchObject({ retrying: 1 });
    expect(waits).toEqual([1_000]);
    for (let i = 0; i < 5; i++) {
      clock.advance(3_600_000);
      await n.retryDue();
    }
    const dead = await n.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ channel: 'a', status: 'dead', attempts: 4, error: 'fake: answered HTTP 503', caseNumber: c.report.case.number });
    const t = await timeline(c.caseId);
    expect(t.filter((l) => l.startsWith('notification.failed'))).toHaveLength(3);
    expect(t.at(-1)).toBe('notification.dead: notification via a is a dead letter after 4 attempts: fake: answered HTTP 503');
    // The channel works again: a manual retry delivers the stored message.
    const r = await n.resend(dead[0]!.id);
    expect(r).toMatchObject({ status: 'sent', attempts: 5, location: 'fake:1' });
    expect(a.delivered[0]!.subject).toBe(c.rendered.subject);
    expect(a.delivered[0]!.attachments[0]!.filename).toBe(c.htmlName);
    expect(await n.deadLetters()).toEqual([]);
  });

  it('while a channel is failing, further messages for it are scheduled without an attempt, and all go once it is back', async () => {
    const n = notifier({ channels: ['a'] });
    const timeout = (): DeliveryError => new DeliveryError('fake: cannot reach http://fake: no answer within 10000 ms', { retryable: true });
    const a = fake('a', [timeout(), timeout()]);
    const first = await aCase();
    expect(await n.notifyCase(first)).toMatchObject({ retrying: 1 });
    expect(a.calls).toBe(2);
    const others = [await aCase(), await aCase(), await aCase()];
    for (const c of others) expect(await n.notifyCase(c)).toMatchObject({ retrying: 1 });
    expect(a.calls).toBe(2);
    expect((await timeline(others[0]!.caseId))[0]).toBe('notification.held: notification via a deferred: a is failing (fake: cannot reach http://fake: no answer within 10000 ms); next attempt at 2025-03-14T11:00:10.000Z');
    clock.advance(8_000);
    expect(await n.retryDue()).toMatchObject({ attempted: 4, sent: 4 });
    expect(a.delivered).toHaveLength(4);
  });

  it('a failure a retry cannot fix is a dead letter at once', async () => {
    const n = notifier({ channels: ['a'] });
    fake('a', [rejected()]);
    const c = await aCase();
    expect(await n.notifyCase(c)).toMatchObject({ dead: 1 });
    expect((await n.deadLetters())[0]).toMatchObject({ attempts: 1, error: 'fake: answered HTTP 400: invalid_payload' });
  });

  it('never stores or shows a secret a channel error happened to contain', async () => {
    const env = { VIGIL_HOOK: 'https://hooks.example.org/services/T0/B0/verysecrettoken123' };
    const secrets = Secrets.load({ env });
    expect(secrets.get({ env: 'VIGIL_HOOK' }, 'url')).toEqual({ value: env.VIGIL_HOOK });
    const n = notifier({ channels: ['a'] }, secrets);
    fake('a', [new DeliveryError(`fetch ${env.VIGIL_HOOK} failed; path /services/T0/B0/verysecrettoken123`, { retryable: false })]);
    const c = await aCase();
    await n.notifyCase(c);
    const dead = (await n.deadLetters())[0]!;
    expect(dead.error).toBe('fetch *** failed; path /***');
    expect(JSON.stringify(await repo.timelineOfCase(c.caseId))).not.toContain('verysecrettoken123');
  });

  it('quiet hours hold non-CRITICAL until the window ends; CRITICAL goes at once; a held message superseded by a higher one is dropped', async () => {
    clock.t = Date.parse('2025-03-14T23:30:00Z'); // 00:30 in Paris
    const n = notifier({ channels: ['a'], quietHours: { timezone: 'Europe/Paris', start: '22:00', end: '07:00' } });
    const a = fake('a');
    const high = await aCase('HIGH');
    expect(await n.notifyCase(high)).toMatchObject({ held: 1, sent: 0 });
    expect(await timeline(high.caseId)).toEqual(['notification.held: Held for quiet hours: a gets it at 2025-03-15T06:00:00.000Z']);
    const crit = await aCase('CRITICAL');
    expect(await n.notifyCase(crit)).toMatchObject({ sent: 1 });
    // The held case escalates during the night: the CRITICAL goes now, the HIGH is dropped in the morning.
    const other = await aCase('HIGH');
    await n.notifyCase(other);
    other.report.case.severity = 'CRITICAL';
    await n.notifyCase({ ...other, rendered: renderNotification(other.report) });
    expect(a.delivered.map((d) => d.severity)).toEqual(['CRITICAL', 'CRITICAL']);
    clock.t = Date.parse('2025-03-15T05:59:00Z');
    expect(await n.retryDue()).toMatchObject({ attempted: 0 });
    clock.t = Date.parse('2025-03-15T06:00:00Z');
    expect(await n.retryDue()).toMatchObject({ attempted: 2, sent: 1, suppressed: 1 });
    expect(a.delivered.map((d) => d.subject)).toEqual([crit.rendered.subject, expect.any(String), high.rendered.subject]);
    expect((await timeline(other.caseId)).at(-1)).toBe('notification.suppressed: HIGH notification via a dropped: the case was already sent at CRITICAL');
  });

  it('LOW and MEDIUM go into one digest per channel, sent when the oldest has waited the interval or at the end of a run', async () => {
    const n = notifier({ minSeverity: 'LOW', channels: ['a'], digest: { interval: '30m' } });
    const a = fake('a');
    const low = await aCase('LOW');
    const med = await aCase('MEDIUM');
    const high = await aCase('HIGH');
    expect(await n.notifyCase(low)).toMatchObject({ digested: 1 });
    clock.advance(10 * 60_000);
    expect(await n.notifyCase(med)).toMatchObject({ digested: 1 });
    expect(await n.notifyCase(high)).toMatchObject({ sent: 1 });
    expect(await n.flushDigests({ force: false })).toEqual({ digests: 0, cases: 0 });
    clock.advance(20 * 60_000);
    expect((await n.retryDue()).digests).toBe(1);
    expect(a.delivered).toHaveLength(2);
    const digest = a.delivered[1]!;
    const data = digest.data as unknown as CaseDigestV1;
    expect(digest.subject).toBe('[Vigil] Digest: 2 cases (1 MEDIUM, 1 LOW)');
    expect(data).toMatchObject({ version: 1, type: 'case.digest', count: 2, bySeverity: { MEDIUM: 1, LOW: 1 } });
    expect(data.cases.map((c) => c.number)).toEqual([med.report.case.number, low.report.case.number]);
    expect(digest.text).toContain(`#${low.report.case.number} LOW`);
    expect((await timeline(low.caseId)).at(-1)).toBe('notification.sent: Sent in the a digest: [Vigil] Digest: 2 cases (1 MEDIUM, 1 LOW)');
    // Nothing waits any more; a later LOW goes at the end of the run without waiting the interval.
    expect(await n.flushDigests({ force: true })).toEqual({ digests: 0, cases: 0 });
    const later = await aCase('LOW');
    await n.notifyCase(later);
    expect(await n.endOfRun()).toEqual({ digests: 1, cases: 1 });
    expect(a.delivered).toHaveLength(3);
  });

  it('a route that asks for updates re-notifies at most once per throttle window', async () => {
    const n = notifier({ channels: ['a'], channelSettings: { a: { type: 'outbox' } }, routes: [{ name: 'ssh-updates', match: { events: ['opened', 'escalated', 'updated'] }, channels: ['a'], template: 'brief' }], throttle: '30m' });
    const a = fake('a');
    const c = await aCase();
    await n.notifyCase(c);
    const grow = (k: number): void => {
      c.report.alerts.push({ ...c.report.alerts[0]!, id: `al_more_${k}` });
    };
    grow(1);
    clock.advance(10 * 60_000);
    expect(await n.notifyCase(c)).toMatchObject({ sent: 0, suppressed: 1 });
    grow(2);
    clock.advance(25 * 60_000);
    expect(await n.notifyCase(c)).toMatchObject({ sent: 1 });
    expect(a.delivered.map((d) => (d.data as unknown as CaseNotificationV1).event)).toEqual(['opened', 'updated']);
    expect(a.delivered[1]!.attachments).toEqual([]); // brief template: no attachment
    expect(a.delivered[1]!.text.split('\n')[0]).toBe(c.rendered.subject);
  });

  it('two retry loops at once deliver a due notification once', async () => {
    const n1 = notifier({ channels: ['a'] });
    const n2 = notifier({ channels: ['a'] });
    const a = fake('a', [rateLimited(60_000)]);
    await n1.notifyCase(await aCase());
    clock.advance(61_000);
    const [r1, r2] = await Promise.all([n1.retryDue(), n2.retryDue()]);
    expect(r1.sent + r2.sent).toBe(1);
    expect(a.delivered).toHaveLength(1);
  });

  it('a new process re-sends from the store alone, reading the attachment back from the report file', async () => {
    const c = await aCase();
    fake('a', [rateLimited(60_000)]);
    await notifier({ channels: ['a'] }).notifyCase(c);
    channels.clear();
    const a = fake('a');
    clock.advance(60_000);
    expect(await notifier({ channels: ['a'] }).retryDue()).toMatchObject({ sent: 1 });
    const content = a.delivered[0]!.attachments[0]!.content;
    expect(Buffer.from(content as Uint8Array).toString('utf8')).toBe(c.html);
  });

  it('a notification whose channel is no longer configured becomes a dead letter saying so', async () => {
    const n = notifier({ channels: ['a'] });
    fake('a', [rateLimited(60_000)]);
    const c = await aCase();
    await n.notifyCase(c);
    const id = (await n.store.idsWithStatus(['retrying']))[0]!;
    await n.store.update(id, { channel: 'gone' });
    clock.advance(60_000);
    await n.retryDue();
    expect((await n.deadLetters())[0]!.error).toBe('channel gone is not configured: no longer in the config');
  });
});
