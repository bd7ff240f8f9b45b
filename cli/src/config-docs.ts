/**
 * The configuration reference, docs/configuration.md, generated from the configuration schema (PeregrineConfig and
 * the services' schemas it embeds) so that it cannot drift from what the loader accepts: every key with its type,
 * allowed values, default, environment variable, flag and description. `npm run docs:config`
 * (scripts/gen-config-docs.mjs) writes the file; config-docs.test.ts fails when the committed one differs, or when a
 * key has no `description` in the schema.
 *
 * The walk reads the JSON Schema that TypeBox builds:
 *
 *   object with properties  -> a section (a heading and a table); a row in its parent's table points to it
 *   array of objects        -> a section for its items, `path[]`
 *   array of a union of objects told apart by a `type` constant (the sinks)
 *                           -> one section for the keys every member has alike, one per member for the rest
 *   anything else           -> a row: key, type (allowed values, bounds), default, environment variable, description
 */
import type { TSchema } from '@sinclair/typebox';
import { PeregrineConfig } from './pipeline/config.js';
import { configFromArgs, PIPELINE_FLAGS, PIPELINE_FLAGS_HELP } from './pipeline/flags.js';

export const CONFIG_DOCS_FILE = 'docs/configuration.md';
export const REGENERATE_COMMAND = 'npm run docs:config';

/** A flag of `peregrine run|ingest|evaluator|outputs`, its help text and the keys it sets. */
export interface FlagDoc {
  readonly flag: string;
  readonly arg: string | undefined;
  readonly help: string;
  /** Found by trying the flag (configFromArgs) and comparing the result with the defaults: never out of step. */
  readonly paths: readonly string[];
}

/** Values tried, in order, until the flag's value is accepted. */
const SAMPLE_VALUES = ['2', 'warn', 'warning', 'all', 'stdout:text', '127.0.0.1:1', 'x.yaml'];

/** The pipeline flags (`--config` aside): their help from PIPELINE_FLAGS_HELP, their keys by experiment. */
export function flagDocs(): FlagDoc[] {
  const help = parseFlagsHelp(PIPELINE_FLAGS_HELP);
  // Kafka configured in both, so that the flag that sets its brokers shows as `kafka.brokers`, not the whole section.
  const env = { KAFKA_BROKERS: 'base:9092' };
  const base = configFromArgs([], env);
  return Object.entries(PIPELINE_FLAGS).filter(([name]) => name !== 'config').map(([name, spec]) => {
    const flag = `--${name}`;
    const tries = spec.type === 'boolean' ? [[flag]] : SAMPLE_VALUES.map((v) => [flag, v]);
    let paths: string[] = [];
    for (const args of tries) {
      try {
        paths = changedPaths(base, configFromArgs(args, env));
        break;
      } catch {
        // not a value this flag takes: try the next
      }
    }
    return { flag, arg: help.get(flag)?.arg, help: help.get(flag)?.text ?? '', paths };
  });
}

/** `  --flag ARG   text` lines, with continuation lines indented under the text. */
function parseFlagsHelp(text: string): Map<string, { arg: string | undefined; text: string }> {
  const out = new Map<string, { arg: string | undefined; text: string }>();
  let last: { arg: string | undefined; text: string } | undefined;
  for (const line of text.split('\n')) {
    const m = /^ {2}(--[a-z-]+)(?: ([A-Z][A-Z0-9:_]*))?\s{2,}(\S.*)$/.exec(line);
    if (m) {
      last = { arg: m[2], text: m[3]!.trim() };
      out.set(m[1]!, last);
    } else if (last && /^\s{6,}\S/.test(line)) {
      last.text = `${last.text} ${line.trim()}`;
    }
  }
  return out;
}

/** The paths (`a.b.c`) whose values differ between two configurations; lists and scalars compare whole. */
function changedPaths(a: unknown, b: unknown, path: string[] = []): string[] {
  const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isMap(a) && isMap(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => changedPaths(a[k], b[k], [...path, k]));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path.join('.')];
}

