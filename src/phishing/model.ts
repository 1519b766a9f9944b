// The fitted phishing model at analysis time: a table of weights over FEATURES (model.json, written
// by `npm run train:phish`), a calibration, the bands, and a second table that tells spam from ham.
// Scoring is one pass over a ~150-number vector; the explanation is each finding's share of the
// calibrated log-odds, in points (10 points = one unit of log-odds).
import { FEATURES, FEATURE_INDEX, type FeatureDef } from './features.js';
import { FINDINGS, type FindingId } from './findings.js';
import table from './model.json' with { type: 'json' };
import type { Finding, PhishCategory, PhishVerdict } from './types.js';

export interface ModelTable {
  version: number;
  trainedAt: string;
  features: string[];
  /** Phishing (any kind) against everything else: raw log-odds weights per feature. */
  weights: number[];
  bias: number;
  /** Platt scaling of the raw log-odds, fitted on cross-validated predictions. */
  calibration: { a: number; b: number };
  /** Calibrated probability (0–1) at which each band starts. */
  thresholds: { suspicious: number; phishing: number };
  /** Spam against ham, among mail that is not phishing. */
  spam: { weights: number[]; bias: number };
  /** Log-odds per point of a prior finding's hand-set weight. */
  priorScale: number;
}

/** The shipped table, checked against the feature list it was fitted for. */
export const MODEL: ModelTable = table as ModelTable;

function checkTable(t: ModelTable): void {
  if (t.features.length !== FEATURES.length || t.features.some((f, i) => f !== FEATURES[i]!.name)) {
    const missing = FEATURES.filter((f) => !t.features.includes(f.name)).map((f) => f.name);
    throw new Error(`src/phishing/model.json does not match the features in src/phishing/features.ts (${missing.length ? `missing ${missing.slice(0, 5).join(', ')}` : 'order or extra features'}): run npm run train:phish`);
  }
}
let checked = false;
/** The shipped table; the first call checks that it was fitted for these features. */
export function shippedModel(): ModelTable {
  if (!checked) {
    checkTable(MODEL);
    checked = true;
  }
  return MODEL;
}

export interface ModelOverrides {
  /** phishing.weights: points per finding id, replacing the fitted contribution of that finding. */
  weights: Readonly<Record<string, number>>;
  /** phishing.thresholds, in percent of probability (absent: the model's bands). */
  thresholds: { suspicious?: number | undefined; phishing?: number | undefined; malicious?: number | undefined };
}

export interface ModelScore {
  /** Calibrated probability that the message is phishing (any kind), 0–1. */
  probability: number;
  score: number;
  verdict: PhishVerdict;
  category: PhishCategory;
  /** Points per finding id (calibrated log-odds × 10). */
  points: Map<string, number>;
  /** The features that moved the verdict most, findings and others, largest first. */
  reasons: Array<{ feature: string; points: number; describe: string }>;
}

const PAYLOAD = new Set(Object.entries(FINDINGS).filter(([, d]) => (d as { payload?: boolean }).payload).map(([id]) => id));
const MALWARE = new Set([...PAYLOAD].filter((id) => id.startsWith('attachment.') && id !== 'attachment.html.form'));
const FRAUD = ['body.lure.bec', 'body.lure.advance-fee', 'body.money-offer', 'header.freemail.other-mailbox', 'header.reply-to.freemail'];
const CREDENTIAL = ['body.lure.credential', 'html.form.password', 'html.form.external', 'attachment.html.form', 'link.lookalike', 'link.text-mismatch', 'link.abused-hosting', 'sender.lookalike'];

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Which kind of bad a message is, from its findings (payload → malware; a reply-based money story → bec-fraud). */
export function badKind(ids: ReadonlySet<string>): PhishCategory {
  for (const id of ids) if (MALWARE.has(id)) return 'malware';
  if (FRAUD.some((id) => ids.has(id)) && !CREDENTIAL.some((id) => ids.has(id))) return 'bec-fraud';
  return 'phishing';
}

/**
 * Whether a verdict's category is one of the bad kinds: always from the phishing band up; in the
 * suspicious band when the model leans that way or the message tells a money story (advance fee,
 * BEC), which the 2002 spam also tells and so the fit alone does not push to the phishing band.
 */
export function isBadBand(verdict: PhishVerdict, probability: number, ids: ReadonlySet<string>): boolean {
  if (verdict === 'phishing' || verdict === 'malicious') return true;
  return verdict === 'suspicious' && (probability >= 0.5 || FRAUD.some((id) => ids.has(id)));
}

/**
 * Scores a feature vector. `findings` are the message's findings (their ids set which of them are
 * payload); overrides come from the config.
 */
