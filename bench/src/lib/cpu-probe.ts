/**
 * How much of the machine the benches actually get right now, measured without the pool: the same work in 1 and in 2
 * plain threads. Two probes, because a shared VM can take two different things away:
 *
 *   spin   a busy loop (pure compute): below ~1.9x for 2 threads, a neighbour holds a core;
 *   parse  JSON.parse of the bench's own event texts (allocation- and memory-heavy, like a pool worker): it can stay
 *          well below spin when the neighbours contend for memory bandwidth and cache rather than for cores.
 *
 * The probe threads live as long as the probe and are warmed up first (like the pool's workers: a fresh isolate
 * growing its heap is slower, and would make the probe read low). Measured in the same interleaved rounds as the pool,
 * `parse2vs1` is the pool's work without the pool: a `pool2vs1` well below it points at the pool; both low, at the
 * machine.
 */
import { Worker } from 'node:worker_threads';

const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const texts = workerData;
let sink = 0;
parentPort.on('message', ({ kind, seconds }) => {
  let n = 0, i = 0;
  const start = performance.now(), end = start + seconds * 1000;
  if (kind === 'spin') {
    let x = 0;
    while (performance.now() < end) { for (let k = 0; k < 1e5; k++) x = (x * 31 + k) | 0; n++; }
    sink += x & 1;
  } else {
    while (performance.now() < end) {
      for (let k = 0; k < 64; k++) { sink += Object.keys(JSON.parse(texts[i++ % texts.length])).length & 1; n++; }
    }
  }
  parentPort.postMessage(n / ((performance.now() - start) / 1000) + (sink & 0));
});
`;

export type ProbeKind = 'spin' | 'parse';

/** Two probe threads; `rate()` runs one probe in the first `threads` of them. Call `close()` when done. */
export class MachineProbe {
  readonly #workers: Worker[];

  /** Starts 2 threads holding `texts` (the events the parse probe parses). */
  constructor(texts: readonly string[]) {
    this.#workers = [0, 1].map(() => new Worker(PROBE, { eval: true, workerData: texts }));
  }

  /** Work per second of `kind` summed over `threads` (1 or 2) threads running for `seconds`. */
  async rate(kind: ProbeKind, threads: number, seconds: number): Promise<number> {
    const rates = await Promise.all(this.#workers.slice(0, threads).map((w) => new Promise<number>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      w.once('error', onError);
      w.once('message', (rate: number) => {
        w.off('error', onError);
        resolve(rate);
      });
      w.postMessage({ kind, seconds });
    })));
    return rates.reduce((a, b) => a + b, 0);
  }

  /** Warm-up: each probe once in each thread (JIT, heap grown), before any measured round. */
  async warmUp(seconds: number): Promise<void> {
    for (const kind of ['spin', 'parse'] as const) await this.rate(kind, 2, seconds);
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
