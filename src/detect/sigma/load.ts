// Reading rule files: YAML documents (one file may hold many), rule collections (`action:
// global | reset | repeat`), schema checks whose errors name file:line, and rule metadata.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { LineCounter, parseAllDocuments, type Document, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { VigilError } from '../../core/errors.js';
import { mitreFromTags } from './mitre.js';
import { SIGMA_LEVELS, SIGMA_STATUSES, type SigmaIssue, type SigmaLogsource, type SigmaRuleMeta } from './types.js';

/** One YAML document that is a rule (detection or correlation) after collection merging. */
export interface RuleDocument {
  kind: 'detection' | 'correlation' | 'filter';
  file: string;
  line: number;
  /** The merged plain object. */
  body: Record<string, unknown>;
  /** Finds the line of a path inside the document (falls back to the document's first line). */
  lineOf(path: readonly (string | number)[]): number;
}

/** Source text with the name used in messages. */
export interface RuleSource {
  file: string;
  text: string;
  /** Why the file was not read (too large): reported as an issue of the file, the others still load. */
  refused?: string;
}

/** Largest rule file read: a 100,000-value list is about 4 MB. */
export const MAX_RULE_FILE_BYTES = 8 * 1024 * 1024;
/** Most YAML aliases expanded per document: more is how an alias bomb grows a small file into gigabytes. */
export const MAX_ALIASES = 100;

const str = z.string();
const strList = z.array(z.string());
const logsourceSchema = z
  .object({
    category: str.optional(),
    product: str.optional(),
    service: str.optional(),
    definition: str.optional(),
  })
  .catchall(z.unknown());

/** What a detection rule must look like (spec: File Structure). Unknown keys are custom fields. */
export const detectionRuleSchema = z
  .object({
    title: z.string().min(1).max(256),
    id: z.string().optional(),
    name: z.string().optional(),
    status: z.enum(SIGMA_STATUSES).optional(),
    description: z.string().optional(),
    author: z.string().optional(),
    references: strList.optional(),
    logsource: logsourceSchema,
    detection: z
      .object({ condition: z.union([z.string(), z.array(z.string()).min(1)]) })
      .catchall(z.unknown()),
    fields: strList.optional(),
    falsepositives: z.union([z.string(), strList]).optional(),
    level: z.enum(SIGMA_LEVELS).optional(),
    tags: strList.optional(),
    related: z.array(z.object({ id: z.string(), type: z.string() }).catchall(z.unknown())).optional(),
  })
  .catchall(z.unknown());

/** Reads every `.yml`/`.yaml` file under the given files and folders (recursively, sorted). */
export function readRuleSources(paths: string | readonly string[]): RuleSource[] {
  const out: RuleSource[] = [];
  const visit = (p: string, top: boolean): void => {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      if (top) throw new VigilError('VIGIL_INPUT_NOT_FOUND', `rules path not found: ${p}`, { file: p, cause: e });
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.startsWith('.')) continue;
        visit(join(p, name), false);
      }
      return;
    }
    const ext = extname(p).toLowerCase();
    if (!top && ext !== '.yml' && ext !== '.yaml') return;
    if (st.size > MAX_RULE_FILE_BYTES) out.push({ file: p, text: '', refused: `the file is ${st.size} bytes (limit ${MAX_RULE_FILE_BYTES}); split it` });
    else out.push({ file: p, text: readFileSync(p, 'utf8') });
  };
  for (const p of typeof paths === 'string' ? [paths] : paths) visit(p, true);
  return out;
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
    return out;
  }
  return over;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Splits one file into rule documents, applying collection actions: `global` is merged under
 * every following document until `reset`; `repeat` re-emits the previous rule with this
 * document merged over it. YAML errors become issues; other documents still load.
 */
