/**
 * Times many small jobs over the same events the way the evaluator touches them: event-chunk by event-chunk. The
 * evaluator runs every candidate rule on one event while that event is in the CPU cache; timing one rule over all
 * 20,000 events instead (rule by rule) makes every rule pay the cache misses of walking 50+ MB of decoded JSON, and
 * measured 1.5-2x the evaluator's real per-event cost. So:
 *
 *   for each chunk of CHUNK consecutive events:
 *     every job once on its events of the chunk (untimed: brings them into the cache, as the evaluator has them)
 *     PASSES times: every job on its events of the chunk, each timed alone (wall clock, ns)
 *     each job's time for the chunk = the median of its passes
 *   a job's total = the sum over chunks
 *
 * A timing lasts microseconds, so the scheduler rarely lands in one; when it does (a busy machine), the median of the
 * passes drops that sample. The clock's own cost (calibrated at start) is subtracted from every timing.
 */

/** One job: a function called on each of a list of items, given by their positions in the whole input. */
export interface TimedJob<T> {
  /** Positions (ascending) in `items` of the items this job runs on. */
  readonly positions: readonly number[];
  readonly call: (item: T) => unknown;
}

const CHUNK = 32;

/** Total nanoseconds of each job over all its items (median of `passes` per chunk, summed). */
export function timeJobs<T>(items: readonly T[], jobs: readonly TimedJob<T>[], passes: number): number[] {
  const overhead = clockOverheadNs();
  const totals = jobs.map(() => 0);
  const cursors = jobs.map(() => 0);
  const samples = jobs.map(() => new Array<number>(passes).fill(0));
  let keep = 0;
  for (let start = 0; start < items.length; start += CHUNK) {
    const end = start + CHUNK;
    const ranges = jobs.map((job, k) => {
      const from = cursors[k]!;
      let to = from;
      while (to < job.positions.length && job.positions[to]! < end) to++;
      cursors[k] = to;
      return [from, to] as const;
    });
    for (let k = 0; k < jobs.length; k++) {
      const [from, to] = ranges[k]!;
      for (let i = from; i < to; i++) if (jobs[k]!.call(items[jobs[k]!.positions[i]!]!)) keep++;
    }
    for (let p = 0; p < passes; p++) {
      for (let k = 0; k < jobs.length; k++) {
        const [from, to] = ranges[k]!;
        if (from === to) continue;
        const job = jobs[k]!;
        const started = process.hrtime.bigint();
        for (let i = from; i < to; i++) if (job.call(items[job.positions[i]!]!)) keep++;
        samples[k]![p] = Math.max(0, Number(process.hrtime.bigint() - started) - overhead);
      }
    }
    for (let k = 0; k < jobs.length; k++) {
      const [from, to] = ranges[k]!;
      if (from < to) totals[k]! += median(samples[k]!);
    }
  }
  blackhole += keep;
  return totals;
}

let blackhole = 0;

/** The cost of reading the clock twice around nothing: the median of many tries. */
function clockOverheadNs(): number {
  const tries: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const started = process.hrtime.bigint();
    tries.push(Number(process.hrtime.bigint() - started));
  }
  return median(tries);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
