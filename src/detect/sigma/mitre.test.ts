import { describe, expect, it } from 'vitest';
import { mitreFromTags, tacticId } from './mitre.js';

describe('attack tags', () => {
  it('maps techniques, sub-techniques and tactics; ignores other namespaces', () => {
    expect(mitreFromTags(['attack.execution', 'attack.t1059.001', 'attack.T1059.001', 'attack.defense-evasion', 'attack.s0002', 'car.2016-04-005'])).toEqual({
      ids: ['T1059.001'],
      tactics: ['Execution', 'Defense Evasion'],
      techniques: [],
    });
    expect(tacticId('command-and-control')).toBe('TA0011');
  });
});
