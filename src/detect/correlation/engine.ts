// Sigma correlation rules over a stream of detections: event_count, value_count, temporal,
// temporal_ordered, value_sum and value_avg, with group-by, timespan, aliases and chaining.
// State is per rule and group, trimmed to the timespan on every update and capped in count.
import { z } from 'zod';
import type { Mitre } from '../../core/types.js';
import type { RuleDocument } from '../sigma/load.js';
import { mitreFromTags } from '../sigma/mitre.js';
import { SIGMA_LEVELS, type SigmaIssue, type SigmaLevel, type SigmaRuleMeta } from '../sigma/types.js';

/** Correlation types this engine runs. */
export const CORRELATION_TYPES = ['event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg', 'value_percentile'] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

const OPS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;
type Op = (typeof OPS)[number];

const correlationSchema = z
  .object({
    title: z.string().min(1),
    id: z.string().optional(),
    name: z.string().optional(),
    level: z.enum(SIGMA_LEVELS).optional(),
    tags: z.array(z.string()).optional(),
    generate: z.boolean().optional(),
    correlation: z.object({
      type: z.string(),
      rules: z.union([z.string(), z.array(z.string()).min(1)]),
      'group-by': z.union([z.string(), z.array(z.string())]).optional(),
      timespan: z.string().regex(/^\d+[smhdw]$/, 'timespan must be a number and one of s, m, h, d, w (e.g. 5m)'),
      condition: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
      aliases: z.record(z.string(), z.record(z.string(), z.string())).optional(),
      generate: z.boolean().optional(),
    }),
  })
  .catchall(z.unknown());

/** What a correlation alert says about its rule. */
export interface CorrelationRuleMeta {
  readonly id: string;
  readonly title: string;
  readonly name?: string;
  readonly level: SigmaLevel;
  readonly tags: readonly string[];
  readonly mitre: Mitre;
  readonly type: CorrelationType;
  readonly file: string;
  readonly line: number;
}

/** A correlation that fired: the group it fired for and the aggregate that crossed the threshold. */
export interface CorrelationMatch {
  rule: CorrelationRuleMeta;
  type: 'correlation';
  /** group-by field → value for the group that fired (shared with the engine's state; frozen). */
  group: Readonly<Record<string, string | null>>;
  /** The aggregate compared with the condition: events, distinct values, rules seen, sum or mean. */
  value: number;
  /** Ids of the rules whose matches took part (in first-seen order). */
  rules: string[];
  /** Epoch milliseconds of the first and last contributing event. */
  first: number;
  last: number;
}

/** Limits on the state the engine keeps. */
export interface CorrelationOptions {
  /** Groups kept per correlation rule; the oldest group is dropped beyond it. Default 100,000. */
  maxGroupsPerRule?: number;
  /** Entries (timestamps / values) kept per group. Default 10,000. */
  maxEntriesPerGroup?: number;
  /**
   * How late an event may arrive (ms) and still count: windows judged at their close (upper-bound
   * conditions) are closed this long after their end. Default 0.
   */
  latenessMs?: number;
}

/** The engine's state as plain JSON, so a restarted process resumes its windows. */
export interface CorrelationSnapshot {
  version: 1;
  rules: Array<{ id: string; groups: Array<[string, SerializedGroup]> }>;
}

interface SerializedGroup {
  values: Record<string, string | null>;
  latest: number;
  start?: number;
  times?: number[];
  nums?: number[];
  vals?: string[];
  distinct?: Array<[string, number]>;
  seen?: Array<[string, number]>;
  steps?: number[];
  rules: string[];
}

interface Condition {
  field?: string;
  tests: Array<[Op, number]>;
}

interface CorrRule {
  meta: CorrelationRuleMeta;
  type: CorrelationType;
  /** Referenced rule ids/names as written; resolved into `sources` after loading. */
  refs: string[];
  refsLine: number;
  sources: string[];
  groupBy: string[];
  aliases: Record<string, Record<string, string>>;
  span: number;
  cond: Condition;
  generate: boolean;
  groups: Map<string, Group>;
  /**
   * Upper-bound conditions (lt, lte, neq only) cannot be decided when an event arrives — fewer
   * than five so far may still become five — so their windows are tumbling and judged at close.
   */
  atClose: boolean;
  /** atClose rules: windows in the order they close (lazy: a stale entry is skipped). */
  closing: Array<{ at: number; key: string; grp: Group }>;
}

