// Case templates: a named starting point for a case (severity, TLP, tags, custom fields) that brings
// its tasks. They come from config (`thehive.caseTemplates`) and from a folder of YAML files.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { z } from 'zod';
import type { InputIssue } from '../core/errors.js';
import { parseYaml, yamlLineOf } from '../core/yaml.js';

const MAX_TEMPLATE_BYTES = 256 * 1024;

export const TemplateTask = z.strictObject({
  title: z.string().min(1).max(512),
  group: z.string().max(128).optional(),
  description: z.string().max(65_536).optional(),
  order: z.number().int().min(0).optional(),
  mandatory: z.boolean().optional(),
  flag: z.boolean().optional(),
});

export const CaseTemplate = z.strictObject({
  /** What clients pass as `caseTemplate`. */
  name: z.string().min(1).max(128),
  displayName: z.string().max(256).optional(),
  /** Put before the case title: `[Phishing] `. */
  titlePrefix: z.string().max(128).optional(),
  description: z.string().max(65_536).optional(),
  /** 1 LOW, 2 MEDIUM, 3 HIGH, 4 CRITICAL. */
  severity: z.number().int().min(1).max(4).optional(),
  /** 0 CLEAR, 1 GREEN, 2 AMBER, 3 AMBER+STRICT, 4 RED. */
  tlp: z.number().int().min(0).max(4).optional(),
  /** 0 CLEAR, 1 GREEN, 2 AMBER, 3 RED. */
  pap: z.number().int().min(0).max(3).optional(),
  tags: z.array(z.string().min(1).max(256)).max(100).optional(),
  flag: z.boolean().optional(),
  summary: z.string().max(65_536).optional(),
  /** Custom fields the case starts with: `{customer: "ACME"}`. */
  customFields: z.record(z.string().max(128), z.union([z.string().max(4096), z.number(), z.boolean(), z.null()])).optional(),
  tasks: z.array(TemplateTask).max(200).default([]),
});
export type CaseTemplate = z.infer<typeof CaseTemplate>;

/** Parses one template file (a template, or a list of them); problems come back with file:line. */
export function loadTemplateText(file: string, source: string): { templates: CaseTemplate[]; issues: InputIssue[] } {
  if (source.length > MAX_TEMPLATE_BYTES) return { templates: [], issues: [{ file, line: 1, reason: `over ${MAX_TEMPLATE_BYTES} bytes` }] };
  const { doc, value, error } = parseYaml(source);
  if (error) return { templates: [], issues: [{ file, line: error.line, reason: `not valid YAML: ${error.message}` }] };
  const list = Array.isArray(value) ? value : [value];
  const templates: CaseTemplate[] = [];
  const issues: InputIssue[] = [];
  list.forEach((item, n) => {
    const base = Array.isArray(value) ? [n] : [];
    // A single template may leave out its name: the file name is used.
    const withName = !Array.isArray(value) && item && typeof item === 'object' && !('name' in item) ? { name: basename(file, extname(file)), ...item } : item;
    const parsed = CaseTemplate.safeParse(withName);
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        const path = i.code === 'unrecognized_keys' && i.keys[0] !== undefined ? [...base, ...i.path, i.keys[0]] : [...base, ...i.path];
        const reason = i.code === 'invalid_type' && /received undefined$/.test(i.message) ? 'is required' : i.message.replace(/^Invalid input: /, '');
        issues.push({ file, line: yamlLineOf(source, doc, path) ?? 1, field: path.map(String).join('.'), reason });
      }
      return;
    }
    templates.push(parsed.data);
  });
  return { templates, issues };
}

/**
 * Templates from config and from `dir` (every `*.yaml`/`*.yml`); good templates load even when others
 * are bad, and a name defined twice keeps the first (config before files, files in name order).
 */
export function loadTemplates(fromConfig: CaseTemplate[], dir: string | undefined): { templates: Map<string, CaseTemplate>; issues: InputIssue[] } {
  const templates = new Map<string, CaseTemplate>();
  const issues: InputIssue[] = [];
  for (const t of fromConfig) templates.set(t.name, t);
  if (dir) {
    let entries: string[] = [];
    try {
      if (!statSync(dir).isDirectory()) issues.push({ file: dir, line: 1, reason: 'not a folder' });
      else entries = readdirSync(dir).filter((f) => /\.ya?ml$/i.test(f)).sort();
    } catch {
      issues.push({ file: dir, line: 1, reason: 'case template folder does not exist' });
    }
    for (const f of entries) {
      const file = join(dir, f);
      const r = loadTemplateText(file, readFileSync(file, 'utf8'));
      issues.push(...r.issues);
      for (const t of r.templates) {
        if (templates.has(t.name)) issues.push({ file, line: 1, field: 'name', reason: `another case template is already named "${t.name}"` });
        else templates.set(t.name, t);
      }
    }
  }
  return { templates, issues };
}
