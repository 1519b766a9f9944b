import { describe, expect, it } from 'vitest';
import { parseTemplate, render, templateStrings, type RenderProblems } from './template.js';

const scope = {
  case: { number: 7, title: 'Beacon', hosts: ['ws-1', 'ws-2'], tags: [], score: 0, observables: [{ type: 'ipv4', value: '1.2.3.4' }] },
  item: { value: '185.220.101.4', verdict: 'malicious', risk: 90 },
};

const problems = (): RenderProblems => ({ missing: [], errors: [] });

describe('templates', () => {
  it('fills placeholders with expressions inside text', () => {
    expect(render('Case #{{ case.number }}: {{ item.value }} is {{ upper(item.verdict) }} (risk {{ item.risk }})', scope)).toBe('Case #7: 185.220.101.4 is MALICIOUS (risk 90)');
    expect(render("{{ when(item.risk > 80, 'block', 'watch') }} {{ item.value }}", scope)).toBe('block 185.220.101.4');
  });

  it('keeps the type of a value that is the whole string', () => {
    expect(render('{{ case.hosts }}', scope)).toEqual(['ws-1', 'ws-2']);
    expect(render('{{ case.number }}', scope)).toBe(7);
    expect(render('{{case.observables}}', scope)).toEqual([{ type: 'ipv4', value: '1.2.3.4' }]);
  });

  it('joins lists with commas and writes objects as JSON inside text', () => {
    expect(render('on {{ case.hosts }}', scope)).toBe('on ws-1, ws-2');
    expect(render('obs {{ case.observables[0] }}', scope)).toBe('obs {"type":"ipv4","value":"1.2.3.4"}');
    expect(render('none: [{{ case.tags }}] score {{ case.score }}', scope)).toBe('none: [] score 0');
  });

  it('walks objects and lists, leaving keys and non-strings alone', () => {
    expect(render({ title: 'T {{ case.number }}', n: 3, flags: [true, '{{ item.risk }}'], nested: { '{{ x }}': '{{ case.title }}' } }, scope)).toEqual({
      title: 'T 7',
      n: 3,
      flags: [true, 90],
      nested: { '{{ x }}': 'Beacon' },
    });
  });

  it('collects placeholders that have no value', () => {
    const p = problems();
    expect(render('Call {{ case.owner }} about {{ case.ticket.id }} ({{ default(case.owner, "x") }})', scope, p)).toBe('Call  about  (x)');
    expect(p.missing).toEqual(['case.owner', 'case.ticket.id']);
    const q = problems();
    expect(render('{{ nothing }}', scope, q)).toBeUndefined();
    expect(q.missing).toEqual(['nothing']);
  });

  it('collects bad placeholders as errors', () => {
    const p = problems();
    render('x {{ case.number == }} y', scope, p);
    expect(p.errors).toEqual(['expected a value but the expression ends (column 15)']);
    const q = problems();
    render('x {{ case.number', scope, q);
    expect(q.errors[0]).toMatch(/"\{\{" without a closing "\}\}"/);
  });

  it('does not end a placeholder at }} inside a quoted string', () => {
    expect(render("{{ 'a}}b' + case.title }}", scope)).toBe('a}}bBeacon');
    expect(parseTemplate("x {{ '}}' }} y").parts).toHaveLength(3);
  });

  it('lists the template strings of a value with their paths', () => {
    expect(templateStrings({ a: 'plain', b: ['{{ x }}', { c: 'y {{ z }}' }] })).toEqual([
      { path: ['b', 0], text: '{{ x }}' },
      { path: ['b', 1, 'c'], text: 'y {{ z }}' },
    ]);
  });
});
