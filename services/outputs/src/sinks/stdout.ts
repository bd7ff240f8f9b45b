/**
 * The stdout sink: one line per alert, JSON or Falco's text line, on a writable stream (process.stdout by default;
 * logs go to stderr, so stdout carries only alerts). A write resolves when the stream has taken the bytes (its write
 * callback), which is what "delivered" can mean for a pipe. The stream belongs to the caller: close() never ends it.
 */
import type { Health } from '@peregrine/core';
import type { StdoutSinkConfig } from '../config.js';
import { formatLine } from '../format.js';
import type { AlertRecord } from '../parse.js';
import { SinkError } from './errors.js';
import type { Sink } from './types.js';

export class StdoutSink implements Sink {
  readonly type = 'stdout' as const;
  /** One writer, so that lines keep the order of the partition. */
  readonly maxInFlight = 1;
  /** Lines are cheap: a whole batch goes in one stream write. */
  readonly maxBatchAlerts = Number.MAX_SAFE_INTEGER;
  readonly #config: StdoutSinkConfig;
  readonly #stream: NodeJS.WritableStream;
  #lastError: string | undefined;
  #closed = false;

  constructor(readonly name: string, config: StdoutSinkConfig, stream: NodeJS.WritableStream) {
    this.#config = config;
    this.#stream = stream;
  }

  async open(): Promise<void> {}

  write(alerts: readonly AlertRecord[], signal: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(new SinkError('PG_ERR_SINK_UNAVAILABLE', 'the stdout sink is closed', { retryable: false }));
    const text = alerts.map((a) => formatLine(a, this.#config.format)).join('');
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new SinkError('PG_ERR_SINK_UNAVAILABLE', 'stdout did not take the lines in time', { retryable: true }));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#stream.write(text, (err?: Error | null) => {
        signal.removeEventListener('abort', onAbort);
        if (err) {
          this.#lastError = (err as NodeJS.ErrnoException).code ?? err.message;
          reject(new SinkError('PG_ERR_SINK_UNAVAILABLE', `stdout write failed: ${this.#lastError}`, { retryable: true, cause: err }));
        } else {
          this.#lastError = undefined;
          resolve();
        }
      });
    });
  }

  /** Resolves once the stream has drained what it buffered (or is gone: then there is nothing left to wait for). */
  async flush(): Promise<void> {
    const s = this.#stream as NodeJS.WritableStream & { writableNeedDrain?: boolean };
    if (!s.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        for (const event of ['drain', 'close', 'error']) s.removeListener(event, done);
        resolve();
      };
      for (const event of ['drain', 'close', 'error']) s.once(event, done);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  health(): Health {
    if (this.#closed) return { ok: false, detail: 'closed' };
    return this.#lastError ? { ok: false, detail: `last write failed: ${this.#lastError}` } : { ok: true };
  }
}
