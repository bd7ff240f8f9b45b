/**
 * The dead-letter drain of `peregrine run`: dead letters are written to the file with their reason, logged without
 * their content, counted, and no longer held by the in-memory bus (they used to stay until the topic was full).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createLogger, createRegistry } from '@peregrine/core';
import { HEADER_CLUSTER, HEADER_DEAD_LETTER_REASON, HEADER_DEAD_LETTER_SOURCE, MemoryBus } from '@peregrine/kafka';
import { deadLetterDrain } from './dead-letter-drain.js';

const TOPIC = 'dead';

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function setup(file?: string) {
  const bus = new MemoryBus({ partitions: 2 });
  const logs = new PassThrough();
  let logged = '';
  logs.on('data', (d: Buffer) => (logged += d.toString()));
  const registry = createRegistry();
  const drain = deadLetterDrain(bus, { topic: TOPIC, file }, createLogger({ name: 'test', level: 'warn', destination: logs }), registry);
  return { bus, drain, registry, logged: () => logged };
}

const letter = (reason: string, value: string) => ({
  key: 'prod', value: Buffer.from(value),
  headers: { [HEADER_DEAD_LETTER_REASON]: reason, [HEADER_DEAD_LETTER_SOURCE]: 'peregrine-audit/0/7', [HEADER_CLUSTER]: 'prod' },
});

test('each dead letter is appended to the file with its reason and value, logged without its value, and counted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-dead-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'dead.jsonl');
  const { bus, drain, registry, logged } = setup(file);
  await drain.start();
  t.after(() => drain.stop());
  const producer = bus.producer();
  await producer.start();
  await producer.send(TOPIC, [letter("can't read stageTimestamp", '{"kind":"Event","secret":"s3cret"}'), letter('invalid JSON', '{')]);

  const lines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  await until(() => lines().length === 2, 'two lines in the file');
  assert.deepEqual(lines().map((l) => [l['reason'], l['value'], l['cluster'], l['source']]).sort(), [
    ["can't read stageTimestamp", '{"kind":"Event","secret":"s3cret"}', 'prod', 'peregrine-audit/0/7'],
    ['invalid JSON', '{', 'prod', 'peregrine-audit/0/7'],
  ]);
  await until(() => bus.retainedBytes(TOPIC) === 0, 'the topic to be released');
  assert.match(logged(), /"msg":"dead letter"/);
  assert.match(logged(), /can't read stageTimestamp/);
  assert.doesNotMatch(logged(), /s3cret/, 'the content of a dead letter is never logged');
  assert.match(await registry.metrics(), /^peregrine_dead_letters_recorded_total 2$/m);
});

test('without a file, dead letters are logged and counted, and the bus does not keep them', async (t) => {
  const { bus, drain, registry, logged } = setup();
  await drain.start();
  t.after(() => drain.stop());
  const producer = bus.producer();
  await producer.start();
  for (let i = 0; i < 50; i++) await producer.send(TOPIC, [letter('invalid JSON', 'x'.repeat(1000))]);
  await until(() => bus.retainedBytes(TOPIC) === 0, 'the topic to be released');
  assert.match(await registry.metrics(), /^peregrine_dead_letters_recorded_total 50$/m);
  assert.equal(logged().split('\n').filter((l) => l.includes('"msg":"dead letter"')).length, 50);
});

test('a file that cannot be written is refused at start', async () => {
  const { drain } = setup(join(tmpdir(), 'no-such-dir-for-peregrine', 'dead.jsonl'));
  await assert.rejects(drain.start(), /ENOENT/);
});
