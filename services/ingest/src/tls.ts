/**
 * The HTTPS listener's options, read from the files named in `tls`. The invariant it owns: client certificates are
 * requested exactly when a CA to check them against is configured, and they are *checked* by auth.ts, per request,
 * rather than by the TLS handshake (`rejectUnauthorized: false`). That keeps token-only clients working on an mTLS
 * listener and turns a bad certificate into a counted, logged 403 instead of an anonymous handshake failure.
 */
import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import { PeregrineError } from '@peregrine/core';
import type { IngestConfig } from './config.js';

export interface TlsSetup {
  readonly options: ServerOptions;
  /** Whether the listener asks clients for a certificate. */
  readonly mtls: boolean;
}

/** Reads the PEM files (synchronously); a missing file or a CA-less mTLS request is PG_ERR_CONFIG. */
export function loadTls(tls: IngestConfig['tls']): TlsSetup | undefined {
  if (tls === undefined) return undefined;
  const mtls = tls.requestClientCert ?? tls.ca !== undefined;
  if (mtls && tls.ca === undefined) {
    throw new PeregrineError('PG_ERR_CONFIG', 'tls.requestClientCert needs tls.ca (the CA client certificates must chain to)');
  }
  const options: ServerOptions = {
    cert: readPem(tls.cert, 'tls.cert'),
    key: readPem(tls.key, 'tls.key'),
    minVersion: 'TLSv1.2',
  };
  if (tls.ca !== undefined) options.ca = readPem(tls.ca, 'tls.ca');
  if (mtls) {
    options.requestCert = true;
    options.rejectUnauthorized = false;
  }
  return { options, mtls };
}

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new PeregrineError('PG_ERR_CONFIG', `${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`, { cause: err });
  }
}
