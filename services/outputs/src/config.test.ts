import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPeregrineError, loadConfig } from '@peregrine/core';
import { Type } from '@sinclair/typebox';
import { loadOutputsConfig, OutputsConfig, sinkNames } from './config.js';

function configError(raw: unknown): string {
  try {
    loadOutputsConfig(raw);
  } catch (err) {
    assert.ok(isPeregrineError(err, 'PG_ERR_CONFIG'), `expected PG_ERR_CONFIG, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected a configuration error');
}

test('the default is one stdout sink printing JSON lines', () => {
  const config = loadOutputsConfig({});
  assert.equal(config.sinks.length, 1);
  const [sink] = config.sinks;
  assert.equal(sink?.type, 'stdout');
  assert.ok(sink?.type === 'stdout');
  assert.equal(sink.format, 'json');
  assert.equal(sink.minPriority, 'debug');
  assert.deepEqual(sink.tags, []);
  assert.ok(Object.isFrozen(config));
});

test('http sinks get the documented defaults', () => {
  const [sink] = loadOutputsConfig({ sinks: [{ type: 'http', url: 'http://127.0.0.1:2801/' }] }).sinks;
  assert.ok(sink?.type === 'http');
  assert.equal(sink.timeoutMs, 10_000);
  assert.equal(sink.retryBudgetMs, 15 * 60_000, 'a receiver down for minutes is retried, not dead-lettered');
  assert.equal(sink.retries, undefined, 'no cap on the number of retries unless configured');
  assert.equal(sink.backoffInitialMs, 500);
  assert.equal(sink.backoffMaxMs, 10_000);
  assert.equal(sink.backoffFactor, 2);
  assert.equal(sink.batchMaxAlerts, 1);
  assert.deepEqual(sink.headers, {});
  assert.deepEqual(sink.tls, { insecure: false });
});

test('file sinks get rotation defaults', () => {
  const [sink] = loadOutputsConfig({ sinks: [{ type: 'file', path: 'alerts.jsonl' }] }).sinks;
  assert.ok(sink?.type === 'file');
  assert.equal(sink.maxBytes, 100 * 1024 * 1024);
  assert.equal(sink.maxFiles, 5);
  assert.equal(sink.format, 'json');
});

test('retries stays available as a cap per alert; the budget must not be negative', () => {
  const [sink] = loadOutputsConfig({ sinks: [{ type: 'file', path: 'a.jsonl', retries: '3', retryBudgetMs: '60000' }] }).sinks;
  assert.equal(sink?.retries, 3);
  assert.equal(sink?.retryBudgetMs, 60_000);
  assert.match(configError({ sinks: [{ type: 'http', url: 'http://x/', retryBudgetMs: -1 }] }), /\/sinks\/0\/retryBudgetMs/);
});

test('environment strings are converted', () => {
  const [sink] = loadOutputsConfig({ sinks: [{ type: 'http', url: 'http://x/', timeoutMs: '2500', tls: { insecure: 'true' } }] }).sinks;
  assert.ok(sink?.type === 'http');
  assert.equal(sink.timeoutMs, 2500);
  assert.equal(sink.tls.insecure, true);
});

test('every problem is listed, each under its sink', () => {
  const message = configError({
    sinks: [
      { type: 'http', wrokers: 2 },
      { type: 'file', path: 'a', maxBytes: 0 },
      { type: 'kafka' },
    ],
  });
  assert.match(message, /\/sinks\/0\/wrokers/);
  assert.match(message, /\/sinks\/0\/url/);
  assert.match(message, /\/sinks\/1\/maxBytes/);
  assert.match(message, /\/sinks\/2\/type: expected one of stdout, file, http/);
});

test('unknown top-level keys fail', () => {
  assert.match(configError({ sink: [] }), /\/sink/);
});

test('minPriority takes Falco names in any case, and info', () => {
  for (const p of ['WARNING', 'warning', 'Critical', 'info', 'informational', 'debug']) {
    loadOutputsConfig({ sinks: [{ type: 'stdout', minPriority: p }] });
  }
  assert.match(configError({ sinks: [{ type: 'stdout', minPriority: 'severe' }] }), /\/sinks\/0\/minPriority/);
});

test('sink names: own, the type, or type-n when the type repeats; duplicates fail', () => {
  const config = loadOutputsConfig({
    sinks: [{ type: 'stdout' }, { type: 'http', url: 'http://a/' }, { type: 'http', url: 'http://b/' }, { type: 'file', path: 'x', name: 'audit' }],
  });
  assert.deepEqual(sinkNames(config.sinks), ['stdout', 'http-1', 'http-2', 'audit']);
  assert.match(configError({ sinks: [{ type: 'stdout', name: 'x' }, { type: 'stdout', name: 'x' }] }), /'x' is used by another sink/);
});

test('a client certificate needs its key, and header names must be tokens', () => {
  assert.match(configError({ sinks: [{ type: 'http', url: 'https://a/', tls: { certFile: 'c.pem' } }] }), /certFile and keyFile go together/);
  assert.match(configError({ sinks: [{ type: 'http', url: 'https://a/', headers: { 'bad header': 'v' } }] }), /'bad header' is not a header name/);
});

test('error messages never show header values', () => {
  const message = configError({ sinks: [{ type: 'http', url: 'ftp://a/', headers: { authorization: 'Bearer s3cret' } }] });
  assert.doesNotMatch(message, /s3cret/);
});

test('the schema embeds in a larger configuration and loads there with its defaults', () => {
  const Whole = Type.Object({ outputs: OutputsConfig }, { additionalProperties: false });
  assert.deepEqual(loadConfig(Whole, {}).outputs.sinks.map((s) => s.type), ['stdout']);
  const [sink] = loadConfig(Whole, { outputs: { sinks: [{ type: 'http', url: 'http://127.0.0.1:2801/' }] } }).outputs.sinks;
  assert.ok(sink?.type === 'http');
  assert.equal(sink.retryBudgetMs, 15 * 60_000);
  assert.throws(() => loadConfig(Whole, { outputs: { sinks: [{ type: 'http' }] } }), { code: 'PG_ERR_CONFIG' });
});
