const PLACEHOLDER = /\{\{\s*([a-zA-Z_][\w.]*)\s*\}\}/g;

function lookup(scope: Record<string, unknown>, path: string): unknown {
  let cur: unknown = scope;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, k)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/**
 * Fills `{{ path.to.value }}` placeholders: property lookups only, no expressions, so a playbook
 * cannot run code. A string that is a single placeholder keeps the value's type (a list stays a list).
 * Unknown paths are collected in `missing`.
 */
export function render(value: unknown, scope: Record<string, unknown>, missing: string[] = []): unknown {
  if (typeof value === 'string') {
    const whole = /^\{\{\s*([a-zA-Z_][\w.]*)\s*\}\}$/.exec(value);
    if (whole) {
      const v = lookup(scope, whole[1]!);
      if (v === undefined) missing.push(whole[1]!);
      return v;
    }
    return value.replace(PLACEHOLDER, (_, p: string) => {
      const v = lookup(scope, p);
      if (v === undefined) {
        missing.push(p);
        return '';
      }
      return Array.isArray(v) ? v.join(', ') : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => render(v, scope, missing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, scope, missing)]));
  }
  return value;
}
