/**
 * The three services as separate processes over a real Kafka-protocol broker (librdkafka's mock cluster, over TCP):
 * EventLists POSTed to ingest end as alerts in a file sink and at an HTTP receiver; two evaluators in one group
 * share the partitions and together produce every expected alert exactly once, which the outputs service's alerts UI
 * (on its metrics listener) holds too; an evaluator, or the outputs service, killed with SIGKILL mid-stream and started
 * again leaves no expected alert missing.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { buildAlert, decodeAuditPayload, loadRuleFiles } from '@peregrine/rule-engine';
import { repoRoot, requireMockBroker, startMockBroker } from '@peregrine/testkit';

const root = repoRoot();
const bin = join(root, 'cli', 'bin', 'peregrine.js');

function caseEvents(): unknown[] {
  const dir = join(root, 'rules', 'tests');
  return readdirSync(dir).filter((f) => f.endsWith('.json')).flatMap((f) => {
    const c = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { positive: unknown[]; negative: unknown[] };
    return [...c.positive, ...c.negative];
  });
}

async function expectedIds(events: readonly unknown[], clusters: readonly string[]): Promise<string[]> {
  const loaded = await loadRuleFiles([join(root, 'rules')]);
  assert.ok(loaded.ruleset);
  const ids: string[] = [];
  for (const cluster of clusters) {
    for (const e of events) {
      for (const event of decodeAuditPayload(JSON.stringify(e), cluster).events) {
        for (const m of loaded.ruleset.evaluate(event)) ids.push(buildAlert(m, { hostname: 'x' }).id);
      }
    }
  }
  return ids.sort();
}

interface Proc {
  readonly child: ChildProcess;
  /** The warnings and errors it logged (pino levels 40+), for failure messages. */
  problems(): string[];
  /** Every stderr line matching `re`. */
  lines(re: RegExp): string[];
  /** Resolves with the first stderr line matching `re`. */
  waitFor(re: RegExp, ms?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function peregrine(t: TestContext, args: string[]): Proc {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let buffered = '';
  const listeners = new Set<() => void>();
  child.stderr!.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc: Proc = {
    child,
    problems: () => buffered.split('\n').filter((l) => /"level":(4|5|6)0/.test(l)),
    lines: (re) => buffered.split('\n').filter((l) => re.test(l)),
    waitFor: (re, ms = 30_000) => new Promise((resolve, reject) => {
      const check = () => {
        const line = buffered.split('\n').find((l) => re.test(l));
        if (line === undefined) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(line);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`peregrine ${args[0]}: no line matching ${re} within ${ms} ms; stderr:\n${buffered.slice(-3000)}`));
      }, ms);
      listeners.add(check);
      check();
    }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  t.after(() => proc.stop('SIGKILL'));
  return proc;
}