/** Environment variables read besides `PEREGRINE_*` (pipeline/config.ts resolveConfig). */
export const ENV_ALIASES: Readonly<Record<string, string>> = { 'kafka.brokers': 'KAFKA_BROKERS' };

/** `ingest.maxBodyBytes` -> `PEREGRINE_INGEST__MAX_BODY_BYTES`, the inverse of core's applyEnv naming. */
export function envName(path: readonly string[]): string {
  return `PEREGRINE_${path.map((key) => key.replace(/([A-Z])/g, '_$1').toUpperCase()).join('__')}`;
}

/** One documented key. `envPath` is undefined inside list items, which the environment can only set whole. */
export interface KeyDoc {
  readonly path: string;
  readonly envPath?: readonly string[] | undefined;
  readonly type: string;
  readonly defaultValue: string;
  readonly description: string | undefined;
}

interface Section {
  readonly title: string;
  readonly depth: number;
  readonly description: string | undefined;
  readonly rows: KeyDoc[];
}

type Schema = TSchema & {
  type?: string;
  const?: unknown;
  anyOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  required?: string[];
  default?: unknown;
  description?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
};

/** Walks the schema into sections, in schema order. */
function collect(root: Schema = PeregrineConfig as Schema): Section[] {
  const sections: Section[] = [];
  const top: Section = { title: 'Top-level keys', depth: 2, description: undefined, rows: [] };
  sections.push(top);
  for (const [key, prop] of Object.entries(root.properties ?? {})) {
    const required = root.required?.includes(key) ?? false;
    if (isObject(prop)) {
      walkObject(prop, [key], `\`${key}\``, 2, true, sections, required);
    } else {
      top.rows.push(row([key], prop, required, true));
    }
  }
  return top.rows.length > 0 ? sections : sections.slice(1);
}

function walkObject(
  schema: Schema, path: string[], title: string, depth: number, envOk: boolean, sections: Section[], required: boolean,
  skip: ReadonlySet<string> = new Set(),
): void {
  const optional = !required && schema.default === undefined;
  const section: Section = {
    title: optional ? `${title} (optional)` : title, depth, description: schema.description, rows: [],
  };
  sections.push(section);
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (skip.has(key)) continue;
    const p = [...path, key];
    const isRequired = schema.required?.includes(key) ?? false;
    const name = dotted(p);
    if (isObject(prop)) {
      section.rows.push({ ...row(p, prop, isRequired, envOk), type: `map: see \`${name}\`` });
      walkObject(prop, p, `\`${name}\``, Math.min(depth + 1, 4), envOk, sections, isRequired);
    } else if (prop.type === 'array' && prop.items && isObject(prop.items)) {
      section.rows.push({ ...row(p, prop, isRequired, envOk), type: `list: see \`${name}[]\`` });
      walkObject(prop.items, [...p, '[]'], `\`${name}[]\``, Math.min(depth + 1, 4), false, sections, true);
    } else if (prop.type === 'array' && prop.items && isTaggedUnion(prop.items)) {
      section.rows.push({ ...row(p, prop, isRequired, envOk), type: `list: see \`${name}[]\`` });
      walkTaggedUnion(prop.items.anyOf!, [...p, '[]'], Math.min(depth + 1, 4), sections);
    } else {
      section.rows.push(row(p, prop, isRequired, envOk));
    }
  }
}

/** The sinks: the keys every member has alike, once; then each member's own. */
function walkTaggedUnion(members: Schema[], path: string[], depth: number, sections: Section[]): void {
  const name = dotted(path);
  const shared = Object.keys(members[0]!.properties ?? {}).filter((key) => key !== 'type' && members.every((m) =>
    m.properties?.[key] !== undefined && JSON.stringify(m.properties[key]) === JSON.stringify(members[0]!.properties![key])));
  const common: Section = {
    title: `\`${name}\`: every type`, depth,
    description: `Every entry has a \`type\` (${members.map((m) => `\`${String(tag(m))}\``).join(', ')}) and these keys.`,
    rows: [],
  };
  sections.push(common);
  for (const key of shared) {
    common.rows.push(row([...path, key], members[0]!.properties![key]!, members[0]!.required?.includes(key) ?? false, false));
  }
  for (const member of members) {
    walkObject(member, path, `\`${name}\` of \`type: ${String(tag(member))}\``, depth, false, sections, true,
      new Set(['type', ...shared]));
  }
}

