import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Clock } from '../core/clock.js';
import { VigilError } from '../core/errors.js';
import { stableId } from '../core/ids.js';
import type { Logger } from '../core/log.js';
import { SEVERITIES, severityRank, type Severity } from '../core/types.js';
import { renderNotification, renderReportHtml, reportFileName, totalsOf, type CaseReport, type RenderedMessage } from '../reports/index.js';
import { sshBruteForceCaseReport } from '../reports/fixtures.js';
import type { AuditRow, Repo } from '../store/repo.js';
import type { NotificationChannelInstance, OutgoingNotification } from './channel.js';
import type { NotifySettings } from './config.js';
import { renderDigest, type DigestItem } from './digest.js';
import { asDeliveryError, DeliveryError } from './errors.js';
import { buildCasePayload, caseUrlFor, type CaseEvent, type CaseNotificationV1 } from './payload.js';
import { backoffMs, dedupe, resolveRoutes, selectRoutes, timing, type CaseFacts, type Route } from './routing.js';
import type { Secrets } from './secrets.js';
import { NotifyStore, type NotificationRow, type StoredPayload } from './store.js';
import { applyTemplate } from './templates.js';

/** A configured channel: its name in config, its type (the plugin id) and the live instance. */
export interface ChannelEntry {
  name: string;
  type: string;
  instance: NotificationChannelInstance;
}

export interface NotifierDeps {
  repo: Repo;
  settings: NotifySettings;
  /** Builds (once) the channel with this name; throws a VigilError naming the setting when it cannot. */
  channel: (name: string) => ChannelEntry;
  outDir: string;
  clock: Clock;
  log: Logger;
  secrets: Secrets;
  /** Waits between quick attempts; tests pass a fake so retries take no time. */
  sleep?: (ms: number) => Promise<void>;
}

/** What one case's notification round did. */
export interface NotifyOutcome {
  sent: number;
  held: number;
  digested: number;
  retrying: number;
  dead: number;
  suppressed: number;
}

export interface DeliveryResult {
  id: string;
  channel: string;
  status: 'sent' | 'retrying' | 'dead' | 'suppressed';
  attempts: number;
  location?: string;
  error?: string;
  nextAttemptAt?: string;
}

export interface RetryDueResult {
  attempted: number;
  sent: number;
  retrying: number;
  dead: number;
  suppressed: number;
  digests: number;
}

