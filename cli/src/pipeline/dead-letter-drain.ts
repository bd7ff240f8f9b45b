/**
 * The dead-letter topic of the one-process mode, made visible. On Kafka an operator reads that topic with the tools
 * of their choice; the in-memory bus of `peregrine run` has no such door, and nothing read the topic at all: dead
 * letters were seen only as a counter, and, committed by no consumer group, they stayed in memory until the topic
 * was full, after which every batch that had one failed (the evaluator could not write it) and was retried forever.
 *
 * This consumer drains the topic: each dead letter is logged (warn: its reason, where it came from, its cluster and
 * size; never its content, which is audit data) and counted, and, when `deadLetters.file` is set
 * (`--dead-letters FILE`), appended to that file as one JSON line, written before the message is committed:
 *
 *   {"time":"...","reason":"can't read stageTimestamp","source":"peregrine-audit/0/12","cluster":"prod",
 *    "key":"prod","headers":{...},"value":"{\"kind\":\"EventList\",...}"}
 *
 * `value` is the message as it was (an audit body from the evaluator, an alert from the outputs), as text.
 */
import { appendFile } from 'node:fs/promises';
import { type Component, Counter, type Health, type Logger, type Registry } from '@peregrine/core';
import {
  type Bus, HEADER_CLUSTER, HEADER_DEAD_LETTER_REASON, HEADER_DEAD_LETTER_SOURCE, type ReceivedBatch,
} from '@peregrine/kafka';

export interface DeadLetterDrainOptions {
  readonly topic: string;
  /** Where each dead letter is appended as a JSON line; undefined: logged and counted only. */
  readonly file?: string | undefined;
}

export const DEAD_LETTER_GROUP = 'peregrine-dead-letters';

/** Nothing runs until start(); stop() returns once the batch in hand is written and committed. */
export function deadLetterDrain(bus: Bus, options: DeadLetterDrainOptions, logger: Logger, registry: Registry): Component {
  const recorded = new Counter({
    name: 'peregrine_dead_letters_recorded_total',
    help: 'Dead letters read from the dead-letter topic of the one-process mode: logged, and written to deadLetters.file when set.',
    registers: [registry],
  });
  const consumer = bus.consumer({ groupId: DEAD_LETTER_GROUP, topics: [options.topic] });
  consumer.onBatch(async (batch: ReceivedBatch) => {
    const lines: string[] = [];
    for (const m of batch.messages) {
      const reason = m.headers[HEADER_DEAD_LETTER_REASON] ?? '(no reason given)';
      const source = m.headers[HEADER_DEAD_LETTER_SOURCE];
      const cluster = m.headers[HEADER_CLUSTER];
      logger.warn({ reason, source, cluster, bytes: m.value.length }, 'dead letter');
      if (options.file !== undefined) {
        lines.push(JSON.stringify({
          time: new Date().toISOString(), reason, source, cluster, key: m.key, headers: m.headers,
          value: Buffer.from(m.value).toString('utf8'),
        }));
      }
    }
    // Written before the batch is committed: a dead letter is in the file at least once.
    if (lines.length > 0) {
      try {
        await appendFile(options.file!, `${lines.join('\n')}\n`);
      } catch (err) {
        logger.error({ err, file: options.file }, 'cannot write dead letters to the file; they will be tried again');
        throw err;
      }
    }
    recorded.inc(batch.messages.length);
  });
  return {
    name: 'dead-letter-drain',
    async start() {
      // A file that cannot be written is a configuration error, found at start rather than at the first dead letter.
      if (options.file !== undefined) await appendFile(options.file, '');
      await consumer.start();
    },
    stop: () => consumer.stop(),
    health(): Health {
      return consumer.health();
    },
  };
}
