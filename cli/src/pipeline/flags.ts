/**
 * The flags shared by `run` and the service commands, and how they land in the configuration (flags win over the
 * config file and the environment).
 */
import { PeregrineError } from '@peregrine/core';
import { defaultRulesDir } from '../rules-path.js';
import { parseCommandArgs, UsageError } from '../usage.js';
import { type PeregrineConfig, resolveConfig, setPath } from './config.js';
import { parseOutputFlag } from './outputs-flag.js';

export const PIPELINE_FLAGS = {
  config: { type: 'string' },
  'log-level': { type: 'string' },
  listen: { type: 'string' },
  insecure: { type: 'boolean' },
  rules: { type: 'string', multiple: true },
  'rule-matching': { type: 'string' },
  'min-priority': { type: 'string' },
  workers: { type: 'string' },
  output: { type: 'string', multiple: true },
  'kafka-brokers': { type: 'string' },
  'metrics-listen': { type: 'string' },
  'dead-letters': { type: 'string' },
  'ui-listen': { type: 'string' },
  'no-ui': { type: 'boolean' },
} as const;

/** No tokens, no client-certificate CA, no explicit choice: allow unauthenticated requests (loopback only). */
function defaultToUnauthenticated(raw: Record<string, unknown>): void {
  const ingest = (raw['ingest'] ?? {}) as Record<string, unknown>;
  const auth = (ingest['auth'] ?? {}) as Record<string, unknown>;
  const tls = ingest['tls'] as Record<string, unknown> | undefined;
  const hasTokens = Array.isArray(auth['tokens']) && auth['tokens'].length > 0;
  if (auth['allowUnauthenticated'] === undefined && !hasTokens && !tls?.['ca']) {
    setPath(raw, ['ingest', 'auth', 'allowUnauthenticated'], true);
  }
}

export const PIPELINE_FLAGS_HELP = `  --config FILE          YAML configuration (every setting; see config/peregrine.example.yaml)
  --log-level LEVEL      fatal, error, warn, info (default), debug, trace, silent
  --listen HOST:PORT     webhook address (ingest; default 127.0.0.1:8765)
  --insecure             let the webhook listen beyond loopback in plain HTTP, or without
                         credentials when none are configured (configured tokens and client
                         certificates stay required); warns at every start. 'run' on
                         loopback needs no flag
  --rules FILE           rules file or directory, repeatable (evaluator; default: the project's rules/)
  --rule-matching MODE   first (default) or all
  --min-priority P       skip rules less severe than P
  --workers N            evaluator worker threads (default: one per core)
  --output SINK          stdout, stdout:text, file:PATH or an http(s) URL, repeatable (outputs; default stdout)
  --kafka-brokers LIST   host:port,... (or KAFKA_BROKERS; not for 'run')
  --metrics-listen H:P   /metrics, /healthz, /readyz of the evaluator and outputs processes,
                         and the alerts UI (/ui/) of outputs and run (default 127.0.0.1:9464)
  --ui-listen HOST:PORT  (outputs, run) serve the alerts UI on a listener of its own
  --no-ui                (outputs, run) no alerts UI, and no store of recent alerts
  --dead-letters FILE    ('run' only) append every dead letter to FILE as a JSON line; without
                         it they are logged (warn) and counted only`;

/**
 * Parses the flags into the effective configuration. Throws UsageError for bad flags and bad configuration.
 * `localDefaults` (the one-process `run`): with no authentication configured, the webhook accepts unauthenticated
 * requests; ingest itself still refuses that on a non-loopback address unless `--insecure` is given.
 */
export function configFromArgs(args: readonly string[], env: NodeJS.ProcessEnv, localDefaults = false): PeregrineConfig {
  const { values, positionals } = parseCommandArgs(args, PIPELINE_FLAGS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const v = values as Record<string, string | boolean | string[] | undefined>;
  try {
    return resolveConfig({
      file: v['config'] as string | undefined,
      env,
      overrides: (raw) => {
        if (v['log-level'] !== undefined) raw['logLevel'] = v['log-level'];
        if (v['listen'] !== undefined) setPath(raw, ['ingest', 'listen'], v['listen']);
        if (v['insecure']) {
          setPath(raw, ['ingest', 'insecure'], true);
          // It accepts the exposure; it never switches configured authentication off. Only a listener with no
          // credentials at all (no tokens, no client-certificate CA) then takes requests without any.
          defaultToUnauthenticated(raw);
        }
        if (localDefaults) defaultToUnauthenticated(raw);
        if (v['rules'] !== undefined) setPath(raw, ['evaluator', 'rules'], v['rules']);
        if (v['rule-matching'] !== undefined) setPath(raw, ['evaluator', 'ruleMatching'], v['rule-matching']);
        if (v['min-priority'] !== undefined) setPath(raw, ['evaluator', 'minPriority'], String(v['min-priority']).toLowerCase());
        if (v['workers'] !== undefined) setPath(raw, ['evaluator', 'workers'], v['workers']);
        if (v['output'] !== undefined) setPath(raw, ['outputs', 'sinks'], (v['output'] as string[]).map(parseOutputFlag));
        if (v['kafka-brokers'] !== undefined) {
          setPath(raw, ['kafka', 'brokers'], String(v['kafka-brokers']).split(',').map((b) => b.trim()).filter(Boolean));
        }
        if (v['metrics-listen'] !== undefined) setPath(raw, ['metrics', 'listen'], v['metrics-listen']);
        if (v['dead-letters'] !== undefined) setPath(raw, ['deadLetters', 'file'], v['dead-letters']);
        if (v['ui-listen'] !== undefined) setPath(raw, ['outputs', 'ui', 'listen'], v['ui-listen']);
        if (v['no-ui']) setPath(raw, ['outputs', 'ui', 'enabled'], false);
        const evaluator = (raw['evaluator'] ?? {}) as Record<string, unknown>;
        if (!Array.isArray(evaluator['rules']) || evaluator['rules'].length === 0) {
          setPath(raw, ['evaluator', 'rules'], [defaultRulesDir()]);
        }
      },
    });
  } catch (err) {
    if (err instanceof PeregrineError && err.code === 'PG_ERR_CONFIG') throw new UsageError(err.message);
    throw err;
  }
}
