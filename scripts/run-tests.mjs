#!/usr/bin/env node
// Runs every compiled test file (`dist/**/*.test.js` of the workspaces) with node's test runner, one process per
// file, and fails when a file ran no test at all: a green run must mean tests ran. Under CI (CI=true) a skipped test
// also fails the run, because every suite must really run there (the conformance kit and the Kafka-protocol broker
// are installed by .ci/run).
//
// Usage: node scripts/run-tests.mjs [--suite faults] [FILTER...]  (FILTER: substrings of file paths)
// Environment: TESTS_PARALLEL (files at once, default one per core), TESTS_FILE_TIMEOUT_S. Not PEREGRINE_*: the
// tests' own processes read every PEREGRINE_ variable as configuration.
// The default suite is every `*.test.js`. `--suite faults` runs the fault, overload and bad-input suites instead
// (`faults/dist/**/*.fault.js`, `npm run test:faults`): one file at a time, because each starts a broker and several
// services and injects timed faults, and it prints every `fault-report:` line the cases write (expected, delivered,
// duplicates, lost), pass or fail.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const suiteAt = args.indexOf('--suite');
const suite = suiteAt >= 0 ? args.splice(suiteAt, 2)[1] : 'unit';
if (suite !== 'unit' && suite !== 'faults') {
  console.error(`run-tests: unknown suite '${suite}' (unit or faults)`);
  process.exit(2);
}
const filters = args;
const ci = process.env.CI === 'true';
const suffix = suite === 'faults' ? '.fault.js' : '.test.js';

function findTests(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') findTests(p, out);
    else if (entry.isFile() && entry.name.endsWith(suffix)) out.push(p);
  }
  return out;
}

const packageDirs = ['shared', 'services']
  .flatMap((d) => readdirSync(join(root, d)).map((n) => join(root, d, n)))
  .concat([join(root, 'cli'), join(root, 'bench'), join(root, 'faults')]);
const files = packageDirs
  .map((d) => join(d, 'dist'))
  .filter((d) => { try { return statSync(d).isDirectory(); } catch { return false; } })
  .flatMap((d) => findTests(d))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

if (files.length === 0) {
  console.error(`run-tests: no compiled ${suffix} files found (did \`tsc -b\` run?)`);
  process.exit(1);
}

// A file that has not finished after this long is killed and reported, so that one hung test (a browser or a server
// left running keeps its process alive) cannot hold up the whole run. TESTS_FILE_TIMEOUT_S overrides it.
const FILE_TIMEOUT_MS = 1000 * Number(process.env.TESTS_FILE_TIMEOUT_S ?? (suite === 'faults' ? 900 : 600));

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    // Its own process group, so that a timeout ends the file's children too.
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', file], { cwd: root, env: process.env, detached: true });
    let out = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, FILE_TIMEOUT_MS);
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => {
      clearTimeout(timer);
      const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(out)?.[1] ?? 0);
      if (timedOut) out += `\nrun-tests: killed after ${FILE_TIMEOUT_MS / 1000} s without finishing\n`;
      resolve({ file, code: timedOut ? 1 : code, out, tests: count('tests'), pass: count('pass'), fail: count('fail'),
        skipped: count('skipped'), todo: count('todo'), ms: Date.now() - started, timedOut });
    });
  });
}

const results = [];
let next = 0;
async function worker() {
  while (next < files.length) {
    const r = await runFile(files[next++]);
    results.push(r);
    const name = relative(root, r.file);
    const problems = [];
    if (r.timedOut) problems.push('TIMED OUT');
    if (r.code !== 0 || r.fail > 0) problems.push('FAILED');
    if (r.tests === 0) problems.push('ran no test');
    if (ci && r.skipped > 0) problems.push('skipped tests under CI');
    const mark = problems.length ? 'not ok' : 'ok';
    console.log(`${mark} ${name}: ${r.pass} passed, ${r.fail} failed, ${r.skipped} skipped (${(r.ms / 1000).toFixed(1)} s)${problems.length ? ` <- ${problems.join(', ')}` : ''}`);
    if (problems.length) {
      r.problems = problems;
      console.log(r.out.split('\n').map((l) => `    ${l}`).join('\n'));
    } else if (r.skipped > 0) {
      for (const m of r.out.matchAll(/# SKIP (.*)$/gm)) console.log(`    skipped: ${m[1]}`);
    }
    if (suite === 'faults' && !problems.length) {
      for (const m of r.out.matchAll(/^\s*# fault-report: (.*)$/gm)) console.log(`    ${m[1]}`);
    }
  }
}
// One file per core by default. TESTS_PARALLEL raises it, to shake out tests that only pass on an idle
// machine (a CI machine with more cores runs more files at once than a laptop).
const wanted = Number(process.env.TESTS_PARALLEL ?? availableParallelism());
const parallel = suite === 'faults' ? 1 : Math.max(1, Math.min(Number.isInteger(wanted) ? wanted : 1, files.length));
await Promise.all(Array.from({ length: parallel }, worker));

const sum = (k) => results.reduce((a, r) => a + r[k], 0);
const bad = results.filter((r) => r.problems);
console.log(`\n${results.length} test file(s); tests: ${sum('tests')}`);
console.log(`${sum('pass')} passed, ${sum('fail')} failed, ${sum('skipped')} skipped`);
if (bad.length) {
  console.log(`\n${bad.length} file(s) with problems: ${bad.map((r) => relative(root, r.file)).join(', ')}`);
  process.exit(1);
}
