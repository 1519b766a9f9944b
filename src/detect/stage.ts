// The detect stage of the pipeline: Sigma detections and correlations over raw events, each
// turned into a core Alert (source `sigma`) so enrichment, severity, cases and playbooks apply.
import { createHash } from 'node:crypto';
import type { VigilConfig } from '../config.js';
import { VigilError } from '../core/errors.js';
import { alertId } from '../core/ids.js';
import type { NormalizedAlert } from '../sources/source.js';
import { ObservableBag } from '../sources/observe.js';
import { CorrelationEngine, type CorrelationMatch, type CorrelationSnapshot } from './correlation/engine.js';
import { SigmaEngine, type OverBudget } from './sigma/engine.js';
import { eventTimestamp } from './sigma/io.js';
import { loadPipelines } from './sigma/pipeline.js';
import type { SigmaIssue, SigmaLevel, SigmaMatch } from './sigma/types.js';

export interface DetectOptions {
  /** Rule files or folders. */
  rules: readonly string[];
  /** Field-mapping pipeline files (later files win). */
  pipelines?: readonly string[];
  /** Values for `expand` placeholders. */
  placeholders?: Record<string, string[]>;
  maxGroupsPerRule?: number;
  maxEntriesPerGroup?: number;
  latenessMs?: number;
  /** Per-event evaluation budget in ms (SigmaEngineOptions.budgetMs). */
  budgetMs?: number;
}

/** Sigma levels on the `sigma` rule scale the assessor reads (1 informational … 5 critical). */
export const SIGMA_LEVEL_NUMBER: Record<SigmaLevel, number> = { informational: 1, low: 2, medium: 3, high: 4, critical: 5 };

// Where the usual log shapes keep the host, the user and the network ends of an event.
const HOST_FIELDS = ['Computer', 'ComputerName', 'Hostname', 'hostname', 'host.name', 'agent.name', 'host'];
const USER_FIELDS = ['User', 'SubjectUserName', 'TargetUserName', 'user.name', 'AccountName'];
const SRC_IP_FIELDS = ['SourceIp', 'SourceAddress', 'IpAddress', 'src_ip', 'source.ip', 'data.srcip'];
const DST_IP_FIELDS = ['DestinationIp', 'DestAddress', 'dest_ip', 'destination.ip', 'data.dstip'];
const TEXT_FIELDS = ['CommandLine', 'ParentCommandLine', 'ScriptBlockText', 'QueryName', 'TargetFilename', 'Image', 'url', 'full_log', 'message'];

