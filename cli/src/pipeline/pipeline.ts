/**
 * Assembles the services on a bus. `startPipeline` is the one-process mode (`peregrine run`): ingest, evaluator and
 * outputs on the in-memory bus; `startIngest`/`startEvaluator`/`startOutputs` run one service each on Kafka.
 *
 * Start order is downstream first (outputs, evaluator, then the webhook), so nothing is accepted before it can be
 * processed; stop order is the reverse: the webhook stops accepting, the bus is drained (everything accepted is
 * evaluated and delivered, bounded by a timeout), then the evaluator and the outputs stop and commit.
 */
import { hostname } from 'node:os';
import {
  type Component, createLogger, createRegistry, type Logger, type LogLevel, type Registry, startAll, stopAll,
} from '@peregrine/core';
import { buildEvaluator, type Evaluator } from '@peregrine/evaluator';
import { buildIngest } from '@peregrine/ingest';
import { type Bus, KafkaBus, MemoryBus } from '@peregrine/kafka';
import { type AlertStore, buildOutputs } from '@peregrine/outputs';
import { type AlertsUi, alertsUiUrl, prepareAlertsUi } from './alerts-ui.js';
import { DEFAULT_METRICS_LISTEN, type PeregrineConfig } from './config.js';
import { DEAD_LETTER_GROUP, deadLetterDrain } from './dead-letter-drain.js';
import { healthServer, type HttpListener } from './health-server.js';

