// Browser sign-in: the analyst pastes an API key once and gets a session cookie, so the key never
// sits in the page's storage where a script could read it.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { App } from '../../app.js';
import type { ApiKeyInfo } from '../../auth/keys.js';
import { limited } from '../auth.js';

export const SESSION_COOKIE = 'vigil_session';
/** A session unused this long ends. */
export const SESSION_IDLE_MS = 8 * 3_600_000;
/** And none outlives this, used or not. */
export const SESSION_MAX_MS = 24 * 3_600_000;
const MAX_SESSIONS = 10_000;

interface Session {
  key: string;
  name: string;
  role: ApiKeyInfo['role'];
  createdAt: number;
  lastSeen: number;
}

/**
 * Sessions live in memory only: a restart signs everyone out, which is the safe failure. The key is
 * kept so every request is checked against the key store, and a revoked key ends its sessions.
 */
export class Sessions {
  private readonly byId = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  create(key: string, info: ApiKeyInfo): { id: string; expiresAt: number } {
    this.sweep();
    if (this.byId.size >= MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    const t = this.now();
    this.byId.set(id, { key, name: info.name, role: info.role, createdAt: t, lastSeen: t });
    return { id, expiresAt: t + SESSION_IDLE_MS };
  }

  /** The key behind a live session (and the session is kept alive), or undefined. */
  use(id: string): string | undefined {
    const s = this.byId.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.lastSeen > SESSION_IDLE_MS || t - s.createdAt > SESSION_MAX_MS) {
      this.byId.delete(id);
      return undefined;
    }
    s.lastSeen = t;
    return s.key;
  }

  expiresAt(id: string): number | undefined {
    const s = this.byId.get(id);
    return s && Math.min(s.lastSeen + SESSION_IDLE_MS, s.createdAt + SESSION_MAX_MS);
  }

  end(id: string): boolean {
    return this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, s] of this.byId) if (t - s.lastSeen > SESSION_IDLE_MS || t - s.createdAt > SESSION_MAX_MS) this.byId.delete(id);
  }
}

const byApp = new WeakMap<App, Sessions>();

/** The process's sessions for an App (one per App, so the auth hook and the routes share it). */
export function sessionsFor(app: App): Sessions {
  let s = byApp.get(app);
  if (!s) byApp.set(app, (s = new Sessions()));
  return s;
}

/** One cookie's value from a Cookie header, or undefined. Written here: @fastify/cookie needs Node 22. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 16_384) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let v = part.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    return v || undefined;
  }
  return undefined;
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function cookie(req: FastifyRequest, app: App, value: string, maxAgeS: number): string {
  // Secure when this server speaks TLS, and when people reach it over https through a proxy that
  // terminates TLS (server.publicUrl): the browser then never sends the session over plain HTTP.
  const secure = req.protocol === 'https' || app.config.server.publicUrl?.startsWith('https:') ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`;
}

const Who = z.object({
  name: z.string().describe('The API key the session was opened with'),
  role: z.enum(['admin', 'analyst', 'read-only', 'ingest']),
  org: z.string(),
  via: z.enum(['session', 'key']).describe('How this request was authenticated'),
  expiresAt: z.string().optional().describe('When the session ends unless used again'),
});
const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) });

/**
 * `POST /api/session` {key} → session cookie; `GET /api/session` says who is signed in;
 * `DELETE /api/session` signs out. Bad keys count toward the auth hook's rate limit.
 */
export function registerSession(server: FastifyInstance, app: App, sessions: Sessions): void {
  const s = server.withTypeProvider<ZodTypeProvider>();
  s.post(
    '/api/session',
    {
      config: { public: true },
      schema: {
        summary: 'Sign in with an API key: sets an HttpOnly, SameSite=Strict session cookie for the web UI',
        tags: ['session'],
        security: [],
        body: z.object({ key: z.string().min(1).max(200).describe('An API key (vgl_…)') }),
        response: { 200: Who, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      // Another site must not sign a browser in with the attacker's key (login CSRF).
      if (req.headers.origin && originHost(req.headers.origin) !== req.headers.host) {
        return reply.status(403).send({ error: { code: 'VIGIL_AUTH_FORBIDDEN', message: 'sign-in from another site is refused' } });
      }
      const info = await app.keys.verify(req.body.key.trim());
      if (!info) {
        const wait = server.recordAuthFailure?.(req.ip, req.body.key.trim());
        if (wait !== undefined) return limited(reply, wait);
        return reply.status(401).send({ error: { code: 'VIGIL_AUTH_INVALID', message: 'the API key is not valid (unknown or revoked)', field: 'key' } });
      }
      // An ingest key is for machines posting alerts; it cannot read anything the UI shows.
      if (info.role === 'ingest') return reply.status(403).send({ error: { code: 'VIGIL_AUTH_FORBIDDEN', message: 'an ingest key cannot sign in to the web UI; use an admin, analyst or read-only key', field: 'key' } });
      const old = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (old) sessions.end(old);
      const { id, expiresAt } = sessions.create(req.body.key.trim(), info);
      reply.header('set-cookie', cookie(req, app, id, Math.floor(SESSION_MAX_MS / 1000)));
      reply.header('cache-control', 'no-store');
      return { name: info.name, role: info.role, org: info.org, via: 'session' as const, expiresAt: new Date(expiresAt).toISOString() };
    },
  );

  s.get(
    '/api/session',
    { schema: { summary: 'Who is signed in (the key behind this session or request)', tags: ['session'], response: { 200: Who } } },
    async (req, reply) => {
      const k = req.apiKey!;
      const sid = req.authVia === 'session' ? readCookie(req.headers.cookie, SESSION_COOKIE) : undefined;
      const exp = sid ? sessions.expiresAt(sid) : undefined;
      reply.header('cache-control', 'no-store');
      return { name: k.name, role: k.role, org: k.org, via: req.authVia ?? 'key', ...(exp && { expiresAt: new Date(exp).toISOString() }) };
    },
  );

  s.delete(
    '/api/session',
    {
      config: { public: true },
      schema: { summary: 'Sign out: ends the session and clears the cookie', tags: ['session'], security: [], response: { 200: z.object({ signedOut: z.boolean() }) } },
    },
    async (req, reply: FastifyReply) => {
      const sid = readCookie(req.headers.cookie, SESSION_COOKIE);
      const ended = sid ? sessions.end(sid) : false;
      reply.header('set-cookie', cookie(req, app, '', 0));
      return { signedOut: ended };
    },
  );
}