function read(fields: Record<string, unknown>, name: string): unknown {
  const v = fields[name];
  if (v !== undefined || !name.includes('.')) return v;
  let cur: unknown = fields;
  for (const k of name.split('.')) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

function first(fields: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = read(fields, n);
    if (typeof v === 'string' && v) return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

/** The event's other names for its host (`Computer` is the FQDN, `agent.name` the short name): one identity. */
function hostAliases(fields: Record<string, unknown>, host: string): string[] {
  const out: string[] = [];
  for (const f of HOST_FIELDS) {
    const v = read(fields, f);
    if (typeof v === 'string' && v && v.toLowerCase() !== host.toLowerCase() && !out.includes(v)) out.push(v);
  }
  return out;
}

/** The event's own identity when it has one (Windows record id, an `id` field), else its content. */
function eventRef(event: Record<string, unknown>, fields: Record<string, unknown>): string {
  const rec = first(fields, ['EventRecordID', 'event.id', 'id', '_id']);
  const host = first(fields, HOST_FIELDS) ?? '';
  if (rec) return `${host}/${rec}`;
  return createHash('sha256').update(JSON.stringify(event)).digest('base64url').slice(0, 22);
}

function hashes(bag: ObservableBag, fields: Record<string, unknown>): void {
  // Sysmon packs them as `SHA1=…,MD5=…,SHA256=…,IMPHASH=…`.
  const h = read(fields, 'Hashes');
  if (typeof h === 'string' && h.length < 1024) {
    for (const part of h.split(',')) {
      const eq = part.indexOf('=');
      const kind = part.slice(0, eq).trim().toUpperCase();
      if (kind === 'MD5' || kind === 'SHA1' || kind === 'SHA256') bag.hash(part.slice(eq + 1), 'file', 'Hashes');
    }
  }
  for (const f of ['md5', 'sha1', 'sha256', 'file.hash.sha256', 'hash.sha256']) bag.hash(read(fields, f), 'file', f);
}

/** How many recent correlation inputs are remembered to drop repeats. */
const RECENT_EVENTS = 50_000;

export interface DetectSnapshot {
  correlation: CorrelationSnapshot;
  recent: string[];
}

export interface DetectResult {
  alerts: NormalizedAlert[];
  detections: number;
  correlations: number;
  /** The event ran out of evaluation time: some rules were not evaluated for it. */
  overBudget?: OverBudget;
}

/** The issue text for an event that ran out of evaluation time. */
export function overBudgetReason(o: OverBudget): string {
  const list = o.skipped.slice(0, 5).join(', ') + (o.skipped.length > 5 ? `, … (${o.skipped.length - 5} more)` : '');
  return `Sigma evaluation of this event went over its ${o.budgetMs} ms budget (detect.budget) after ${o.evaluated} rule(s); ${o.skipped.length} rule(s) were not evaluated: ${list}`;
}

/** Loaded rules plus the correlation state; one per process, fed every event in order. */
export class DetectionStage {
  private readonly hidden: Set<string>;
  events = 0;
  detections = 0;
  correlations = 0;

  private constructor(
    readonly sigma: SigmaEngine,
    readonly correlation: CorrelationEngine,
    readonly issues: SigmaIssue[],
  ) {
    this.hidden = correlation.suppressed();
  }

  /** The stage for the `detect` section of vigil.yaml (its rules must not be empty). */
  static fromConfig(d: VigilConfig['detect']): DetectionStage {
    return DetectionStage.load({
      rules: d.rules,
      pipelines: d.pipelines,
      placeholders: d.placeholders,
      latenessMs: d.lateness,
      maxGroupsPerRule: d.maxGroupsPerRule,
      maxEntriesPerGroup: d.maxEntriesPerGroup,
      budgetMs: d.budget,
    });
  }

  static load(opts: DetectOptions): DetectionStage {
    if (!opts.rules.length) throw new VigilError('VIGIL_INPUT_INVALID', 'no Sigma rule files or folders given', { field: 'detect.rules' });
    const fieldMap = opts.pipelines?.length ? loadPipelines([...opts.pipelines]).fieldMap : undefined;
    const { engine, issues, correlations } = SigmaEngine.fromFiles(opts.rules, {
      ...(opts.placeholders && { placeholders: opts.placeholders }),
      ...(fieldMap && { fieldMap }),
      ...(opts.budgetMs !== undefined && { budgetMs: opts.budgetMs }),
    });
    const corr = CorrelationEngine.fromDocuments(correlations, engine.rules, {
      ...(opts.maxGroupsPerRule !== undefined && { maxGroupsPerRule: opts.maxGroupsPerRule }),
      ...(opts.maxEntriesPerGroup !== undefined && { maxEntriesPerGroup: opts.maxEntriesPerGroup }),
      ...(opts.latenessMs !== undefined && { latenessMs: opts.latenessMs }),
    });
    return new DetectionStage(engine, corr.engine, [...issues, ...corr.issues]);
  }

  get ruleCount(): number {
    return this.sigma.rules.length + this.correlation.rules.length;
  }

  /**
   * Runs every rule over one event and returns the alerts it raised: one per detection (unless the
   * rule only feeds a correlation) and one per correlation that fired. `now` is used when the event
   * carries no time of its own.
   */
  detect(event: Record<string, unknown>, now: number): DetectResult {
    this.events++;
    const prepared = this.sigma.prepareEvent(event);
    const found = this.sigma.matchFields(prepared.fields, prepared.logsource);
    const out: DetectResult = { alerts: [], detections: 0, correlations: 0, ...(this.sigma.lastOverBudget && { overBudget: this.sigma.lastOverBudget }) };
    if (!found.length && !this.correlation.rules.length) return out;
    const time = eventTimestamp(event) ?? now;
    for (const m of found) {
      if (this.hidden.has(m.id)) continue;
      out.detections++;
      out.alerts.push(this.detectionAlert(m, event, prepared.fields, time));
    }
    // An event that matched nothing still moves time on for windows judged at their close; one
    // delivered again (a replayed file, a redelivered message) must not count twice.
    let fired: CorrelationMatch[];
    if (!found.length) fired = this.correlation.advance(time);
    else {
      const ref = eventRef(event, prepared.fields);
      fired = this.remember(ref) ? this.correlation.process(found, prepared.fields, time) : this.correlation.advance(time);
    }
    for (const c of fired) {
      if (this.hidden.has(c.rule.id)) continue;
      out.correlations++;
      out.alerts.push(this.correlationAlert(c, prepared.fields));
    }
    this.detections += out.detections;
    this.correlations += out.correlations;
    return out;
  }

  /**
   * Moves time on without an event: correlation windows judged at their close (upper-bound
   * conditions) that ended by `now` fire. `Infinity` closes them all (the input has ended).
   */
  close(now: number): DetectResult {
    const out: DetectResult = { alerts: [], detections: 0, correlations: 0 };
    for (const c of this.correlation.advance(now)) {
      if (this.hidden.has(c.rule.id)) continue;
      out.correlations++;
      out.alerts.push(this.correlationAlert(c, {}));
    }
    this.correlations += out.correlations;
    return out;
  }

  /** Events that fed correlations lately, oldest first: a repeat is not counted again. */
  private readonly recent = new Set<string>();

  private remember(ref: string): boolean {
    if (this.recent.has(ref)) return false;
    this.recent.add(ref);
    if (this.recent.size > RECENT_EVENTS) this.recent.delete(this.recent.values().next().value as string);
    return true;
  }

  snapshot(): DetectSnapshot {
    return { correlation: this.correlation.snapshot(), recent: [...this.recent] };
  }

  /** Loads a saved state; returns the number of correlation groups resumed. */
  restore(s: DetectSnapshot): number {
    if (!s || typeof s !== 'object' || !s.correlation) return 0;
    this.recent.clear();
    for (const r of Array.isArray(s.recent) ? s.recent.slice(-RECENT_EVENTS) : []) this.recent.add(r);
    return this.correlation.restore(s.correlation);
  }

  private detectionAlert(m: SigmaMatch, event: Record<string, unknown>, fields: Record<string, unknown>, time: number): NormalizedAlert {
    const sourceRef = `${m.id}/${eventRef(event, fields)}`;
    const bag = new ObservableBag();
    for (const f of SRC_IP_FIELDS) bag.ip(read(fields, f), 'src', f);
    for (const f of DST_IP_FIELDS) bag.ip(read(fields, f), 'dst', f);
    const user = first(fields, USER_FIELDS);
    if (user) bag.add('user', user, 'user', 'User');
    hashes(bag, fields);
    const cmd = first(fields, ['CommandLine']);
    if (cmd) bag.add('commandline', cmd, 'process', 'CommandLine');
    const image = first(fields, ['Image']);
    if (image) bag.add('process', image, 'process', 'Image');
    const text: NormalizedAlert['text'] = [];
    for (const f of TEXT_FIELDS) {
      const v = read(fields, f);
      if (typeof v === 'string' && v) text.push({ field: f, value: v });
    }
    const host = first(fields, HOST_FIELDS) ?? 'unknown';
    const aliases = hostAliases(fields, host);
    return {
      id: alertId('sigma', sourceRef),
      source: 'sigma',
      sourceRef,
      time: new Date(time).toISOString(),
      title: m.title,
      description: m.description ?? '',
      rule: { id: m.id, level: SIGMA_LEVEL_NUMBER[m.level], scale: 'sigma', groups: [...m.tags], mitre: m.mitre },
      host: { name: host, role: 'agent', ...(aliases.length && { aliases }) },
      observables: bag.items,
      text,
      raw: { type: 'detection', rule: { id: m.id, title: m.title, level: m.level, file: m.file, line: m.line }, event },
    };
  }

  private correlationAlert(c: CorrelationMatch, fields: Record<string, unknown>): NormalizedAlert {
    const group = Object.entries(c.group)
      .map(([k, v]) => `${k}=${v ?? '∅'}`)
      .join(', ');
    const sourceRef = `${c.rule.id}/${group}/${c.first}`;
    const bag = new ObservableBag();
    for (const [k, v] of Object.entries(c.group)) {
      bag.ip(v ?? undefined, /dest|dst/i.test(k) ? 'dst' : 'src', k);
      if (USER_FIELDS.includes(k) && v) bag.add('user', v, 'user', k);
    }
    const host = first(c.group as Record<string, unknown>, HOST_FIELDS) ?? first(fields, HOST_FIELDS) ?? 'unknown';
    return {
      id: alertId('sigma', sourceRef),
      source: 'sigma',
      sourceRef,
      time: new Date(c.last).toISOString(),
      title: `${c.rule.title}${group ? ` (${group})` : ''}`,
      description: `${c.rule.type} correlation: ${c.value} over ${c.rules.length} rule(s) between ${new Date(c.first).toISOString()} and ${new Date(c.last).toISOString()}`,
      rule: { id: c.rule.id, level: SIGMA_LEVEL_NUMBER[c.rule.level], scale: 'sigma', groups: ['correlation', ...c.rule.tags], mitre: c.rule.mitre },
      host: { name: host, role: 'agent' },
      observables: bag.items,
      text: [],
      raw: { type: 'correlation', rule: { id: c.rule.id, title: c.rule.title, level: c.rule.level, type: c.rule.type }, group: c.group, value: c.value, rules: c.rules, first: c.first, last: c.last },
    };
  }
}

