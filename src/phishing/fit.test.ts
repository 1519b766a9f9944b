import { describe, expect, it } from 'vitest';
import { fitLogistic, fitPlatt, logit, seededRandom, sigmoid, stratifiedFolds } from './fit.js';

describe('fitLogistic', () => {
  it('recovers the weights that generated the labels, honours fixed weights, and is deterministic', () => {
    const rnd = seededRandom(7);
    const rows: Float64Array[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const x = Float64Array.of(rnd() < 0.5 ? 1 : 0, rnd(), rnd() < 0.3 ? 1 : 0);
      rows.push(x);
      labels.push(rnd() < sigmoid(-1 + 2 * x[0]! - 1.5 * x[1]! + 0 * x[2]!) ? 1 : 0);
    }
    const f = fitLogistic(rows, labels, { lambda: 0.01 });
    expect(f.bias).toBeCloseTo(-1, 0);
    expect(f.weights[0]).toBeCloseTo(2, 0);
    expect(f.weights[1]).toBeCloseTo(-1.5, 0);
    expect(Math.abs(f.weights[2]!)).toBeLessThan(0.3);
    const fixed = fitLogistic(rows, labels, { lambda: 0.01, fixed: new Map([[0, 5]]) });
    expect(fixed.weights[0]).toBe(5);
    expect(fitLogistic(rows, labels, { lambda: 0.01 })).toEqual(f);
    expect(logit(f, Float64Array.of(1, 0, 0))).toBeCloseTo(f.bias + f.weights[0]!, 10);
  });

  it('calibrates over-confident scores with Platt scaling', () => {
    const z = [-8, -6, -4, 4, 6, 8, -8, 8];
    const y = [0, 0, 1, 0, 1, 1, 0, 1];
    const { a } = fitPlatt(z, y);
    expect(a).toBeGreaterThan(0);
    expect(a).toBeLessThan(1);
  });
});

describe('stratifiedFolds', () => {
  it('spreads every class evenly over the folds, the same way for the same seed', () => {
    const labels = [...Array(50).fill('a'), ...Array(20).fill('b')] as string[];
    const folds = stratifiedFolds(labels, 5, 3);
    for (let k = 0; k < 5; k++) {
      expect(folds.filter((f, i) => f === k && labels[i] === 'a')).toHaveLength(10);
      expect(folds.filter((f, i) => f === k && labels[i] === 'b')).toHaveLength(4);
    }
    expect(stratifiedFolds(labels, 5, 3)).toEqual(folds);
    expect(stratifiedFolds(labels, 5, 4)).not.toEqual(folds);
  });
});
