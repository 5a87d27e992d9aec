/** Self-signed certificates for the TLS tests, made by openssl (Debian's, already on the machine). */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Certificate {
  certFile: string;
  keyFile: string;
  /** The certificate, PEM. */
  pem: string;
  /** As node:tls' getPeerCertificate() writes it (AA:BB:…). */
  fingerprint256: string;
  /** base64 SHA-256 of the public key: what Chromium's --ignore-certificate-errors-spki-list takes. */
  spki: string;
}

/**
 * A P-256 certificate for localhost and 127.0.0.1 (and `moreAddresses`, IPs), valid two days, as
 * `NAME-cert.pem` and `NAME-key.pem` in `dir`.
 */
export function makeCertificate(dir: string, name: string, moreAddresses: readonly string[] = []): Certificate {
  const certFile = join(dir, `${name}-cert.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=rallypoint test ${name}`, '-addext', `subjectAltName=${['DNS:localhost', 'IP:127.0.0.1', ...moreAddresses.map((ip) => `IP:${ip}`)].join(',')}`, '-keyout', keyFile, '-out', certFile], { stdio: 'pipe' });
  const pem = readFileSync(certFile, 'utf8');
  const x509 = new X509Certificate(pem);
  const spki = createHash('sha256').update(x509.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  return { certFile, keyFile, pem, fingerprint256: x509.fingerprint256, spki };
}
