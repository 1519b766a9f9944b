import { useMemo, useState, type FormEvent } from 'react';
import { api, type EnrichedRow, type EnrichResponse, type Who } from '../api';
import { Link } from '../router';
import { download, Empty, ErrorBox, Section, VerdictBadge } from '../ui';

const VERDICTS = ['malicious', 'suspicious', 'info', 'unknown', 'safe'];

function csvCell(v: string | number | boolean | undefined): string {
  const s = v === undefined ? '' : String(v);
  // A leading = + - @ would be a formula in a spreadsheet: quote it as text.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(rows: EnrichedRow[]): string {
  const head = ['type', 'value', 'verdict', 'score', 'defanged', 'occurrences', 'providers', 'evidence'];
  const lines = rows.map((r) => [r.type, r.value, r.verdict, r.score, r.defanged, r.occurrences, r.results.map((x) => `${x.provider}:${x.verdict}:${x.score}`).join(' '), r.evidence.join(' | ')].map(csvCell).join(','));
  return `${[head.join(','), ...lines].join('\r\n')}\r\n`;
}

export function IocBox({ who }: { who: Who }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<EnrichResponse>();
  const [only, setOnly] = useState<string[]>([]);
  const [open, setOpen] = useState<string>();

  const run = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError(undefined);
    try {
      setResult(await api.post<EnrichResponse>('/api/enrich', { text }));
      setOnly([]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const rows = useMemo(() => (result ? result.observables.filter((r) => !only.length || only.includes(r.verdict)) : []), [result, only]);
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');

  return (
    <div>
      <div className="page-head">
        <h1>IOC box</h1>
      </div>
      {who.role === 'read-only' && <p className="notice">Enrichment spends the intel providers' quota, so it needs an analyst or admin key. You can still search the local IOC database under IOC lookup.</p>}
      <form onSubmit={run} className="panel" aria-label="Extract and enrich indicators">
        <label htmlFor="ioc-text">Paste anything: a report, an e-mail, log lines, a chat message. Defanged indicators (hxxp, [.], (at)) are read too.</label>
        <textarea
          id="ioc-text"
          rows={8}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && void run()}
          placeholder={'C2 at 185.220.101[.]47, payload hxxp://pkg-mirror-update[.]xyz/bins/x86_64.sh\nmd5 44d88612fea8a8f36de82e1278abb02f'}
          spellCheck={false}
          data-autofocus
        />
        <div className="row">
          <button type="submit" className="primary" disabled={busy || !text.trim() || who.role === 'read-only'}>
            {busy ? 'Looking up…' : 'Extract and enrich'}
          </button>
          <span className="muted small">Ctrl+Enter</span>
          {result && (
            <>
              <button type="button" onClick={() => download(`vigil-iocs-${stamp}.csv`, 'text/csv', toCsv(rows))}>
                Export CSV
              </button>
              <button type="button" onClick={() => download(`vigil-iocs-${stamp}.json`, 'application/json', `${JSON.stringify(rows, null, 2)}\n`)}>
                Export JSON
              </button>
            </>
          )}
        </div>
      </form>
      <ErrorBox error={error} />
      {result && (
        <Section
          title={`${result.observables.length} indicator${result.observables.length === 1 ? '' : 's'}`}
          id="iocs"
          actions={
            <div className="seg" role="group" aria-label="Show verdicts">
              {VERDICTS.filter((v) => result.counts[v]).map((v) => (
                <button key={v} type="button" aria-pressed={only.includes(v)} onClick={() => setOnly(only.includes(v) ? only.filter((x) => x !== v) : [...only, v])}>
                  {v} {result.counts[v]}
                </button>
              ))}
            </div>
          }
        >
          {result.truncated && <p className="notice">Only the first 1,000 distinct indicators were looked up.</p>}
          <p className="muted small">Providers: {result.providers.join(', ') || 'none enabled'}</p>
          {rows.length === 0 ? (
            <Empty>No indicator found in that text.</Empty>
          ) : (
            <table className="grid-table ioc-table">
              <thead>
                <tr>
                  <th>Verdict</th>
                  <th>Type</th>
                  <th>Value</th>
                  <th>Evidence</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const k = `${r.type}:${r.value}`;
                  return (
                    <tr key={k}>
                      <td>
                        <VerdictBadge v={r.verdict} score={r.looked ? r.score : undefined} />
                      </td>
                      <td>
                        {r.type}
                        {r.scope && r.scope !== 'public' && <div className="muted small">{r.scope}</div>}
                      </td>
                      <td className="mono clip-wide">
                        <Link to={`/lookup?q=${encodeURIComponent(r.value)}`} title="Look it up in the IOC database">
                          {r.value}
                        </Link>
                        {r.defanged && <div className="muted small">written as {r.raw ?? 'defanged'}</div>}
                        {r.occurrences > 1 && <div className="muted small">{r.occurrences} times</div>}
                      </td>
                      <td>
                        {!r.looked ? (
                          <span className="muted small">{r.note}</span>
                        ) : r.evidence.length ? (
                          <>
                            <span className="small">{r.evidence[0]}</span>
                            <button type="button" className="link" aria-expanded={open === k} onClick={() => setOpen(open === k ? undefined : k)}>
                              {open === k ? 'less' : `${r.results.length} answer${r.results.length === 1 ? '' : 's'}`}
                            </button>
                          </>
                        ) : (
                          <span className="muted small">
                            no provider knows it
                            <button type="button" className="link" aria-expanded={open === k} onClick={() => setOpen(open === k ? undefined : k)}>
                              {open === k ? 'less' : 'answers'}
                            </button>
                          </span>
                        )}
                        {open === k && (
                          <ul className="evidence">
                            {r.results.map((x) => (
                              <li key={x.provider}>
                                <strong>{x.provider}</strong> <VerdictBadge v={x.verdict} score={x.score} />
                                {x.partial && <span className="muted small"> no answer: {x.error}</span>}
                                {r.cached?.includes(x.provider) && <span className="muted small"> (cached)</span>}
                                {x.evidence.map((e, i) => (
                                  <div key={i} className="small">
                                    {e}
                                  </div>
                                ))}
                                {x.tags.length > 0 && <div className="small muted">tags: {x.tags.join(', ')}</div>}
                              </li>
                            ))}
                          </ul>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </Section>
      )}
    </div>
  );
}
