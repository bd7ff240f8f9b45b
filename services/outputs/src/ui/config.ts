/**
 * The `outputs.ui:` section: the alerts web UI (`/ui/`) that the outputs process, and `peregrine run`, serve from an
 * in-memory store of the most recent alerts. This module owns the settings and the reading of the access tokens; where
 * the UI may listen is decided by exposure.ts.
 *
 *   outputs:
 *     ui:
 *       enabled: true              # false: no store, no routes
 *       # listen: 127.0.0.1:9465   # a listener of its own; default: the process's metrics listener (metrics.listen)
 *       maxAlerts: 10000           # the store keeps the newest alerts up to both bounds
 *       maxBytes: 67108864
 *       # tokenFile: /etc/peregrine/ui-tokens   # bearer tokens, one per line (or `token: ...` inline)
 *       insecure: false            # true allows a non-loopback listener (plain HTTP); tokens stay required
 *
 * The invariant: tokens are read once, at start, and a configured token source that yields no usable token stops the
 * start rather than serving the UI without authentication.
 */
import { readFile } from 'node:fs/promises';
import { PeregrineError } from '@peregrine/core';
import { type Static, Type } from '@sinclair/typebox';

/** Like the HMAC secrets: a guessable token is no protection for the alert contents. */
export const MIN_TOKEN_LENGTH = 16;

export const UiConfig = Type.Object({
  enabled: Type.Boolean({
    default: true,
    description: 'Serve the alerts UI (/ui/) and keep the store of recent alerts it shows. false: neither.',
  }),
  listen: Type.Optional(Type.String({
    minLength: 1,
    description: '`host:port` of a listener for the UI alone. Unset: the UI is served on `metrics.listen`, ' +
      'beside /metrics. Beyond loopback only with `insecure`.',
  })),
  maxAlerts: Type.Integer({
    minimum: 1, maximum: 1_000_000, default: 10_000,
    description: 'The most alerts the UI keeps (in memory, per process); the oldest make room for new ones.',
  }),
  maxBytes: Type.Integer({
    minimum: 64 * 1024, default: 64 * 1024 * 1024, // 64 MiB
    description: 'The most memory the kept alerts may take, in bytes (their text, counted as JavaScript holds it); the ' +
      'oldest make room for new ones.',
  }),
  tokenFile: Type.Optional(Type.String({
    minLength: 1,
    description: 'A file of bearer tokens for the UI, one per line (blank lines ignored), read at start; each at least ' +
      '16 characters. At most one of tokenFile and token. Without either, whoever reaches the listener reads the alerts.',
  })),
  token: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
    description: 'A bearer token for the UI inline, or a list of them during a rotation. Prefer tokenFile: config ' +
      'files travel.',
  })),
  insecure: Type.Boolean({
    default: false,
    description: 'Allow the UI on a non-loopback address: plain HTTP, so alerts (and tokens) cross the network in ' +
      'clear; warned at every start. Configured tokens stay required.',
  }),
}, {
  additionalProperties: false, default: {},
  description: 'The alerts web UI: the recent alerts, live, with filters, details and a chart (`peregrine outputs` and ' +
    '`peregrine run`). Served on loopback only unless `insecure`.',
});
export type UiConfig = Static<typeof UiConfig>;

/** What the schema cannot say, as config-error lines under `path`; tokens themselves are never shown. */
export function uiConfigProblems(ui: UiConfig, path: string): string[] {
  const problems: string[] = [];
  if (ui.token !== undefined && ui.tokenFile !== undefined) problems.push(`  ${path}: set at most one of tokenFile and token`);
  const short = inlineTokens(ui).findIndex((s) => s.length < MIN_TOKEN_LENGTH);
  if (short >= 0) problems.push(`  ${path}/token: token #${short + 1} is shorter than ${MIN_TOKEN_LENGTH} characters`);
  return problems;
}

/**
 * The UI's bearer tokens: none when neither `token` nor `tokenFile` is set (then the UI is open to whoever reaches its
 * listener, which exposure.ts allows only on loopback unless `insecure`). PG_ERR_CONFIG when a file cannot be read,
 * holds no token or a short one.
 */
export async function loadUiTokens(ui: UiConfig): Promise<string[]> {
  const problems = uiConfigProblems(ui, 'outputs.ui');
  if (problems.length > 0) throw new PeregrineError('PG_ERR_CONFIG', `alerts UI: ${problems.map((p) => p.trim()).join('; ')}`);
  if (ui.tokenFile === undefined) return inlineTokens(ui);
  let text: string;
  try {
    text = await readFile(ui.tokenFile, 'utf8');
  } catch (err) {
    throw new PeregrineError('PG_ERR_CONFIG',
      `alerts UI: cannot read tokenFile ${ui.tokenFile}: ${(err as NodeJS.ErrnoException).code}`, { cause: err });
  }
  const tokens = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  if (tokens.length === 0) throw new PeregrineError('PG_ERR_CONFIG', `alerts UI: tokenFile ${ui.tokenFile} holds no token`);
  const short = tokens.findIndex((s) => s.length < MIN_TOKEN_LENGTH);
  if (short >= 0) {
    throw new PeregrineError('PG_ERR_CONFIG',
      `alerts UI: line ${short + 1} of tokenFile ${ui.tokenFile} is shorter than ${MIN_TOKEN_LENGTH} characters`);
  }
  return tokens;
}

function inlineTokens(ui: UiConfig): string[] {
  if (ui.token === undefined) return [];
  return typeof ui.token === 'string' ? [ui.token] : [...ui.token];
}
