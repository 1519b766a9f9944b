import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { VigilError } from '../core/errors.js';
import { ipScope } from '../ioc/classify.js';

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface DownloadOptions {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** No byte for this long (or the whole download longer than 20×) fails it. */
  idleTimeoutMs?: number;
  /** Name resolution, replaceable in tests. */
  lookup?: typeof dnsLookup;
}

export function isFeedUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function refuse(url: URL, addr: string, from: string): VigilError {
  return new VigilError('VIGIL_INPUT_INVALID', `${from} redirected to ${url.host} (${addr}, a ${ipScope(addr) ?? 'non-public'} address); refused, a feed may only redirect to public addresses`, { file: from });
}

/**
 * Downloads a feed the user named on the command line. The first URL may point anywhere (an
 * internal MISP, a file server): the user chose it. Redirects are followed by hand (at most 5), and
 * a redirect to another host is refused when that host is or resolves to a private, loopback,
 * link-local or reserved address — checked on the address actually connected to, so DNS rebinding
 * does not get around it. The body is capped at `maxBytes`.
 */
export async function downloadFeed(url: string, opts: DownloadOptions): Promise<{ text: string; url: string }> {
  const first = new URL(url);
  let current = first;
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') throw new VigilError('VIGIL_INPUT_INVALID', `${url}: only http and https feeds can be downloaded (got ${current.protocol})`, { file: url });
    const guarded = current.host !== first.host;
    const host = bare(current.hostname);
    if (guarded && isIP(host) && ipScope(host) !== 'public') throw refuse(current, host, url);
    const res = await get(current, guarded, url, opts);
    const status = res.statusCode ?? 0;
    if (REDIRECTS.has(status)) {
      res.resume();
      const loc = res.headers.location;
      if (!loc) throw new VigilError('VIGIL_INPUT_INVALID', `${url}: HTTP ${status} without a Location header`, { file: url });
      if (hop >= MAX_REDIRECTS) throw new VigilError('VIGIL_INPUT_INVALID', `${url}: more than ${MAX_REDIRECTS} redirects`, { file: url });
      current = new URL(loc, current);
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new VigilError('VIGIL_INPUT_NOT_FOUND', `${url}: HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`, { file: url, retryable: status >= 500 || status === 429 });
    }
    return { text: await readBody(res, url, opts.maxBytes), url: current.href };
  }
}

function get(u: URL, guarded: boolean, from: string, opts: DownloadOptions): Promise<IncomingMessage> {
  const resolve = opts.lookup ?? dnsLookup;
  // Runs at connect time for host names: the address checked is the address used.
  const safeLookup = (hostname: string, o: { all?: boolean } & object, cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    resolve(hostname, { ...o, all: true }, (err, addrs: LookupAddress[]) => {
      if (err) return cb(err, '');
      const bad = addrs.find((a) => ipScope(a.address) !== 'public');
      if (guarded && bad) return cb(refuse(u, bad.address, from) as unknown as NodeJS.ErrnoException, '');
      if (o.all) return cb(null, addrs);
      return cb(null, addrs[0]!.address, addrs[0]!.family);
    });
  };
  const idle = opts.idleTimeoutMs ?? 30_000;
  return new Promise((resolveRes, reject) => {
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'GET', headers: { 'user-agent': 'vigil/0.1 (feed import)', accept: '*/*' }, lookup: safeLookup as never, timeout: idle }, resolveRes);
    const total = setTimeout(() => req.destroy(new VigilError('VIGIL_INPUT_INVALID', `${from}: download took longer than ${Math.round((idle * 20) / 1000)} s`, { file: from })), idle * 20);
    req.on('timeout', () => req.destroy(new VigilError('VIGIL_INPUT_INVALID', `${from}: no data for ${Math.round(idle / 1000)} s`, { file: from })));
    req.on('error', (e) => {
      clearTimeout(total);
      reject(e instanceof VigilError ? e : new VigilError('VIGIL_INPUT_NOT_FOUND', `${from}: cannot download: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { file: from, cause: e }));
    });
    req.on('response', (res) => {
      res.on('end', () => clearTimeout(total));
      res.on('close', () => clearTimeout(total));
    });
    req.end();
  });
}

function readBody(res: IncomingMessage, from: string, maxBytes: number): Promise<string> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    return Promise.reject(new VigilError('VIGIL_INPUT_TOO_LARGE', `${from}: ${declared} bytes is over the ${maxBytes}-byte feed limit`, { file: from }));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    res.on('data', (c: Buffer) => {
      total += c.length;
      if (total > maxBytes) {
        res.destroy();
        reject(new VigilError('VIGIL_INPUT_TOO_LARGE', `${from}: more than the ${maxBytes}-byte feed limit`, { file: from }));
        return;
      }
      chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', (e) => reject(new VigilError('VIGIL_INPUT_NOT_FOUND', `${from}: download cut off: ${e.message}`, { file: from, cause: e })));
  });
}
