import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { describeZodIssues, type InputIssue } from '../core/errors.js';
import { parseYaml, yamlLineOf } from '../core/yaml.js';
import { getAction } from './actions/registry.js';
import { Playbook } from './schema.js';

const MAX_PLAYBOOK_BYTES = 256 * 1024;

/** Parses and checks one playbook file; problems come back with file:line, never thrown. */
export function loadPlaybookText(file: string, source: string): { playbook?: Playbook; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  if (source.length > MAX_PLAYBOOK_BYTES) return { issues: [{ file, line: 1, reason: `over ${MAX_PLAYBOOK_BYTES} bytes` }] };
  const { doc, value, error } = parseYaml(source);
  if (error) return { issues: [{ file, line: error.line, reason: `not valid YAML: ${error.message}` }] };
  const parsed = Playbook.safeParse(value);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      // zod reports an unknown key on its parent object: point at the key itself.
      const path = i.code === 'unrecognized_keys' && i.keys[0] !== undefined ? [...i.path, i.keys[0]] : i.path;
      issues.push({ file, line: yamlLineOf(source, doc, path) ?? 1, field: path.map(String).join('.'), reason: describeZodIssues([{ path: [], message: i.message }]).replace(/^\(root\): /, '') });
    }
    return { issues };
  }
  const pb: Playbook = { ...parsed.data, name: parsed.data.name ?? basename(file, extname(file)), file };
  const ids = new Set<string>();
  pb.steps.forEach((s, n) => {
    const at = (field: string) => yamlLineOf(source, doc, ['steps', n, field]) ?? 1;
    if (!getAction(s.uses)) issues.push({ file, line: at('uses'), field: `steps.${n}.uses`, reason: `unknown action "${s.uses}"` });
    s.id ??= `${s.uses}-${n + 1}`;
    if (ids.has(s.id)) issues.push({ file, line: at('id'), field: `steps.${n}.id`, reason: `duplicate step id "${s.id}"` });
    ids.add(s.id);
    if (s.where && s.for_each !== 'observables') issues.push({ file, line: at('where'), field: `steps.${n}.where`, reason: '"where" needs "for_each: observables"' });
  });
  return issues.length ? { issues } : { playbook: pb, issues };
}

/** Loads every `*.yaml` / `*.yml` in a folder; good playbooks load even when others are bad. */
export function loadPlaybooks(dir: string): { playbooks: Playbook[]; issues: InputIssue[] } {
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
    const r = loadPlaybookText(file, readFileSync(file, 'utf8'));
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
