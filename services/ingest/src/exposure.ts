/**
 * Whether a listener may start as configured. The invariant it owns: nothing listens beyond the loopback interface in
 * plain text or accepting unauthenticated requests unless the config says `insecure: true`, and a listener that could
 * never accept a request (no tokens, no mTLS, unauthenticated requests refused) does not start at all.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PeregrineError } from '@peregrine/core';

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

/** 127.0.0.0/8, ::1 (also as IPv4-mapped) and `localhost`; anything else, names included, counts as exposed. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h) || /^::ffff:127\./.test(h);
  return false;
}

export type Resolve = (host: string) => Promise<readonly string[]>;

const resolveAll: Resolve = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * The one name isLoopback trusts, `localhost`, is trusted by name when the config is checked; just before listening
 * it is resolved the way the listener will resolve it, and a resolution that includes a non-loopback address (a
 * hosts file that says otherwise) refuses the start: the check above would have been wrong. IP addresses and other
 * names need no resolution (the former are judged as they are, the latter always count as exposed).
 */
export async function checkResolvesToLoopback(host: string, resolve: Resolve = resolveAll): Promise<void> {
  if (isIP(host) !== 0 || !isLoopback(host)) return;
  let addresses: readonly string[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    throw new PeregrineError('PG_ERR_CONFIG', `cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? 'failed'}`, { cause: err });
  }
  const exposed = addresses.filter((a) => !isLoopback(a));
  if (exposed.length > 0) {
    throw new PeregrineError('PG_ERR_CONFIG',
      `refusing to start: ${host} resolves to ${exposed.join(', ')}, not a loopback address; listen on an IP address instead`);
  }
}
