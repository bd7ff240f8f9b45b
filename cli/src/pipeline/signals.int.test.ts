/**
 * `peregrine run` as a process, as an operator drives it: SIGHUP reloads the rules (the next events are evaluated
 * with the new ones), a change of the rules file reloads them too, /metrics shows every service's metrics, and
 * SIGTERM stops it gracefully with exit code 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '@peregrine/testkit';

const bin = join(repoRoot(), 'cli', 'bin', 'peregrine.js');

const rule = (name: string) => [
  `- rule: ${name}`,
  '  desc: every completed request',
  '  condition: ka.stage = ResponseComplete',
  '  output: "%ka.verb %ka.target.resource by %ka.user.name"',
  '  priority: NOTICE',
  '  source: k8s_audit',
  '',
].join('\n');

const event = (id: string) => JSON.stringify({
  kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: id, stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/default/pods', verb: 'list', user: { username: 'alice' },
  objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' }, responseStatus: { code: 200 },
  requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z', stageTimestamp: '2026-01-01T00:00:00.100000Z',
});

async function until(check: () => boolean, what: string, stderr: () => string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr:\n${stderr().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('peregrine run: SIGHUP and file changes reload the rules, /metrics covers all services, SIGTERM exits 0', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-signals-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rulesFile = join(dir, 'rules.yaml');
  const alertsFile = join(dir, 'alerts.jsonl');
  writeFileSync(rulesFile, rule('First'));
  const child = spawn(process.execPath, [bin, 'run', '--listen', '127.0.0.1:0', '--rules', rulesFile,
    '--output', `file:${alertsFile}`, '--workers', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await until(() => /webhook at (\S+)/.test(stderr), 'the webhook', () => stderr);
  const url = /webhook at (\S+)/.exec(stderr)![1]!;
  const rulesSeen = () => {
    try {
      return readFileSync(alertsFile, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { rule: string }).rule);
    } catch {
      return [];
    }
  };
  const post = async (id: string) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: event(id) });
    assert.equal(res.status, 200);
  };

  await post('a');
  await until(() => rulesSeen().length === 1, 'the first alert', () => stderr);

  writeFileSync(rulesFile, rule('Second'));
  child.kill('SIGHUP');
  await until(() => (stderr.match(/rules reloaded/g) ?? []).length >= 1, 'the reload after SIGHUP', () => stderr);
  await post('b');
  await until(() => rulesSeen().length === 2, 'the second alert', () => stderr);

  // The file watcher reloads without a signal.
  const reloadsBefore = (stderr.match(/rules reloaded/g) ?? []).length;
  writeFileSync(rulesFile, rule('Third'));
  await until(() => (stderr.match(/rules reloaded/g) ?? []).length > reloadsBefore, 'the reload after the file changed', () => stderr);
  await post('c');
  await until(() => rulesSeen().length === 3, 'the third alert', () => stderr);
  assert.deepEqual(rulesSeen(), ['First', 'Second', 'Third']);

  const metrics = await (await fetch(url.replace('/k8s-audit', '/metrics'))).text();
  for (const name of ['peregrine_evaluator_events_evaluated_total', 'peregrine_outputs_alerts_delivered_total', 'peregrine_evaluator_rules_reloads_total']) {
    assert.match(metrics, new RegExp(`^${name}`, 'm'), name);
  }
  assert.match(metrics, /^peregrine_evaluator_events_evaluated_total 3$/m);

  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.match(stderr, /"msg":"stopped"/);
});
