/**
 * The fuzzers' source of randomness: a small seeded generator (mulberry32), so that a seed and an index give the same
 * input on every machine and every run, and a failure can be replayed from the two numbers it prints. Never
 * Math.random: an input nobody can regenerate is a failure nobody can fix.
 */

export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The generator for input `index` of a run seeded with `seed`: inputs can be regenerated one by one. */
  static forInput(seed: number, index: number): Random {
    return new Random(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((a, [w]) => a + w, 0);
    let r = this.next() * total;
    for (const [w, v] of choices) {
      if ((r -= w) < 0) return v;
    }
    return choices[choices.length - 1]![1];
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/**
 * The run's seed: FUZZ_SEED when set (to replay a failure), else a fixed default (runs are deterministic). Not
 * PEREGRINE_*: the processes under test read those as configuration, and refuse keys they do not know.
 */
export function fuzzSeed(defaultSeed: number): number {
  const env = process.env['FUZZ_SEED'];
  if (env === undefined || env === '') return defaultSeed;
  const n = Number(env);
  if (!Number.isInteger(n)) throw new Error(`FUZZ_SEED must be an integer, not '${env}'`);
  return n >>> 0;
}

/** An input shown in a failure message: JSON-quoted (control characters and lone surrogates visible), cut at `max`. */
export function preview(input: string | Uint8Array, max = 400): string {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  const cut = text.length > max ? `${text.slice(0, max)}` : text;
  return `${JSON.stringify(cut)}${text.length > max ? ` ... (${text.length} characters in all)` : ''}`;
}
