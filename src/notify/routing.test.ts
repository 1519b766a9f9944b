import { describe, expect, it } from 'vitest';
import { NotifyConfig, notifySettings, QuietHoursConfig, type NotifySettings } from './config.js';
import type { CaseEvent } from './payload.js';
import { quietUntil } from './quiet-hours.js';
import { backoffMs, dedupe, notificationId, resolveRoutes, selectRoutes, timing, type CaseFacts, type Route } from './routing.js';

function settings(notify: Record<string, unknown>): NotifySettings {
  return notifySettings(NotifyConfig.parse(notify));
}

function facts(over: Partial<Omit<CaseFacts, 'events'>> & { events?: CaseEvent[] } = {}): CaseFacts {
  return {
    severity: 'HIGH',
    status: 'New',
    sources: ['wazuh'],
    tags: ['ssh', 'authentication_failures'],
    hosts: ['web-01'],
    outcomes: [],
    ...over,
    events: new Set(over.events ?? ['opened']),
  };
}

const channelsFor = (routes: Route[], f: CaseFacts): string[] => selectRoutes(routes, f).map((s) => `${s.channel}<-${s.route.name}`);

describe('routes', () => {
  it('without routes: every case at or above minSeverity to notify.channels, whatever changed (what Vigil always did)', () => {
    const routes = resolveRoutes(settings({ minSeverity: 'HIGH', channels: ['outbox', 'slack'], channelSettings: { slack: { urlEnv: 'X' } } }));
    expect(channelsFor(routes, facts())).toEqual(['outbox<-default', 'slack<-default']);
    expect(channelsFor(routes, facts({ severity: 'CRITICAL', events: ['updated'] }))).toEqual(['outbox<-default', 'slack<-default']);
    expect(channelsFor(routes, facts({ severity: 'MEDIUM' }))).toEqual([]);
  });

  const routed = resolveRoutes(
    settings({
      minSeverity: 'MEDIUM',
      channelSettings: { pager: { type: 'webhook', urlEnv: 'P' }, soc: { type: 'slack', urlEnv: 'S' }, n8n: { type: 'webhook', urlEnv: 'N' } },
      routes: [
        { name: 'critical-page', match: { minSeverity: 'CRITICAL' }, channels: ['pager', 'soc'], template: 'brief' },
        { name: 'suricata-to-n8n', match: { sources: ['suricata'] }, channels: ['n8n'], final: true },
        { name: 'ssh', match: { tags: ['SSH'], hosts: ['web-*'] }, channels: ['soc'] },
        { name: 'containment-refused', match: { minSeverity: 'LOW', playbookOutcome: ['refused', 'failed'], playbookAction: ['isolate-host'] }, channels: ['pager'] },
        { name: 'low-digest', match: { minSeverity: 'LOW', maxSeverity: 'MEDIUM', events: ['opened', 'escalated', 'updated'] }, channels: ['soc'] },
      ],
    }),
  );

  it('match on severity range, source, tags, host pattern; every matching route adds its channels, the first decides the template', () => {
    const crit = selectRoutes(routed, facts({ severity: 'CRITICAL' }));
    expect(crit.map((s) => `${s.channel}<-${s.route.name}:${s.route.template}`)).toEqual(['pager<-critical-page:brief', 'soc<-critical-page:brief']);
    expect(channelsFor(routed, facts())).toEqual(['soc<-ssh']);
    expect(channelsFor(routed, facts({ hosts: ['db-01'] }))).toEqual([]);
    expect(channelsFor(routed, facts({ severity: 'MEDIUM', tags: [] }))).toEqual(['soc<-low-digest']);
    expect(channelsFor(routed, facts({ severity: 'LOW', tags: [] }))).toEqual(['soc<-low-digest']);
  });

  it('a final route stops the search', () => {
    expect(channelsFor(routed, facts({ sources: ['suricata'], tags: ['ssh'] }))).toEqual(['n8n<-suricata-to-n8n']);
    expect(channelsFor(routed, facts({ severity: 'CRITICAL', sources: ['suricata'] }))).toEqual(['pager<-critical-page', 'soc<-critical-page', 'n8n<-suricata-to-n8n']);
  });

  it('matches a playbook outcome of a given action', () => {
    expect(channelsFor(routed, facts({ severity: 'LOW', tags: [], outcomes: [{ action: 'isolate-host', status: 'refused' }] }))).toEqual(['pager<-containment-refused', 'soc<-low-digest']);
    expect(channelsFor(routed, facts({ severity: 'LOW', tags: [], outcomes: [{ action: 'block-ip', status: 'refused' }] }))).toEqual(['soc<-low-digest']);
  });

  it('routes answer to opened and escalated by default; updated only where listed', () => {
    expect(channelsFor(routed, facts({ events: ['updated'] }))).toEqual([]);
    expect(channelsFor(routed, facts({ events: ['escalated', 'updated'] }))).toEqual(['soc<-ssh']);
    expect(channelsFor(routed, facts({ severity: 'MEDIUM', tags: [], events: ['updated'] }))).toEqual(['soc<-low-digest']);
    expect(routed.find((r) => r.name === 'low-digest')!.repeats).toBe(true);
    expect(routed.find((r) => r.name === 'ssh')!.repeats).toBe(false);
  });

  it('a route without minSeverity uses notify.minSeverity', () => {
    expect(routed.find((r) => r.name === 'ssh')!.match.minSeverity).toBe('MEDIUM');
  });
});

