/**
 * `peregrine bench rules`: what each rule costs per event, on your audit logs or on generated events, and why the
 * slowest ones are slow. For rule authors: which rule to rewrite (or narrow to a resource) before it shows up as
 * evaluator CPU. The measurement is in ../rule-cost.ts; this file reads the inputs and prints.
 */
import { generateEvents } from '@peregrine/bench/gen';
import { decodeAuditPayload, formatDiagnostic, loadRuleFiles } from '@peregrine/rule-engine';
import { ByteCounter, listInputs, readLines } from '../input.js';
import { fmtNs, type MeasuredEvent, measureRuleCosts, type RuleCost } from '../rule-cost.js';
import { defaultRulesDir } from '../rules-path.js';
import { type Command, type CommandIo, EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError } from '../usage.js';

const DEFAULT_EVENTS = 20_000;
const DEFAULT_SEED = 1;

export const benchCommand: Command = {
  name: 'bench',
  summary: 'measure what each rule costs per event (bench rules)',
  help: `Usage: peregrine bench rules [options] [EVENTS_FILE...]

Measures every enabled rule's condition on every event it would see in the
evaluator (the events of the resources and verbs its condition names, or all
events when it names neither; with first-match, only events no earlier rule
matched), over several passes, and prints the rules by cost: resources, verbs,
events seen, nanoseconds per event, share of the total, matches. The slowest
rules (top 10%, or above 3x the median ns/event) are flagged with the reason:
narrowed to no resource or verb, the field that dominates (timed on the same
events, e.g. ka.req.configmap.obj rendered as JSON), substring scans, pointer
walks, regular expressions, long 'in' lists.

Without EVENTS_FILE, events come from the project's generator (a realistic
cluster mix, deterministic for a seed). EVENTS_FILE is read like 'replay'
reads it: JSON lines of Events, EventLists or arrays, .gz, directories, '-'.

Options:
  --rules FILE          rules file or directory, repeatable, loaded in order
                        (default: the project's rules/ directory)
  --rule-matching MODE  'first' (Falco's default) or 'all'
  --events N            generated events (default ${DEFAULT_EVENTS.toLocaleString('en-US')}; ignored with EVENTS_FILE)
  --seed S              generator seed (default ${DEFAULT_SEED})
  --passes N            timed passes per rule, median kept (default 5)
  --json                print the result as JSON on stdout
  -h, --help            show this help

Exit status: 0 after a complete run, 1 when the rules do not load or an input
cannot be read, 2 for a wrong command line.

Example:
  peregrine bench rules --rules falco_rules.yaml --rules k8s_audit_rules.yaml
  peregrine bench rules --rules rules/ --rule-matching all audit.log.gz`,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      rules: { type: 'string', multiple: true },
      'rule-matching': { type: 'string', default: 'first' },
      events: { type: 'string', default: String(DEFAULT_EVENTS) },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      passes: { type: 'string', default: '5' },
      json: { type: 'boolean' },
    });
    const [sub, ...files] = positionals;
    if (sub !== 'rules') throw new UsageError(sub === undefined ? `bench needs a subcommand: 'rules'` : `unknown bench '${sub}' (there is 'rules')`);
    const ruleMatching = values['rule-matching'];
    if (ruleMatching !== 'first' && ruleMatching !== 'all') throw new UsageError(`--rule-matching must be 'first' or 'all', not '${String(ruleMatching)}'`);
    const count = positiveInt(values['events'], '--events');
    const seed = integer(values['seed'], '--seed');
    const passes = positiveInt(values['passes'], '--passes');

    const rulesPaths = (values['rules'] as string[] | undefined) ?? [defaultRulesDir()];
    const loaded = await loadRuleFiles(rulesPaths, { ruleMatching });
    for (const d of loaded.errors) io.stderr.write(`${formatDiagnostic(d)}\n`);
    if (!loaded.ok || !loaded.ruleset) {
      io.stderr.write(`bench rules: the rules do not load (${loaded.errors.length} error(s))\n`);
      return EXIT_FAILURE;
    }

    let events: MeasuredEvent[];
    let source: string;
    if (files.length > 0) {
      const read = await readEvents(files, io);
      if (!read) return EXIT_FAILURE;
      events = read;
      source = files.join(', ');
    } else {
      events = generateEvents(count, seed).map((json) => {
        const text = JSON.stringify(json);
        return { event: decodeAuditPayload(text).events[0]!, bytes: Buffer.byteLength(text) };
      });
      source = `generator (seed ${seed})`;
    }
    if (events.length === 0) {
      io.stderr.write('bench rules: no audit events in the input\n');
      return EXIT_FAILURE;
    }

    // `peregrine bench rules | head` closes the pipe early: stop quietly, as replay does.
    io.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
    const costs = measureRuleCosts(loaded.ruleset, events, { ruleMatching, passes });
    const totalNs = costs.reduce((a, c) => a + c.totalNs, 0);
    const usPerEvent = Math.round(totalNs / events.length) / 1000;
    if (values['json']) {
      io.stdout.write(`${JSON.stringify(toJson(costs, { events: events.length, source, ruleMatching, passes, usPerEvent }), null, 2)}\n`);
      return EXIT_OK;
    }
    io.stdout.write(`${formatTable(costs)}\n`);
    io.stdout.write(`${summary(costs, { events: events.length, source, ruleMatching, passes, usPerEvent })}\n`);
    return EXIT_OK;
  },
};