/** `['outputs', 'sinks', '[]', 'url']` -> `outputs.sinks[].url` */
function dotted(path: readonly string[]): string {
  return path.join('.').replace(/\.\[\]/g, '[]');
}

function row(path: string[], schema: Schema, required: boolean, envOk: boolean): KeyDoc {
  return {
    path: dotted(path),
    envPath: envOk ? path : undefined,
    type: typeOf(schema),
    defaultValue: schema.default !== undefined
      ? `\`${flow(schema.default)}\`${unitHint(path.at(-1)!, schema.default)}`
      : required ? '**required**' : 'unset',
    description: schema.description,
  };
}

function isObject(schema: Schema): boolean {
  return schema.type === 'object' && schema.properties !== undefined;
}

function tag(schema: Schema): unknown {
  return schema.properties?.['type']?.const;
}

function isTaggedUnion(schema: Schema): boolean {
  return schema.anyOf !== undefined && schema.anyOf.every((m) => isObject(m) && tag(m) !== undefined);
}

/** `string`, `integer >= 1`, `one of: a, b`, `list of string`, ... */
function typeOf(schema: Schema): string {
  if (schema.const !== undefined) return `\`${String(schema.const)}\``;
  if (schema.anyOf) {
    if (schema.anyOf.every((m) => m.const !== undefined)) {
      return `one of: ${schema.anyOf.map((m) => `\`${String(m.const)}\``).join(', ')}`;
    }
    return schema.anyOf.map(typeOf).join(', or ');
  }
  switch (schema.type) {
    case 'string': {
      const p = schema.pattern;
      return p !== undefined && p.length <= 45 && !p.includes('`') ? `string matching \`${p}\`` : 'string';
    }
    case 'integer':
    case 'number': {
      const { minimum: min, maximum: max } = schema;
      if (min !== undefined && max !== undefined) return `${schema.type}, ${min} to ${max}`;
      if (min !== undefined) return `${schema.type} >= ${min}`;
      return schema.type;
    }
    case 'boolean':
      return 'boolean';
    case 'array':
      return `list of ${typeOf(schema.items ?? ({} as Schema))}${schema.minItems ? ` (at least ${schema.minItems})` : ''}`;
    case 'object': {
      const value = Object.values(schema.patternProperties ?? {})[0];
      return value ? `map of name to ${typeOf(value)}` : 'map';
    }
    default:
      return 'any';
  }
}

/** A value as YAML flow text: `[]`, `{}`, `[{type: stdout}]`, `peregrine-audit`, `""`. */
function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${k}: ${flow(v)}`).join(', ')}}`;
  }
  if (value === '') return '""';
  return String(value);
}

const MiB = 1024 * 1024;

/** ` (64 MiB)` for `...Bytes`, ` (15 min)` for `...Ms`: the units the key names promise. */
function unitHint(key: string, value: unknown): string {
  if (typeof value !== 'number' || value === 0) return '';
  if (/Bytes$/.test(key) && value >= 1024) {
    return value >= MiB && value % MiB === 0 ? ` (${value / MiB} MiB)` : value % 1024 === 0 ? ` (${value / 1024} KiB)` : '';
  }
  if (/Ms$/.test(key) && value >= 1000) {
    if (value >= 60_000 && value % 60_000 === 0) return ` (${value / 60_000} min)`;
    return ` (${value / 1000} s)`;
  }
  return '';
}

/** Every key, as the reference documents it (for the tests). */
export function documentedKeys(): KeyDoc[] {
  return collect().flatMap((s) => s.rows);
}

/** Keys whose schema has no `description`: each must get one (no behaviour changes, descriptions only). */
export function undocumentedKeys(): string[] {
  return documentedKeys().filter((k) => !k.description).map((k) => k.path);
}

