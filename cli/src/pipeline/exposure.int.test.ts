/**
 * "Nothing let in" at the front door, through the real binary: every way of starting the webhook (`peregrine run`,
 * `peregrine ingest`, a config file, environment variables, flags) refuses to listen beyond loopback in plain HTTP or
 * without authentication, with exit status 1 and a message saying why and what to do, before anything listens.
 * With `insecure` it starts, and says so on stderr at every start, whatever the log level.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { requireMockBroker, startMockBroker } from '@peregrine/testkit';
import { startPeregrine, webhookUrl } from './process-test-support.js';

const TOKEN = 'exposure-test-token-5b8e2f';

function configDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-exposure-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A config file with one bearer token, and fast shutdown-friendly evaluator settings. */
function tokenConfig(dir: string, extra = ''): string {
  const file = join(dir, 'tokens.yaml');
  writeFileSync(file, `ingest:\n  auth:\n    tokens:\n      - token: ${TOKEN}\n        cluster: prod\n${extra}evaluator: { workers: 1, watchRules: false }\n`);
  return file;
}

/** Runs a command that must be refused: exit status 1, the refusal on stderr, nothing on stdout. */
async function refused(t: TestContext, args: string[], env: NodeJS.ProcessEnv, why: RegExp): Promise<void> {
  const proc = startPeregrine(t, args, env);
  const code = await proc.exited;
  const what = `peregrine ${args.join(' ')} ${JSON.stringify(env)}`;
  assert.equal(code, 1, `${what}: exit status; stderr:\n${proc.stderr()}`);
  assert.match(proc.stderr(), new RegExp(`^peregrine ${args[0]}: cannot start: refusing to start listening on `, 'm'), what);
  assert.match(proc.stderr(), why, what);
  assert.match(proc.stderr(), /set insecure: true to accept the risk/, `${what}: says what to do`);
  assert.doesNotMatch(proc.stderr(), /webhook at/, `${what}: never listened`);
  assert.equal(proc.stdout(), '');
}

const NO_AUTH = /without credentials are accepted/;
const PLAIN = /plain HTTP/;

describe('refusals: exit status 1 and why', () => {
  const run = ['run', '--workers', '1'];

  it('peregrine run on every interface, IPv4 and IPv6, by flag, by an empty host, and by environment', async (t) => {
    await refused(t, [...run, '--listen', '0.0.0.0:0'], {}, NO_AUTH);
    await refused(t, [...run, '--listen', '[::]:0'], {}, /listening on ::, .*without credentials/);
    await refused(t, [...run, '--listen', ':0'], {}, /listening on 0\.0\.0\.0,/);
    await refused(t, run, { PEREGRINE_INGEST__LISTEN: '0.0.0.0:0' }, NO_AUTH);
    await refused(t, run, { PEREGRINE_INGEST__LISTEN: '[::]:0', PEREGRINE_INGEST__INSECURE: 'false' }, NO_AUTH);
  });

  it('peregrine run on a host name: names other than localhost count as exposed, whatever they resolve to', async (t) => {
    await refused(t, [...run, '--listen', `${hostname()}:0`], {}, new RegExp(`listening on ${hostname().replace(/\./g, '\\.')},`));
    await refused(t, [...run, '--listen', 'ingest.example:0'], {}, /listening on ingest\.example,/);
  });

  it('peregrine run with tokens but plain HTTP beyond loopback, from a file or from the environment', async (t) => {
    const dir = configDir(t);
    await refused(t, [...run, '--config', tokenConfig(dir), '--listen', '0.0.0.0:0'], {}, PLAIN);
    await refused(t, run, {
      PEREGRINE_INGEST__LISTEN: '[::]:0', PEREGRINE_INGEST__AUTH__TOKENS: `[{ token: ${TOKEN}, cluster: prod }]`,
    }, PLAIN);
  });

  it('peregrine ingest (refused before it connects to Kafka, so no broker is needed)', async (t) => {
    const dir = configDir(t);
    const kafka = ['--kafka-brokers', '127.0.0.1:9'];
    await refused(t, ['ingest', ...kafka, '--config', tokenConfig(dir), '--listen', '0.0.0.0:0'], {}, PLAIN);
    await refused(t, ['ingest', ...kafka, '--listen', '[::]:0'], { PEREGRINE_INGEST__AUTH__ALLOW_UNAUTHENTICATED: 'true' }, NO_AUTH);
    await refused(t, ['ingest'], { KAFKA_BROKERS: '127.0.0.1:9', PEREGRINE_INGEST__LISTEN: `${hostname()}:0`, PEREGRINE_INGEST__AUTH__ALLOW_UNAUTHENTICATED: 'true' },
      NO_AUTH);
  });

  it('peregrine ingest with no credentials at all does not start, even on loopback', async (t) => {
    const proc = startPeregrine(t, ['ingest', '--kafka-brokers', '127.0.0.1:9', '--listen', '127.0.0.1:0']);
    assert.equal(await proc.exited, 1);
    assert.match(proc.stderr(), /cannot start: ingest could never accept a request/);
  });
});