// Only the structure the rule's type uses is allocated: groups are the unit of memory.
interface Group {
  values: Readonly<Record<string, string | null>>;
  /** Latest event time seen: windows end here, so a late event cannot pull a window back. */
  latest: number;
  /** event_count / value_sum / value_avg: event times (and values) in the window. */
  times?: number[];
  nums?: number[];
  /** value_count: value → last time seen, oldest first. */
  distinct?: Map<string, number>;
  /** temporal: rule id → last time seen. */
  seen?: Map<string, number>;
  /** temporal_ordered: step index → start time of the latest in-order chain reaching it. */
  steps?: number[];
  /** value_percentile: the field value of each event in `times`, and how often each occurs. */
  vals?: string[];
  counts?: Map<string, number>;
  /** atClose rules: the time the group's tumbling window opened. */
  start?: number;
  rules: string[];
}

function spanMs(s: string): number {
  const n = Number(s.slice(0, -1));
  const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 }[s.slice(-1) as 's']!;
  return n * unit;
}

function holds(cond: Condition, v: number): boolean {
  const tests = cond.tests;
  for (let i = 0; i < tests.length; i++) {
    const op = tests[i]![0];
    const n = tests[i]![1];
    const ok = op === 'gt' ? v > n : op === 'gte' ? v >= n : op === 'lt' ? v < n : op === 'lte' ? v <= n : op === 'eq' ? v === n : v !== n;
    if (!ok) return false;
  }
  return true;
}

/** Runs correlation rules over detections. Build it with `CorrelationEngine.fromDocuments`. */
export class CorrelationEngine {
  private readonly byRule = new Map<string, CorrRule[]>();
  private readonly maxGroups: number;
  private readonly maxEntries: number;
  /** Groups dropped because a rule hit `maxGroupsPerRule`. */
  evictedGroups = 0;
  /** Events older than their group's window (latest time − timespan) when they arrived. */
  lateDropped = 0;
  private readonly lateness: number;
  private readonly atCloseRules: CorrRule[];

  private constructor(
    readonly rules: readonly CorrRule[],
    opts: CorrelationOptions,
  ) {
    this.maxGroups = opts.maxGroupsPerRule ?? 100_000;
    this.maxEntries = opts.maxEntriesPerGroup ?? 10_000;
    this.lateness = opts.latenessMs ?? 0;
    this.atCloseRules = rules.filter((r) => r.atClose);
    for (const r of rules) {
      for (const s of r.sources) {
        const list = this.byRule.get(s) ?? [];
        list.push(r);
        this.byRule.set(s, list);
      }
    }
  }

