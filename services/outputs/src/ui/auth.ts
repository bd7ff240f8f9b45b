/**
 * Who may read the alerts UI. Alert contents are sensitive (the audit log's users, objects, sometimes secrets' names),
 * so the invariant is: **no request is answered with alert data unless it is authorised**, where authorised means
 *
 * - with tokens configured: an `Authorization: Bearer <token>` header, or the session cookie that the login form sets
 *   (a browser cannot put a header on the page's own requests or on an EventSource). The cookie holds an HMAC of the
 *   token, never the token; it is HttpOnly and SameSite=Strict.
 * - without tokens (allowed by exposure.ts on loopback, or with `insecure`): any request whose `Host` header the
 *   `hostAllowed` check accepts. On a loopback listener that check accepts loopback names only, which is what stops
 *   DNS rebinding (a web page whose own host name resolves to 127.0.0.1 reading the UI through the visitor's browser).
 *
 * Tokens and cookies are compared in constant time over SHA-256 digests, against every token, so timing says neither
 * how much was right nor which token matched.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'peregrine_ui';

export interface UiAuth {
  /** Whether tokens are configured (then the login form is served). */
  readonly required: boolean;
  /** Whether the request may read alerts. */
  allows(req: IncomingMessage): boolean;
  /** Whether `token` is one of the configured tokens. */
  isToken(token: string): boolean;
  /**
   * The Set-Cookie value that authorises a browser holding `token` (call only after isToken). It has no Path: the
   * browser scopes it to the login form's directory, /ui/ or wherever a proxy put it.
   */
  sessionCookie(token: string): string;
}

export interface UiAuthOptions {
  readonly tokens: readonly string[];
  /** Accepts the host name of the request's `Host` header (without port); applies only when there are no tokens. */
  readonly hostAllowed?: ((hostname: string) => boolean) | undefined;
}

export function createUiAuth(options: UiAuthOptions): UiAuth {
  const digests = options.tokens.map(sha256);
  const sessions = options.tokens.map((t) => sha256(sessionValue(t)));
  const anyOf = (candidate: string, among: readonly Buffer[]) => {
    const d = sha256(candidate);
    let found = false;
    for (const x of among) found = timingSafeEqual(d, x) || found; // no early exit
    return found;
  };
  const required = options.tokens.length > 0;
  return {
    required,
    allows(req) {
      if (!required) return options.hostAllowed === undefined || options.hostAllowed(hostnameOf(req.headers.host));
      const bearer = /^Bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      if (bearer !== undefined) return anyOf(bearer, digests);
      const cookie = cookieValue(req.headers.cookie, SESSION_COOKIE);
      return cookie !== undefined && anyOf(cookie, sessions);
    },
    isToken: (token) => anyOf(token, digests),
    sessionCookie: (token) => `${SESSION_COOKIE}=${sessionValue(token)}; HttpOnly; SameSite=Strict; Max-Age=${12 * 3600}`,
  };
}

/** The host name of a Host header value (`[::1]:9464` -> `::1`, `localhost:9464` -> `localhost`); '' when absent. */
export function hostnameOf(host: string | undefined): string {
  if (host === undefined) return '';
  const h = host.trim().toLowerCase();
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(h);
  if (bracketed) return bracketed[1]!;
  return h.replace(/:\d*$/, '');
}

function sessionValue(token: string): string {
  return createHmac('sha256', token).update('peregrine-ui-session-v1').digest('base64url');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
