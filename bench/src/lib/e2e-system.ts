/**
 * The two deployments the e2e bench drives, each started as real `peregrine` processes (the shipped command, its
 * config file, its logs on stderr) so that what is measured is what users run:
 *
 *   embedded:  load --> [ peregrine run: ingest -> memory bus -> evaluator pool -> outputs -> file ]
 *   kafka:     load --> [ peregrine ingest ] -> mock broker -> [ peregrine evaluator ] x2 -> mock broker
 *                       -> [ peregrine outputs -> file ]
 *
 * Count in = count evaluated is read from the evaluators' own counter (`peregrine_evaluator_events_evaluated_total`
 * on /metrics, summed over evaluators). The alerts file never rotates during a run (maxBytes set far above what a run
 * writes), so AlertTail sees every line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MockBroker, startMockBroker } from '@peregrine/testkit';
import { mockKafkaYaml } from './mock-kafka.js';
import { peregrineBin } from './paths.js';
import { type Child, freePort, startNode } from './proc.js';

export type Mode = 'embedded' | 'kafka';

export interface RunningSystem {
  readonly mode: Mode;
  /** The webhook URL without a cluster segment. */
  readonly webhookUrl: string;
  readonly alertsFile: string;
  readonly processes: readonly { readonly name: string; readonly pid: number }[];
  /** Events evaluated so far, over all evaluators; rejects when a /metrics endpoint does not answer. */
  evaluated(): Promise<number>;
  /** Stops every process (ingest first) and the broker; idempotent. */
  stop(): Promise<void>;
}

export interface SystemOptions {
  /** A fresh directory for the config file and the alerts file. */
  readonly dir: string;
  /** Worker threads per evaluator process. */
  readonly workers: number;
  /** Kafka only: partitions of the audit topic (the mock keeps ~5 MB each: more partitions, more backlog kept). */
  readonly auditPartitions?: number;
  /** Embedded only: the memory bus's `maxTopicBytes` (default: the product's, 256 MiB); smaller makes 503s come sooner. */
  readonly memoryBusBytes?: number | undefined;
}

const TOPICS = 'topics: { audit: audit, alerts: alerts, deadLetter: dead }';
/** A limit no run reaches: the file must not rotate under AlertTail. */
const NO_ROTATION_BYTES = 64 * 1024 ** 3;

function commonYaml(o: SystemOptions, alertsFile: string): string[] {
  return [
    'logLevel: info',
    TOPICS,
    // Retry-After 1 s (default 5): the load generator honours it, and a step is only a few seconds long.
    'ingest: { retryAfterSeconds: 1, auth: { allowUnauthenticated: true } }',
    `evaluator: { watchRules: false, workers: ${o.workers} }`,
    ...(o.memoryBusBytes ? [`memoryBus: { maxTopicBytes: ${o.memoryBusBytes} }`] : []),
    'outputs:',
    '  sinks:',
    `    - { type: file, path: ${JSON.stringify(alertsFile)}, maxBytes: ${NO_ROTATION_BYTES} }`,
  ];
}

/** `peregrine run`: the whole pipeline in one process. */
export async function startEmbedded(o: SystemOptions): Promise<RunningSystem> {
  const alertsFile = join(o.dir, 'alerts.jsonl');
  const config = join(o.dir, 'peregrine.yaml');
  writeFileSync(config, `${commonYaml(o, alertsFile).join('\n')}\n`);
  const run = startNode(peregrineBin(), ['run', '--config', config, '--listen', '127.0.0.1:0']);
  try {
    const url = webhookUrl(await run.waitFor(/webhook at /));
    await run.waitFor(/peregrine run: started/);
    const metrics = `${new URL(url).origin}/metrics`;
    return {
      mode: 'embedded', webhookUrl: url, alertsFile, processes: [{ name: 'run', pid: run.pid }],
      evaluated: () => evaluatedAt([metrics]),
      stop: once(() => run.stop()),
    };
  } catch (err) {
    await run.stop();
    throw err;
  }
}

/** The three services over the mock broker: ingest, `evaluators` evaluators, outputs. */
export async function startKafka(o: SystemOptions & { readonly evaluators: number }): Promise<RunningSystem> {
  const partitions = o.auditPartitions ?? 32;
  const broker: MockBroker = await startMockBroker({
    topics: [{ name: 'audit', partitions }, { name: 'alerts', partitions: 4 }, { name: 'dead', partitions: 1 }],
  });
  const children: { name: string; child: Child }[] = [];
  const stop = once(async () => {
    // Intake first, then the consumers, then the broker (reverse dependency order).
    for (const c of children) await c.child.stop();
    await broker.stop();
  });
  try {
    const alertsFile = join(o.dir, 'alerts.jsonl');
    const config = join(o.dir, 'peregrine.yaml');
    writeFileSync(config, `${[...commonYaml(o, alertsFile), ...mockKafkaYaml(broker.bootstrap)].join('\n')}\n`);
    const ingest = startNode(peregrineBin(), ['ingest', '--config', config, '--listen', '127.0.0.1:0']);
    children.push({ name: 'ingest', child: ingest });
    const metrics: string[] = [];
    const evaluators: Child[] = [];
    for (let i = 1; i <= o.evaluators; i++) {
      const port = await freePort();
      metrics.push(`http://127.0.0.1:${port}/metrics`);
      // Debug level: the group joins (and their assignments) are logged at debug; nothing per batch is.
      const child = startNode(peregrineBin(), ['evaluator', '--config', config, '--metrics-listen', `127.0.0.1:${port}`, '--log-level', 'debug']);
      evaluators.push(child);
      children.push({ name: `evaluator-${i}`, child });
    }
    const outputs = startNode(peregrineBin(), ['outputs', '--config', config, '--metrics-listen', `127.0.0.1:${await freePort()}`]);
    children.push({ name: 'outputs', child: outputs });
    const url = webhookUrl(await ingest.waitFor(/webhook at /));
    await Promise.all([...evaluators, outputs].map((c) => c.waitFor(/: started/)));
    await settled(evaluators, partitions);
    return {
      mode: 'kafka', webhookUrl: url, alertsFile,
      processes: children.map((c) => ({ name: c.name, pid: c.child.pid })),
      evaluated: () => evaluatedAt(metrics),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function webhookUrl(line: string): string {
  const url = /webhook at (\S+)/.exec(line)?.[1];
  if (!url) throw new Error(`no webhook URL in: ${line}`);
  return url;
}

/** Waits until the group is stable: every evaluator holds partitions and together they hold all of them. */
async function settled(evaluators: readonly Child[], partitions: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  const assignment = (c: Child): number[] => {
    const last = c.lines(/joined the group/).at(-1);
    return last ? ((JSON.parse(last) as { assignment: { audit?: number[] } }).assignment.audit ?? []) : [];
  };
  for (;;) {
    const held = evaluators.map(assignment);
    if (held.every((a) => a.length > 0) && new Set(held.flat()).size === partitions) return;
    if (Date.now() > deadline) throw new Error(`the evaluator group did not settle within 60 s: ${JSON.stringify(held)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Sum of the evaluated-events counter over the endpoints. */
async function evaluatedAt(urls: readonly string[]): Promise<number> {
  let sum = 0;
  for (const url of urls) {
    const text = await (await fetch(url)).text();
    for (const m of text.matchAll(/^peregrine_evaluator_events_evaluated_total(?:\{[^}]*\})? (\S+)$/gm)) sum += Number(m[1]);
  }
  return sum;
}

function once(f: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= f());
}
