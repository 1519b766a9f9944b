// Vigil's alerts and cases as TheHive 5 inputs. Pure: the same rows always give the same inputs
// (and the same hash), so the connector pushes only what changed.
import { createHash } from 'node:crypto';
import type { Alert, Assessment } from '../../core/types.js';
import { HIVE_TYPE_OF, OPEN_CASE_STATUSES, severityToNumber } from '../../cases/model.js';
import type { AlertRow, ArtifactRow, CaseRow } from '../../cases/service.js';
import { observableId } from '../../store/repo.js';

export interface RemoteObservable {
  dataType: string;
  data: string;
  message?: string;
  tlp?: number;
  pap?: number;
  tags?: string[];
  ioc?: boolean;
  sighted?: boolean;
}

export interface RemoteAlert {
  type: string;
  source: string;
  sourceRef: string;
  title: string;
  description: string;
  date: number;
  severity: number;
  tags: string[];
  tlp: number;
  pap: number;
  flag: boolean;
  observables: RemoteObservable[];
  externalLink?: string;
}

const MAX_OBSERVABLES = 1000;

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The alert as a TheHive alert: the pipeline's with Vigil's assessment in the description. */
export function alertInput(row: AlertRow, artifacts: ArtifactRow[] | undefined, alertType: string, malicious: ReadonlySet<string> = new Set()): RemoteAlert {
  const data = row.data as Alert & { assessment?: Assessment };
  const fromThehive = row.extra['origin'] === 'thehive';
  const lines: string[] = [];
  if (data.description) lines.push(data.description);
  if (!fromThehive) {
    lines.push(`Rule ${data.rule?.id ?? row.ruleId} (level ${data.rule?.level ?? row.ruleLevel}) on ${row.host || 'an unknown host'}, ${row.source} alert ${row.sourceRef}.`);
    const a = data.assessment;
    if (a) {
      lines.push(`Vigil assessed ${a.severity} (score ${a.score}):`);
      for (const r of [...a.reasons].sort((x, y) => y.delta - x.delta).slice(0, 8)) lines.push(`- ${r.detail} (${r.delta >= 0 ? '+' : ''}${r.delta})`);
    }
  }
  const observables: RemoteObservable[] = fromThehive
    ? (artifacts ?? []).map((o) => ({
        dataType: o.dataType,
        data: o.data,
        ...(o.message && { message: o.message }),
        tlp: o.tlp,
        pap: o.pap,
        tags: o.tags,
        ioc: o.ioc,
        sighted: o.sighted,
      }))
    : (data.observables ?? []).map((o) => {
        const dataType = HIVE_TYPE_OF[o.type] ?? 'other';
        // Types TheHive has no name for travel as `other`, tagged with what they are.
        const tags = [...(dataType === 'other' ? [`vigil:${o.type}`] : []), ...(o.role ? [`role:${o.role}`] : [])];
        // Found malicious by intel: an IOC over there too.
        return { dataType, data: o.value, ...(tags.length && { tags }), ...(malicious.has(observableId(o)) && { ioc: true }) };
      });
  const mitre = data.rule?.mitre?.ids ?? [];
  return {
    type: row.type === 'vigil' ? alertType : row.type,
    source: row.source,
    sourceRef: row.sourceRef,
    title: clip(row.title, 1024),
    description: clip(lines.join('\n'), 100_000),
    date: Date.parse(row.time),
    severity: severityToNumber(row.severity),
    tags: [...new Set([...row.tags, ...(data.rule?.groups ?? []), ...mitre])].slice(0, 200),
    tlp: row.tlp,
    pap: row.pap,
    flag: row.flag,
    observables: dedupeObservables(observables).slice(0, MAX_OBSERVABLES),
    ...(typeof row.extra['externalLink'] === 'string' && { externalLink: row.extra['externalLink'] }),
  };
}

function dedupeObservables(list: RemoteObservable[]): RemoteObservable[] {
  const m = new Map<string, RemoteObservable>();
  for (const o of list) if (!m.has(`${o.dataType}\u0000${o.data}`)) m.set(`${o.dataType}\u0000${o.data}`, o);
  return [...m.values()];
}

/** What may change on an alert after it was created remotely. */
export function alertUpdate(a: RemoteAlert): Record<string, unknown> {
  const { observables: _o, type: _t, source: _s, sourceRef: _r, ...rest } = a;
  return rest;
}

export interface RemoteCase {
  title: string;
  description: string;
  severity: number;
  tags: string[];
  tlp: number;
  pap: number;
  flag: boolean;
  startDate: number;
  status: string;
  impactStatus?: string;
  summary?: string;
}

export function caseInput(row: CaseRow): RemoteCase {
  const a = row.assessment as Assessment;
  const description =
    row.description ||
    [
      `Vigil case #${row.number}: ${row.alertCount} alert${row.alertCount === 1 ? '' : 's'} between ${row.firstAlertAt} and ${row.lastAlertAt}.`,
      `Assessed ${row.severity} (score ${row.score}):`,
      ...[...(a?.reasons ?? [])].sort((x, y) => y.delta - x.delta).slice(0, 8).map((r) => `- ${r.detail} (${r.delta >= 0 ? '+' : ''}${r.delta})`),
    ].join('\n');
  const closed = !OPEN_CASE_STATUSES.includes(row.status);
  return {
    title: clip(row.title, 1024),
    description,
    severity: severityToNumber(row.severity),
    tags: [...new Set(['vigil', ...row.tags])],
    tlp: row.tlp,
    pap: row.pap,
    flag: row.flag,
    startDate: Date.parse(row.startDate ?? row.firstAlertAt),
    status: row.status,
    ...(closed && { impactStatus: row.impactStatus ?? 'NotApplicable' }),
    ...(row.summary && { summary: row.summary }),
  };
}

/** What changes on a case are pushed as (the status only once it was created). */
export function caseUpdate(c: RemoteCase): Record<string, unknown> {
  const { startDate: _s, ...rest } = c;
  return rest;
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
