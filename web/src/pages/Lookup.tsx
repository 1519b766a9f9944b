import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, qs, type Feed, type FeedImport, type IocMatch, type Who } from '../api';
import { navigate } from '../router';
import { Empty, ErrorBox, fmtTime, Loading, num, Section, useData } from '../ui';

const MATCHED: Record<string, string> = {
  exact: 'listed as is',
  cidr: 'inside a listed range',
  subdomain: 'under a listed domain',
  url: 'URL or its host listed',
  contained: 'listed, inside your range',
  suffix: 'listed, under your domain',
  text: 'text match',
};

interface SearchResult {
  query: { input: string; type: string; value: string };
  matches: IocMatch[];
  truncated: boolean;
}

function ImportFeed({ formats, onImported }: { formats: Array<{ id: string; label: string }>; onImported: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState<FeedImport>();
  const form = useRef<HTMLFormElement>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const data = new FormData(form.current!);
    const file = data.get('file');
    if (!(file instanceof File) || !file.name) return;
    // Fields first, so the server has them when it reads the file.
    const body = new FormData();
    for (const k of ['format', 'name', 'ttlDays']) {
      const v = String(data.get(k) ?? '').trim();
      if (v) body.append(k, v);
    }
    body.append('file', file, file.name);
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await api.post<FeedImport>('/api/feeds/import', body));
      form.current?.reset();
      onImported();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form ref={form} onSubmit={submit} className="import" aria-label="Import a feed file">
      <div className="row wrap">
        <input type="file" name="file" required aria-label="Feed file" />
        <label>
          Format{' '}
          <select name="format" defaultValue="auto">
            <option value="auto">detect</option>
            {formats.map((f) => (
              <option key={f.id} value={f.id}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <input type="text" name="name" placeholder="Name (optional)" aria-label="Feed name" />
        <input type="number" name="ttlDays" min={1} max={3650} placeholder="TTL days" aria-label="Days an indicator stays valid" className="narrow" />
        <button type="submit" disabled={busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </div>
      <ErrorBox error={error} />
      {done && (
        <p className={done.status === 'failed' ? 'error' : 'notice'} role="status">
          {done.name}: {done.status} — {num(done.indicators)} indicators
          {done.issueCount ? `, ${done.issueCount} lines skipped (first: ${done.issues[0]?.line ? `line ${done.issues[0].line}: ` : ''}${done.issues[0]?.reason ?? ''})` : ''}
          {done.error ? ` — ${done.error}` : ''}
        </p>
      )}
    </form>
  );
}

export function Lookup({ query, who }: { query: URLSearchParams; who: Who }) {
  const q = query.get('q') ?? '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const search = useData(() => (q ? api.get<SearchResult>(`/api/iocs/search${qs({ q })}`) : Promise.resolve(undefined)), [q]);
  const feeds = useData(() => api.get<{ feeds: Feed[]; formats: Array<{ id: string; label: string }>; indexed: number }>('/api/feeds'), []);
  const canImport = who.role === 'admin' || who.role === 'analyst';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/lookup${qs({ q: text.trim() })}`);
  };

  const r = search.data;
  return (
    <div>
      <div className="page-head">
        <h1>IOC lookup</h1>
        {feeds.data && (
          <span className="muted small">
            {num(feeds.data.indexed)} indicators from {feeds.data.feeds.length} feeds
          </span>
        )}
      </div>
      <form className="filters" onSubmit={submit} role="search" aria-label="Search the IOC database">
        <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="IP, CIDR range, domain, URL, hash, e-mail, ASN or words" aria-label="Indicator" data-autofocus className="wide" />
        <button type="submit" className="primary" disabled={!text.trim()}>
          Search
        </button>
      </form>
      <ErrorBox error={search.error} />
      {q && !r && !search.error && <Loading what="Searching" />}
      {r && (
        <Section title={`${r.matches.length}${r.truncated ? '+' : ''} match${r.matches.length === 1 ? '' : 'es'} for ${r.query.type === 'text' ? `“${r.query.value}”` : `${r.query.type} ${r.query.value}`}`} id="matches">
          {r.matches.length === 0 ? (
            <Empty>No feed lists it. Not being listed is not a clean bill of health: try the IOC box for the enabled intel providers.</Empty>
          ) : (
            <table className="grid-table">
              <thead>
                <tr>
                  <th>Feed</th>
                  <th>Listed value</th>
                  <th>How</th>
                  <th>What</th>
                  <th>First seen</th>
                  <th>Last seen</th>
                  <th>Valid until</th>
                  <th>Imported</th>
                </tr>
              </thead>
              <tbody>
                {r.matches.map((m, i) => (
                  <tr key={i} className={m.expired ? 'expired' : undefined}>
                    <td>{m.feed}</td>
                    <td className="mono clip-wide">
                      {m.value} <span className="muted small">{m.type}</span>
                    </td>
                    <td className="small">{MATCHED[m.matchedBy] ?? m.matchedBy}</td>
                    <td className="small">
                      {[m.threat, m.malware].filter(Boolean).join(' · ')}
                      {m.tags.length > 0 && <div className="muted">{m.tags.slice(0, 6).join(', ')}</div>}
                      {m.confidence !== null && <div className="muted">confidence {m.confidence}</div>}
                      {m.reference && <div className="muted clip">{m.reference}</div>}
                    </td>
                    <td className="small nowrap">{m.firstSeen ?? '—'}</td>
                    <td className="small nowrap">{m.lastSeen ?? '—'}</td>
                    <td className="small nowrap">{m.validUntil ? `${m.validUntil.slice(0, 10)}${m.expired ? ' (expired)' : ''}` : '—'}</td>
                    <td className="small nowrap">{fmtTime(m.importedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      )}
      <Section title="Feeds" id="feeds">
        <ErrorBox error={feeds.error} />
        {feeds.data ? (
          feeds.data.feeds.length ? (
            <table className="grid-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Format</th>
                  <th className="num">Live</th>
                  <th className="num">Expired</th>
                  <th className="num">Skipped lines</th>
                  <th>TTL</th>
                  <th>Imported</th>
                </tr>
              </thead>
              <tbody>
                {feeds.data.feeds.map((f) => (
                  <tr key={f.id}>
                    <td title={f.source}>{f.name}</td>
                    <td>{f.format}</td>
                    <td className="num">{num(f.live)}</td>
                    <td className="num">{num(f.expired)}</td>
                    <td className="num">{f.issues || ''}</td>
                    <td>{f.ttlDays ? `${f.ttlDays} d` : ''}</td>
                    <td className="nowrap">{fmtTime(f.importedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>No feeds imported yet.</Empty>
          )
        ) : (
          !feeds.error && <Loading />
        )}
        {canImport && feeds.data && (
          <>
            <h3>Import a feed file</h3>
            <ImportFeed
              formats={feeds.data.formats}
              onImported={() => {
                feeds.reload();
                search.reload();
              }}
            />
          </>
        )}
      </Section>
    </div>
  );
}
