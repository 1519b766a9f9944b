import { useEffect, useState, type FormEvent } from 'react';
import { api, qs, SEVERITIES, type CaseRow } from '../api';
import { Link, navigate } from '../router';
import { ago, Empty, ErrorBox, fmtTime, Loading, SeverityBadge, StatusBadge, useData } from '../ui';

const PAGE = 50;

export function Cases({ query }: { query: URLSearchParams }) {
  const status = query.get('status') ?? 'open';
  const severity = (query.get('severity') ?? '').split(',').filter(Boolean);
  const q = query.get('q') ?? '';
  const sort = query.get('sort') ?? 'updated';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);

  const url = `/api/cases/search${qs({ status: status === 'all' ? undefined : status, severity, q, sort, limit: PAGE, offset })}`;
  const { data, error, loading, reload } = useData(() => api.get<{ total: number; cases: CaseRow[] }>(url), [url]);

  const go = (change: Record<string, string | undefined>) => {
    const next = { status, severity: severity.join(','), q, sort, offset: undefined as string | undefined, ...change };
    navigate(`/cases${qs(next)}`, { replace: true });
  };
  const toggleSeverity = (s: string) => go({ severity: (severity.includes(s) ? severity.filter((x) => x !== s) : [...severity, s]).join(',') });
  const search = (e: FormEvent) => {
    e.preventDefault();
    go({ q: text.trim() || undefined });
  };

  return (
    <div>
      <div className="page-head">
        <h1>Cases</h1>
        {data && <span className="muted">{data.total} found</span>}
      </div>
      <form className="filters" onSubmit={search} role="search" aria-label="Filter cases">
        <input type="search" placeholder="Search title or summary, or #number" value={text} onChange={(e) => setText(e.target.value)} aria-label="Search cases" data-autofocus />
        <label>
          Status{' '}
          <select value={status} onChange={(e) => go({ status: e.target.value })}>
            <option value="open">Open</option>
            <option value="closed">Closed</option>
            <option value="all">All</option>
          </select>
        </label>
        <fieldset className="seg" aria-label="Severity">
          {SEVERITIES.map((s) => (
            <button key={s} type="button" aria-pressed={severity.includes(s)} onClick={() => toggleSeverity(s)} className={severity.includes(s) ? `on sev-${s.toLowerCase()}` : ''}>
              {s.toLowerCase()}
            </button>
          ))}
        </fieldset>
        <label>
          Sort{' '}
          <select value={sort} onChange={(e) => go({ sort: e.target.value })}>
            <option value="updated">Last updated</option>
            <option value="severity">Severity</option>
            <option value="number">Number</option>
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={error} onRetry={reload} />
      {!data ? (
        !error && <Loading what="Loading cases" />
      ) : data.cases.length === 0 ? (
        <Empty>No case matches. {status !== 'all' && <Link to={`/cases${qs({ status: 'all', q })}`}>Show all statuses</Link>}</Empty>
      ) : (
        <>
          <table className="grid-table cases-table" aria-busy={loading}>
            <thead>
              <tr>
                <th className="num">#</th>
                <th>Severity</th>
                <th>Title</th>
                <th>Status</th>
                <th className="num">Alerts</th>
                <th className="num" title="Open tasks">Tasks</th>
                <th>Last alert</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {data.cases.map((c) => (
                <tr key={c.id}>
                  <td className="num">
                    <Link to={`/cases/${c.number}`}>#{c.number}</Link>
                  </td>
                  <td>
                    <SeverityBadge s={c.severity} score={c.score} />
                  </td>
                  <td className="title-cell">
                    <Link to={`/cases/${c.number}`}>{c.title}</Link>
                    {c.pendingApprovals > 0 && <span className="badge warn">{c.pendingApprovals} approval{c.pendingApprovals > 1 ? 's' : ''} waiting</span>}
                    {c.tags.slice(0, 4).map((t) => (
                      <span key={t} className="tag">
                        {t}
                      </span>
                    ))}
                  </td>
                  <td>
                    <StatusBadge s={c.status} />
                  </td>
                  <td className="num">{c.alertCount}</td>
                  <td className="num">{c.openTasks || ''}</td>
                  <td title={fmtTime(c.lastAlertAt, true)}>{fmtTime(c.lastAlertAt)}</td>
                  <td title={fmtTime(c.updatedAt, true)}>{ago(c.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            <button type="button" disabled={offset === 0} onClick={() => go({ offset: String(Math.max(0, offset - PAGE)) })}>
              ← Newer
            </button>
            <span className="muted">
              {offset + 1}–{offset + data.cases.length} of {data.total}
            </span>
            <button type="button" disabled={offset + PAGE >= data.total} onClick={() => go({ offset: String(offset + PAGE) })}>
              Older →
            </button>
          </div>
        </>
      )}
    </div>
  );
}
