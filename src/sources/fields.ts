import { VigilError } from '../core/errors.js';

/** Small readers for untrusted JSON: each says which field is wrong and why. */

export type Json = Record<string, unknown>;

export function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export function strs(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

export function requireStr(record: Json, path: string): string {
  const v = str(get(record, path));
  if (v === undefined || v === '') throw new VigilError('VIGIL_INPUT_INVALID', `missing or not a string`, { field: path });
  return v;
}

// Field paths repeat for every alert: split each once.
const splitCache = new Map<string, string[]>();

export function get(record: Json, path: string): unknown {
  let parts = splitCache.get(path);
  if (!parts) splitCache.set(path, (parts = path.split('.')));
  let cur: unknown = record;
  for (const k of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[k];
  }
  return cur;
}

// `2026-11-18T09:14:02.113+0000` / `…Z`: Wazuh and Suricata write UTC with exactly this shape.
const UTC_MS = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(?:\+0000|\+00:00|Z)$/;

/** Parses producer timestamps (`2020-04-17T00:17:53.159+0000`, ISO 8601) into ISO UTC. */
export function toIsoTime(v: unknown, field: string): string {
  const s = str(v);
  if (s === undefined) throw new VigilError('VIGIL_INPUT_INVALID', 'missing timestamp', { field });
  const m = UTC_MS.exec(s);
  if (m) {
    // Already UTC: reformat without a Date round trip (the hot path), after checking the fields are a real time.
    const iso = `${m[1]}.${((m[2] ?? '') + '000').slice(0, 3)}Z`;
    const t = Date.parse(iso);
    if (!Number.isNaN(t)) return iso;
  }
  // `+0000` without a colon is what Wazuh and Suricata write; Date wants `+00:00`.
  const fixed = s.replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const t = Date.parse(fixed);
  if (Number.isNaN(t)) throw new VigilError('VIGIL_INPUT_INVALID', `"${s.slice(0, 40)}" is not a timestamp`, { field });
  return new Date(t).toISOString();
}
