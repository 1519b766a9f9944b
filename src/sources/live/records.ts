import type { InputRecord } from '../reader.js';

/** One line or message of JSON text as a record, or as rejected input that says why. */
export function jsonRecord(file: string, line: number, text: string): InputRecord {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { file, line, issue: { file, line, reason: `not valid JSON (${(e as Error).message.replace(/^.*?: /, '').slice(0, 120)})` } };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { file, line, issue: { file, line, reason: 'not a JSON object' } };
  return { file, line, record: v as Record<string, unknown> };
}

export function rejected(file: string, line: number, reason: string): InputRecord {
  return { file, line, issue: { file, line, reason } };
}
