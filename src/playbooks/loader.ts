import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { z } from 'zod';
import { describeZodIssues, type InputIssue } from '../core/errors.js';
import { contentHash } from '../core/ids.js';
import { parseYaml, yamlLineOf } from '../core/yaml.js';
import type { ResponseAction } from './action.js';
import { RESPONSE_ACTIONS } from './actions/registry.js';
import { compile, ExprError, references, type Node } from './expression.js';
import { Playbook, type Step } from './schema.js';
import { parseTemplate, templateStrings } from './template.js';

const MAX_PLAYBOOK_BYTES = 256 * 1024;

/** Names an expression may start from; `item` and `index` only inside `for_each` steps. */
export const STEP_ROOTS = ['case', 'event', 'steps', 'playbook', 'run', 'item', 'index'] as const;
const TRIGGER_ROOTS = ['case', 'event'];

export interface LoadOptions {
  /** The actions `uses:` may name (default: the registry). */
  actions?: readonly ResponseAction<never, never>[];
}

/** `for_each: observables | hosts`, or an expression giving a list. */
export function isBuiltinForEach(v: string | undefined): v is 'observables' | 'hosts' {
  return v === 'observables' || v === 'hosts';
}

/** Parses and checks one playbook file; problems come back with file:line, never thrown. */
export function loadPlaybookText(file: string, source: string, opts: LoadOptions = {}): { playbook?: Playbook; issues: InputIssue[] } {
  const actions = (opts.actions ?? RESPONSE_ACTIONS) as readonly ResponseAction<unknown, unknown>[];
  const issues: InputIssue[] = [];
  if (source.length > MAX_PLAYBOOK_BYTES) return { issues: [{ file, line: 1, reason: `over ${MAX_PLAYBOOK_BYTES} bytes` }] };
  const { doc, value, error } = parseYaml(source);
  if (error) return { issues: [{ file, line: error.line, reason: `not valid YAML: ${error.message}` }] };
  const parsed = Playbook.safeParse(value);
  const lineOf = (path: Array<string | number>): number => yamlLineOf(source, doc, path) ?? 1;
  const add = (path: Array<string | number>, reason: string): void => {
    issues.push({ file, line: lineOf(path), field: path.map(String).join('.'), reason });
  };
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      // zod reports an unknown key on its parent object: point at the key itself.
      const path = i.code === 'unrecognized_keys' && i.keys[0] !== undefined ? [...i.path, i.keys[0]] : i.path;
      issues.push({ file, line: yamlLineOf(source, doc, path) ?? 1, field: path.map(String).join('.'), reason: describeZodIssues([{ path: [], message: i.message }]).replace(/^\(root\): /, '') });
    }
    return { issues: issues.sort((a, b) => a.line - b.line) };
  }
  const data = parsed.data;
  const steps = data.steps as Step[];
  steps.forEach((s, n) => {
    s.id ??= `${s.uses}-${n + 1}`;
  });
  const pb: Playbook = { ...data, steps, name: data.name ?? basename(file, extname(file)), file, hash: contentHash(source).slice(0, 16), handlers: new Set() };

  const expr = (path: Array<string | number>, src: string, roots: readonly string[], stepRefs?: { allowed: Set<string>; self: string }): Node | undefined => {
    let node: Node;
    try {
      node = compile(src);
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      add(path, `bad expression "${src.length > 80 ? `${src.slice(0, 80)}…` : src}": ${e.message}`);
      return undefined;
    }
    checkRefs(path, node, roots, stepRefs);
    return node;
  };
  const checkRefs = (path: Array<string | number>, node: Node, roots: readonly string[], stepRefs?: { allowed: Set<string>; self: string }): void => {
    const refs = references(node);
    for (const r of refs.roots) {
      if (!roots.includes(r)) {
        const hint = r === 'item' || r === 'index' ? ' (only in a step with for_each)' : '';
        add(path, `unknown name "${r}"${hint}: expressions start from ${roots.join(', ')}`);
      }
    }
    if (stepRefs) {
      for (const s of refs.steps) {
        if (s === stepRefs.self) add(path, `a step cannot read its own outputs (steps.${s})`);
        else if (!stepRefs.allowed.has(s)) add(path, `steps.${s} is not an earlier step of this playbook`);
      }
    }
  };
  const template = (path: Array<string | number>, text: string, roots: readonly string[], stepRefs?: { allowed: Set<string>; self: string }): void => {
    try {
      for (const p of parseTemplate(text).parts) if (typeof p !== 'string') checkRefs(path, p.node, roots, stepRefs);
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      add(path, `bad placeholder: ${e.message}`);
    }
  };

  if (data.trigger.if !== undefined) expr(['trigger', 'if'], data.trigger.if, TRIGGER_ROOTS);

  const ids = new Set<string>();
  for (const s of steps) {
    const m = /^run (.+)$/.exec(s.on_failure);
    if (m) pb.handlers.add(m[1]!);
  }
  const allIds = new Set(steps.map((s) => s.id));
  const earlier = new Set<string>();
  steps.forEach((s, n) => {
    const at = (...rest: Array<string | number>): Array<string | number> => ['steps', n, ...rest];
    const action = actions.find((a) => a.id === s.uses);
    if (!action) add(at('uses'), `unknown action "${s.uses}" (known: ${actions.map((a) => a.id).join(', ')})`);
    if (ids.has(s.id)) add(at('id'), `duplicate step id "${s.id}"`);
    ids.add(s.id);
    if (s.where && s.for_each !== 'observables') add(at('where'), '"where" needs "for_each: observables"');
    const handler = pb.handlers.has(s.id);
    // A handler runs after some step failed: it may read any other step's outputs.
    const stepRefs = { allowed: handler ? new Set([...allIds].filter((x) => x !== s.id)) : new Set(earlier), self: s.id };
    const roots = s.for_each !== undefined ? STEP_ROOTS : STEP_ROOTS.filter((r) => r !== 'item' && r !== 'index');
    if (s.for_each !== undefined && !isBuiltinForEach(s.for_each)) expr(at('for_each'), s.for_each, STEP_ROOTS.filter((r) => r !== 'item' && r !== 'index'), stepRefs);
    if (typeof s.if === 'string') expr(at('if'), s.if, roots, stepRefs);
    for (const t of templateStrings(s.with)) template(at('with', ...t.path), t.text, roots, stepRefs);
    if (s.approval?.message) template(at('approval', 'message'), s.approval.message, [...STEP_ROOTS.filter((r) => r !== 'item' && r !== 'index'), 'targets'], stepRefs);
    const m = /^run (.+)$/.exec(s.on_failure);
    if (m) {
      const target = m[1]!;
      if (target === s.id) add(at('on_failure'), 'a step cannot be its own failure handler');
      else if (!allIds.has(target)) add(at('on_failure'), `no step "${target}" to run`);
      else if (handler) add(at('on_failure'), `"${s.id}" is itself a failure handler: it can continue or stop, not run another step`);
    }
    if (action) checkStaticInputs(at('with'), s.with, action.inputSchema, add);
    earlier.add(s.id);
  });
  if (steps.every((s) => pb.handlers.has(s.id))) add(['steps'], 'every step is a failure handler: nothing would run');
  return issues.length ? { issues } : { playbook: pb, issues };
}

