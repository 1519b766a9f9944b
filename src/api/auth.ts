import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyInfo, ApiKeys } from '../auth/keys.js';
import { readCookie, SESSION_COOKIE, type Sessions } from './routes/session.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyInfo;
    /** How the request was authenticated: a key header/path, or the web UI's session cookie. */
    authVia?: 'key' | 'session';
  }
  interface FastifyInstance {
    /** Counts a failed sign-in from this address toward the bad-key rate limit. */
    recordAuthFailure?: (ip: string) => void;
  }
  interface FastifyContextConfig {
    /** The route needs no key: the web UI's static files, sign-out. */
    public?: boolean;
    /** The sign-in route: open, but still subject to the bad-key rate limit. */
    signIn?: boolean;
  }
}

const OPEN = new Set(['/healthz', '/readyz']);
// Wazuh's stock integration scripts send no auth header, so an ingest key may be the last path segment.
const PATH_KEY = /^\/api\/ingest\/[a-z]+\/(vgl_[A-Za-z0-9_-]{10,100})$/;
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 60_000;

function deny(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.status(status).send({ error: { code, message } });
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** Whether a key's role may make this request. */
export function allowed(role: ApiKeyInfo['role'], method: string, path: string): boolean {
  const ingest = path.startsWith('/api/ingest/');
  // Shuffle, n8n and TheHive4py scripts push alerts with TheHive's create-alert call; a TheHive query only reads.
  if (role === 'ingest') return method === 'POST' && (ingest || path.endsWith('/api/v1/alert'));
  if (role === 'read-only') return method === 'GET' || method === 'HEAD' || (method === 'POST' && path.endsWith('/api/v1/query'));
  return true;
}

/**
 * Every route but health and readiness needs an API key (`Authorization: Bearer vgl_…`). Repeated
 * bad keys from one address are refused for a minute, so keys cannot be guessed online.
 */
export function installAuth(server: FastifyInstance, keys: ApiKeys, now: () => number = Date.now, sessions?: Sessions): void {
  const failures = new Map<string, { count: number; since: number }>();
  const fail = (ip: string): void => {
    const cur = failures.get(ip) ?? { count: 0, since: now() };
    cur.count++;
    failures.set(ip, cur);
    if (failures.size > 10_000) failures.clear();
  };
  server.decorate('recordAuthFailure', fail);
  server.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?', 1)[0]!;
    const route = req.routeOptions.config as { public?: boolean; signIn?: boolean } | undefined;
    if (OPEN.has(path) || (route?.public && !route.signIn)) return;
    const t = now();
    const f = failures.get(req.ip);
    if (f && t - f.since > FAILURE_WINDOW_MS) failures.delete(req.ip);
    else if (f && f.count >= MAX_FAILURES) {
      reply.header('retry-after', String(Math.ceil((f.since + FAILURE_WINDOW_MS - t) / 1000)));
      return deny(reply, 429, 'VIGIL_AUTH_RATE_LIMITED', 'too many failed sign-ins from this address; try again later');
    }
    if (route?.signIn) return;
    const header = req.headers.authorization;
    let key = header?.startsWith('Bearer ') ? header.slice(7).trim() : PATH_KEY.exec(path)?.[1];
    const sid = !key && sessions ? readCookie(req.headers.cookie, SESSION_COOKIE) : undefined;
    if (sid) {
      key = sessions!.use(sid);
      if (!key) return deny(reply, 401, 'VIGIL_AUTH_SESSION_ENDED', 'the session has ended; sign in again');
      // SameSite=Strict already keeps other sites' requests cookieless; a foreign Origin is refused too.
      const origin = req.headers.origin;
      if (origin && req.method !== 'GET' && req.method !== 'HEAD' && originHost(origin) !== req.headers.host) {
        return deny(reply, 403, 'VIGIL_AUTH_FORBIDDEN', 'a cross-site request cannot use the session cookie');
      }
    }
    if (!key) return deny(reply, 401, 'VIGIL_AUTH_REQUIRED', 'an API key is required: Authorization: Bearer <key> (create one with `vigil keys create`)');
    const info = await keys.verify(key);
    if (!info) {
      if (sid) {
        sessions!.end(sid);
        return deny(reply, 401, 'VIGIL_AUTH_SESSION_ENDED', 'the key this session was opened with was revoked; sign in again');
      }
      fail(req.ip);
      return deny(reply, 401, 'VIGIL_AUTH_INVALID', 'the API key is not valid (unknown or revoked)');
    }
    if (!allowed(info.role, req.method, path)) return deny(reply, 403, 'VIGIL_AUTH_FORBIDDEN', `a ${info.role} key cannot ${req.method} ${path}`);
    req.apiKey = info;
    req.authVia = sid ? 'session' : 'key';
  });
}
