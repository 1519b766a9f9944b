import { describe, expect, it } from 'vitest';
import { parseEventStream } from './io.js';

describe('parseEventStream', () => {
  it('reads JSON lines, arrays and concatenated objects', () => {
    expect(parseEventStream('{"a":1}\n{"a":2}\n').events).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseEventStream('[{"a":1},{"a":2}]').events).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseEventStream('{\n  "a": "}{"\n}{"b":\n 2}').events).toEqual([{ a: '}{' }, { b: 2 }]);
  });

  it('reports bad stretches by line and keeps going', () => {
    const r = parseEventStream('{"a":1}\nnot json\n{"a":}\n{"a":3}');
    expect(r.events).toEqual([{ a: 1 }, { a: 3 }]);
    expect(r.errors.map((e) => e.line)).toEqual([2, 3]);
  });
});
