/**
 * Child process of the ingest bench: a consumer that drains the audit topic of the mock broker, because the mock
 * keeps only ~5 MB per partition and drops older data silently (a drained topic is what real Kafka with a running
 * evaluator group looks like). It runs in its own process at the lowest CPU priority (the bench sets nice 19), so that
 * on a 2-core machine it takes only CPU that wrk and the ingest server leave idle: the bench measures ingest, and in
 * production the consumers run elsewhere. It reports how many messages it has drained, so the bench can say whether
 * it kept up.
 *
 *   node bench/dist/lib/kafka-drain.js '{"brokers":["127.0.0.1:9092"],"topic":"audit"}'
 *
 * Prints `drained N` twice a second (N: messages so far); exits when stdin closes or on SIGTERM.
 */
import { KafkaBus } from '@peregrine/kafka';
import { isEntryPoint } from './cli.js';
import { mockKafkaConfig } from './mock-kafka.js';

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as { brokers: string[]; topic: string };
  const consumer = new KafkaBus(mockKafkaConfig(args.brokers)).consumer({ groupId: 'bench-drain', topics: [args.topic], maxBatchMessages: 1000 });
  let drained = 0;
  consumer.onBatch(async (b) => void (drained += b.messages.length));
  await consumer.start();
  const timer = setInterval(() => process.stdout.write(`drained ${drained}\n`), 500);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    void consumer.stop().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop).on('close', stop).resume();
  process.on('SIGTERM', stop);
}

if (isEntryPoint(import.meta.url)) await main();
