/**
 * `peregrine validate FILE...`: loads rules files in order, as the evaluator would, and reports every error and
 * warning with its position and a caret. Exit 0 when the rules load, 1 when they do not.
 */
import { formatDiagnostic, loadRuleFiles, type LoadResult } from '@peregrine/rule-engine';
import { type Command, EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError } from '../usage.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check rules files: every error and warning, with file:line:col',
  help: `Usage: peregrine validate [options] FILE...

Loads the rules files in the order given (later files append to and override
earlier ones, as in Falco) and reports every problem at once, each with
file:line:col, the item it belongs to and a caret under the spot.

Options:
  --quiet      print errors only, no warnings and no summary
  --json       print {ok, errors, warnings, stats} as JSON on stdout
  -h, --help   show this help

Exit status: 0 when the rules load (warnings allowed), 1 when they do not,
2 for a wrong command line.

Example:
  peregrine validate falco_rules.yaml k8s_audit_rules.yaml my_overrides.yaml`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      quiet: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (positionals.length === 0) throw new UsageError('validate needs at least one rules file');
    const result = await loadRuleFiles(positionals);
    if (values['json']) {
      io.stdout.write(`${JSON.stringify({ ok: result.ok, errors: result.errors, warnings: result.warnings, stats: result.stats }, null, 2)}\n`);
      return result.ok ? EXIT_OK : EXIT_FAILURE;
    }
    const shown = values['quiet'] ? result.errors : [...result.errors, ...result.warnings];
    for (const d of shown) io.stderr.write(`${formatDiagnostic(d)}\n`);
    if (!values['quiet']) io.stderr.write(`${summary(result)}\n`);
    return result.ok ? EXIT_OK : EXIT_FAILURE;
  },
};

function summary(r: LoadResult): string {
  const s = r.stats;
  const counts = `${r.errors.length} error(s), ${r.warnings.length} warning(s)`;
  if (!r.ok) return `rules do not load: ${counts}`;
  const lines = [
    `ok: ${s.files} file(s), ${s.auditRules} k8s_audit rule(s) (${s.activeRules} enabled), ${s.macros} macro(s), ${s.lists} list(s); ${counts}`,
    `    ${s.activeRules - s.unpartitionedRules} enabled rule(s) narrowed to resources by their condition, ${s.unpartitionedRules} run on every event`,
  ];
  if (s.otherSourceRules > 0) lines.push(`    ${s.otherSourceRules} rule(s) of other sources (syscall) loaded, not evaluated on audit events`);
  return lines.join('\n');
}
