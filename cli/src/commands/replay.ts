/**
 * `peregrine replay`: evaluates audit logs (JSON lines of Events, EventLists or arrays of them) offline, exactly as
 * the evaluator would, and prints one alert per line. Lines that are not audit events are reported on stderr with
 * their position and skipped; a summary closes the run.
 */
import { once } from 'node:events';
import { hostname } from 'node:os';
import {
  alertToJson, alertToText, buildAlert, decodeAuditPayload, formatDiagnostic, loadRuleFiles, parsePriority,
  type Priority, PRIORITIES,
} from '@peregrine/rule-engine';
import { ByteCounter, listInputs, readLines } from '../input.js';
import { Progress } from '../progress.js';
import { defaultRulesDir } from '../rules-path.js';
import { type Command, type CommandIo, EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError } from '../usage.js';

/** Beyond this many bad lines only the count is reported, so a wrong file does not flood the terminal. */
const MAX_REPORTED_BAD_LINES = 100;

export const replayCommand: Command = {
  name: 'replay',
  summary: 'evaluate audit logs (JSON lines, .gz, directories, stdin) and print alerts',
  help: `Usage: peregrine replay [options] PATH...

Reads audit events as JSON lines (each line an Event, an EventList or an array
of them) from files, directories (their files, sorted by name), gzip files or
'-' (standard input), evaluates the rules on every event and writes one alert
per line on stdout. Lines that are not audit events are reported on stderr
with their position and skipped. A summary goes to stderr at the end, and a
progress line while reading large input on a terminal.

Options:
  --rules FILE          rules file or directory, repeatable, loaded in order
                        (default: the project's rules/ directory)
  --rule-matching MODE  'first' (Falco's default: at most one alert per event,
                        the first matching rule in load order) or 'all'
  --min-priority P      skip rules less severe than P (emergency ... debug)
  --format FORMAT       'json' (Falco's alert JSON plus cluster and id,
                        default) or 'text' (Falco's text line)
  --cluster NAME        the cluster the events come from (ka.cluster.name and
                        the alert's cluster)
  --hostname NAME       the alert's hostname (default: this machine's name)
  -h, --help            show this help

Exit status: 0 after a complete run, 1 when the rules do not load or an input
cannot be read, 2 for a wrong command line.

Example:
  peregrine replay --rules falco_rules.yaml --rules k8s_audit_rules.yaml audit.log.gz`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      rules: { type: 'string', multiple: true },
      'rule-matching': { type: 'string', default: 'first' },
      'min-priority': { type: 'string', default: 'debug' },
      format: { type: 'string', default: 'json' },
      cluster: { type: 'string' },
      hostname: { type: 'string' },
    });
    if (positionals.length === 0) throw new UsageError(`replay needs at least one PATH (a file, a directory or '-')`);
    const ruleMatching = values['rule-matching'];
    if (ruleMatching !== 'first' && ruleMatching !== 'all') {
      throw new UsageError(`--rule-matching must be 'first' or 'all', not '${String(ruleMatching)}'`);
    }
    const minPriority = parsePriority(String(values['min-priority']));
    if (!minPriority) throw new UsageError(`--min-priority must be one of ${PRIORITIES.join(', ')} (any case)`);
    const format = values['format'];
    if (format !== 'json' && format !== 'text') throw new UsageError(`--format must be 'json' or 'text'`);

    const rulesPaths = (values['rules'] as string[] | undefined) ?? [defaultRulesDir()];
    const loaded = await loadRuleFiles(rulesPaths, { ruleMatching, minPriority });
    for (const d of loaded.errors) io.stderr.write(`${formatDiagnostic(d)}\n`);
    if (!loaded.ok || !loaded.ruleset) {
      io.stderr.write(`replay: the rules do not load (${loaded.errors.length} error(s))\n`);
      return EXIT_FAILURE;
    }

    let inputs: string[];
    try {
      inputs = await listInputs(positionals);
    } catch (err) {
      io.stderr.write(`replay: cannot read input: ${(err as Error).message}\n`);
      return EXIT_FAILURE;
    }

    const stats = new ReplayStats();
    const bytes = new ByteCounter();
    const progress = new Progress(io.stderr, () => `replay: ${stats.progressLine(bytes.bytes)}`);
    const out = new LineWriter(io.stdout);
    const alertOptions = { hostname: String(values['hostname'] ?? hostname()) };
    const cluster = values['cluster'] as string | undefined;
    const ruleset = loaded.ruleset;
    let readFailed = false;

    for (const source of inputs) {
      stats.files++;
      try {
        for await (const line of readLines(source, io.stdin, bytes)) {
          stats.lines++;
          progress.tick();
          if (line.text.trim() === '') continue;
          const { events, errors } = decodeAuditPayload(line.text, cluster);
          for (const e of errors) stats.badLine(io, `${line.source}:${line.lineNo}: ${e}`);
          for (const event of events) {
            stats.events++;
            const matches = ruleset.evaluate(event);
            if (matches.length > 0) stats.eventsWithAlerts++;
            for (const m of matches) {
              stats.alert(m.rule.name, m.rule.priority);
              const alert = buildAlert(m, alertOptions);
              if (!(await out.write(format === 'json' ? alertToJson(alert) : alertToText(alert)))) break;
            }
          }
          if (out.closed) break;
        }
      } catch (err) {
        readFailed = true;
        io.stderr.write(`replay: cannot read ${source}: ${(err as Error).message}\n`);
      }
      if (out.closed) break;
    }
    progress.done();
    io.stderr.write(stats.summary());
    return readFailed ? EXIT_FAILURE : EXIT_OK;
  },
};

