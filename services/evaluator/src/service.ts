/**
 * The evaluator service: a consumer-group member on the audit topic that hands batches to the worker pool, writes the
 * alerts to the alerts topic and undecodable messages to the dead-letter topic, and only then lets the bus commit
 * the batch's offsets. A crash anywhere before the commit means the batch is delivered again (alerts may then be
 * written twice, with the same ids; none is lost).
 *
 *   audit topic --batch--> pack --move--> worker: decode + evaluate --> alerts ----> alerts topic  --ack--+
 *                                                                   \-> bad msgs --> dead-letter  --ack--+--> commit
 *
 * Rules: read once by this thread, validated, and given as texts to every worker of a pool; `reload()` (SIGHUP, or a
 * change of the files) validates the new rules and swaps the pool, keeping the old rules if the new ones are wrong.
 */
import { watch, type FSWatcher } from 'node:fs';
import {
  type Component, type Health, type Logger, type Registry, startAll, stopAll,
} from '@peregrine/core';
import {
  type Bus, type BusMessage, HEADER_CLUSTER, HEADER_DEAD_LETTER_REASON, HEADER_DEAD_LETTER_SOURCE, type ReceivedBatch,
} from '@peregrine/kafka';
import { type Diagnostic, formatDiagnostic, loadRules, parsePriority, readRuleInputs } from '@peregrine/rule-engine';
import { packBatch } from './batch.js';
import { chooseDecoder, type DecoderChoice } from './decoder-choice.js';
import { mergeDeadLetters, separateOversizeAlerts } from './oversize-alerts.js';
import type { EvaluatorConfig } from './config.js';
import { evaluatorMetrics } from './metrics.js';
import { RulePool } from './pool.js';
import type { WorkerData } from './worker.js';

export interface EvaluatorTopics {
  readonly audit: string;
  readonly alerts: string;
  readonly deadLetter: string;
}

export interface EvaluatorDeps {
  readonly bus: Bus;
  readonly topics: EvaluatorTopics;
  readonly logger: Logger;
  readonly registry: Registry;
}

export interface ReloadResult {
  readonly ok: boolean;
  readonly errors: readonly Diagnostic[];
  readonly rules: number;
}

export interface Evaluator extends Component {
  /** Re-reads and validates the rules; swaps them in when they load, keeps the current ones otherwise. */
  reload(): Promise<ReloadResult>;
}

/** Nothing runs until start(). */
export function buildEvaluator(config: EvaluatorConfig, deps: EvaluatorDeps): Evaluator {
  return new EvaluatorService(config, deps);
}

class EvaluatorService implements Evaluator {
  readonly name = 'evaluator';
  readonly #metrics;
  readonly #producer;
  readonly #consumer;
  #pool: RulePool | undefined;
  #watchers: FSWatcher[] = [];
  #lagTimer: NodeJS.Timeout | undefined;
  #reloadTimer: NodeJS.Timeout | undefined;
  #components: Component[] = [];
  #reloadChain: Promise<unknown> = Promise.resolve();
  /** Decided once: whether the native addon loads does not change while the process runs. */
  readonly #decoder: DecoderChoice;

