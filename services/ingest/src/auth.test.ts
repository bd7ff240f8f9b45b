/**
 * Bearer-token checks, on the Authenticator itself and over real sockets. Timing cannot be measured reliably on a
 * shared machine, so the constant-time property is checked by structure: the only comparison of a presented token is
 * crypto.timingSafeEqual, always over two SHA-256 digests (32 bytes, whatever the token's length), once for every
 * configured token whether one matches or not, first or last.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isPeregrineError, loadConfig } from '@peregrine/core';
import { HEADER_CLUSTER, MemoryBus } from '@peregrine/kafka';
import { Authenticator } from './auth.js';
import { IngestConfig } from './config.js';
import { auditEvent, type Harness, postJson, startIngest, TOPIC } from './test-support.js';

const TOKENS = [
  { token: 'alpha-0123456789abcdef', cluster: 'alpha' },
  { token: 'beta-0123456789abcdef0', cluster: 'beta' },
  // A second token for alpha: how a token is rotated.
  { token: 'alpha-next-fedcba98765', cluster: 'alpha' },
];

function authenticator(tokens: readonly Record<string, string>[] = TOKENS): Authenticator {
  return new Authenticator(loadConfig(IngestConfig, { auth: { tokens } }).auth, { mtls: false });
}

const socket = new Socket();

describe('token comparison is the constant-time one', () => {
  const calls: { a: number; b: number }[] = [];
  const original = crypto.timingSafeEqual;
  before(() => {
    // auth.ts imports timingSafeEqual by name from node:crypto; syncBuiltinESMExports makes that binding see this spy.
    crypto.timingSafeEqual = (a, b) => {
      calls.push({ a: a.byteLength, b: b.byteLength });
      return original(a, b);
    };
    syncBuiltinESMExports();
  });
  after(() => {
    crypto.timingSafeEqual = original;
    syncBuiltinESMExports();
  });

  const presented: [string, string, boolean][] = [
    ['the first token', TOKENS[0]!.token, true],
    ['the last token', TOKENS[2]!.token, true],
    ['a wrong token of the same length', TOKENS[0]!.token.replace(/f$/, 'e'), false],
    ['a one-character token', 'x', false],
    ['a token much longer than any configured', 'y'.repeat(4096), false],
    ['a configured token with one more character', `${TOKENS[1]!.token}0`, false],
    ['a prefix of a configured token', TOKENS[1]!.token.slice(0, 8), false],
  ];
  for (const [what, token, ok] of presented) {
    it(`${what}: one timingSafeEqual per configured token, over 32-byte digests`, () => {
      calls.length = 0;
      const decision = authenticator().authenticate(`Bearer ${token}`, socket, undefined);
      assert.equal(decision.ok, ok);
      assert.equal(calls.length, TOKENS.length, 'every configured token is compared: no early exit on a match');
      for (const c of calls) assert.deepEqual(c, { a: 32, b: 32 }, 'digests, never the tokens themselves');
    });
  }
});

describe('bearer tokens: who may post for which cluster', () => {
  it('the right token names its cluster; the rotation token of the same cluster too', () => {
    const a = authenticator();
    assert.deepEqual(a.authenticate(`Bearer ${TOKENS[0]!.token}`, socket, undefined), { ok: true, cluster: 'alpha', principal: 'token#0' });
    assert.deepEqual(a.authenticate(`bearer ${TOKENS[2]!.token}`, socket, 'alpha'), { ok: true, cluster: 'alpha', principal: 'token#2' });
    assert.deepEqual(a.authenticate(`Bearer ${TOKENS[1]!.token}`, socket, 'beta'), { ok: true, cluster: 'beta', principal: 'token#1' });
  });

  it('a wrong token of the same or another length is 403, and the message names no token', () => {
    const a = authenticator();
    for (const token of [TOKENS[0]!.token.replace(/^a/, 'b'), 'short', 'z'.repeat(100)]) {
      const d = a.authenticate(`Bearer ${token}`, socket, undefined);
      assert.ok(!d.ok && d.status === 403 && d.code === 'PG_ERR_INGEST_FORBIDDEN', token);
      assert.ok(!d.message.includes(token));
    }
  });

  it("a token may not post for another cluster, with or without a path naming it", () => {
    const a = authenticator();
    const d = a.authenticate(`Bearer ${TOKENS[0]!.token}`, socket, 'beta');
    assert.ok(!d.ok && d.status === 403);
    // Without a path cluster, the token's own cluster is used: there is no way to pick another.
    assert.equal((a.authenticate(`Bearer ${TOKENS[1]!.token}`, socket, undefined) as { cluster: string }).cluster, 'beta');
  });

  it('other schemes and malformed headers are 401, not a comparison', () => {
    const a = authenticator();
    for (const header of ['Basic dTpw', 'Bearer', 'Bearer a b', `Token ${TOKENS[0]!.token}`]) {
      const d = a.authenticate(header, socket, undefined);
      assert.ok(!d.ok && d.status === 401, header);
    }
  });
});

describe('token files are read again on reloadTokens()', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'peregrine-auth-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a rotated file takes effect; a broken one keeps the tokens in force', () => {
    const file = join(dir, 'prod.token');
    writeFileSync(file, 'old-token-0123456789\n');
    const a = authenticator([{ tokenFile: file, cluster: 'prod' }, { token: 'inline-token-0123', cluster: 'dev' }]);
    const ok = (token: string) => a.authenticate(`Bearer ${token}`, socket, undefined).ok;
    assert.ok(ok('old-token-0123456789'));

    writeFileSync(file, 'new-token-9876543210\n');
    assert.ok(ok('old-token-0123456789'), 'nothing changes before the reload');
    assert.equal(a.reloadTokens(), 2);
    assert.ok(ok('new-token-9876543210'));
    assert.ok(!ok('old-token-0123456789'), 'the old token is refused once reloaded');
    assert.ok(ok('inline-token-0123'), 'inline tokens stay');

    for (const broken of ['', 'two words\n']) {
      writeFileSync(file, broken);
      assert.throws(() => a.reloadTokens(), (err: unknown) => isPeregrineError(err, 'PG_ERR_CONFIG') && /auth\.tokens\[0\]/.test(err.message));
      assert.ok(ok('new-token-9876543210'), 'the tokens in force stay after a failed reload');
    }
    rmSync(file);
    assert.throws(() => a.reloadTokens(), /cannot read tokenFile .*ENOENT/);
    assert.ok(ok('new-token-9876543210'));
  });

  it('a reload that would bind one token to two clusters is refused', () => {
    const one = join(dir, 'one.token');
    const two = join(dir, 'two.token');
    writeFileSync(one, 'token-one-0123456789');
    writeFileSync(two, 'token-two-0123456789');
    const a = authenticator([{ tokenFile: one, cluster: 'one' }, { tokenFile: two, cluster: 'two' }]);
    writeFileSync(two, 'token-one-0123456789');
    assert.throws(() => a.reloadTokens(), /bound to clusters 'one' and 'two'/);
    assert.equal((a.authenticate('Bearer token-two-0123456789', socket, undefined) as { cluster: string }).cluster, 'two');
  });
});

describe('bearer tokens over HTTP', () => {
  let bus: MemoryBus;
  let h: Harness;
  before(async () => {
    bus = new MemoryBus({ partitions: 1 });
    h = await startIngest({ auth: { tokens: TOKENS } }, bus.producer());
  });
  after(() => h.close());
  const cluster = () => bus.peek(TOPIC).at(-1)?.headers[HEADER_CLUSTER];

  it('right token 200 (tagged with its cluster); wrong token of same or other length 403; another cluster 403', async () => {
    assert.equal((await postJson(`${h.url}/k8s-audit`, auditEvent(1), { token: TOKENS[2]!.token })).status, 200);
    assert.equal(cluster(), 'alpha');
    const written = bus.peek(TOPIC).length;
    const sameLength = TOKENS[1]!.token.replace(/0$/, '1');
    for (const [token, path] of [[sameLength, ''], ['q7z', ''], [`${TOKENS[1]!.token}x`, ''], [TOKENS[1]!.token, '/alpha']] as const) {
      const r = await postJson(`${h.url}/k8s-audit${path}`, auditEvent(2), { token });
      assert.equal(r.status, 403, `${token} ${path}`);
      assert.ok(!r.text.includes(token), 'the answer never echoes a token');
    }
    assert.equal(bus.peek(TOPIC).length, written, 'nothing refused was written');
  });
});
