/**
 * Test helper (compiled with the sources, never exported): the `peregrine` binary as a child process, as an operator
 * runs it, with its stdout and stderr kept whole so that a test can wait for a line and afterwards search everything
 * the process wrote. Killed with SIGKILL when the test ends, if still running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { repoRoot } from '@peregrine/testkit';

export const PEREGRINE_BIN = join(repoRoot(), 'cli', 'bin', 'peregrine.js');

export interface PeregrineProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stderr line matching `re`; rejects with the stderr tail when the process exits first. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  /** The exit code, or the name of the signal that ended the process (a failed assertion then says which). */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Sends `signal` (if still running) and resolves as `exited`. */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

export function startPeregrine(t: TestContext, args: readonly string[], env: NodeJS.ProcessEnv = {}): PeregrineProcess {
  // Only what the test gives: PEREGRINE_* variables of the machine running the tests must not change the outcome.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PEREGRINE_') && k !== 'KAFKA_BROKERS'));
  const child = spawn(process.execPath, [PEREGRINE_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...inherited, ...env } });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString('utf8');
    for (const l of listeners) l();
  });
  let running = true;
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('close', (code, signal) => {
    running = false;
    for (const l of listeners) l();
    resolve(code ?? signal!);
  }));
  t.after(() => {
    if (running) child.kill('SIGKILL');
  });
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    waitFor: (re, ms = 30_000) => new Promise((resolve, reject) => {
      const check = () => {
        const line = err.split('\n').find((l) => re.test(l));
        if (line === undefined && running) return;
        listeners.delete(check);
        clearTimeout(timer);
        if (line === undefined) reject(new Error(`peregrine ${args[0]} exited before a line matching ${re}; stderr:\n${err.slice(-3000)}`));
        else resolve(line);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`peregrine ${args[0]}: no line matching ${re} within ${ms} ms; stderr:\n${err.slice(-3000)}`));
      }, ms);
      listeners.add(check);
      check();
    }),
    stop: (signal = 'SIGTERM') => {
      if (running) child.kill(signal);
      return exited;
    },
  };
}

/** The webhook URL a started `run` or `ingest` prints. */
export async function webhookUrl(proc: PeregrineProcess): Promise<string> {
  return /webhook at (\S+)/.exec(await proc.waitFor(/webhook at /))![1]!;
}
