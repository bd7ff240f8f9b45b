/**
 * Round-robin measurement in short rounds: the input is cut into chunks, and each round runs every variant once on
 * the same chunk, so the variants compared in a round are measured within a fraction of a second of each other, on
 * the same events:
 *
 *   warm-up cycle (untimed): every variant on every chunk
 *   cycle 1:  round 0 = chunk 0: C A B    round 1 = chunk 1: B C A    ...    round K-1 = chunk K-1
 *   cycle 2:  ...                                                      (as many cycles as the time budget allows)
 *
 * The order within a round is a fresh (seeded) shuffle, not a rotation: with a rotation every variant always follows
 * the same one, and that is not neutral (measured: the variant that always ran right after JSON.parse came out ~10%
 * slower than its identical twin, whichever of the two it was).
 *
 * A variant's time for one pass over the whole input is the sum over chunks of that chunk's MEDIAN time over the
 * cycles: a burst of noise from another process spoils a few rounds, never the median, and every chunk (big events
 * and small) counts exactly once, so the result is not biased toward the chunks that happened to be measured often.
 * On the shared 2-core machines this held ratios steady where whole-pass slices of several seconds did not.
 *
 * The clock is the process's CPU time (user + system, microsecond resolution), not the wall clock: on the shared
 * 2-core machines another process taking a core for a while stretches wall time but not our CPU time (measured: with
 * a load average of 3, wall-clock rates of the same variant moved by 2x between runs, CPU-time rates by ~10%). It
 * counts all of the process's threads, so parallel GC work is included: what a worker would spend.
 *
 * Invariant: nothing but `run` is timed; `prepare`/`release` and the full GC before each round are outside the clock.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Rng } from './gen/prng.js';
import { shuffle } from './lib/rounds.js';
import { median } from './results.js';

export interface ChunkedVariant {
  /** Untimed, just before the variant runs a chunk (e.g. decode the chunk's events for an evaluate-only variant). */
  readonly prepare?: (chunk: number) => void;
  /** Processes every item of the chunk once; returns a value so the work cannot be optimized away. */
  readonly run: (chunk: number) => number;
  /** Untimed, right after the chunk (drop what `prepare` made). */
  readonly release?: () => void;
}

export interface ChunkedOptions {
  readonly chunks: number;
  /** Timed cycles; or, when absent, as many as give the median variant about `seconds` of measured time. */
  readonly cycles?: number;
  readonly seconds: number;
  readonly minCycles: number;
  readonly maxCycles: number;
}

export interface ChunkedResult {
  /** Per variant: nanoseconds for one pass over every chunk (sum of the per-chunk medians). */
  readonly nsPerPass: readonly number[];
  readonly cycles: number;
  /** Whether a full GC could be run before each round. */
  readonly gcBeforeRounds: boolean;
}

let keep = 0;

export async function measureChunked(variants: readonly ChunkedVariant[], options: ChunkedOptions): Promise<ChunkedResult> {
  const gc = exposeGc();
  const timeOnce = (v: ChunkedVariant, chunk: number): number => {
    v.prepare?.(chunk);
    // An empty nursery for every run: otherwise a variant pays for the young-generation garbage the variant before it
    // left (measured: the variant that always followed JSON.parse came out ~10% slower than its identical twin).
    gc?.({ type: 'minor' });
    const started = cpuNs();
    keep += v.run(chunk);
    const ns = cpuNs() - started;
    v.release?.();
    return ns;
  };

  // Warm-up: every path compiled on every kind of event before anything counts; its times size the budget.
  const warm = variants.map((v) => {
    let ns = 0;
    for (let c = 0; c < options.chunks; c++) ns += timeOnce(v, c);
    return ns;
  });
  const perCycleNs = median(warm);
  const cycles = options.cycles ?? Math.min(options.maxCycles, Math.max(options.minCycles, Math.ceil((options.seconds * 1e9) / perCycleNs)));

  // samples[variant][chunk] = the times of that chunk, one per cycle
  const samples = variants.map(() => Array.from({ length: options.chunks }, (): number[] => []));
  const rng = new Rng(0x5eed);
  const order = variants.map((_, i) => i);
  for (let round = 0; round < options.chunks * cycles; round++) {
    const chunk = round % options.chunks;
    shuffle(order, rng);
    gc?.({ type: 'major' }); // every round starts from a clean heap: garbage of the previous round is not billed to it
    for (const i of order) samples[i]![chunk]!.push(timeOnce(variants[i]!, chunk));
    if (round % options.chunks === options.chunks - 1) await new Promise((resolve) => setImmediate(resolve)); // let I/O through
  }
  const nsPerPass = samples.map((perChunk) => perChunk.reduce((total, times) => total + median(times), 0));
  return { nsPerPass, cycles, gcBeforeRounds: gc !== undefined };
}

/** CPU time used by this process so far, in nanoseconds (microsecond resolution). */
export function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/** Keeps the results of `run` observable. */
export function checksum(): number {
  return keep;
}

/**
 * `gc()` without starting node with --expose-gc: the flag set at run time, the function taken from a fresh context
 * (what Node's own benchmark tooling does). Undefined when that fails; rounds then start without a GC.
 */
type Gc = (options: { type: 'major' | 'minor' }) => void;

function exposeGc(): Gc | undefined {
  const existing = (globalThis as { gc?: Gc }).gc;
  if (typeof existing === 'function') return existing;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as Gc) : undefined;
  } catch {
    return undefined;
  }
}