export function scoreVector(v: Float64Array, findings: readonly Finding[], o: ModelOverrides, t: ModelTable = shippedModel()): ModelScore {
  // (a table passed in is the training script's or a test's, made for these features)
  const a = t.calibration.a;
  let z = t.bias;
  const contrib = new Float64Array(v.length);
  for (let j = 0; j < v.length; j++) {
    const x = v[j]!;
    if (x === 0) continue;
    let w = t.weights[j]!;
    const name = t.features[j]!;
    if (name.startsWith('finding:')) {
      const over = o.weights[name.slice(8)];
      if (over !== undefined) w = over / 10 / a;
    }
    contrib[j] = w * x;
    z += w * x;
  }
  const probability = sigmoid(a * z + t.calibration.b);
  const pct = probability * 100;
  const thr = {
    suspicious: o.thresholds.suspicious ?? t.thresholds.suspicious * 100,
    phishing: o.thresholds.phishing ?? t.thresholds.phishing * 100,
    malicious: o.thresholds.malicious ?? t.thresholds.phishing * 100,
  };
  const ids = new Set(findings.map((f) => f.id));
  let payload = false;
  for (const f of findings) if (PAYLOAD.has(f.id) && (o.weights[f.id] ?? 1) > 0) payload = true;
  let verdict: PhishVerdict = 'clean';
  if (pct >= thr.malicious && pct >= thr.phishing && payload) verdict = 'malicious';
  else if (pct >= thr.phishing) verdict = 'phishing';
  else if (pct >= thr.suspicious) verdict = 'suspicious';
  let category: PhishCategory;
  if (isBadBand(verdict, probability, ids)) category = badKind(ids);
  else {
    let s = t.spam.bias;
    for (let j = 0; j < v.length; j++) if (v[j] !== 0) s += t.spam.weights[j]! * v[j]!;
    category = s >= 0 ? 'spam' : 'ham';
  }
  const points = new Map<string, number>();
  const reasons: ModelScore['reasons'] = [];
  for (let j = 0; j < v.length; j++) {
    if (contrib[j] === 0) continue;
    const p = Math.round(contrib[j]! * a * 10);
    const f = FEATURES[j]!;
    if (f.name.startsWith('finding:')) points.set(f.name.slice(8), p);
    if (p !== 0) reasons.push({ feature: f.name, points: p, describe: f.name.startsWith('finding:') ? FINDINGS[f.name.slice(8) as FindingId].describe : f.describe });
  }
  reasons.sort((x, y) => y.points - x.points);
  return { probability, score: Math.round(pct), verdict, category, points, reasons: reasons.slice(0, 8) };
}

export function featureDef(name: string): FeatureDef | undefined {
  const i = FEATURE_INDEX.get(name);
  return i === undefined ? undefined : FEATURES[i];
}

/**
 * Findings added after the analysis (intel, with --enrich) move the calibrated log-odds by their
 * points: the calibration is linear in the raw log-odds, so this equals rescoring the whole vector.
 */
export function addFindings(
  r: { probability: number; category: PhishCategory; findings: readonly Finding[] },
  added: readonly Finding[],
  o: ModelOverrides,
  t: ModelTable = shippedModel(),
): { probability: number; score: number; verdict: PhishVerdict; category: PhishCategory; findings: Finding[] } {
  const p0 = Math.min(1 - 1e-9, Math.max(1e-9, r.probability));
  let l = Math.log(p0 / (1 - p0));
  const pts = (id: string): number => {
    const over = o.weights[id];
    if (over !== undefined) return over;
    const j = FEATURE_INDEX.get(`finding:${id}`);
    return j === undefined ? 0 : Math.round(t.weights[j]! * t.calibration.a * 10);
  };
  const withPoints = added.map((f) => ({ ...f, weight: pts(f.id) }));
  for (const f of withPoints) l += f.weight / 10;
  const probability = sigmoid(l);
  const findings = [...r.findings, ...withPoints].sort((a, b) => b.weight - a.weight);
  const pct = probability * 100;
  const phishing = o.thresholds.phishing ?? t.thresholds.phishing * 100;
  const suspicious = o.thresholds.suspicious ?? t.thresholds.suspicious * 100;
  const malicious = o.thresholds.malicious ?? phishing;
  const ids = new Set(findings.map((f) => f.id));
  const payload = findings.some((f) => PAYLOAD.has(f.id) && f.weight > 0);
  let verdict: PhishVerdict = 'clean';
  if (pct >= phishing && pct >= malicious && payload) verdict = 'malicious';
  else if (pct >= phishing) verdict = 'phishing';
  else if (pct >= suspicious) verdict = 'suspicious';
  const category = isBadBand(verdict, probability, ids) ? badKind(ids) : r.category === 'spam' || r.category === 'ham' ? r.category : 'spam';
  return { probability: Math.round(probability * 10_000) / 10_000, score: Math.round(pct), verdict, category, findings };
}

/** A table of zeros for the current features (what the training script analyses with). */
export function emptyModel(): ModelTable {
  const n = FEATURES.length;
  return { version: 0, trainedAt: '', features: FEATURES.map((f) => f.name), weights: new Array<number>(n).fill(0), bias: 0, calibration: { a: 1, b: 0 }, thresholds: { suspicious: 0.5, phishing: 0.8 }, spam: { weights: new Array<number>(n).fill(0), bias: 0 }, priorScale: 0 };
}
