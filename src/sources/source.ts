import type { Alert, Observable } from '../core/types.js';

/** A normalized alert before observables from free text are added. */
export type NormalizedAlert = Omit<Alert, 'observables'> & {
  /** Observables read from structured fields (src/dst IPs, users, hashes, …). */
  observables: Observable[];
  /** Free-text fields to run the IOC extractor over, with the field path each came from. */
  text: Array<{ field: string; value: string }>;
};

/**
 * A format or system alerts come from. One folder under `src/sources/` per source, listed in
 * `registry.ts`. `accepts` is called on every record to route it, so keep it to a few property checks.
 */
export interface AlertSource {
  /** Equals the folder name: `wazuh`, `suricata`. */
  id: string;
  description: string;
  /** True when the record is in this source's format. */
  accepts(record: Record<string, unknown>): boolean;
  /**
   * The normalized alert, `null` when the record is valid but not an alert (a Suricata flow event),
   * or throws a VigilError naming the field when the record is malformed.
   */
  normalize(record: Record<string, unknown>): NormalizedAlert | null;
}

export function defineAlertSource(s: AlertSource): AlertSource {
  return s;
}
