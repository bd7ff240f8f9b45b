/**
 * A SIGHUP that arrives while `peregrine run` is still starting (its evaluator pool loading, its webhook not yet
 * listening) is ignored, not fatal: by default a SIGHUP ends a process, and a config tool or log rotation may send
 * one at any time. Through the real binary.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPeregrine } from './process-test-support.js';

test('peregrine run: a SIGHUP while starting is ignored; the process comes up and stops cleanly', async (t) => {
  const run = startPeregrine(t, ['run', '--listen', '127.0.0.1:0', '--no-ui', '--workers', '1']);
  // Logged by the evaluator as it starts, before its worker pool and the webhook are up.
  await run.waitFor(/"msg":"decoding with /);
  run.child.kill('SIGHUP');
  await run.waitFor(/started \(one process/);
  const handled = /SIGHUP while starting: ignored|SIGHUP: reloading/;
  for (let i = 0; !handled.test(run.stderr()); i++) {
    assert.ok(i < 200, `the SIGHUP is handled; stderr:\n${run.stderr().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(await run.stop(), 0, `stops cleanly; stderr:\n${run.stderr().slice(-3000)}`);
});
