/**
 * docker-compose.yml cannot run here (no Docker engine), so it is checked the way Compose itself reads it:
 * `docker-compose config` must accept it, and the services must be wired as documented.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '@peregrine/testkit';
import { parse } from 'yaml';

test('docker-compose.yml: valid for Compose, Kafka plus the three services, ports on loopback only', async (t) => {
  let out: string;
  try {
    out = (await promisify(execFile)('docker-compose', ['-f', join(repoRoot(), 'docker-compose.yml'), 'config'])).stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && process.env['CI'] !== 'true') {
      t.skip('docker-compose is not installed (apt-get install docker-compose)');
      return;
    }
    throw err;
  }
  const doc = parse(out) as { services: Record<string, { command?: string[]; ports?: unknown[]; environment?: Record<string, string> }> };
  assert.deepEqual(Object.keys(doc.services).sort(), ['evaluator', 'ingest', 'kafka', 'outputs']);
  assert.deepEqual(doc.services['evaluator']!.command?.slice(0, 1), ['evaluator']);
  assert.equal(doc.services['ingest']!.environment?.['PEREGRINE_KAFKA__BROKERS'], 'kafka:9092');
  for (const [name, s] of Object.entries(doc.services)) {
    for (const p of s.ports ?? []) {
      const text = typeof p === 'string' ? p : JSON.stringify(p);
      assert.match(text, /127\.0\.0\.1/, `${name} publishes a port beyond loopback: ${text}`);
    }
  }
});
