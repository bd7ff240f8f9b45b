/**
 * `peregrine run` as one real process, as `npm start` runs it: ingest, the evaluator pool and the outputs joined by
 * the in-memory bus, alerts to a file sink in a scratch directory (removed after the test), the project's rules/.
 * No broker is involved, so these cases run wherever node does. The process is SIGKILLed when the test ends if it
 * is still running.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type Proc, startPeregrine } from './processes.js';

export interface EmbeddedPipeline {
  readonly proc: Proc;
  /** The webhook's URL (`http://127.0.0.1:<port>/k8s-audit`). */
  readonly url: string;
  /** The file sink's path (JSON lines). */
  readonly alertsFile: string;
  /** A scratch directory, removed after the test. */
  readonly dir: string;
}

/**
 * Starts `peregrine run` on a random loopback port; resolves once it has said where its webhook listens. `extraArgs`
 * may be a function of the scratch directory, for flags that name files the case writes there first (`--rules`).
 */
export async function startEmbeddedPipeline(
  t: TestContext, extraArgs: readonly string[] | ((dir: string) => readonly string[]) = [],
): Promise<EmbeddedPipeline> {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-faults-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const alertsFile = join(dir, 'alerts.jsonl');
  const proc = startPeregrine(t, 'run', [
    'run', '--listen', '127.0.0.1:0', '--output', `file:${alertsFile}`, '--workers', '1',
    ...(typeof extraArgs === 'function' ? extraArgs(dir) : extraArgs),
  ]);
  const url = /webhook at (\S+)/.exec(await proc.waitFor(/webhook at /))![1]!;
  return { proc, url, alertsFile, dir };
}
