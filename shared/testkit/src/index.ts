/**
 * Where things are, for tests: the repository root, and Falco's conformance kit that sits beside the repository
 * (`../shared/conformance`). The kit is not part of the project; a test that needs it skips with a message saying
 * so when it is absent, except under CI (`CI=true`), where a missing kit is a failure, never a silent pass.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

/** The directory of the root package.json (the one with "workspaces"). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (a package.json with "workspaces")');
    dir = parent;
  }
}

/** `../shared/conformance` beside the repository, or undefined when it is not there. */
export function conformanceDir(): string | undefined {
  const dir = resolve(repoRoot(), '..', 'shared', 'conformance');
  return existsSync(dir) ? dir : undefined;
}

/**
 * The conformance kit's directory, or undefined after marking the test skipped (with the reason) when the kit is
 * missing. Under CI the kit must be there: the test fails instead.
 */
export function requireConformanceKit(t: TestContext): string | undefined {
  const dir = conformanceDir();
  if (dir) return dir;
  const message = `Falco's conformance kit is not at ../shared/conformance beside the repository`;
  if (process.env['CI'] === 'true') throw new Error(`${message}; CI must run the conformance tests`);
  t.skip(`${message}: skipped (place the kit there to run it)`);
  return undefined;
}

export {
  buildMockBroker, type MockBroker, mockBrokerBinary, type MockBrokerOptions, requireMockBroker, startMockBroker,
} from './mock-broker.js';
