// What every command that builds the App shares: the config it was given, and start-up problems
// that do not stop it, printed as plain lines (JSON logs are for services).
import type { App } from '../app.js';
import { loadConfig, type LoadedConfig } from '../config.js';
import { formatIssue } from '../core/errors.js';
import { formatSigmaIssue } from '../detect/sigma/io.js';
import { rel, neutralize } from './output.js';

export function loadConfigFrom(opts: { config?: string }): LoadedConfig {
  return loadConfig(opts.config ? { file: opts.config } : {});
}

/** Start-up problems that do not stop the run, one plain line each on stderr. */
export function printStartup(app: App): void {
  for (const d of app.startup.disabledProviders) process.stderr.write(`intel provider ${d.id} disabled: ${d.reason}\n`);
  for (const i of app.startup.playbookIssues) process.stderr.write(`playbook problem: ${neutralize(formatIssue(i), { line: true })}\n`);
  const ruleIssues = app.startup.ruleIssues;
  if (ruleIssues.length) {
    for (const i of ruleIssues.slice(0, 5)) process.stderr.write(`sigma rule skipped: ${neutralize(formatSigmaIssue(i), { line: true })}\n`);
    if (ruleIssues.length > 5) process.stderr.write(`… and ${ruleIssues.length - 5} more rules skipped (vigil detect lint lists all)\n`);
  }
  for (const f of app.startup.feeds) {
    if (f.status === 'failed') process.stderr.write(`feed ${rel(f.file)} not imported: ${neutralize(f.error, { line: true })}\n`);
    else if (f.issues.length) process.stderr.write(`feed ${rel(f.file)}: ${f.issues.length} line${f.issues.length > 1 ? 's' : ''} skipped (first: ${neutralize(formatIssue({ ...f.issues[0]!, file: rel(f.issues[0]!.file) }), { line: true })})\n`);
  }
}
