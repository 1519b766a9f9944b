// Small, format-neutral text helpers shared by the HTML, Markdown and notification renderers.

import { neutralize } from '../core/text.js';

// Anything cleanText changes; most values have none, and a report cleans thousands of them.
const NEEDS_CLEANING = /[\r\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/;
// Anything oneLine collapses: a run of white space, white space other than a space, or at either end.
const NEEDS_COLLAPSE = /\s\s|[^\S ]|^\s|\s$/;

/**
 * Makes hostile text safe to show in any output: bidi overrides, invisible and control characters
 * (terminal escapes) are shown as `\u202E`, `\u001B` (core/text.ts); tabs and newlines stay.
 */
export function cleanText(value: unknown): string {
  if (value === undefined || value === null) return '';
  const s = String(value);
  if (!NEEDS_CLEANING.test(s)) return s;
  return neutralize(s.replace(/\r\n?/g, '\n'));
}

/** `cleanText` collapsed onto one line: for table cells, list items and subjects. */
export function oneLine(value: unknown): string {
  const s = cleanText(value);
  return NEEDS_COLLAPSE.test(s) ? s.replace(/\s+/g, ' ').trim() : s;
}

/** Shortens to `max` characters with an ellipsis, so one hostile field cannot flood a subject. */
export function truncate(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * `2025-03-14 09:12:03 UTC` for any parseable timestamp; otherwise the cleaned input, because a
 * report must never hide a value it could not understand.
 */
export function formatTime(value: string | undefined): string {
  if (!value) return '';
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return oneLine(value);
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Signed points (`+30`, `-10`, `0`): the sign is what tells a reader which way an input pushed. */
export function formatDelta(delta: number): string {
  if (!Number.isFinite(delta)) return String(delta);
  const shown = Number.isInteger(delta) ? String(Math.abs(delta)) : Math.abs(delta).toFixed(1);
  if (delta > 0) return `+${shown}`;
  if (delta < 0) return `-${shown}`;
  return '0';
}

/** A score as people read it: whole numbers stay whole, others get one decimal. */
export function formatScore(score: number): string {
  if (!Number.isFinite(score)) return String(score);
  return Number.isInteger(score) ? String(score) : score.toFixed(1);
}

/** Stable sort by timestamp; entries whose time does not parse keep their order after the rest. */
export function byTime<T>(items: readonly T[], timeOf: (item: T) => string): T[] {
  return items
    .map((item, index) => ({ item, index, ms: Date.parse(timeOf(item)) }))
    .sort((a, b) => {
      const an = Number.isNaN(a.ms);
      const bn = Number.isNaN(b.ms);
      if (an !== bn) return an ? 1 : -1;
      if (!an && a.ms !== b.ms) return a.ms - b.ms;
      return a.index - b.index;
    })
    .map((x) => x.item);
}
