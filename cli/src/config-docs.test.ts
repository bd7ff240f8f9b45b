/**
 * docs/configuration.md is the schema, rendered: these tests fail when the committed file is out of date, when a key
 * has no description, and when what the reference says about environment variables and flags is not what the
 * loader does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyEnv } from '@peregrine/core';
import { repoRoot } from '@peregrine/testkit';
import {
  CONFIG_DOCS_FILE, documentedKeys, ENV_ALIASES, envName, flagDocs, REGENERATE_COMMAND, renderConfigDocs,
  undocumentedKeys,
} from './config-docs.js';
import { configFromArgs, PIPELINE_FLAGS } from './pipeline/flags.js';

function get(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], value);
}

test(`${CONFIG_DOCS_FILE} is up to date with the configuration schema`, () => {
  const expected = renderConfigDocs();
  let committed = '';
  try {
    committed = readFileSync(join(repoRoot(), CONFIG_DOCS_FILE), 'utf8');
  } catch {
    assert.fail(`${CONFIG_DOCS_FILE} is missing: run \`${REGENERATE_COMMAND}\` and commit it`);
  }
  if (committed !== expected) {
    const a = committed.split('\n');
    const b = expected.split('\n');
    const line = b.findIndex((l, i) => l !== a[i]);
    assert.fail(`${CONFIG_DOCS_FILE} is out of date with the configuration schema: run \`${REGENERATE_COMMAND}\` and ` +
      `commit the result.\nFirst difference, line ${line + 1}:\n  committed: ${a[line] ?? '(end of file)'}\n` +
      `  schema:    ${b[line] ?? '(end of file)'}`);
  }
});

test('every configuration key has a description in its schema', () => {
  assert.deepEqual(undocumentedKeys(), [],
    'add a `description` to the schema of each of these keys, then run `' + REGENERATE_COMMAND + '`');
});

test('the documented environment variables set the keys they are documented for', () => {
  const keys = documentedKeys().filter((k) => k.envPath);
  assert.ok(keys.length > 50, `${keys.length} keys with variables`);
  for (const key of keys) {
    const name = envName(key.envPath!);
    assert.match(name, /^PEREGRINE_[A-Z0-9_]+$/);
    assert.equal(get(applyEnv({}, { [name]: 'x' }), key.envPath!), 'x', `${name} sets ${key.path}`);
  }
  // Inside list items there are no variables: the list is set whole.
  assert.ok(documentedKeys().some((k) => k.path === 'outputs.sinks[].url' && k.envPath === undefined));
  for (const [path, name] of Object.entries(ENV_ALIASES)) {
    const config = configFromArgs([], { [name]: 'k1:9092,k2:9092' });
    assert.deepEqual(get(config, path.split('.')), ['k1:9092', 'k2:9092'], `${name} sets ${path}`);
  }
  const fromEnv = configFromArgs([], { PEREGRINE_OUTPUTS__SINKS: '[{type: stdout, format: text}]' });
  assert.equal(fromEnv.outputs.sinks[0]?.type, 'stdout');
  assert.equal((fromEnv.outputs.sinks[0] as { format?: string }).format, 'text', 'a list set whole, as documented');
});

test('every pipeline flag sets documented keys, found by trying it', () => {
  const keys = new Set(documentedKeys().map((k) => k.path));
  const flags = flagDocs();
  assert.deepEqual(flags.map((f) => f.flag.slice(2)).sort(), Object.keys(PIPELINE_FLAGS).filter((f) => f !== 'config').sort());
  for (const f of flags) {
    assert.ok(f.paths.length > 0, `${f.flag} changes the configuration (add a sample value it takes to SAMPLE_VALUES)`);
    for (const path of f.paths) assert.ok(keys.has(path), `${f.flag} sets ${path}, a documented key`);
    assert.ok(f.help.length > 0, `${f.flag} has a line in PIPELINE_FLAGS_HELP`);
  }
  const byFlag = new Map(flags.map((f) => [f.flag, f.paths]));
  assert.deepEqual(byFlag.get('--listen'), ['ingest.listen']);
  assert.deepEqual(byFlag.get('--output'), ['outputs.sinks']);
  assert.deepEqual(byFlag.get('--kafka-brokers'), ['kafka.brokers']);
  assert.deepEqual(byFlag.get('--insecure'), ['ingest.auth.allowUnauthenticated', 'ingest.insecure']);
});
