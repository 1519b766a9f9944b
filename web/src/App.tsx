import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, onSignedOut, type Who } from './api';
import { Link, navigate, useLocation } from './router';
import { CasePage } from './pages/CasePage';
import { Cases } from './pages/Cases';
import { Dashboard } from './pages/Dashboard';
import { IocBox } from './pages/IocBox';
import { Lookup } from './pages/Lookup';
import { Phish } from './pages/Phish';
import { SignIn } from './pages/SignIn';
import { Loading } from './ui';

type Theme = 'light' | 'dark';

function initialTheme(): Theme {
  const saved = localStorage.getItem('vigil.theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

const NAV = [
  { to: '/', label: 'Dashboard', key: 'd' },
  { to: '/cases', label: 'Cases', key: 'c' },
  { to: '/phish', label: 'Upload EML', key: 'e' },
  { to: '/ioc', label: 'IOC box', key: 'i' },
  { to: '/lookup', label: 'IOC lookup', key: 'l' },
];

const SHORTCUTS: Array<[string, string]> = [
  ['g d', 'Dashboard'],
  ['g c', 'Cases'],
  ['g e', 'Upload EML'],
  ['g i', 'IOC box'],
  ['g l', 'IOC lookup'],
  ['/', 'Focus the search or input of the page'],
  ['Ctrl+Enter', 'Submit the text box you are in'],
  ['t', 'Switch light / dark theme'],
  ['?', 'This help'],
];

function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

export function App() {
  const loc = useLocation();
  const [who, setWho] = useState<Who | null | undefined>(undefined);
  const [ended, setEnded] = useState(false);
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [help, setHelp] = useState(false);
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);

  const toggleTheme = useCallback(() => {
    setTheme((t) => {
      const next = t === 'dark' ? 'light' : 'dark';
      localStorage.setItem('vigil.theme', next);
      return next;
    });
  }, []);

  useEffect(() => {
    api.get<Who>('/api/session').then(setWho, (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) setWho(null);
      else setWho(null);
    });
    return onSignedOut(() => {
      setEnded(true);
      setWho(null);
    });
  }, []);

  // Keyboard: "g" then a letter goes to a screen; "/" focuses the page's main input.
  useEffect(() => {
    let pending = 0;
    const onKey = (e: KeyboardEvent) => {
      if (e.metaKey || e.ctrlKey || e.altKey || typing(e)) return;
      if (e.key === 'Escape') setHelp(false);
      if (e.key === '?') {
        setHelp((h) => !h);
        return;
      }
      if (e.key === 't') {
        toggleTheme();
        return;
      }
      if (e.key === '/') {
        const input = main.current?.querySelector<HTMLElement>('[data-autofocus], input[type=search], textarea, input[type=text]');
        if (input) {
          e.preventDefault();
          input.focus();
        }
        return;
      }
      if (e.key === 'g') {
        pending = Date.now();
        return;
      }
      if (pending && Date.now() - pending < 1500) {
        const n = NAV.find((x) => x.key === e.key);
        pending = 0;
        if (n) {
          e.preventDefault();
          navigate(n.to);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [toggleTheme]);

  // Each screen change moves focus to the main region, so keyboard and screen-reader users land on it.
  useEffect(() => {
    main.current?.focus({ preventScroll: true });
  }, [loc.path]);

  if (who === undefined) return <Loading what="Starting" />;
  if (who === null)
    return (
      <SignIn
        ended={ended}
        theme={theme}
        onTheme={toggleTheme}
        onSignedIn={(w) => {
          setEnded(false);
          setWho(w);
          if (loc.path === '/signin') navigate('/', { replace: true });
        }}
      />
    );

  const signOut = async () => {
    await api.del('/api/session').catch(() => undefined);
    setWho(null);
  };

  const parts = loc.path.split('/').filter(Boolean);
  let page;
  if (parts[0] === 'cases' && parts[1]) page = <CasePage number={Number(parts[1])} who={who} />;
  else if (parts[0] === 'cases') page = <Cases query={loc.query} />;
  else if (parts[0] === 'phish') page = <Phish who={who} />;
  else if (parts[0] === 'ioc') page = <IocBox who={who} />;
  else if (parts[0] === 'lookup') page = <Lookup query={loc.query} who={who} />;
  else page = <Dashboard />;
  const active = '/' + (parts[0] ?? '');

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand" aria-label="Vigil dashboard">
          <img src="/favicon.svg" alt="" width={22} height={22} />
          Vigil
        </Link>
        <nav aria-label="Screens">
          {NAV.map((n) => (
            <Link key={n.to} to={n.to} aria-current={active === n.to ? 'page' : undefined} title={`g ${n.key}`}>
              {n.label}
            </Link>
          ))}
        </nav>
        <div className="top-right">
          <a href="/api/docs" target="_blank" rel="noopener noreferrer">
            API
          </a>
          <button type="button" className="ghost" onClick={toggleTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} title="t">
            {theme === 'dark' ? '☀' : '☾'}
          </button>
          <button type="button" className="ghost" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts" title="?">
            ?
          </button>
          <span className="who" title={`${who.role} key, organisation ${who.org}`}>
            {who.name} <span className="muted">({who.role})</span>
          </span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {page}
      </main>
      {help && (
        <div className="modal" role="dialog" aria-modal="true" aria-labelledby="help-h" onClick={() => setHelp(false)}>
          <div className="modal-body" onClick={(e) => e.stopPropagation()}>
            <h2 id="help-h">Keyboard shortcuts</h2>
            <table>
              <tbody>
                {SHORTCUTS.map(([k, d]) => (
                  <tr key={k}>
                    <td>
                      <kbd>{k}</kbd>
                    </td>
                    <td>{d}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <button type="button" autoFocus onClick={() => setHelp(false)}>
              Close
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
