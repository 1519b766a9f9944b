import type { Mitre } from '../../core/types.js';

/** Sigma rule levels, least to most urgent. */
export const SIGMA_LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type SigmaLevel = (typeof SIGMA_LEVELS)[number];

export const SIGMA_STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'] as const;
export type SigmaStatus = (typeof SIGMA_STATUSES)[number];

/** A rule's `logsource`: which log data the detection is meant for. */
export interface SigmaLogsource {
  category?: string;
  product?: string;
  service?: string;
  /** Free text for readers; not used for matching. */
  definition?: string;
}

/**
 * Where an event came from, as the engine is told or infers it. `category` and `service` may hold
 * several values because one event can belong to several categories (Sysmon EventID 13 is both
 * `registry_set` and `registry_event`).
 */
export interface EventLogsource {
  product?: string;
  category?: string | readonly string[];
  service?: string | readonly string[];
}

/** What the engine reports about a rule: the identity and context an alert needs. */
export interface SigmaRuleMeta {
  /** The rule's `id` (a UUID in SigmaHQ), or `file:line` when the rule has none. */
  readonly id: string;
  readonly title: string;
  /** `name`, the human-readable reference correlation rules may use instead of `id`. */
  readonly name?: string;
  readonly level: SigmaLevel;
  readonly status?: SigmaStatus;
  readonly description?: string;
  readonly tags: readonly string[];
  /** ATT&CK techniques and tactics derived from `attack.*` tags. */
  readonly mitre: Mitre;
  readonly logsource: SigmaLogsource;
  readonly falsepositives: readonly string[];
  /** Fields worth showing an analyst alongside a match. */
  readonly fields: readonly string[];
  readonly references: readonly string[];
  readonly author?: string;
  /** File the rule came from and the 1-based line its YAML document starts on. */
  readonly file: string;
  readonly line: number;
}

/** A detection: the matched rule's metadata (the same frozen object for every match of the rule). */
export type SigmaMatch = SigmaRuleMeta;

/**
 * A problem with a rule, collected rather than thrown: `invalid` rules break the schema or the
 * syntax, `unsupported` ones are valid Sigma this engine cannot run (e.g. an unresolved placeholder).
 */
export interface SigmaIssue {
  kind: 'invalid' | 'unsupported';
  file: string;
  line: number;
  /** Dotted path inside the rule (`detection.selection.Image|re`) when the problem has one. */
  field?: string;
  reason: string;
  ruleId?: string;
  title?: string;
}
