/**
 * The outputs service's configuration: a list of sinks, each a `stdout`, `file` or `http` sink with its own filter
 * (minimum priority, tags, clusters) and its own retry budget. This module owns one invariant: a configuration that
 * loads is complete and consistent (every default applied, every sink named uniquely, TLS files paired), so nothing
 * downstream re-checks it.
 *
 *   sinks:
 *     - type: stdout            # name defaults to "stdout" (or "stdout-1", "stdout-2", ... when there are several)
 *       format: text
 *     - type: http
 *       url: https://sidekick.example:2801/
 *       minPriority: warning
 *       headers: { authorization: Bearer ... }
 *       tls: { caFile: ca.pem }
 *
 * Retry settings are common to every sink type because the delivery runner, not the sink, owns retries: a file on a
 * full disk is retried and dead-lettered exactly like an HTTP receiver that is down. They are a time budget per
 * outage (`retryBudgetMs`), not a count per alert, so that the default rides out a receiver that is down for minutes.
 */
import { PeregrineError, loadConfig } from '@peregrine/core';
import { parsePriority, PRIORITIES } from '@peregrine/rule-engine';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { HmacConfig, hmacProblems } from './sinks/hmac.js';
import { UiConfig, uiConfigProblems } from './ui/config.js';

/** Case-insensitive Falco priority names (and `info`), as a JSON-schema pattern (JS regexes have no inline `(?i)`). */
const PRIORITY_PATTERN = `^(${[...PRIORITIES, 'info']
  .map((p) => [...p].map((c) => `[${c.toUpperCase()}${c.toLowerCase()}]`).join(''))
  .join('|')})$`;

/** Sink names become metric labels and dead-letter headers: keep them plain. */
const SINK_NAME = Type.String({
  minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$',
  description: 'Metric label and dead-letter source of the sink. Defaults to the type (`http`), or `<type>-<n>` ' +
    '(1-based among sinks of that type) when the type repeats.',
});

const common = {
  name: Type.Optional(SINK_NAME),
  minPriority: Type.String({
    pattern: PRIORITY_PATTERN, default: 'debug',
    description: 'A Falco priority, in any case (`info` too). Falco\'s order: emergency (most severe) .. debug. ' +
      'Alerts less severe than this are filtered out.',
  }),
  tags: Type.Array(Type.String({ minLength: 1 }), {
    default: [], description: 'Deliver only alerts carrying any of these tags; empty = all.',
  }),
  clusters: Type.Array(Type.String({ minLength: 1 }), {
    default: [], description: 'Deliver only alerts of these clusters; empty = all.',
  }),
  retryBudgetMs: Type.Integer({
    minimum: 0, default: 15 * 60_000,
    description: 'How long a failing sink is retried, from its first failure, before its alerts are dead-lettered ' +
      '(until it answers again). Meanwhile nothing is committed: the alerts wait in the bus, not in memory. 15 min by ' +
      'default, so that a receiver restart or a short network outage costs a delay, not dead letters.',
  }),
  retries: Type.Optional(Type.Integer({
    minimum: 0,
    description: 'Also dead-letter an alert after this many retries of it; unset: as many as the retry budget allows.',
  })),
  backoffInitialMs: Type.Integer({ minimum: 0, default: 500, description: 'Wait before the first retry.' }),
  backoffMaxMs: Type.Integer({
    minimum: 0, default: 10_000, // 10 s
    description: 'Longest wait between retries. Also the interval of the probes while a sink is down (one request at ' +
      'a time), hence the longest a receiver that is back waits to be noticed: cheap to keep short.',
  }),
  backoffFactor: Type.Number({
    minimum: 1, default: 2,
    description: 'Each retry waits this many times longer than the one before, up to backoffMaxMs.',
  }),
  backoffJitter: Type.Number({
    minimum: 0, maximum: 1, default: 0.2,
    description: 'Fraction of the delay randomised (+/-), so that many failing writers do not retry in lockstep.',
  }),
  timeoutMs: Type.Integer({
    minimum: 1, default: 10_000, // 10 s
    description: 'Bound of one write attempt (an HTTP request, a file append).',
  }),
};

const Format = Type.Union([Type.Literal('json'), Type.Literal('text')], {
  default: 'json',
  description: '`json`: the alert JSON, one per line; `text`: Falco\'s text line (the alert\'s `output`).',
});

export const StdoutSinkConfig = Type.Object({
  type: Type.Literal('stdout'),
  ...common,
  format: Format,
}, { additionalProperties: false, description: 'Alerts on the standard output of the process.' });
export type StdoutSinkConfig = Static<typeof StdoutSinkConfig>;

