/**
 * Rules reloaded while events flow, the two ways an operator does it: SIGHUP to the evaluator, several times during
 * the stream, and an edit of a rules file picked up by the watcher (`watchRules: true`). The evaluator reads a copy
 * of rules/ in the scratch directory (config `evaluator.rules`), which the case rewrites with the same rules, so the
 * expected alerts are known in advance. What it proves: a reload swaps the worker pool under load without dropping
 * a batch (every expected alert arrives) and without failing one (no batch is handed back to the bus to be evaluated
 * again: the README promises neither dropped nor repeated batches). Two worker threads, so that the old pool has
 * several batches in hand when it is retired.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { repoRoot } from '@peregrine/testkit';
import { account, complete, fileSinkIds, report } from '../harness/accounting.js';
import { sendLikeApiserver } from '../harness/apiserver-client.js';
import { expectedAlertIds, generatedEvents, ruleTestEvents, webhookBodies } from '../harness/corpus.js';
import { checkMockRetention, type KafkaPipeline, startKafkaPipeline } from '../harness/kafka-pipeline.js';
import type { Proc } from '../harness/processes.js';
import { until } from '../harness/processes.js';

const RELOADS = 4;

/** A copy of the project's rules files (not their tests) in a directory of the test's own. */
function copyRules(t: TestContext): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-faults-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const source = join(repoRoot(), 'rules');
  const files = readdirSync(source).filter((f) => /\.ya?ml$/.test(f)).sort();
  for (const f of files) cpSync(join(source, f), join(dir, f));
  return { dir, files: files.map((f) => join(dir, f)) };
}

/**
 * Starts a pipeline whose evaluator reads `rules.dir`, streams the corpus, and calls `reload(evaluator, i)` RELOADS
 * times during the stream. Then accounts.
 */
async function reloadUnderLoad(
  t: TestContext, name: string, watchRules: boolean, reload: (evaluator: Proc, i: number) => void,
  rules: { dir: string },
): Promise<void> {
  const pipeline: KafkaPipeline | undefined = await startKafkaPipeline(t, {
    evaluator: `workers: 2, watchRules: ${watchRules}, rules: [${JSON.stringify(rules.dir)}]`,
  });
  if (!pipeline) return;
  const alertsFile = join(pipeline.dir, 'alerts.jsonl');
  const [outputs, evaluator, { url }] = await Promise.all([
    pipeline.startOutputs([`file:${alertsFile}`]), pipeline.startEvaluator(), pipeline.startIngest(),
  ]);

  const bodies = webhookBodies([...ruleTestEvents(), ...generatedEvents(400)], Array.from({ length: 8 }, (_, i) => `reload-${i}`));
  checkMockRetention(bodies);
  const expected = await expectedAlertIds(bodies, [rules.dir]);
  // The stream goes in RELOADS + 1 bursts (four batches in flight, no pause: the evaluator's pool then has batches
  // queued, which is when a swap can hurt); each reload is asked for in the middle of a burst, and logged before
  // the next burst starts (so that signals and the watcher's debounce cannot merge two reloads into one).
  const reloaded = () => evaluator.lines(/"msg":"rules reloaded"/).length;
  const segment = Math.ceil(bodies.length / (RELOADS + 1));
  const sent = { retries: 0, dropped: 0 };
  const reloadAt: number[] = [];
  for (let i = 0; i * segment < bodies.length; i++) {
    const burst = bodies.slice(i * segment, (i + 1) * segment);
    let accepted = 0;
    const sending = sendLikeApiserver(url, burst, { concurrency: 4, onAccepted: () => accepted++ });
    if (i < RELOADS) {
      await until(() => accepted >= burst.length / 2, `half of burst ${i + 1} accepted`);
      reloadAt.push(i * segment + accepted);
      const before = reloaded();
      reload(evaluator, i + 1);
      await until(() => reloaded() > before, `reload ${i + 1} logged`);
    }
    const stats = await sending;
    sent.retries += stats.retries;
    sent.dropped += stats.dropped;
  }

  await until(() => complete(expected, fileSinkIds(alertsFile)), `${expected.length} alerts in the file`, 90_000,
    () => JSON.stringify(account(expected, fileSinkIds(alertsFile))));
  const failedBatches = evaluator.lines(/batch failed/);
  t.diagnostic(`fault-report: ${name}: ${reloaded()} reloads, asked at ${reloadAt.join('/')} of ${bodies.length} batches; ` +
    `${failedBatches.length} failed batches; client: ${sent.retries} retries, ${sent.dropped} dropped`);
  assert.equal(sent.dropped, 0, 'the client dropped batches');
  assert.equal(evaluator.lines(/rules reload failed/).length, 0, 'a reload of unchanged rules failed');
  assert.deepEqual(failedBatches, [], 'batches failed during the reloads (and were evaluated again)');
  report(t, `${name} [file sink]`, account(expected, fileSinkIds(alertsFile)),
    [evaluator, outputs].flatMap((p) => p.problems()).slice(-20).join('\n'));
}

test(`SIGHUP ${RELOADS} times while events flow`, async (t) => {
  const rules = copyRules(t);
  await reloadUnderLoad(t, `rules reloaded by SIGHUP x${RELOADS}`, false, (evaluator) => evaluator.child.kill('SIGHUP'), rules);
});

test(`a rules file rewritten ${RELOADS} times while events flow (watchRules)`, async (t) => {
  const rules = copyRules(t);
  const file = rules.files[0]!;
  const original = readFileSync(file, 'utf8');
  // The same rules each time, but new bytes (a trailing comment), as an editor's save of a touched-up file would be.
  await reloadUnderLoad(t, `rules reloaded by file change x${RELOADS}`, true,
    (_evaluator, i) => writeFileSync(file, `${original}\n# reloaded by the fault suite, edit ${i}\n`), rules);
});
