/**
 * kafkajs logs through the service's pino logger, never to the console: each kafkajs entry becomes one pino line
 * with `kafkajs: <namespace>` and the entry's fields. kafkajs runs at `warn` unless configured otherwise, because its
 * info level narrates every group join and its debug level every request.
 */
import type { Logger } from '@peregrine/core';
import { type logCreator, logLevel } from 'kafkajs';

export type KafkaLogLevel = 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<KafkaLogLevel, logLevel> = {
  error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG,
};

/**
 * Warnings kafkajs prints for choices we made on purpose, logged at debug instead:
 * - we bound the idempotent producer's retries, so that send() rejects (and the webhook answers 503) instead of
 *   retrying forever; kafkajs warns that this "may invalidate EoS guarantees", which is about exactly-once across
 *   a failed send, a promise we do not make (delivery is at-least-once).
 */
const EXPECTED_WARNINGS = ['Limiting retries for the idempotent producer'];

/** The kafkajs log level for ours. */
export function kafkaLogLevel(level: KafkaLogLevel): logLevel {
  return LEVELS[level];
}

/** A kafkajs `logCreator` writing to `logger` (a child with `component: 'kafkajs'`). */
export function kafkaLogCreator(logger: Logger): logCreator {
  const log = logger.child({ component: 'kafkajs' });
  return () => ({ namespace, level, log: entry }) => {
    // kafkajs puts its own timestamp and logger name in every entry; pino has both already.
    const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
    let method: 'error' | 'warn' | 'info' | 'debug' =
      level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
    if (method === 'warn' && EXPECTED_WARNINGS.some((w) => message.startsWith(w))) method = 'debug';
    log[method]({ kafkajs: namespace, ...fields }, message);
  };
}
