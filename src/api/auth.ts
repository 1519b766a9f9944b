import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyInfo, ApiKeys } from '../auth/keys.js';
import { readCookie, SESSION_COOKIE, type Sessions } from './routes/session.js';
import { ERROR_CATALOGUE, type VigilErrorCode } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKeyInfo;
    /** How the request was authenticated: a key header/path, or the web UI's session cookie. */
    authVia?: 'key' | 'session';
  }
  interface FastifyInstance {
    /**
     * Counts a failed sign-in (from this address, with this key) toward the bad-key limits; returns
     * the seconds to wait when the address or the key's prefix is now over its limit.
     */
    recordAuthFailure?: (ip: string, key: string) => number | undefined;
  }
  interface FastifyContextConfig {
    /** The route needs no key: the web UI's static files, sign-in (it checks the key itself), sign-out. */
    public?: boolean;
  }
}

const OPEN = new Set(['/healthz', '/readyz']);
// Wazuh's stock integration scripts send no auth header, so an ingest key may be the last path segment.
const PATH_KEY = /^\/api\/ingest\/[a-z]+\/(vgl_[A-Za-z0-9_-]{10,100})$/;
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 60_000;
const MAX_TRACKED = 10_000;
/** As many characters as key lists show (`vgl_` and six more): what tells one key's guesses apart. */
const PREFIX_LENGTH = 10;

/**
 * Failed keys counted per address and per presented key prefix, separately. It only ever answers a
 * failure: a valid key is checked and let in whatever others failed from the same address (behind a
 * proxy or NAT, many clients share one), so nobody can lock out ingestion by sending bad keys.
 */
export class SignInGuard {
  private readonly counts = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly max = MAX_FAILURES,
    private readonly windowMs = FAILURE_WINDOW_MS,
  ) {}

  /** Records a failure; the seconds to wait when the address or the prefix went over its limit. */
  fail(ip: string, key: string): number | undefined {
    const t = this.now();
    let wait: number | undefined;
    for (const id of [`ip ${ip}`, `key ${key.slice(0, PREFIX_LENGTH)}`]) {
      let cur = this.counts.get(id);
      if (!cur || t - cur.since > this.windowMs) cur = { count: 0, since: t };
      cur.count++;
      this.counts.delete(id);
      this.counts.set(id, cur);
      if (cur.count > this.max) wait = Math.max(wait ?? 0, Math.ceil((cur.since + this.windowMs - t) / 1000));
    }
    // The oldest entries go first; an attacker rotating addresses cannot grow the map without bound.
    while (this.counts.size > MAX_TRACKED) this.counts.delete(this.counts.keys().next().value!);
    return wait;
  }
}

function deny(reply: FastifyReply, code: VigilErrorCode, message: string): FastifyReply {
  return reply.status(ERROR_CATALOGUE[code].status).send({ error: { code, message } });
}

/** The answer to a bad key once its address or prefix is over the limit. */
export function limited(reply: FastifyReply, waitS: number): FastifyReply {
  reply.header('retry-after', String(Math.max(waitS, 1)));
  return deny(reply, 'VIGIL_AUTH_RATE_LIMITED', 'too many failed sign-ins from this address or with keys starting like this one; try again later');
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
 * bad keys from one address, or starting like one key, get 429 for the rest of a minute (see
 * SignInGuard); a valid key is always let in.
 */
export function installAuth(server: FastifyInstance, keys: ApiKeys, now: () => number = Date.now, sessions?: Sessions): void {
  const guard = new SignInGuard(now);
  const fail = (ip: string, key: string): number | undefined => guard.fail(ip, key);
  server.decorate('recordAuthFailure', fail);
  server.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?', 1)[0]!;
    const route = req.routeOptions.config as { public?: boolean } | undefined;
    if (OPEN.has(path) || route?.public) return;
    const header = req.headers.authorization;
    let key = header?.startsWith('Bearer ') ? header.slice(7).trim() : PATH_KEY.exec(path)?.[1];
    const sid = !key && sessions ? readCookie(req.headers.cookie, SESSION_COOKIE) : undefined;
    if (sid) {
      key = sessions!.use(sid);
      if (!key) return deny(reply, 'VIGIL_AUTH_SESSION_ENDED', 'the session has ended; sign in again');
      // SameSite=Strict already keeps other sites' requests cookieless; a foreign Origin is refused too.
      const origin = req.headers.origin;
      if (origin && req.method !== 'GET' && req.method !== 'HEAD' && originHost(origin) !== req.headers.host) {
        return deny(reply, 'VIGIL_AUTH_FORBIDDEN', 'a cross-site request cannot use the session cookie');
      }
    }
    if (!key) return deny(reply, 'VIGIL_AUTH_REQUIRED', 'an API key is required: Authorization: Bearer <key> (create one with `vigil keys create`)');
    const info = await keys.verify(key);
    if (!info) {
      if (sid) {
        sessions!.end(sid);
        return deny(reply, 'VIGIL_AUTH_SESSION_ENDED', 'the key this session was opened with was revoked; sign in again');
      }
      const wait = fail(req.ip, key);
      if (wait !== undefined) return limited(reply, wait);
      return deny(reply, 'VIGIL_AUTH_INVALID', 'the API key is not valid (unknown or revoked)');
    }
    if (!allowed(info.role, req.method, path)) return deny(reply, 'VIGIL_AUTH_FORBIDDEN', `a ${info.role} key cannot ${req.method} ${path}`);
    req.apiKey = info;
    req.authVia = sid ? 'session' : 'key';
  });
}
