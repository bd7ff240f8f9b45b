/** chunkBySize: order kept, every chunk within the limit unless it is a single message, nothing dropped. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkBySize, recordBytes } from './produce-chunks.js';
import type { BusMessage } from './types.js';

const msg = (bytes: number, i: number): BusMessage => ({ key: `k${i}`, value: Buffer.alloc(bytes, i % 256), headers: { n: String(i) } });

test('splits a send into chunks under the limit, in order, losing nothing', () => {
  const messages = Array.from({ length: 100 }, (_, i) => msg(100_000, i));
  const chunks = chunkBySize(messages, 1024 * 1024);
  assert.ok(chunks.length >= 10, `${chunks.length} chunks`);
  assert.deepEqual(chunks.flat(), messages, 'the same messages, in the same order');
  for (const c of chunks) assert.ok(c.reduce((a, m) => a + recordBytes(m), 0) <= 1024 * 1024);
});

test('small sends stay one request; a message above the limit is alone in its chunk', () => {
  const small = Array.from({ length: 50 }, (_, i) => msg(10, i));
  assert.equal(chunkBySize(small, 1024 * 1024).length, 1);
  const big = [msg(10, 0), msg(2000, 1), msg(10, 2)];
  assert.deepEqual(chunkBySize(big, 1500).map((c) => c.length), [1, 1, 1]);
  assert.deepEqual(chunkBySize([], 1500), []);
});

test('the estimate counts key, headers and multi-byte characters', () => {
  const plain = recordBytes({ value: Buffer.alloc(10) });
  assert.equal(recordBytes({ value: Buffer.alloc(10), key: 'é' }), plain + 2);
  assert.ok(recordBytes({ value: Buffer.alloc(10), headers: { a: 'b' } }) > plain + 2);
});
