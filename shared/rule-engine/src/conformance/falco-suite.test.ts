/**
 * Conformance: Falco's 66 k8s-audit tests, judged as Falco judged them with the rules they used (0.6.0), and the same
 * tests with the current official ruleset and its overrides, expecting exactly the alerts the kit lists.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireConformanceKit } from '@peregrine/testkit';
import { judge, readCurrentSuite, readFalcoSuite, runCase } from './falco-suite.js';

test('Falco 0.35.1 k8s-audit suite with the 0.6.0 rules: all 66 cases as Falco judged them', async (t) => {
  const kit = requireConformanceKit(t);
  if (!kit) return;
  const cases = readFalcoSuite(kit);
  assert.equal(cases.length, 66, 'the suite has 66 cases');
  for (const c of cases) {
    await t.test(c.name, async () => {
      const run = await runCase(c.rules, c.trace);
      assert.deepEqual(judge(c, run), [], `${c.name}: alerts ${JSON.stringify(run.alerts)}`);
    });
  }
});

test('current ruleset with its test overrides: exactly the expected first-match alerts of all 66 cases', async (t) => {
  const kit = requireConformanceKit(t);
  if (!kit) return;
  const cases = readCurrentSuite(kit);
  assert.equal(cases.length, 66, 'the expectations list 66 cases');
  for (const c of cases) {
    await t.test(c.name, async () => {
      const run = await runCase(c.rules, c.trace);
      assert.deepEqual(run.alerts, c.alerts);
    });
  }
});
