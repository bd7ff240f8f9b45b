/**
 * Where things are for the benches: the repository root (found from this file, so the benches run from any working
 * directory), the rules, the `peregrine` command and the compiled helper scripts that run as child processes.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot as findRoot } from '@peregrine/testkit';

/** The directory of the root package.json. */
export function repoRoot(): string {
  return findRoot();
}

/** The project's rules directory (what the evaluator loads by default). */
export function rulesDir(): string {
  return join(repoRoot(), 'rules');
}

/** The `peregrine` command's entry script (run it with process.execPath). */
export function peregrineBin(): string {
  return join(repoRoot(), 'cli', 'bin', 'peregrine.js');
}

/** A compiled script of bench/dist/lib, e.g. `ingest-server.js`. */
export function libScript(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}