/** Writes lines with backpressure; stops quietly when the reader goes away (`replay ... | head`). */
class LineWriter {
  closed = false;

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') this.closed = true;
      else throw err;
    });
  }

  async write(line: string): Promise<boolean> {
    if (this.closed) return false;
    if (!this.stream.write(`${line}\n`)) {
      // `once` rejects when the stream errors; the error listener above has already recorded an EPIPE.
      await Promise.race([once(this.stream, 'drain'), once(this.stream, 'close')]).catch(() => undefined);
    }
    return !this.closed;
  }
}

class ReplayStats {
  files = 0;
  lines = 0;
  events = 0;
  eventsWithAlerts = 0;
  badLines = 0;
  readonly #byRule = new Map<string, number>();
  readonly #byPriority = new Map<Priority, number>();
  #alerts = 0;
  readonly #started = Date.now();

  alert(rule: string, priority: Priority): void {
    this.#alerts++;
    this.#byRule.set(rule, (this.#byRule.get(rule) ?? 0) + 1);
    this.#byPriority.set(priority, (this.#byPriority.get(priority) ?? 0) + 1);
  }

  badLine(io: CommandIo, message: string): void {
    if (++this.badLines <= MAX_REPORTED_BAD_LINES) io.stderr.write(`${message}\n`);
    else if (this.badLines === MAX_REPORTED_BAD_LINES + 1) io.stderr.write(`(further bad lines are only counted)\n`);
  }

  progressLine(bytes: number): string {
    const seconds = Math.max((Date.now() - this.#started) / 1000, 0.001);
    return `${n(this.lines)} lines, ${n(this.events)} events, ${n(this.#alerts)} alerts, ` +
      `${(bytes / 1e6).toFixed(1)} MB read (${(bytes / 1e6 / seconds).toFixed(1)} MB/s)`;
  }

  summary(): string {
    const lines = [
      `replay: ${n(this.files)} input(s), ${n(this.lines)} line(s), ${n(this.events)} event(s), ` +
        `${n(this.eventsWithAlerts)} with alerts, ${n(this.#alerts)} alert(s), ${n(this.badLines)} error(s) in the input`,
    ];
    if (this.#alerts > 0) {
      const priorities = PRIORITIES.filter((p) => this.#byPriority.has(p)).map((p) => `${p} ${n(this.#byPriority.get(p)!)}`);
      lines.push(`alerts by priority: ${priorities.join(', ')}`);
      lines.push('alerts by rule:');
      const rules = [...this.#byRule].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const width = String(rules[0]![1]).length + 1;
      for (const [rule, count] of rules) lines.push(`  ${String(count).padStart(width)}  ${rule}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}
