/**
 * Where the UI may be served and with which tokens: loopback freely (Host names checked when there is no token),
 * beyond it only with `insecure` and a warning; a shared metrics listener beyond loopback serves no UI (a notice
 * says how), an own listener beyond loopback refuses the start. The `outputs.ui` settings load strictly, tokens are
 * read from their file once and never shown; and the consumer feeds the store, once per alert id.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { isPeregrineError } from '@peregrine/core';
import { loadOutputsConfig } from '../config.js';
import { startOutputs, waitFor } from '../test-support.js';
import { loadUiTokens, type UiConfig } from './config.js';
import { decideUiExposure, isLoopbackHost } from './exposure.js';
import { AlertStore } from './store.js';
import { makeAlert } from './test-support.js';

const base = { listen: 'h:9464', ownListener: false, hasTokens: false, insecure: false };

test('loopback: served, Host names checked only without tokens', () => {
  for (const host of ['127.0.0.1', '127.3.2.1', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LocalHost']) {
    assert.ok(isLoopbackHost(host), host);
    assert.deepEqual(decideUiExposure({ ...base, host }), { serve: true, loopbackHostsOnly: true });
  }
  assert.deepEqual(decideUiExposure({ ...base, host: '127.0.0.1', hasTokens: true }), { serve: true, loopbackHostsOnly: false });
  for (const host of ['0.0.0.0', '::', '10.0.0.1', 'localhost.example', 'peregrine', '']) assert.ok(!isLoopbackHost(host), host);
});

test('beyond loopback: a notice on the shared listener, a refusal on its own, a warning with insecure', () => {
  const shared = decideUiExposure({ ...base, host: '0.0.0.0', listen: '0.0.0.0:9464' });
  assert.equal(shared.serve, false);
  assert.match(!shared.serve ? shared.notice : '', /^not serving the alerts UI on 0\.0\.0\.0:9464, a non-loopback address .*outputs\.ui\.listen.*outputs\.ui\.insecure/);
  assert.throws(() => decideUiExposure({ ...base, host: '::', listen: '[::]:9465', ownListener: true }), (err: unknown) => {
    assert.ok(isPeregrineError(err) && err.code === 'PG_ERR_CONFIG');
    assert.match(err.message, /^refusing to serve the alerts UI on \[::\]:9465, a non-loopback address/);
    return true;
  });
  const open = decideUiExposure({ ...base, host: '0.0.0.0', insecure: true, ownListener: true });
  assert.deepEqual(open, {
    serve: true, loopbackHostsOnly: false,
    warning: 'insecure: alerts UI on 0.0.0.0, a non-loopback address, with plain HTTP (alerts cross the network in clear) ' +
      'and no token (anyone who reaches it reads the alerts)',
  });
  const withToken = decideUiExposure({ ...base, host: '10.0.0.1', insecure: true, hasTokens: true });
  assert.ok(withToken.serve && /plain HTTP \(alerts and tokens cross the network in clear\)$/.test(withToken.warning!));
});

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-ui-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('outputs.ui: defaults, strict keys, token checks that never show a token', async (t) => {
  const defaults = loadOutputsConfig({});
  assert.deepEqual(defaults.ui, { enabled: true, maxAlerts: 10_000, maxBytes: 64 * 1024 * 1024, insecure: false });
  assert.equal(loadOutputsConfig({ ui: { enabled: 'false', maxAlerts: '50' } }).ui.maxAlerts, 50, 'environment strings');
  assert.throws(() => loadOutputsConfig({ ui: { enable: false, maxAlerts: 0 }, sinks: [{ type: 'stdout' }] }), (err: unknown) => {
    assert.ok(isPeregrineError(err) && err.code === 'PG_ERR_CONFIG');
    assert.match(err.message, /\/ui\/maxAlerts/);
    assert.match(err.message, /\/ui/);
    return true;
  });
  const secret = 'short-secret';
  assert.throws(() => loadOutputsConfig({ ui: { token: secret, tokenFile: '/x' } }), (err: unknown) => {
    assert.match((err as Error).message, /\/ui: set at most one of tokenFile and token/);
    assert.match((err as Error).message, /\/ui\/token: token #1 is shorter than 16 characters/);
    assert.doesNotMatch((err as Error).message, new RegExp(secret));
    return true;
  });

  const ui = (extra: Partial<UiConfig>): UiConfig => ({ ...defaults.ui, ...extra });
  assert.deepEqual(await loadUiTokens(ui({})), []);
  assert.deepEqual(await loadUiTokens(ui({ token: ['a-token-of-16-chars', 'b-token-of-16-chars'] })), ['a-token-of-16-chars', 'b-token-of-16-chars']);
  const dir = tempDir(t);
  const file = join(dir, 'tokens');
  writeFileSync(file, '\n  first-token-0123456789  \r\n\nsecond-token-0123456789\n');
  assert.deepEqual(await loadUiTokens(ui({ tokenFile: file })), ['first-token-0123456789', 'second-token-0123456789']);
  writeFileSync(file, 'good-token-0123456789\nshort-one\n');
  await assert.rejects(loadUiTokens(ui({ tokenFile: file })), (err: Error) => {
    assert.match(err.message, /line 2 of tokenFile .* is shorter than 16 characters/);
    assert.doesNotMatch(err.message, /short-one|good-token/);
    return true;
  });
  writeFileSync(file, '\n\n');
  await assert.rejects(loadUiTokens(ui({ tokenFile: file })), /holds no token/);
  await assert.rejects(loadUiTokens(ui({ tokenFile: join(dir, 'missing') })), /cannot read tokenFile .*: ENOENT/);
});

test('the consumer feeds the store: every valid alert once, before delivery, redeliveries included', async (t) => {
  const recent = new AlertStore({ maxAlerts: 100, maxBytes: 1 << 20 });
  const h = await startOutputs(t, {}, { recent });
  const alerts = Array.from({ length: 20 }, (_, i) => makeAlert({ cluster: i % 2 ? 'prod' : 'dev' }));
  await h.publish(alerts);
  await h.publish(alerts.slice(0, 5)); // the same ids again (a replay)
  await h.publishRaw(['not an alert']);
  await waitFor('all committed', async () => (await h.lag()) === 0);
  assert.equal(recent.size, 20);
  assert.deepEqual(new Set([...recent.newestFirst()].map((a) => a.id)), new Set(alerts.map((a) => a.id)));
  assert.deepEqual(recent.summary().byCluster, { dev: 10, prod: 10 });
});
