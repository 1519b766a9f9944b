// Small helpers the remote providers' mappers share. Provider answers are hostile input: every
// field is checked for its type before use, and missing fields are tolerated.
import { z } from 'zod';

/** A finite number, or 0. */
export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function str(v: unknown, max = 500): string | undefined {
  return typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined;
}

export function strings(v: unknown, max = 50): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '').slice(0, max).map((x) => x.slice(0, 200)) : [];
}

export function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** `1204` → `1,204`. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Epoch seconds → ISO 8601, or undefined. */
export function isoFromEpoch(s: unknown): string | undefined {
  const n = num(s);
  if (n <= 0 || n > 32503680000) return undefined;
  return new Date(n * 1000).toISOString();
}

/** Any date text → ISO 8601, or undefined. */
export function isoFromText(s: unknown): string | undefined {
  if (typeof s !== 'string' || s.length > 64) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** An http(s) base URL, trailing slashes removed. */
export const BaseUrl = z
  .string()
  .refine((s) => /^https?:\/\/[^/\s]+/i.test(s), 'must be an http:// or https:// URL')
  .transform((s) => s.replace(/\/+$/, ''));

/** Said once at start by a remote provider configured without its key. */
export function noKey(provider: string, env: string): { disabled: string } {
  return { disabled: `no API key (set intel.providers.${provider}.apiKey or ${env})` };
}
