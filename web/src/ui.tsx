// Small shared pieces: badges, formatting, loading and error states, a data hook.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError, type Severity } from './api';

/** `2026-11-18 09:14 UTC`: analysts compare times across systems, so UTC everywhere. */
export function fmtTime(iso: string | null | undefined, seconds = false): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return `${new Date(t).toISOString().slice(0, seconds ? 19 : 16).replace('T', ' ')} UTC`;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (Number.isNaN(s)) return '';
  const a = Math.abs(s);
  const v = a < 90 ? `${a}s` : a < 5400 ? `${Math.round(a / 60)}m` : a < 129_600 ? `${Math.round(a / 3600)}h` : `${Math.round(a / 86_400)}d`;
  return s >= 0 ? `${v} ago` : `in ${v}`;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function num(n: number): string {
  return n.toLocaleString('en-US');
}

export function SeverityBadge({ s, score }: { s: Severity | string; score?: number }) {
  return (
    <span className={`badge sev sev-${s.toLowerCase()}`} title={score !== undefined ? `score ${Math.round(score)}` : undefined}>
      {s}
      {score !== undefined && <span className="badge-score">{Math.round(score)}</span>}
    </span>
  );
}

export function VerdictBadge({ v, score }: { v: string | null | undefined; score?: number | null }) {
  const verdict = v ?? 'unknown';
  return (
    <span className={`badge verdict verdict-${verdict}`}>
      {verdict}
      {score !== undefined && score !== null && <span className="badge-score">{Math.round(score)}</span>}
    </span>
  );
}

export function StatusBadge({ s }: { s: string }) {
  const closed = !['New', 'InProgress', 'Waiting', 'running', 'waiting_approval', 'pending'].includes(s);
  return <span className={`badge status status-${s.toLowerCase().replace(/[^a-z]/g, '')}${closed ? ' status-closed' : ''}`}>{s}</span>;
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const e = error as Error;
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div className="error" role="alert">
      <strong>{code === 'VIGIL_AUTH_FORBIDDEN' ? 'Not allowed' : 'Something went wrong'}</strong> {e.message}
      {error instanceof ApiError && error.field && <span className="muted"> (field: {error.field})</span>}
      {onRetry && (
        <button type="button" className="link" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="muted loading" aria-live="polite">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty muted">{children}</p>;
}

export function Section({ title, id, actions, children }: { title: ReactNode; id?: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="panel" id={id} aria-labelledby={id ? `${id}-h` : undefined}>
      <header className="panel-head">
        <h2 id={id ? `${id}-h` : undefined}>{title}</h2>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

/** Loads data for a screen; `reload` fetches again, and a newer load wins over a slower older one. */
export function useData<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const seq = useRef(0);
  const run = useCallback(() => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => n === seq.current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => n === seq.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

/** Saves a string as a file the browser downloads (exports); no server round trip. */
export function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A URL or domain as inert text: `hxxps://evil[.]example/…`, so a stray click or paste goes nowhere. */
export function defang(v: string): string {
  if (!/^[a-z][a-z0-9+.-]*:/i.test(v)) return v.replace(/\./g, '[.]');
  return v.replace(/^http/i, 'hxxp').replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i, (host) => host.replace(/\./g, '[.]'));
}