function sentence(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  const capital = /^[a-z]/.test(t) ? t[0]!.toUpperCase() + t.slice(1) : t;
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** docs/configuration.md, whole. */
export function renderConfigDocs(): string {
  const flags = flagDocs();
  const flagsByPath = new Map<string, FlagDoc[]>();
  for (const f of flags) for (const p of f.paths) flagsByPath.set(p, [...(flagsByPath.get(p) ?? []), f]);
  const out: string[] = [];
  out.push(`# Configuration reference

<!-- Generated from the configuration schema by \`${REGENERATE_COMMAND}\` (cli/src/config-docs.ts): edit the
     \`description\` of a key in its schema (cli/src/pipeline/config.ts and the config.ts of each service), then
     regenerate. npm test fails when this file is out of date. -->

Every setting of Peregrine, for \`peregrine run\` and for each service run on its own (\`peregrine ingest\`,
\`peregrine evaluator\`, \`peregrine outputs\`): one YAML file serves them all, each reading its part.
[\`config/peregrine.example.yaml\`](../config/peregrine.example.yaml) shows the keys in context.

- **Where settings come from**, lowest precedence first: the defaults below, the file given with \`--config FILE\`,
  environment variables, command-line flags.
- **Checked once, strictly**: an unknown key or a bad value stops the start with an error that lists every problem
  (\`/ingest/maxBodyBytes: Expected integer\`). Values under keys that may hold secrets are never quoted in errors.
- **Units**: durations are in milliseconds (keys ending in \`Ms\`) or seconds (\`Seconds\`), sizes in bytes
  (\`Bytes\`). Addresses are \`host:port\`, IPv6 as \`[::1]:8765\`.
- **Environment variables**: \`PEREGRINE_\` then the key's path, each key in upper snake case, joined by \`__\`:
  \`PEREGRINE_INGEST__MAX_BODY_BYTES=1048576\` sets \`ingest.maxBodyBytes\`. Values are YAML scalars or flow
  collections (\`PEREGRINE_KAFKA__BROKERS=[k1:9092, k2:9092]\`; a comma-separated value is a list too). Lists and maps
  are set whole, so the entries of a list (each sink, each token) have no variables of their own:
  \`PEREGRINE_OUTPUTS__SINKS='[{type: stdout, format: text}]'\`. \`KAFKA_BROKERS=host:9092,...\` also sets
  \`kafka.brokers\` when the file and \`PEREGRINE_KAFKA__BROKERS\` do not.
- **Required** keys have no default and must be set when their section is used; **unset** keys are optional and
  off unless set.

## Flags

\`peregrine run\`, \`ingest\`, \`evaluator\` and \`outputs\` take these flags (\`peregrine <command> --help\`); each
sets the keys listed, and wins over the file and the environment.

| flag | sets | help |
|---|---|---|
| \`--config FILE\` | | the configuration file |
${flags.map((f) => `| \`${f.flag}${f.arg ? ` ${f.arg}` : ''}\` | ${f.paths.map((p) => `\`${p}\``).join(', ')} | ${cell(f.help)} |`).join('\n')}
`);
  for (const section of collect()) {
    out.push(`${'#'.repeat(section.depth)} ${section.title}\n`);
    if (section.description) out.push(`${sentence(section.description)}\n`);
    if (section.rows.length === 0) continue;
    out.push('| key | type | default | environment variable | description |\n|---|---|---|---|---|');
    for (const r of section.rows) {
      const env = r.envPath ? [envName(r.envPath), ENV_ALIASES[r.path]].filter(Boolean).map((e) => `\`${e}\``).join(', ') : '';
      const flags = (flagsByPath.get(r.path) ?? []).map((f) => `\`${f.flag}\``).join(', ');
      const description = [r.description ? sentence(r.description) : '', flags ? `Flag: ${flags}.` : '']
        .filter(Boolean).join(' ');
      out.push(`| \`${r.path}\` | ${cell(r.type)} | ${cell(r.defaultValue)} | ${env} | ${cell(description)} |`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