describe('deduplication and throttling', () => {
  const [plain] = resolveRoutes(settings({}));
  const updates: Route = { ...plain!, name: 'updates', repeats: true, throttleMs: 30 * 60_000 };
  const now = new Date('2025-03-14T10:00:00Z');
  const base = { caseId: 'cs_1', severity: 'HIGH' as const, channel: 'slack', alertCount: 5, now };

  it('the first message at a severity is new, with the stable id per case, severity and channel', () => {
    expect(dedupe({ ...base, route: plain!, existing: new Set() })).toEqual({ kind: 'new', id: notificationId('cs_1', 'HIGH', 'slack') });
  });

  it('the same case does not page twice at one severity', () => {
    const existing = new Set([notificationId('cs_1', 'HIGH', 'slack')]);
    expect(dedupe({ ...base, route: plain!, existing, last: { severity: 'HIGH', createdAt: '2025-03-13T10:00:00Z' } })).toEqual({ kind: 'suppress', reason: 'already notified at HIGH' });
  });

  it('a rise in severity always pages, even within the throttle window', () => {
    const existing = new Set([notificationId('cs_1', 'HIGH', 'slack')]);
    const d = dedupe({ ...base, severity: 'CRITICAL', route: updates, existing, last: { severity: 'HIGH', createdAt: '2025-03-14T09:59:00Z' } });
    expect(d).toEqual({ kind: 'new', id: notificationId('cs_1', 'CRITICAL', 'slack') });
  });

  it('never a lower severity after a higher one', () => {
    expect(dedupe({ ...base, route: plain!, existing: new Set(), last: { severity: 'CRITICAL', createdAt: '2025-03-14T09:00:00Z' } })).toMatchObject({ kind: 'suppress' });
  });

  it('updates re-notify where the route asks, at most once per throttle window', () => {
    const existing = new Set([notificationId('cs_1', 'HIGH', 'slack')]);
    expect(dedupe({ ...base, route: updates, existing, last: { severity: 'HIGH', createdAt: '2025-03-14T09:45:00Z' } })).toEqual({ kind: 'suppress', reason: 'throttled' });
    const d = dedupe({ ...base, route: updates, existing, last: { severity: 'HIGH', createdAt: '2025-03-14T09:29:00Z' } });
    expect(d.kind).toBe('repeat');
    expect(d).not.toEqual(expect.objectContaining({ id: notificationId('cs_1', 'HIGH', 'slack') }));
    // The same update (same alert count) is not sent twice.
    expect(dedupe({ ...base, route: updates, existing: new Set([...existing, (d as { id: string }).id]), last: { severity: 'HIGH', createdAt: '2025-03-14T09:29:00Z' } })).toMatchObject({ kind: 'suppress' });
  });
});

