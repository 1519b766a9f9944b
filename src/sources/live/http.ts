import http from 'node:http';
import https from 'node:https';
import { VigilError } from '../../core/errors.js';

export interface HttpOptions {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxResponseBytes: number;
  /** PEM CA bundle the server certificate must chain to (a private indexer CA). */
  ca?: Buffer;
  /** Skip certificate checks (a lab with a self-signed indexer); never the default. */
  insecure?: boolean;
  signal?: AbortSignal;
  agent?: http.Agent;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One request through node:http(s): global fetch on Node 20 cannot take a CA file without undici's
 * dispatcher, and this needs nothing beyond the standard library. The body is capped at maxResponseBytes.
 */
export function request(url: URL, o: HttpOptions): Promise<HttpResponse> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method: o.method,
        headers: { ...o.headers, ...(o.body !== undefined && { 'content-length': String(Buffer.byteLength(o.body)) }) },
        timeout: o.timeoutMs,
        ...(o.agent && { agent: o.agent }),
        ...(url.protocol === 'https:' && { ...(o.ca && { ca: o.ca }), rejectUnauthorized: !o.insecure }),
        ...(o.signal && { signal: o.signal }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > o.maxResponseBytes) {
            res.destroy();
            reject(new VigilError('VIGIL_INPUT_TOO_LARGE', `the response from ${url.host} is larger than ${o.maxResponseBytes} bytes; lower pageSize or raise maxResponseBytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, size).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.host} within ${o.timeoutMs} ms`)));
    req.on('error', (e) => reject(e));
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}
