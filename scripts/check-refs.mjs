#!/usr/bin/env node
// Fails when a workspace's TypeScript project references and its @peregrine/* dependencies disagree: a missing
// reference builds in the wrong order (or against stale declarations), an extra one hides a missing dependency.
// Also checks that the root tsconfig references every workspace that has a tsconfig.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const rootPkg = readJson(join(root, 'package.json'));

const workspaces = rootPkg.workspaces.flatMap((pattern) => {
  if (!pattern.endsWith('/*')) return [join(root, pattern)];
  const base = join(root, pattern.slice(0, -2));
  return readdirSync(base).map((n) => join(base, n));
}).filter((d) => existsSync(join(d, 'package.json')));

const byName = new Map(workspaces.map((d) => [readJson(join(d, 'package.json')).name, d]));
const problems = [];
const rootRefs = new Set(readJson(join(root, 'tsconfig.json')).references.map((r) => resolve(root, r.path)));

for (const dir of workspaces) {
  const tsconfigPath = join(dir, 'tsconfig.json');
  if (!existsSync(tsconfigPath)) continue;
  const name = relative(root, dir);
  if (!rootRefs.has(dir)) problems.push(`${name}: not referenced by the root tsconfig.json`);
  const pkg = readJson(join(dir, 'package.json'));
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => byName.has(d));
  const wanted = new Set(deps.map((d) => byName.get(d)).filter((d) => existsSync(join(d, 'tsconfig.json'))));
  const refs = new Set((readJson(tsconfigPath).references ?? []).map((r) => resolve(dirname(tsconfigPath), r.path)));
  for (const w of wanted) if (!refs.has(w)) problems.push(`${name}: depends on ${relative(root, w)} but its tsconfig does not reference it`);
  for (const r of refs) if (!wanted.has(r)) problems.push(`${name}: references ${relative(root, r)} but does not depend on it`);
}

if (problems.length > 0) {
  console.error(`check-refs: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-refs: ${workspaces.length} workspaces, references match dependencies`);
