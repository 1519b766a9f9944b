import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, qs, type Approval, type CaseAlert, type CaseReport, type CaseObservable, type Note, type PlaybookRun, type ResponseEffect, type RuleGroup, type Task, type TimelineEntry, type Who } from '../api';
import { Pager, useCursorPages } from '../paging';
import { Link } from '../router';
import { ago, Empty, ErrorBox, fmtTime, Loading, num, Section, SeverityBadge, StatusBadge, useData, VerdictBadge } from '../ui';

const OPEN = ['New', 'InProgress'];
const RESOLUTIONS = ['TruePositive', 'FalsePositive', 'Indeterminate', 'Other', 'Duplicated'];

function useAction(): { busy: boolean; error: unknown; run: (f: () => Promise<unknown>) => Promise<boolean> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await f();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

function StatusControl({ n, status, canEdit, onDone }: { n: number; status: string; canEdit: boolean; onDone: () => void }) {
  const [resolution, setResolution] = useState('TruePositive');
  const [reason, setReason] = useState('');
  const a = useAction();
  const open = OPEN.includes(status);
  const set = (s: string) => a.run(() => api.patch(`/api/cases/${n}`, { status: s, ...(reason.trim() && { reason: reason.trim() }) })).then((ok) => ok && (setReason(''), onDone()));
  if (!canEdit) return <StatusBadge s={status} />;
  return (
    <div className="status-control">
      <StatusBadge s={status} />
      {open ? (
        <>
          {status === 'New' && (
            <button type="button" disabled={a.busy} onClick={() => set('InProgress')}>
              Take it (In progress)
            </button>
          )}
          <label>
            Close as{' '}
            <select value={resolution} onChange={(e) => setResolution(e.target.value)} aria-label="Resolution">
              {RESOLUTIONS.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <input type="text" placeholder="Reason (optional)" value={reason} onChange={(e) => setReason(e.target.value)} aria-label="Reason for the status change" />
          <button type="button" className="primary" disabled={a.busy} onClick={() => set(resolution)}>
            Close case
          </button>
        </>
      ) : (
        <button type="button" disabled={a.busy} onClick={() => set('InProgress')}>
          Reopen
        </button>
      )}
      <ErrorBox error={a.error} />
    </div>
  );
}

function TaskItem({ n, task, canEdit, onChanged }: { n: number; task: Task; canEdit: boolean; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [log, setLog] = useState('');
  const a = useAction();
  const logs = useData(() => (open ? api.get<{ logs: Note[] }>(`/api/cases/${n}/tasks/${encodeURIComponent(task.id)}/logs`) : Promise.resolve({ logs: [] })), [open, n, task.id]);
  // Shown at once, put back if the server refuses: a checkbox must answer the click.
  const [status, setStatus] = useState(task.status);
  // A case reload started before the click (say, by adding a log) must not undo the click while it is saved.
  const saving = useRef(false);
  useEffect(() => {
    if (!saving.current) setStatus(task.status);
  }, [task.status]);
  const done = status === 'Completed';
  const toggle = () => {
    const next = done ? 'Waiting' : 'Completed';
    saving.current = true;
    setStatus(next);
    void a.run(() => api.patch(`/api/cases/${n}/tasks/${encodeURIComponent(task.id)}`, { status: next })).then((ok) => {
      saving.current = false;
      if (ok) onChanged();
      else setStatus(task.status);
    });
  };
  const addLog = async (e: FormEvent) => {
    e.preventDefault();
    if (!log.trim()) return;
    if (await a.run(() => api.post(`/api/cases/${n}/tasks/${encodeURIComponent(task.id)}/logs`, { message: log.trim() }))) {
      setLog('');
      // The server starts a waiting task on its first log; show that now rather than on the next reload.
      if (status === 'Waiting') setStatus('InProgress');
      logs.reload();
      onChanged();
    }
  };
  return (
    <li className={`task task-${status.toLowerCase()}`}>
      <div className="task-row">
        <input type="checkbox" id={`t-${task.id}`} checked={done} disabled={!canEdit || a.busy || status === 'Cancel'} onChange={toggle} aria-label={`Mark "${task.title}" ${done ? 'not done' : 'done'}`} />
        <label htmlFor={`t-${task.id}`} className="task-title">
          {task.title}
        </label>
        <StatusBadge s={status} />
        <span className="muted small">
          {task.group !== 'default' && `${task.group} · `}
          {task.createdBy}
        </span>
        <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Hide logs' : 'Logs'}
        </button>
      </div>
      {task.description && <p className="task-desc">{task.description}</p>}
      {open && (
        <div className="task-logs">
          {logs.data?.logs.length ? (
            <ul className="notes">
              {logs.data.logs.map((l) => (
                <li key={l.id}>
                  <span className="muted small">
                    {fmtTime(l.createdAt)} · {l.createdBy}
                  </span>
                  <p className="pre">{l.message}</p>
                </li>
              ))}
            </ul>
          ) : (
            !logs.loading && <Empty>No logs yet.</Empty>
          )}
          <ErrorBox error={logs.error} />
          {canEdit && (
            <form onSubmit={addLog} className="inline-form">
              <textarea
                rows={2}
                placeholder="What was done, what was found"
                value={log}
                onChange={(e) => setLog(e.target.value)}
                onKeyDown={(e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && void addLog(e)}
                aria-label={`Log for "${task.title}"`}
              />
              <button type="submit" disabled={a.busy || !log.trim()}>
                Add log
              </button>
            </form>
          )}
        </div>
      )}
      <ErrorBox error={a.error} />
    </li>
  );
}

interface StepView {
  id?: string;
  uses?: string;
  status?: string;
  error?: string;
}

function steps(run: PlaybookRun): StepView[] {
  return Array.isArray(run.steps) ? (run.steps as StepView[]).filter((s) => s && typeof s === 'object') : [];
}

/** Blocks and containments this case holds, and which other cases hold the same effect (the response ledger). */
function SharedEffects({ n }: { n: number }) {
  const { data, error, reload } = useData(() => api.get<{ effects: ResponseEffect[] }>(`/api/response?case=${n}&limit=100`), [n]);
  if (!data) return error ? <ErrorBox error={error} onRetry={reload} /> : null;
  if (!data.effects.length) return null;
  return (
    <table className="grid-table" aria-label="Response in place">
      <thead>
        <tr>
          <th>In place</th>
          <th>Target</th>
          <th>State</th>
          <th>Ends</th>
          <th>Held with other cases</th>
        </tr>
      </thead>
      <tbody>
        {data.effects.map((e) => {
          const others = e.holders.filter((h) => h.caseNumber !== n);
          return (
            <tr key={e.id}>
              <td>{e.kind}</td>
              <td className="mono">{e.target}</td>
              <td>
                <StatusBadge s={e.state} /> <span className="muted small">{e.status}</span>
              </td>
              <td title={e.releaseReason ?? undefined}>{e.state === 'released' ? `released ${fmtTime(e.releasedAt ?? e.expiresAt ?? '')}` : e.expiresAt ? fmtTime(e.expiresAt) : 'when released'}</td>
              <td className="small">
                {others.length
                  ? others.map((h, i) => (
                      <span key={`${h.caseNumber}-${i}`} className="step" title={h.releaseReason ?? h.caseTitle ?? undefined}>
                        <Link to={`/cases/${h.caseNumber}`}>#{h.caseNumber}</Link> {h.first ? 'ran it' : 'joined'}
                        {h.releasedAt ? ' (let go)' : h.expiresAt ? ` until ${fmtTime(h.expiresAt)}` : ''}
                      </span>
                    ))
                  : <span className="muted">only this case</span>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Approvals({ n, canEdit, onChanged }: { n: number; canEdit: boolean; onChanged: () => void }) {
  const { data, error, reload } = useData(() => api.get<{ runs: PlaybookRun[]; approvals: Approval[] }>(`/api/cases/${n}/playbooks`), [n]);
  const [reason, setReason] = useState<Record<string, string>>({});
  const a = useAction();
  const decide = (ap: Approval, verdict: 'approve' | 'reject') =>
    a
      .run(() => api.post(`/api/playbooks/runs/${encodeURIComponent(ap.runId)}/${verdict}`, { step: ap.stepId, ...(reason[ap.id]?.trim() && { reason: reason[ap.id]!.trim() }) }))
      .then((ok) => {
        if (ok) {
          reload();
          onChanged();
        }
      });
  if (!data) return error ? <ErrorBox error={error} onRetry={reload} /> : <Loading />;
  const pending = data.approvals.filter((x) => x.status === 'pending');
  const decided = data.approvals.filter((x) => x.status !== 'pending');
  return (
    <>
      {pending.length > 0 && (
        <ul className="approvals">
          {pending.map((ap) => (
            <li key={ap.id} className="approval">
              <div>
                <strong>Waiting for approval:</strong> step <code>{ap.stepId}</code> of run <code title={ap.runId}>{ap.runId.slice(0, 14)}</code>
                {ap.message && <p className="pre">{ap.message}</p>}
                <span className="muted small">
                  requested {ago(ap.requestedAt)} · expires {fmtTime(ap.expiresAt)}
                </span>
              </div>
              {canEdit && (
                <div className="row">
                  <input type="text" placeholder="Reason (optional)" value={reason[ap.id] ?? ''} onChange={(e) => setReason({ ...reason, [ap.id]: e.target.value })} aria-label="Reason for the decision" />
                  <button type="button" className="primary" disabled={a.busy} onClick={() => decide(ap, 'approve')}>
                    Approve
                  </button>
                  <button type="button" className="danger" disabled={a.busy} onClick={() => decide(ap, 'reject')}>
                    Reject
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {a.error instanceof ApiError && a.error.status === 404 ? <div className="error">The playbook engine did not accept the decision: {a.error.message}</div> : <ErrorBox error={a.error} />}
      {data.runs.length ? (
        <table className="grid-table">
          <thead>
            <tr>
              <th>Playbook</th>
              <th>Trigger</th>
              <th>Status</th>
              <th>Steps</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {data.runs.map((r) => (
              <tr key={r.id}>
                <td>
                  {r.playbook} {r.dryRun && <span className="muted small">dry run</span>}
                </td>
                <td>{r.trigger}</td>
                <td title={r.error ?? undefined}>
                  <StatusBadge s={r.status} />
                  {r.error && <div className="muted small clip">{r.error}</div>}
                </td>
                <td className="small">
                  {steps(r).map((st, i) => (
                    <span key={st.id ?? i} className="step" title={st.error}>
                      {st.id ?? st.uses ?? `step ${i + 1}`}: {st.status ?? '?'}
                    </span>
                  ))}
                </td>
                <td title={fmtTime(r.startedAt, true)}>{ago(r.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        pending.length === 0 && <Empty>No playbook runs for this case.</Empty>
      )}
      {decided.length > 0 && (
        <p className="muted small">
          Decided:{' '}
          {decided.map((d) => `${d.stepId} ${d.status}${d.decidedBy ? ` by ${d.decidedBy}` : ''}`).join(' · ')}
        </p>
      )}
    </>
  );
}

function Comments({ n, canEdit, onChanged }: { n: number; canEdit: boolean; onChanged: () => void }) {
  const { data, error, reload } = useData(() => api.get<{ comments: Note[] }>(`/api/cases/${n}/comments`), [n]);
  const [text, setText] = useState('');
  const a = useAction();
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    if (await a.run(() => api.post(`/api/cases/${n}/comments`, { message: text.trim() }))) {
      setText('');
      reload();
      onChanged();
    }
  };
  return (
    <>
      <ErrorBox error={error} />
      {data?.comments.length ? (
        <ul className="notes">
          {data.comments.map((c) => (
            <li key={c.id}>
              <span className="muted small">
                {fmtTime(c.createdAt)} · {c.createdBy}
              </span>
              <p className="pre">{c.message}</p>
            </li>
          ))}
        </ul>
      ) : (
        data && <Empty>No comments yet.</Empty>
      )}
      {canEdit && (
        <form onSubmit={add} className="inline-form">
          <textarea rows={3} placeholder="Add a comment (Ctrl+Enter)" value={text} onChange={(e) => setText(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && void add(e)} aria-label="Comment" />
          <button type="submit" disabled={a.busy || !text.trim()}>
            Comment
          </button>
        </form>
      )}
      <ErrorBox error={a.error} />
    </>
  );
}

function Observables({ list }: { list: CaseObservable[] }) {
  const [openKey, setOpenKey] = useState<string>();
  if (!list.length) return <Empty>No observables.</Empty>;
  return (
    <table className="grid-table observables-table">
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
        {list.map((o) => {
          const k = `${o.type}:${o.value}`;
          const evidence = o.intel.flatMap((r) => r.evidence.map((e) => `${r.provider}: ${e}`));
          const expanded = openKey === k;
          return (
            <tr key={k}>
              <td>
                <VerdictBadge v={o.risk?.verdict ?? (o.scope && o.scope !== 'public' ? 'info' : 'unknown')} score={o.risk?.score} />
              </td>
              <td>
                {o.type}
                {o.scope && o.scope !== 'public' && <span className="muted small"> {o.scope}</span>}
              </td>
              <td className="mono clip-wide">
                <Link to={`/lookup?q=${encodeURIComponent(o.value)}`} title="Look it up in the IOC database">
                  {o.value}
                </Link>
                {o.provenance?.layers && (
                  <div className="muted small" title={o.provenance.wrapper}>
                    decoded: {o.provenance.layers.join(' › ')}
                    {o.provenance.field ? ` in ${o.provenance.field}` : ''}
                  </div>
                )}
              </td>
              <td>{o.role ?? ''}</td>
              <td>
                {evidence.length === 0 ? (
                  <span className="muted small">{o.intel.length ? 'no provider knows it' : 'not looked up'}</span>
                ) : (
                  <>
                    <span className="small">{evidence[0]}</span>
                    {(evidence.length > 1 || o.intel.length > 0) && (
                      <button type="button" className="link" aria-expanded={expanded} onClick={() => setOpenKey(expanded ? undefined : k)}>
                        {expanded ? 'less' : o.intel.length === 1 ? 'the answer' : `all ${o.intel.length} answers`}
                      </button>
                    )}
                    {expanded && (
                      <ul className="evidence">
                        {o.intel.map((r) => (
                          <li key={r.provider}>
                            <strong>{r.provider}</strong> <VerdictBadge v={r.verdict} score={r.score} /> {r.partial && <span className="muted">no answer: {r.error}</span>}
                            {r.evidence.map((e, i) => (
                              <div key={i} className="small">
                                {e}
                              </div>
                            ))}
                            {r.tags.length > 0 && <div className="small muted">tags: {r.tags.join(', ')}</div>}
                          </li>
                        ))}
                      </ul>
                    )}
                  </>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Alerts({ list }: { list: CaseAlert[] }) {
  const [openId, setOpenId] = useState<string>();
  const raw = useData(() => (openId ? api.get<{ data: unknown }>(`/api/alerts/${encodeURIComponent(openId)}`) : Promise.resolve(undefined)), [openId]);
  if (!list.length) return <Empty>No alerts.</Empty>;
  return (
    <>
      <table className="grid-table alerts-table">
        <thead>
          <tr>
            <th>Time</th>
            <th>Severity</th>
            <th>Rule</th>
            <th>Title</th>
            <th>Host</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map((a) => (
            <tr key={a.id} data-id={a.id} className={openId === a.id ? 'selected' : undefined}>
              <td className="nowrap">{fmtTime(a.time, true)}</td>
              <td>
                <SeverityBadge s={a.severity} score={a.score} />
              </td>
              <td className="mono">
                {a.source} {a.ruleId} <span className="muted">L{a.ruleLevel}</span>
              </td>
              <td>{a.title}</td>
              <td>
                {a.host}
                {a.hostRole === 'sensor' && <span className="muted small"> (sensor)</span>}
              </td>
              <td>
                <button type="button" className="link" aria-expanded={openId === a.id} onClick={() => setOpenId(openId === a.id ? undefined : a.id)}>
                  {openId === a.id ? 'Hide' : 'Details'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {openId && (
        <div className="raw">
          <ErrorBox error={raw.error} />
          {raw.data ? <pre className="json">{JSON.stringify(raw.data.data, null, 2)}</pre> : <Loading />}
        </div>
      )}
    </>
  );
}

/** More alerts than this and the case opens on its rules, each with how many alerts it raised. */
const GROUP_ABOVE = 50;

/** A case's rules, most frequent first; choosing one narrows the alert list to it. */
function RuleGroups({ n, total, shown, onShow }: { n: number; total: number; shown?: RuleGroup; onShow: (g: RuleGroup | undefined) => void }) {
  const { data, error, reload } = useData(() => api.get<{ alerts: number; total: number; groups: RuleGroup[] }>(`/api/cases/${n}/alerts/by-rule${qs({ limit: 100 })}`), [n, total]);
  if (!data) return error ? <ErrorBox error={error} onRetry={reload} /> : <Loading what="Grouping the alerts by rule" />;
  const key = (g: RuleGroup) => `${g.source}\u0000${g.ruleId}`;
  return (
    <>
      <table className="grid-table rule-groups" id="alerts-by-rule">
        <caption className="muted small">
          {num(data.alerts)} alerts from {num(data.total)} rule{data.total === 1 ? '' : 's'}
        </caption>
        <thead>
          <tr>
            <th className="num">Alerts</th>
            <th>Severity</th>
            <th>Rule</th>
            <th>Title</th>
            <th className="num">Hosts</th>
            <th>First</th>
            <th>Last</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data.groups.map((g) => {
            const on = shown !== undefined && key(shown) === key(g);
            return (
              <tr key={key(g)} className={on ? 'selected' : undefined}>
                <td className="num">{num(g.alerts)}</td>
                <td>
                  <SeverityBadge s={g.severity} />
                </td>
                <td className="mono">
                  {g.source} {g.ruleId} <span className="muted">L{g.ruleLevel}</span>
                </td>
                <td>{g.title}</td>
                <td className="num">{num(g.hosts)}</td>
                <td className="nowrap">{fmtTime(g.firstAt)}</td>
                <td className="nowrap">{fmtTime(g.lastAt)}</td>
                <td>
                  <button type="button" className="link" aria-pressed={on} onClick={() => onShow(on ? undefined : g)}>
                    {on ? 'Show all' : 'Show these'}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {data.total > data.groups.length && <p className="muted small">The {data.groups.length} rules with the most alerts; {num(data.total - data.groups.length)} more rules raised fewer.</p>}
    </>
  );
}

function CaseAlerts({ n, total }: { n: number; total: number }) {
  const [rule, setRule] = useState<RuleGroup>();
  const pages = useCursorPages<CaseAlert>(`/api/cases/${n}/alerts${rule ? qs({ source: rule.source, ruleId: rule.ruleId }) : ''}`, 'alerts', total);
  return (
    <>
      {total > GROUP_ABOVE && <RuleGroups n={n} total={total} shown={rule} onShow={setRule} />}
      {rule && (
        <p className="filter-note">
          Only the {num(pages.total)} alerts of{' '}
          <span className="mono">
            {rule.source} {rule.ruleId}
          </span>{' '}
          ({rule.title}).{' '}
          <button type="button" className="link" onClick={() => setRule(undefined)}>
            Show all {num(total)}
          </button>
        </p>
      )}
      <ErrorBox error={pages.error} onRetry={pages.reload} />
      {pages.items.length || !pages.loading ? <Alerts list={pages.items} /> : <Loading what="Loading alerts" />}
      <Pager p={pages} label="Alerts" />
    </>
  );
}

function CaseObservables({ n, reloadKey }: { n: number; reloadKey: unknown }) {
  const pages = useCursorPages<CaseObservable>(`/api/cases/${n}/observables`, 'observables', reloadKey);
  return (
    <>
      <ErrorBox error={pages.error} onRetry={pages.reload} />
      {pages.items.length || !pages.loading ? <Observables list={pages.items} /> : <Loading what="Loading observables" />}
      <Pager p={pages} label="Observables" labels={['← Previous', 'Next →']} />
    </>
  );
}

function Timeline({ n, reloadKey }: { n: number; reloadKey: unknown }) {
  const pages = useCursorPages<TimelineEntry>(`/api/cases/${n}/timeline`, 'entries', reloadKey);
  return (
    <>
      <ErrorBox error={pages.error} onRetry={pages.reload} />
      {pages.items.length ? (
        <ol className="timeline">
          {pages.items.map((t) => (
            <li key={t.id}>
              <span className="muted small nowrap">{fmtTime(t.at, true)}</span> <span className="tl-kind">{t.kind}</span> <span>{t.message}</span> <span className="muted small">— {t.actor}</span>
            </li>
          ))}
        </ol>
      ) : pages.loading ? (
        <Loading what="Loading the timeline" />
      ) : (
        <Empty>Nothing yet.</Empty>
      )}
      <Pager p={pages} label="Timeline" />
    </>
  );
}

function Block({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="kv">
      <span className="muted small">{label}</span>
      <div>{children}</div>
    </div>
  );
}

export function CasePage({ number, who }: { number: number; who: Who }) {
  const { data, error, reload } = useData(() => api.get<CaseReport>(`/api/cases/${number}`), [number]);
  const [tick, setTick] = useState(0);
  const changed = () => {
    reload();
    setTick(tick + 1);
  };
  if (!data) return error ? <ErrorBox error={error} onRetry={reload} /> : <Loading what={`Loading case #${number}`} />;
  const c = data.case;
  const canEdit = who.role === 'admin' || who.role === 'analyst';
  const reasons = data.assessment.reasons.slice().sort((a, b) => b.delta - a.delta);
  const openTasks = data.tasks.filter((t) => t.status === 'Waiting' || t.status === 'InProgress').length;
  // The report lists a window of a big case; its totals count everything.
  const totals = { alerts: data.totals?.alerts ?? data.alerts.length, observables: data.totals?.observables ?? data.observables.length, timeline: data.totals?.timeline ?? data.timeline.length };
  return (
    <article className="case">
      <div className="page-head case-head">
        <Link to="/cases" className="muted">
          ← Cases
        </Link>
        <h1>
          #{c.number} {c.title}
        </h1>
      </div>
      <div className="case-meta">
        <Block label="Severity">
          <SeverityBadge s={c.severity} score={data.assessment.score} />
        </Block>
        <Block label="Status">
          <StatusControl n={c.number} status={c.status} canEdit={canEdit} onDone={changed} />
        </Block>
        <Block label="Opened">{fmtTime(c.createdAt)}</Block>
        <Block label="Updated">{ago(c.updatedAt)}</Block>
        <Block label="Report">
          <a href={`/api/cases/${c.number}/report.html`} target="_blank" rel="noopener noreferrer">
            HTML
          </a>{' '}
          ·{' '}
          <a href={`/api/cases/${c.number}/report.md`} download={`case-${c.number}.md`}>
            Markdown
          </a>
        </Block>
      </div>
      {c.summary && <p className="summary">{c.summary}</p>}
      {c.tags.length > 0 && (
        <p>
          {c.tags.map((t) => (
            <span key={t} className="tag">
              {t}
            </span>
          ))}
        </p>
      )}
      <nav className="case-nav" aria-label="Case sections">
        <a href="#why">Why {c.severity.toLowerCase()}</a>
        <a href="#tasks">Tasks{openTasks ? ` (${openTasks})` : ''}</a>
        <a href="#playbooks">Actions &amp; approvals</a>
        <a href="#observables">Observables ({num(totals.observables)})</a>
        <a href="#alerts">Alerts ({num(totals.alerts)})</a>
        <a href="#comments">Comments</a>
        <a href="#timeline">Timeline ({num(totals.timeline)})</a>
      </nav>

      <Section title={`Why ${c.severity}`} id="why">
        <table className="grid-table reasons">
          <tbody>
            {reasons.map((r, i) => (
              <tr key={i}>
                <td className="num delta">{r.delta > 0 ? `+${r.delta}` : r.delta}</td>
                <td>{r.factor}</td>
                <td>{r.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {data.mitre.length > 0 && (
          <p className="small">
            MITRE ATT&amp;CK:{' '}
            {data.mitre.map((m) => (
              <span key={m.id} className="tag" title={[m.tactic, m.technique].filter(Boolean).join(' · ')}>
                {m.id}
                {m.technique ? ` ${m.technique}` : ''}
              </span>
            ))}
          </p>
        )}
      </Section>

      <Section title="Tasks" id="tasks">
        {data.tasks.length ? (
          <ul className="tasks">
            {data.tasks.map((t) => (
              <TaskItem key={t.id} n={c.number} task={t} canEdit={canEdit} onChanged={changed} />
            ))}
          </ul>
        ) : (
          <Empty>No tasks.</Empty>
        )}
      </Section>

      <Section title="Actions and approvals" id="playbooks">
        <Approvals key={tick} n={c.number} canEdit={canEdit} onChanged={changed} />
        <SharedEffects key={`fx-${tick}`} n={c.number} />
        {data.actions.length > 0 && (
          <table className="grid-table">
            <thead>
              <tr>
                <th>Action</th>
                <th>Target</th>
                <th>Outcome</th>
                <th>Why</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              {data.actions.map((a) => (
                <tr key={a.id}>
                  <td>
                    {a.action} <span className="muted small">{a.playbook}</span>
                  </td>
                  <td className="mono">{a.target}</td>
                  <td>
                    <StatusBadge s={a.status} />
                  </td>
                  <td className="small">{a.reason}</td>
                  <td title={fmtTime(a.at, true)}>{ago(a.at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>

      <Section title={`Observables (${num(totals.observables)})`} id="observables">
        <CaseObservables n={c.number} reloadKey={totals.observables} />
      </Section>

      <Section title={`Alerts (${num(totals.alerts)})`} id="alerts">
        <CaseAlerts n={c.number} total={totals.alerts} />
      </Section>

      <Section title="Comments" id="comments">
        <Comments n={c.number} canEdit={canEdit} onChanged={changed} />
      </Section>

      <Section title="Timeline" id="timeline">
        <Timeline n={c.number} reloadKey={`${tick}:${totals.timeline}`} />
      </Section>
    </article>
  );
}
