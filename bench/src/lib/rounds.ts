/**
 * Interleaved rounds: every variant is measured once per round, and the order of the variants rotates from round to
 * round, so that noise of the shared machine (a neighbour's burst, thermal drift, GC of a long-lived process) hits
 * all variants alike instead of the ones that happened to run during it. Report the median of each variant's samples.
 *
 *   round 0:  A B C D
 *   round 1:  B C D A
 *   round 2:  C D A B
 */

/** Samples of each variant, in the order of `variants`. `measure` runs one variant once. */
export async function interleaved<V, S>(
  variants: readonly V[], rounds: number, measure: (variant: V, round: number) => Promise<S>,
): Promise<S[][]> {
  const samples: S[][] = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (k + r) % variants.length;
      samples[i]!.push(await measure(variants[i]!, r));
    }
  }
  return samples;
}

/** Median of one field of the samples. */
export function medianOf<S>(samples: readonly S[], pick: (s: S) => number): number {
  const values = samples.map(pick).sort((a, b) => a - b);
  if (values.length === 0) return NaN;
  const mid = values.length >> 1;
  return values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}
