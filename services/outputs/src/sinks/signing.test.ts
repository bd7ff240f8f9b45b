/**
 * The signature format, on its own: a known answer (computed once with `openssl dgst`), sign/verify round trips,
 * every way a verification must fail, rotation with several secrets, and the shell recipe of the README checked
 * against openssl on this machine.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { signatureHeader, verifySignature } from './signing.js';

const SECRET = 'peregrine-test-secret-0001';
const NEXT = 'peregrine-test-secret-0002';
const key = (s: string) => Buffer.from(s, 'utf8');
const BODY = Buffer.from('{"rule":"Test","id":"a1"}');
const T = 1767225600;

describe('signatureHeader', () => {
  it('matches the known answer: t, then hex HMAC-SHA256(secret, "<t>.<body>")', () => {
    assert.equal(signatureHeader([key(SECRET)], BODY, T),
      't=1767225600,v1=d8a221d7ac16f8ed0a0fe0479bca698dab881713932d0fbb33694b57c8d52d91');
  });

  it('whole seconds; one v1 per secret, in the order given', () => {
    const header = signatureHeader([key(NEXT), key(SECRET)], BODY, T + 0.9);
    const parts = header.split(',');
    assert.equal(parts[0], `t=${T}`);
    assert.equal(parts.length, 3);
    assert.equal(parts[2], signatureHeader([key(SECRET)], BODY, T).split(',')[1], 'the second v1 is the old secret\'s');
    assert.throws(() => signatureHeader([], BODY, T), /no secret/);
  });
});

describe('verifySignature', () => {
  const now = T + 10;
  const header = signatureHeader([key(SECRET)], BODY, T);

  it('accepts the body as signed, with the secret as text or bytes', () => {
    assert.deepEqual(verifySignature(header, BODY, [SECRET], { now }), { ok: true, timestamp: T });
    assert.equal(verifySignature(header, BODY, [key(SECRET)], { now }).ok, true);
  });

  it('refuses a tampered body: one byte changed, one byte added, a different JSON spacing', () => {
    for (const body of ['{"rule":"Tesu","id":"a1"}', '{"rule":"Test","id":"a1"} ', '{"rule": "Test","id":"a1"}']) {
      assert.deepEqual(verifySignature(header, Buffer.from(body), [SECRET], { now }), { ok: false, reason: 'no signature matches' }, body);
    }
  });

  it('refuses another secret, and a timestamp moved to look fresh', () => {
    assert.equal(verifySignature(header, BODY, ['another-secret-of-16+'], { now }).ok, false);
    const moved = header.replace(`t=${T}`, `t=${T + 1000}`);
    assert.deepEqual(verifySignature(moved, BODY, [SECRET], { now: T + 1000 }), { ok: false, reason: 'no signature matches' });
  });

  it('refuses a signature outside the time window, either way; the window is configurable', () => {
    assert.deepEqual(verifySignature(header, BODY, [SECRET], { now: T + 301 }), { ok: false, reason: 'outside the time window' });
    assert.deepEqual(verifySignature(header, BODY, [SECRET], { now: T - 301 }), { ok: false, reason: 'outside the time window' });
    assert.equal(verifySignature(header, BODY, [SECRET], { now: T + 300 }).ok, true);
    assert.equal(verifySignature(header, BODY, [SECRET], { now: T + 3000, toleranceSeconds: 3600 }).ok, true);
  });

  it('refuses malformed headers without throwing', () => {
    const v1 = header.split(',')[1]!;
    for (const bad of [undefined, '', 'garbage', `t=${T}`, v1, `t=abc,${v1}`, `t=${T},t=${T},${v1}`, `t=${T},v1=${'0'.repeat(63)}`,
      `t=${T},v1=${v1.slice(3).toUpperCase()}`, `t=${T},${v1},nonsense`, `t=${T},${v1}${',x=1'.repeat(2000)}`]) {
      assert.deepEqual(verifySignature(bad, BODY, [SECRET], { now }), { ok: false, reason: 'malformed' }, String(bad).slice(0, 80));
    }
  });

  it('ignores signature versions it does not know, beside a v1', () => {
    assert.equal(verifySignature(`${header},v2=abc`, BODY, [SECRET], { now }).ok, true);
  });

  it('rotation: a receiver holding either secret accepts a request signed with both', () => {
    const both = signatureHeader([key(NEXT), key(SECRET)], BODY, T);
    assert.equal(verifySignature(both, BODY, [SECRET], { now }).ok, true, 'a receiver still on the old secret');
    assert.equal(verifySignature(both, BODY, [NEXT], { now }).ok, true, 'a receiver already on the new one');
    assert.equal(verifySignature(header, BODY, [NEXT, SECRET], { now }).ok, true, 'a receiver holding both, sender on the old');
    assert.equal(verifySignature(both, BODY, ['neither-of-them-0000'], { now }).ok, false);
  });
});

function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the shell recipe of the outputs README', { skip: opensslAvailable() ? false : 'openssl is not installed' }, () => {
  it('`{ printf "%s." "$t"; cat body; } | openssl dgst -sha256 -hmac "$secret" -r` gives the v1 value', () => {
    const header = signatureHeader([key(SECRET)], BODY, T);
    const out = execFileSync('sh', ['-c', '{ printf "%s." "$t"; cat; } | openssl dgst -sha256 -hmac "$secret" -r | cut -d" " -f1'], {
      input: BODY, env: { ...process.env, t: String(T), secret: SECRET },
    }).toString().trim();
    assert.equal(`v1=${out}`, header.split(',')[1]);
  });
});
