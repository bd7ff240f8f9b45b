/**
 * docs/operating.md and the Prometheus alerting rules name metrics, labels and sections: these tests hold them to what
 * the code registers. The metrics are read from a running one-process pipeline, which registers every metric of
 * every service (the Kafka-mode processes register the same, less `peregrine_dead_letters_recorded_total`).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { repoRoot } from '@peregrine/testkit';
import { parse as parseYaml } from 'yaml';
import { configFromArgs } from './pipeline/flags.js';
import { startPipeline } from './pipeline/pipeline.js';

const root = repoRoot();
const OPERATING = join(root, 'docs', 'operating.md');
const ALERT_RULES = join(root, 'deploy', 'prometheus', 'peregrine-alerts.yaml');

interface RegisteredMetric {
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
}

async function registeredMetrics(): Promise<RegisteredMetric[]> {
  const config = configFromArgs(
    ['--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', '--log-level', 'silent', '--workers', '1'], {}, true,
  );
  const running = await startPipeline(config, { stdout: new PassThrough() });
  try {
    return running.registry.getMetricsAsArray().map((m) => ({
      name: m.name,
      type: String(m.type),
      labels: [...((m as unknown as { labelNames?: string[] }).labelNames ?? [])],
    }));
  } finally {
    await running.stop();
  }
}

/** The names a scrape shows: a histogram's series have suffixes. */
function seriesNames(metrics: readonly RegisteredMetric[]): Set<string> {
  return new Set(metrics.flatMap((m) => (m.type === 'histogram'
    ? [m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`]
    : [m.name])));
}

/** Files that name metrics: the docs, the READMEs, the deployment manifests and the alerting rules. */
function docFiles(): string[] {
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
  return [
    join(root, 'README.md'), join(root, 'SECURITY.md'),
    ...walk(join(root, 'docs')).filter((f) => f.endsWith('.md')),
    ...readdirSync(join(root, 'services')).map((s) => join(root, 'services', s, 'README.md')),
    ...walk(join(root, 'deploy')).filter((f) => /\.ya?ml$/.test(f)),
  ].filter((f) => {
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

test('metric names in the docs and the alerting rules exist; docs/operating.md lists every metric as registered', async () => {
  const metrics = await registeredMetrics();
  const own = metrics.filter((m) => !m.name.startsWith('peregrine_process_'));
  assert.ok(own.length > 25, `${own.length} metrics registered`);
  const names = seriesNames(metrics);

  for (const file of docFiles()) {
    const text = readFileSync(file, 'utf8');
    for (const [token] of text.matchAll(/\bperegrine_[a-z0-9_]+/g)) {
      if (token.endsWith('_')) continue; // a prefix: `peregrine_process_`
      assert.ok(names.has(token), `${relative(root, file)} names ${token}, which no service registers`);
    }
  }

  // The table of docs/operating.md: | `name` | type | labels | meaning |
  const rows = new Map<string, { type: string; labels: string[] }>();
  for (const line of readFileSync(OPERATING, 'utf8').split('\n')) {
    const m = /^\| `(peregrine_[a-z0-9_]+)` \| (\w+) \|([^|]*)\|/.exec(line);
    if (m) rows.set(m[1]!, { type: m[2]!, labels: [...m[3]!.matchAll(/`(\w+)`/g)].map((l) => l[1]!) });
  }
  for (const m of own) {
    const row = rows.get(m.name);
    assert.ok(row, `docs/operating.md's metrics table lacks ${m.name} (${m.type}; labels: ${m.labels.join(', ') || 'none'})`);
    assert.equal(row.type, m.type, `type of ${m.name} in docs/operating.md`);
    assert.deepEqual([...row.labels].sort(), [...m.labels].sort(), `labels of ${m.name} in docs/operating.md`);
  }
  for (const name of rows.keys()) assert.ok(own.some((m) => m.name === name), `docs/operating.md lists ${name}, which is not registered`);
});

test('the alerting rules are complete, and point to sections that exist', () => {
  const doc = readFileSync(OPERATING, 'utf8');
  const anchors = new Set([...doc.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
  const file = parseYaml(readFileSync(ALERT_RULES, 'utf8')) as {
    groups: { name: string; rules: { alert?: string; expr?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
  };
  const alerts: string[] = [];
  for (const group of file.groups) {
    for (const rule of group.rules) {
      assert.ok(rule.alert && rule.expr, `a rule of group ${group.name} has alert and expr`);
      alerts.push(rule.alert);
      assert.match(rule.labels?.['severity'] ?? '', /^(critical|warning|info)$/, `${rule.alert} has a severity`);
      assert.ok(rule.annotations?.['summary'] && rule.annotations['description'], `${rule.alert} has a summary and a description`);
      for (const [, anchor] of JSON.stringify(rule.annotations).matchAll(/docs\/operating\.md#([a-z0-9-]+)/g)) {
        assert.ok(anchors.has(anchor!), `${rule.alert} points to docs/operating.md#${anchor}, which is no heading`);
      }
    }
  }
  assert.equal(new Set(alerts).size, alerts.length, 'alert names are unique');
  for (const alert of alerts) assert.ok(doc.includes(`\`${alert}\``), `docs/operating.md describes ${alert}`);
});