  /**
   * Validates correlation documents (as `SigmaEngine.fromFiles` returns them) against the loaded
   * detection rules. Rules that reference unknown rules, use an unknown type or an unsupported
   * condition are reported and left out.
   */
  static fromDocuments(docs: readonly RuleDocument[], detections: readonly SigmaRuleMeta[], opts: CorrelationOptions = {}): { engine: CorrelationEngine; issues: SigmaIssue[] } {
    const issues: SigmaIssue[] = [];
    const parsed: CorrRule[] = [];
    docs.forEach((doc) => {
      const res = correlationSchema.safeParse(doc.body);
      if (!res.success) {
        for (const iss of res.error.issues) {
          const path = iss.path.map((p) => (typeof p === 'number' ? p : String(p)));
          issues.push({ kind: 'invalid', file: doc.file, line: doc.lineOf(path), field: path.join('.'), reason: iss.message });
        }
        return;
      }
      const r = res.data;
      const c = r.correlation;
      const bad = (reason: string, field = 'correlation'): void => {
        issues.push({ kind: 'unsupported', file: doc.file, line: doc.lineOf(field.split('.')), field, reason, ...(r.id ? { ruleId: r.id } : {}), title: r.title });
      };
      if (!(CORRELATION_TYPES as readonly string[]).includes(c.type)) return bad(`correlation type "${c.type}" is not supported`, 'correlation.type');
      const type = c.type as CorrelationType;
      const cond: Condition = { tests: [] };
      for (const [k, v] of Object.entries(c.condition ?? {})) {
        if (k === 'field') cond.field = String(v);
        else if ((OPS as readonly string[]).includes(k) && Number.isFinite(Number(v))) cond.tests.push([k as Op, Number(v)]);
        else return bad(`condition "${k}: ${String(v)}" is not supported`, 'correlation.condition');
      }
      const refs = typeof c.rules === 'string' ? [c.rules] : c.rules;
      if (cond.tests.length === 0) {
        if (type === 'temporal' || type === 'temporal_ordered') cond.tests.push(['gte', new Set(refs).size]);
        else return bad('condition needs a comparison (gt, gte, lt, lte, eq or neq)', 'correlation.condition');
      }
      // A percentile is decided per arriving value; other upper bounds only when the window closes.
      const atClose = type !== 'value_percentile' && !cond.tests.some(([op]) => op === 'gt' || op === 'gte' || op === 'eq');
      if (atClose && type === 'temporal_ordered') return bad('temporal_ordered needs a lower bound (gt, gte or eq)', 'correlation.condition');
      if ((type === 'value_count' || type === 'value_sum' || type === 'value_avg' || type === 'value_percentile') && !cond.field) return bad(`${type} needs condition.field`, 'correlation.condition');
      if (type === 'value_percentile' && cond.tests.some(([, n]) => n < 0 || n > 100)) return bad('value_percentile compares with a percentage between 0 and 100', 'correlation.condition');
      const tags = r.tags ?? [];
      parsed.push({
        meta: Object.freeze({
          id: r.id ?? `${doc.file}:${doc.line}`,
          title: r.title,
          ...(r.name !== undefined && { name: r.name }),
          level: r.level ?? 'medium',
          tags,
          mitre: mitreFromTags(tags),
          type,
          file: doc.file,
          line: doc.line,
        }),
        type,
        refs,
        refsLine: doc.lineOf(['correlation', 'rules']),
        sources: [],
        groupBy: c['group-by'] === undefined ? [] : typeof c['group-by'] === 'string' ? [c['group-by']] : c['group-by'],
        aliases: c.aliases ?? {},
        span: spanMs(c.timespan),
        cond,
        generate: c.generate ?? r.generate ?? false,
        groups: new Map(),
        atClose,
        closing: [],
      });
    });
    // Resolve references by id or name, across detection and correlation rules (for chains).
    const idOf = new Map<string, string>();
    for (const d of detections) {
      idOf.set(d.id, d.id);
      if (d.name) idOf.set(d.name, d.id);
    }
    for (const c of parsed) {
      idOf.set(c.meta.id, c.meta.id);
      if (c.meta.name) idOf.set(c.meta.name, c.meta.id);
    }
    const ok = parsed.filter((c) => {
      const missing = c.refs.filter((ref) => !idOf.has(ref));
      if (missing.length) {
        issues.push({ kind: 'invalid', file: c.meta.file, line: c.refsLine, field: 'correlation.rules', reason: `unknown rule(s): ${missing.join(', ')}`, ruleId: c.meta.id, title: c.meta.title });
        return false;
      }
      c.sources = c.refs.map((ref) => idOf.get(ref)!);
      return true;
    });
    return { engine: new CorrelationEngine(ok, opts), issues };
  }

  /**
   * Ids of detection rules that should not alert on their own: referenced by a correlation
   * whose `generate` is false (the specification's default).
   */
  suppressed(): Set<string> {
    const keep = new Set<string>();
    const hide = new Set<string>();
    for (const r of this.rules) for (const s of r.sources) (r.generate ? keep : hide).add(s);
    for (const k of keep) hide.delete(k);
    return hide;
  }

  /**
   * Feeds the detections of one event. `fields` are the event's (flat) fields, `time` its epoch
   * milliseconds. Returns correlations that fired, including chained ones.
   */
  process(matched: ReadonlyArray<{ id: string; name?: string | undefined }>, fields: Record<string, unknown>, time: number): CorrelationMatch[] {
    const out: CorrelationMatch[] = [];
    if (this.atCloseRules.length) this.closeDue(time, out);
    for (let i = 0; i < matched.length; i++) {
      const m = matched[i]!;
      if (this.byRule.has(m.id)) this.feed(m.id, m.name, fields, time, out, 0);
    }
    return out;
  }