  constructor(
    private readonly config: EvaluatorConfig,
    private readonly deps: EvaluatorDeps,
  ) {
    this.#metrics = evaluatorMetrics(deps.registry);
    this.#decoder = chooseDecoder(config.decoder);
    this.#producer = deps.bus.producer();
    this.#consumer = deps.bus.consumer({
      groupId: config.groupId, topics: [deps.topics.audit], maxBatchMessages: config.maxBatchMessages,
    });
    this.#consumer.onBatch((batch) => this.#handle(batch));
  }

  async start(): Promise<void> {
    const decoder = this.#decoder;
    if (decoder.error) throw new Error(decoder.error);
    this.deps.logger.info({ decoder: decoder.name }, decoder.note);
    const data = await this.#readRules();
    if ('errors' in data) {
      throw new Error(`the rules do not load:\n${data.errors.map(formatDiagnostic).join('\n')}`);
    }
    this.#pool = new RulePool(data.workerData, this.config.workers);
    const pool = this.#pool;
    const poolComponent: Component = {
      name: 'worker-pool',
      start: async () => undefined,
      stop: () => pool.close(),
      health: () => ({ ok: true }),
    };
    this.#components = [this.#producer, poolComponent, this.#consumer];
    await startAll(this.#components, this.deps.logger);
    this.deps.logger.info({ workers: pool.threads, rules: data.rules }, 'evaluator started');
    this.#lagTimer = setInterval(() => void this.#updateGauges(), 5000);
    this.#lagTimer.unref();
    if (this.config.watchRules) this.#watchRules();
  }

  /** Stops fetching (the batch in hand is finished and committed), then the pool, then the producer. */
  async stop(): Promise<void> {
    clearInterval(this.#lagTimer);
    clearTimeout(this.#reloadTimer);
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
    await this.#reloadChain;
    await stopAll(this.#components, this.deps.logger, 30_000);
    this.#components = [];
  }

  health(): Health {
    if (!this.#pool) return { ok: false, detail: 'not started' };
    const bad = this.#components.map((c) => ({ c, h: c.health() })).find((x) => !x.h.ok);
    return bad ? { ok: false, detail: `${bad.c.name}: ${bad.h.detail ?? 'not ready'}` } : { ok: true };
  }

  reload(): Promise<ReloadResult> {
    // One reload at a time, in order: a reload asked for during another runs after it (the files may have changed
    // again in between).
    const next = this.#reloadChain.then(() => this.#doReload());
    this.#reloadChain = next.catch(() => undefined);
    return next;
  }

  async #doReload(): Promise<ReloadResult> {
    const data = await this.#readRules();
    if ('errors' in data) {
      this.#metrics.reloads.inc({ result: 'failed' });
      for (const d of data.errors) this.deps.logger.error({ diagnostic: formatDiagnostic(d) }, 'rules reload failed; keeping the current rules');
      return { ok: false, errors: data.errors, rules: 0 };
    }
    this.#pool?.swap(data.workerData);
    this.#metrics.reloads.inc({ result: 'ok' });
    this.deps.logger.info({ rules: data.rules }, 'rules reloaded');
    return { ok: true, errors: [], rules: data.rules };
  }

  async #readRules(): Promise<{ workerData: WorkerData; rules: number } | { errors: readonly Diagnostic[] }> {
    const { inputs, errors } = await readRuleInputs(this.config.rules);
    if (errors.length > 0) return { errors };
    const minPriority = this.config.minPriority ? parsePriority(this.config.minPriority) : undefined;
    const loaded = loadRules(inputs, { ruleMatching: this.config.ruleMatching, minPriority });
    if (!loaded.ok) return { errors: loaded.errors };
    for (const w of loaded.warnings) this.deps.logger.warn({ diagnostic: formatDiagnostic(w) }, 'rules warning');
    this.#metrics.rulesActive.set(loaded.stats.activeRules);
    return {
      rules: loaded.stats.activeRules,
      workerData: {
        rules: inputs,
        ruleMatching: this.config.ruleMatching,
        minPriority: this.config.minPriority,
        hostname: this.config.hostname,
        timingSampleEvery: this.config.timingSampleEvery,
        decoder: this.#decoder.name,
      },
    };
  }

  async #handle(batch: ReceivedBatch): Promise<void> {
    const endTimer = this.#metrics.batchSeconds.startTimer();
    try {
      const pool = this.#pool!;
      const task = packBatch(batch.messages);
      const raw = await pool.run(task);
      const oversize = separateOversizeAlerts(raw.alerts, this.#producer.maxMessageBytes);
      const result = { ...raw, alerts: oversize.fit, deadLetters: mergeDeadLetters(raw.deadLetters, oversize.deadLetters) };
      const alerts: BusMessage[] = result.alerts.map((a) => ({
        key: a.id,
        value: Buffer.from(a.json),
        headers: { [HEADER_CLUSTER]: a.cluster, 'peregrine-rule': a.rule, 'peregrine-priority': a.priority },
      }));
      const deadLetters: BusMessage[] = result.deadLetters.map((d) => {
        const m = batch.messages[d.index]!;
        return {
          key: m.key,
          value: m.value,
          headers: {
            ...m.headers,
            [HEADER_DEAD_LETTER_REASON]: d.reason,
            [HEADER_DEAD_LETTER_SOURCE]: `${batch.topic}/${batch.partition}/${m.offset}`,
          },
        };
      });
      // Both writes must be acknowledged before the batch may be committed.
      await Promise.all([
        alerts.length > 0 ? this.#producer.send(this.deps.topics.alerts, alerts) : undefined,
        deadLetters.length > 0 ? this.#producer.send(this.deps.topics.deadLetter, deadLetters) : undefined,
      ]);
      this.#count(batch, result);
    } catch (err) {
      this.#metrics.batchFailures.inc();
      this.deps.logger.error({ err, topic: batch.topic, partition: batch.partition, messages: batch.messages.length },
        'batch failed; it will be delivered again');
      throw err;
    } finally {
      endTimer();
    }
  }

  #count(batch: ReceivedBatch, result: Awaited<ReturnType<RulePool['run']>>): void {
    const m = this.#metrics;
    m.messages.inc(batch.messages.length);
    m.events.inc(result.events);
    m.deadLetters.inc(result.deadLetters.length);
    for (const a of result.alerts) m.alerts.inc({ priority: a.priority });
    const every = this.config.timingSampleEvery;
    for (const [rule, r] of Object.entries(result.rules)) {
      if (r.matches > 0) m.ruleMatches.inc({ rule }, r.matches);
      if (r.ns > 0) m.ruleSeconds.inc({ rule }, (r.ns / 1e9) * every);
    }
    if (result.deadLetters.length > 0) {
      this.deps.logger.warn({ count: result.deadLetters.length, reason: result.deadLetters[0]!.reason },
        'undecodable messages sent to the dead-letter topic');
    }
  }

  async #updateGauges(): Promise<void> {
    if (this.#pool) {
      this.#metrics.poolUtilization.set(this.#pool.utilization);
      this.#metrics.poolQueued.set(this.#pool.queued);
    }
    const lag = await this.#consumer.lag().catch(() => undefined);
    if (lag !== undefined) this.#metrics.lag.set(lag);
  }

  /** Reloads (debounced) when a rules file or directory changes. */
  #watchRules(): void {
    for (const path of this.config.rules) {
      try {
        const w = watch(path, () => {
          clearTimeout(this.#reloadTimer);
          this.#reloadTimer = setTimeout(() => void this.reload(), 500);
        });
        w.unref();
        this.#watchers.push(w);
      } catch (err) {
        this.deps.logger.warn({ path, err }, 'cannot watch the rules for changes; SIGHUP still reloads');
      }
    }
  }
}
