// An HTTP client that cannot be turned against the inside of the network (SSRF): the URL must be on
// the configured allowlist, the host is resolved once and every address it has must be public
// (unless that host is explicitly allowed to be private), and the connection goes to exactly the
// address that was checked, so a second DNS answer cannot swap it for 127.0.0.1. Redirects are
// followed only to the same origin and only when that URL is allowlisted too.
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { ipScope } from '../../../ioc/classify.js';
import { globMatch } from '../../expression.js';

const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);
const MAX_REDIRECTS = 3;
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'proxy-authorization', 'te', 'trailer']);

export type Lookup = (host: string) => Promise<Array<{ address: string; family: number }>>;

export const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

/** Refused before any byte was sent: the reason says which rule. */
export class RequestRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestRefused';
  }
}

/** The request was sent (or tried) and failed; `retryable` when another attempt may pass. */
export class RequestFailed extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'RequestFailed';
  }
}

export interface SafeRequestOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** URL patterns (`*` wildcards) a request may go to. */
  allow: string[];
  /** Host names or addresses allowed to resolve to private, loopback or link-local addresses. */
  allowPrivate: string[];
  timeoutMs: number;
  maxBytes: number;
  lookup: Lookup;
  signal?: AbortSignal;
}

export interface SafeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
  /** The final URL and the address it was fetched from. */
  url: string;
  address: string;
  redirects: number;
}

function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Why a URL may not be requested (scheme, credentials, allowlist), or undefined. */
export function urlRefusal(raw: string, allow: string[]): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `"${raw.slice(0, 200)}" is not a URL`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `${u.protocol} URLs are not allowed (http and https only)`;
  if (u.username || u.password) return 'URLs with credentials are not allowed (put them in playbooks.actions.http-request.headersEnv)';
  if (!allow.length) return 'no URL is allowed: list the endpoints under playbooks.actions.http-request.allow';
  const href = u.href;
  if (!allow.some((p) => globMatch(href, p))) return `${u.origin}${u.pathname} is not on the allowlist (playbooks.actions.http-request.allow)`;
  return undefined;
}

/** Resolves the host and returns the address to connect to, or throws `RequestRefused`. */
export async function vetHost(host: string, allowPrivate: string[], lookup: Lookup): Promise<{ address: string; family: number }> {
  const name = bare(host).toLowerCase();
  const privateOk = allowPrivate.some((a) => a.toLowerCase() === name);
  if (!privateOk && (METADATA_HOSTS.has(name) || name.endsWith('.internal') || name === 'localhost' || name.endsWith('.localhost'))) {
    throw new RequestRefused(`${name} is an internal or cloud-metadata name`);
  }
  let addrs: Array<{ address: string; family: number }>;
  if (isIP(name)) addrs = [{ address: name, family: isIP(name) }];
  else {
    try {
      addrs = await lookup(name);
    } catch (e) {
      throw new RequestFailed(`cannot resolve ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, true);
    }
  }
  if (!addrs.length) throw new RequestFailed(`${name} has no address`, true);
  for (const a of addrs) {
    const scope = ipScope(a.address);
    if (!scope) throw new RequestRefused(`${name} resolved to "${a.address}", which is not an address`);
    const allowedAddr = allowPrivate.includes(a.address);
    // Every answer must be safe: with several, the client could otherwise be steered to the bad one.
    if (scope !== 'public' && !privateOk && !allowedAddr) throw new RequestRefused(`${name} resolves to ${a.address}, a ${scope} address (list it under playbooks.actions.http-request.allowPrivate to allow it)`);
  }
  return addrs[0]!;
}

function once(o: SafeRequestOptions, url: URL, target: { address: string; family: number }): Promise<Omit<SafeResponse, 'url' | 'address' | 'redirects'>> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.headers)) if (!FORBIDDEN_HEADERS.has(k.toLowerCase())) headers[k] = v;
    if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
    let settled = false;
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(e);
    };
    const req = mod.request(
      url,
      {
        method: o.method,
        headers,
        // Connect to the address that was checked, whatever DNS would say now.
        lookup: ((_h: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
          if (opts?.all) cb(null, [{ address: target.address, family: target.family }]);
          else cb(null, target.address, target.family);
        }) as never,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (c: Buffer) => {
          if (truncated) return;
          size += c.length;
          if (size > o.maxBytes) {
            chunks.push(c.subarray(0, c.length - (size - o.maxBytes)));
            truncated = true;
            res.destroy();
            finish();
            return;
          }
          chunks.push(c);
        });
        const finish = (): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks).toString('utf8'), truncated });
        };
        res.on('end', finish);
        res.on('error', (e) => fail(new RequestFailed(`reading the answer failed: ${e.message}`, true)));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      fail(new RequestFailed(`no answer within ${o.timeoutMs} ms`, true));
    }, o.timeoutMs);
    const onAbort = (): void => {
      req.destroy();
      fail(new RequestFailed('stopped: the step timed out', true));
    };
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => fail(new RequestFailed(`request failed: ${e.message}`, true)));
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

/** Sends one request under the SSRF rules above. */
export async function safeRequest(o: SafeRequestOptions): Promise<SafeResponse> {
  let url = o.url;
  let method = o.method;
  let body = o.body;
  for (let hop = 0; ; hop++) {
    const refusal = urlRefusal(url, o.allow);
    if (refusal) throw new RequestRefused(refusal);
    const u = new URL(url);
    const target = await vetHost(u.hostname, o.allowPrivate, o.lookup);
    const res = await once({ ...o, method, ...(body !== undefined ? { body } : { body: undefined }) } as SafeRequestOptions, u, target);
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location) {
      let next: URL;
      try {
        next = new URL(location, u);
      } catch {
        throw new RequestFailed(`HTTP ${res.status} to an unreadable location`, false);
      }
      if (next.origin !== u.origin) throw new RequestRefused(`HTTP ${res.status} redirect to another host (${next.origin}) was not followed`);
      if (hop >= MAX_REDIRECTS) throw new RequestFailed(`more than ${MAX_REDIRECTS} redirects`, false);
      if (res.status !== 307 && res.status !== 308) {
        method = 'GET';
        body = undefined;
      }
      url = next.href;
      continue;
    }
    return { ...res, url, address: target.address, redirects: hop };
  }
}