describe('quiet hours and digest timing', () => {
  const s = settings({
    quietHours: { timezone: 'Europe/Paris', start: '22:00', end: '07:00' },
    digest: { severities: ['LOW', 'MEDIUM'], interval: '1h' },
  });
  const [route] = resolveRoutes(s);

  it('outside quiet hours sends now; MEDIUM goes to the digest', () => {
    const noon = new Date('2025-03-14T11:00:00Z');
    expect(timing({ route: route!, severity: 'HIGH', now: noon, settings: s })).toEqual({ mode: 'now' });
    expect(timing({ route: route!, severity: 'MEDIUM', now: noon, settings: s })).toEqual({ mode: 'digest' });
  });

  it('in quiet hours holds HIGH until 07:00 local, sends CRITICAL at once, delays the digest too', () => {
    const night = new Date('2025-03-14T23:30:00Z'); // 00:30 in Paris (UTC+1)
    expect(timing({ route: route!, severity: 'HIGH', now: night, settings: s })).toEqual({ mode: 'hold', until: new Date('2025-03-15T06:00:00Z') });
    expect(timing({ route: route!, severity: 'CRITICAL', now: night, settings: s })).toEqual({ mode: 'now' });
    expect(timing({ route: route!, severity: 'LOW', now: night, settings: s })).toEqual({ mode: 'digest', until: new Date('2025-03-15T06:00:00Z') });
  });

  it('a route may ignore quiet hours and the digest', () => {
    const night = new Date('2025-03-14T23:30:00Z');
    expect(timing({ route: { ...route!, quietHours: false, digest: false }, severity: 'MEDIUM', now: night, settings: s })).toEqual({ mode: 'now' });
  });
});

describe('quietUntil', () => {
  const nightly = QuietHoursConfig.parse({ timezone: 'Europe/Paris', start: '22:00', end: '07:00' });

  it('is undefined outside the window and the end of the window inside it', () => {
    expect(quietUntil(new Date('2025-03-14T20:59:00Z'), nightly)).toBeUndefined(); // 21:59 Paris
    expect(quietUntil(new Date('2025-03-14T21:00:00Z'), nightly)).toEqual(new Date('2025-03-15T06:00:00Z')); // 22:00 Paris
    expect(quietUntil(new Date('2025-03-15T05:59:00Z'), nightly)).toEqual(new Date('2025-03-15T06:00:00Z'));
    expect(quietUntil(new Date('2025-03-15T06:00:00Z'), nightly)).toBeUndefined();
  });

  it('follows daylight saving: the night of the March change ends at 07:00 summer time (05:00 UTC)', () => {
    // Europe/Paris moves to UTC+2 at 02:00 on 30 March 2025.
    expect(quietUntil(new Date('2025-03-29T22:00:00Z'), nightly)).toEqual(new Date('2025-03-30T05:00:00Z'));
    expect(quietUntil(new Date('2025-10-25T22:00:00Z'), nightly)).toEqual(new Date('2025-10-26T06:00:00Z'));
  });

  it('days name the day a window starts; a whole-day window chains into the next', () => {
    const weekend = QuietHoursConfig.parse({ timezone: 'UTC', windows: [{ start: '00:00', end: '00:00', days: ['sat', 'sun'] }, { start: '19:00', end: '08:00', days: ['fri'] }] });
    // Friday 20:00 UTC: the Friday evening window runs into Saturday and Sunday, ending Monday 00:00.
    expect(quietUntil(new Date('2025-03-14T20:00:00Z'), weekend)).toEqual(new Date('2025-03-17T00:00:00Z'));
    expect(quietUntil(new Date('2025-03-16T12:00:00Z'), weekend)).toEqual(new Date('2025-03-17T00:00:00Z'));
    expect(quietUntil(new Date('2025-03-17T00:00:00Z'), weekend)).toBeUndefined();
    expect(quietUntil(new Date('2025-03-13T20:00:00Z'), weekend)).toBeUndefined(); // Thursday evening
  });

  it('a daytime window in another zone', () => {
    const lunch = QuietHoursConfig.parse({ timezone: 'America/New_York', start: '12:00', end: '13:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] });
    expect(quietUntil(new Date('2025-03-14T16:30:00Z'), lunch)).toEqual(new Date('2025-03-14T17:00:00Z')); // 12:30 EDT
    expect(quietUntil(new Date('2025-03-15T16:30:00Z'), lunch)).toBeUndefined(); // Saturday
  });
});

describe('backoff', () => {
  const retry = { backoff: 2_000, maxBackoff: 3_600_000 };
  it('grows fourfold up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffMs(n, retry))).toEqual([2_000, 8_000, 32_000, 128_000, 512_000, 2_048_000, 3_600_000, 3_600_000]);
  });
  it('waits at least as long as Retry-After asks', () => {
    expect(backoffMs(1, retry, 30_000)).toBe(30_000);
    expect(backoffMs(5, retry, 30_000)).toBe(30_000);
    expect(backoffMs(1, retry, 0)).toBe(2_000);
  });
});
