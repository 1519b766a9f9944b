// What travels between the stages, validated where it is read (the bus is an edge), and how
// work is spread over partitions.
import { hash } from 'node:crypto';
import { z } from 'zod';
import { VigilError } from '../core/errors.js';
import type { Alert } from '../core/types.js';
import type { EnrichedObservable } from '../intel/engine.js';
import type { IngestItem } from '../pipeline/run.js';

/** FNV-1a: a stable, fast 32-bit hash, the same in every process and version. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function partitionOf(key: string, partitions: number): number {
  return partitions <= 1 ? 0 : hash32(key) % partitions;
}

function pick(rec: Record<string, unknown>, path: string): string | undefined {
  let cur: unknown = rec[path];
  if (cur === undefined && path.includes('.')) {
    cur = rec;
    for (const k of path.split('.')) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  }
  return typeof cur === 'string' && cur ? cur : undefined;
}

// Where the formats Vigil reads keep the host an event is about (or the sensor that saw it):
// Wazuh agent, Suricata sensor, ECS, Windows event logs, syslog-style records.
const HOST_PATHS = ['agent.name', 'host.name', 'host', 'Computer', 'ComputerName', 'Hostname', 'hostname', 'predecoder.hostname', 'manager.name'];

/**
 * The partition key of a raw record: its host, lower-cased, read without normalizing the record
 * (that is the workers' job). Records of one host stay in one partition, in order, which is what
 * per-host correlation windows and host grouping need.
 */
export function recordKey(rec: Record<string, unknown>): string {
  for (const p of HOST_PATHS) {
    const v = pick(rec, p);
    if (v) return v.toLowerCase();
  }
  return '';
}

/** The partition key of a built alert: its host, as the grouper's host key has it. */
export function alertKey(alert: Pick<Alert, 'host'>): string {
  return alert.host.name.toLowerCase();
}

/** A message id from content: a request sent again (a client retry) publishes the same ids. */
export function contentId(prefix: string, body: string): string {
  return `${prefix}_${hash('sha256', body, 'base64url').slice(0, 32)}`;
}

const Origin = { file: z.string().max(4096), line: z.number().int() };

// Built alerts are checked for the fields every later stage reads; the rest is passed through as is.
const AlertShape = z.looseObject({
  id: z.string().min(1).max(200),
  source: z.string().min(1),
  sourceRef: z.string().min(1),
  time: z.string(),
  title: z.string(),
  rule: z.looseObject({ id: z.string(), level: z.number() }),
  host: z.looseObject({ name: z.string() }),
  observables: z.array(z.looseObject({ type: z.string(), value: z.string() })),
});

const IngestItemShape = z.union([
  z.object({ ...Origin, record: z.record(z.string(), z.unknown()) }),
  z.object({ ...Origin, alert: AlertShape }),
  z.object({ ...Origin, issue: z.object({ file: z.string(), line: z.number(), field: z.string().optional(), reason: z.string() }) }),
]);

/** What `vigil serve` (or anything ingesting in the distributed mode) publishes: raw records or built alerts. */
export const IngestMessage = z.object({ v: z.literal(1), items: z.array(IngestItemShape).max(10_000) });
export type IngestMessage = { v: 1; items: Array<Exclude<IngestItem, { fileDone: string }>> };

const Risk = z.looseObject({ type: z.string(), value: z.string(), score: z.number(), verdict: z.string(), evidence: z.array(z.string()) });

/** What the ingest stage hands the case stage: new alerts and the intel about their observables. */
export const CaseMessage = z.object({
  v: z.literal(1),
  alerts: z.array(AlertShape).max(10_000),
  intel: z.array(z.tuple([z.string(), z.object({ risk: Risk, results: z.array(z.looseObject({ provider: z.string(), verdict: z.string(), score: z.number() })) })])),
});
export interface CaseMessage {
  v: 1;
  alerts: Alert[];
  intel: Array<[string, Pick<EnrichedObservable, 'risk' | 'results'>]>;
}

/** What the case stage hands the respond stage: the cases of one respond partition it changed. */
export const RespondMessage = z.object({ v: z.literal(1), caseIds: z.array(z.string().min(1).max(200)).min(1).max(100_000) });
export interface RespondMessage {
  v: 1;
  caseIds: string[];
}

const decoder = new TextDecoder();

/** Parses a message body; a malformed one is a VigilError that is not retryable (it goes to the dead letters). */
export function decode<T>(schema: z.ZodType, data: Uint8Array, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(data));
  } catch (e) {
    throw new VigilError('VIGIL_INPUT_INVALID', `${what} message is not JSON: ${(e as Error).message}`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new VigilError('VIGIL_INPUT_INVALID', `${what} message is malformed at ${i.path.join('.') || '(root)'}: ${i.message}`, { field: i.path.join('.') });
  }
  return json as T;
}

const encoder = new TextEncoder();
export function encode(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}
