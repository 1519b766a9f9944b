import { Command } from 'commander';
import type { App } from '../../app.js';
import { formatIssue, VigilError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import type { IntelResult } from '../../core/types.js';
import type { EnrichedObservable } from '../../intel/engine.js';
import { shownAnswer, type ObservableRef } from '../../intel/provider.js';
import { loadConfig } from '../../config.js';
import { printJson, readInput, reportError, table } from '../output.js';

const EXIT_HELP = `
Values may be defanged (hxxps://evil[.]example/x, 1.2.3[.]4, user[@]evil.example); the type is told
from each value. A --file holds one value per line, or any text (every indicator in it is used).

Exit status:
  0  every value was looked up (a provider that failed is shown as "no answer", with the reason)
  2  some input was not an indicator (reported on stderr); the rest was looked up
  1  failure (bad config, store unavailable, unexpected error)`;

/** The JSON shape of one observable's answer (`vigil enrich --json`). */
export function enrichedJson(o: ObservableRef, e: EnrichedObservable) {
  return {
    observable: { type: o.type, value: o.value },
    score: e.risk.score,
    verdict: e.risk.verdict,
    evidence: e.risk.evidence,
    ...(e.partial && { partial: true }),
    ...(e.warninglist && { warninglist: e.warninglist }),
    providers: e.results.map((r) => ({
      ...shownAnswer(r),
      ...(e.cached?.includes(r.provider) && { cached: true }),
      ...(r.partial && { partial: true, error: r.error }),
    })),
  };
}

function providerRows(r: IntelResult, cached: boolean): string[][] {
  if (r.partial) return [[r.provider, 'no answer', '', r.error ?? ''], ...r.evidence.map((e) => ['', '', '', e])];
  const lines = r.evidence.length ? r.evidence : ['(nothing)'];
  const rows = lines.map((e, i) => (i === 0 ? [`${r.provider}${cached ? ' (cached)' : ''}`, r.verdict, String(r.score), e] : ['', '', '', e]));
  if (r.tags.length) rows.push(['', '', '', `tags: ${r.tags.slice(0, 12).join(', ')}`]);
  return rows;
}

function printText(o: ObservableRef, e: EnrichedObservable): void {
  const head = `${o.type} ${o.value}: ${e.risk.verdict}, risk ${e.risk.score}${e.partial ? ' (partial: some providers did not answer)' : ''}`;
  const rows = [['provider', 'verdict', 'score', 'evidence'], ...e.results.flatMap((r) => providerRows(r, e.cached?.includes(r.provider) ?? false))];
  const out = [head, table(rows)];
  if (e.warninglist) out.push(`  ${e.risk.evidence[0]}`);
  else if (e.results.length === 0) out.push('  no enabled provider looks up this type');
  process.stdout.write(`${out.join('\n')}\n\n`);
}

/** `vigil enrich VALUE... [--file F]`: every value through every enabled intel provider, with the unified risk. */
export function enrichCommand(): Command {
  return new Command('enrich')
    .description('Look indicators up with every enabled intel provider and the local IOC database: verdict, unified risk score and the evidence behind it')
    .argument('[values...]', 'IPs, domains, URLs, emails, hashes, CIDRs or ASNs (defanged accepted)')
    .option('-f, --file <file>', 'read values from a file (- for stdin)')
    .option('-p, --providers <ids>', 'only these providers, comma-separated (e.g. local-feeds,virustotal)')
    .option('--no-cache', 'ask the providers again instead of answering from the cache (fresh answers are still stored)')
    .option('-c, --config <file>', 'config file')
    .option('--json', 'print {"results":[{observable, score, verdict, evidence, providers:[{provider, verdict, score, evidence}]}]}')
    .addHelpText('after', EXIT_HELP)
    .action(async (values: string[], opts: { file?: string; providers?: string; cache: boolean; config?: string; json?: boolean }) => {
      let app: App | undefined;
      try {
        const { parseObservables } = await import('../../intel/observable-input.js');
        const file = opts.file !== undefined ? { name: opts.file === '-' ? '(stdin)' : opts.file, text: await readInput(opts.file) } : undefined;
        const { observables, issues } = parseObservables(values, file);
        for (const i of issues) process.stderr.write(`${formatIssue(i)}\n`);
        if (observables.length === 0) throw new VigilError('VIGIL_INPUT_INVALID', values.length || file ? 'no indicator to look up' : 'nothing to look up: give values or --file FILE');
        const { App } = await import('../../app.js');
        app = await App.build(loadConfig(opts.config ? { file: opts.config } : {}).config, { purpose: 'vigil enrich', log: createLogger({ level: 'error' }) });
        const known = [...app.intel.providers, ...app.intel.disabled.map((d) => d.id)];
        const wanted = opts.providers?.split(',').map((s) => s.trim()).filter(Boolean);
        for (const id of wanted ?? []) {
          if (!known.includes(id)) throw new VigilError('VIGIL_INPUT_INVALID', `--providers: unknown provider "${id}" (known: ${known.join(', ')})`, { field: 'providers' });
        }
        for (const d of app.intel.disabled) if (!wanted || wanted.includes(d.id)) process.stderr.write(`intel provider ${d.id} disabled: ${d.reason}\n`);
        const progress = process.stderr.isTTY && !opts.json;
        const results = await app.intel.enrichMany(observables, {
          ...(wanted && { providers: wanted }),
          cache: opts.cache,
          ...(progress && { onProgress: (done: number, total: number) => process.stderr.write(`\r  looked up ${done}/${total} remotely${done === total ? '\n' : ''}`) }),
        });
        const answers = observables.map((o) => ({ o, e: results.get(`${o.type}:${o.value}`)! }));
        if (opts.json) printJson({ results: answers.map(({ o, e }) => enrichedJson(o, e)), ...(issues.length && { issues }) });
        else for (const { o, e } of answers) printText(o, e);
        process.exitCode = issues.length ? 2 : 0;
      } catch (e) {
        process.exitCode = e instanceof VigilError && e.code === 'VIGIL_INPUT_INVALID' ? (reportError(e, opts.json), 2) : reportError(e, opts.json);
      } finally {
        await app?.close();
      }
    });
}
