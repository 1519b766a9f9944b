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

  it('does not let an unclosed object swallow the lines after it', () => {
    const r = parseEventStream('{"a":1\n{"a":2}\n{"a":3, "b": {"c": 4}}\n');
    expect(r.events).toEqual([{ a: 2 }, { a: 3, b: { c: 4 } }]);
    expect(r.errors.map((e) => e.line)).toEqual([1]);
    expect(r.lines).toEqual([2, 3]);
    // A broken pretty-printed object is still one error, its indented lines not read as records.
    const pretty = parseEventStream('{\n  "a": [\n    {"x": 1}\n  ],\n  "b": oops\n}\n{"ok": true}\n');
    expect(pretty.events).toEqual([{ ok: true }]);
    expect(pretty.errors.map((e) => e.line)).toEqual([1]);
    expect(pretty.lines).toEqual([7]);
  });
});
