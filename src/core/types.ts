import { z } from 'zod';

/** Severity bands, ordered from least to most urgent. */
export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/**
 * Observable types. Indicator types share their names with the IOC extractor's output keys;
 * the context types (user, host, process, commandline) come from structured alert fields.
 */
export const OBSERVABLE_TYPES = [
  'ipv4', 'ipv6', 'cidr', 'domain', 'url', 'email',
  'md5', 'sha1', 'sha256', 'sha512',
  'cve', 'attack', 'asn', 'registry', 'filepath', 'btc', 'eth',
  'user', 'host', 'process', 'commandline',
] as const;
export const ObservableType = z.enum(OBSERVABLE_TYPES);
export type ObservableType = z.infer<typeof ObservableType>;

export const HASH_TYPES: readonly ObservableType[] = ['md5', 'sha1', 'sha256', 'sha512'];

/** Where an IP sits: only `public` addresses are worth asking remote intel about. */
export const IpScope = z.enum(['public', 'private', 'reserved']);
export type IpScope = z.infer<typeof IpScope>;

export const Observable = z.object({
  type: ObservableType,
  /** Normalized (refanged, lower-cased where the type is case-insensitive) value. */
  value: z.string().min(1),
  /** Role in the alert: `src`, `dst`, `file`, `user`, … (free text, for display and playbooks). */
  role: z.string().optional(),
  /** Field path or text the value came from. */
  context: z.string().optional(),
  /** For IP addresses: public / private / reserved. */
  scope: IpScope.optional(),
  /** For IP addresses seen in network traffic: the port on that side of the connection. */
  port: z.number().int().min(0).max(65535).optional(),
  /**
   * Found by decoding the text at `context`: the layers undone, outermost first (`powershell-enc`,
   * `safelinks`, `urldefense-v3`, `percent`, …; see docs/ioc.md). Absent when written plainly.
   */
  layers: z.array(z.string()).optional(),
  /** Unwrapped from a rewritten link (Safe Links, URL Defense, a redirector): the wrapping URL. */
  wrapper: z.string().optional(),
});
export type Observable = z.infer<typeof Observable>;

export const Mitre = z.object({
  ids: z.array(z.string()).default([]),
  tactics: z.array(z.string()).default([]),
  techniques: z.array(z.string()).default([]),
});
export type Mitre = z.infer<typeof Mitre>;

/** A normalized alert, whatever system produced it. */
export const Alert = z.object({
  /** Stable Vigil id derived from `source` + `sourceRef`: the idempotency key. */
  id: z.string(),
  /** The producing system: `wazuh`, `suricata`, … */
  source: z.string().min(1),
  /** The producer's own id for this alert. */
  sourceRef: z.string().min(1),
  /** Event time, ISO 8601 UTC. */
  time: z.string(),
  title: z.string(),
  description: z.string().default(''),
  rule: z.object({
    id: z.string(),
    /** Native level: Wazuh 0–15, Suricata 1 (high) – 3 (low), Sigma 1 (informational) – 5 (critical). */
    level: z.number(),
    /** The level scale the producer uses, so the assessor can normalize it. */
    scale: z.enum(['wazuh', 'suricata', 'sigma', 'generic']),
    groups: z.array(z.string()).default([]),
    mitre: Mitre.default({ ids: [], tactics: [], techniques: [] }),
  }),
  host: z.object({
    /** The host's canonical identity (src/core/identity.ts): grouping, tasks, containment and reports use it. */
    name: z.string(),
    /** Other names of the same host in this alert or learned for it (an FQDN, another spelling, `id:<agent id>`). */
    aliases: z.array(z.string()).optional(),
    ip: z.string().optional(),
    id: z.string().optional(),
    /** `agent`: the alert is about this host; `sensor`: a network sensor that saw the traffic. */
    role: z.enum(['agent', 'sensor']).optional(),
  }),
  observables: z.array(Observable).default([]),
  raw: z.unknown(),
});
export type Alert = z.infer<typeof Alert>;

export const Verdict = z.enum(['info', 'safe', 'suspicious', 'malicious', 'unknown']);
export type Verdict = z.infer<typeof Verdict>;

/** One provider's normalized answer about one observable (Cortex-taxonomy style). */
export const IntelResult = z.object({
  provider: z.string(),
  observable: z.object({ type: ObservableType, value: z.string() }),
  verdict: Verdict,
  /** 0 (benign) – 100 (certainly malicious). */
  score: z.number().min(0).max(100),
  /** Human-readable lines that justify the verdict. */
  evidence: z.array(z.string()).default([]),
  tags: z.array(z.string()).default([]),
  firstSeen: z.string().optional(),
  lastSeen: z.string().optional(),
  /** True when the answer is degraded (provider failed, timed out, …); `error` says why. */
  partial: z.boolean().optional(),
  error: z.string().optional(),
  raw: z.unknown().optional(),
});
export type IntelResult = z.infer<typeof IntelResult>;

export const Reason = z.object({
  /** Which input moved the score: `rule-level`, `intel`, `asset`, `tag`, `mitre`, … */
  factor: z.string(),
  detail: z.string(),
  /** Points added to (or taken from) the score. */
  delta: z.number(),
});
export type Reason = z.infer<typeof Reason>;

export const Assessment = z.object({
  severity: Severity,
  score: z.number(),
  reasons: z.array(Reason),
});
export type Assessment = z.infer<typeof Assessment>;

export const CaseStatus = z.enum(['New', 'InProgress', 'Indeterminate', 'FalsePositive', 'TruePositive', 'Other', 'Duplicated']);
export type CaseStatus = z.infer<typeof CaseStatus>;

export const TaskStatus = z.enum(['Waiting', 'InProgress', 'Completed', 'Cancel']);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const Task = z.object({
  id: z.string(),
  caseId: z.string(),
  title: z.string(),
  description: z.string().default(''),
  group: z.string().default('default'),
  status: TaskStatus.default('Waiting'),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type Task = z.infer<typeof Task>;

/** What a response action did, or would have done, or refused to do. */
export const ActionRecord = z.object({
  id: z.string(),
  caseId: z.string(),
  playbook: z.string(),
  action: z.string(),
  /**
   * `simulated`: recorded only (the default); `executed`: a real system was changed; `refused`: a guard
   * stopped it; `joined`: another case's effect on the same target was already in place, so this case
   * became one of its holders and nothing new was sent (src/playbooks/ledger.ts).
   */
  status: z.enum(['simulated', 'executed', 'refused', 'failed', 'skipped', 'joined']),
  target: z.string(),
  reason: z.string().default(''),
  details: z.record(z.string(), z.unknown()).default({}),
  at: z.string(),
  /** Path of the JSON artifact written for it, relative to the output folder. */
  artifact: z.string().optional(),
});
export type ActionRecord = z.infer<typeof ActionRecord>;

export const TimelineEntry = z.object({
  at: z.string(),
  kind: z.string(),
  message: z.string(),
  actor: z.string().default('vigil'),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const Notification = z.object({
  id: z.string(),
  caseId: z.string(),
  channel: z.string(),
  severity: Severity,
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  createdAt: z.string(),
  /** Where the channel put it (a path for the outbox, a URL or message id elsewhere). */
  location: z.string().optional(),
});
export type Notification = z.infer<typeof Notification>;
