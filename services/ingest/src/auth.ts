/**
 * Who may post audit events, and for which cluster. The invariant it owns: a request is attributed to a cluster only
 * if its credentials allow it: a bearer token or a client certificate bound to cluster X can only ever produce events
 * of cluster X, and a request without credentials is accepted only when the config says so explicitly.
 *
 *   credentials             path /k8s-audit            path /k8s-audit/Y
 *   none                    401 (or `default` when      401 (or Y when allowUnauthenticated)
 *                           allowUnauthenticated)
 *   token/cert bound to X   X                           Y == X ? X : 403
 *   cert not bound (mTLS)   `default`                   Y
 *   wrong token, untrusted  403                         403
 *   certificate
 *
 * Tokens are compared in constant time over SHA-256 digests (the digest makes the lengths equal, so timingSafeEqual
 * applies, and every configured token is compared, so the time does not tell which one matched). Tokens are never
 * logged or kept in messages; a principal is named `token#<index>` or `cert:<CN>`. Several tokens may be bound to
 * one cluster (that is how a token is rotated), and token files are read again on reloadTokens() (SIGHUP).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { type PeerCertificate, TLSSocket } from 'node:tls';
import { PeregrineError } from '@peregrine/core';
import { CLUSTER_NAME_PATTERN, type IngestConfig } from './config.js';
import type { IngestErrorCode } from './errors.js';

/** The cluster of events whose request names none and whose credentials are bound to none. */
export const DEFAULT_CLUSTER = 'default';

const CLUSTER_NAME = new RegExp(CLUSTER_NAME_PATTERN);

export type AuthDecision =
  | { readonly ok: true; readonly cluster: string; readonly principal: string }
  | {
    readonly ok: false;
    readonly status: 400 | 401 | 403;
    readonly code: IngestErrorCode;
    /** Label of the rejection metric. */
    readonly reason: 'unauthenticated' | 'forbidden' | 'bad_cluster';
    readonly message: string;
  };

interface TokenEntry {
  readonly digest: Buffer;
  readonly cluster: string;
  readonly principal: string;
}

interface CertIdentity {
  readonly trusted: boolean;
  readonly principal: string;
  /** The cluster the certificate is bound to, if its CN or a SAN is in clientCertClusters. */
  readonly cluster: string | undefined;
}

export class Authenticator {
  /** Replaced as a whole by reloadTokens(), never mutated: a request sees the old list or the new one. */
  #tokens: readonly TokenEntry[];
  readonly #tokenConfig: IngestConfig['auth']['tokens'];
  readonly #certClusters: ReadonlyMap<string, string>;
  readonly #allowUnauthenticated: boolean;
  readonly #mtls: boolean;
  /** Certificates are per connection: parse each once, not once per request. */
  readonly #certCache = new WeakMap<TLSSocket, CertIdentity | null>();

  /**
   * Reads token files (synchronously; a missing or empty file is PG_ERR_CONFIG) and checks the auth section against
   * the listener: client-certificate bindings need mTLS. `mtls` says whether the listener asks for client certificates.
   */
  constructor(auth: IngestConfig['auth'], options: { readonly mtls: boolean }) {
    this.#mtls = options.mtls;
    this.#allowUnauthenticated = auth.allowUnauthenticated;
    this.#tokenConfig = auth.tokens;
    this.#tokens = loadTokens(auth.tokens);
    this.#certClusters = new Map(Object.entries(auth.clientCertClusters));
    if (this.#certClusters.size > 0 && !this.#mtls) {
      throw new PeregrineError('PG_ERR_CONFIG', 'auth.clientCertClusters needs client certificates: set tls.ca (mTLS)');
    }
  }

  /**
   * Reads the token files again (SIGHUP), so that a token can be rotated without a restart: list the new token beside
   * the old one for the same cluster, reload, move the apiservers over, then drop the old one and reload again. The
   * entries themselves (how many, which cluster) are the config's and do not change. All or nothing: when a file
   * cannot be read or a token is refused, this throws PG_ERR_CONFIG and the current tokens stay in force.
   * Returns how many tokens are in force.
   */
  reloadTokens(): number {
    this.#tokens = loadTokens(this.#tokenConfig);
    return this.#tokens.length;
  }

  /** Whether any request could ever present acceptable credentials (tokens configured, or mTLS). */
  get hasCredentials(): boolean {
    return this.#tokens.length > 0 || this.#mtls;
  }

  get allowsUnauthenticated(): boolean {
    return this.#allowUnauthenticated;
  }