export function splitDocuments(src: RuleSource, issues: SigmaIssue[]): RuleDocument[] {
  if (src.refused) {
    issues.push({ kind: 'invalid', file: src.file, line: 1, reason: src.refused });
    return [];
  }
  if (src.text.length > MAX_RULE_FILE_BYTES) {
    issues.push({ kind: 'invalid', file: src.file, line: 1, reason: `the rule text is ${src.text.length} characters (limit ${MAX_RULE_FILE_BYTES})` });
    return [];
  }
  const lc = new LineCounter();
  const docs = parseAllDocuments(src.text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    issues.push({ kind: 'invalid', file: src.file, line: 1, reason: 'not a YAML stream' });
    return [];
  }
  const out: RuleDocument[] = [];
  let global: { body: Record<string, unknown>; doc: Document.Parsed } | undefined;
  let previous: { body: Record<string, unknown>; docs: Document.Parsed[] } | undefined;
  const lineAt = (offset: number | undefined): number => (offset === undefined ? 1 : lc.linePos(offset).line);
  for (const doc of list) {
    const startLine = lineAt(doc.contents?.range?.[0] ?? doc.range?.[0]);
    if (doc.errors.length) {
      // A broken file can hold thousands of errors (one per level of a deep nest): each distinct one once, ten at most.
      const shown = new Set<string>();
      for (const e of doc.errors) {
        const issue = { kind: 'invalid' as const, file: src.file, line: lineAt(e.pos[0]), reason: `YAML: ${e.message.split('\n')[0]}` };
        const key = `${issue.line} ${issue.reason}`;
        if (shown.has(key)) continue;
        shown.add(key);
        if (shown.size > 10) break;
        issues.push(issue);
      }
      continue;
    }
    if (doc.contents === null) continue;
    let js: unknown;
    try {
      js = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      // An alias bomb (ReferenceError from the yaml package) or nesting deep enough to exhaust the stack.
      const why = e instanceof RangeError ? 'the document is nested too deeply' : `YAML: ${(e as Error).message} (at most ${MAX_ALIASES} aliases are expanded)`;
      issues.push({ kind: 'invalid', file: src.file, line: startLine, reason: why });
      continue;
    }
    if (!isPlainObject(js)) {
      issues.push({ kind: 'invalid', file: src.file, line: startLine, reason: 'a rule document must be a YAML map' });
      continue;
    }
    const action = js['action'];
    const { action: _drop, ...body } = js;
    if (action === 'global') {
      global = { body: global ? (deepMerge(global.body, body) as Record<string, unknown>) : body, doc };
      continue;
    }
    if (action === 'reset') {
      global = undefined;
      continue;
    }
    let merged: Record<string, unknown>;
    let chain: Document.Parsed[];
    if (action === 'repeat') {
      if (!previous) {
        issues.push({ kind: 'invalid', file: src.file, line: startLine, field: 'action', reason: '"repeat" has no previous rule to repeat' });
        continue;
      }
      merged = deepMerge(previous.body, body) as Record<string, unknown>;
      chain = [doc, ...previous.docs];
    } else if (action !== undefined) {
      issues.push({ kind: 'invalid', file: src.file, line: startLine, field: 'action', reason: `unknown action "${String(action)}"` });
      continue;
    } else {
      merged = global ? (deepMerge(global.body, body) as Record<string, unknown>) : body;
      chain = global ? [doc, global.doc] : [doc];
    }
    previous = { body: merged, docs: chain };
    const kind = 'correlation' in merged ? 'correlation' : 'filter' in merged && !('detection' in merged) ? 'filter' : 'detection';
    out.push({
      kind,
      file: src.file,
      line: startLine,
      body: merged,
      lineOf: (path) => {
        for (const d of chain) {
          for (let n = path.length; n > 0; n--) {
            const node = d.getIn(path.slice(0, n), true) as YamlNode | undefined;
            // The deepest node that exists: the value itself, or the nearest enclosing map/list.
            if (node && typeof node === 'object' && 'range' in node && node.range) return lineAt(node.range[0]);
          }
        }
        return startLine;
      },
    });
  }
  return out;
}

/** Validates a detection rule document; returns its metadata or pushes issues and returns null. */
export function ruleMeta(doc: RuleDocument, issues: SigmaIssue[]): SigmaRuleMeta | null {
  const parsed = detectionRuleSchema.safeParse(doc.body);
  const title = typeof doc.body['title'] === 'string' ? doc.body['title'] : undefined;
  const ruleId = typeof doc.body['id'] === 'string' ? doc.body['id'] : undefined;
  if (!parsed.success) {
    for (const iss of parsed.error.issues) {
      const path = iss.path.map((p) => (typeof p === 'number' ? p : String(p)));
      issues.push({
        kind: 'invalid',
        file: doc.file,
        line: doc.lineOf(path),
        ...(path.length ? { field: path.join('.') } : {}),
        reason: iss.message,
        ...(ruleId ? { ruleId } : {}),
        ...(title ? { title } : {}),
      });
    }
    return null;
  }
  const r = parsed.data;
  const tags = r.tags ?? [];
  const logsource: SigmaLogsource = {};
  for (const k of ['category', 'product', 'service', 'definition'] as const) {
    const v = r.logsource[k];
    if (typeof v === 'string') logsource[k] = k === 'definition' ? v : v.toLowerCase();
  }
  const meta: SigmaRuleMeta = {
    id: r.id ?? `${doc.file}:${doc.line}`,
    title: r.title,
    ...(r.name !== undefined && { name: r.name }),
    level: r.level ?? 'medium',
    ...(r.status !== undefined && { status: r.status }),
    ...(r.description !== undefined && { description: r.description }),
    tags: Object.freeze([...tags]),
    mitre: mitreFromTags(tags),
    logsource: Object.freeze(logsource),
    falsepositives: Object.freeze(typeof r.falsepositives === 'string' ? [r.falsepositives] : [...(r.falsepositives ?? [])]),
    fields: Object.freeze([...(r.fields ?? [])]),
    references: Object.freeze([...(r.references ?? [])]),
    ...(r.author !== undefined && { author: r.author }),
    file: doc.file,
    line: doc.line,
  };
  return Object.freeze(meta);
}
