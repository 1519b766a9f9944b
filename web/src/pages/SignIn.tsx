import { useState, type FormEvent } from 'react';
import { api, ApiError, type Who } from '../api';
import { ErrorBox } from '../ui';

export function SignIn({ ended, theme, onTheme, onSignedIn }: { ended: boolean; theme: string; onTheme: () => void; onSignedIn: (w: Who) => void }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const who = await api.post<Who>('/api/session', { key: key.trim() });
      setKey('');
      onSignedIn(who);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const rateLimited = error instanceof ApiError && error.status === 429;
  return (
    <main className="signin" id="main">
      <form onSubmit={submit} className="panel signin-box" aria-labelledby="signin-h">
        <h1 id="signin-h">
          <img src="/favicon.svg" alt="" width={28} height={28} /> Sign in to Vigil
        </h1>
        {ended && !error && <p className="notice">Your session has ended. Sign in again.</p>}
        <label htmlFor="key">API key</label>
        <input
          id="key"
          name="key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="vgl_…"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          autoFocus
          required
          data-autofocus
        />
        <p className="hint muted">
          Paste an admin, analyst or read-only key. <code>npm start</code> prints one; <code>vigil keys create --name you --role analyst</code> makes another. The key is exchanged for a session cookie and is not stored in the browser.
        </p>
        {rateLimited ? <div className="error">Too many failed sign-ins from this address. Wait a minute and try again.</div> : <ErrorBox error={error} />}
        <div className="row">
          <button type="submit" className="primary" disabled={busy || !key.trim()}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
          <button type="button" className="ghost" onClick={onTheme} aria-label="Switch theme">
            {theme === 'dark' ? '☀ light' : '☾ dark'}
          </button>
        </div>
      </form>
    </main>
  );
}
