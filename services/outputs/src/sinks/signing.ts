/**
 * Signatures of the HTTP sink's requests, so that a receiver can tell Peregrine's alerts from anything else that can
 * reach it, and refuse a recorded request played again later:
 *
 *   X-Peregrine-Signature: t=1767225600,v1=5f0c...e1[,v1=...]
 *
 * `t` is the time of signing in Unix seconds; each `v1` is the hex HMAC-SHA256, keyed with one secret (its UTF-8
 * bytes), of the text `<t>.` followed by the exact bytes of the body as sent. Binding `t` into the MAC is what lets a
 * receiver reject a replay: an old request cannot be given a fresh `t` without the secret.
 *
 * Rotation: the sink signs with every secret it is given, first one first, one `v1` each; a receiver accepts the
 * request when any `v1` matches any secret it holds. So either side may move to a new secret first.
 *
 * `verifySignature` is what a receiver in Node runs (the outputs README has a standalone copy); it compares in
 * constant time and checks the time window before any MAC.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The version tag of the signature: what is signed, and how. A change to either is a new tag. */
export const SIGNATURE_VERSION = 'v1';

/** Five minutes either way: enough for clock skew and retries in flight, short enough to make replays useless. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The header value for `body`, signed at `unixSeconds` with each of `secrets` (at least one). */
export function signatureHeader(secrets: readonly Uint8Array[], body: Uint8Array, unixSeconds: number): string {
  if (secrets.length === 0) throw new Error('signatureHeader: no secret');
  const t = String(Math.floor(unixSeconds));
  return [`t=${t}`, ...secrets.map((secret) => `${SIGNATURE_VERSION}=${mac(secret, t, body)}`)].join(',');
}

export type Verification =
  | { readonly ok: true; readonly timestamp: number }
  | { readonly ok: false; readonly reason: 'malformed' | 'outside the time window' | 'no signature matches' };

export interface VerifyOptions {
  /** Largest accepted difference between `t` and now, in seconds (default 300). */
  readonly toleranceSeconds?: number;
  /** Now, in Unix seconds (default: the clock). */
  readonly now?: number;
}

/**
 * Whether `header` signs `body` with one of `secrets`, within the time window. Never throws on bad input: a
 * malformed header is a refusal like any other.
 */
export function verifySignature(
  header: string | undefined, body: Uint8Array, secrets: readonly (string | Uint8Array)[], options: VerifyOptions = {},
): Verification {
  const parsed = parseHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const now = options.now ?? Date.now() / 1000;
  if (Math.abs(now - parsed.t) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    return { ok: false, reason: 'outside the time window' };
  }
  let matched = false;
  // Every pair is compared (no early exit) and every comparison is over 64 hex characters: the time taken says
  // nothing about which secret matched or how close a forged signature came.
  for (const secret of secrets) {
    const expected = Buffer.from(mac(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret, String(parsed.t), body));
    for (const given of parsed.signatures) {
      if (timingSafeEqual(expected, Buffer.from(given))) matched = true;
    }
  }
  return matched ? { ok: true, timestamp: parsed.t } : { ok: false, reason: 'no signature matches' };
}

function mac(secret: Uint8Array, t: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(`${t}.`, 'utf8').update(body).digest('hex');
}

/** `t=<digits>` once, then one or more `v1=<64 hex>`; other versions are skipped, as future receivers may see them. */
function parseHeader(header: string | undefined): { t: number; signatures: string[] } | undefined {
  if (header === undefined || header.length > 4096) return undefined;
  let t: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (t !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      t = Number(value);
    } else if (key === SIGNATURE_VERSION) {
      if (!/^[0-9a-f]{64}$/.test(value)) return undefined;
      signatures.push(value);
    }
  }
  return t !== undefined && signatures.length > 0 ? { t, signatures } : undefined;
}
