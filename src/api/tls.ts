// HTTPS for `vigil serve`: the certificate and key come from files, are checked before the server
// listens, and are read again on SIGHUP (a renewal by certbot or an internal CA) without closing
// the listener: connections already open keep their session, new handshakes get the new pair.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { VigilError } from '../core/errors.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** A certificate pair read from its files and known to work together. */
export interface TlsPair {
  cert: Buffer;
  key: Buffer;
  /** The leaf certificate's subject and end of validity, for the messages that say what was loaded. */
  subject: string;
  validTo: string;
}

function readPem(file: string, field: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new VigilError('VIGIL_CONFIG_INVALID', `cannot read the TLS ${what}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { file, field, cause: e });
  }
}

/**
 * Reads the pair and checks it the way the server will use it: each file must hold PEM, and the
 * key must belong to the certificate. Errors name the file and the reason.
 */
export function readTlsPair(files: TlsFiles): TlsPair {
  const cert = readPem(files.certFile, 'server.tls.certFile', 'certificate');
  const key = readPem(files.keyFile, 'server.tls.keyFile', 'key');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (e) {
    throw new VigilError('VIGIL_CONFIG_INVALID', `not a PEM certificate: ${(e as Error).message}`, { file: files.certFile, field: 'server.tls.certFile', cause: e });
  }
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    const mismatch = /key values mismatch/i.test((e as Error).message);
    throw new VigilError(
      'VIGIL_CONFIG_INVALID',
      mismatch ? `the key does not belong to the certificate ${files.certFile}` : `not a usable PEM private key: ${(e as Error).message}`,
      { file: files.keyFile, field: 'server.tls.keyFile', cause: e },
    );
  }
  return { cert, key, subject: leaf.subject.replaceAll('\n', ', '), validTo: new Date(leaf.validTo).toISOString() };
}

/** The HTTPS server Fastify runs on, and the way to swap its certificate in place. */
export interface TlsServer {
  /** For Fastify's `serverFactory`. */
  factory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => HttpsServer;
  /** The pair in use. */
  readonly current: TlsPair;
  /** Reads the files again; the server switches only when the new pair is valid, otherwise it keeps the old one and this throws. */
  reload(): TlsPair;
}

export function tlsServer(files: TlsFiles): TlsServer {
  let current = readTlsPair(files);
  let server: HttpsServer | undefined;
  return {
    factory: (handler) => (server = createHttpsServer({ cert: current.cert, key: current.key }, handler)),
    get current() {
      return current;
    },
    reload() {
      const next = readTlsPair(files);
      server?.setSecureContext({ cert: next.cert, key: next.key });
      current = next;
      return next;
    },
  };
}

const HOST_HEADER = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * Where a plain-HTTP request is sent: the same path under `publicUrl` when it is set, otherwise on
 * the host the client asked for at the HTTPS port. A Host header that is not a plain host name or
 * address gets no redirect (undefined), so the answer never points somewhere a header made up.
 */
export function httpsLocation(req: { url?: string | undefined; headers: { host?: string | undefined } }, o: { publicUrl?: string | undefined; httpsPort: number }): string | undefined {
  const path = req.url && req.url.startsWith('/') && req.url.length <= 8192 ? req.url : '/';
  if (o.publicUrl) return `${o.publicUrl.replace(/^http:/, 'https:')}${path}`;
  const host = req.headers.host;
  if (!host || !HOST_HEADER.test(host)) return undefined;
  const name = host.replace(/:\d+$/, '');
  return `https://${name}${o.httpsPort === 443 ? '' : `:${o.httpsPort}`}${path}`;
}

/** A plain-HTTP listener that answers every request with 308 to its HTTPS address (308 keeps a webhook's POST a POST). */
export async function listenRedirect(o: { host: string; port: number; httpsPort: number; publicUrl?: string | undefined }): Promise<HttpServer> {
  const server = createHttpServer((req, res) => {
    const location = httpsLocation(req, o);
    if (!location) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('Use HTTPS.\n');
      return;
    }
    res.writeHead(308, { location, 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(`Use HTTPS: ${location}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new VigilError('VIGIL_CONFIG_INVALID', e.code === 'EADDRINUSE' ? `port ${o.port} on ${o.host} (the HTTP redirect) is already in use` : `cannot listen on ${o.host}:${o.port} for the HTTP redirect: ${e.message}`, { field: 'server.tls.redirectPort', cause: e })),
    );
    server.listen(o.port, o.host, () => resolve());
  });
  return server;
}
