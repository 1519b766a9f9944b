import { Command } from 'commander';
import { VigilError } from '../../core/errors.js';
import { CorrelationEngine, SigmaEngine, eventTimestamp, loadPipelines, formatSigmaIssue, parseEventStream, type SigmaIssue, type SigmaLoadResult } from '../../detect/index.js';
import { printJson, reportError, table, readInput } from '../output.js';

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

  detect
    .command('lint')
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
          for (const i of issues) process.stdout.write(`${formatSigmaIssue(i)}\n`);
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

  detect
    .command('run')
    .description('Run Sigma rules over events (JSON lines, a JSON array or concatenated JSON objects) and print the matches')
    .requiredOption('-r, --rules <dirs>', 'rule files or folders, comma-separated (repeatable)', splitDirs)
    .argument('[events...]', 'event files; - or nothing for stdin')
    .option('--json', 'one JSON line per match: {rule, type, event, timestamp}')
    .option('--placeholder <name=values>', 'values for an expand placeholder (repeatable)', collectPlaceholder)
    .option('-p, --pipeline <file>', 'field-mapping pipeline YAML (repeatable; later files win)', collectFile)
    .action(async (files: string[], opts: { rules: string[]; json?: boolean; placeholder?: Record<string, string[]>; pipeline?: string[] }) => {
      try {
        const { engine, issues: ruleIssues, correlations: corrDocs } = load(opts.rules, opts);
        const { engine: corr, issues: corrIssues } = CorrelationEngine.fromDocuments(corrDocs, engine.rules);
        const issues = [...ruleIssues, ...corrIssues];
        const hidden = corr.suppressed();
        for (const i of issues) process.stderr.write(`vigil: ${formatSigmaIssue(i)}\n`);
        let events = 0;
        let matches = 0;
        let unreadable = 0;
        const rows: string[][] = [];
        for (const file of files.length ? files : ['-']) {
          const { events: evs, errors } = parseEventStream(await readInput(file));
          for (const err of errors) process.stderr.write(`vigil: ${file}:${err.line}: ${err.reason}\n`);
          unreadable += errors.length;
          for (const ev of evs) {
            events++;
            const prepared = engine.prepareEvent(ev);
            const found = engine.matchFields(prepared.fields, prepared.logsource);
            const t = eventTimestamp(ev) ?? Date.now();
            const timestamp = new Date(t).toISOString();
            for (const m of found) {
              // Rules that only feed a correlation (generate: false) do not alert on their own.
              if (hidden.has(m.id)) continue;
              matches++;
              if (opts.json) {
                const rule = { id: m.id, title: m.title, level: m.level, tags: m.tags };
                process.stdout.write(`${JSON.stringify({ rule, type: 'detection', event: ev, timestamp })}\n`);
              } else rows.push([timestamp, m.level, m.title, `${file}#${events}`]);
            }
            for (const c of corr.process(found, prepared.fields, t)) {
              if (hidden.has(c.rule.id)) continue;
              matches++;
              const summary = { group: c.group, value: c.value, rules: c.rules, first: new Date(c.first).toISOString(), last: new Date(c.last).toISOString() };
              if (opts.json) {
                const rule = { id: c.rule.id, title: c.rule.title, level: c.rule.level, tags: c.rule.tags };
                process.stdout.write(`${JSON.stringify({ rule, type: 'correlation', event: summary, timestamp: summary.last })}\n`);
              } else rows.push([summary.last, c.rule.level, `${c.rule.title} [${c.rule.type} ${c.value}]`, JSON.stringify(c.group)]);
            }
          }
        }
        if (!opts.json && rows.length) process.stdout.write(`${table([['time', 'level', 'rule', 'event'], ...rows])}\n`);
        const counts = countIssues(issues);
        process.stderr.write(
          `${events} events, ${engine.rules.length} rules loaded (${counts.invalid} invalid, ${counts.unsupported} unsupported), ${matches} matches` +
            `${unreadable ? `, ${unreadable} unreadable events` : ''}\n`,
        );
        process.exitCode = unreadable ? 2 : 0;
      } catch (e) {
        process.exitCode = reportError(e, opts.json);
      }
    });

  return detect;
}
