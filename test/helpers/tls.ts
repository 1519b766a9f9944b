// Self-signed certificates for the TLS tests, made on the spot with openssl (Node cannot issue an
// X.509 certificate itself). Valid for 127.0.0.1 and localhost, so clients verify them for real.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const haveOpenssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;

/** Under CI a missing openssl is a failure, not a skip. */
export function requireOpensslInCi(): void {
  if (process.env.CI === 'true' && !haveOpenssl) throw new Error('CI=true but openssl is not installed: the TLS tests cannot make their certificates');
}

export interface TestCert {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/** A P-256 key and a self-signed certificate with the common name `cn`, written into `dir` as `<name>.cert.pem` and `<name>.key.pem`. */
export function makeCert(dir: string, name: string, cn = name): TestCert {
  const certFile = join(dir, `${name}.cert.pem`);
  const keyFile = join(dir, `${name}.key.pem`);
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl could not make a certificate: ${r.stderr}`);
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
