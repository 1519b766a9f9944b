import { describe, expect, it } from 'vitest';
import { render } from './template.js';

const scope = {
  case: { number: 7, title: 'sshd: brute force on web-01', severity: 'HIGH', hosts: ['web-01', 'web-02'], score: 0, tags: [] as string[] },
  item: { type: 'ipv4', value: '185.220.101.4', risk: 90, verdict: 'malicious' },
};

describe('render', () => {
  it('fills placeholders inside strings, with or without spaces', () => {
    const missing: string[] = [];
    expect(render('Case #{{ case.number }} ({{case.severity}}): {{  item.value  }} is {{ item.verdict }}', scope, missing)).toBe(
      'Case #7 (HIGH): 185.220.101.4 is malicious',
    );
    expect(missing).toEqual([]);
  });

  it('joins lists inside a longer string', () => {
    expect(render('Check {{ case.hosts }} now', scope)).toBe('Check web-01, web-02 now');
  });

  it('keeps the type of a whole-string placeholder', () => {
    expect(render('{{ case.hosts }}', scope)).toEqual(['web-01', 'web-02']);
    expect(render('{{ case.number }}', scope)).toBe(7);
    expect(render(' {{ item.risk }} ', scope)).toBe(' 90 ');
    expect(render('{{ case.score }}', scope)).toBe(0);
    expect(render('{{ case.tags }}', scope)).toEqual([]);
  });

  it('walks objects and arrays, leaving non-strings alone', () => {
    const missing: string[] = [];
    const out = render({ address: '{{ item.value }}', direction: 'both', n: 3, ok: true, none: null, list: ['{{ case.number }}', 'x'] }, scope, missing);
    expect(out).toEqual({ address: '185.220.101.4', direction: 'both', n: 3, ok: true, none: null, list: [7, 'x'] });
    expect(missing).toEqual([]);
  });

  it('collects every unknown path and leaves it empty', () => {
    const missing: string[] = [];
    const out = render({ a: 'to {{ case.owner }} about {{ item.nope.deeper }}', b: '{{ alert.id }}', c: '{{ item.value.length }}' }, scope, missing);
    expect(out).toEqual({ a: 'to  about ', b: undefined, c: undefined });
    expect(missing).toEqual(['case.owner', 'item.nope.deeper', 'alert.id', 'item.value.length']);
  });

  it('cannot run code or reach prototypes', () => {
    const missing: string[] = [];
    const out = render(
      [
        '{{ item.constructor.constructor }}',
        '{{ case.__proto__ }}',
        '{{ case.hosts.map }}',
        '{{ process.exit() }}',
        "{{ require('child_process') }}",
        '{{ 1 + 1 }}',
        '{{ item.value | upper }}',
      ],
      scope,
      missing,
    );
    // Property paths that do not exist are missing; anything that is not a plain path is left as text.
    expect(out).toEqual([undefined, undefined, undefined, '{{ process.exit() }}', "{{ require('child_process') }}", '{{ 1 + 1 }}', '{{ item.value | upper }}']);
    expect(missing).toEqual(['item.constructor.constructor', 'case.__proto__', 'case.hosts.map']);
  });

  it('reads values from the scope only, never from the text it produced', () => {
    const s = { item: { value: '{{ secret }}' }, secret: 'leaked' };
    expect(render('x {{ item.value }}', s)).toBe('x {{ secret }}');
  });
});
