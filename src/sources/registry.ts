import type { AlertSource } from './source.js';
import suricata from './suricata/index.js';
import wazuh from './wazuh/index.js';

/** Every alert source; order matters only when two accept the same record (first wins). */
export const ALERT_SOURCES: readonly AlertSource[] = [wazuh, suricata];

export function sourceFor(record: Record<string, unknown>): AlertSource | undefined {
  for (const s of ALERT_SOURCES) if (s.accepts(record)) return s;
  return undefined;
}