  /**
   * Moves time forward without an event (a clock tick in a server, or the end of a batch with
   * `Infinity`): windows of upper-bound rules that ended by `now` are judged and may fire.
   */
  advance(now: number): CorrelationMatch[] {
    const out: CorrelationMatch[] = [];
    if (this.atCloseRules.length) this.closeDue(now, out);
    return out;
  }

  private closeDue(now: number, out: CorrelationMatch[]): void {
    const limit = now - this.lateness;
    for (const c of this.atCloseRules) {
      const q = c.closing;
      let n = 0;
      while (n < q.length && q[n]!.at <= limit) {
        const { key, grp } = q[n++]!;
        // Stale entry: the group was evicted or restarted since.
        if (c.groups.get(key) !== grp) continue;
        const fired = this.judge(c, key, grp);
        if (!fired) continue;
        out.push(fired);
        this.feed(c.meta.id, c.meta.name, fired.group, fired.last, out, 1);
      }
      if (n) q.splice(0, n);
    }
  }

  /** Ends an upper-bound rule's window: the group goes, and fires when its aggregate holds. */
  private judge(c: CorrRule, key: string, grp: Group): CorrelationMatch | undefined {
    c.groups.delete(key);
    const value = this.valueOf(c, grp);
    if (value === undefined || !holds(c.cond, value)) return undefined;
    return { rule: c.meta, type: 'correlation', group: grp.values, value, rules: grp.rules, first: grp.start!, last: grp.start! + c.span };
  }

  /** The aggregate of a group's current window, for judging it at close. */
  private valueOf(c: CorrRule, grp: Group): number | undefined {
    switch (c.type) {
      case 'event_count':
        return grp.times?.length ?? 0;
      case 'value_sum':
      case 'value_avg': {
        const nums = grp.nums ?? [];
        if (!nums.length) return c.type === 'value_sum' ? 0 : undefined;
        let sum = 0;
        for (const x of nums) sum += x;
        return c.type === 'value_sum' ? sum : sum / nums.length;
      }
      case 'value_count':
        return grp.distinct?.size ?? 0;
      case 'temporal':
        return grp.seen?.size ?? 0;
      default:
        return undefined;
    }
  }

  /** The whole state as JSON-safe data (see `restore`). */
  snapshot(): CorrelationSnapshot {
    return {
      version: 1,
      rules: this.rules.map((r) => ({
        id: r.meta.id,
        groups: [...r.groups].map(([k, g]): [string, SerializedGroup] => [
          k,
          {
            values: { ...g.values },
            latest: g.latest,
            rules: [...g.rules],
            ...(g.start !== undefined && { start: g.start }),
            ...(g.times && { times: [...g.times] }),
            ...(g.nums && { nums: [...g.nums] }),
            ...(g.vals && { vals: [...g.vals] }),
            ...(g.distinct && { distinct: [...g.distinct] }),
            ...(g.seen && { seen: [...g.seen] }),
            ...(g.steps && { steps: [...g.steps] }),
          },
        ]),
      })),
    };
  }

  /**
   * Loads state saved by `snapshot`. Groups of rules that no longer exist are dropped; returns the
   * number of groups restored.
   */
  restore(s: CorrelationSnapshot): number {
    if (!s || s.version !== 1 || !Array.isArray(s.rules)) return 0;
    const byId = new Map(this.rules.map((r) => [r.meta.id, r]));
    let n = 0;
    for (const saved of s.rules) {
      const r = byId.get(saved.id);
      if (!r) continue;
      r.groups.clear();
      r.closing.length = 0;
      for (const [key, g] of saved.groups) {
        const grp: Group = { values: Object.freeze({ ...g.values }), latest: g.latest, rules: [...g.rules] };
        if (g.start !== undefined) grp.start = g.start;
        if (g.times) grp.times = [...g.times];
        if (g.nums) grp.nums = [...g.nums];
        if (g.vals) {
          grp.vals = [...g.vals];
          grp.counts = new Map();
          for (const v of grp.vals) grp.counts.set(v, (grp.counts.get(v) ?? 0) + 1);
        }
        if (g.distinct) grp.distinct = new Map(g.distinct);
        if (g.seen) grp.seen = new Map(g.seen);
        if (g.steps) grp.steps = [...g.steps];
        r.groups.set(key, grp);
        if (r.atClose && grp.start !== undefined) r.closing.push({ at: grp.start + r.span, key, grp });
        n++;
      }
      r.closing.sort((a, b) => a.at - b.at);
    }
    return n;
  }