export interface RunningPipeline {
  readonly logger: Logger;
  readonly bus: Bus;
  readonly registry: Registry;
  /** The evaluator, when this process runs one (for SIGHUP reloads). */
  readonly evaluator?: Evaluator | undefined;
  /** Where the webhook listens, when this process runs ingest. */
  readonly webhookUrl?: string | undefined;
  /** Why the webhook is exposed, when it may listen only because of `insecure` (printed at every start). */
  readonly exposureWarning?: string | undefined;
  /** Where the alerts UI is served, when this process serves it. */
  readonly uiUrl?: string | undefined;
  /** Why the alerts UI is not served although it is enabled (printed at start). */
  readonly uiNotice?: string | undefined;
  /** Why the alerts UI is exposed, when it is only because of `outputs.ui.insecure` (printed at every start). */
  readonly uiWarning?: string | undefined;
  /** SIGHUP: reloads the rules (evaluator) and the token files (ingest) of this process; failures are logged. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export interface PipelineIo {
  readonly stdout: NodeJS.WritableStream;
  readonly logDestination?: NodeJS.WritableStream | undefined;
}

const DRAIN_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

function makeLogger(config: PeregrineConfig, io: PipelineIo, name: string): Logger {
  return createLogger({ name, level: config.logLevel as LogLevel, destination: io.logDestination });
}

/** The one-process mode on the in-memory bus. */
export async function startPipeline(config: PeregrineConfig, io: PipelineIo): Promise<RunningPipeline> {
  const logger = makeLogger(config, io, 'peregrine');
  const bus = new MemoryBus({ maxTopicBytes: config.memoryBus.maxTopicBytes, partitions: config.memoryBus.partitions });
  const registry = createRegistry({ defaultMetrics: true });
  const ui = await prepareAlertsUi(config, logger);
  const deps = { bus, logger, registry, stdout: io.stdout, recent: ui.store };
  const outputs = outputsComponents(config, deps);
  const evaluator = buildEvaluator(evaluatorConfig(config), {
    bus, topics: config.topics, logger: logger.child({ service: 'evaluator' }), registry,
  });
  const ingest = ingestComponent(config, deps);
  const deadLetters = deadLetterDrain(bus, { topic: config.topics.deadLetter, file: config.deadLetters.file },
    logger.child({ service: 'dead-letters' }), registry);
  // The webhook serves /metrics already; the metrics listener is opened here only for the UI (see runUiListener).
  const uiPart = runUiListener(config, ui, () => [deadLetters, ...outputs, evaluator, ingest.component], registry, logger);
  await startAll([deadLetters, ...outputs, evaluator, ...uiPart.components, ingest.component], logger);

  const stop = async () => {
    await stopAll([...uiPart.components, ingest.component], logger, STOP_TIMEOUT_MS);
    await drain(bus, config, logger);
    await stopAll([...outputs, evaluator], logger, STOP_TIMEOUT_MS);
    // Last: the evaluator and the outputs may have written dead letters until they stopped.
    await drain(bus, config, logger);
    await stopAll([deadLetters], logger, STOP_TIMEOUT_MS);
  };
  return {
    logger, bus, registry, evaluator, webhookUrl: ingest.url(), exposureWarning: ingest.warning, stop,
    uiUrl: uiPart.url(), uiNotice: ui.notice ?? uiPart.busy(), uiWarning: ui.warning,
    reload: () => reload(logger, evaluator, ingest),
  };
}

/**
 * The UI's listener in `peregrine run`: its own (outputs.ui.listen), else the metrics listener with the UI beside
 * /metrics. On the default address only, a port already taken (another `peregrine run`, or tests running several at
 * once) leaves the pipeline running without the UI, and says so: the UI is a view, the pipeline must not depend on
 * it. An address the operator chose that cannot be had stops the start, as any listener's would.
 */
function runUiListener(
  config: PeregrineConfig, ui: AlertsUi, components: () => readonly Component[], registry: Registry, logger: Logger,
): { components: Component[]; url: () => string | undefined; busy: () => string | undefined } {
  const listener: HttpListener | undefined = ui.ownListener ??
    (ui.sharedRoutes.length > 0 ? healthServer(config.metrics.listen, components, [registry], ui.sharedRoutes) : undefined);
  if (!listener) return { components: [], url: () => undefined, busy: () => undefined };
  const onDefault = !ui.ownListener && config.metrics.listen === DEFAULT_METRICS_LISTEN;
  let busy: string | undefined;
  const component: Component = {
    name: listener.name,
    start: async () => {
      try {
        await listener.start();
      } catch (err) {
        if (!onDefault || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        busy = `alerts UI not served: ${config.metrics.listen} is in use (give it another address: --metrics-listen or --ui-listen)`;
        logger.warn(busy);
      }
    },
    stop: () => listener.stop(),
    health: () => (busy ? { ok: true } : listener.health()),
  };
  return {
    components: [component],
    url: () => (busy ? undefined : alertsUiUrl(listener)),
    busy: () => busy,
  };
}

/** `peregrine ingest`: the webhook, writing to Kafka. */
export async function startIngest(config: PeregrineConfig, io: PipelineIo): Promise<RunningPipeline> {
  const logger = makeLogger(config, io, 'peregrine-ingest');
  const bus = kafkaBus(config, logger);
  const registry = createRegistry({ defaultMetrics: true });
  const ingest = ingestComponent(config, { bus, logger, registry, stdout: io.stdout });
  await startAll([ingest.component], logger);
  return {
    logger, bus, registry, webhookUrl: ingest.url(), exposureWarning: ingest.warning,
    reload: () => reload(logger, undefined, ingest),
    stop: () => stopAll([ingest.component], logger, STOP_TIMEOUT_MS),
  };
}

/** `peregrine evaluator`: one member of the evaluator group, with its own /metrics. */
export async function startEvaluator(config: PeregrineConfig, io: PipelineIo): Promise<RunningPipeline> {
  const logger = makeLogger(config, io, 'peregrine-evaluator');
  const bus = kafkaBus(config, logger);
  const registry = createRegistry({ defaultMetrics: true });
  const evaluator = buildEvaluator(evaluatorConfig(config), { bus, topics: config.topics, logger, registry });
  const components: Component[] = [evaluator];
  components.push(healthServer(config.metrics.listen, () => [evaluator], [registry]));
  await startAll(components, logger);
  return {
    logger, bus, registry, evaluator, reload: () => reload(logger, evaluator, undefined),
    stop: () => stopAll(components, logger, STOP_TIMEOUT_MS),
  };
}

/** `peregrine outputs`: consumes alerts from Kafka and delivers them to the sinks. */
export async function startOutputs(config: PeregrineConfig, io: PipelineIo): Promise<RunningPipeline> {
  const logger = makeLogger(config, io, 'peregrine-outputs');
  const bus = kafkaBus(config, logger);
  const registry = createRegistry({ defaultMetrics: true });
  const ui = await prepareAlertsUi(config, logger);
  const outputs = outputsComponents(config, { bus, logger, registry, stdout: io.stdout, recent: ui.store });
  const metrics = healthServer(config.metrics.listen, () => outputs, [registry], ui.sharedRoutes);
  const components: Component[] = [...outputs, metrics, ...(ui.ownListener ? [ui.ownListener] : [])];
  await startAll(components, logger);
  return {
    logger, bus, registry, reload: () => reload(logger, undefined, undefined),
    stop: () => stopAll(components, logger, STOP_TIMEOUT_MS),
    uiUrl: ui.store ? alertsUiUrl(ui.ownListener ?? metrics) : undefined, uiNotice: ui.notice, uiWarning: ui.warning,
  };
}

interface Deps {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly stdout: NodeJS.WritableStream;
  /** The alerts UI's store, when the UI is served. */
  readonly recent?: AlertStore | undefined;
}

interface IngestPart {
  readonly component: Component;
  readonly url: () => string;
  readonly warning: string | undefined;
  readonly reloadTokens: () => number;
}

/**
 * SIGHUP. Token files first: a rotation must not wait for the rules to compile. A token file that cannot be read
 * keeps the tokens in force (the error says which entry), so a half-written file never locks the apiservers out.
 */
async function reload(logger: Logger, evaluator: Evaluator | undefined, ingest: IngestPart | undefined): Promise<void> {
  if (ingest) {
    try {
      logger.info({ inForce: ingest.reloadTokens() }, 'ingest tokens reloaded');
    } catch (err) {
      // The message names the entry and the file, never a token; the cause (an errno error) adds nothing.
      logger.error({ problem: (err as Error).message }, 'ingest token reload failed; the tokens in force are kept');
    }
  }
  if (evaluator) await evaluator.reload();
}

function ingestComponent(config: PeregrineConfig, deps: Deps): IngestPart {
  const producer = deps.bus.producer();
  const built = buildIngest(config.ingest, {
    producer, topic: config.topics.audit, logger: deps.logger.child({ service: 'ingest' }), registry: deps.registry,
  });
  const component: Component = {
    name: 'ingest',
    start: async () => {
      await producer.start();
      await built.component.start();
    },
    stop: async () => {
      await built.component.stop();
      await producer.stop();
    },
    health: () => built.component.health(),
  };
  const url = () => {
    const address = built.app.server.address();
    const scheme = config.ingest.tls ? 'https' : 'http';
    if (address && typeof address === 'object') {
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return `${scheme}://${host}:${address.port}${config.ingest.path}`;
    }
    return `${scheme}://${config.ingest.listen}${config.ingest.path}`;
  };
  return { component, url, warning: built.warning, reloadTokens: () => built.reloadTokens() };
}

function outputsComponents(config: PeregrineConfig, deps: Deps): Component[] {
  const consumer = deps.bus.consumer({ groupId: 'peregrine-outputs', topics: [config.topics.alerts] });
  const producer = deps.bus.producer();
  const outputs = buildOutputs(config.outputs, {
    consumer, producer, deadLetterTopic: config.topics.deadLetter,
    logger: deps.logger.child({ service: 'outputs' }), registry: deps.registry, stdout: deps.stdout, recent: deps.recent,
  });
  return [producer, ...outputs];
}

function evaluatorConfig(config: PeregrineConfig): PeregrineConfig['evaluator'] {
  return config.evaluator.hostname ? config.evaluator : { ...config.evaluator, hostname: hostname() };
}

function kafkaBus(config: PeregrineConfig, logger: Logger): Bus {
  if (!config.kafka) {
    throw new Error('no Kafka brokers configured: give --kafka-brokers host:port, KAFKA_BROKERS, or kafka.brokers in --config');
  }
  return new KafkaBus(config.kafka, logger.child({ component: 'kafka' }));
}

/** Waits until everything accepted has been evaluated and delivered (bounded). */
async function drain(bus: Bus, config: PeregrineConfig, logger: Logger): Promise<void> {
  if (!(bus instanceof MemoryBus)) return;
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const pending = bus.lag(config.topics.audit, config.evaluator.groupId) + bus.lag(config.topics.alerts, 'peregrine-outputs') +
      bus.lag(config.topics.deadLetter, DEAD_LETTER_GROUP);
    if (pending === 0) return;
    if (Date.now() > deadline) {
      logger.error({ pending }, 'shutdown: messages still in the in-memory bus after the drain timeout are lost');
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
