/**
 * What every bench does when run as a command (`node bench/dist/<name>.js [--quick] [--seconds N] [--save TAG]`):
 * measure with `run(options)`, print the result for people, save the JSON with `saveResult`. `run()` itself neither
 * prints tables nor writes files, so the runner (run.ts) and the smoke tests can call it freely.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BenchOptions, type BenchResult, benchOptions, saveResult, table } from '../results.js';

/** True when the module at `moduleUrl` is the script node was started with (not imported). */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** The result as text: a heading with the machine, the table, the ratios and the notes. */
export function formatResult(result: BenchResult): string {
  const m = result.machine;
  const lines = [`## ${result.bench}  (${m.cpu}, ${m.cores} cores, node ${m.node}, ${m.date})`, '', table(result.rows)];
  const ratios = Object.entries(result.ratios ?? {});
  if (ratios.length > 0) lines.push('', `ratios: ${ratios.map(([k, v]) => `${k} = ${round(v)}`).join(', ')}`);
  for (const n of result.notes ?? []) lines.push(`note: ${n}`);
  return lines.join('\n');
}

/** Runs a bench as a command: parse argv, run, print, save. Sets a failing exit code when the bench throws. */
export async function benchMain(run: (options: BenchOptions) => Promise<BenchResult>): Promise<void> {
  const options = benchOptions(process.argv.slice(2));
  try {
    const result = await run(options);
    console.log(formatResult(result));
    console.log(`saved ${saveResult(result, options.tag)}`);
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  }
}

/** Two decimals for small numbers, integers for large ones. */
export function round(v: number): number {
  return Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100;
}