export const FileSinkConfig = Type.Object({
  type: Type.Literal('file'),
  ...common,
  path: Type.String({ minLength: 1, description: 'The file alerts are appended to, one per line.' }),
  format: Format,
  maxBytes: Type.Integer({
    minimum: 1, default: 100 * 1024 * 1024, // 100 MiB
    description: 'The live file is rotated before a write would take it past this size.',
  }),
  maxFiles: Type.Integer({
    minimum: 1, default: 5,
    description: 'Rotated files kept: path.1 (newest) .. path.<maxFiles>; older ones are deleted.',
  }),
  fsync: Type.Boolean({
    default: false,
    description: 'Call fdatasync after each write, so that "delivered" survives a machine crash, not only a process crash.',
  }),
}, { additionalProperties: false, description: 'Alerts appended to a file, rotated by size.' });
export type FileSinkConfig = Static<typeof FileSinkConfig>;

export const HttpTlsConfig = Type.Object({
  caFile: Type.Optional(Type.String({
    minLength: 1, description: 'PEM file of the CA(s) that sign the receiver\'s certificate (instead of the system\'s).',
  })),
  certFile: Type.Optional(Type.String({
    minLength: 1, description: 'Client certificate (PEM) for mutual TLS; goes with keyFile.',
  })),
  keyFile: Type.Optional(Type.String({ minLength: 1, description: 'Client key (PEM) for mutual TLS; goes with certFile.' })),
  insecure: Type.Boolean({ default: false, description: 'Do not verify the receiver\'s certificate. For tests only.' }),
}, { additionalProperties: false, default: {}, description: 'TLS towards an https:// receiver.' });
export type HttpTlsConfig = Static<typeof HttpTlsConfig>;

export const HttpSinkConfig = Type.Object({
  type: Type.Literal('http'),
  ...common,
  url: Type.String({
    pattern: '^[Hh][Tt][Tt][Pp][Ss]?://',
    description: 'The receiver alerts are POSTed to (http or https); its credentials and query string are never logged.',
  }),
  headers: Type.Record(Type.String(), Type.String(), {
    default: {}, description: 'Sent with every request (e.g. authorization); values are never logged.',
  }),
  batchMaxAlerts: Type.Integer({
    minimum: 1, default: 1,
    description: '1: one alert object per POST (what falcosidekick expects); more: a JSON array of up to this many.',
  }),
  maxInFlight: Type.Integer({
    minimum: 1, default: 4, description: 'Requests in flight at once to this receiver, over all partitions.',
  }),
  tls: HttpTlsConfig,
  /** Sign every request so that receivers can verify it (sinks/hmac.ts, sinks/signing.ts). */
  hmac: Type.Optional(HmacConfig),
}, {
  additionalProperties: false,
  description: 'Falco\'s alert JSON POSTed to a receiver (falcosidekick, or anything that takes it).',
});
export type HttpSinkConfig = Static<typeof HttpSinkConfig>;

export const SinkConfig = Type.Union([StdoutSinkConfig, FileSinkConfig, HttpSinkConfig]);
export type SinkConfig = Static<typeof SinkConfig>;

/**
 * The `outputs` section. Default: one stdout sink printing JSON lines, and the alerts UI on (ui/config.ts). The
 * section itself defaults to `{}`, so a larger schema can embed it as it is (`outputs: OutputsConfig`).
 */
export const OutputsConfig = Type.Object({
  sinks: Type.Array(SinkConfig, {
    default: [{ type: 'stdout' }],
    description: 'Where alerts are delivered; every alert goes to every sink whose filters it passes. An alert is ' +
      'committed only once every sink has it (or it is dead-lettered).',
  }),
  ui: UiConfig,
}, {
  additionalProperties: false, default: {},
  description: 'What becomes of the alerts (`peregrine outputs`, and `peregrine run`).',
});
export type OutputsConfig = Static<typeof OutputsConfig>;

/** A sink's configuration with its name settled. */
export type NamedSinkConfig = SinkConfig & { readonly name: string };

const SCHEMA_BY_TYPE: Readonly<Record<string, TSchema>> = {
  stdout: StdoutSinkConfig,
  file: FileSinkConfig,
  http: HttpSinkConfig,
};

/**
 * Loads the `outputs` section strictly: defaults, env-string conversion, every problem listed in one
 * PG_ERR_CONFIG error (unknown keys included), frozen. Unlike a plain `loadConfig(OutputsConfig, raw)`, whose union
 * errors say only "Expected union value", each sink is checked against the schema of its `type`, so the message
 * names the offending key.
 */
