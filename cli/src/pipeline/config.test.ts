/**
 * The configuration as a user meets it: the example file loads, flags beat the environment which beats the file,
 * mistakes are listed all at once, and `--output` values are understood.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@peregrine/testkit';
import { UsageError } from '../usage.js';
import { configFromArgs } from './flags.js';
import { parseOutputFlag } from './outputs-flag.js';

test('the example configuration loads and has the documented defaults', () => {
  const config = configFromArgs(['--config', join(repoRoot(), 'config', 'peregrine.example.yaml')], {});
  assert.equal(config.ingest.listen, '127.0.0.1:8765');
  assert.equal(config.ingest.maxBodyBytes, 64 * 1024 * 1024);
  assert.equal(config.topics.audit, 'peregrine-audit');
  assert.deepEqual(config.kafka?.brokers, ['localhost:9092']);
  assert.equal(config.evaluator.ruleMatching, 'first');
  assert.equal(config.evaluator.rules.length, 1, 'no rules given: the project rules directory');
});

test('precedence: defaults < file < environment < flags', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'p.yaml');
  writeFileSync(file, 'ingest:\n  listen: 127.0.0.1:1000\n  retryAfterSeconds: 9\nevaluator:\n  workers: 3\n');
  const env = { PEREGRINE_INGEST__LISTEN: '127.0.0.1:2000', PEREGRINE_EVALUATOR__WORKERS: '5', KAFKA_BROKERS: 'k1:9092,k2:9092' };
  const fromEnv = configFromArgs(['--config', file], env);
  assert.equal(fromEnv.ingest.listen, '127.0.0.1:2000');
  assert.equal(fromEnv.ingest.retryAfterSeconds, 9);
  assert.equal(fromEnv.evaluator.workers, 5, 'environment strings are converted to numbers');
  assert.deepEqual(fromEnv.kafka?.brokers, ['k1:9092', 'k2:9092']);
  const fromFlags = configFromArgs(['--config', file, '--listen', '127.0.0.1:3000', '--workers', '1', '--kafka-brokers', 'k3:9092'], env);
  assert.equal(fromFlags.ingest.listen, '127.0.0.1:3000');
  assert.equal(fromFlags.evaluator.workers, 1);
  assert.deepEqual(fromFlags.kafka?.brokers, ['k3:9092']);
});

test('unknown keys and bad values are errors that list every problem', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'ingest:\n  lisen: 127.0.0.1:1\nevaluator:\n  workers: many\n  ruleMatching: some\n');
  assert.throws(() => configFromArgs(['--config', file], {}), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /\/ingest/);
    assert.match(err.message, /\/evaluator\/workers/);
    assert.match(err.message, /\/evaluator\/ruleMatching/);
    return true;
  });
  assert.throws(() => configFromArgs(['--config', join(dir, 'missing.yaml')], {}), /cannot read config file/);
  assert.throws(() => configFromArgs(['--bogus'], {}), UsageError);
});

test('--output values', () => {
  assert.deepEqual(parseOutputFlag('stdout'), { type: 'stdout', format: 'json' });
  assert.deepEqual(parseOutputFlag('stdout:text'), { type: 'stdout', format: 'text' });
  assert.deepEqual(parseOutputFlag('file:/tmp/a.jsonl'), { type: 'file', path: '/tmp/a.jsonl' });
  assert.deepEqual(parseOutputFlag('https://sidekick:2801/'), { type: 'http', url: 'https://sidekick:2801/' });
  assert.throws(() => parseOutputFlag('ftp://x'), UsageError);
  assert.throws(() => parseOutputFlag('file:'), UsageError);
});
