/**
 * The worker pool, and how rules are swapped without stopping: a rules reload starts a NEW piscina pool whose workers
 * compile the new rules; tasks submitted from then on go to it, while the old pool finishes the tasks it already has
 * and is then closed. No batch is dropped, and none is evaluated twice.
 *
 *   run(task) --> current pool ----------> result
 *   swap(rules):  current = new pool;  old.close() after its in-flight tasks
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { EvaluateResult, EvaluateTask } from './batch.js';
import type { WorkerData } from './worker.js';

const WORKER_FILE = new URL('./worker.js', import.meta.url);

export class RulePool {
  #pool: Piscina;
  readonly #threads: number;
  #closing: Promise<void>[] = [];

  /** `threads` 0 means one per core. */
  constructor(data: WorkerData, threads: number) {
    this.#threads = threads > 0 ? threads : availableParallelism();
    this.#pool = this.#create(data);
  }

  /** Evaluates a batch; the task's buffer is moved to the worker (unusable here afterwards). */
  run(task: EvaluateTask): Promise<EvaluateResult> {
    return this.#pool.run(task, { transferList: [task.buffer] }) as Promise<EvaluateResult>;
  }

  /** Starts a pool with new rules; the old one finishes its tasks, then closes. */
  swap(data: WorkerData): void {
    const old = this.#pool;
    this.#pool = this.#create(data);
    this.#closing.push(old.close());
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

  /** Waits for running tasks, then ends the threads. */
  async close(): Promise<void> {
    await Promise.all([this.#pool.close(), ...this.#closing]);
  }

  #create(data: WorkerData): Piscina {
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
