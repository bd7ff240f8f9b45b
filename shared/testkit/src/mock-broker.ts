/**
 * A Kafka-protocol broker for integration tests and benchmarks: librdkafka's mock cluster, run by our small C program
 * (`shared/kafka/mock-broker`), driven over its stdin/stdout. It speaks the real wire protocol over TCP on 127.0.0.1,
 * so kafkajs runs unmodified against it; it is not Apache Kafka (see that directory's README for what differs).
 *
 * Invariant: no broker outlives its test process. The broker exits when its stdin closes, which the OS does for us
 * when this process exits or crashes; `stop()` closes it explicitly and escalates to signals if needed.
 *
 * Where the program cannot be built (no `librdkafka-dev` or no C compiler), `requireMockBroker(t)` skips the test
 * with a message saying how to get them, except under CI (`CI=true`), where it fails: CI must run these tests.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { repoRoot } from './index.js';

export interface MockBrokerOptions {
  /** Brokers in the cluster, ids 1..N. Default 1. */
  readonly brokers?: number | undefined;
  /** Topics created before `startMockBroker` resolves. Topics can also be created later with `createTopic`. */
  readonly topics?: readonly { readonly name: string; readonly partitions: number }[] | undefined;
}

export interface MockBroker {
  /** `host:port` of every broker, for a client's bootstrap list. */
  readonly bootstrap: string[];
  /** Closes the broker's connections and refuses new ones. Partition leaders do not move (a mock limitation). */
  setBrokerDown(id: number): Promise<void>;
  /** Accepts connections again. */
  setBrokerUp(id: number): Promise<void>;
  /** Rejects when the topic exists. */
  createTopic(name: string, partitions: number): Promise<void>;
  /**
   * The next `count` requests of Kafka API `apiKey` (0 = Produce, 1 = Fetch, ...) to any broker are answered with
   * Kafka error code `errorCode` (e.g. 10 = MESSAGE_TOO_LARGE): fault injection at the protocol level.
   */
  failRequests(apiKey: number, errorCode: number, count?: number): Promise<void>;
  /** Stops the broker; idempotent; resolves when the process has exited. */
  stop(): Promise<void>;
}

const INSTALL_HINT = 'apt-get install librdkafka-dev gcc';

/** Path of the compiled broker program (it may not exist yet). */
export function mockBrokerBinary(): string {
  return join(repoRoot(), 'shared', 'kafka', 'mock-broker', 'bin', 'mock-broker');
}

let buildResult: { ok: true } | { ok: false; reason: string } | undefined;

/**
 * Builds the broker program when it is missing or older than its source (once per process; the result is cached).
 * Never throws: says why it could not build.
 */
