/**
 * The pino logger factory. Logs are JSON lines on stderr (stdout is for alerts in the one-process mode). Secrets never
 * reach the log: authorization headers, tokens and keys are redacted wherever they appear under these paths, and
 * event bodies are never logged by the services, only their sizes and counts.
 */
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const REDACT = [
  'req.headers.authorization',
  'headers.authorization',
  '*.token',
  '*.tokens',
  '*.key',
  '*.password',
  '*.secret',
];

export function createLogger(options: { name: string; level?: LogLevel; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    { name: options.name, level: options.level ?? 'info', redact: { paths: REDACT, censor: '[redacted]' } },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that drops everything (tests, library defaults). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
