// Evaluates the Sigma engine against SigmaHQ's regression data: each rule is run over its
// recorded event files and the match count compared with the expected one. Then the whole
// process_creation folder (and the rest of the stored corpus) is loaded and the rules that do
// not load are listed with reasons. Reads ../shared/data in place; skips when it is absent.
//   npm run eval:sigma            (VIGIL_SHARED_DATA=/path/to/data to point elsewhere)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SigmaEngine, formatSigmaIssue, parseEventStream, type SigmaIssue } from '../src/detect/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const data = process.env['VIGIL_SHARED_DATA'] ?? resolve(root, '../shared/data');
const sigma = join(data, 'sigma');
const pairsFile = join(sigma, 'regression_pairs.jsonl');
if (!existsSync(pairsFile)) {
  console.log(`eval:sigma skipped: ${pairsFile} not found`);
  process.exit(0);
}

interface Pair {
  rule_path: string;
  rule_id: string;
  title: string;
  tests: { name: string; match_count: number; event_files: string[] }[];
}

const verbose = process.argv.includes('--verbose');
const pairs = readFileSync(pairsFile, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Pair);

let agree = 0;
let total = 0;
const misses: string[] = [];
for (const pair of pairs) {
  const { engine, issues } = SigmaEngine.fromFiles(join(sigma, 'sigmahq', pair.rule_path));
  const own = issues.filter((i) => i.ruleId === undefined || i.ruleId === pair.rule_id);
  for (const t of pair.tests) {
    total++;
    if (!engine.rules.some((r) => r.id === pair.rule_id)) {
      misses.push(`${pair.rule_path}: rule did not load: ${own.map((i) => i.reason).join('; ')}`);
      continue;
    }
    let got = 0;
    let events = 0;
    const matched: string[] = [];
    for (const f of t.event_files) {
      const { events: evs, errors } = parseEventStream(readFileSync(join(sigma, 'sigmahq', f), 'utf8'));
      if (errors.length) misses.push(`${f}: ${errors.length} unreadable event(s)`);
      for (const ev of evs) {
        events++;
        if (engine.match(ev).some((m) => m.id === pair.rule_id)) {
          got++;
          matched.push(describeEvent(ev));
        }
      }
    }
    if (got === t.match_count) {
      agree++;
      if (verbose) console.log(`ok   ${pair.rule_path} (${got}/${events})`);
    } else {
      misses.push(
        `${pair.rule_path}: expected ${t.match_count} match(es), got ${got} over ${events} event(s)` +
          matched.map((m) => `\n        matched ${m}`).join(''),
      );
    }
  }
}
console.log(
  `Regression pairs: ${agree}/${total} tests agree (${((100 * agree) / total).toFixed(1)}%) ` +
    `over ${pairs.length} pairs (${pairs.filter((p) => p.tests.length === 0).length} without a test)`,
);
for (const m of misses) console.log(`  miss: ${m}`);

// Enough of a matched event to check the verdict by eye against the rule.
function describeEvent(ev: Record<string, unknown>): string {
  const e = (ev['Event'] ?? {}) as Record<string, Record<string, unknown>>;
  const data = e['EventData'] ?? ev;
  const rec = e['System']?.['EventRecordID'];
  const keys = ['TargetFilename', 'TargetObject', 'Details', 'CommandLine', 'Image'].filter((k) => data[k] !== undefined).slice(0, 2);
  return `record ${String(rec ?? '?')}: ${keys.map((k) => `${k}=${JSON.stringify(data[k])}`).join(' ')}`;
}

function corpusReport(label: string, path: string | string[]): void {
  if (![path].flat().every((p) => existsSync(p))) return;
  const t0 = performance.now();
  const { engine, issues, correlations } = SigmaEngine.fromFiles(path);
  const ms = performance.now() - t0;
  const invalid = issues.filter((i) => i.kind === 'invalid');
  const unsupported = issues.filter((i) => i.kind === 'unsupported');
  console.log(
    `\n${label}: ${engine.rules.length} rules compiled, ${invalid.length} invalid, ${unsupported.length} unsupported` +
      `${correlations.length ? `, ${correlations.length} correlation rules` : ''} (load ${ms.toFixed(0)} ms)`,
  );
  const reasons = new Map<string, SigmaIssue[]>();
  for (const i of issues) {
    const key = `${i.kind}: ${i.reason}`;
    reasons.set(key, [...(reasons.get(key) ?? []), i]);
  }
  for (const [reason, list] of [...reasons].sort((a, b) => b[1].length - a[1].length)) {
    console.log(`  ${list.length} × ${reason}`);
    for (const i of list.slice(0, verbose ? list.length : 3)) console.log(`      ${formatSigmaIssue(i).replace(data + '/', '')}`);
  }
}

corpusReport('process_creation folder', join(sigma, 'sigmahq/rules/windows/process_creation'));
corpusReport('all stored SigmaHQ rules', [join(sigma, 'sigmahq/rules'), join(sigma, 'sigmahq/rules-emerging-threats')]);

// Smoke test on real attack recordings (OTRF Security-Datasets): which rules fire on each.
const recordings = join(data, 'alerts/windows');
if (existsSync(recordings)) {
  const { engine } = SigmaEngine.fromFiles([join(sigma, 'sigmahq/rules'), join(sigma, 'sigmahq/rules-emerging-threats')]);
  console.log('\nOTRF attack recordings (alerts/windows):');
  for (const f of readdirSync(recordings).filter((x) => x.endsWith('.json')).sort()) {
    const { events, errors } = parseEventStream(readFileSync(join(recordings, f), 'utf8'));
    const hits = new Map<string, number>();
    for (const ev of events) for (const m of engine.match(ev)) hits.set(m.title, (hits.get(m.title) ?? 0) + 1);
    console.log(`  ${f}: ${events.length} events${errors.length ? `, ${errors.length} unreadable` : ''}, ${[...hits.values()].reduce((a, b) => a + b, 0)} detections`);
    for (const [title, n] of hits) console.log(`      ${n} × ${title}`);
  }
}
