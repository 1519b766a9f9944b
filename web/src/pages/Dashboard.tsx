import { useState } from 'react';
import { api, SEVERITIES, type Stats } from '../api';
import { AlertsChart } from '../chart';
import { Link } from '../router';
import { ago, Empty, ErrorBox, fmtTime, Loading, num, Section, SeverityBadge, StatusBadge, useData, VerdictBadge } from '../ui';

const RANGES = [
  ['all', 'All'],
  ['30d', '30 days'],
  ['7d', '7 days'],
  ['24h', '24 hours'],
] as const;

function Providers({ list }: { list: Stats['providers'] }) {
  if (!list.length) return <Empty>No intel providers.</Empty>;
  return (
    <table className="grid-table">
      <thead>
        <tr>
          <th>Provider</th>
          <th>State</th>
          <th>Quota left</th>
          <th className="num">Calls</th>
          <th className="num">Cache hits</th>
        </tr>
      </thead>
      <tbody>
        {list.map((p) => {
          const state = !p.enabled ? 'off' : p.breaker && p.breaker.state !== 'closed' ? `breaker ${p.breaker.state}` : p.pausedUntil ? 'paused' : 'ok';
          return (
            <tr key={p.id}>
              <td>
                {p.id} <span className="muted small">{p.remote ? 'remote' : 'local'}</span>
              </td>
              <td title={p.reason ?? p.lastError?.message}>
                <span className={`dot dot-${state === 'ok' ? 'ok' : state === 'off' ? 'off' : 'warn'}`} /> {state}
                {!p.enabled && p.reason && <div className="muted small clip">{p.reason}</div>}
                {p.lastError && <div className="muted small clip">last error {ago(p.lastError.at)}: {p.lastError.message}</div>}
              </td>
              <td>{p.quota?.length ? p.quota.map((q) => `${num(q.remaining)}/${num(q.limit)} per ${q.per}`).join(', ') : <span className="muted">—</span>}</td>
              <td className="num">{p.calls ? num(p.calls['requests'] ?? 0) : '—'}</td>
              <td className="num">{p.calls ? num(p.calls['cacheHits'] ?? 0) : '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function Dashboard() {
  const [range, setRange] = useState<string>('all');
  const { data, error, loading, reload } = useData(() => api.get<Stats>(`/api/stats?range=${range}`), [range]);
  if (!data) return error ? <ErrorBox error={error} onRetry={reload} /> : <Loading what="Loading the dashboard" />;
  const s = data;
  return (
    <div className="dashboard">
      <div className="page-head">
        <h1>Dashboard</h1>
        <span className="muted small">
          updated {fmtTime(s.generatedAt, true)} {loading && '· refreshing…'}
        </span>
        <button type="button" onClick={reload} className="ghost">
          Refresh
        </button>
      </div>
      <ErrorBox error={error} />
      <div className="tiles" aria-label="Open cases by severity">
        {SEVERITIES.map((sev) => (
          <Link key={sev} to={`/cases?status=open&severity=${sev}`} className={`tile tile-${sev.toLowerCase()}`}>
            <span className="tile-n">{num(s.openCasesBySeverity[sev])}</span>
            <span className="tile-l">open {sev.toLowerCase()}</span>
          </Link>
        ))}
        <div className="tile tile-plain">
          <span className="tile-n">{num(s.totals.alerts)}</span>
          <span className="tile-l">alerts</span>
        </div>
        <div className="tile tile-plain">
          <span className="tile-n">{num(s.totals.indicators)}</span>
          <span className="tile-l">indicators in {s.totals.feeds} feeds</span>
        </div>
        <Link to="/cases?status=open" className="tile tile-plain">
          <span className="tile-n">{num(s.pendingApprovals)}</span>
          <span className="tile-l">pending approvals</span>
        </Link>
      </div>

      <Section
        title="Alerts over time"
        id="chart"
        actions={
          <div className="seg" role="group" aria-label="Range">
            {RANGES.map(([v, l]) => (
              <button key={v} type="button" aria-pressed={range === v} onClick={() => setRange(v)}>
                {l}
              </button>
            ))}
          </div>
        }
      >
        <AlertsChart series={s.alertsOverTime} />
      </Section>

      <div className="cols">
        <Section title="Top observables" id="top-obs">
          {s.topObservables.length ? (
            <table className="grid-table">
              <thead>
                <tr>
                  <th>Value</th>
                  <th>Type</th>
                  <th>Verdict</th>
                  <th className="num">Cases</th>
                </tr>
              </thead>
              <tbody>
                {s.topObservables.map((o) => (
                  <tr key={`${o.type}:${o.value}`}>
                    <td className="mono clip">
                      <Link to={`/lookup?q=${encodeURIComponent(o.value)}`} title="Look it up in the IOC database">
                        {o.value}
                      </Link>
                    </td>
                    <td>{o.type}</td>
                    <td>
                      <VerdictBadge v={o.verdict} score={o.riskScore} />
                    </td>
                    <td className="num">{o.cases}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>No observables yet.</Empty>
          )}
        </Section>
        <Section title="Top rules" id="top-rules">
          {s.topRules.length ? (
            <table className="grid-table">
              <thead>
                <tr>
                  <th>Rule</th>
                  <th>Title</th>
                  <th>Worst</th>
                  <th className="num">Alerts</th>
                </tr>
              </thead>
              <tbody>
                {s.topRules.map((r) => (
                  <tr key={`${r.source}:${r.ruleId}`}>
                    <td className="mono">
                      {r.source} {r.ruleId}
                    </td>
                    <td className="clip" title={r.title}>
                      {r.title}
                    </td>
                    <td>
                      <SeverityBadge s={r.maxSeverity} />
                    </td>
                    <td className="num">{num(r.alerts)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>No alerts yet.</Empty>
          )}
        </Section>
      </div>

      <div className="cols">
        <Section title="Intel providers" id="providers">
          <Providers list={s.providers} />
        </Section>
        <Section title="Recent playbook runs" id="runs">
          {s.playbookRuns.length ? (
            <table className="grid-table">
              <thead>
                <tr>
                  <th>Playbook</th>
                  <th>Case</th>
                  <th>Status</th>
                  <th>Started</th>
                </tr>
              </thead>
              <tbody>
                {s.playbookRuns.map((r) => (
                  <tr key={r.id}>
                    <td>
                      {r.playbook} {r.dryRun && <span className="muted small">dry run</span>}
                    </td>
                    <td>{r.caseNumber !== null ? <Link to={`/cases/${r.caseNumber}`}>#{r.caseNumber}</Link> : '—'}</td>
                    <td title={r.error ?? undefined}>
                      <StatusBadge s={r.status} />
                    </td>
                    <td title={fmtTime(r.startedAt, true)}>{ago(r.startedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>No playbook runs recorded yet.</Empty>
          )}
          <p className="muted small">
            Cases: {Object.entries(s.casesByStatus).map(([k, v]) => `${k} ${v}`).join(' · ') || 'none'} · Notifications: {Object.entries(s.notifications).map(([k, v]) => `${k} ${v}`).join(' · ') || 'none'}
          </p>
        </Section>
      </div>
    </div>
  );
}
