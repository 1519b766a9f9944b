import { DAYS, type QuietHoursConfig } from './config.js';

interface Window {
  start: number;
  end: number;
  days: Set<number>;
}

interface Local {
  y: number;
  m: number;
  d: number;
  minutes: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    formatters.set(tz, f);
  }
  return f;
}

const WEEKDAY: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function local(at: Date, tz: string): Local & { seconds: number } {
  const p: Record<string, string> = {};
  for (const part of formatter(tz).formatToParts(at)) p[part.type] = part.value;
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), minutes: Number(p.hour) * 60 + Number(p.minute), seconds: Number(p.second), weekday: WEEKDAY[p.weekday!] ?? 0 };
}

/** The UTC instant of a wall-clock time in a zone (the later one when a DST change repeats it; the first valid one after a gap). */
function zonedToUtc(y: number, m: number, d: number, minutes: number, tz: string): Date {
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const l = local(new Date(guess), tz);
    const seen = Date.UTC(l.y, l.m - 1, l.d, 0, l.minutes) + l.seconds * 1000;
    const diff = wall - seen;
    if (diff === 0) break;
    guess += diff;
  }
  return new Date(guess);
}

function windowsOf(q: QuietHoursConfig): Window[] {
  const list = q.windows ?? [{ start: q.start!, end: q.end!, days: q.days }];
  const toMin = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return list.map((w) => ({ start: toMin(w.start), end: toMin(w.end), days: new Set((w.days ?? DAYS).map((d) => DAYS.indexOf(d))) }));
}

function addDays(y: number, m: number, d: number, n: number): { y: number; m: number; d: number } {
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** When the window active at `at` ends, or undefined when it is not active. */
function endOfActive(at: Date, tz: string, windows: Window[]): Date | undefined {
  const l = local(at, tz);
  let best: Date | undefined;
  for (const w of windows) {
    let end: { y: number; m: number; d: number; minutes: number } | undefined;
    const prevDay = (l.weekday + 6) % 7;
    if (w.start < w.end) {
      if (w.days.has(l.weekday) && l.minutes >= w.start && l.minutes < w.end) end = { y: l.y, m: l.m, d: l.d, minutes: w.end };
    } else {
      // Overnight (22:00–07:00) or a whole day (start = end): it started today or yesterday.
      const span = w.start === w.end ? 1440 : 1440 - w.start + w.end;
      if (w.days.has(l.weekday) && l.minutes >= w.start) end = { ...addDays(l.y, l.m, l.d, 1), minutes: w.start + span - 1440 };
      else if (w.days.has(prevDay) && l.minutes < w.end) end = { y: l.y, m: l.m, d: l.d, minutes: w.end };
    }
    if (!end) continue;
    const utc = zonedToUtc(end.y, end.m, end.d, end.minutes, tz);
    if (utc.getTime() > at.getTime() && (!best || utc > best)) best = utc;
  }
  return best;
}

/**
 * When the quiet period covering `at` ends, following adjacent and overlapping windows (a nightly
 * window running into a weekend one), or undefined when `at` is not in quiet hours.
 */
export function quietUntil(at: Date, q: QuietHoursConfig): Date | undefined {
  const windows = windowsOf(q);
  let end = endOfActive(at, q.timezone, windows);
  if (!end) return undefined;
  for (let i = 0; i < 16; i++) {
    const next = endOfActive(end, q.timezone, windows);
    if (!next) break;
    end = next;
  }
  return end;
}
