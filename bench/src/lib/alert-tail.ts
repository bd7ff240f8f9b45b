/**
 * Reads the alerts a file sink appends, as they arrive, and records each one's latency (arrival here minus the
 * alert's `time`, see timestamps.ts). It follows the live file only: the e2e bench configures the sink so that it
 * never rotates during a run. Arrival is noticed by fs.watch, with a 20 ms poll as a fallback, so the resolution of
 * a latency is about that.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, watch, type FSWatcher } from 'node:fs';
import { nowMs, parseAlertTime } from './timestamps.js';

/** One alert as read: when it arrived and its event time (epoch ms). */
export interface AlertArrival {
  readonly arrivedMs: number;
  readonly timeMs: number;
}

export class AlertTail {
  readonly #path: string;
  #fd: number | undefined;
  #offset = 0;
  #partial = '';
  #timer: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  readonly #arrivals: AlertArrival[] = [];
  #lines = 0;

  constructor(path: string) {
    this.#path = path;
  }

  /** Starts following the file (it may not exist yet). */
  start(): void {
    this.#timer = setInterval(() => this.#read(), 20);
  }

  /** Every alert line read so far. */
  get lines(): number {
    return this.#lines;
  }

  /** Arrivals of alerts whose event time is at or after `sinceMs` (the start of a step). */
  arrivalsSince(sinceMs: number): AlertArrival[] {
    this.#read();
    return this.#arrivals.filter((a) => a.timeMs >= sinceMs);
  }

  /** Forgets arrivals recorded so far (between steps). */
  clear(): void {
    this.#read();
    this.#arrivals.length = 0;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#watcher?.close();
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #read(): void {
    if (this.#fd === undefined) {
      if (!existsSync(this.#path)) return;
      this.#fd = openSync(this.#path, 'r');
      try {
        this.#watcher = watch(this.#path, () => this.#read());
      } catch {
        // The poll alone is enough; the watcher only shortens the delay.
      }
    }
    const size = fstatSync(this.#fd).size;
    if (size <= this.#offset) return;
    const arrived = nowMs();
    const buffer = Buffer.allocUnsafe(size - this.#offset);
    const n = readSync(this.#fd, buffer, 0, buffer.length, this.#offset);
    this.#offset += n;
    const text = this.#partial + buffer.subarray(0, n).toString('utf8');
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.length === 0) continue;
      this.#lines++;
      // Keys are sorted, so `time` is the last key: no full parse of every alert in the load generator's process.
      const at = line.lastIndexOf('"time":"');
      if (at < 0) continue;
      const end = line.indexOf('"', at + 8);
      this.#arrivals.push({ arrivedMs: arrived, timeMs: parseAlertTime(line.slice(at + 8, end)) });
    }
  }
}
