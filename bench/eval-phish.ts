// Evaluation of the phishing analyser on real mail kept outside the repository: ../shared/data/eml
// (or $VIGIL_EML_DATA, or $VIGIL_SHARED_DATA/eml) with phish/, ham/ and spam/ folders. Prints, per folder, how many messages got
// each verdict and every file that failed to parse, then checks the goals. Exits 0 and says so when
// the data is absent. `--verbose` lists every file with its score and findings.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeEmail } from '../src/phishing/analyze.js';
import { defaultPhishingConfig } from '../src/phishing/config.js';
import { BrandIndex } from '../src/phishing/lookalike.js';
import { PHISH_VERDICTS, verdictRank, type PhishVerdict } from '../src/phishing/types.js';

const root = resolve(process.env.VIGIL_EML_DATA ?? join(process.env.VIGIL_SHARED_DATA ?? join(import.meta.dirname, '../../shared/data'), 'eml'));
if (!existsSync(root)) {
  console.log(`eval:phish skipped: ${root} not found (set VIGIL_EML_DATA to a folder holding phish/, ham/ and spam/)`);
  process.exit(0);
}
const verbose = process.argv.includes('--verbose');
const config = defaultPhishingConfig();
const brands = new BrandIndex(config);
const pct = (k: number, n: number): string => `${k}/${n} (${n ? ((100 * k) / n).toFixed(1) : '0.0'}%)`;

interface FolderResult {
  name: string;
  counts: Record<PhishVerdict, number>;
  failed: Array<{ file: string; error: string }>;
  total: number;
  findings: Map<string, number>;
  categories: Map<string, number>;
}

const results: FolderResult[] = [];
for (const folder of readdirSync(root).sort()) {
  const dir = join(root, folder);
  if (!statSync(dir).isDirectory()) continue;
  const r: FolderResult = { name: folder, counts: { clean: 0, suspicious: 0, phishing: 0, malicious: 0 }, failed: [], total: 0, findings: new Map(), categories: new Map() };
  for (const f of readdirSync(dir).sort()) {
    const file = join(dir, f);
    if (!statSync(file).isFile()) continue;
    r.total++;
    try {
      const rep = await analyzeEmail(readFileSync(file), { file, config, brands });
      r.counts[rep.verdict]++;
      for (const x of rep.findings) r.findings.set(x.id, (r.findings.get(x.id) ?? 0) + 1);
      r.categories.set(rep.category, (r.categories.get(rep.category) ?? 0) + 1);
      if (verbose) console.log(`${folder}/${f}\t${rep.verdict}\t${rep.score}\t${rep.category}\t${rep.reasons.map((x) => `${x.feature}(${x.points})`).join(' ')}`);
    } catch (e) {
      r.failed.push({ file: f, error: (e as Error).message });
    }
  }
  results.push(r);
}

for (const r of results) {
  console.log(`\n${r.name}: ${r.total} messages`);
  for (const v of PHISH_VERDICTS) console.log(`  ${v.padEnd(11)} ${pct(r.counts[v], r.total)}`);
  const atLeast = (v: PhishVerdict) => PHISH_VERDICTS.filter((x) => verdictRank(x) >= verdictRank(v)).reduce((a, x) => a + r.counts[x], 0);
  console.log(`  ≥ suspicious ${pct(atLeast('suspicious'), r.total)}   ≥ phishing ${pct(atLeast('phishing'), r.total)}`);
  console.log(`  category: ${[...r.categories.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  console.log(`  failed to parse: ${r.failed.length}${r.failed.map((x) => `\n    ${x.file}: ${x.error}`).join('')}`);
  const top = [...r.findings.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
  console.log(`  most frequent findings: ${top.map(([id, n]) => `${id} ${n}`).join(', ')}`);
}

const by = (n: string) => results.find((r) => r.name === n);
const phish = by('phish');
const ham = by('ham');
const goals: Array<[string, boolean]> = [];
goals.push(['every file parses', results.every((r) => r.failed.length === 0)]);
const frac = (r: FolderResult, v: PhishVerdict) => PHISH_VERDICTS.filter((x) => verdictRank(x) >= verdictRank(v)).reduce((a, x) => a + r.counts[x], 0) / Math.max(1, r.total);
const spam = by('spam');
if (phish) {
  goals.push([`phish ≥ suspicious ≥ 97% (${(100 * frac(phish, 'suspicious')).toFixed(1)}%)`, frac(phish, 'suspicious') >= 0.97]);
  goals.push([`phish ≥ phishing ≥ 90% (${(100 * frac(phish, 'phishing')).toFixed(1)}%)`, frac(phish, 'phishing') >= 0.9]);
}
if (ham) goals.push([`ham ≥ phishing ≤ 1% (${(100 * frac(ham, 'phishing')).toFixed(1)}%)`, frac(ham, 'phishing') <= 0.01]);
if (spam) goals.push([`spam ≥ phishing ≤ 3% (${(100 * frac(spam, 'phishing')).toFixed(1)}%)`, frac(spam, 'phishing') <= 0.03]);
console.log('\nGoals');
for (const [g, ok] of goals) console.log(`  ${ok ? 'met    ' : 'NOT MET'}  ${g}`);