export function loadOutputsConfig(raw: unknown): Readonly<OutputsConfig> {
  const top = Type.Object({ sinks: Type.Optional(Type.Array(Type.Unknown())), ui: Type.Optional(Type.Unknown()) },
    { additionalProperties: false });
  const rawObject = structuredClone(raw ?? {});
  const problems: string[] = [...Value.Errors(top, rawObject)].map((e) => `  ${e.path || '/'}: ${e.message}`);
  const rawSinks = problems.length === 0 ? (rawObject as { sinks?: unknown[] }).sinks : undefined;
  // Each sink is loaded by the schema of its type: TypeBox applies defaults and conversions to a union member only
  // when the value already fits it, so `timeoutMs: "2500"` (from an environment variable) would fail the union.
  const sinks = rawSinks?.map((sink, i) => {
    const loaded = loadSink(sink, `/sinks/${i}`);
    if (typeof loaded === 'string') problems.push(loaded);
    return loaded;
  });
  const ui = problems.length === 0 ? (rawObject as { ui?: unknown }).ui : undefined;
  if (ui !== undefined) {
    try {
      loadConfig(UiConfig, ui);
    } catch (err) {
      if (!(err instanceof PeregrineError)) throw err;
      problems.push(...err.message.split('\n').slice(1).map((line) => line.replace(/^ {2}\//, '  /ui/')));
    }
  }
  if (problems.length > 0) throw new PeregrineError('PG_ERR_CONFIG', `invalid configuration:\n${problems.join('\n')}`);
  const config = loadConfig(OutputsConfig, { ...(sinks === undefined ? {} : { sinks }), ...(ui === undefined ? {} : { ui }) });
  checkOutputsConfig(config);
  return config;
}

/** The loaded sink, or its problems as one string of lines. */
function loadSink(sink: unknown, path: string): SinkConfig | string {
  const type = typeof sink === 'object' && sink !== null ? (sink as { type?: unknown }).type : undefined;
  const schema = typeof type === 'string' ? SCHEMA_BY_TYPE[type] : undefined;
  if (!schema) return `  ${path}/type: expected one of ${Object.keys(SCHEMA_BY_TYPE).join(', ')} (got ${JSON.stringify(type)})`;
  try {
    return loadConfig(schema, sink) as SinkConfig;
  } catch (err) {
    if (!(err instanceof PeregrineError)) throw err;
    return err.message.split('\n').slice(1)
      .map((line) => (line.startsWith('  /: ') ? `  ${path}: ${line.slice(5)}` : line.replace(/^ {2}\//, `  ${path}/`)))
      .join('\n');
  }
}

/**
 * Checks what a schema cannot say: unique sink names, paired client cert/key, valid header names, the UI's token
 * settings. Throws
 * PG_ERR_CONFIG listing every problem. `buildOutputs` calls it too, for configurations loaded some other way.
 */
export function checkOutputsConfig(config: OutputsConfig): void {
  const problems: string[] = [];
  const names = sinkNames(config.sinks);
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (seen.has(name)) problems.push(`  /sinks/${i}/name: '${name}' is used by another sink`);
    seen.add(name);
  });
  problems.push(...uiConfigProblems(config.ui, '/ui'));
  config.sinks.forEach((sink, i) => {
    if (parsePriority(sink.minPriority) === undefined) problems.push(`  /sinks/${i}/minPriority: not a Falco priority`);
    if (sink.type !== 'http') return;
    if ((sink.tls.certFile === undefined) !== (sink.tls.keyFile === undefined)) {
      problems.push(`  /sinks/${i}/tls: certFile and keyFile go together (mutual TLS needs both)`);
    }
    if (sink.hmac) problems.push(...hmacProblems(sink.hmac, `/sinks/${i}/hmac`));
    for (const header of Object.keys(sink.headers)) {
      // RFC 9110 token characters; the name (never the value) may be shown.
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) problems.push(`  /sinks/${i}/headers: '${header}' is not a header name`);
    }
    try {
      new URL(sink.url);
    } catch {
      problems.push(`  /sinks/${i}/url: not a URL`);
    }
  });
  if (problems.length > 0) throw new PeregrineError('PG_ERR_CONFIG', `invalid configuration:\n${problems.join('\n')}`);
}

/** Each sink's name: its own, else `<type>` when it is the only sink of its type, else `<type>-<n>`. */
export function sinkNames(sinks: readonly SinkConfig[]): string[] {
  const total = new Map<string, number>();
  for (const s of sinks) total.set(s.type, (total.get(s.type) ?? 0) + 1);
  const index = new Map<string, number>();
  return sinks.map((s) => {
    const n = (index.get(s.type) ?? 0) + 1;
    index.set(s.type, n);
    return s.name ?? (total.get(s.type) === 1 ? s.type : `${s.type}-${n}`);
  });
}
