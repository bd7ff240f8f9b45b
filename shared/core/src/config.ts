/**
 * Configuration: one YAML file for every setting, environment variables over it, validated once, strictly, and
 * frozen. Unknown keys and bad values are errors, and all of them are listed in one message (a typo'd key must fail,
 * not vanish into a default).
 *
 * Environment overrides: `PEREGRINE_<PATH>` where the path's keys are joined by `__` and written in upper snake case,
 * e.g. `PEREGRINE_INGEST__MAX_BODY_BYTES=1048576` sets `ingest.maxBodyBytes`; values are YAML scalars or flow
 * collections (`PEREGRINE_KAFKA__BROKERS=[k1:9092, k2:9092]`; a comma list also works for arrays).
 */
import { readFileSync } from 'node:fs';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value, type ValueError, ValueErrorType } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { PeregrineError } from './errors.js';

/** Defaults, then string->number/boolean conversion (env values are strings), then a strict check; frozen. */
export function loadConfig<S extends TSchema>(schema: S, raw: unknown): Readonly<Static<S>> {
  const value = Value.Convert(schema, Value.Default(schema, structuredClone(raw ?? {})));
  const problems = [...Value.Errors(schema, value)].map((e) => `  ${e.path || '/'}: ${e.message}${describe(e)}`);
  if (problems.length > 0) {
    throw new PeregrineError('PG_ERR_CONFIG', `invalid configuration:\n${[...new Set(problems)].join('\n')}`);
  }
  return deepFreeze(value as Static<S>);
}

/**
 * Keys whose values are credentials, or may hold them (header values, HMAC settings). A value under such a key is
 * never quoted in an error, nor the value of an unknown key (the name is what is wrong, and a misspelt `tokne:` holds
 * the token): errors end up on terminals and in CI logs.
 */
const SECRET_KEY = /token|secret|passw|key|auth|cookie|credential|header|hmac/i;

function describe(e: ValueError): string {
  const v = e.value;
  if (v === undefined || e.type === ValueErrorType.ObjectAdditionalProperties) return '';
  if (e.path.split('/').some((segment) => SECRET_KEY.test(segment))) return '';
  const text = JSON.stringify(v);
  return text && text.length <= 60 ? ` (got ${text})` : '';
}

/** Reads a YAML config file; an empty file is an empty object. */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PeregrineError('PG_ERR_CONFIG', `cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    // Only the first line, and no `cause`: the yaml package appends the offending line of the file, which may hold a
    // secret.
    const what = (err as Error).message.split('\n')[0]!.replace(/:$/, '');
    throw new PeregrineError('PG_ERR_CONFIG', `config file ${path} is not valid YAML: ${what}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PeregrineError('PG_ERR_CONFIG', `config file ${path} must be a map of settings`);
  }
  return doc as Record<string, unknown>;
}

/** Applies `PEREGRINE_*` variables onto a config object (returns a new object). */
export function applyEnv(config: Record<string, unknown>, env: NodeJS.ProcessEnv, prefix = 'PEREGRINE_'): Record<string, unknown> {
  const out = structuredClone(config);
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(prefix) || raw === undefined) continue;
    const path = name.slice(prefix.length).split('__').map(camelCase);
    let target: Record<string, unknown> = out;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path.at(-1)!] = envValue(raw);
  }
  return out;
}

function envValue(raw: string): unknown {
  const trimmed = raw.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    // Not every value that starts with a bracket is a flow collection: `[::]:8765` is an IPv6 listen address. What
    // does not parse stays a string, for the schema to judge (a YAML error would quote the value, maybe a secret).
    try {
      return parseYaml(trimmed) as unknown;
    } catch {
      return trimmed;
    }
  }
  if (trimmed.includes(',')) return trimmed.split(',').map((s) => s.trim()).filter(Boolean);
  return trimmed;
}

function camelCase(snake: string): string {
  return snake.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Parses `host:port` (IPv6 as `[::1]:8765`). */
export function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new PeregrineError('PG_ERR_CONFIG', `'${text}' is not HOST:PORT`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
