// The detection engine: compiled rules, grouped per event logsource, pre-filtered by an index of
// literal needles so most rules are never evaluated for a given event.
import { AhoCorasick } from './ahocorasick.js';
import { RuleCompileError, compileDetection, needleCost, type CompileOptions, type Need, type Test } from './compile.js';
import { EventContext, FieldTable, View } from './context.js';
import { readRuleSources, ruleMeta, splitDocuments, type RuleDocument, type RuleSource } from './load.js';
import { logsourceApplies, logsourceKey, normalizeLogsource, prepareEvent, type PreparedEvent } from './logsource.js';
import type { EventLogsource, SigmaIssue, SigmaMatch, SigmaRuleMeta } from './types.js';

/** Options for building an engine. */
export interface SigmaEngineOptions extends CompileOptions {
  /**
   * Turns an incoming event into flat Sigma fields and a logsource. The default understands
   * Windows event exports, flat Windows JSON and Wazuh `data.win.*`; `false` uses events as given.
   */
  prepare?: ((event: Record<string, unknown>) => PreparedEvent) | false;
  /**
   * Most milliseconds one event may spend in rule evaluation; the rules not evaluated by then are
   * skipped for that event and reported (`lastOverBudget`), so no rule can starve the server.
   * Default DEFAULT_BUDGET_MS; Infinity turns the check off.
   */
  budgetMs?: number;
}

/** The default per-event evaluation budget: thousands of times what an event normally costs (~10 µs). */
export const DEFAULT_BUDGET_MS = 50;

/** An event that ran out of evaluation time: how many rules ran and which were skipped. */
export interface OverBudget {
  budgetMs: number;
  evaluated: number;
  skipped: string[];
}

/** A compiled detection rule. */
export interface CompiledRule {
  readonly meta: SigmaRuleMeta;
  readonly test: Test;
  /** The index hint; null when the rule must be evaluated for every in-scope event. */
  readonly need: Need;
}

/** What `fromFiles` / `fromSources` return: the engine, and every problem found on the way. */
export interface SigmaLoadResult {
  engine: SigmaEngine;
  /** Invalid and unsupported rules with file:line and reason; the engine runs all the others. */
  issues: SigmaIssue[];
  /** Correlation-rule documents, left for the correlation engine. */
  correlations: RuleDocument[];
}

/** Counters since the engine was built, for benchmarks and `vigil detect` summaries. */
export interface SigmaEngineStats {
  events: number;
  /** Rule evaluations actually run (after logsource and index pre-filtering). */
  evaluated: number;
  matches: number;
  /** Events that ran out of evaluation time (some of their candidate rules were skipped). */
  overBudget: number;
}

interface Bucket {
  rules: CompiledRule[];
  /** Positions in `rules` to evaluate for every event. */
  always: number[];
  scanners: { slot: number; ac: AhoCorasick }[];
  mark: Uint32Array;
}

const ALL = '*';

/** Runs Sigma detection rules over events. Build it with `SigmaEngine.fromFiles`. */
export class SigmaEngine {
  private readonly fields: FieldTable;
  private readonly ctx: EventContext;
  private readonly buckets = new Map<string, Bucket>();
  private readonly byIdentity = new WeakMap<EventLogsource, Bucket>();
  private readonly prepare: ((event: Record<string, unknown>) => PreparedEvent) | undefined;
  private epoch = 0;
  private readonly counters: SigmaEngineStats = { events: 0, evaluated: 0, matches: 0, overBudget: 0 };
  private readonly budgetMs: number;
  /** Set by the last match call when the event ran out of evaluation time, else undefined. */
  lastOverBudget: OverBudget | undefined;

  private constructor(
    readonly compiled: readonly CompiledRule[],
    fields: FieldTable,
    opts: SigmaEngineOptions,
  ) {
    this.fields = fields;
    this.ctx = new EventContext(fields);
    this.prepare = opts.prepare === false ? undefined : (opts.prepare ?? prepareEvent);
    this.budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS;
  }

  /** Loads every `.yml`/`.yaml` under the given files and folders. Missing paths throw VigilError. */
  static fromFiles(paths: string | readonly string[], opts: SigmaEngineOptions = {}): SigmaLoadResult {
    return SigmaEngine.fromSources(readRuleSources(paths), opts);
  }

  /** Builds an engine from one YAML text (handy in tests and for inline rules). */
  static fromYaml(text: string, file = '<inline>', opts: SigmaEngineOptions = {}): SigmaLoadResult {
    return SigmaEngine.fromSources([{ file, text }], opts);
  }

