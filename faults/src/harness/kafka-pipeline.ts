/**
 * The three services as separate processes over a Kafka-protocol broker (librdkafka's mock cluster, over TCP), as an
 * operator deploys them: one config file, `peregrine ingest`, `peregrine evaluator` (as many as a case wants, in one
 * consumer group), `peregrine outputs`. Group timings are shortened (6 s session) so that a crashed member's
 * partitions move within a test's patience; everything else is the product's defaults unless a case overrides it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type MockBroker, requireMockBroker, startMockBroker } from '@peregrine/testkit';
import { type Proc, startPeregrine } from './processes.js';

export interface KafkaPipelineOptions {
  /** Partitions of the audit topic (default 16: see `checkMockRetention`). */
  readonly auditPartitions?: number;
  /** Extra YAML lines appended to the config file (e.g. `outputs:` with sinks, `evaluator:` overrides). */
  readonly extraConfig?: readonly string[];
  /** `evaluator:` settings (YAML flow map body), default `workers: 1, watchRules: false`. */
  readonly evaluator?: string;
}

export interface KafkaPipeline {
  readonly broker: MockBroker;
  /** The config file every service is started with. */
  readonly config: string;
  /** A scratch directory, removed after the test. */
  readonly dir: string;
  /** `peregrine ingest` on 127.0.0.1 (random port, no auth: loopback + --insecure); resolves to it and its URL. */
  startIngest(extraArgs?: readonly string[]): Promise<{ proc: Proc; url: string }>;
  /** `peregrine evaluator`; resolves once it logged "started". */
  startEvaluator(name?: string, extraArgs?: readonly string[]): Promise<Proc>;
  /** `peregrine outputs` with `--output` flags (e.g. `file:/path`, an http URL); resolves once it logged "started". */
  startOutputs(outputs: readonly string[], name?: string, extraArgs?: readonly string[]): Promise<Proc>;
}

export const TOPICS = { audit: 'audit', alerts: 'alerts', deadLetter: 'dead' } as const;
export const DEFAULT_AUDIT_PARTITIONS = 16;

/**
 * The mock cluster keeps at most ~5 MB per partition and silently drops older data: a case whose corpus overflows a
 * partition while an evaluator is down "loses" events to the mock, not to Peregrine (found the hard way: 6 alerts
 * missing after an evaluator crash, none without it). Throws when the bodies, spread over the partitions (ingest
 * writes them without a key, so the producer deals them out in turn), could put more than 3 MB in one partition.
 */
export function checkMockRetention(bodies: readonly { cluster: string; body: string }[], partitions = DEFAULT_AUDIT_PARTITIONS): void {
  const sizes = bodies.map((b) => Buffer.byteLength(b.body));
  const total = sizes.reduce((a, n) => a + n, 0);
  // Dealt in turn (the producer's round robin for messages without a key), a partition gets its share, give or take
  // one body.
  const worst = Math.ceil(total / partitions) + Math.max(0, ...sizes);
  if (worst > 3 * 1024 * 1024) {
    throw new Error(`corpus too large for the mock broker: up to ${(worst / 1048576).toFixed(1)} MB in one audit partition ` +
      '(it keeps ~5 MB and drops older data silently); send fewer events per cluster or use more partitions');
  }
}

/**
 * A broker with the three topics and a config file pointing at it. Resolves undefined (the test marked skipped, or
 * failed under CI) when the mock broker cannot be built here.
 */
export async function startKafkaPipeline(t: TestContext, options: KafkaPipelineOptions = {}): Promise<KafkaPipeline | undefined> {
  if (!requireMockBroker(t)) return undefined;
  const broker = await startMockBroker({
    topics: [
      { name: TOPICS.audit, partitions: options.auditPartitions ?? DEFAULT_AUDIT_PARTITIONS },
      { name: TOPICS.alerts, partitions: 4 },
      { name: TOPICS.deadLetter, partitions: 1 },
    ],
  });
  t.after(() => broker.stop());
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-faults-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'peregrine.yaml');
  writeFileSync(config, [
    'logLevel: debug', // group joins are logged at debug: cases wait for them
    `topics: { audit: ${TOPICS.audit}, alerts: ${TOPICS.alerts}, deadLetter: ${TOPICS.deadLetter} }`,
    'kafka:',
    `  brokers: [${broker.bootstrap.join(', ')}]`,
    '  createTopics: false',
    '  idempotent: false', // the mock cluster does not implement idempotent producers
    '  sessionTimeoutMs: 6000',
    '  heartbeatIntervalMs: 1000',
    '  maxWaitTimeMs: 100',
    `evaluator: { ${options.evaluator ?? 'workers: 1, watchRules: false'} }`,
    ...(options.extraConfig ?? []),
    '',
  ].join('\n'));

  const common = ['--config', config, '--metrics-listen', '127.0.0.1:0'];
  let evaluators = 0;
  return {
    broker,
    config,
    dir,
    async startIngest(extraArgs = []) {
      const proc = startPeregrine(t, 'ingest', ['ingest', '--config', config, '--listen', '127.0.0.1:0', '--insecure', ...extraArgs]);
      const url = /webhook at (\S+)/.exec(await proc.waitFor(/webhook at /))![1]!;
      return { proc, url };
    },
    async startEvaluator(name = `evaluator-${++evaluators}`, extraArgs = []) {
      const proc = startPeregrine(t, name, ['evaluator', ...common, ...extraArgs]);
      await proc.waitFor(/peregrine evaluator: started/);
      return proc;
    },
    async startOutputs(outputs, name = 'outputs', extraArgs = []) {
      const proc = startPeregrine(t, name, ['outputs', ...common, ...outputs.flatMap((o) => ['--output', o]), ...extraArgs]);
      await proc.waitFor(/peregrine outputs: started/);
      return proc;
    },
  };
}

/** The audit partitions an evaluator was last assigned (from its "joined the group" debug line). */
export function assignedPartitions(evaluator: Proc): number[] {
  const last = evaluator.lines(/joined the group/).at(-1);
  if (!last) return [];
  return (JSON.parse(last) as { assignment?: Record<string, number[]> }).assignment?.[TOPICS.audit] ?? [];
}