/**
 * Checks the inputs that need no placeholder against the action's schema now, so `lint` catches
 * `direction: sideways` instead of the first run. Inputs with placeholders are checked when rendered.
 */
function checkStaticInputs(path: Array<string | number>, inputs: Record<string, unknown>, schema: z.ZodType<unknown>, add: (path: Array<string | number>, reason: string) => void): void {
  const templated = new Set(Object.keys(inputs).filter((k) => templateStrings(inputs[k]).length > 0));
  const probe = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, templated.has(k) ? undefined : v]));
  const r = schema.safeParse(probe);
  if (r.success) return;
  for (const i of r.error.issues) {
    const keys = i.code === 'unrecognized_keys' ? (i as { keys: string[] }).keys : [];
    const first = keys[0] ?? i.path[0];
    if (first === undefined) {
      if (!templated.size) add(path, i.message);
      continue;
    }
    if (templated.has(String(first))) continue;
    const missing = !keys.length && i.path.length === 1 && inputs[String(first)] === undefined;
    add([...path, ...(keys.length ? [keys[0]!] : i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)))], keys.length ? `unknown input "${keys[0]}"` : missing ? `missing input "${String(first)}"` : i.message);
  }
}

/** Loads every `*.yaml` / `*.yml` in a folder; good playbooks load even when others are bad. */
export function loadPlaybooks(dir: string, opts: LoadOptions = {}): { playbooks: Playbook[]; issues: InputIssue[] } {
  const playbooks: Playbook[] = [];
  const issues: InputIssue[] = [];
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) return { playbooks, issues: [{ file: dir, line: 1, reason: 'not a folder' }] };
    entries = readdirSync(dir).filter((f) => /\.ya?ml$/i.test(f)).sort();
  } catch {
    return { playbooks, issues: [{ file: dir, line: 1, reason: 'playbook folder does not exist' }] };
  }
  const names = new Set<string>();
  for (const f of entries) {
    const file = join(dir, f);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      issues.push({ file, line: 1, reason: `cannot read: ${(e as Error).message}` });
      continue;
    }
    const r = loadPlaybookText(file, text, opts);
    issues.push(...r.issues);
    if (r.playbook) {
      if (names.has(r.playbook.name)) {
        issues.push({ file, line: 1, field: 'name', reason: `another playbook is already named "${r.playbook.name}"` });
        continue;
      }
      names.add(r.playbook.name);
      playbooks.push(r.playbook);
    }
  }
  return { playbooks, issues };
}