  /** Builds an engine from rule texts; bad rules become issues and the rest still load. */
  static fromSources(sources: readonly RuleSource[], opts: SigmaEngineOptions = {}): SigmaLoadResult {
    const issues: SigmaIssue[] = [];
    const fields = new FieldTable();
    const compiled: CompiledRule[] = [];
    const correlations: RuleDocument[] = [];
    const seen = new Map<string, string>();
    for (const src of sources) {
      const mark = { issues: issues.length, compiled: compiled.length, correlations: correlations.length };
      try {
        SigmaEngine.loadSource(src, opts, fields, issues, compiled, correlations, seen);
      } catch (e) {
        // Whatever a hostile file does to the parser (a stack overflow, an allocation failure), it
        // costs that file only: its partial results are dropped and the rest of the folder loads.
        if (!(e instanceof Error)) throw e;
        issues.length = mark.issues;
        for (const c of compiled.splice(mark.compiled)) if (seen.get(c.meta.id)?.startsWith(`${src.file}:`)) seen.delete(c.meta.id);
        correlations.length = mark.correlations;
        issues.push({ kind: 'invalid', file: src.file, line: 1, reason: `the file could not be loaded: ${e instanceof RangeError ? 'it is nested too deeply or too large' : e.message}` });
      }
    }
    return { engine: new SigmaEngine(compiled, fields, opts), issues, correlations };
  }

  private static loadSource(
    src: RuleSource,
    opts: SigmaEngineOptions,
    fields: FieldTable,
    issues: SigmaIssue[],
    compiled: CompiledRule[],
    correlations: RuleDocument[],
    seen: Map<string, string>,
  ): void {
    const docs = splitDocuments(src, issues);
    docs.forEach((doc) => {
      if (doc.kind === 'correlation') {
        correlations.push(doc);
        return;
      }
      if (doc.kind === 'filter') {
        issues.push({ kind: 'unsupported', file: doc.file, line: doc.line, reason: 'Sigma filter documents are not supported yet' });
        return;
      }
      const meta = ruleMeta(doc, issues);
      if (!meta) return;
      try {
        const c = compileDetection(doc.body['detection'] as Record<string, unknown>, fields, opts);
        const dup = seen.get(meta.id);
        if (dup) {
          issues.push({ kind: 'invalid', file: doc.file, line: doc.line, field: 'id', reason: `duplicate rule id ${meta.id} (also in ${dup})`, ruleId: meta.id, title: meta.title });
          return;
        }
        seen.set(meta.id, `${doc.file}:${doc.line}`);
        compiled.push({ meta, test: c.test, need: c.need });
      } catch (e) {
        if (!(e instanceof RuleCompileError)) throw e;
        issues.push({
          kind: e.kind,
          file: doc.file,
          line: e.field ? doc.lineOf(fieldPath(e.field)) : doc.line,
          ...(e.field ? { field: e.field } : {}),
          reason: e.message,
          ...(typeof doc.body['id'] === 'string' ? { ruleId: meta.id } : {}),
          title: meta.title,
        });
      }
    });
  }

  /** Metadata of every loaded rule, in load order. */
  get rules(): SigmaRuleMeta[] {
    return this.compiled.map((c) => c.meta);
  }

  get stats(): Readonly<SigmaEngineStats> {
    return this.counters;
  }

  /**
   * Matches one event. `logsource` says where it came from; when omitted the engine infers it
   * from the event (Windows channel/EventID) and, failing that, tries every rule. Returns the
   * matched rules' metadata in load order.
   */
  match(event: Record<string, unknown>, logsource?: EventLogsource): SigmaMatch[] {
    const prepared = this.prepare ? this.prepare(event) : { fields: event };
    return this.matchFields(prepared.fields, logsource ?? prepared.logsource);
  }

  /** Flat Sigma fields and the inferred logsource of an event, as `match` sees them. */
  prepareEvent(event: Record<string, unknown>): PreparedEvent {
    return this.prepare ? this.prepare(event) : { fields: event };
  }

  /** Like `match` for an event already in flat Sigma field form (no preparation step). */
  matchFields(fields: Record<string, unknown>, logsource?: EventLogsource): SigmaMatch[] {
    const bucket = this.bucketFor(logsource);
    const ctx = this.ctx;
    ctx.reset(fields);
    this.counters.events++;
    const epoch = ++this.epoch;
    const cands: number[] = [];
    for (const i of bucket.always) {
      bucket.mark[i] = epoch;
      cands.push(i);
    }
    for (const { slot, ac } of bucket.scanners) {
      const v = ctx.text(slot, View.LowerDash);
      if (typeof v === 'string') ac.scan(v, bucket.mark, epoch, cands);
      else if (v !== undefined) for (const s of v) ac.scan(s, bucket.mark, epoch, cands);
    }
    if (cands.length > 1) cands.sort((a, b) => a - b);
    const out: SigmaMatch[] = [];
    this.lastOverBudget = undefined;
    // Events with four candidates or fewer (most) never read the clock.
    const start = cands.length > 4 ? performance.now() : 0;
    for (let k = 0; k < cands.length; k++) {
      const r = bucket.rules[cands[k]!]!;
      if (r.test(ctx)) out.push(r.meta);
      // The clock is read every fourth rule: a read costs a few percent of a cheap event, and one
      // rule's cost is bounded anyway (linear regexes, program-size limit).
      if ((k & 3) === 3 && k + 1 < cands.length && performance.now() - start > this.budgetMs) {
        const skipped = cands.slice(k + 1).map((i) => bucket.rules[i]!.meta.id);
        this.lastOverBudget = { budgetMs: this.budgetMs, evaluated: k + 1, skipped };
        this.counters.overBudget++;
        this.counters.evaluated += k + 1;
        this.counters.matches += out.length;
        return out;
      }
    }
    this.counters.evaluated += cands.length;
    this.counters.matches += out.length;
    return out;
  }

