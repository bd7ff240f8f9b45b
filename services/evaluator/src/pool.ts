/**
 * The worker pool, and how rules are swapped without stopping: a rules reload starts a NEW piscina pool whose workers
 * compile the new rules; tasks submitted from then on go to it, while the old pool finishes the tasks it already has
 * and is then closed. No batch is dropped, and none is evaluated twice.
 *
 *   run(task) --> current pool ----------> result
 *   swap(rules):  current = new pool;  old.close() after every task submitted to it has settled
 *
 * Why the pool waits itself rather than trusting piscina's close(): piscina 5's close() waits only for the tasks its
 * workers are running (and counts idle workers loosely: one worker finishing can count for two), then destroys the
 * pool, rejecting every task still queued with "Terminating worker thread". A batch rejected that way is handed back
 * to the bus and evaluated again, which a reload promises not to cause.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { EvaluateResult, EvaluateTask } from './batch.js';
import type { WorkerData } from './worker.js';

// worker-entry.cjs loads worker.js: see there why piscina is not given the ES module itself.
const WORKER_FILE = new URL('./worker-entry.cjs', import.meta.url);

export class RulePool {
  #pool: Piscina;
  /** Tasks submitted to each live pool and not yet settled. */
  readonly #inFlight = new Map<Piscina, Set<Promise<unknown>>>();
  readonly #threads: number;
  #closing: Promise<void>[] = [];

  /** `threads` 0 means one per core. */
  constructor(data: WorkerData, threads: number) {
    this.#threads = threads > 0 ? threads : availableParallelism();
    this.#pool = this.#create(data);
  }

  /** Evaluates a batch; the task's buffer is moved to the worker (unusable here afterwards). */
  run(task: EvaluateTask): Promise<EvaluateResult> {
    const pool = this.#pool;
    const result = pool.run(task, { transferList: [task.buffer] }) as Promise<EvaluateResult>;
    const tasks = this.#inFlight.get(pool);
    if (tasks) {
      const settled = result.then(() => undefined, () => undefined);
      tasks.add(settled);
      void settled.then(() => tasks.delete(settled));
    }
    return result;
  }

  /** Starts a pool with new rules; the old one finishes every task it was given (queued ones too), then closes. */
  swap(data: WorkerData): void {
    const old = this.#pool;
    this.#pool = this.#create(data);
    this.#closing.push(this.#retire(old));
  }

  get threads(): number {
    return this.#threads;
  }

  /** Share of the pool's capacity in use (piscina's utilization), 0..1. */
  get utilization(): number {
    return this.#pool.utilization;
  }

  /** Tasks waiting for a free worker. */
  get queued(): number {
    return this.#pool.queueSize;
  }

  /** Waits for every task given (running or queued), then ends the threads. */
  async close(): Promise<void> {
    await Promise.all([this.#retire(this.#pool), ...this.#closing]);
  }

  /** Closes `pool` once the tasks it was given have settled (no new ones come: it is no longer current, or closing). */
  async #retire(pool: Piscina): Promise<void> {
    await Promise.all([...(this.#inFlight.get(pool) ?? [])]);
    this.#inFlight.delete(pool);
    await pool.close();
  }

  #create(data: WorkerData): Piscina {
    const pool = this.#createPiscina(data);
    this.#inFlight.set(pool, new Set());
    return pool;
  }

  #createPiscina(data: WorkerData): Piscina {
    return new Piscina({
      filename: WORKER_FILE.href,
      workerData: data,
      minThreads: this.#threads,
      maxThreads: this.#threads,
      // Tasks are whole batches: a worker should not wait for more while one is in hand.
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
  }
}
