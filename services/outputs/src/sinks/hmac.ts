/**
 * The `hmac:` setting of an http sink: where its signing secrets come from, and the signer built from them
 * (signing.ts says what a signature is).
 *
 *   hmac:
 *     secretFile: /etc/peregrine/hmac/sidekick   # preferred: one secret per line, the first listed first
 *     # secret: "..."                             # or inline (a string, or a list during a rotation)
 *     header: X-Peregrine-Signature              # the default
 *
 * The invariant it owns: a sink with `hmac` never sends an unsigned request. The secrets are read once, when the sink
 * opens, and a missing, empty or too short secret stops the service from starting rather than degrading to unsigned.
 * Secrets are never put in messages, and the logger redacts `hmac` and `secret` keys besides.
 */
import { readFile } from 'node:fs/promises';
import { PeregrineError } from '@peregrine/core';
import { type Static, Type } from '@sinclair/typebox';
import { signatureHeader } from './signing.js';

/** HMAC-SHA256 is only as strong as its key: 16 characters (128 bits if random) is the least we sign with. */
export const MIN_SECRET_LENGTH = 16;

const Secret = Type.String({ minLength: 1 });

export const HmacConfig = Type.Object({
  secretFile: Type.Optional(Type.String({
    minLength: 1,
    description: 'A file holding the secret(s), one per line (blank lines ignored), read when the outputs start. ' +
      'Exactly one of secretFile and secret.',
  })),
  secret: Type.Optional(Type.Union([Secret, Type.Array(Secret, { minItems: 1 })], {
    description: 'The secret inline, or several during a rotation (each at least 16 characters). Prefer secretFile: ' +
      'config files travel.',
  })),
  header: Type.String({
    pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", default: 'X-Peregrine-Signature',
    description: 'The request header that carries the signature (`t=<unix seconds>,v1=<hex HMAC-SHA256>`).',
  }),
}, {
  additionalProperties: false,
  description: 'Sign every request so that receivers can verify it (services/outputs/README.md: verifying, rotating).',
});
export type HmacConfig = Static<typeof HmacConfig>;

/** What the schema cannot say, as config-error lines under `path`; the secrets themselves are never shown. */
export function hmacProblems(hmac: HmacConfig, path: string): string[] {
  if ((hmac.secret === undefined) === (hmac.secretFile === undefined)) return [`  ${path}: set exactly one of secretFile and secret`];
  const short = inlineSecrets(hmac).findIndex((s) => s.length < MIN_SECRET_LENGTH);
  return short < 0 ? [] : [`  ${path}/secret: secret #${short + 1} is shorter than ${MIN_SECRET_LENGTH} characters`];
}

export interface RequestSigner {
  /** The header name, lower case (as the sink's other headers). */
  readonly header: string;
  /** The header value for `body`, signed now (or at `nowMs`). */
  sign(body: Uint8Array, nowMs?: number): string;
}

/** Reads the secrets (secretFile) and returns the signer; PG_ERR_CONFIG when there is no usable secret. */
export async function loadSigner(hmac: HmacConfig): Promise<RequestSigner> {
  const problems = hmacProblems(hmac, 'hmac');
  if (problems.length > 0) throw new PeregrineError('PG_ERR_CONFIG', `http sink: ${problems.map((p) => p.trim()).join('; ')}`);
  let secrets = inlineSecrets(hmac);
  if (hmac.secretFile !== undefined) {
    let text: string;
    try {
      text = await readFile(hmac.secretFile, 'utf8');
    } catch (err) {
      throw new PeregrineError('PG_ERR_CONFIG',
        `http sink: cannot read hmac.secretFile ${hmac.secretFile}: ${(err as NodeJS.ErrnoException).code}`, { cause: err });
    }
    secrets = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
    if (secrets.length === 0) throw new PeregrineError('PG_ERR_CONFIG', `http sink: hmac.secretFile ${hmac.secretFile} holds no secret`);
    const short = secrets.findIndex((s) => s.length < MIN_SECRET_LENGTH);
    if (short >= 0) {
      throw new PeregrineError('PG_ERR_CONFIG',
        `http sink: line ${short + 1} of hmac.secretFile ${hmac.secretFile} is shorter than ${MIN_SECRET_LENGTH} characters`);
    }
  }
  const keys = secrets.map((s) => Buffer.from(s, 'utf8'));
  return {
    header: hmac.header.toLowerCase(),
    sign: (body, nowMs = Date.now()) => signatureHeader(keys, body, nowMs / 1000),
  };
}

function inlineSecrets(hmac: HmacConfig): string[] {
  if (hmac.secret === undefined) return [];
  return typeof hmac.secret === 'string' ? [hmac.secret] : [...hmac.secret];
}
