/**
 * Child processes of the benches: start a node script, wait for a line it prints, read its memory from /proc, and
 * stop it by its pid (never by name). Every child is also killed when this process exits, so an interrupted bench
 * leaves nothing running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Child {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the first line of stdout or stderr matching `re`; rejects after `ms` or when the child exits. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  /** Every line of its recent output (the last 64 KB of stdout and stderr) matching `re`. */
  lines(re: RegExp): string[];
  /** The last ~8 KB of its stderr, for error messages. */
  tail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHook = false;

/** Starts `node script ...args`, stdin piped (a child may exit when it closes), stdout and stderr captured. */
export function startNode(script: string, args: readonly string[], options: { nodeArgs?: readonly string[] } = {}): Child {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  let stderrTail = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer, err: boolean) => {
    const s = d.toString();
    // Keep only a bounded amount: a chatty child must not grow this process.
    output = (output + s).slice(-64 * 1024);
    if (err) stderrTail = (stderrTail + s).slice(-8192);
    for (const l of listeners) l();
  };
  child.stdout!.on('data', (d: Buffer) => onData(d, false));
  child.stderr!.on('data', (d: Buffer) => onData(d, true));
  child.stdin!.on('error', () => {});
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    running.delete(child);
    for (const l of listeners) l();
    resolve();
  }));
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid!,
    child,
    tail: () => stderrTail,
    lines: (re) => output.split('\n').filter((l) => re.test(l)),
    waitFor: (re, ms = 30_000) => new Promise((resolve, reject) => {
      const check = () => {
        const line = output.split('\n').find((l) => re.test(l));
        if (line !== undefined) finish(() => resolve(line));
        else if (child.exitCode !== null || child.signalCode !== null) {
          finish(() => reject(new Error(`${script} exited (${child.exitCode ?? child.signalCode}) before printing ${re}:\n${stderrTail}`)));
        }
      };
      const finish = (f: () => void) => {
        listeners.delete(check);
        clearTimeout(timer);
        f();
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`${script}: no line matching ${re} within ${ms} ms:\n${stderrTail}`))), ms);
      listeners.add(check);
      check();
    }),
    stop: (graceMs = 10_000) => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

export interface Memory {
  /** Resident set now, MiB. */
  readonly rssMiB: number;
  /** Peak resident set since the process started (VmHWM), MiB. */
  readonly peakMiB: number;
}

/** The memory of a process from /proc/<pid>/status; undefined when it is gone or /proc is not there (not Linux). */
export function memoryOf(pid: number): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** A TCP port free on 127.0.0.1 right now (bound and released: another process could take it in between). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
