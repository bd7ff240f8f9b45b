import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { Progress } from './progress.js';

function stream(isTTY: boolean): { s: PassThrough & { isTTY?: boolean }; text: () => string } {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean };
  s.isTTY = isTTY;
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString()));
  return { s, text: () => out };
}

test('on a terminal: nothing in the first interval, then one rewritten line per interval, erased at the end', async () => {
  const { s, text } = stream(true);
  let n = 0;
  const p = new Progress(s, () => `read ${++n}`, 1000);
  p.tick(1_000);
  p.tick(1_500);
  assert.equal(text(), '', 'quiet for short inputs');
  p.tick(2_100);
  p.tick(2_200);
  p.tick(3_200);
  p.done();
  await new Promise((r) => setImmediate(r));
  assert.equal(text(), '\r\x1b[Kread 1\r\x1b[Kread 2\r\x1b[K');
});

test('not a terminal: no progress output at all', async () => {
  const { s, text } = stream(false);
  const p = new Progress(s, () => 'x', 1000);
  for (let t = 0; t < 10_000; t += 500) p.tick(t);
  p.done();
  await new Promise((r) => setImmediate(r));
  assert.equal(text(), '');
});
