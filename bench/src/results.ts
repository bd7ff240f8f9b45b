/**
 * What every benchmark records and how: a table printed for people, and a JSON file for machines and for the README
 * chart, with the machine it ran on (node version, CPU model, core count, date), because numbers from the shared
 * 2-core machines are only comparable to numbers measured beside them, in the same run.
 *
 *   bench/results/<tag>/<bench>.json     (tag: `local` by default, ignored by git; `--save NAME` keeps one)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Machine {
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly date: string;
}

export function machine(): Machine {
  return {
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    date: new Date().toISOString(),
  };
}

export type Row = Readonly<Record<string, string | number>>;

export interface BenchResult {
  readonly bench: string;
  readonly machine: Machine;
  /** How the bench was run (quick or not, event counts, durations). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly rows: readonly Row[];
  /** Ratios the targets are read from, e.g. `{ evaluateVsJsonParse: 0.91 }`. */
  readonly ratios?: Readonly<Record<string, number>>;
  readonly notes?: readonly string[];
}

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** Writes `results/<tag>/<bench>.json`; returns the path. */
export function saveResult(result: BenchResult, tag = 'local'): string {
  const dir = join(RESULTS_DIR, tag);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${result.bench}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}

/** A Markdown table of rows (columns from the first row), numbers with thousands separators. */
export function table(rows: readonly Row[]): string {
  if (rows.length === 0) return '(no rows)';
  const columns = Object.keys(rows[0]!);
  const cell = (v: string | number | undefined) =>
    typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(2)) : (v ?? '');
  const lines = [`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${columns.map((c) => cell(r[c])).join(' | ')} |`);
  return lines.join('\n');
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (0..100) of a list of numbers, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Common command-line options of every bench: `--quick` (a few seconds), `--save TAG`, `--seconds N`. */
export interface BenchOptions {
  readonly quick: boolean;
  readonly tag: string;
  /** Measuring time per case, seconds. */
  readonly seconds: number;
}

export function benchOptions(argv: readonly string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const tagAt = argv.indexOf('--save');
  const secondsAt = argv.indexOf('--seconds');
  return {
    quick,
    tag: tagAt >= 0 ? argv[tagAt + 1] ?? 'local' : 'local',
    seconds: secondsAt >= 0 ? Number(argv[secondsAt + 1]) : quick ? 0.5 : 3,
  };
}
