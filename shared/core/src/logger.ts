/**
 * The pino logger factory. Logs are JSON lines on stderr (stdout is for alerts in the one-process mode). Secrets never
 * reach the log: authorization headers, tokens and keys are redacted wherever they appear under these paths, and
 * event bodies are never logged by the services, only their sizes and counts.
 */
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * pino matches these paths exactly (a `*` is one level), so each secret-bearing key is listed at the top level and
 * one level down. What they cover: request headers, the credentials of the config sections (ingest tokens, the HMAC
 * secrets of http sinks, TLS keys, Kafka's SASL password), and `rawPacket`: Node's HTTP parser attaches the raw bytes
 * of a request it cannot parse (headers with the bearer token, the start of the body) to the error, and fastify logs
 * that error at trace level.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  ...['token', 'tokens', 'key', 'password', 'secret', 'secrets', 'hmac', 'headers'].flatMap((k) => [k, `*.${k}`]),
  'err.rawPacket',
  '*.err.rawPacket',
  'rawPacket',
];

export function createLogger(options: { name: string; level?: LogLevel; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    { name: options.name, level: options.level ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that drops everything (tests, library defaults). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
