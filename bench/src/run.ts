/**
 * The bench runner (`npm run bench -- [--quick] [--only NAME[,NAME]] [--save TAG] [--seconds N]`): runs the benches in
 * order, one after the other (never two at once: they would measure each other), prints each table, saves each
 * result to `results/<tag>/<bench>.json`, then prints the issue's targets (met, or missed by how much), writes
 * `results/<tag>/summary.json` and draws `results/<tag>/chart.svg`. `--quick` runs them all in a few minutes.
 *
 * Each bench is a module exporting `run(options)` and, optionally, `TARGETS` (ratio -> least acceptable value) and
 * `targetCaveat(result)` (a word on the run's conditions, printed beside its targets); a module not built yet is
 * skipped with a note. A bench that throws does not stop the others; the runner's exit code
 * is then 1. A missed target does not fail the run: it is a finding, reported in the summary.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchOptions, type BenchResult, benchOptions, machine, RESULTS_DIR, saveResult } from './results.js';
import { writeChart } from './chart.js';
import { formatResult, isEntryPoint } from './lib/cli.js';
import { checkTargets, describeCheck, type TargetCheck } from './lib/targets.js';

/** The benches in the order they run: single-thread costs first, then the pool, ingest, and end to end. */
export const BENCHES = ['evaluator-core', 'pool', 'ingest', 'e2e'] as const;

interface BenchModule {
  run(options: BenchOptions): Promise<BenchResult>;
  TARGETS?: Readonly<Record<string, number>>;
  /** What the run's conditions mean for its targets (pool: the machine was not giving 2 cores), if anything. */
  targetCaveat?: (result: BenchResult) => string | undefined;
}

export interface RunSummary {
  readonly machine: ReturnType<typeof machine>;
  readonly options: BenchOptions & { readonly only: readonly string[] };
  readonly benches: readonly { readonly name: string; readonly status: 'ok' | 'failed' | 'missing'; readonly seconds: number; readonly error?: string }[];
  readonly targets: readonly TargetCheck[];
}

/** `--only a,b` (validated against BENCHES); all when absent. */
export function selectBenches(argv: readonly string[]): string[] {
  const at = argv.indexOf('--only');
  if (at < 0) return [...BENCHES];
  const names = (argv[at + 1] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(BENCHES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(`--only takes bench names among ${BENCHES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
  }
  return BENCHES.filter((b) => names.includes(b));
}

/** Runs the selected benches and writes the summary and the chart. Resolves to the summary. */
export async function runAll(argv: readonly string[]): Promise<RunSummary> {
  const options = benchOptions(argv);
  const only = selectBenches(argv);
  const started = Date.now();
  const benches: RunSummary['benches'][number][] = [];
  const targets: TargetCheck[] = [];
  for (const name of only) {
    const url = new URL(`./${name}.js`, import.meta.url);
    if (!existsSync(url)) {
      console.log(`\n## ${name}: not built here (bench/src/${name}.ts missing): skipped`);
      benches.push({ name, status: 'missing', seconds: 0 });
      continue;
    }
    const t0 = Date.now();
    try {
      const mod = (await import(url.href)) as BenchModule;
      const result = await mod.run(options);
      console.log(`\n${formatResult(result)}`);
      saveResult(result, options.tag);
      if (mod.TARGETS) targets.push(...checkTargets(result, mod.TARGETS, mod.targetCaveat?.(result)));
      benches.push({ name, status: 'ok', seconds: (Date.now() - t0) / 1000 });
    } catch (err) {
      console.error(`\n## ${name}: FAILED\n${(err as Error).stack ?? String(err)}`);
      benches.push({ name, status: 'failed', seconds: (Date.now() - t0) / 1000, error: (err as Error).message });
    }
  }
  const summary: RunSummary = { machine: machine(), options: { ...options, only }, benches, targets };
  const dir = join(RESULTS_DIR, options.tag);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log('\n## targets');
  for (const c of targets) console.log(describeCheck(c));
  console.log(`\nbenches: ${benches.map((b) => `${b.name} ${b.status} (${Math.round(b.seconds)} s)`).join(', ')}; total ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(`wrote ${join(dir, 'summary.json')} and ${writeChart(options.tag)}`);
  return summary;
}

if (isEntryPoint(import.meta.url)) {
  try {
    const summary = await runAll(process.argv.slice(2));
    if (summary.benches.some((b) => b.status === 'failed')) process.exitCode = 1;
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
  }
}