  /** Groups currently held across all rules. */
  get groupCount(): number {
    let n = 0;
    for (const r of this.rules) n += r.groups.size;
    return n;
  }

  private groupField(c: CorrRule, g: string, ruleId: string, ruleName: string | undefined): string {
    const alias = c.aliases[g];
    if (alias === undefined) return g;
    return (ruleName !== undefined ? alias[ruleName] : undefined) ?? alias[ruleId] ?? g;
  }

  private feed(ruleId: string, ruleName: string | undefined, fields: Record<string, unknown>, time: number, out: CorrelationMatch[], depth: number): void {
    const targets = this.byRule.get(ruleId);
    if (!targets || depth > 8) return;
    for (const c of targets) {
      const fired = this.update(c, ruleId, ruleName, fields, time);
      if (!fired) continue;
      out.push(fired);
      // A correlation's output feeds the correlations that reference it; its group values are its fields.
      this.feed(c.meta.id, c.meta.name, fired.group, fired.last, out, depth + 1);
    }
  }

  private update(c: CorrRule, ruleId: string, ruleName: string | undefined, fields: Record<string, unknown>, t: number): CorrelationMatch | undefined {
    const gb = c.groupBy;
    let key = '';
    for (let i = 0; i < gb.length; i++) {
      const v = readField(fields, this.groupField(c, gb[i]!, ruleId, ruleName));
      key += i ? `\u0001${v ?? '\u0000'}` : (v ?? '\u0000');
    }
    let grp = c.groups.get(key);
    let closed: CorrelationMatch | undefined;
    if (grp && c.atClose && t >= grp.start! + c.span) {
      // Past the end of a window still waiting for late events: judge it now, start the next one.
      closed = this.judge(c, key, grp);
      grp = undefined;
    }
    if (!grp) {
      const values: Record<string, string | null> = {};
      for (const g of gb) values[g] = readField(fields, this.groupField(c, g, ruleId, ruleName));
      grp = { values: Object.freeze(values), latest: t, rules: [] };
      // Oldest-created group goes first: O(1), and a busy group that fired has been recreated anyway.
      if (c.groups.size >= this.maxGroups) {
        const oldest = c.groups.keys().next().value as string;
        c.groups.delete(oldest);
        this.evictedGroups++;
      }
      c.groups.set(key, grp);
      if (c.atClose) {
        grp.start = t;
        c.closing.push({ at: t + c.span, key, grp });
      }
    }
    if (c.atClose && grp.start !== undefined && t < grp.start) {
      // Before its window opened: a late event for a window already judged.
      this.lateDropped++;
      return undefined;
    }
    // Out-of-order events count when they still fall inside the window ending at the latest time.
    if (t > grp.latest) grp.latest = t;
    const from = grp.latest - c.span;
    if (t < from) {
      this.lateDropped++;
      return undefined;
    }
    const seenRules = grp.rules;
    if (seenRules[seenRules.length - 1] !== ruleId && !seenRules.includes(ruleId)) seenRules.push(ruleId);
    let value: number;
    let first = t;
    switch (c.type) {
      case 'event_count':
      case 'value_sum':
      case 'value_avg': {
        let num = 1;
        if (c.type !== 'event_count') {
          const raw = readField(fields, c.cond.field!);
          num = raw === null ? NaN : Number(raw);
          if (!Number.isFinite(num)) return undefined;
        }
        const sums = c.type !== 'event_count';
        const times = (grp.times ??= []);
        const nums = sums ? (grp.nums ??= []) : undefined;
        // Keep times sorted; in-order arrival is a plain push.
        let at = times.length;
        while (at > 0 && times[at - 1]! > t) at--;
        if (at === times.length) {
          times.push(t);
          nums?.push(num);
        } else {
          times.splice(at, 0, t);
          nums?.splice(at, 0, num);
        }
        let drop = 0;
        while (drop < times.length && times[drop]! < from) drop++;
        if (times.length - drop > this.maxEntries) drop = times.length - this.maxEntries;
        if (drop) {
          times.splice(0, drop);
          nums?.splice(0, drop);
        }
        first = times[0]!;
        if (!nums) value = times.length;
        else {
          let sum = 0;
          for (const x of nums) sum += x;
          value = c.type === 'value_sum' ? sum : sum / nums.length;
        }
        break;
      }
      case 'value_count': {
        const v = readField(fields, c.cond.field!);
        if (v === null) return undefined;
        const distinct = (grp.distinct ??= new Map());
        const prev = distinct.get(v);
        if (t === grp.latest || prev === undefined || prev < t) {
          distinct.delete(v);
          distinct.set(v, Math.max(prev ?? t, t));
        }
        // Entries are in last-seen order except after a late event, so a full pass then.
        const inOrder = t === grp.latest;
        first = t;
        for (const [k, seenAt] of distinct) {
          if (seenAt < from || distinct.size > this.maxEntries) distinct.delete(k);
          else if (inOrder) {
            first = Math.min(first, seenAt);
            break;
          } else first = Math.min(first, seenAt);
        }
        value = distinct.size;
        break;
      }
      case 'temporal': {
        const seen = (grp.seen ??= new Map());
        seen.set(ruleId, Math.max(seen.get(ruleId) ?? t, t));
        first = t;
        for (const [k, at] of seen) {
          if (at < from) seen.delete(k);
          else if (at < first) first = at;
        }
        value = seen.size;
        break;
      }
      case 'value_percentile': {
        // The share (in percent) of the group's events in the window that carry this event's value.
        const v = readField(fields, c.cond.field!);
        if (v === null) return undefined;
        const times = (grp.times ??= []);
        const vals = (grp.vals ??= []);
        const counts = (grp.counts ??= new Map());
        let at = times.length;
        while (at > 0 && times[at - 1]! > t) at--;
        times.splice(at, 0, t);
        vals.splice(at, 0, v);
        counts.set(v, (counts.get(v) ?? 0) + 1);
        let drop = 0;
        while (drop < times.length && times[drop]! < from) drop++;
        if (times.length - drop > this.maxEntries) drop = times.length - this.maxEntries;
        for (let i = 0; i < drop; i++) {
          const old = vals[i]!;
          const k = counts.get(old)! - 1;
          if (k) counts.set(old, k);
          else counts.delete(old);
        }
        if (drop) {
          times.splice(0, drop);
          vals.splice(0, drop);
        }
        first = times[0]!;
        value = ((counts.get(v) ?? 0) / times.length) * 100;
        // The baseline is the point of the rule: firing does not reset it.
        return holds(c.cond, value) ? { rule: c.meta, type: 'correlation', group: grp.values, value, rules: [...grp.rules], first, last: t } : undefined;
      }
      case 'temporal_ordered': {
        // steps[i] = start time of the most recent in-order chain that has reached step i.
        const steps = (grp.steps ??= []);
        for (let i = c.sources.length - 1; i >= 0; i--) {
          if (c.sources[i] !== ruleId) continue;
          if (i === 0) steps[0] = t;
          else if (steps[i - 1] !== undefined && steps[i - 1]! >= from) steps[i] = steps[i - 1]!;
        }
        let reached = 0;
        while (reached < c.sources.length && steps[reached] !== undefined && steps[reached]! >= from) reached++;
        value = reached;
        first = steps[Math.max(0, reached - 1)] ?? t;
        if (reached < c.sources.length) {
          if (!holds(c.cond, value) || value < c.sources.length) return undefined;
        }
        break;
      }
    }
    if (c.atClose) return closed;
    if (!holds(c.cond, value)) return undefined;
    // Fire once per threshold crossing: the group starts afresh (state cleared in place, so a busy
    // group does not pay for being removed and re-created).
    const rules = grp.rules;
    grp.rules = [];
    if (grp.times) grp.times.length = 0;
    if (grp.nums) grp.nums.length = 0;
    grp.distinct?.clear();
    grp.seen?.clear();
    if (grp.steps) grp.steps.length = 0;
    return { rule: c.meta, type: 'correlation', group: grp.values, value, rules, first, last: t };
  }
}

function readField(fields: Record<string, unknown>, name: string): string | null {
  let v: unknown = fields[name];
  if (v === undefined && name.includes('.')) {
    v = fields;
    for (const k of name.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  }
  if (v === undefined || v === null) return null;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
