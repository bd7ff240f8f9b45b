/**
 * The issue's targets, read from the benches' ratios: each bench module may export `TARGETS` (ratio name -> the least
 * acceptable value; every target here is "at least"), and the runner checks the ratios its run() returned against
 * them. A target whose ratio is missing (a variant skipped) is reported as not measured, never as met.
 */
import type { BenchResult } from '../results.js';

export interface TargetCheck {
  readonly bench: string;
  readonly ratio: string;
  readonly target: number;
  /** Undefined when the bench did not report the ratio. */
  readonly value: number | undefined;
  readonly met: boolean;
  /** target - value when missed (in the ratio's unit), else 0. */
  readonly missedBy: number;
  /** What the bench says about the conditions of its run (e.g. the machine was not giving 2 cores), if anything. */
  readonly caveat?: string | undefined;
}

/** Checks one bench's result against its targets. */
export function checkTargets(
  result: BenchResult, targets: Readonly<Record<string, number>>, caveat?: string | undefined,
): TargetCheck[] {
  return Object.entries(targets).map(([ratio, target]) => {
    const value = result.ratios?.[ratio];
    const met = value !== undefined && Number.isFinite(value) && value >= target;
    return { bench: result.bench, ratio, target, value, met, missedBy: met || value === undefined ? 0 : target - value, caveat };
  });
}

/** One line per target: met, or missed by how much (absolute and as a share of the target). */
export function describeCheck(c: TargetCheck): string {
  const caveat = c.caveat ? `; ${c.caveat}` : '';
  if (c.value === undefined) return `NOT MEASURED  ${c.bench}: ${c.ratio} (target >= ${c.target})${caveat}`;
  const v = Math.round(c.value * 1000) / 1000;
  if (c.met) return `met           ${c.bench}: ${c.ratio} = ${v} >= ${c.target}${caveat}`;
  const short = Math.round(c.missedBy * 1000) / 1000;
  return `MISSED        ${c.bench}: ${c.ratio} = ${v} < ${c.target} (short by ${short}, ${Math.round((c.missedBy / c.target) * 100)}% of the target)${caveat}`;
}
