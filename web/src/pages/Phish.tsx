import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { api, type PhishAnalysis, type Who } from '../api';
import { Link } from '../router';
import { defang, Empty, ErrorBox, fmtBytes, Section, VerdictBadge } from '../ui';

const VERDICT_TEXT: Record<PhishAnalysis['verdict'], string> = {
  clean: 'Nothing suspicious found',
  suspicious: 'Suspicious: look closer before anyone acts on it',
  phishing: 'Phishing',
  malicious: 'Malicious',
};

function mailbox(m: { name: string; address: string } | null | undefined): string {
  if (!m) return '—';
  return m.name ? `${m.name} <${m.address}>` : m.address;
}

function yesNo(v: boolean | null | undefined): string {
  return v === null || v === undefined ? '—' : v ? 'yes' : 'no';
}

function Auth({ a }: { a: PhishAnalysis['auth'] }) {
  const rows: Array<[string, string, string | null, string, boolean | null, boolean, string]> = [];
  if (a.spf) rows.push(['SPF', a.spf.result, a.spf.domain, '', a.spf.aligned, a.spf.verified, a.spf.source]);
  else rows.push(['SPF', 'none', null, '', null, false, 'no result in the headers']);
  if (a.dkim.length) for (const d of a.dkim) rows.push(['DKIM', d.result, d.domain, d.selector ?? '', d.aligned, d.verified, d.reason ?? d.source]);
  else rows.push(['DKIM', 'none', null, '', null, false, 'no signature result']);
  if (a.dmarc) rows.push(['DMARC', a.dmarc.result, a.dmarc.domain, a.dmarc.policy ? `p=${a.dmarc.policy}` : '', null, a.dmarc.verified, a.dmarc.source]);
  else rows.push(['DMARC', a.alignment.pass ? 'pass (worked out)' : 'fail (worked out)', null, '', null, false, 'no receiver result; alignment worked out from SPF/DKIM']);
  if (a.arc) rows.push(['ARC', a.arc.result, a.arc.sealers.join(', '), `${a.arc.instances} set(s)`, null, a.arc.verified, a.arc.source]);
  return (
    <table className="grid-table auth">
      <thead>
        <tr>
          <th>Check</th>
          <th>Result</th>
          <th>Domain</th>
          <th>Detail</th>
          <th>Aligned</th>
          <th>Verified here</th>
          <th>Source</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            <td>{r[0]}</td>
            <td>
              <span className={`badge auth-${/^pass/.test(r[1]) ? 'pass' : /^(fail|softfail|permerror|temperror)/.test(r[1]) ? 'fail' : 'none'}`}>{r[1]}</span>
            </td>
            <td className="mono">{r[2] ?? '—'}</td>
            <td>{r[3]}</td>
            <td>{yesNo(r[4])}</td>
            <td>{r[5] ? 'yes' : 'no'}</td>
            <td className="small muted clip">{r[6]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Phish({ who }: { who: Who }) {
  const [file, setFile] = useState<File>();
  const [enrich, setEnrich] = useState(true);
  const [openCase, setOpenCase] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<PhishAnalysis>();
  const [drag, setDrag] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const canCase = who.role === 'admin' || who.role === 'analyst';

  const analyse = async (f: File) => {
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    const form = new FormData();
    form.append('enrich', String(enrich));
    form.append('case', String(openCase && canCase));
    form.append('file', f, f.name);
    try {
      setResult(await api.post<PhishAnalysis>('/api/phish', form));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (file) void analyse(file);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDrag(false);
    const f = e.dataTransfer.files[0];
    if (f) {
      setFile(f);
      void analyse(f);
    }
  };

  const r = result;
  const iocTypes = r ? Object.entries(r.iocs).filter(([, v]) => v.length) : [];
  return (
    <div>
      <div className="page-head">
        <h1>Upload EML</h1>
      </div>
      {!canCase && <p className="notice">Analysing e-mails needs an analyst or admin key.</p>}
      <form onSubmit={submit} className="panel upload" aria-label="Analyse an e-mail">
        <div
          className={`drop${drag ? ' drag' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDrag(true);
          }}
          onDragLeave={() => setDrag(false)}
          onDrop={onDrop}
        >
          <p>
            Drop an <code>.eml</code> file here, or{' '}
            <button type="button" className="link" onClick={() => input.current?.click()}>
              choose one
            </button>
            .
          </p>
          <input
            ref={input}
            id="eml"
            type="file"
            accept=".eml,message/rfc822,.txt"
            onChange={(e) => setFile(e.target.files?.[0])}
            aria-label="E-mail file (.eml)"
            data-autofocus
          />
          {file && (
            <p className="small">
              {file.name} · {fmtBytes(file.size)}
            </p>
          )}
        </div>
        <div className="row">
          <label>
            <input type="checkbox" checked={enrich} onChange={(e) => setEnrich(e.target.checked)} /> Look indicators up with threat intel
          </label>
          {canCase && (
            <label>
              <input type="checkbox" checked={openCase} onChange={(e) => setOpenCase(e.target.checked)} /> Open a case when it is phishing or worse
            </label>
          )}
          <button type="submit" className="primary" disabled={!file || busy || !canCase}>
            {busy ? 'Analysing…' : 'Analyse'}
          </button>
        </div>
        <p className="hint muted small">The message's HTML is never rendered here: links are shown as defanged text, and the HTML report shows the body as escaped source under a sandboxing policy.</p>
      </form>
      <ErrorBox error={error} />
      {r && (
        <div className="phish-result">
          <div className={`verdict-banner verdict-${r.verdict}`} role="status">
            <VerdictBadge v={r.verdict} />
            <strong>{VERDICT_TEXT[r.verdict]}</strong>
            <span className="category">{r.category}</span>
            <span className="score" aria-label={`probability ${r.score}%`}>
              <span className="score-bar">
                <span style={{ width: `${Math.min(100, r.score)}%` }} />
              </span>
              {r.score}%
            </span>
            <a href={r.reportUrl} target="_blank" rel="noopener noreferrer">
              HTML report
            </a>
            {r.cases?.length ? (
              <span>
                Case{' '}
                {r.cases.map((n) => (
                  <Link key={n} to={`/cases/${n}`}>
                    #{n}
                  </Link>
                ))}
              </span>
            ) : null}
          </div>
          <dl className="mail-head">
            <dt>Subject</dt>
            <dd>{r.headers.subject || '(no subject)'}</dd>
            <dt>From</dt>
            <dd className="mono">{mailbox(r.headers.from)}</dd>
            {r.headers.replyTo.length > 0 && (
              <>
                <dt>Reply-To</dt>
                <dd className="mono">{r.headers.replyTo.map(mailbox).join(', ')}</dd>
              </>
            )}
            <dt>Return-Path</dt>
            <dd className="mono">{r.headers.returnPath ?? '—'}</dd>
            <dt>To</dt>
            <dd className="mono">{r.headers.to.map(mailbox).join(', ') || '—'}</dd>
            <dt>Date</dt>
            <dd>{r.headers.date ?? '—'}</dd>
            <dt>Size</dt>
            <dd>
              {fmtBytes(r.size)} · sha256 <span className="mono small">{r.sha256}</span>
            </dd>
          </dl>

          <Section title={`Findings (${r.findings.length})`} id="findings">
            {r.findings.length ? (
              <table className="grid-table">
                <thead>
                  <tr>
                    <th className="num">Points</th>
                    <th>Finding</th>
                    <th>Why</th>
                    <th>Evidence</th>
                  </tr>
                </thead>
                <tbody>
                  {r.findings.map((f, i) => (
                    <tr key={i}>
                      <td className="num delta">{f.weight > 0 ? `+${f.weight}` : f.weight}</td>
                      <td className="mono small">{f.id}</td>
                      <td>{f.message}</td>
                      <td className="mono small clip-wide" title={f.evidence}>
                        {f.evidence}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Empty>No findings.</Empty>
            )}
          </Section>

          <Section title="Authentication" id="auth">
            <Auth a={r.auth} />
            <p className="muted small">{r.auth.verification}</p>
          </Section>

          <Section title={`Relays (${r.hops.length})`} id="hops">
            {r.hops.length ? (
              <table className="grid-table">
                <thead>
                  <tr>
                    <th className="num">#</th>
                    <th>From</th>
                    <th>IP</th>
                    <th>By</th>
                    <th>Date</th>
                    <th className="num">Delay</th>
                    <th>Flags</th>
                  </tr>
                </thead>
                <tbody>
                  {r.hops.map((h) => (
                    <tr key={h.index} className={h.firstExternal ? 'selected' : undefined}>
                      <td className="num">{h.index}</td>
                      <td className="mono small">{h.rdns ?? h.helo ?? h.from ?? '—'}</td>
                      <td className="mono">
                        {h.ip ?? '—'} {h.scope && h.scope !== 'public' && <span className="muted small">{h.scope}</span>}
                        {h.firstExternal && <span className="badge warn">entry</span>}
                      </td>
                      <td className="mono small">{h.by ?? '—'}</td>
                      <td className="small">{h.date ?? '—'}</td>
                      <td className="num">{h.delaySeconds === null ? '' : `${h.delaySeconds}s`}</td>
                      <td className="small">{h.flags.join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Empty>No Received headers.</Empty>
            )}
          </Section>

          <Section title={`Links (${r.links.length})`} id="links">
            {r.links.length ? (
              <table className="grid-table">
                <thead>
                  <tr>
                    <th>URL (defanged)</th>
                    <th>Shown as</th>
                    <th>Where</th>
                    <th>Flags</th>
                  </tr>
                </thead>
                <tbody>
                  {r.links.map((l, i) => (
                    <tr key={i}>
                      <td className="mono small clip-wide" title={defang(l.url)}>
                        {defang(l.url)}
                      </td>
                      <td className="small clip">{l.text}</td>
                      <td>{l.source}</td>
                      <td className="small">{l.flags.map((f) => <span key={f} className="tag warn">{f}</span>)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Empty>No links.</Empty>
            )}
          </Section>

          <Section title={`Attachments (${r.attachments.length})`} id="attachments">
            {r.attachments.length ? (
              <table className="grid-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Declared / detected</th>
                    <th className="num">Size</th>
                    <th>SHA-256</th>
                    <th>Flags</th>
                  </tr>
                </thead>
                <tbody>
                  {r.attachments.map((a, i) => (
                    <tr key={i}>
                      <td>
                        {[...a.path, a.filename].join(' › ')}
                        {a.entries?.length ? <div className="small muted">{a.entries.map((e) => e.name).slice(0, 10).join(', ')}</div> : null}
                      </td>
                      <td className="small">
                        {a.declaredType} / {a.detectedType}
                      </td>
                      <td className="num">{fmtBytes(a.size)}</td>
                      <td className="mono small clip">{a.sha256}</td>
                      <td className="small">{a.flags.map((f) => <span key={f} className="tag warn">{f}</span>)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Empty>No attachments.</Empty>
            )}
          </Section>

          <Section title="Indicators" id="iocs">
            {r.enrichment?.length ? (
              <table className="grid-table">
                <thead>
                  <tr>
                    <th>Verdict</th>
                    <th>Type</th>
                    <th>Value</th>
                    <th>Role</th>
                    <th>Evidence</th>
                  </tr>
                </thead>
                <tbody>
                  {r.enrichment.map((e) => (
                    <tr key={`${e.type}:${e.value}`}>
                      <td>
                        <VerdictBadge v={e.verdict} score={e.score} />
                      </td>
                      <td>{e.type}</td>
                      <td className="mono clip-wide">{e.type === 'url' || e.type === 'domain' ? defang(e.value) : e.value}</td>
                      <td>{e.role}</td>
                      <td className="small">{e.evidence.slice(0, 3).join(' · ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted small">{enrich ? 'No indicator of this message is known to the intel providers.' : 'Not looked up (enable threat intel above).'}</p>
            )}
            {iocTypes.length > 0 && (
              <dl className="iocs">
                {iocTypes.map(([t, v]) => (
                  <div key={t}>
                    <dt>
                      {t} ({v.length})
                    </dt>
                    <dd className="mono small">{v.map((x) => (t === 'url' || t === 'domain' ? defang(x) : x)).join('  ')}</dd>
                  </div>
                ))}
              </dl>
            )}
          </Section>
        </div>
      )}
    </div>
  );
}
