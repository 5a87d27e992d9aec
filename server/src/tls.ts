/**
 * The lobby over TLS: the certificate and key read from files (`--tls-cert`, `--tls-key`),
 * checked together before they are used, and read again on SIGHUP (a renewed certificate, from
 * certbot say) without a restart, so no room is dropped. https and wss share the one port.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/** Where the certificate (PEM, with its chain) and its private key (PEM) are. */
export interface TlsFiles {
  /** PEM certificate, its chain after it (Let's Encrypt's `fullchain.pem`). */
  certFile: string;
  /** PEM private key of that certificate (`privkey.pem`). */
  keyFile: string;
}

/** What an https server is given: the PEM bytes. */
export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
}

/** A certificate or key that cannot be used: unreadable, not PEM, or not a pair. Says which file and why. */
export class TlsFilesError extends Error {
  override name = 'TlsFilesError';
}

/**
 * Read both files and check that they make a working pair (Node builds the TLS context it will
 * use): any problem is a `TlsFilesError` naming the file, before a socket is opened with them.
 */
export function readTlsFiles(files: TlsFiles): TlsCredentials {
  const cert = readPem(files.certFile, 'certificate');
  const key = readPem(files.keyFile, 'private key');
  try {
    createSecureContext({ cert, key });
  } catch (cause) {
    const code = (cause as { code?: string }).code ?? '';
    const why = /KEY_VALUES_MISMATCH/.test(code)
      ? `the key in ${files.keyFile} is not the key of the certificate in ${files.certFile}`
      : /PEM|ASN1|DECODER|NO_START_LINE|BAD_BASE64/.test(code) || /PEM|ASN1|decoder/i.test((cause as Error).message)
        ? `${files.certFile} or ${files.keyFile} is not a PEM certificate and key (${(cause as Error).message})`
        : `${files.certFile} and ${files.keyFile} do not make a TLS certificate and key: ${(cause as Error).message}`;
    throw new TlsFilesError(why, { cause });
  }
  return { cert, key };
}

function readPem(file: string, what: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (cause) {
    throw new TlsFilesError(`cannot read the TLS ${what} at ${file}: ${(cause as Error).message}`, { cause });
  }
  if (!bytes.includes('-----BEGIN')) throw new TlsFilesError(`the TLS ${what} at ${file} is not PEM (no -----BEGIN line)`);
  return bytes;
}
