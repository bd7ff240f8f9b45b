/**
 * The order that keeps a supervisor from killing the process: its signal handlers are in place before it says it is
 * up (onReady), so a SIGTERM sent the moment the "started" line is read stops it gracefully instead of ending it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '@peregrine/core';
import { runUntilSignal } from './run-until-signal.js';

test('the handlers are installed before onReady; a signal sent from onReady stops gracefully', async () => {
  const before = { term: process.listenerCount('SIGTERM'), hup: process.listenerCount('SIGHUP') };
  const seen: string[] = [];
  // Signal handlers do not keep node's event loop alive; this does, until the stop.
  const alive = setInterval(() => undefined, 1000);
  const code = await runUntilSignal({
    logger: createLogger({ name: 'test', level: 'silent' }),
    stop: async () => {
      seen.push('stop');
    },
    onReload: async () => {
      seen.push('reload');
    },
    onReady: () => {
      assert.equal(process.listenerCount('SIGTERM'), before.term + 1, 'SIGTERM handled when the process says it is up');
      assert.equal(process.listenerCount('SIGHUP'), before.hup + 1, 'SIGHUP handled too');
      seen.push('ready');
      process.kill(process.pid, 'SIGHUP');
      // After the reload has been seen, as an operator would: one signal at a time.
      const wait = setInterval(() => {
        if (!seen.includes('reload')) return;
        clearInterval(wait);
        process.kill(process.pid, 'SIGTERM');
      }, 5);
    },
  });
  clearInterval(alive);
  assert.equal(code, 0);
  assert.deepEqual(seen, ['ready', 'reload', 'stop']);
  assert.equal(process.listenerCount('SIGTERM'), before.term, 'the handlers are removed once stopped');
});