// How long an attempt may hold a notification before another process may take it over.
const LEASE_MS = 10 * 60_000;
const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function emptyOutcome(): NotifyOutcome {
  return { sent: 0, held: 0, digested: 0, retrying: 0, dead: 0, suppressed: 0 };
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

/**
 * Routes case notifications to channels and delivers them reliably: each notification is stored
 * before the first attempt (with the rendered message, so it can be re-sent without the case),
 * failed attempts are retried with backoff honouring Retry-After, the pipeline waits only for the
 * first quick attempts, and what still fails after the last attempt is kept as a dead letter.
 * Every outcome is an audit row on the case's timeline.
 */
export class Notifier {
  readonly store: NotifyStore;
  readonly routes: Route[];
  private readonly sleep: (ms: number) => Promise<void>;
  /**
   * Channels that just failed and are waiting for their retry time. Until then, new messages for
   * them are scheduled without an attempt: a receiver that times out would otherwise cost every
   * case of a run its full timeout, twice.
   */
  private readonly failing = new Map<string, { until: number; error: string }>();

  constructor(private readonly d: NotifierDeps) {
    this.store = new NotifyStore(d.repo.db);
    this.routes = resolveRoutes(d.settings);
    this.sleep = d.sleep ?? defaultSleep;
  }

  private now(): Date {
    return this.d.clock.now();
  }

  /** Called by the pipeline once per case it touched, after the reports are written. */
  async notifyCase(input: { caseId: string; report: CaseReport; rendered: RenderedMessage; html: string; htmlName: string }): Promise<NotifyOutcome> {
    const out = emptyOutcome();
    const { caseId, report } = input;
    const c = report.case;
    const now = this.now();
    const nowIso = now.toISOString();
    const all = totalsOf(report);
    const seen = await this.store.swapCaseSeen(caseId, { severity: c.severity, alerts: all.alerts, status: c.status }, nowIso);
    const events = new Set<CaseEvent>();
    if (!seen) events.add('opened');
    else {
      if (severityRank(c.severity) > severityRank(seen.severity)) events.add('escalated');
      if (all.alerts > seen.alerts || c.status !== seen.status) events.add('updated');
    }
    const facts: CaseFacts = {
      severity: c.severity,
      status: c.status,
      sources: all.sources,
      tags: c.tags,
      hosts: all.hosts.map((h) => h.name),
      events,
      outcomes: report.actions.map((a) => ({ action: a.action, status: a.status })),
    };
    const selected = selectRoutes(this.routes, facts);
    if (!selected.length) return out;

    const rows = await this.store.ofCase(caseId, selected.map((s) => s.channel));
    const htmlPath = report.reportFiles?.html ?? join(this.d.outDir, 'reports', input.htmlName);
    const mdName = reportFileName(report, 'md');
    const mdPath = report.reportFiles?.markdown ?? join(this.d.outDir, 'reports', mdName);
    const reportPath = relative(this.d.outDir, htmlPath) || input.htmlName;
    const caseUrl = caseUrlFor(this.d.settings.caseUrl, c);
    const event: CaseEvent = events.has('opened') ? 'opened' : events.has('escalated') ? 'escalated' : 'updated';
    const cache = new Map<string, string | Uint8Array>([[htmlPath, input.html]]);

    await Promise.all(
      selected.map(async ({ channel, route }) => {
        const mine = rows.filter((r) => r.channel === channel);
        const last = mine.find((r) => r.status !== 'dead' && r.status !== 'suppressed');
        const decision = dedupe({
          caseId,
          severity: c.severity,
          channel,
          alertCount: all.alerts,
          route,
          now,
          existing: new Set(mine.map((r) => r.id)),
          last: last && { severity: last.severity as Severity, createdAt: last.createdAt },
        });
        if (decision.kind === 'suppress') {
          out.suppressed++;
          return;
        }
        const when = timing({ route, severity: c.severity, now, settings: this.d.settings });
        const message = applyTemplate(route.template, { report, rendered: input.rendered, reportHtml: { name: input.htmlName, path: htmlPath }, reportMarkdown: { name: mdName, path: mdPath }, link: caseUrl ?? reportPath });
        const data = buildCasePayload(report, { id: decision.id, event, route: route.name, createdAt: nowIso, caseUrl, reportPath, subject: message.subject, text: message.text });
        const payload: StoredPayload = { subject: message.subject, text: message.text, html: message.html, data: data as unknown as Record<string, unknown>, template: route.template, caseNumber: c.number, attachments: message.attachments };
        const base = { id: decision.id, caseId, channel, severity: c.severity, subject: message.subject, createdAt: nowIso, route: route.name, attempts: 0, payload };
        if (when.mode === 'digest') {
          if (await this.store.insert({ ...base, status: 'digested', nextAttemptAt: when.until?.toISOString() ?? null })) {
            out.digested++;
            await this.audit([{ at: nowIso, actor: 'notify', kind: 'notification.digested', caseId, subject: decision.id, message: `Queued for the ${channel} digest (${c.severity})${when.until ? `, after quiet hours end at ${when.until.toISOString()}` : ''}` }]);
          }
          return;
        }
        if (when.mode === 'hold') {
          if (await this.store.insert({ ...base, status: 'pending', nextAttemptAt: when.until.toISOString() })) {
            out.held++;
            await this.audit([{ at: nowIso, actor: 'notify', kind: 'notification.held', caseId, subject: decision.id, message: `Held for quiet hours: ${channel} gets it at ${when.until.toISOString()}` }]);
          }
          return;
        }
        const lease = new Date(now.getTime() + LEASE_MS).toISOString();
        const row = await this.store.insert({ ...base, status: 'sending', nextAttemptAt: lease });
        if (!row) return;
        const r = await this.attempt(row, { quick: this.d.settings.retry.quickAttempts, budget: this.d.settings.retry.attempts, cache });
        if (r.status === 'sent') out.sent++;
        else if (r.status === 'retrying') out.retrying++;
        else if (r.status === 'dead') out.dead++;
      }),
    );
    return out;
  }

  /**
   * What the server loop calls: attempts whose time has come (retries, ends of quiet hours, attempts
   * abandoned by a process that died), then digests whose oldest case has waited `digest.interval`.
   * Each attempt here is a single one: the next is scheduled, nothing sleeps.
   */
  async retryDue(): Promise<RetryDueResult> {
    const res: RetryDueResult = { attempted: 0, sent: 0, retrying: 0, dead: 0, suppressed: 0, digests: 0 };
    for (;;) {
      const nowIso = this.now().toISOString();
      const due = await this.store.due(nowIso, 100);
      if (!due.length) break;
      let progressed = false;
      for (const row of due) {
        const claimed = await this.store.claim(row.id, nowIso, new Date(this.now().getTime() + LEASE_MS).toISOString());
        if (!claimed) continue;
        progressed = true;
        res.attempted++;
        if (await this.superseded(claimed)) {
          res.suppressed++;
          continue;
        }
        const r = await this.attempt(claimed, { quick: 1, budget: this.d.settings.retry.attempts });
        res[r.status]++;
      }
      if (!progressed || due.length < 100) break;
    }
    res.digests = (await this.flushDigests({ force: false })).digests;
    return res;
  }

  /** `vigil run` is over: every waiting digest goes now, except cases held by quiet hours. */
  async endOfRun(): Promise<{ digests: number; cases: number }> {
    return this.flushDigests({ force: true });
  }

  /**
   * Builds and sends digests. Without `force`, a channel's digest goes once its oldest waiting case
   * has waited `digest.interval`; cases held by quiet hours wait for the end of the period either way.
   */
  async flushDigests(opts: { force: boolean }): Promise<{ digests: number; cases: number }> {
    const now = this.now();
    const nowIso = now.toISOString();
    const interval = this.d.settings.digest?.interval ?? 3_600_000;
    const maxCases = this.d.settings.digest?.maxCases ?? 100;
    const waiting = (await this.store.waitingForDigest()).filter((r) => !r.nextAttemptAt || r.nextAttemptAt <= nowIso);
    const byChannel = new Map<string, NotificationRow[]>();
    for (const r of waiting) {
      let l = byChannel.get(r.channel);
      if (!l) byChannel.set(r.channel, (l = []));
      l.push(r);
    }
    let digests = 0;
    let count = 0;
    for (const [channel, items] of byChannel) {
      if (!opts.force && Date.parse(items[0]!.createdAt) + interval > now.getTime()) continue;
      for (let i = 0; i < items.length; i += maxCases) {
        const chunk = items.slice(i, i + maxCases);
        const id = stableId('ntf', 'digest', channel, ...chunk.map((r) => r.id));
        const digestItems: DigestItem[] = chunk.map((r) => ({ notification: r.id, data: (r.payload as StoredPayload).data as unknown as CaseNotificationV1 }));
        const d = renderDigest(id, nowIso, digestItems);
        const payload: StoredPayload = { subject: d.subject, text: d.text, html: d.html, data: d.data as unknown as Record<string, unknown>, template: 'digest', caseNumber: 0, attachments: [] };
        const row = await this.store.insert({ id, caseId: '', channel, severity: d.severity, subject: d.subject, status: 'sending', createdAt: nowIso, route: 'digest', attempts: 0, nextAttemptAt: new Date(now.getTime() + LEASE_MS).toISOString(), payload });
        await this.store.markDigested(chunk.map((r) => r.id), id);
        if (!row) continue;
        digests++;
        count += chunk.length;
        await this.attempt(row, { quick: opts.force ? this.d.settings.retry.quickAttempts : 1, budget: this.d.settings.retry.attempts });
      }
    }
    return { digests, cases: count };
  }

  /**
   * `vigil notify retry ID`: one more round of quick attempts for a dead letter or a waiting retry,
   * now, whatever its schedule. A sent notification is left alone.
   */
  async resend(id: string): Promise<DeliveryResult> {
    const row = await this.store.get(id);
    if (!row) throw new VigilError('VIGIL_INPUT_NOT_FOUND', `no notification ${id}`, { field: 'id' });
    if (row.status === 'sent') return { id, channel: row.channel, status: 'sent', attempts: row.attempts, ...(row.location && { location: row.location }) };
    if (row.status === 'digested') throw new VigilError('VIGIL_INPUT_INVALID', `notification ${id} is waiting for the ${row.channel} digest${row.location ? ` (${row.location})` : ''}`, { field: 'id' });
    const now = this.now();
    const claimed = await this.store.claim(id, now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString(), { force: true });
    if (!claimed) throw new VigilError('VIGIL_INPUT_INVALID', `notification ${id} cannot be retried (status ${row.status})`, { field: 'id' });
    const quick = this.d.settings.retry.quickAttempts;
    return this.attempt(claimed, { quick, budget: Math.max(this.d.settings.retry.attempts, claimed.attempts + quick), manual: true });
  }

  /** `vigil notify retry --all`: every dead letter and every waiting retry, now. */
  async resendAll(): Promise<DeliveryResult[]> {
    const out: DeliveryResult[] = [];
    for (const id of await this.store.idsWithStatus(['dead', 'retrying'])) out.push(await this.resend(id));
    return out;
  }

  deadLetters(): ReturnType<NotifyStore['dead']> {
    return this.store.dead();
  }

  /**
   * `vigil notify test CHANNEL`: the sample SSH brute-force case (#3, HIGH) sent straight to one
   * channel, with quick retries, without routing and without storing anything.
   */
  async sendTest(name: string): Promise<{ channel: string; type: string; location: string; attempts: number }> {
    const entry = this.d.channel(name);
    const report = sshBruteForceCaseReport();
    const htmlName = reportFileName(report, 'html');
    report.reportFiles = { html: `reports/${htmlName}`, markdown: `reports/${reportFileName(report, 'md')}` };
    const rendered = renderNotification(report);
    const subject = `[TEST] ${rendered.subject}`;
    const nowIso = this.now().toISOString();
    const id = stableId('ntf', 'test', name, nowIso);
    const caseUrl = caseUrlFor(this.d.settings.caseUrl, report.case);
    const data = buildCasePayload(report, { id, event: 'test', route: 'test', createdAt: nowIso, caseUrl, reportPath: `reports/${htmlName}`, subject, text: rendered.text });
    const n: OutgoingNotification = {
      id,
      caseId: report.case.id,
      caseNumber: report.case.number,
      severity: report.case.severity,
      subject,
      text: rendered.text,
      html: rendered.html,
      data: data as unknown as Record<string, unknown>,
      template: 'standard',
      attachments: [{ filename: htmlName, contentType: 'text/html; charset=utf-8', content: renderReportHtml(report) }],
    };
    const retry = this.d.settings.retry;
    for (let attempt = 1; ; attempt++) {
      try {
        const { location } = await entry.instance.send(n);
        return { channel: name, type: entry.type, location, attempts: attempt };
      } catch (e) {
        const err = asDeliveryError(e);
        const wait = backoffMs(attempt, retry, err.retryAfterMs);
        if (!err.retryable || attempt >= retry.quickAttempts || wait > retry.quickMaxWait) throw this.redacted(err);
        await this.sleep(wait);
      }
    }
  }

  /** Calls `retryDue` every `intervalMs` (never two at once) until the returned function is called. */
  startRetryLoop(intervalMs = 30_000): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.retryDue()
        .catch((e: unknown) => this.d.log.error({ err: e }, 'notification retry round failed'))
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private redacted(err: DeliveryError): DeliveryError {
    const msg = this.d.secrets.redact(err.message);
    if (msg === err.message) return err;
    return new DeliveryError(msg, { retryable: err.retryable, ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }), ...(err.status !== undefined && { status: err.status }) });
  }

  /** A held or retried message is pointless once the case has been sent at a higher severity on that channel. */
  private async superseded(row: NotificationRow): Promise<boolean> {
    if (!row.caseId || row.route === 'digest') return false;
    const higher = SEVERITIES.filter((s) => severityRank(s) > severityRank(row.severity as Severity));
    const newer = await this.store.sentAbove(row.caseId, row.channel, higher);
    if (!newer) return false;
    const nowIso = this.now().toISOString();
    await this.store.update(row.id, { status: 'suppressed', nextAttemptAt: null, error: `superseded by the ${newer.severity} notification ${newer.id}` });
    await this.audit([{ at: nowIso, actor: 'notify', kind: 'notification.suppressed', caseId: row.caseId, subject: row.id, message: `${row.severity} notification via ${row.channel} dropped: the case was already sent at ${newer.severity}` }]);
    return true;
  }

  /** The stored message, with its attachments read back from the files they point at. */
  private async materialize(row: NotificationRow, cache?: Map<string, string | Uint8Array>): Promise<OutgoingNotification> {
    const p = row.payload as StoredPayload;
    const attachments: OutgoingNotification['attachments'] = [];
    for (const a of p.attachments ?? []) {
      let content = cache?.get(a.path);
      if (content === undefined) {
        try {
          if (!existsSync(a.path) || statSync(a.path).size > MAX_ATTACHMENT_BYTES) throw new Error('missing or too large');
          content = await readFile(a.path);
        } catch {
          this.d.log.warn({ id: row.id, file: a.filename }, 'attachment left out: the report file is missing or too large');
          continue;
        }
      }
      attachments.push({ filename: a.filename, contentType: a.contentType, content });
    }
    return {
      id: row.id,
      caseId: row.caseId,
      caseNumber: p.caseNumber,
      severity: row.severity as Severity,
      subject: p.subject,
      text: p.text,
      html: p.html,
      data: p.data,
      template: p.template,
      attachments,
    };
  }

  /** Cases a row is about: its own, or every case in a digest. */
  private casesOf(row: NotificationRow): Array<string | null> {
    if (row.caseId) return [row.caseId];
    const data = (row.payload as StoredPayload | null)?.data as { cases?: Array<{ id?: unknown }> } | undefined;
    const ids = (data?.cases ?? []).map((c) => (typeof c.id === 'string' ? c.id : null)).filter((x): x is string => x !== null);
    return ids.length ? ids : [null];
  }

  private async audit(rows: AuditRow[]): Promise<void> {
    try {
      await this.d.repo.audit(rows);
    } catch (e) {
      // The delivery state is stored already; a lost timeline row must not turn into a resend.
      this.d.log.error({ err: e }, 'could not write the notification audit row');
    }
  }

  /**
   * Attempts delivery of a claimed row: up to `quick` attempts back to back (sleeping between them
   * when the wait is short), then either sent, scheduled for a retry, or dead once `budget`
   * attempts are spent or the failure is one a retry cannot fix.
   */
  private async attempt(row: NotificationRow, opts: { quick: number; budget: number; cache?: Map<string, string | Uint8Array>; manual?: boolean }): Promise<DeliveryResult> {
    const retry = this.d.settings.retry;
    const what = row.route === 'digest' ? `digest via ${row.channel}` : `notification via ${row.channel}`;
    const note = (kind: string, message: string, data?: Record<string, unknown>): Promise<void> =>
      this.audit(this.casesOf(row).map((caseId) => ({ at: this.now().toISOString(), actor: 'notify', kind, ...(caseId !== null && { caseId }), subject: row.id, message, ...(data && { data }) })));
    const failing = opts.manual ? undefined : this.failing.get(row.channel);
    if (failing && failing.until > this.now().getTime()) {
      const next = new Date(failing.until).toISOString();
      await this.store.update(row.id, { status: 'retrying', error: failing.error, nextAttemptAt: next });
      await note('notification.held', `${what} deferred: ${row.channel} is failing (${failing.error}); next attempt at ${next}`, { channel: row.channel });
      return { id: row.id, channel: row.channel, status: 'retrying', attempts: row.attempts, error: failing.error, nextAttemptAt: next };
    }
    let entry: ChannelEntry;
    try {
      entry = this.d.channel(row.channel);
    } catch (e) {
      const error = `channel ${row.channel} is not configured: ${(e as Error).message}`;
      await this.store.update(row.id, { status: 'dead', error, nextAttemptAt: null });
      await note('notification.dead', `${what} is a dead letter: ${error}`);
      return { id: row.id, channel: row.channel, status: 'dead', attempts: row.attempts, error };
    }
    const n = await this.materialize(row, opts.cache);
    let attempts = row.attempts;
    for (let quickLeft = opts.quick; ; ) {
      attempts++;
      quickLeft--;
      try {
        const { location } = await entry.instance.send(n);
        const at = this.now().toISOString();
        this.failing.delete(row.channel);
        await this.store.update(row.id, { status: 'sent', attempts, location, error: null, nextAttemptAt: null, deliveredAt: at });
        await note('notification.sent', `${row.route === 'digest' ? `Sent in the ${row.channel} digest` : `Notified via ${row.channel}`}${attempts > 1 ? ` (attempt ${attempts})` : ''}: ${row.subject}`, { channel: row.channel, location });
        return { id: row.id, channel: row.channel, status: 'sent', attempts, location };
      } catch (e) {
        const err = asDeliveryError(e);
        const error = this.d.secrets.redact(err.message);
        if (!err.retryable || attempts >= opts.budget) {
          await this.store.update(row.id, { status: 'dead', attempts, error, nextAttemptAt: null });
          await note('notification.dead', `${what} is a dead letter after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${error}`, { channel: row.channel });
          this.d.log.error({ id: row.id, channel: row.channel, attempts }, `notification dead: ${error}`);
          return { id: row.id, channel: row.channel, status: 'dead', attempts, error };
        }
        const wait = backoffMs(attempts, retry, err.retryAfterMs);
        if (quickLeft > 0 && wait <= retry.quickMaxWait) {
          await this.store.update(row.id, { attempts, error });
          await note('notification.failed', `${what} failed (attempt ${attempts} of ${opts.budget}): ${error}; trying again in ${seconds(wait)}`, { channel: row.channel });
          await this.sleep(wait);
          continue;
        }
        const nextMs = this.now().getTime() + wait;
        const next = new Date(nextMs).toISOString();
        this.failing.set(row.channel, { until: nextMs, error });
        await this.store.update(row.id, { status: 'retrying', attempts, error, nextAttemptAt: next });
        await note('notification.failed', `${what} failed (attempt ${attempts} of ${opts.budget}): ${error}; next attempt at ${next}`, { channel: row.channel });
        return { id: row.id, channel: row.channel, status: 'retrying', attempts, error, nextAttemptAt: next };
      }
    }
  }
}
