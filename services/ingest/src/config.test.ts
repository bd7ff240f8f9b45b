import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPeregrineError, loadConfig } from '@peregrine/core';
import { IngestConfig } from './config.js';
import { checkExposure, isLoopback } from './exposure.js';

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
