import { describe, expect, it } from 'vitest';
import { ConditionError, parseCondition, resolveOf } from './condition.js';

describe('condition parser', () => {
  it('binds not tighter than and, and tighter than or', () => {
    expect(parseCondition('a or b and not c')).toEqual({
      t: 'or',
      a: [{ t: 'id', name: 'a' }, { t: 'and', a: [{ t: 'id', name: 'b' }, { t: 'not', a: { t: 'id', name: 'c' } }] }],
    });
  });

  it('reads parentheses and x-of forms', () => {
    expect(parseCondition('(a or b) and 1 of sel* and not all of filter_*')).toEqual({
      t: 'and',
      a: [
        { t: 'or', a: [{ t: 'id', name: 'a' }, { t: 'id', name: 'b' }] },
        { t: 'of', count: 1, pattern: 'sel*' },
        { t: 'not', a: { t: 'of', count: 'all', pattern: 'filter_*' } },
      ],
    });
    expect(parseCondition('1 of them')).toEqual({ t: 'of', count: 1, pattern: 'them' });
    expect(parseCondition('ALL OF them')).toEqual({ t: 'of', count: 'all', pattern: 'them' });
  });

  it('reports where a condition breaks', () => {
    expect(() => parseCondition('a and')).toThrow(/at end of condition/);
    expect(() => parseCondition('(a or b')).toThrow(/expected "\)"/);
    expect(() => parseCondition('a b')).toThrow(/unexpected at "b"/);
    expect(() => parseCondition('')).toThrow(ConditionError);
  });

  it('flags Sigma 1.x aggregations as unsupported', () => {
    try {
      parseCondition('selection | count() by host > 5');
      expect.unreachable();
    } catch (e) {
      expect((e as ConditionError).unsupported).toBe(true);
    }
  });

  it('resolves patterns and them (skipping _ identifiers)', () => {
    const ids = ['selection_a', 'selection_b', 'filter', '_helper'];
    expect(resolveOf('selection_*', ids)).toEqual(['selection_a', 'selection_b']);
    expect(resolveOf('them', ids)).toEqual(['selection_a', 'selection_b', 'filter']);
    expect(resolveOf('*', ids)).toEqual(ids);
  });
});
