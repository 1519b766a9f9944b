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

export function get(record: Json, path: string): unknown {
  let cur: unknown = record;
  for (const k of path.split('.')) {
    const o = obj(cur);
    if (!o) return undefined;
    cur = o[k];
  }
  return cur;
}

/** Parses producer timestamps (`2020-04-17T00:17:53.159+0000`, ISO 8601) into ISO UTC. */
export function toIsoTime(v: unknown, field: string): string {
  const s = str(v);
  if (s === undefined) throw new VigilError('VIGIL_INPUT_INVALID', 'missing timestamp', { field });
  // `+0000` without a colon is what Wazuh and Suricata write; Date wants `+00:00`.
  const fixed = s.replace(/([+-]\d\d)(\d\d)$/, '$1:$2');
  const t = Date.parse(fixed);
  if (Number.isNaN(t)) throw new VigilError('VIGIL_INPUT_INVALID', `"${s.slice(0, 40)}" is not a timestamp`, { field });
  return new Date(t).toISOString();
}
