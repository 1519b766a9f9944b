import { compile, evaluate, ExprError, type EvalState, type Node } from './expression.js';

const MAX_TEMPLATE = 65_536;
const MAX_PLACEHOLDERS = 100;

export interface TemplatePart {
  /** The placeholder's text between `{{` and `}}`, trimmed. */
  src: string;
  node: Node;
}

/** A string with `{{ expression }}` placeholders, parsed. */
export interface Template {
  parts: Array<string | TemplatePart>;
  /** The string is exactly one placeholder: its value keeps its type (a list stays a list). */
  whole: boolean;
}

/**
 * Splits a string into literal text and `{{ expression }}` placeholders. A `}}` inside a quoted
 * string in the expression does not end it. Throws `ExprError` for a bad placeholder.
 */
export function parseTemplate(text: string): Template {
  if (text.length > MAX_TEMPLATE) throw new ExprError(`text longer than ${MAX_TEMPLATE} characters`);
  const parts: Array<string | TemplatePart> = [];
  let i = 0;
  let lit = '';
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      lit += text.slice(i);
      break;
    }
    lit += text.slice(i, open);
    let j = open + 2;
    let quote = '';
    for (; j < text.length; j++) {
      const c = text[j]!;
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '}' && text[j + 1] === '}') break;
    }
    if (j >= text.length) throw new ExprError('"{{" without a closing "}}"', open + 1);
    const src = text.slice(open + 2, j).trim();
    if (!src) throw new ExprError('empty "{{ }}"', open + 1);
    if (lit) parts.push(lit);
    lit = '';
    parts.push({ src, node: compile(src) });
    if (parts.length > MAX_PLACEHOLDERS * 2) throw new ExprError(`more than ${MAX_PLACEHOLDERS} placeholders`);
    i = j + 2;
  }
  if (lit) parts.push(lit);
  return { parts, whole: parts.length === 1 && typeof parts[0] !== 'string' };
}

const cache = new Map<string, Template>();

function cached(text: string): Template {
  let t = cache.get(text);
  if (!t) {
    t = parseTemplate(text);
    if (cache.size > 5_000) cache.clear();
    cache.set(text, t);
  }
  return t;
}

function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(asText).join(', ');
  if (v && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Placeholders whose value was missing (null or undefined), by their text. */
export interface RenderProblems {
  missing: string[];
  errors: string[];
}

function renderString(text: string, scope: Record<string, unknown>, problems: RenderProblems): unknown {
  if (!text.includes('{{')) return text;
  let t: Template;
  try {
    t = cached(text);
  } catch (e) {
    problems.errors.push((e as Error).message);
    return undefined;
  }
  const value = (p: TemplatePart): unknown => {
    const st: EvalState = { steps: 0, missing: [] };
    try {
      const v = evaluate(p.node, scope, st);
      if (v === undefined || v === null) problems.missing.push(p.src);
      return v;
    } catch (e) {
      problems.errors.push(`{{ ${p.src} }}: ${(e as Error).message}`);
      return undefined;
    }
  };
  if (t.whole) return value(t.parts[0] as TemplatePart);
  let out = '';
  for (const p of t.parts) {
    if (typeof p === 'string') out += p;
    else {
      const v = value(p);
      if (v !== undefined && v !== null) out += asText(v);
    }
  }
  return out;
}

/**
 * Fills `{{ expression }}` placeholders in every string of a value (objects and lists walked,
 * keys left alone). A string that is a single placeholder keeps the value's type. Placeholders
 * with no value are collected in `problems.missing`, evaluation errors in `problems.errors`.
 */
export function render(value: unknown, scope: Record<string, unknown>, problems: RenderProblems = { missing: [], errors: [] }): unknown {
  if (typeof value === 'string') return renderString(value, scope, problems);
  if (Array.isArray(value)) return value.map((v) => render(v, scope, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, scope, problems)]));
  }
  return value;
}

/** Every template string in a value with its path, for load-time checks. */
export function templateStrings(value: unknown, path: Array<string | number> = []): Array<{ path: Array<string | number>; text: string }> {
  if (typeof value === 'string') return value.includes('{{') ? [{ path, text: value }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => templateStrings(v, [...path, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => templateStrings(v, [...path, k]));
  return [];
}
