/**
 * `peregrine run` (the whole pipeline in one process on an in-memory bus: what `npm start` runs) and
 * `peregrine ingest|evaluator|outputs` (one service each, on Kafka, for when one machine is not enough).
 */
import { configFromArgs, PIPELINE_FLAGS_HELP } from '../pipeline/flags.js';
import {
  type PipelineIo, type RunningPipeline, startEvaluator, startIngest, startOutputs, startPipeline,
} from '../pipeline/pipeline.js';
import type { PeregrineConfig } from '../pipeline/config.js';
import { ignoreHupWhileStarting, runUntilSignal } from '../pipeline/run-until-signal.js';
import { type Command, type CommandIo, EXIT_FAILURE } from '../usage.js';

type Starter = (config: PeregrineConfig, io: PipelineIo) => Promise<RunningPipeline>;

function pipelineCommand(name: string, summary: string, description: string, start: Starter, localDefaults = false): Command {
  return {
    name,
    summary,
    help: `Usage: peregrine ${name} [options]

${description}

Options:
${PIPELINE_FLAGS_HELP}
  -h, --help             show this help

Signals: SIGTERM/SIGINT stop gracefully (stop accepting, drain, flush,
commit); SIGHUP reloads the rules and the webhook's token files (while
starting, it is ignored: they are being read).`,
    async run(args, io: CommandIo) {
      const config = configFromArgs(args, process.env, localDefaults);
      let running: RunningPipeline;
      const releaseHup = ignoreHupWhileStarting(() =>
        io.stderr.write(`peregrine ${name}: SIGHUP while starting: ignored (the rules and tokens are being read now)\n`));
      try {
        running = await start(config, { stdout: io.stdout });
      } catch (err) {
        releaseHup();
        io.stderr.write(`peregrine ${name}: cannot start: ${(err as Error).message}\n`);
        return EXIT_FAILURE;
      }
      const bus = running.bus.kind === 'memory' ? 'one process, in-memory bus' : 'Kafka';
      // Straight to stderr, not only to the log: a log level above warn must not hide it. Written once the signal
      // handlers are in place (onReady), so that whoever reads these lines may signal at once.
      const announce = () => {
        releaseHup();
        if (running.exposureWarning) io.stderr.write(`peregrine ${name}: WARNING: ${running.exposureWarning}\n`);
        if (running.uiWarning) io.stderr.write(`peregrine ${name}: WARNING: ${running.uiWarning}\n`);
        if (running.webhookUrl) io.stderr.write(`peregrine ${name}: webhook at ${running.webhookUrl} (${bus})\n`);
        if (running.uiUrl) io.stderr.write(`peregrine ${name}: alerts UI at ${running.uiUrl}\n`);
        if (running.uiNotice) io.stderr.write(`peregrine ${name}: ${running.uiNotice}\n`);
        io.stderr.write(`peregrine ${name}: started (${bus}); SIGTERM stops gracefully, SIGHUP reloads\n`);
      };
      return runUntilSignal({
        logger: running.logger, stop: () => running.stop(), onReload: () => running.reload(), onReady: announce,
      });
    },
  };
}

export const runCommand = pipelineCommand(
  'run',
  'run the whole pipeline in one process (webhook, evaluator pool, outputs)',
  `Runs ingest, the evaluator pool and the outputs in one process, connected
by an in-memory bus: POST audit events to the webhook (default
http://127.0.0.1:8765/k8s-audit) and alerts come out on stdout (or the
--output sinks) and, live, in the alerts UI (default
http://127.0.0.1:9464/ui/; --ui-listen, --no-ui). The in-memory bus is
bounded: when the evaluators fall behind, the webhook answers 503 with
Retry-After and the apiserver retries. It is not durable across a crash:
run the services separately on Kafka for that.`,
  startPipeline,
  true,
);

export const ingestCommand = pipelineCommand(
  'ingest',
  'run the webhook service (writes audit events to Kafka)',
  `Runs the audit webhook: authenticates the apiserver, tags the cluster and
writes the raw events to the audit topic, answering 200 only once Kafka has
them.`,
  startIngest,
);

export const evaluatorCommand = pipelineCommand(
  'evaluator',
  'run an evaluator (Kafka consumer group member + worker pool)',
  `Runs one evaluator: a member of the evaluator consumer group on the audit
topic, evaluating the rules in a worker-thread pool and writing alerts to the
alerts topic. Run several to share the load.`,
  startEvaluator,
);

export const outputsCommand = pipelineCommand(
  'outputs',
  'run the outputs service (delivers alerts to stdout, files, HTTP)',
  `Consumes the alerts topic and delivers every alert to the sinks, retrying
failing ones and dead-lettering what cannot be delivered. Serves the alerts
UI (/ui/: the recent alerts, live, with filters and a chart) on the metrics
listener (default http://127.0.0.1:9464/ui/; --ui-listen, --no-ui); on a
non-loopback address only with outputs.ui.insecure (see the README).`,
  startOutputs,
);
