/**
 * The ingest service's configuration schema (the `ingest:` section of the Peregrine config). Load it with core's
 * `loadConfig(IngestConfig, raw)`, which fills the defaults, rejects unknown keys and freezes the result. Checks that
 * need more than one key (is this listener exposed without authentication?) are in `exposure.ts`, run by buildIngest.
 */
import { type Static, Type } from '@sinclair/typebox';

/** Cluster names go into Kafka keys and headers and into URL paths: a conservative, DNS-label-like alphabet. */
export const CLUSTER_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$';
const ClusterName = Type.String({ pattern: CLUSTER_NAME_PATTERN });

const TokenEntry = Type.Object({
  token: Type.Optional(Type.String({
    minLength: 1,
    description: 'The bearer token itself (prefer tokenFile: config files end up in places secrets should not).',
  })),
  tokenFile: Type.Optional(Type.String({
    minLength: 1,
    description: 'A file holding the token (surrounding whitespace is ignored), read again on SIGHUP. Exactly one of ' +
      'token and tokenFile.',
  })),
  cluster: Type.String({
    pattern: CLUSTER_NAME_PATTERN,
    description: 'The cluster whose apiserver holds this token: its events are attributed to it, and it may post for ' +
      'no other. A cluster may have several tokens (rotation).',
  }),
}, { additionalProperties: false });

const Auth = Type.Object({
  tokens: Type.Array(TokenEntry, {
    default: [], description: 'Bearer tokens ingest accepts, each bound to the cluster it may post for.',
  }),
  allowUnauthenticated: Type.Boolean({
    default: false,
    description: 'Accept requests that carry no credentials at all (a wrong credential is still refused). ' +
      '`peregrine run` with no tokens and no `tls.ca` sets it (loopback only, unless `insecure`).',
  }),
  clientCertClusters: Type.Record(Type.String({ minLength: 1 }), ClusterName, {
    default: {},
    description: 'Client-certificate identity (subject CN, or a DNS/URI/IP/email SAN) -> cluster. A certificate not ' +
      'listed here, but signed by `tls.ca`, may post for any cluster (from the path, else `default`).',
  }),
}, { additionalProperties: false, default: {}, description: 'Who may post audit events, and for which cluster.' });

const Tls = Type.Object({
  cert: Type.String({ minLength: 1, description: 'PEM certificate (chain) file of the listener.' }),
  key: Type.String({ minLength: 1, description: 'PEM private key file of the listener.' }),
  ca: Type.Optional(Type.String({
    minLength: 1, description: 'PEM CA bundle file that client certificates must chain to (enables mTLS).',
  })),
  requestClientCert: Type.Optional(Type.Boolean({
    description: 'Ask clients for a certificate. Default: true when `ca` is set. Requires `ca`.',
  })),
}, { additionalProperties: false, description: 'HTTPS (and mTLS with `ca`). Unset: the listener is plain HTTP.' });

export const IngestConfig = Type.Object({
  listen: Type.String({
    default: '127.0.0.1:8765',
    description: '`host:port` of the listener (`[::1]:8765` for IPv6). Port 0 picks a free port.',
  }),
  path: Type.String({
    pattern: '^/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$', default: '/k8s-audit',
    description: 'The webhook route; `<path>/<cluster>` names the cluster. 8765 and /k8s-audit are Falco\'s legacy ' +
      'defaults.',
  }),
  maxBodyBytes: Type.Integer({
    minimum: 1, default: 64 * 1024 * 1024,
    description: 'Largest accepted body (413 above). 64 MiB: the apiserver\'s 400-event batches are not bounded by its ' +
      '10 MiB truncation.',
  }),
  auth: Auth,
  tls: Type.Optional(Tls),
  insecure: Type.Boolean({
    default: false,
    description: 'Allow a non-loopback listener without TLS, or one that accepts unauthenticated requests (warned at ' +
      'every start). Configured tokens and client certificates stay required.',
  }),
  retryAfterSeconds: Type.Integer({
    minimum: 0, default: 5, description: '`Retry-After` of a 503 (bus unavailable or full).',
  }),
  requestTimeoutMs: Type.Integer({
    minimum: 0, default: 60_000,
    description: 'Time allowed to receive a whole request (headers and body); 0 disables.',
  }),
  busWriteTimeoutMs: Type.Integer({
    minimum: 1, default: 25_000,
    description: 'How long a request waits for the bus to acknowledge before it is answered 503. 25 s: below the ' +
      'apiserver\'s 30 s request timeout, so that it sees a retryable answer rather than its own timeout. The write ' +
      'may still land later; the apiserver\'s retry then duplicates it (delivery is at-least-once).',
  }),
}, { additionalProperties: false });

export type IngestConfig = Static<typeof IngestConfig>;
