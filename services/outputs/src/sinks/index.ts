/**
 * The sink factory: a named sink configuration in, a Sink out, without I/O (opening is the sink's `open()`), so that
 * building the service stays side-effect free. Adding a sink type means a schema in config.ts, a module here, and a
 * case below; the exhaustive switch makes the compiler list what is missing.
 */
import type { NamedSinkConfig } from '../config.js';
import { FileSink } from './file.js';
import { HttpSink } from './http.js';
import { StdoutSink } from './stdout.js';
import type { Sink } from './types.js';

export { SinkError, isRetryable } from './errors.js';
export { FileSink } from './file.js';
export { HttpSink, redactUrl } from './http.js';
export { StdoutSink } from './stdout.js';
export type { Sink } from './types.js';

export interface SinkContext {
  /** Where stdout sinks write. Default: process.stdout. */
  readonly stdout?: NodeJS.WritableStream | undefined;
}

export function createSink(config: NamedSinkConfig, ctx: SinkContext = {}): Sink {
  switch (config.type) {
    case 'stdout':
      return new StdoutSink(config.name, config, ctx.stdout ?? process.stdout);
    case 'file':
      return new FileSink(config.name, config);
    case 'http':
      return new HttpSink(config.name, config);
    default:
      return assertNever(config);
  }
}

function assertNever(x: never): never {
  throw new Error(`unknown sink type ${JSON.stringify((x as { type?: unknown }).type)}`);
}
