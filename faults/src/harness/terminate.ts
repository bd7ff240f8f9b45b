/**
 * A graceful stop as an operator's tooling does it: SIGTERM, then wait for the process to exit on its own, bounded.
 * A service that hangs on SIGTERM (a timer or a socket left open, a drain that never ends) or exits non-zero fails
 * the case here, with the end of its log, instead of hanging the suite.
 */
import assert from 'node:assert/strict';
import type { Proc } from './processes.js';

/** Longer than the services' own bound on a stop (30 s per component), so that a hang is told from slowness. */
export const EXIT_WITHIN_MS = 60_000;

/** Sends SIGTERM and resolves with how long the exit took; fails on a hang or on an exit other than status 0. */
export async function terminate(proc: Proc, withinMs = EXIT_WITHIN_MS): Promise<number> {
  const started = Date.now();
  proc.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), withinMs);
  });
  const exit = await Promise.race([proc.exited, hung]);
  clearTimeout(timer);
  if (exit === 'hung') assert.fail(`${proc.name} did not exit within ${withinMs} ms of SIGTERM:\n${proc.stderr().slice(-3000)}`);
  assert.deepEqual(exit, { code: 0, signal: null },
    `${proc.name} did not exit cleanly on SIGTERM:\n${proc.problems().slice(-10).join('\n')}`);
  return Date.now() - started;
}
