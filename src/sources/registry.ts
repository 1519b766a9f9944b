import ecs from './ecs/index.js';
import type { AlertSource } from './source.js';
import suricata from './suricata/index.js';
import wazuh from './wazuh/index.js';

/**
 * Every alert source; order matters only when two accept the same record (first wins). ECS comes first:
 * its check is precise (kibana.alert.* / signal.*), while an Elastic alert may carry ECS `rule` and `agent`
 * objects that Wazuh's looser check would take.
 */
export const ALERT_SOURCES: readonly AlertSource[] = [ecs, wazuh, suricata];

export function sourceFor(record: Record<string, unknown>): AlertSource | undefined {
  for (const s of ALERT_SOURCES) if (s.accepts(record)) return s;
  return undefined;
}
