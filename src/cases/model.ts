// TheHive's vocabulary next to Vigil's: severities, TLP/PAP, statuses, observable data types and
// ATT&CK tactics. Pure functions, shared by the API, the store code and the connector.
import ipaddr from 'ipaddr.js';
import { SEVERITIES, type ObservableType, type Severity } from '../core/types.js';
import { ipScope } from '../ioc/classify.js';

export const SEVERITY_LABELS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export const TLP_LABELS = ['WHITE', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const;
export const PAP_LABELS = ['WHITE', 'GREEN', 'AMBER', 'RED'] as const;

/** TheHive severity 1–4 ↔ Vigil LOW…CRITICAL. */
export function severityToNumber(s: string): number {
  const i = SEVERITIES.indexOf(s as Severity);
  return i < 0 ? 2 : i + 1;
}

export function severityFromNumber(n: number): Severity {
  return SEVERITIES[Math.min(4, Math.max(1, Math.round(n))) - 1]!;
}

/** A score in the middle of each band of the default thresholds, for alerts TheHive clients rate by hand. */
export const SEVERITY_SCORE: Record<Severity, number> = { LOW: 15, MEDIUM: 40, HIGH: 65, CRITICAL: 90 };

export function tlpLabel(n: number): string {
  return TLP_LABELS[n] ?? 'AMBER';
}

export function papLabel(n: number): string {
  return PAP_LABELS[n] ?? 'AMBER';
}

/** A level given as a number or as its label (`"AMBER"`, `"HIGH"`), for filters and inputs. */
export function levelFromLabel(kind: 'severity' | 'tlp' | 'pap', v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return undefined;
  const t = v.trim().toUpperCase();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  const labels: readonly string[] = kind === 'severity' ? SEVERITY_LABELS : kind === 'tlp' ? [...TLP_LABELS, 'CLEAR'] : [...PAP_LABELS, 'CLEAR'];
  const i = labels.indexOf(t);
  if (i < 0) return undefined;
  return labels[i] === 'CLEAR' ? 0 : kind === 'severity' ? i + 1 : i;
}

export const CASE_STATUSES = ['New', 'InProgress', 'Indeterminate', 'FalsePositive', 'TruePositive', 'Other', 'Duplicated'] as const;
export type HiveCaseStatus = (typeof CASE_STATUSES)[number];
export const OPEN_CASE_STATUSES: readonly string[] = ['New', 'InProgress'];
export const IMPACT_STATUSES = ['NotApplicable', 'WithImpact', 'NoImpact'] as const;

/** TheHive 4 resolution statuses, which TheHive 5 made case statuses. */
const RESOLUTIONS = new Set(['Indeterminate', 'FalsePositive', 'TruePositive', 'Other', 'Duplicated']);

/**
 * A status as TheHive 5 (`TruePositive`) or TheHive 4 (`Resolved` + `resolutionStatus`, `Open`) clients
 * send it, as a TheHive 5 status; undefined when it is neither.
 */
export function normalizeCaseStatus(status: string, resolutionStatus?: string): HiveCaseStatus | undefined {
  if ((CASE_STATUSES as readonly string[]).includes(status)) return status as HiveCaseStatus;
  if (status === 'Resolved') return resolutionStatus && RESOLUTIONS.has(resolutionStatus) ? (resolutionStatus as HiveCaseStatus) : 'Indeterminate';
  if (status === 'Open') return 'InProgress';
  return undefined;
}

export function caseStage(status: string): 'New' | 'InProgress' | 'Closed' {
  return status === 'New' ? 'New' : status === 'InProgress' ? 'InProgress' : 'Closed';
}

export const ALERT_STATUSES = ['New', 'InProgress', 'Imported', 'Ignored', 'Duplicated', 'FalsePositive', 'TruePositive', 'Other', 'Indeterminate'] as const;

export function alertStage(status: string): 'New' | 'InProgress' | 'Imported' | 'Closed' {
  return status === 'New' || status === 'InProgress' || status === 'Imported' ? status : 'Closed';
}

/** An alert's status: set by hand, else Imported once it is in a case, else New. */
export function alertStatus(hiveStatus: string | null, caseId: string | null): string {
  return hiveStatus ?? (caseId ? 'Imported' : 'New');
}

/** TheHive's default observable data types (clients may send others; they are kept, unlinked). */
export const HIVE_DATA_TYPES = [
  'autonomous-system', 'domain', 'file', 'filename', 'fqdn', 'hash', 'hostname', 'ip', 'mail', 'mail-subject',
  'other', 'regexp', 'registry', 'uri_path', 'url', 'user-agent',
] as const;

/** Vigil observable type → TheHive data type (types TheHive lacks become `other`). */
export const HIVE_TYPE_OF: Record<ObservableType, string> = {
  ipv4: 'ip', ipv6: 'ip', cidr: 'ip', domain: 'domain', url: 'url', email: 'mail',
  md5: 'hash', sha1: 'hash', sha256: 'hash', sha512: 'hash',
  cve: 'other', attack: 'other', asn: 'autonomous-system', registry: 'registry', filepath: 'filename',
  btc: 'other', eth: 'other', user: 'other', host: 'hostname', process: 'other', commandline: 'other',
};

const HASH_BY_LENGTH: Record<number, ObservableType> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

/**
 * The Vigil observable a TheHive (dataType, data) pair is, normalized as the pipeline normalizes it,
 * or undefined when the type has no Vigil counterpart or the value does not parse (an `ip` that is
 * not an address): such observables are kept as TheHive sent them but are not enriched or shared.
 */
export function vigilObservable(dataType: string, data: string): { type: ObservableType; value: string; scope?: 'public' | 'private' | 'reserved' } | undefined {
  const v = data.trim();
  if (!v || v.length > 8192) return undefined;
  switch (dataType) {
    case 'ip': {
      try {
        if (v.includes('/')) {
          const [addr, bits] = ipaddr.parseCIDR(v);
          return { type: 'cidr', value: `${addr.toString()}/${bits}` };
        }
        let a = ipaddr.parse(v);
        if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
        // ipaddr.parse accepts octal/hex parts ("010.1.1.1"); only the canonical form is an address here.
        if (a.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(v) && !v.includes(':')) return undefined;
        const value = a.toString();
        const scope = ipScope(value);
        return { type: a.kind() === 'ipv4' ? 'ipv4' : 'ipv6', value, ...(scope && { scope }) };
      } catch {
        return undefined;
      }
    }
    case 'domain':
    case 'fqdn':
      return /^[^\s/@]+\.[^\s/@]+$/.test(v) ? { type: 'domain', value: v.toLowerCase().replace(/\.$/, '') } : undefined;
    case 'hostname':
      return /^[^\s/@]+$/.test(v) ? { type: 'host', value: v.toLowerCase() } : undefined;
    case 'url':
      return /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(v) ? { type: 'url', value: v } : undefined;
    case 'mail':
      return /^[^\s@]+@[^\s@]+$/.test(v) ? { type: 'email', value: v.toLowerCase() } : undefined;
    case 'hash': {
      const t = HASH_BY_LENGTH[v.length];
      return t && /^[0-9a-f]+$/i.test(v) ? { type: t, value: v.toLowerCase() } : undefined;
    }
    case 'filename':
      return { type: 'filepath', value: v };
    case 'registry':
      return { type: 'registry', value: v };
    case 'autonomous-system': {
      const m = /^(?:AS)?\s*(\d{1,10})$/i.exec(v);
      return m ? { type: 'asn', value: `AS${m[1]}` } : undefined;
    }
    default:
      return undefined;
  }
}

/** ATT&CK tactics by TheHive short name. */
export const TACTICS: Record<string, string> = {
  reconnaissance: 'Reconnaissance',
  'resource-development': 'Resource Development',
  'initial-access': 'Initial Access',
  execution: 'Execution',
  persistence: 'Persistence',
  'privilege-escalation': 'Privilege Escalation',
  'defense-evasion': 'Defense Evasion',
  'credential-access': 'Credential Access',
  discovery: 'Discovery',
  'lateral-movement': 'Lateral Movement',
  collection: 'Collection',
  'command-and-control': 'Command and Control',
  exfiltration: 'Exfiltration',
  impact: 'Impact',
};

/** `Credential Access`, `credential_access` or `credential-access` → `credential-access`. */
export function tacticSlug(t: string): string | undefined {
  const s = t.trim().toLowerCase().replace(/[\s_]+/g, '-');
  return s in TACTICS ? s : undefined;
}

export const PATTERN_ID = /^T\d{4}(\.\d{3})?$/;
