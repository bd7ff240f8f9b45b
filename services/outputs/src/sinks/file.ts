/**
 * The file sink: alerts appended as lines (JSON or Falco's text) to `path`, with size-based rotation. The invariants:
 * the live file never grows past `maxBytes` unless a single line is larger than that (it then gets a file of its
 * own); rotation renames path.<maxFiles-1> -> path.<maxFiles>, ..., path.1 -> path.2, path -> path.1 and starts a new
 * live file, so no line is lost by rotation (only the oldest file beyond maxFiles is dropped); and writes are strictly
 * sequential (one queue), because interleaved appends and renames would lose or reorder lines.
 *
 *   path        live, being appended to
 *   path.1      newest rotated
 *   ...
 *   path.N      oldest kept (N = maxFiles)
 */
import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Health } from '@peregrine/core';
import type { FileSinkConfig } from '../config.js';
import { formatLine } from '../format.js';
import type { AlertRecord } from '../parse.js';
import { SinkError } from './errors.js';
import type { Sink } from './types.js';

export class FileSink implements Sink {
  readonly type = 'file' as const;
  readonly maxInFlight = 1;
  readonly maxBatchAlerts = 10_000;
  readonly #config: FileSinkConfig;
  #handle: FileHandle | undefined;
  /** Bytes in the live file (known while it is open). */
  #size = 0;
  /** The tail of the write queue: each operation starts when the one before has settled. */
  #queue: Promise<unknown> = Promise.resolve();
  #lastError: string | undefined;
  #closed = false;

  constructor(readonly name: string, config: FileSinkConfig) {
    this.#config = config;
  }

  /** Creates the directory if needed and opens (appends to) the live file. */
  async open(): Promise<void> {
    await this.#serial(() => this.#ensureOpen());
  }

  write(alerts: readonly AlertRecord[], signal: AbortSignal): Promise<void> {
    return this.#serial(async () => {
      // The queue may have waited past the attempt's deadline: then do not write, the runner retries anyway.
      if (signal.aborted) throw new SinkError('PG_ERR_SINK_UNAVAILABLE', 'file write timed out in the queue', { retryable: true });
      try {
        await this.#append(alerts.map((a) => formatLine(a, this.#config.format)));
        this.#lastError = undefined;
      } catch (err) {
        if (err instanceof SinkError) throw err;
        // The file's size is unknown after a failed write: reopen (and re-stat) before the next one.
        await this.#handle?.close().catch(() => {});
        this.#handle = undefined;
        this.#lastError = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        throw new SinkError('PG_ERR_SINK_UNAVAILABLE', `cannot write ${this.#config.path}: ${this.#lastError}`, { retryable: true, cause: err });
      }
    });
  }

  async flush(): Promise<void> {
    await this.#serial(async () => {
      await this.#handle?.datasync();
    });
  }

  async close(): Promise<void> {
    await this.#serial(async () => {
      this.#closed = true;
      const handle = this.#handle;
      this.#handle = undefined;
      await handle?.close();
    });
  }

  health(): Health {
    if (this.#closed) return { ok: false, detail: 'closed' };
    return this.#lastError ? { ok: false, detail: `last write failed: ${this.#lastError}` } : { ok: true };
  }

  async #append(lines: readonly string[]): Promise<void> {
    const { maxBytes } = this.#config;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const writePending = async () => {
      if (pendingBytes === 0) return;
      const handle = await this.#ensureOpen();
      await handle.appendFile(Buffer.concat(pending, pendingBytes));
      this.#size += pendingBytes;
      pending = [];
      pendingBytes = 0;
    };
    await this.#ensureOpen();
    for (const line of lines) {
      const bytes = Buffer.from(line, 'utf8');
      if (this.#size + pendingBytes + bytes.length > maxBytes && this.#size + pendingBytes > 0) {
        await writePending();
        await this.#rotate();
      }
      pending.push(bytes);
      pendingBytes += bytes.length;
    }
    await writePending();
    if (this.#config.fsync) await this.#handle?.datasync();
  }

  async #rotate(): Promise<void> {
    const { path, maxFiles } = this.#config;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
    // Shift only the files that exist (they are numbered contiguously from 1): trying every number up to maxFiles
    // would cost maxFiles system calls per rotation.
    let top = 0;
    while (top < maxFiles && (await exists(`${path}.${top + 1}`))) top++;
    for (let i = Math.min(top, maxFiles - 1); i >= 1; i--) await rename(`${path}.${i}`, `${path}.${i + 1}`);
    await rename(path, `${path}.1`);
    await this.#ensureOpen();
  }

  async #ensureOpen(): Promise<FileHandle> {
    if (this.#closed) throw new SinkError('PG_ERR_SINK_UNAVAILABLE', 'the file sink is closed', { retryable: false });
    if (this.#handle) return this.#handle;
    await mkdir(dirname(this.#config.path), { recursive: true });
    const handle = await open(this.#config.path, 'a+');
    try {
      this.#size = (await handle.stat()).size;
      await this.#endTornLine(handle);
    } catch (err) {
      await handle.close().catch(() => {});
      throw err;
    }
    this.#handle = handle;
    return handle;
  }

  /**
   * A process killed in the middle of a large write leaves the file ending in part of a line. That alert's batch was
   * never committed, so it is delivered again whole; but the next line appended would be glued to the torn one and
   * both would be unreadable. Start a fresh line instead (the torn fragment stays, alone on its line).
   */
  async #endTornLine(handle: FileHandle): Promise<void> {
    if (this.#size === 0) return;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, this.#size - 1);
    if (last[0] === 0x0a) return;
    await handle.appendFile('\n');
    this.#size += 1;
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(op, op);
    this.#queue = result.catch(() => {});
    return result;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
