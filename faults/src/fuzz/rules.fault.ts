/**
 * Rules fuzzing: over 100,000 generated and mutated conditions and rules files through the loader (`loadRules`).
 * Every input must load or fail with diagnostics that each carry a message and a position inside the input; none
 * may throw, and none may take more than a second (a slow one is measured twice). Bombs (macros that double at every
 * level, YAML aliases of aliases) must cost neither memory nor time.
 *
 * Seeded and deterministic: input i of a part is generated from (seed, i) alone. A failure prints both and the input;
 * replay one with `FUZZ_SEED=<seed> FUZZ_ONLY=<part>:<i> node --test faults/dist/fuzz/rules.fault.js`.
 * `FUZZ_SCALE=0.1` runs a tenth of the inputs.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { RulesInput } from '@peregrine/rule-engine';
import { extremeCondition, mutateCondition, randomExpression } from './condition-mutator.js';
import { conditionFile } from './condition-file.js';
import { checkLoad } from './load-check.js';
import { fuzzSeed, preview, Random } from './random.js';
import { rulesCorpus } from './rules-corpus.js';
import { mutateRulesFile, PATHOLOGICAL_KINDS, pathologicalFile } from './rules-file-mutator.js';

const SEED = fuzzSeed(20_261_124);
const SCALE = Number(process.env['FUZZ_SCALE'] ?? '1');
const ONLY = process.env['FUZZ_ONLY'];
const BOUND_MS = 1000;
/** The split: conditions are cheap (a small file each), whole files cost a full ruleset load each. */
const CONDITIONS = Math.round(100_000 * SCALE);
const FILES = Math.round(600 * SCALE);
const VARIANTS_PER_PATHOLOGICAL_KIND = 3;

const corpus = rulesCorpus();

interface Tally {
  inputs: number;
  loaded: number;
  refused: number;
  diagnostics: number;
  slowest: { ms: number; index: number };
  failures: { index: number; problem: string; input: string }[];
}

function tally(): Tally {
  return { inputs: 0, loaded: 0, refused: 0, diagnostics: 0, slowest: { ms: 0, index: -1 }, failures: [] };
}

/** Runs input `index` of `part` and counts it. */
function run(part: string, index: number, t: Tally, make: (rnd: Random) => RulesInput[]): void {
  if (ONLY !== undefined && ONLY !== `${part}:${index}`) return;
  const inputs = make(Random.forInput(SEED + part.length * 7919, index));
  const v = checkLoad(inputs, BOUND_MS);
  t.inputs++;
  if (v.ok) t.loaded++;
  else t.refused++;
  t.diagnostics += v.errors + v.warnings;
  if (v.ms > t.slowest.ms) t.slowest = { ms: v.ms, index };
  if (v.problem) t.failures.push({ index, problem: v.problem, input: inputs.map((i) => `${i.path}: ${preview(i.text)}`).join('\n') });
}

function finish(ctx: TestContext, part: string, t: Tally): void {
  ctx.diagnostic(`fault-report: rules fuzz [${part}]: ${t.inputs} inputs, ${t.loaded} loaded, ${t.refused} refused ` +
    `(${t.diagnostics} diagnostics, each with a position), ${t.failures.length} bad; slowest ${t.slowest.ms.toFixed(1)} ms ` +
    `(${part}:${t.slowest.index}); seed ${SEED}`);
  const shown = t.failures.slice(0, 5).map((f) =>
    `- ${part}:${f.index}: ${f.problem}\n  replay: FUZZ_SEED=${SEED} FUZZ_ONLY=${part}:${f.index} ` +
    `node --test faults/dist/fuzz/rules.fault.js\n  input: ${f.input}`).join('\n');
  assert.equal(t.failures.length, 0, `${t.failures.length} bad input(s) (seed ${SEED}):\n${shown}`);
}

test('rules fuzzing: generated and mutated conditions, each in a small rules file', (ctx) => {
  ctx.diagnostic(`fault-report: rules fuzz corpus: ${corpus.source}, ${corpus.conditions.length} conditions`);
  const t = tally();
  for (let i = 0; i < CONDITIONS; i++) {
    run('conditions', i, t, (rnd) => {
      const kind = rnd.weighted([[10, 'real'], [55, 'mutated'], [10, 'wrecked'], [24, 'generated'], [1, 'extreme']] as const);
      let condition: string;
      if (kind === 'generated') condition = randomExpression(rnd, rnd.between(1, 6));
      else if (kind === 'extreme') condition = extremeCondition(rnd);
      else {
        condition = rnd.pick(corpus.conditions);
        const mutations = kind === 'real' ? 0 : kind === 'mutated' ? rnd.between(1, 3) : rnd.between(5, 12);
        for (let k = 0; k < mutations; k++) condition = mutateCondition(condition, rnd);
      }
      return [{ path: 'fuzzed.yaml', text: conditionFile(condition, rnd) }];
    });
  }
  finish(ctx, 'conditions', t);
});

test('rules fuzzing: mutated whole rules files, alone and as overrides of Falco\'s rules', (ctx) => {
  const t = tally();
  const big = corpus.files.filter((f) => f.text.length > 10_000);
  const small = corpus.files.filter((f) => f.text.length <= 10_000);
  for (let i = 0; i < FILES; i++) {
    run('files', i, t, (rnd) => {
      const shape = rnd.weighted([[45, 'one'], [30, 'override'], [15, 'small'], [10, 'two-mutated']] as const);
      const base = rnd.pick(big.length > 0 ? big : corpus.files);
      const other = rnd.pick(small.length > 0 ? small : corpus.files);
      switch (shape) {
        case 'one':
          return [{ path: base.name, text: mutateRulesFile(base.text, rnd) }];
        case 'override':
          return [{ path: base.name, text: base.text }, { path: `override/${other.name}`, text: mutateRulesFile(other.text, rnd) }];
        case 'small':
          return [{ path: other.name, text: mutateRulesFile(other.text, rnd) }];
        default:
          return [{ path: base.name, text: mutateRulesFile(base.text, rnd) }, { path: `override/${other.name}`, text: mutateRulesFile(other.text, rnd) }];
      }
    });
  }
  finish(ctx, 'files', t);
});

test('rules fuzzing: files built to exhaust the loader (macro and YAML alias bombs, deep nesting, huge lists)', (ctx) => {
  const t = tally();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakHeap = heapBefore;
  PATHOLOGICAL_KINDS.forEach((kind, k) => {
    for (let v = 0; v < VARIANTS_PER_PATHOLOGICAL_KIND; v++) {
      run('pathological', k * VARIANTS_PER_PATHOLOGICAL_KIND + v, t, (rnd) => [{ path: `${kind}.yaml`, text: pathologicalFile(kind, rnd) }]);
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
  });
  // Memory: a bomb that was expanded would take gigabytes (2^30 checks, 9^12 aliases); what the loader holds at most
  // is the input and what its limits allow. Not a timing assertion: a bound on growth that only a bomb can break.
  const grownMiB = (peakHeap - heapBefore) / 1048576;
  ctx.diagnostic(`fault-report: rules fuzz [pathological]: heap grew by at most ${grownMiB.toFixed(0)} MiB`);
  assert.ok(grownMiB < 512, `the heap grew by ${grownMiB.toFixed(0)} MiB while loading the pathological files`);
  finish(ctx, 'pathological', t);
});
