/**
 * Where `peregrine run` serves the alerts UI, as configured: its own listener, or the metrics listener beside
 * /metrics; none with --no-ui; never beyond loopback without `outputs.ui.insecure` (refused on its own listener, a
 * notice on the shared one), and with it a warning and the token still required; on the default address already
 * taken, the pipeline runs without the UI and says so. The alerts posted to the webhook are in the UI's API.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { isPeregrineError } from '@peregrine/core';
import { DEFAULT_METRICS_LISTEN } from './config.js';
import { configFromArgs } from './flags.js';
import { type RunningPipeline, startPipeline } from './pipeline.js';

const TOKEN = 'alerts-ui-test-token-3e9d';
const EVENT = {
  kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: '6f1c1f8e-0000-4000-8000-00000000a11e', stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/shop/secrets/db', verb: 'get', user: { username: 'alice@example.com', groups: ['system:authenticated'] },
  sourceIPs: ['10.0.0.9'], objectRef: { resource: 'secrets', namespace: 'shop', name: 'db', apiVersion: 'v1' },
  responseStatus: { code: 200 }, requestReceivedTimestamp: '2026-03-02T09:15:02.307427Z', stageTimestamp: '2026-03-02T09:15:02.311755Z',
};

async function start(t: TestContext, args: string[]): Promise<RunningPipeline> {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-ui-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = configFromArgs(['--listen', '127.0.0.1:0', '--log-level', 'silent', '--workers', '1',
    '--output', `file:${join(dir, 'alerts.jsonl')}`, ...args], {}, true);
  const running = await startPipeline(config, { stdout: process.stdout });
  t.after(() => running.stop());
  return running;
}

function configFile(t: TestContext, yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-ui-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'peregrine.yaml');
  writeFileSync(file, yaml);
  return file;
}

test('its own listener: the alerts posted are in the UI; /metrics is not there', async (t) => {
  const running = await start(t, ['--ui-listen', '127.0.0.1:0']);
  assert.match(running.uiUrl!, /^http:\/\/127\.0\.0\.1:\d+\/ui\/$/);
  assert.equal(running.uiNotice, undefined);
  assert.equal(running.uiWarning, undefined);
  const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [EVENT] });
  const posted = await fetch(`${running.webhookUrl!}/shop-prod`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(posted.status, 200);
  for (let i = 0; ; i++) {
    const list = (await (await fetch(`${running.uiUrl!}api/alerts`)).json()) as { total: number; alerts: { alert: { cluster: string; rule: string } }[] };
    if (list.total > 0) {
      assert.equal(list.alerts[0]!.alert.cluster, 'shop-prod');
      break;
    }
    assert.ok(i < 200, 'the alert reaches the UI');
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal((await fetch(new URL('/metrics', running.uiUrl!))).status, 404);
  assert.equal((await fetch(new URL('/ui', running.uiUrl!), { redirect: 'manual' })).status, 308);
});

test('the metrics listener: the UI beside /metrics, /healthz, /readyz', async (t) => {
  const running = await start(t, ['--metrics-listen', '127.0.0.1:0']);
  const base = new URL('/', running.uiUrl!);
  assert.equal((await fetch(new URL('ui/api/summary', base))).status, 200);
  assert.equal((await fetch(new URL('metrics', base))).status, 200);
  assert.equal((await fetch(new URL('readyz', base))).status, 200);
});

test('--no-ui: no UI, no listener, no notice', async (t) => {
  const running = await start(t, ['--no-ui', '--metrics-listen', '127.0.0.1:0']);
  assert.equal(running.uiUrl, undefined);
  assert.equal(running.uiNotice, undefined);
});

test('beyond loopback: refused on its own listener, not served on the shared one, served with insecure', async (t) => {
  await assert.rejects(start(t, ['--ui-listen', '0.0.0.0:0']), (err: unknown) => {
    assert.ok(isPeregrineError(err) && err.code === 'PG_ERR_CONFIG');
    assert.match(err.message, /refusing to serve the alerts UI on 0\.0\.0\.0:0, a non-loopback address/);
    return true;
  });

  const shared = await start(t, ['--metrics-listen', '0.0.0.0:0']);
  assert.equal(shared.uiUrl, undefined);
  assert.match(shared.uiNotice!, /^not serving the alerts UI on 0\.0\.0\.0:0/);

  const config = configFile(t, `outputs:\n  ui:\n    insecure: true\n    token: ${TOKEN}\n`);
  const exposed = await start(t, ['--config', config, '--ui-listen', '0.0.0.0:0']);
  assert.match(exposed.uiWarning!, /^insecure: alerts UI on 0\.0\.0\.0, a non-loopback address, with plain HTTP/);
  const api = exposed.uiUrl!.replace('0.0.0.0', '127.0.0.1') + 'api/summary';
  assert.equal((await fetch(api)).status, 401, 'the token stays required');
  assert.equal((await fetch(api, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
});

/** Holds 127.0.0.1:9464 for the test (waiting while another process of the test run holds it). */
async function holdDefaultPort(t: TestContext): Promise<void> {
  const [host, port] = DEFAULT_METRICS_LISTEN.split(':') as [string, string];
  for (let attempt = 0; ; attempt++) {
    const server: Server = createServer();
    const held = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(Number(port), host, () => resolve(true));
    });
    if (held) {
      t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
      return;
    }
    assert.ok(attempt < 600, `${DEFAULT_METRICS_LISTEN} stays taken`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the default address taken: the pipeline runs without the UI and says why; a chosen one taken stops the start', async (t) => {
  await holdDefaultPort(t);
  const running = await start(t, []);
  assert.equal(running.uiUrl, undefined);
  assert.match(running.uiNotice!, /^alerts UI not served: 127\.0\.0\.1:9464 is in use/);
  const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [EVENT] });
  assert.equal((await fetch(running.webhookUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status, 200);
  await assert.rejects(start(t, ['--ui-listen', DEFAULT_METRICS_LISTEN]), /EADDRINUSE/);
});
