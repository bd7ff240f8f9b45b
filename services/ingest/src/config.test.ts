import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPeregrineError, loadConfig } from '@peregrine/core';
import { IngestConfig } from './config.js';
import { checkExposure, checkResolvesToLoopback, isLoopback } from './exposure.js';

describe('IngestConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig(IngestConfig, {});
    assert.equal(c.listen, '127.0.0.1:8765');
    assert.equal(c.path, '/k8s-audit');
    assert.equal(c.maxBodyBytes, 64 * 1024 * 1024);
    assert.deepEqual(c.auth, { tokens: [], allowUnauthenticated: false, clientCertClusters: {} });
    assert.equal(c.tls, undefined);
    assert.equal(c.insecure, false);
    assert.equal(c.retryAfterSeconds, 5);
    assert.equal(c.requestTimeoutMs, 60_000);
    assert.equal(c.busWriteTimeoutMs, 25_000);
  });

  it('converts strings (environment overrides) and rejects unknown keys and bad values, all at once', () => {
    assert.equal(loadConfig(IngestConfig, { maxBodyBytes: '1048576' }).maxBodyBytes, 1048576);
    assert.throws(
      () => loadConfig(IngestConfig, {
        maxBodyByte: 1, path: 'no-slash', auth: { tokens: [{ token: 't', cluster: 'bad/name' }], allowUnauthenticted: true },
        tls: { cert: 'c' },
      }),
      (err: unknown) => {
        assert.ok(isPeregrineError(err, 'PG_ERR_CONFIG'));
        for (const what of ['/maxBodyByte', '/path', '/auth/tokens/0/cluster', '/auth/allowUnauthenticted', '/tls/key']) {
          assert.match(err.message, new RegExp(what), `${what} is reported`);
        }
        return true;
      },
    );
  });
});

describe('exposure', () => {
  const base = { host: '127.0.0.1', tls: false, hasCredentials: false, allowUnauthenticated: true, insecure: false };

  it('loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) assert.ok(isLoopback(h), h);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'example.com', '', '128.0.0.1']) assert.ok(!isLoopback(h), h);
    // Forms that may well reach loopback but are not recognised as such count as exposed: refused, never let in.
    for (const h of ['0', '127.1', '::ffff:0.0.0.0', '::ffff:10.0.0.1', 'localhost.', 'localhost.localdomain', 'ip6-localhost', 'fe80::1%lo']) {
      assert.ok(!isLoopback(h), h);
    }
  });

  it('plain HTTP without auth is fine on loopback when the config says so', () => {
    assert.equal(checkExposure(base), undefined);
  });

  it('a listener that could accept nothing does not start', () => {
    assert.throws(() => checkExposure({ ...base, allowUnauthenticated: false }), /could never accept a request/);
  });

  it('a non-loopback listener needs TLS and authentication, or insecure: true (then a warning)', () => {
    const exposed = { ...base, host: '0.0.0.0' };
    assert.throws(() => checkExposure(exposed), (err: unknown) => isPeregrineError(err, 'PG_ERR_CONFIG') && /refusing to start/.test(err.message));
    assert.throws(() => checkExposure({ ...exposed, hasCredentials: true, allowUnauthenticated: false }), /plain HTTP/);
    assert.throws(() => checkExposure({ ...exposed, tls: true, hasCredentials: true }), /without credentials are accepted/);
    assert.equal(checkExposure({ ...exposed, tls: true, hasCredentials: true, allowUnauthenticated: false }), undefined);
    assert.match(checkExposure({ ...exposed, insecure: true }) ?? '', /^insecure: listening on 0\.0\.0\.0/);
  });
});

describe('exposure: localhost is resolved before listening', () => {
  const resolver = (addresses: string[]) => async () => addresses;

  it('localhost that resolves to loopback addresses only may listen', async () => {
    await checkResolvesToLoopback('localhost', resolver(['127.0.0.1', '::1']));
    await checkResolvesToLoopback('localhost');
  });

  it('localhost that resolves to another address (a hosts file saying so) refuses the start', async () => {
    await assert.rejects(checkResolvesToLoopback('LocalHost', resolver(['127.0.0.1', '10.1.2.3'])),
      (err: unknown) => isPeregrineError(err, 'PG_ERR_CONFIG') && /refusing to start: LocalHost resolves to 10\.1\.2\.3/.test(err.message));
    await assert.rejects(checkResolvesToLoopback('localhost', async () => { throw Object.assign(new Error('x'), { code: 'ENOTFOUND' }); }),
      /cannot resolve localhost: ENOTFOUND/);
  });

  it('IP addresses and other names are not resolved (they are judged by checkExposure)', async () => {
    const never = async (): Promise<string[]> => assert.fail('resolved');
    for (const host of ['127.0.0.1', '0.0.0.0', '::', 'ingest.example']) await checkResolvesToLoopback(host, never);
  });
});
