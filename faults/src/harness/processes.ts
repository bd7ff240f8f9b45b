/**
 * `peregrine` commands as real child processes, as an operator runs them: started from the repository's bin, logs
 * (pino JSON on stderr) kept for waiting on a line and for failure messages, stopped with a signal of the test's
 * choosing (SIGTERM to drain, SIGKILL to crash), and always killed when the test ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { repoRoot } from '@peregrine/testkit';

export const PEREGRINE_BIN = join(repoRoot(), 'cli', 'bin', 'peregrine.js');

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (with its code or signal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The warnings and errors it logged (pino levels 40+), for failure messages. */
  problems(): string[];
  /** Every stderr line matching `re`. */
  lines(re: RegExp): string[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first stderr line matching `re` (already written or to come). */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  /** Sends `signal` (default SIGTERM) if still running, and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** The largest resident set size seen by `sampleRss` (MiB), 0 when never sampled. */
  peakRssMiB(): number;
  /** Reads VmRSS now (Linux /proc) and keeps the peak. */
  sampleRss(): void;
}

/** Starts `peregrine <args...>`; the process is SIGKILLed when the test ends if still running. */
export function startPeregrine(t: TestContext, name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(process.execPath, [PEREGRINE_BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let buffered = '';
  let peakKiB = 0;
  const listeners = new Set<() => void>();
  child.stderr!.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const l of listeners) l();
      resolve({ code, signal });
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const proc: Proc = {
    name,
    child,
    exited,
    problems: () => buffered.split('\n').filter((l) => /"level":(4|5|6)0/.test(l)),
    lines: (re) => buffered.split('\n').filter((l) => re.test(l)),
    stderr: () => buffered,
    waitFor: (re, ms = 30_000) => new Promise((resolve, reject) => {
      const check = () => {
        const line = buffered.split('\n').find((l) => re.test(l));
        if (line !== undefined) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(line);
        } else if (!running()) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`${name} exited before logging ${re}; stderr:\n${buffered.slice(-3000)}`));
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`${name}: no line matching ${re} within ${ms} ms; stderr:\n${buffered.slice(-3000)}`));
      }, ms);
      listeners.add(check);
      check();
    }),
    stop: async (signal = 'SIGTERM') => {
      if (running()) child.kill(signal);
      await exited;
    },
    peakRssMiB: () => peakKiB / 1024,
    sampleRss: () => {
      if (!running() || child.pid === undefined) return;
      try {
        const kib = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
        peakKiB = Math.max(peakKiB, kib);
      } catch {
        // exited between the check and the read
      }
    },
  };
  t.after(() => proc.stop('SIGKILL'));
  return proc;
}

/** Polls `check` every 100 ms until it holds; throws after `ms` with `what` (and `detail()` when given). */
export async function until(check: () => boolean, what: string, ms = 60_000, detail?: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
