import { Command } from 'commander';
import { VigilError } from '../../core/errors.js';
import { CorrelationEngine, SigmaEngine, loadPipelines, formatSigmaIssue, parseEventStream, type SigmaIssue, type SigmaLoadResult } from '../../detect/index.js';
import { DetectionStage, overBudgetReason } from '../../detect/stage.js';
import type { NormalizedAlert } from '../../sources/source.js';
import { printJson, reportError, table, readInput, neutralize } from '../output.js';

function splitDirs(v: string, prev: string[] = []): string[] {
  return [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
}

// `--placeholder Servers=srv*,dc01` → { Servers: ['srv*', 'dc01'] }
function collectPlaceholder(v: string, prev: Record<string, string[]> = {}): Record<string, string[]> {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new VigilError('VIGIL_INPUT_INVALID', `--placeholder: expected NAME=value[,value…], got "${v}"`, { field: 'placeholder' });
  const name = v.slice(0, eq).replace(/^%|%$/g, '');
  return { ...prev, [name]: [...(prev[name] ?? []), ...v.slice(eq + 1).split(',')] };
}

function countIssues(issues: SigmaIssue[]): { invalid: number; unsupported: number } {
  return {
    invalid: issues.filter((i) => i.kind === 'invalid').length,
    unsupported: issues.filter((i) => i.kind === 'unsupported').length,
  };
}

function collectFile(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

function load(dirs: string[], opts: { placeholder?: Record<string, string[]>; pipeline?: string[] }): SigmaLoadResult {
  if (dirs.length === 0) throw new VigilError('VIGIL_INPUT_INVALID', '--rules: give at least one rules file or folder', { field: 'rules' });
  const fieldMap = opts.pipeline?.length ? loadPipelines(opts.pipeline).fieldMap : undefined;
  return SigmaEngine.fromFiles(dirs, { ...(opts.placeholder ? { placeholders: opts.placeholder } : {}), ...(fieldMap ? { fieldMap } : {}) });
}

/**
 * `vigil detect lint DIR…` lists every rule that cannot run, with file:line and reason;
 * `vigil detect run --rules DIR[,DIR…] [EVENTS…|-]` runs Sigma rules over event files.
 */
export function detectCommand(): Command {
  const detect = new Command('detect').description('Sigma detection: check rule folders and run rules over events');

  detect.addCommand(lintCommand());

  detect
    .command('run', { isDefault: true })
    .description('Run Sigma rules over events (JSON lines, a JSON array or concatenated JSON objects) and print the matches')
    .requiredOption('-r, --rules <dirs>', 'rule files or folders, comma-separated (repeatable)', splitDirs)
    .argument('[events...]', 'event files; - or nothing for stdin')
    .option('--json', 'one JSON line per match: {rule, type, event, timestamp}')
    .option('--placeholder <name=values>', 'values for an expand placeholder (repeatable)', collectPlaceholder)
    .option('-p, --pipeline <file>', 'field-mapping pipeline YAML (repeatable; later files win)', collectFile)
    .action(async (files: string[], opts: { rules: string[]; json?: boolean; placeholder?: Record<string, string[]>; pipeline?: string[] }) => {
      try {
        if (opts.rules.length === 0) throw new VigilError('VIGIL_INPUT_INVALID', '--rules: give at least one rules file or folder', { field: 'rules' });
        const stage = DetectionStage.load({ rules: opts.rules, ...(opts.pipeline && { pipelines: opts.pipeline }), ...(opts.placeholder && { placeholders: opts.placeholder }) });
        for (const i of stage.issues) process.stderr.write(`vigil: ${neutralize(formatSigmaIssue(i), { line: true })}\n`);
        let unreadable = 0;
        let matches = 0;
        const rows: string[][] = [];
        const print = (found: NormalizedAlert[], where: string): void => {
          for (const a of found) {
            matches++;
            const raw = a.raw as { type: 'detection' | 'correlation'; rule: { id: string; title: string; level: string; type?: string }; event?: unknown; group?: Record<string, unknown>; value?: number; rules?: string[]; first?: number; last?: number };
            const meta = raw.type === 'detection' ? stage.sigma.rules.find((r) => r.id === raw.rule.id) : stage.correlation.rules.find((r) => r.meta.id === raw.rule.id)?.meta;
            const rule = { id: raw.rule.id, title: raw.rule.title, level: raw.rule.level, tags: meta?.tags ?? [] };
            if (raw.type === 'detection') {
              if (opts.json) process.stdout.write(`${JSON.stringify({ rule, type: 'detection', event: raw.event, timestamp: a.time })}\n`);
              else rows.push([a.time, raw.rule.level, raw.rule.title, where]);
            } else {
              const summary = { group: raw.group, value: raw.value, rules: raw.rules, first: new Date(raw.first!).toISOString(), last: new Date(raw.last!).toISOString() };
              if (opts.json) process.stdout.write(`${JSON.stringify({ rule, type: 'correlation', event: summary, timestamp: summary.last })}\n`);
              else rows.push([summary.last, raw.rule.level, `${raw.rule.title.replace(/ \(.*\)$/, '')} [${raw.rule.type} ${raw.value}]`, JSON.stringify(raw.group)]);
            }
          }
        };
        for (const file of files.length ? files : ['-']) {
          const { events: evs, errors } = parseEventStream(await readInput(file));
          for (const err of errors) process.stderr.write(`vigil: ${neutralize(`${file}:${err.line}: ${err.reason}`, { line: true })}\n`);
          unreadable += errors.length;
          for (const ev of evs) {
            const r = stage.detect(ev, Date.now());
            if (r.overBudget) process.stderr.write(`vigil: ${file}#${stage.events}: ${overBudgetReason(r.overBudget)}\n`);
            print(r.alerts, `${file}#${stage.events}`);
          }
        }
        // The input has ended: windows judged at their close are closed now.
        print(stage.close(Number.POSITIVE_INFINITY).alerts, 'end of input');
        if (!opts.json && rows.length) process.stdout.write(`${table([['time', 'level', 'rule', 'event'], ...rows])}\n`);
        const counts = countIssues(stage.issues);
        process.stderr.write(
          `${stage.events} events, ${stage.sigma.rules.length} rules loaded (${counts.invalid} invalid, ${counts.unsupported} unsupported)` +
            `${stage.correlation.rules.length ? `, ${stage.correlation.rules.length} correlation rules` : ''}, ${matches} matches` +
            `${unreadable ? `, ${unreadable} unreadable events` : ''}\n`,
        );
        process.exitCode = unreadable ? 2 : 0;
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  return detect;
}

/** `vigil detect lint DIR…`, also reachable as `vigil rules lint DIR…`. */
function lintCommand(): Command {
  return new Command('lint')
    .description('Load Sigma rules and list each invalid or unsupported rule with file:line and the reason')
    .argument('<paths...>', 'rule files or folders (searched recursively for .yml/.yaml)')
    .option('--json', 'print one JSON document: counts and issues')
    .option('--placeholder <name=values>', 'values for an expand placeholder (repeatable)', collectPlaceholder)
    .option('-p, --pipeline <file>', 'field-mapping pipeline YAML (repeatable; later files win)', collectFile)
    .action((paths: string[], opts: { json?: boolean; placeholder?: Record<string, string[]>; pipeline?: string[] }) => {
      try {
        const { engine, issues: ruleIssues, correlations: corrDocs } = load(paths, opts);
        const { engine: corr, issues: corrIssues } = CorrelationEngine.fromDocuments(corrDocs, engine.rules);
        const issues = [...ruleIssues, ...corrIssues];
        const correlations = corr.rules;
        const counts = countIssues(issues);
        if (opts.json) {
          printJson({ loaded: engine.rules.length, correlations: correlations.length, ...counts, issues });
          process.exitCode = issues.length ? 2 : 0;
          return;
        } else {
          for (const i of issues) process.stdout.write(`${neutralize(formatSigmaIssue(i), { line: true })}\n`);
          process.stdout.write(
            `${engine.rules.length} rules loaded, ${counts.invalid} invalid, ${counts.unsupported} unsupported` +
              `${correlations.length ? `, ${correlations.length} correlation rules` : ''}\n`,
          );
        }
        process.exitCode = issues.length ? 2 : 0;
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });
}

export function rulesCommand(): Command {
  return new Command('rules').description('Sigma rule folders (same as `vigil detect lint`)').addCommand(lintCommand());
}
