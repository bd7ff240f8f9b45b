/**
 * Reading a service's /metrics from a case: which port to give it (the harness starts the evaluator and the outputs
 * with `--metrics-listen 127.0.0.1:0`, whose port is not logged; a case that wants to read it passes a free port of
 * its own, the later flag wins) and the value of one counter, summed over its labels. Used to prove that a process
 * really had work in hand before a fault hit it, rather than assuming it from timing.
 */
import { createServer } from 'node:net';
import { sleep } from './processes.js';

/** A TCP port free on 127.0.0.1 right now (the OS's pick; another process could take it before we use it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The sum of every series of metric `name` at `http://127.0.0.1:<port>/metrics`; undefined when it cannot be read. */
export async function metricSum(port: number, name: string): Promise<number | undefined> {
  let text: string;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    text = await res.text();
  } catch {
    return undefined;
  }
  let sum = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m?.[1] === name) {
      sum += Number(m[2]);
      seen = true;
    }
  }
  return seen ? sum : undefined;
}

/** Polls metric `name` every 200 ms until it is above `min`; resolves with its value, throws after `ms`. */
export async function waitForMetricAbove(port: number, name: string, min: number, ms = 60_000): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await metricSum(port, name);
    if (value !== undefined && value > min) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${name} > ${min} on port ${port} (last: ${value})`);
    }
    await sleep(200);
  }
}
