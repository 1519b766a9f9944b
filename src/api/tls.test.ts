import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveOpenssl, makeCert, requireOpensslInCi } from '../../test/helpers/tls.js';
import { httpsLocation, listenRedirect, readTlsPair } from './tls.js';

requireOpensslInCi();
const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(haveOpenssl)('reading the certificate and key', () => {
  it('reads a matching pair and says what it is', () => {
    const a = makeCert(dir, 'a', 'vigil.example.org');
    expect(readTlsPair(a)).toMatchObject({ subject: 'CN=vigil.example.org', validTo: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('names the file and the reason: missing, not PEM, or a key of another certificate', () => {
    const a = makeCert(dir, 'a2');
    const b = makeCert(dir, 'b2');
    expect(() => readTlsPair({ certFile: join(dir, 'none.pem'), keyFile: a.keyFile })).toThrow(expect.objectContaining({ code: 'VIGIL_CONFIG_INVALID', field: 'server.tls.certFile', file: join(dir, 'none.pem'), message: 'cannot read the TLS certificate: no such file' }));
    writeFileSync(join(dir, 'junk.pem'), 'not a certificate\n');
    expect(() => readTlsPair({ certFile: join(dir, 'junk.pem'), keyFile: a.keyFile })).toThrow(expect.objectContaining({ field: 'server.tls.certFile', file: join(dir, 'junk.pem'), message: expect.stringContaining('not a PEM certificate') }));
    expect(() => readTlsPair({ certFile: a.certFile, keyFile: join(dir, 'junk.pem') })).toThrow(expect.objectContaining({ field: 'server.tls.keyFile', file: join(dir, 'junk.pem'), message: expect.stringContaining('not a usable PEM private key') }));
    expect(() => readTlsPair({ certFile: a.certFile, keyFile: b.keyFile })).toThrow(expect.objectContaining({ field: 'server.tls.keyFile', file: b.keyFile, message: `the key does not belong to the certificate ${a.certFile}` }));
  });
});

describe('the HTTP → HTTPS redirect', () => {
  it('keeps the path and query, on the public address when there is one', () => {
    expect(httpsLocation({ url: '/api/cases?limit=5', headers: { host: 'vigil.corp:80' } }, { httpsPort: 443 })).toBe('https://vigil.corp/api/cases?limit=5');
    expect(httpsLocation({ url: '/', headers: { host: '10.0.0.5:8081' } }, { httpsPort: 8443 })).toBe('https://10.0.0.5:8443/');
    expect(httpsLocation({ url: '/x', headers: { host: '[::1]:8081' } }, { httpsPort: 8443 })).toBe('https://[::1]:8443/x');
    expect(httpsLocation({ url: '/x', headers: { host: 'evil.example' } }, { httpsPort: 8443, publicUrl: 'https://vigil.example.org/soc' })).toBe('https://vigil.example.org/soc/x');
  });

  it('makes up no address from a Host header that is not a host', () => {
    for (const host of [undefined, '', 'a b', 'evil.example/path', 'x@evil.example', '"quoted"']) {
      expect(httpsLocation({ url: '/', headers: { host } }, { httpsPort: 8443 }), String(host)).toBeUndefined();
    }
    // A request line that is not a path does not leak into the answer.
    expect(httpsLocation({ url: 'http://evil.example/', headers: { host: 'vigil.corp' } }, { httpsPort: 443 })).toBe('https://vigil.corp/');
  });

  it('answers 308, which keeps a webhook POST a POST', async () => {
    const server = await listenRedirect({ host: '127.0.0.1', port: 0, httpsPort: 8443 });
    const port = (server.address() as { port: number }).port;
    try {
      const res = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/ingest/wazuh', method: 'POST', headers: { host: 'vigil.corp:8081' } }, (r) => {
          r.resume();
          resolve({ status: r.statusCode!, location: r.headers.location });
        });
        req.on('error', reject);
        req.end('{}');
      });
      expect(res).toEqual({ status: 308, location: 'https://vigil.corp:8443/ingest/wazuh' });
    } finally {
      server.close();
    }
  });
});