async function receiver(t: TestContext): Promise<{ url: string; ids: () => string[] }> {
  const ids: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { id: string } | { id: string }[];
      for (const a of Array.isArray(parsed) ? parsed : [parsed]) ids.push(a.id);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/`, ids: () => [...ids] };
}

function fileIds(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
  } catch {
    return [];
  }
}

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A broker with the three topics, a config file pointing at it with test-friendly group timings. */
async function setup(t: TestContext): Promise<{ config: string; dir: string } | undefined> {
  if (!requireMockBroker(t)) return undefined;
  const broker = await startMockBroker({
    topics: [{ name: 'audit', partitions: 4 }, { name: 'alerts', partitions: 4 }, { name: 'dead', partitions: 1 }],
  });
  t.after(() => broker.stop());
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-kafka-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'peregrine.yaml');
  writeFileSync(config, [
    'logLevel: debug', // the consumers' group joins are logged at debug: the tests wait for them
    'topics: { audit: audit, alerts: alerts, deadLetter: dead }',
    'kafka:',
    `  brokers: [${broker.bootstrap.join(', ')}]`,
    '  createTopics: false',
    '  idempotent: false',
    '  sessionTimeoutMs: 6000',
    '  heartbeatIntervalMs: 1000',
    '  maxWaitTimeMs: 100',
    'evaluator: { workers: 1, watchRules: false }',
    '',
  ].join('\n'));
  return { config, dir };
}

const list = (items: readonly unknown[]) => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items });

async function post(url: string, body: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    // Like the apiserver: 503 means try again later.
    if (res.status !== 503 || attempt >= 20) return res.status;
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('three services over Kafka: two evaluators share the work, every alert exactly once, in a file and over HTTP', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const http = await receiver(t);
  const alertsFile = join(env.dir, 'alerts.jsonl');
  const common = ['--config', env.config, '--metrics-listen', '127.0.0.1:0'];
  const outputs = peregrine(t, ['outputs', ...common, '--output', `file:${alertsFile}`, '--output', http.url]);
  const evaluators = [peregrine(t, ['evaluator', ...common]), peregrine(t, ['evaluator', ...common])];
  const ingest = peregrine(t, ['ingest', '--config', env.config, '--listen', '127.0.0.1:0', '--insecure']);
  const url = /webhook at (\S+)/.exec(await ingest.waitFor(/webhook at /))![1]!;
  await Promise.all([...evaluators.map((e) => e.waitFor(/peregrine evaluator: started/)), outputs.waitFor(/peregrine outputs: started/)]);
  // Steady state: the group has settled, the two members' latest assignments split the 4 partitions between them.
  const assignment = (p: Proc): number[] => {
    const last = p.lines(/joined the group/).at(-1);
    return last ? ((JSON.parse(last) as { assignment: { audit?: number[] } }).assignment.audit ?? []) : [];
  };
  await until(() => {
    const [a, b] = evaluators.map(assignment) as [number[], number[]];
    return a.length > 0 && b.length > 0 && [...a, ...b].sort().join() === '0,1,2,3';
  }, 'the two evaluators to share the partitions');

  const events = caseEvents();
  const clusters = ['c1', 'c2', 'c3', 'c4'];
  for (const c of clusters) assert.equal(await post(`${url}/${c}`, list(events)), 200);
  const expected = await expectedIds(events, clusters);
  assert.ok(expected.length > 100);

  await until(() => fileIds(alertsFile).length >= expected.length && http.ids().length >= expected.length,
    `${expected.length} alerts in the file and at the receiver`);
  // Steady state (no member joined or left while the events flowed): exactly once, nothing missing, nothing twice.
  await new Promise((r) => setTimeout(r, 1000));
  const problems = [...evaluators, outputs, ingest].flatMap((p) => p.problems()).join('\n');
  assert.deepEqual(fileIds(alertsFile).sort(), expected, `duplicates or losses; what the services logged:\n${problems}`);
  assert.deepEqual(http.ids().sort(), expected);

  // The alerts UI of the outputs process, on its metrics listener, holds every alert once.
  const ui = /alerts UI at (\S+)/.exec(await outputs.waitFor(/alerts UI at /))![1]!;
  assert.match(ui, /^http:\/\/127\.0\.0\.1:\d+\/ui\/$/);
  const listed = (await (await fetch(`${ui}api/alerts?limit=10000`)).json()) as { total: number; alerts: { id: string }[] };
  assert.equal(listed.total, expected.length);
  assert.deepEqual(listed.alerts.map((a) => a.id).sort(), expected);
  assert.equal((await fetch(new URL('/metrics', ui))).status, 200, 'beside /metrics');
});

for (const victim of ['evaluator', 'outputs'] as const) {
  test(`the ${victim} killed with SIGKILL mid-stream and started again: no expected alert is missing`, async (t) => {
    const env = await setup(t);
    if (!env) return;
    const alertsFile = join(env.dir, 'alerts.jsonl');
    const common = ['--config', env.config, '--metrics-listen', '127.0.0.1:0'];
    const start = {
      outputs: () => peregrine(t, ['outputs', ...common, '--output', `file:${alertsFile}`]),
      evaluator: () => peregrine(t, ['evaluator', ...common]),
    };
    const running = { outputs: start.outputs(), evaluator: start.evaluator() };
    const ingest = peregrine(t, ['ingest', '--config', env.config, '--listen', '127.0.0.1:0', '--insecure']);
    const url = /webhook at (\S+)/.exec(await ingest.waitFor(/webhook at /))![1]!;
    await Promise.all([running.evaluator.waitFor(/peregrine evaluator: started/), running.outputs.waitFor(/peregrine outputs: started/)]);

    const events = caseEvents();
    const clusters = Array.from({ length: 8 }, (_, i) => `k${i}`);
    const sending = (async () => {
      for (const c of clusters) {
        assert.equal(await post(`${url}/${c}`, list(events)), 200);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    await until(() => fileIds(alertsFile).length > 0, 'the first alerts');
    await running[victim].stop('SIGKILL');
    const restarted = start[victim]();
    await restarted.waitFor(new RegExp(`peregrine ${victim}: started`));
    await sending;

    const expected = [...new Set(await expectedIds(events, clusters))].sort();
    await until(() => new Set(fileIds(alertsFile)).size >= expected.length, `all ${expected.length} distinct alerts`, 90_000);
    const got = fileIds(alertsFile);
    assert.deepEqual([...new Set(got)].sort(), expected, 'every expected alert, none unexpected');
    t.diagnostic(`${victim} killed: alerts delivered ${got.length}, distinct ${expected.length}, duplicates ${got.length - expected.length}`);
  });
}
