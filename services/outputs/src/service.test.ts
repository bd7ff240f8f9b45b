import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { HEADER_CLUSTER, HEADER_DEAD_LETTER_REASON, HEADER_DEAD_LETTER_SOURCE } from '@peregrine/kafka';
import { alertToJson } from '@peregrine/rule-engine';
import { INVALID_ALERT_REASON } from './handler.js';
import { ALERTS_TOPIC, makeAlert, metricValue, startOutputs, waitFor } from './test-support.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'peregrine-outputs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Lines of path and its rotated files, oldest file first. */
async function allLines(path: string): Promise<string[]> {
  const dir = join(path, '..');
  const base = path.slice(dir.length + 1);
  const rotated = (await readdir(dir)).filter((f) => f.startsWith(`${base}.`)).map((f) => Number(f.slice(base.length + 1)));
  const files = [...rotated.sort((a, b) => b - a).map((n) => `${path}.${n}`), path];
  const lines: string[] = [];
  for (const f of files) lines.push(...(await readFile(f, 'utf8')).split('\n').filter(Boolean));
  return lines;
}

test('every alert reaches stdout as its exact JSON line, and the batch is committed', async (t) => {
  const h = await startOutputs(t, {});
  const alerts = Array.from({ length: 50 }, () => makeAlert());
  await h.publish(alerts);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  const lines = h.stdoutText().split('\n').filter(Boolean);
  assert.deepEqual(new Set(lines), new Set(alerts.map(alertToJson)));
  assert.equal(lines.length, 50);
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_alerts_received_total'), 50);
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_alerts_delivered_total', { sink: 'stdout' }), 50);
  assert.ok(await metricValue(h.registry, 'peregrine_outputs_delivery_duration_seconds', { sink: 'stdout' }) > 0);
  assert.deepEqual(h.components.map((c) => c.health().ok), [true, true]);
});

test("stdout text format prints Falco's text line", async (t) => {
  const h = await startOutputs(t, { sinks: [{ type: 'stdout', format: 'text' }] });
  const alerts = [makeAlert(), makeAlert({ output: 'two\nlines' })];
  await h.publish(alerts);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.deepEqual(new Set(h.stdoutText().split('\n').filter(Boolean)), new Set([alerts[0]!.output, 'two\\nlines']));
});

test('file sink with rotation: many alerts, small maxBytes, every line present once across the files', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'alerts.jsonl');
  const h = await startOutputs(t, { sinks: [{ type: 'file', path, maxBytes: 2048, maxFiles: 1000 }] });
  const alerts = Array.from({ length: 300 }, () => makeAlert());
  for (let i = 0; i < alerts.length; i += 25) await h.publish(alerts.slice(i, i + 25));
  await waitFor('all committed', async () => (await h.lag()) === 0);
  await h.stop();
  const lines = await allLines(path);
  assert.equal(lines.length, 300);
  assert.deepEqual(new Set(lines), new Set(alerts.map(alertToJson)));
  const files = await readdir(dir);
  assert.ok(files.length > 10, `expected rotation, got ${files.length} file(s)`);
  for (const f of files) assert.ok((await readFile(join(dir, f))).length <= 2048, f);
});

test('filters per sink: minimum priority, tags (any of), clusters', async (t) => {
  const dir = await tempDir(t);
  const file = (name: string) => join(dir, `${name}.jsonl`);
  const h = await startOutputs(t, {
    sinks: [
      { type: 'file', name: 'severe', path: file('severe'), minPriority: 'error' },
      { type: 'file', name: 'secrets', path: file('secrets'), tags: ['k8s-secrets', 'mitre_credential_access'] },
      { type: 'file', name: 'prod', path: file('prod'), clusters: ['prod', 'prod-us'] },
      { type: 'file', name: 'all', path: file('all') },
    ],
  });
  const critical = makeAlert({ priority: 'Critical', cluster: 'dev' });
  const notice = makeAlert({ priority: 'Notice', tags: ['k8s', 'k8s-secrets'], cluster: 'prod-us' });
  const warning = makeAlert({ priority: 'Warning', tags: ['mitre_credential_access'], cluster: 'staging' });
  const debug = makeAlert({ priority: 'Debug', tags: [], cluster: 'prod' });
  await h.publish([critical, notice, warning, debug]);
  // An alert without a cluster key: the message's cluster header decides.
  const { cluster: _drop, ...noCluster } = JSON.parse(alertToJson(makeAlert({ priority: 'Emergency', id: 'no-cluster' }))) as Record<string, unknown>;
  await h.producer.send(ALERTS_TOPIC, [{ key: 'no-cluster', value: Buffer.from(JSON.stringify(noCluster)), headers: { [HEADER_CLUSTER]: 'prod' } }]);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  await h.stop();

  const ids = async (name: string) => new Set((await allLines(file(name))).map((l) => (JSON.parse(l) as { id: string }).id));
  assert.deepEqual(await ids('severe'), new Set([critical.id, 'no-cluster']));
  assert.deepEqual(await ids('secrets'), new Set([notice.id, warning.id]));
  assert.deepEqual(await ids('prod'), new Set([notice.id, debug.id, 'no-cluster']));
  assert.deepEqual(await ids('all'), new Set([critical.id, notice.id, warning.id, debug.id, 'no-cluster']));
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_alerts_filtered_total', { sink: 'severe' }), 3);
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_alerts_filtered_total', { sink: 'all' }), 0);
});

test('invalid alert JSON goes to the dead-letter topic; the service keeps running', async (t) => {
  const h = await startOutputs(t, {});
  const good = makeAlert();
  await h.publishRaw(['this is not json', '{"rule":"","priority":"Warning"}'], 'poison');
  await h.publish([good]);
  await waitFor('dead letters', () => h.deadLetters().length === 2);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  for (const m of h.deadLetters()) {
    assert.equal(m.headers[HEADER_DEAD_LETTER_REASON], INVALID_ALERT_REASON);
    assert.equal(m.headers[HEADER_DEAD_LETTER_SOURCE], 'outputs');
    assert.equal(m.key, 'poison');
  }
  assert.deepEqual(new Set(h.deadLetters().map((m) => m.value.toString())), new Set(['this is not json', '{"rule":"","priority":"Warning"}']));
  assert.equal(await metricValue(h.registry, 'peregrine_outputs_messages_invalid_total'), 2);

  const later = makeAlert();
  await h.publish([later]);
  await waitFor('the later alert', () => h.stdoutText().includes(later.id));
  assert.ok(h.stdoutText().includes(good.id));
  assert.deepEqual(h.components.map((c) => c.health().ok), [true, true]);
});

test('building touches nothing: no file is created before start', async (t) => {
  const dir = await tempDir(t);
  await startOutputs(t, { sinks: [{ type: 'file', path: join(dir, 'later.jsonl') }] }, { start: false });
  assert.deepEqual(await readdir(dir), []);
});

test('a sink that cannot open aborts the start', async (t) => {
  const dir = await tempDir(t);
  const h = await startOutputs(t, {
    sinks: [{ type: 'http', url: 'https://127.0.0.1:1/', tls: { caFile: join(dir, 'missing-ca.pem') } }],
  }, { start: false });
  const { startAll, silentLogger } = await import('@peregrine/core');
  await assert.rejects(startAll(h.components, silentLogger()), { code: 'PG_ERR_CONFIG' });
});