  /**
   * Decides one request: `authorization` is its Authorization header, `socket` its connection (for the client
   * certificate), `pathCluster` the cluster named in the path, if any. Synchronous and cheap (one SHA-256 per token
   * presented; the certificate is parsed once per connection).
   */
  authenticate(authorization: string | undefined, socket: Socket, pathCluster: string | undefined): AuthDecision {
    let bound: string | undefined;
    let principal: string | undefined;

    if (authorization !== undefined) {
      const token = bearer(authorization);
      if (token === undefined) {
        return deny(401, 'PG_ERR_INGEST_UNAUTHENTICATED', 'unauthenticated', 'unsupported authorization scheme: use Bearer');
      }
      const entry = this.#match(token);
      if (entry === undefined) return deny(403, 'PG_ERR_INGEST_FORBIDDEN', 'forbidden', 'invalid bearer token');
      bound = entry.cluster;
      principal = entry.principal;
    }

    const cert = this.#mtls ? this.#certIdentity(socket) : null;
    if (cert) {
      if (!cert.trusted) return deny(403, 'PG_ERR_INGEST_FORBIDDEN', 'forbidden', 'client certificate not trusted');
      if (cert.cluster !== undefined) {
        if (bound !== undefined && bound !== cert.cluster) {
          return deny(403, 'PG_ERR_INGEST_FORBIDDEN', 'forbidden', 'the token and the client certificate are bound to different clusters');
        }
        bound = cert.cluster;
      }
      principal = principal === undefined ? cert.principal : `${principal}+${cert.principal}`;
    }

    if (principal === undefined) {
      if (!this.#allowUnauthenticated) {
        return deny(401, 'PG_ERR_INGEST_UNAUTHENTICATED', 'unauthenticated', 'credentials required: a bearer token or a client certificate');
      }
      principal = 'anonymous';
    }

    if (pathCluster === undefined) return { ok: true, cluster: bound ?? DEFAULT_CLUSTER, principal };
    if (bound !== undefined && bound !== pathCluster) {
      return deny(403, 'PG_ERR_INGEST_FORBIDDEN', 'forbidden', 'these credentials may not post events for the cluster in the path');
    }
    if (!CLUSTER_NAME.test(pathCluster)) {
      return deny(400, 'PG_ERR_INGEST_BAD_CLUSTER', 'bad_cluster', `the cluster in the path must match ${CLUSTER_NAME_PATTERN}`);
    }
    return { ok: true, cluster: pathCluster, principal };
  }

  #match(token: string): TokenEntry | undefined {
    const digest = sha256(token);
    let found: TokenEntry | undefined;
    // No early exit: every configured token is compared, so timing does not depend on which one matched.
    for (const entry of this.#tokens) {
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry;
    }
    return found;
  }

  #certIdentity(socket: Socket): CertIdentity | null {
    if (!(socket instanceof TLSSocket)) return null;
    const cached = this.#certCache.get(socket);
    if (cached !== undefined) return cached;
    const cert = socket.getPeerCertificate();
    let identity: CertIdentity | null = null;
    if (cert && Object.keys(cert).length > 0) {
      const names = certNames(cert);
      const cluster = names.map((name) => this.#certClusters.get(name)).find((c) => c !== undefined);
      identity = { trusted: socket.authorized, principal: `cert:${names[0] ?? '?'}`, cluster };
    }
    this.#certCache.set(socket, identity);
    return identity;
  }
}

function deny(
  status: 400 | 401 | 403, code: IngestErrorCode, reason: 'unauthenticated' | 'forbidden' | 'bad_cluster', message: string,
): AuthDecision {
  return { ok: false, status, code, reason, message };
}

/** The token of a `Bearer <token>` header (scheme case-insensitive, RFC 7235), else undefined. */
function bearer(header: string): string | undefined {
  const m = /^bearer +(\S+) *$/i.exec(header);
  return m?.[1];
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Every configured token as a digest bound to its cluster; throws PG_ERR_CONFIG for an unusable one. */
function loadTokens(entries: IngestConfig['auth']['tokens']): TokenEntry[] {
  const seen = new Map<string, string>();
  return entries.map((entry, index) => {
    const token = readToken(entry, index);
    const digest = sha256(token);
    const key = digest.toString('hex');
    const other = seen.get(key);
    if (other !== undefined && other !== entry.cluster) {
      throw new PeregrineError('PG_ERR_CONFIG', `auth.tokens[${index}]: the same token is bound to clusters '${other}' and '${entry.cluster}'`);
    }
    seen.set(key, entry.cluster);
    return { digest, cluster: entry.cluster, principal: `token#${index}` };
  });
}

function readToken(entry: IngestConfig['auth']['tokens'][number], index: number): string {
  if ((entry.token === undefined) === (entry.tokenFile === undefined)) {
    throw new PeregrineError('PG_ERR_CONFIG', `auth.tokens[${index}]: set exactly one of token and tokenFile`);
  }
  let token = entry.token;
  if (token === undefined) {
    try {
      token = readFileSync(entry.tokenFile!, 'utf8').trim();
    } catch (err) {
      throw new PeregrineError('PG_ERR_CONFIG',
        `auth.tokens[${index}]: cannot read tokenFile ${entry.tokenFile}: ${(err as NodeJS.ErrnoException).code}`, { cause: err });
    }
  }
  // A bearer token is one HTTP token (RFC 6750 b64token): whitespace could never be presented.
  if (token.length === 0 || /\s/.test(token)) {
    throw new PeregrineError('PG_ERR_CONFIG', `auth.tokens[${index}]: the token must be one word without whitespace`);
  }
  return token;
}

/** The certificate's names, in the order they are looked up: subject CN(s), then the SANs. */
function certNames(cert: PeerCertificate): string[] {
  const names: string[] = [];
  const cn = (cert.subject as unknown as Record<string, string | string[] | undefined> | undefined)?.['CN'];
  if (typeof cn === 'string') names.push(cn);
  else if (Array.isArray(cn)) names.push(...cn);
  // subjectaltname: "DNS:a.example, IP Address:10.0.0.1, URI:spiffe://x"; values with a comma come JSON-quoted.
  for (const m of (cert.subjectaltname ?? '').matchAll(/(?:^|, )(?:DNS|IP Address|URI|email):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const raw = m[1]!;
    try {
      names.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
    } catch {
      // A malformed quoted name cannot match a configured name: skip it.
    }
  }
  return names;
}
