/**
 * Interleaved rounds: every variant is measured once per round, in an order shuffled anew each round (seeded, so a
 * run is repeatable), so that noise of the shared machine (a neighbour's burst, thermal drift, GC of a long-lived
 * process) hits all variants alike instead of the ones that happened to run during it. Report the median of each
 * variant's samples.
 *
 *   round 0:  C A D B
 *   round 1:  B D A C
 *   round 2:  A C B D
 *
 * Shuffled rather than rotated: with rotation (A B C D, B C D A, ...) a variant always follows the same neighbour,
 * and whatever that neighbour leaves behind (a warm or cold cache, garbage to collect) biased it by ~10%, measured.
 */
import { Rng } from '../gen/prng.js';

/** Samples of each variant, in the order of `variants`. `measure` runs one variant once. */
export async function interleaved<V, S>(
  variants: readonly V[], rounds: number, measure: (variant: V, round: number) => Promise<S>,
): Promise<S[][]> {
  const samples: S[][] = variants.map(() => []);
  const rng = new Rng(1);
  const order = variants.map((_, i) => i);
  for (let r = 0; r < rounds; r++) {
    shuffle(order, rng);
    for (const i of order) samples[i]!.push(await measure(variants[i]!, r));
  }
  return samples;
}

/** Fisher-Yates, in place. */
export function shuffle<T>(items: T[], rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/** Median of one field of the samples. */
export function medianOf<S>(samples: readonly S[], pick: (s: S) => number): number {
  const values = samples.map(pick).sort((a, b) => a - b);
  if (values.length === 0) return NaN;
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}
