/**
 * Whether a listener may start as configured. The invariant it owns: nothing listens beyond the loopback interface in
 * plain text or accepting unauthenticated requests unless the config says `insecure: true`, and a listener that could
 * never accept a request (no tokens, no mTLS, unauthenticated requests refused) does not start at all.
 */
import { isLoopback, PeregrineError } from '@peregrine/core';

export interface Exposure {
  readonly host: string;
  readonly tls: boolean;
  readonly hasCredentials: boolean;
  readonly allowUnauthenticated: boolean;
  readonly insecure: boolean;
}

/**
 * Throws PG_ERR_CONFIG when the listener must not start; returns a warning to log at start when it may only because of
 * `insecure: true`, else undefined.
 */
export function checkExposure(e: Exposure): string | undefined {
  if (!e.hasCredentials && !e.allowUnauthenticated) {
    throw new PeregrineError('PG_ERR_CONFIG',
      'ingest could never accept a request: configure auth.tokens or mTLS (tls.ca), or set auth.allowUnauthenticated: true');
  }
  if (isLoopback(e.host)) return undefined;
  const risks: string[] = [];
  if (!e.tls) risks.push('plain HTTP (tokens and audit events cross the network in clear)');
  if (e.allowUnauthenticated) risks.push('requests without credentials are accepted');
  if (risks.length === 0) return undefined;
  const what = `listening on ${e.host}, a non-loopback address, with ${risks.join(' and ')}`;
  if (!e.insecure) {
    throw new PeregrineError('PG_ERR_CONFIG', `refusing to start ${what}: configure tls and auth, or set insecure: true to accept the risk`);
  }
  return `insecure: ${what}`;
}

// Shared with the alerts UI (@peregrine/core): re-exported, as this module has always offered them.
export { checkResolvesToLoopback, isLoopback, type Resolve } from '@peregrine/core';
