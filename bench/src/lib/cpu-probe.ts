/**
 * How much of the machine the benches actually get right now, measured without the pool: the same work in 1 and in 2
 * plain threads. Two probes, because a shared VM can take two different things away:
 *
 *   spin   a busy loop (pure compute): below ~1.9x for 2 threads, a neighbour holds a core;
 *   parse  JSON.parse of the bench's own event texts (allocation- and memory-heavy, like a pool worker): it can stay
 *          well below spin when the neighbours contend for memory bandwidth and cache rather than for cores.
 *
 * Measured in the same interleaved rounds as the pool, `parse2vs1` is the ceiling of `pool2vs1` at that moment: it is
 * the pool's work without the pool.
 */
import { Worker } from 'node:worker_threads';

const SPIN = `
const { parentPort, workerData } = require('node:worker_threads');
let x = 0, loops = 0;
const start = performance.now(), end = start + workerData * 1000;
while (performance.now() < end) { for (let i = 0; i < 1e5; i++) x = (x * 31 + i) | 0; loops++; }
parentPort.postMessage(loops / ((performance.now() - start) / 1000) + (x & 0));
`;

const PARSE = `
const { parentPort, workerData } = require('node:worker_threads');
const { texts, seconds } = workerData;
let keys = 0, parsed = 0, i = 0;
const start = performance.now(), end = start + seconds * 1000;
while (performance.now() < end) {
  for (let k = 0; k < 64; k++) { keys += Object.keys(JSON.parse(texts[i++ % texts.length])).length; parsed++; }
}
parentPort.postMessage(parsed / ((performance.now() - start) / 1000) + (keys & 0));
`;

function inThreads(code: string, threads: number, data: (i: number) => unknown): Promise<number> {
  return Promise.all(Array.from({ length: threads }, (_, i) => new Promise<number>((resolve, reject) => {
    const w = new Worker(code, { eval: true, workerData: data(i) });
    w.once('message', (rate: number) => {
      resolve(rate);
      void w.terminate();
    });
    w.once('error', reject);
  }))).then((rates) => rates.reduce((a, b) => a + b, 0));
}

/** Busy-loop iterations per second summed over `threads` threads spinning for `seconds`. */
export function spinRate(threads: number, seconds: number): Promise<number> {
  return inThreads(SPIN, threads, () => seconds);
}

/** JSON.parse calls per second over `texts`, summed over `threads` threads parsing for `seconds`. */
export function parseRate(threads: number, seconds: number, texts: readonly string[]): Promise<number> {
  return inThreads(PARSE, threads, () => ({ texts, seconds }));
}