describe('insecure: starts, and warns on stderr at every start', () => {
  it('--insecure on 0.0.0.0, at log level error: the warning is printed all the same, twice for two starts', async (t) => {
    for (let start = 1; start <= 2; start++) {
      const proc = startPeregrine(t, ['run', '--workers', '1', '--listen', '0.0.0.0:0', '--insecure', '--log-level', 'error']);
      const warning = await proc.waitFor(/WARNING/);
      assert.match(warning, /^peregrine run: WARNING: insecure: listening on 0\.0\.0\.0, a non-loopback address, with plain HTTP .* and requests without credentials are accepted$/);
      await webhookUrl(proc);
      assert.doesNotMatch(proc.stderr(), /"level":40/, 'the log, at error, does not carry it: the plain line is what says it');
      assert.equal(await proc.stop(), 0, `start ${start} stops cleanly`);
    }
  });

  it('insecure from the environment, on [::]: the warning line and the warn log line', async (t) => {
    const proc = startPeregrine(t, ['run', '--workers', '1'], { PEREGRINE_INGEST__LISTEN: '[::]:0', PEREGRINE_INGEST__INSECURE: 'true' });
    assert.match(await proc.waitFor(/WARNING/), /WARNING: insecure: listening on ::, /);
    await proc.waitFor(/"level":40,.*"msg":"insecure: listening on ::, /);
    assert.equal(await proc.stop(), 0);
  });

  it('--insecure never switches configured tokens off: only the plain-HTTP risk is accepted', async (t) => {
    const dir = configDir(t);
    const proc = startPeregrine(t, ['run', '--workers', '1', '--config', tokenConfig(dir), '--listen', '0.0.0.0:0', '--insecure']);
    const warning = await proc.waitFor(/WARNING/);
    assert.match(warning, /plain HTTP/);
    assert.doesNotMatch(warning, /without credentials/);
    const url = (await webhookUrl(proc)).replace('0.0.0.0', '127.0.0.1');
    const event = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [] });
    const post = (headers: Record<string, string>) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: event });
    assert.equal((await post({})).status, 401, 'no credentials: refused');
    assert.equal((await post({ authorization: 'Bearer wrong' })).status, 403);
    assert.equal((await post({ authorization: `Bearer ${TOKEN}` })).status, 200);
    assert.equal(await proc.stop(), 0);
  });

  it('peregrine ingest --insecure on 0.0.0.0 over Kafka: the same warning', async (t) => {
    if (!requireMockBroker(t)) return;
    const broker = await startMockBroker({ topics: [{ name: 'peregrine-audit', partitions: 1 }] });
    t.after(() => broker.stop());
    const proc = startPeregrine(t, ['ingest', '--listen', '0.0.0.0:0', '--insecure'], {
      KAFKA_BROKERS: broker.bootstrap.join(','), PEREGRINE_KAFKA__CREATE_TOPICS: 'false', PEREGRINE_KAFKA__IDEMPOTENT: 'false',
    });
    assert.match(await proc.waitFor(/WARNING/), /^peregrine ingest: WARNING: insecure: listening on 0\.0\.0\.0, /);
    await webhookUrl(proc);
    assert.equal(await proc.stop(), 0);
  });
});