  /**
   * Evaluates every in-scope rule without the index: the baseline the benchmark compares with,
   * and a cross-check for the index in tests.
   */
  matchNaive(event: Record<string, unknown>, logsource?: EventLogsource): SigmaMatch[] {
    const prepared = this.prepare ? this.prepare(event) : { fields: event };
    const ls = logsource ?? prepared.logsource;
    const ctx = this.ctx;
    ctx.reset(prepared.fields);
    const out: SigmaMatch[] = [];
    const norm = ls && normalizeLogsource(ls);
    for (const r of this.compiled) {
      if (norm && !logsourceApplies(r.meta.logsource, norm)) continue;
      if (r.test(ctx)) out.push(r.meta);
    }
    return out;
  }

  /** How the index splits the rules for one logsource: scanned fields and always-run rules. */
  indexSummary(logsource?: EventLogsource): { rules: number; alwaysEvaluated: number; indexedFields: string[]; automatonStates: number; bytes: number } {
    const b = this.bucketFor(logsource);
    return {
      rules: b.rules.length,
      alwaysEvaluated: b.always.length,
      indexedFields: b.scanners.map((s) => this.fields.names[s.slot]!),
      automatonStates: b.scanners.reduce((n, s) => n + s.ac.states, 0),
      bytes: b.scanners.reduce((n, s) => n + s.ac.memoryBytes, 0),
    };
  }

  private bucketFor(ls: EventLogsource | undefined): Bucket {
    if (ls === undefined) return this.bucketByKey(ALL, undefined);
    // Inferred logsources are shared objects, so identity answers most lookups without a key.
    let b = this.byIdentity.get(ls);
    if (!b) {
      b = this.bucketByKey(logsourceKey(ls), ls);
      this.byIdentity.set(ls, b);
    }
    return b;
  }

  private bucketByKey(key: string, ls: EventLogsource | undefined): Bucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = buildBucket(ls ? this.compiled.filter((r) => logsourceApplies(r.meta.logsource, ls)) : [...this.compiled]);
      this.buckets.set(key, b);
    }
    return b;
  }
}

function fieldPath(field: string): (string | number)[] {
  const out: (string | number)[] = [];
  // `detection.sel[2].Image|endswith` → detection, sel, 2, Image|endswith. Keys may contain dots
  // only after the identifier, so split the first two levels and keep the rest whole.
  const m = /^([^.]+)\.([^.[]+)((?:\[\d+\])*)(?:\.(.*))?$/.exec(field);
  if (!m) return [field];
  out.push(m[1]!, m[2]!);
  for (const idx of m[3]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  if (m[4] !== undefined) out.push(m[4]);
  return out;
}

// Any part of a needle is itself a needle. Keeping MAX_NEEDLE characters keeps the automata small
// enough to stay in cache while staying selective; the window avoids well-known common text.
const MAX_NEEDLE = 12;

function shortenNeedle(text: string): string {
  if (text.length <= MAX_NEEDLE) return text;
  let best = text.slice(-MAX_NEEDLE);
  let bestCost = needleCost(best);
  for (let i = text.length - MAX_NEEDLE - 1; i >= 0 && bestCost > 0; i--) {
    const w = text.slice(i, i + MAX_NEEDLE);
    const c = needleCost(w);
    if (c < bestCost) {
      best = w;
      bestCost = c;
    }
  }
  return best;
}

function buildBucket(rules: CompiledRule[]): Bucket {
  const always: number[] = [];
  const bySlot = new Map<number, { text: string; id: number }[]>();
  rules.forEach((r, i) => {
    if (r.need === null || r.need.length === 0) {
      always.push(i);
      return;
    }
    for (const n of r.need) {
      let list = bySlot.get(n.slot);
      if (!list) bySlot.set(n.slot, (list = []));
      list.push({ text: shortenNeedle(n.text), id: i });
    }
  });
  const scanners = [...bySlot].map(([slot, pats]) => ({ slot, ac: new AhoCorasick(pats) }));
  return { rules, always, scanners, mark: new Uint32Array(rules.length) };
}
