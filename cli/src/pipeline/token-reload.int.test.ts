/**
 * Rotating an ingest token without a restart, as SECURITY.md tells an operator to: two token files for one cluster,
 * the new token written into the second, SIGHUP, the apiservers moved over, the new token written into the first,
 * SIGHUP again. A broken file on a later SIGHUP keeps the tokens in force. Through the real binary and real sockets.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startPeregrine, webhookUrl } from './process-test-support.js';

const OLD = 'rotation-old-token-3f9a1c7e';
const NEW = 'rotation-new-token-b82d604f';

const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [] });

test('peregrine run: SIGHUP re-reads the token files; a rotation in two steps; a broken file keeps the tokens', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-rotation-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [a, b] = [join(dir, 'prod.a'), join(dir, 'prod.b')];
  writeFileSync(a, `${OLD}\n`);
  writeFileSync(b, `${OLD}\n`);
  const config = join(dir, 'peregrine.yaml');
  writeFileSync(config, [
    'ingest:',
    '  listen: 127.0.0.1:0',
    `  auth: { tokens: [{ tokenFile: ${a}, cluster: prod }, { tokenFile: ${b}, cluster: prod }] }`,
    'evaluator: { workers: 1, watchRules: false }',
    '',
  ].join('\n'));
  const run = startPeregrine(t, ['run', '--config', config]);
  const url = `${await webhookUrl(run)}/prod`;
  const status = async (token: string) =>
    (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body })).status;
  let reloads = 0;
  const hup = async (expect: RegExp) => {
    reloads++;
    run.child.kill('SIGHUP');
    const seen = () => run.stderr().split('\n').filter((l) => /ingest token(s reloaded| reload failed)/.test(l));
    for (let i = 0; seen().length < reloads; i++) {
      assert.ok(i < 400, `reload ${reloads} logged`);
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.match(seen().at(-1)!, expect);
  };

  assert.equal(await status(OLD), 200);
  assert.equal(await status(NEW), 403);

  writeFileSync(b, `${NEW}\n`);
  assert.equal(await status(NEW), 403, 'nothing changes before the signal');
  await hup(/"inForce":2,.*"msg":"ingest tokens reloaded"/);
  assert.equal(await status(OLD), 200, 'during the rotation both are accepted');
  assert.equal(await status(NEW), 200);

  writeFileSync(a, `${NEW}\n`);
  await hup(/ingest tokens reloaded/);
  assert.equal(await status(OLD), 403, 'the old token is refused once both files hold the new one');
  assert.equal(await status(NEW), 200);

  writeFileSync(a, '');
  await hup(/"problem":"auth\.tokens\[0\]: the token must be one word.*"msg":"ingest token reload failed; the tokens in force are kept"/);
  assert.equal(await status(NEW), 200, 'a broken file locks nobody out');
  assert.equal(await status(OLD), 403);

  assert.match(run.stderr(), /rules reloaded/, 'SIGHUP still reloads the rules');
  assert.equal(await run.stop(), 0, `stops cleanly; stderr:\n${run.stderr().slice(-3000)}`);
  assert.ok(!run.stderr().includes(OLD) && !run.stderr().includes(NEW), 'tokens are never logged');
});
