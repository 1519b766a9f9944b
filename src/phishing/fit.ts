// L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least
// squares), small enough to read: the phishing model has ~150 features and a few thousand training
// messages, where one Newton step is a 150×150 solve. Used by `npm run train:phish`
// (scripts/train-phish.ts), never at analysis time.

export interface LogisticFit {
  weights: number[];
  bias: number;
  iterations: number;
}

export interface FitOptions {
  /** L2 penalty on the weights (not on the bias). */
  lambda: number;
  /** Features whose weight is fixed (not fitted): their x·w is an offset. */
  fixed?: ReadonlyMap<number, number>;
  /** Per-example weights (class balancing); 1 when absent. */
  sampleWeights?: readonly number[];
  maxIterations?: number;
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Solves A x = b for a symmetric positive definite A (Cholesky; A is overwritten). */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! * a[j * n + k]!;
    if (d <= 1e-12) d = 1e-12;
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / l;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= a[i * n + k]! * y[k]!;
    y[i] = s / a[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= a[k * n + i]! * x[k]!;
    x[i] = s / a[i * n + i]!;
  }
  return x;
}

/** Fits P(y=1|x) = σ(b + w·x). Rows are feature vectors; labels are 0/1. */
export function fitLogistic(rows: readonly Float64Array[], labels: readonly number[], opts: FitOptions): LogisticFit {
  const d = rows[0]?.length ?? 0;
  const fixed = opts.fixed ?? new Map<number, number>();
  const free: number[] = [];
  for (let j = 0; j < d; j++) if (!fixed.has(j)) free.push(j);
  // parameter vector: [bias, free weights...]
  const m = free.length + 1;
  const theta = new Float64Array(m);
  const offsets = rows.map((r) => {
    let o = 0;
    for (const [j, w] of fixed) o += w * r[j]!;
    return o;
  });
  const sw = opts.sampleWeights;
  let it = 0;
  const maxIt = opts.maxIterations ?? 50;
  for (; it < maxIt; it++) {
    const grad = new Float64Array(m);
    const hess = new Float64Array(m * m);
    const xs = new Float64Array(m);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      xs[0] = 1;
      for (let k = 0; k < free.length; k++) xs[k + 1] = r[free[k]!]!;
      let z = offsets[i]!;
      for (let k = 0; k < m; k++) z += theta[k]! * xs[k]!;
      const p = sigmoid(z);
      const c = sw ? sw[i]! : 1;
      const g = c * (p - labels[i]!);
      const h = c * p * (1 - p);
      for (let a = 0; a < m; a++) {
        const xa = xs[a]!;
        if (xa === 0) continue;
        grad[a] = grad[a]! + g * xa;
        const ha = h * xa;
        for (let b = 0; b <= a; b++) hess[a * m + b] = hess[a * m + b]! + ha * xs[b]!;
      }
    }
    for (let a = 1; a < m; a++) {
      grad[a] = grad[a]! + opts.lambda * theta[a]!;
      hess[a * m + a] = hess[a * m + a]! + opts.lambda;
    }
    hess[0] = hess[0]! + 1e-6;
    for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) hess[a * m + b] = hess[b * m + a]!;
    const step = solveSpd(hess, grad, m);
    let change = 0;
    for (let a = 0; a < m; a++) {
      theta[a] = theta[a]! - step[a]!;
      change = Math.max(change, Math.abs(step[a]!));
    }
    if (change < 1e-7) {
      it++;
      break;
    }
  }
  const weights = new Array<number>(d).fill(0);
  for (const [j, w] of fixed) weights[j] = w;
  free.forEach((j, k) => (weights[j] = theta[k + 1]!));
  return { weights, bias: theta[0]!, iterations: it };
}

/** The model's raw log-odds for one row. */
export function logit(fit: { weights: readonly number[]; bias: number }, row: Float64Array): number {
  let z = fit.bias;
  for (let j = 0; j < row.length; j++) if (row[j] !== 0) z += fit.weights[j]! * row[j]!;
  return z;
}

/** Platt scaling: fits p = σ(a·z + b) to held-out log-odds z and their labels (one-dimensional Newton). */
export function fitPlatt(z: readonly number[], labels: readonly number[]): { a: number; b: number } {
  const rows = z.map((v) => Float64Array.of(v));
  const f = fitLogistic(rows, labels, { lambda: 1e-6 });
  return { a: f.weights[0]!, b: f.bias };
}

/** Deterministic pseudo-random numbers (mulberry32) for reproducible fold assignment. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Stratified k-fold assignment: fold index per example, each class spread evenly. */
export function stratifiedFolds(labels: readonly (string | number)[], k: number, seed: number): number[] {
  const rnd = seededRandom(seed);
  const byClass = new Map<string | number, number[]>();
  labels.forEach((l, i) => {
    const list = byClass.get(l) ?? [];
    list.push(i);
    byClass.set(l, list);
  });
  const fold = new Array<number>(labels.length).fill(0);
  for (const list of byClass.values()) {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    list.forEach((idx, n) => (fold[idx] = n % k));
  }
  return fold;
}
