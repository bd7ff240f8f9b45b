/**
 * `peregrine bench rules`, in-process through `main(args, io)`: the table lists every enabled rule with its cost and
 * the flagged ones with a reason, the JSON mode parses, events can come from a file, mistakes exit 2, and with
 * Falco's current ruleset the summary names the costliest rules. No assertion on speed: only on shape.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateEvents, toJsonLines } from '@peregrine/bench/gen';
import { loadRuleFiles } from '@peregrine/rule-engine';
import { repoRoot, requireConformanceKit } from '@peregrine/testkit';
import { runCli } from './test-support.js';

const run = runCli;

interface JsonResult {
  events: number;
  usPerEvent: number;
  rules: { name: string; resources: string; verbs: string; eventsSeen: number; nsPerEvent: number; share: number; matches: number; flagged: boolean; reasons: string[]; fields: string[] }[];
}

const rulesDir = join(repoRoot(), 'rules');

test('bench rules --events 500: a table of every enabled rule, flagged rules with reasons, a summary', async () => {
  const r = await run(['bench', 'rules', '--events', '500', '--passes', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^rule +resources +verbs +events seen +ns\/event +share +matches +flag$/m);
  const enabled = (await loadRuleFiles([rulesDir])).ruleset!.rules.filter((x) => x.enabled);
  for (const rule of enabled) assert.ok(r.stdout.includes(rule.name), `lists ${rule.name}`);
  assert.match(r.stdout, /SLOW: /);
  assert.match(r.stdout, /^Why the flagged rules are slow:$/m);
  assert.match(r.stdout, /^total: \d+\.\d+ us per event for \d+ rule\(s\) over 500 events .*; costliest: /m);
});

test('bench rules --json: parses; shares sum to 1; narrowed rules see fewer events than the any-resource ones', async () => {
  const r = await run(['bench', 'rules', '--events', '500', '--passes', '2', '--rule-matching', 'all', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as JsonResult;
  assert.equal(result.events, 500);
  assert.ok(result.usPerEvent > 0);
  assert.ok(Math.abs(result.rules.reduce((a, x) => a + x.share, 0) - 1) < 0.01);
  const any = result.rules.filter((x) => x.resources === 'any' && x.verbs === 'any');
  assert.ok(any.length > 0 && any.every((x) => x.eventsSeen === 500), 'with all-matching, rules narrowed to nothing see every event');
  const pods = result.rules.filter((x) => x.resources === 'pods');
  assert.ok(pods.some((x) => x.eventsSeen < 500));
  const podCreates = pods.filter((x) => x.verbs === 'create');
  const podsAnyVerb = pods.filter((x) => x.verbs === 'any');
  assert.ok(podCreates.length > 0 && podsAnyVerb.length > 0);
  assert.ok(Math.max(...podCreates.map((x) => x.eventsSeen)) < Math.min(...podsAnyVerb.map((x) => x.eventsSeen)),
    'a pod create rule sees fewer events than a pod rule of any verb');
  const flagged = result.rules.filter((x) => x.flagged);
  assert.ok(flagged.length >= Math.ceil(result.rules.length * 0.1));
  assert.ok(flagged.every((x) => x.reasons.length > 0));
  assert.ok(result.rules.every((x) => x.fields.length > 0), 'each rule reports the fields of its condition');
});

test('bench rules EVENTS_FILE: reads JSON lines like replay; usage mistakes exit 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-bench-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'events.jsonl');
  writeFileSync(file, toJsonLines(generateEvents(300, 5)));
  const r = await run(['bench', 'rules', '--json', '--passes', '1', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as JsonResult).events, 300);

  assert.equal((await run(['bench'])).code, 2);
  assert.equal((await run(['bench', 'stuff'])).code, 2);
  assert.equal((await run(['bench', 'rules', '--rule-matching', 'some'])).code, 2);
  assert.equal((await run(['bench', 'rules', '--events', '0'])).code, 2);
  const help = await run(['bench', 'rules', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Example:\n {2}peregrine bench rules/);
  assert.equal((await run(['bench', 'rules', join(dir, 'missing.jsonl')])).code, 1);
});

test("bench rules with Falco's current ruleset names its costliest rules", async (t) => {
  const kit = requireConformanceKit(t);
  if (!kit) return;
  const rules = [join(kit, 'falco-0.35.1', 'falcosecurity-rules-falco-rules-1.0.1', 'falco_rules.yaml'), join(kit, 'rules-current', 'k8s_audit_rules.yaml')];
  const r = await run(['bench', 'rules', '--events', '500', '--passes', '2', ...rules.flatMap((f) => ['--rules', f])]);
  assert.equal(r.code, 0, r.stderr);
  const costliest = /costliest: (.+)$/m.exec(r.stdout)?.[1] ?? '';
  const falcoNames = (await loadRuleFiles(rules)).ruleset!.rules.map((x) => x.name);
  const named = falcoNames.filter((n) => costliest.includes(`${n} (`));
  assert.equal(named.length, 3, costliest);
});