export function buildMockBroker(): { ok: true } | { ok: false; reason: string } {
  if (buildResult) return buildResult;
  const dir = join(repoRoot(), 'shared', 'kafka', 'mock-broker');
  const binary = mockBrokerBinary();
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(join(dir, 'mock-broker.c')).mtimeMs) {
    return (buildResult = { ok: true });
  }
  const r = spawnSync('sh', [join(dir, 'build.sh')], { encoding: 'utf8', timeout: 120_000 });
  if (r.status === 0 && existsSync(binary)) return (buildResult = { ok: true });
  const output = `${r.error?.message ?? ''}${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').slice(-8).join('\n');
  return (buildResult = { ok: false, reason: `building the mock Kafka broker failed:\n${output}` });
}

/**
 * True when the mock broker can run. Otherwise marks the test skipped with how to get it (`apt-get install
 * librdkafka-dev gcc`) and returns false; under CI (`CI=true`) it throws instead, so a missing broker fails CI.
 */
export function requireMockBroker(t: TestContext): boolean {
  const built = buildMockBroker();
  if (built.ok) return true;
  if (process.env['CI'] === 'true') {
    throw new Error(`${built.reason}\nCI must run the Kafka integration tests: ${INSTALL_HINT}`);
  }
  t.skip(`no mock Kafka broker (${INSTALL_HINT} to run this test)`);
  return false;
}

/**
 * Starts a mock cluster and resolves once it listens (about 20 ms after the build). Builds the program first if
 * needed; rejects when it cannot be built or does not start. Call `stop()` when done (in `t.after`).
 */
export async function startMockBroker(options: MockBrokerOptions = {}): Promise<MockBroker> {
  const built = buildMockBroker();
  if (!built.ok) throw new Error(`${built.reason}\n(${INSTALL_HINT})`);
  const args = [String(options.brokers ?? 1), ...(options.topics ?? []).map((t) => `${t.name}:${t.partitions}`)];
  const child = spawn(mockBrokerBinary(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
  return new MockBrokerProcess(child).ready();
}

class MockBrokerProcess implements MockBroker {
  bootstrap: string[] = [];
  /** Replies come back in command order, so one FIFO of waiters pairs them. */
  readonly #waiting: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  #stderr = '';
  #exited: Promise<void>;
  #exitInfo: string | undefined;
  #stopping: Promise<void> | undefined;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    // Always drain stderr (a full pipe would block the broker); keep the tail for error messages.
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.#stderr = (this.#stderr + d).slice(-4000);
    });
    createInterface({ input: child.stdout }).on('line', (line) => this.#waiting.shift()?.resolve(line));
    // The broker exits on its own when stdin closes; an EPIPE on a late write is not an error worth a crash.
    child.stdin.on('error', () => {});
    this.#exited = new Promise((resolve) => {
      const done = (info: string) => {
        this.#exitInfo ??= info;
        for (const w of this.#waiting.splice(0)) w.reject(this.#error('the mock broker exited'));
        resolve();
      };
      child.on('error', (err) => done(err.message));
      child.on('exit', (code, signal) => done(`exit ${code ?? signal}`));
    });
  }

  async ready(): Promise<this> {
    const first = await this.#next(10_000);
    this.bootstrap = first.split(',').filter(Boolean);
    if (this.bootstrap.length === 0) throw this.#error(`unexpected first line from the mock broker: ${first}`);
    return this;
  }

  setBrokerDown(id: number): Promise<void> {
    return this.#command(`down ${id}`);
  }

  setBrokerUp(id: number): Promise<void> {
    return this.#command(`up ${id}`);
  }

  createTopic(name: string, partitions: number): Promise<void> {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) return Promise.reject(new Error(`invalid topic name '${name}'`));
    return this.#command(`create ${name} ${partitions}`);
  }

  failRequests(apiKey: number, errorCode: number, count = 1): Promise<void> {
    return this.#command(`error ${apiKey} ${errorCode} ${count}`);
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      if (this.#exitInfo === undefined) this.child.stdin.end();
      if (await this.#exitWithin(5000)) return;
      this.child.kill('SIGTERM');
      if (await this.#exitWithin(2000)) return;
      this.child.kill('SIGKILL');
      await this.#exited;
    })();
    return this.#stopping;
  }

  async #exitWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const exited = await Promise.race([this.#exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return exited;
  }

  async #command(line: string): Promise<void> {
    if (this.#stopping || this.#exitInfo !== undefined) throw this.#error('the mock broker is stopped');
    const reply = this.#next(10_000);
    this.child.stdin.write(`${line}\n`);
    const answer = await reply;
    if (answer !== 'ok') throw new Error(`mock broker: '${line}' failed: ${answer}`);
  }

  #next(timeoutMs: number): Promise<string> {
    if (this.#exitInfo !== undefined) return Promise.reject(this.#error('the mock broker exited'));
    return new Promise<string>((resolve, reject) => {
      // A broker that does not answer is broken, and later replies could no longer be paired: kill it.
      const timer = setTimeout(() => {
        reject(this.#error(`no answer from the mock broker within ${timeoutMs} ms`));
        this.child.kill('SIGKILL');
      }, timeoutMs);
      this.#waiting.push({
        resolve: (l) => { clearTimeout(timer); resolve(l); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
    });
  }

  #error(message: string): Error {
    const tail = this.#stderr.trim();
    return new Error(`${message}${this.#exitInfo ? ` (${this.#exitInfo})` : ''}${tail ? `; stderr:\n${tail}` : ''}`);
  }
}
