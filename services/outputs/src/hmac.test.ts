/**
 * Signed alerts, end to end over real sockets: the outputs service delivers to an HTTP receiver that verifies every
 * request as a receiver would (with the verification example of the README, run as written), retries carry fresh
 * signatures, rotation sends a signature per secret, tampered bodies fail, and a sink whose secret is missing or weak
 * does not start. The secrets never reach the log.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import { isPeregrineError, silentLogger, startAll } from '@peregrine/core';
import { loadOutputsConfig } from './config.js';
import { signatureHeader, verifySignature } from './sinks/signing.js';
import { makeAlert, type RecordedRequest, startOutputs, startReceiver, waitFor } from './test-support.js';

const SECRET = 'hmac-test-secret-6c1f0e9a2b';
const NEXT = 'hmac-test-secret-next-77d3e1';
const FAST = { backoffInitialMs: 5, backoffMaxMs: 20, backoffJitter: 0 };

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'peregrine-hmac-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function secretFile(t: TestContext, lines: string[]): Promise<string> {
  const file = join(await tempDir(t), 'hmac.secret');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

type Verify = (header: string, body: Buffer, secrets: string[]) => boolean;

/** The Node example of the outputs README, extracted and imported as a module: the documentation is what is tested. */
async function readmeVerifier(t: TestContext): Promise<Verify> {
  // dist/hmac.test.js -> the package's README.md
  const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const section = readme.slice(readme.indexOf('## Verifying signed alerts'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, 'the README has a js block under "## Verifying signed alerts"');
  assert.ok(code.split('\n').filter((l) => l.trim() !== '').length <= 14, 'the example stays short enough to copy');
  const file = join(await tempDir(t), 'verify.mjs');
  await writeFile(file, code);
  const module = await import(pathToFileURL(file).href) as { verifyPeregrine?: Verify };
  assert.equal(typeof module.verifyPeregrine, 'function');
  return module.verifyPeregrine!;
}

/** The shell recipe of the same README section, run as written with `sh` in `dir` (openssl needed). */
async function readmeShellCheck(dir: string, sig: string, body: string, secret: string): Promise<string> {
  const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const script = /```sh\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Verifying signed alerts')))?.[1];
  assert.ok(script, 'the README has a sh block under "## Verifying signed alerts"');
  await writeFile(join(dir, 'body.json'), body);
  return execFileSync('sh', ['-c', script], { cwd: dir, env: { ...process.env, sig, SECRET: secret } }).toString().trim();
}

function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A receiver that answers 401 to a request whose signature does not verify with `secrets`, as a real one would. */
function verifying(verify: Verify, secrets: string[], header = 'x-peregrine-signature') {
  return (r: RecordedRequest) => (verify(String(r.headers[header]), Buffer.from(r.body, 'utf8'), secrets) ? 200 : 401);
}

describe('http sink: signed alerts', () => {
  it('every request verifies at the receiver; a tampered body does not', async (t) => {
    const verify = await readmeVerifier(t);
    const receiver = await startReceiver(t, verifying(verify, [SECRET]));
    const h = await startOutputs(t, { sinks: [{ type: 'http', url: receiver.url, hmac: { secretFile: await secretFile(t, [SECRET]) } }] });
    const alerts = Array.from({ length: 6 }, () => makeAlert());
    await h.publish(alerts);
    await waitFor('all committed', async () => (await h.lag()) === 0);
    assert.equal(receiver.delivered().length, 6);
    assert.ok(receiver.requests.every((r) => r.status === 200), 'no request was refused by the verifying receiver');
    const sample = receiver.requests[0]!;
    const header = String(sample.headers['x-peregrine-signature']);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.ok(Math.abs(Number(/^t=(\d+)/.exec(header)![1]) - Date.now() / 1000) < 30, 't is the time of signing');
    const body = Buffer.from(sample.body, 'utf8');
    assert.equal(verifySignature(header, body, [SECRET]).ok, true);
    const tampered = Buffer.from(sample.body.replace('"priority":"Warning"', '"priority":"Debug"'));
    assert.notDeepEqual(tampered, body);
    assert.equal(verify(header, tampered, [SECRET]), false, 'the README verifier refuses the tampered body');
    assert.deepEqual(verifySignature(header, tampered, [SECRET]), { ok: false, reason: 'no signature matches' });
    assert.equal(verify(header, body, ['some-other-secret-xyz']), false, 'and another secret');
    assert.ok(!h.logs().includes(SECRET), 'the secret is not logged');
  });

  it('the shell recipe of the README says valid for a delivered request, INVALID when tampered or stale', {
    skip: opensslAvailable() ? false : 'openssl is not installed',
  }, async (t) => {
    const receiver = await startReceiver(t);
    const h = await startOutputs(t, { sinks: [{ type: 'http', url: receiver.url, hmac: { secret: SECRET } }] });
    await h.publish([makeAlert()]);
    await waitFor('all committed', async () => (await h.lag()) === 0);
    const { headers, body } = receiver.requests[0]!;
    const sig = String(headers['x-peregrine-signature']);
    const dir = await tempDir(t);
    assert.equal(await readmeShellCheck(dir, sig, body, SECRET), 'valid');
    assert.equal(await readmeShellCheck(dir, sig, `${body} `, SECRET), 'INVALID');
    assert.equal(await readmeShellCheck(dir, sig, body, NEXT), 'INVALID');
    const stale = signatureHeader([Buffer.from(SECRET)], Buffer.from(body), Date.now() / 1000 - 3600);
    assert.equal(await readmeShellCheck(dir, stale, body, SECRET), 'INVALID', 'an hour old');
  });

  it('a retry is signed again, with its own time; batches (JSON arrays) are signed as sent', async (t) => {
    const receiver = await startReceiver(t, (r, n) => (n === 0 ? 500 : verifySignature(String(r.headers['x-peregrine-signature']),
      Buffer.from(r.body), [SECRET]).ok ? 200 : 401));
    const h = await startOutputs(t, {
      sinks: [{ type: 'http', url: receiver.url, batchMaxAlerts: 5, ...FAST, hmac: { secret: SECRET } }],
    }, { partitions: 1 });
    await h.publish(Array.from({ length: 3 }, () => makeAlert()));
    await waitFor('all committed', async () => (await h.lag()) === 0);
    assert.equal(receiver.requests[0]!.status, 500);
    assert.ok(receiver.requests.slice(1).every((r) => r.status === 200));
    assert.ok(Array.isArray(JSON.parse(receiver.requests.at(-1)!.body)), 'a batch');
    assert.ok(receiver.requests.every((r) => /^t=\d+,v1=/.test(String(r.headers['x-peregrine-signature']))), 'every attempt signed');
  });

  it('rotation: one signature per secret of the file; receivers holding either the old or the new one accept', async (t) => {
    const verify = await readmeVerifier(t);
    const oldReceiver = await startReceiver(t, verifying(verify, [SECRET]));
    const newReceiver = await startReceiver(t, verifying(verify, [NEXT]));
    const file = await secretFile(t, [NEXT, '', SECRET]);
    const h = await startOutputs(t, {
      sinks: [
        { type: 'http', name: 'old', url: oldReceiver.url, hmac: { secretFile: file } },
        { type: 'http', name: 'new', url: newReceiver.url, hmac: { secret: [NEXT, SECRET] } },
      ],
    });
    await h.publish([makeAlert(), makeAlert()]);
    await waitFor('all committed', async () => (await h.lag()) === 0);
    for (const receiver of [oldReceiver, newReceiver]) {
      assert.equal(receiver.delivered().length, 2);
      for (const r of receiver.requests) assert.match(String(r.headers['x-peregrine-signature']), /^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    }
  });

  it('a custom header name; a configured header of that name cannot replace the signature', async (t) => {
    const receiver = await startReceiver(t, (r) => (verifySignature(String(r.headers['x-hub-signature']), Buffer.from(r.body), [SECRET]).ok ? 200 : 401));
    const h = await startOutputs(t, {
      sinks: [{ type: 'http', url: receiver.url, headers: { 'X-Hub-Signature': 'forged' }, hmac: { secret: SECRET, header: 'X-Hub-Signature' } }],
    });
    await h.publish([makeAlert()]);
    await waitFor('all committed', async () => (await h.lag()) === 0);
    assert.equal(receiver.delivered().length, 1);
    assert.equal(receiver.requests[0]!.headers['x-peregrine-signature'], undefined);
  });
});

describe('http sink: hmac configuration', () => {
  const sink = (hmac: unknown) => ({ sinks: [{ type: 'http', url: 'http://127.0.0.1:1/', hmac }] });
  const configError = (raw: unknown, pattern: RegExp) => assert.throws(() => loadOutputsConfig(raw), (err: unknown) => {
    assert.ok(isPeregrineError(err, 'PG_ERR_CONFIG'));
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes('short-secret'), 'the secret is never shown');
    return true;
  });

  it('exactly one of secretFile and secret; inline secrets of 16 characters or more; a header name', () => {
    configError(sink({}), /\/sinks\/0\/hmac: set exactly one of secretFile and secret/);
    configError(sink({ secret: SECRET, secretFile: '/x' }), /exactly one/);
    configError(sink({ secret: 'short-secret' }), /\/sinks\/0\/hmac\/secret: secret #1 is shorter than 16 characters/);
    configError(sink({ secret: [SECRET, 'short-secret'] }), /secret #2 is shorter/);
    configError(sink({ secret: SECRET, header: 'Bad Header' }), /\/sinks\/0\/hmac\/header/);
    configError(sink({ secret: SECRET, algorithm: 'md5' }), /\/sinks\/0\/hmac\/algorithm/);
    const loaded = loadOutputsConfig(sink({ secret: SECRET }));
    assert.deepEqual((loaded.sinks[0] as { hmac: unknown }).hmac, { secret: SECRET, header: 'X-Peregrine-Signature' });
  });

  it('a secret file that is missing, empty, or holds a short secret stops the start: never unsigned', async (t) => {
    const dir = await tempDir(t);
    const empty = join(dir, 'empty');
    const short = join(dir, 'short');
    await writeFile(empty, '\n\n');
    await writeFile(short, `${SECRET}\nshort-secret\n`);
    for (const [file, pattern] of [[join(dir, 'missing'), /cannot read hmac\.secretFile .*ENOENT/], [empty, /holds no secret/],
      [short, /line 2 of hmac\.secretFile .* is shorter than 16/]] as const) {
      const h = await startOutputs(t, sink({ secretFile: file }), { start: false });
      await assert.rejects(startAll(h.components, silentLogger()), (err: unknown) => {
        assert.ok(isPeregrineError(err, 'PG_ERR_CONFIG'), String(err));
        assert.match(err.message, pattern);
        assert.ok(!err.message.includes('short-secret') && !err.message.includes(SECRET));
        return true;
      });
    }
  });
});
