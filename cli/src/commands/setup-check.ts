/**
 * `peregrine setup check --policy FILE [--rules FILE]...`: does the audit policy give every enabled rule the
 * requests, level and stages it needs? Exit 0 when it does, 1 when some rule would not fire (warnings), 2 for a wrong
 * command line or a policy or rules file that cannot be read.
 */
import { readFile } from 'node:fs/promises';
import { type CompiledRule, formatDiagnostic, loadRuleFiles } from '@peregrine/rule-engine';
import { defaultRulesDir } from '../rules-path.js';
import { type AuditPolicy, parsePolicy, PolicyError } from '../setup/audit-policy.js';
import { hasWarnings, reportLines, summaryLine } from '../setup/check-report.js';
import { checkPolicy } from '../setup/policy-check.js';
import { type CommandIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseCommandArgs, UsageError } from '../usage.js';

export async function setupCheck(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    policy: { type: 'string' },
    rules: { type: 'string', multiple: true },
    verbose: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const policyPath = values['policy'] as string | undefined;
  if (policyPath === undefined) throw new UsageError('setup check needs --policy FILE (an audit.k8s.io/v1 Policy)');
  const policy = await readPolicy(policyPath, io);
  if (!policy) return EXIT_USAGE;
  const rules = await loadRulesInUse(values['rules'] as string[] | undefined, io, 'setup check');
  if (!rules) return EXIT_USAGE;
  const verbose = values['verbose'] === true;
  const report = checkPolicy(policy, rules);
  for (const line of reportLines(report, verbose)) io.stdout.write(`${line}\n`);
  io.stdout.write(`${summaryLine(report, policyPath, verbose)}\n`);
  return hasWarnings(report) ? EXIT_FAILURE : EXIT_OK;
}

async function readPolicy(path: string, io: CommandIo): Promise<AuditPolicy | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    io.stderr.write(`peregrine setup check: cannot read the policy ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return undefined;
  }
  try {
    return parsePolicy(text, path);
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    io.stderr.write(`peregrine setup check: ${err.message}\n`);
    return undefined;
  }
}

/** The rules the evaluator would run (default: the project's rules/); undefined, after saying why, when they do not load. */
export async function loadRulesInUse(paths: readonly string[] | undefined, io: CommandIo, who: string): Promise<readonly CompiledRule[] | undefined> {
  const files = paths && paths.length > 0 ? paths : [defaultRulesDir()];
  const result = await loadRuleFiles(files);
  if (!result.ok) {
    for (const d of result.errors) io.stderr.write(`${formatDiagnostic(d)}\n`);
    io.stderr.write(`peregrine ${who}: the rules do not load (${result.errors.length} error(s)); 'peregrine validate' shows the same\n`);
    return undefined;
  }
  return result.ruleset!.rules;
}
