/**
 * The generator's only source of randomness: mulberry32, a 32-bit PRNG small enough to read in one go, seeded through
 * a splitmix-style hash so that neighbouring seeds (1, 2, 3) give unrelated streams.
 *
 * Invariant: everything the generator emits is a pure function of the seed. Nothing here reads the clock,
 * Math.random or the environment, so the same seed gives byte-identical output on every machine and Node version
 * (only integer arithmetic and IEEE doubles, whose operations are exactly specified).
 */

/** A seeded pseudo-random stream with the helpers the event generator needs. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    // splitmix32 of the seed: mulberry32 started from 1, 2, 3 would give correlated first outputs.
    let z = (seed + 0x9e3779b9) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.#state = (z ^ (z >>> 16)) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight: `[[item, weight], ...]` (weights need not sum to 1). */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.next() * total;
    for (const [item, w] of entries) {
      r -= w;
      if (r < 0) return item;
    }
    return entries[entries.length - 1]![0];
  }

  /** An exponential variate with the given mean (inter-arrival times). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /**
   * A log-normal variate with the given median and shape: object sizes are log-normal in practice (most small,
   * a long tail), which is what makes the p99 an order of magnitude above the median.
   */
  logNormal(median: number, sigma: number): number {
    // Box-Muller; 1 - next() is in (0, 1], so the log is finite.
    const normal = Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
    return median * Math.exp(sigma * normal);
  }

  /** `n` lowercase hex digits. */
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += HEX[Math.floor(this.next() * 16)];
    return s;
  }

  /** `n` characters of a Kubernetes generated-name suffix (consonants and digits, as the apiserver's). */
  suffix(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += NAME_CHARS[Math.floor(this.next() * NAME_CHARS.length)];
    return s;
  }

  /** A version-4 UUID built from this stream (audit IDs, object UIDs). */
  uuid(): string {
    const h = this.hex(32).split('');
    h[12] = '4';
    h[16] = HEX[8 + Math.floor(this.next() * 4)]!;
    const s = h.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }
}

const HEX = '0123456789abcdef';
/** k8s.io/apimachinery/pkg/util/rand: no vowels and no confusable characters. */
const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
