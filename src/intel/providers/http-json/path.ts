// A small JSON path: dotted keys, `[n]` indexes and `[*]` for every item, with an optional `$.`.
// Enough to point at a field of an internal service's answer; nothing is evaluated.

export const JSON_PATH_RE = /^(\$\.?)?[A-Za-z0-9_@-]+(\[(\d{1,6}|\*)\])*(\.[A-Za-z0-9_@-]+(\[(\d{1,6}|\*)\])*)*$/;

type Step = { key: string } | { index: number } | { all: true };

function steps(path: string): Step[] {
  const out: Step[] = [];
  const p = path.replace(/^\$\.?/, '');
  for (const m of p.matchAll(/([^.[\]]+)|\[(\d+|\*)\]/g)) {
    if (m[1] !== undefined) out.push({ key: m[1] });
    else if (m[2] === '*') out.push({ all: true });
    else out.push({ index: Number(m[2]) });
  }
  return out;
}

/** Every value at `path` in `doc` (one, none, or many with `[*]`); at most 1,000. */
export function valuesAt(doc: unknown, path: string): unknown[] {
  let cur: unknown[] = [doc];
  for (const s of steps(path)) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ('key' in s) {
        if (v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, s.key)) next.push((v as Record<string, unknown>)[s.key]);
      } else if (Array.isArray(v)) {
        if ('all' in s) next.push(...v.slice(0, 1000));
        else if (s.index < v.length) next.push(v[s.index]);
      }
    }
    cur = next.slice(0, 1000);
  }
  return cur.filter((v) => v !== undefined && v !== null);
}

/** The values at `path` that are text or numbers, as text. */
export function textsAt(doc: unknown, path: string, max = 20): string[] {
  return valuesAt(doc, path)
    .filter((v): v is string | number | boolean => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean')
    .map((v) => String(v).replace(/\s+/g, ' ').trim().slice(0, 300))
    .filter((s) => s !== '')
    .slice(0, max);
}