interface RunInfo {
  readonly events: number;
  readonly source: string;
  readonly ruleMatching: string;
  readonly passes: number;
  readonly usPerEvent: number;
}

/** Decoded events of the input files, each with its share of its line's bytes; undefined after reporting a failure. */
async function readEvents(files: readonly string[], io: CommandIo): Promise<MeasuredEvent[] | undefined> {
  const out: MeasuredEvent[] = [];
  let bad = 0;
  try {
    for (const source of await listInputs(files)) {
      for await (const line of readLines(source, io.stdin, new ByteCounter())) {
        if (line.text.trim() === '') continue;
        const { events, errors } = decodeAuditPayload(line.text);
        bad += errors.length;
        const bytes = Buffer.byteLength(line.text) / Math.max(1, events.length);
        for (const event of events) out.push({ event, bytes });
      }
    }
  } catch (err) {
    io.stderr.write(`bench rules: cannot read input: ${(err as Error).message}\n`);
    return undefined;
  }
  if (bad > 0) io.stderr.write(`bench rules: ${bad} payload(s) or event(s) in the input were not audit events and were skipped\n`);
  return out;
}

function formatTable(costs: readonly RuleCost[]): string {
  const header = ['rule', 'resources', 'verbs', 'events seen', 'ns/event', 'share', 'matches', 'flag'];
  const rows = costs.map((c) => [
    c.rule.name, truncate(c.resources, 28), truncate(c.verbs, 24), c.eventsSeen.toLocaleString('en-US'), Math.round(c.nsPerEvent).toLocaleString('en-US'),
    `${(100 * c.share).toFixed(1)}%`, c.matches.toLocaleString('en-US'), c.flagged ? `SLOW: ${c.reasons[0]}` : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === header.length - 1 ? 0 : r[i]!.length))));
  const right = new Set([3, 4, 5, 6]);
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const lines = [line(header), line(widths.map((w, i) => (i === header.length - 1 ? '----' : '-'.repeat(w)))), ...rows.map(line)];
  const flagged = costs.filter((c) => c.flagged);
  if (flagged.length > 0) {
    lines.push('', 'Why the flagged rules are slow:');
    for (const c of flagged) {
      lines.push(`  ${c.rule.name} (${fmtNs(c.nsPerEvent)}/event on ${c.eventsSeen.toLocaleString('en-US')} events, ${(100 * c.share).toFixed(1)}% of the total):`);
      for (const r of c.reasons) lines.push(`    - ${r}`);
    }
  }
  return lines.join('\n');
}

function summary(costs: readonly RuleCost[], info: RunInfo): string {
  const top = costs.slice(0, 3).map((c) => `${c.rule.name} (${(100 * c.share).toFixed(1)}%)`).join(', ');
  return `\ntotal: ${info.usPerEvent.toFixed(2)} us per event for ${costs.length} rule(s) over ${info.events.toLocaleString('en-US')} events ` +
    `(${info.source}; rule matching ${info.ruleMatching}; median of ${info.passes} passes); costliest: ${top}`;
}

function toJson(costs: readonly RuleCost[], info: RunInfo): Record<string, unknown> {
  return {
    ...info,
    rules: costs.map((c) => ({
      name: c.rule.name, resources: c.resources, verbs: c.verbs, eventsSeen: c.eventsSeen, nsPerEvent: Math.round(c.nsPerEvent),
      share: Number(c.share.toFixed(4)), matches: c.matches, flagged: c.flagged, reasons: c.reasons,
      fields: c.rule.fields, operators: c.rule.operators,
    })),
  };
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 3)}...`;
}

function positiveInt(v: unknown, name: string): number {
  const n = integer(v, name);
  if (n < 1) throw new UsageError(`${name} must be a positive integer, not '${String(v)}'`);
  return n;
}

function integer(v: unknown, name: string): number {
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isInteger(n)) throw new UsageError(`${name} must be an integer, not '${String(v)}'`);
  return n;
}
