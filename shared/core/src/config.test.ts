/**
 * Config errors name every problem, but never quote a value that may be a credential: they end up on terminals and
 * in CI logs. Checked with real files and the real loader.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { applyEnv, loadConfig, readConfigFile } from './config.js';
import { isPeregrineError } from './errors.js';

const SECRET = 'hunter2-f00dcafe-secret';

const Schema = Type.Object({
  port: Type.Integer({ default: 1 }),
  name: Type.String({ default: 'x' }),
  auth: Type.Object({
    tokens: Type.Array(Type.Object({ token: Type.String(), cluster: Type.String() }, { additionalProperties: false }), { default: [] }),
  }, { additionalProperties: false, default: {} }),
  headers: Type.Record(Type.String(), Type.String(), { default: {} }),
}, { additionalProperties: false });

function configError(raw: unknown): string {
  try {
    loadConfig(Schema, raw);
  } catch (err) {
    assert.ok(isPeregrineError(err, 'PG_ERR_CONFIG'));
    return err.message;
  }
  assert.fail('expected a config error');
}

describe('config errors', () => {
  it('quote ordinary bad values, to help fix them', () => {
    assert.match(configError({ port: 'eighty' }), /\/port: .*\(got "eighty"\)/);
  });

  it('never quote a value under a credential key: a misspelt key, a wrong type, a header value', () => {
    const message = configError({
      auth: { tokens: [{ tokne: SECRET, cluster: 'a' }, { token: [SECRET], cluster: 'b' }] },
      headers: { 'x-api-key': [SECRET] },
      secretFile: SECRET,
      // A misspelt key whose name looks like nothing secret: unknown keys never have their value quoted.
      tkn: SECRET,
    });
    for (const path of ['/auth/tokens/0/tokne', '/auth/tokens/1/token', '/headers/x-api-key', '/secretFile', '/tkn']) {
      assert.match(message, new RegExp(path), `${path} is reported`);
    }
    assert.ok(!message.includes(SECRET), message);
  });

  describe('a YAML syntax error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peregrine-core-config-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('says where, without the line of the file', () => {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, `ingest:\n  auth:\n    tokens:\n      - token: ${SECRET}: oops\n        cluster: a\n`);
      assert.throws(() => readConfigFile(file), (err: unknown) => {
        assert.ok(isPeregrineError(err, 'PG_ERR_CONFIG'));
        assert.match(err.message, /not valid YAML: .*line 4, column \d+/);
        assert.ok(!err.message.includes(SECRET), err.message);
        assert.equal(err.cause, undefined, 'the yaml error, which quotes the line, is not kept');
        return true;
      });
    });
  });
});

describe('environment overrides', () => {
  it('flow collections are parsed; a bracketed IPv6 address stays a string', () => {
    const env = {
      PEREGRINE_INGEST__LISTEN: '[::]:8765',
      PEREGRINE_KAFKA__BROKERS: '[k1:9092, k2:9092]',
      PEREGRINE_INGEST__AUTH__TOKENS: '[{ token: abc, cluster: prod }]',
      PEREGRINE_METRICS__LISTEN: '[::1]:9464',
    };
    assert.deepEqual(applyEnv({}, env), {
      ingest: { listen: '[::]:8765', auth: { tokens: [{ token: 'abc', cluster: 'prod' }] } },
      kafka: { brokers: ['k1:9092', 'k2:9092'] },
      metrics: { listen: '[::1]:9464' },
    });
  });

  it('a malformed flow value is kept as text for the schema to refuse, never quoted by a YAML error', () => {
    const raw = applyEnv({}, { PEREGRINE_AUTH__TOKENS: `[{ token: ${SECRET}` });
    assert.deepEqual(raw, { auth: { tokens: `[{ token: ${SECRET}` } });
    const message = configError(raw);
    assert.match(message, /\/auth\/tokens/);
    assert.ok(!message.includes(SECRET), message);
  });
});
