// Lists paged by cursor (a case's alerts, observables, timeline): the server hands out the cursor of
// the next page; the pages already seen are kept, so "back" is one step on that trail.
import { useState } from 'react';
import { api } from './api';
import { num, useData } from './ui';

export interface CursorPage {
  total: number;
  nextCursor: string | null;
}

export const PAGE_SIZES = [50, 100, 500];

export interface Paged<T> {
  items: T[];
  /** Position of the first item shown, from 0. */
  start: number;
  total: number;
  loading: boolean;
  error: unknown;
  reload: () => void;
  hasPrev: boolean;
  hasNext: boolean;
  prev: () => void;
  next: () => void;
  limit: number;
  setLimit: (n: number) => void;
}

/**
 * Pages of `field` from `url` (which may carry its own query). A new url, page size or `reloadKey`
 * goes back to the first page: a filter or a change to the case makes the old trail meaningless.
 */
export function useCursorPages<T>(url: string, field: string, reloadKey?: unknown): Paged<T> {
  const [limit, setLimit] = useState(PAGE_SIZES[0]!);
  const trailKey = `${url}|${limit}|${String(reloadKey)}`;
  let [trail, setTrail] = useState<{ key: string; cursors: Array<string | null> }>({ key: trailKey, cursors: [null] });
  if (trail.key !== trailKey) {
    // Derived state, reset while rendering: coming back to an earlier filter must not resume its old trail.
    trail = { key: trailKey, cursors: [null] };
    setTrail(trail);
  }
  const cursors = trail.cursors;
  const depth = cursors.length - 1;
  const cursor = cursors[depth];
  const page = `${url}${url.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  // The position travels with the answer: while the next page loads, the one shown keeps its numbers.
  const { data, error, loading, reload } = useData(() => api.get<CursorPage & Record<string, unknown>>(page).then((d) => ({ ...d, start: depth * limit })), [page, reloadKey]);
  const shownDepth = data ? data.start / limit : 0;
  return {
    items: ((data as Record<string, unknown> | undefined)?.[field] as T[] | undefined) ?? [],
    start: data?.start ?? 0,
    total: data?.total ?? 0,
    loading,
    error,
    reload,
    hasPrev: !loading && depth > 0,
    hasNext: !loading && Boolean(data?.nextCursor) && shownDepth === depth,
    prev: () => setTrail({ key: trailKey, cursors: cursors.slice(0, -1) }),
    next: () => data?.nextCursor && setTrail({ key: trailKey, cursors: [...cursors, data.nextCursor] }),
    limit,
    setLimit,
  };
}

/** `1–50 of 40,000`, the buttons either side, and the page size. */
export function Pager<T>({ p, label, labels = ['← Newer', 'Older →'] }: { p: Paged<T>; label: string; labels?: [string, string] }) {
  if (p.total === 0) return null;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" disabled={!p.hasPrev} onClick={p.prev}>
        {labels[0]}
      </button>
      <span className="muted page-range" aria-live="polite">
        {num(p.start + 1)}–{num(p.start + p.items.length)} of {num(p.total)}
      </span>
      <button type="button" disabled={!p.hasNext} onClick={p.next}>
        {labels[1]}
      </button>
      <label className="muted small">
        per page{' '}
        <select value={p.limit} onChange={(e) => p.setLimit(Number(e.target.value))} aria-label={`${label} per page`}>
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </nav>
  );
}
