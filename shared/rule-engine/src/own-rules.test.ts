/**
 * Runs the test cases of Peregrine's own rules (rules/tests/*.json) against the rules files in rules/*.yaml.
 *
 * - the rules files must load without errors;
 * - every enabled rule must have a test file, and every test file must name an existing rule;
 * - for each test file, every positive event must make its rule fire and no negative event may (rule matching `all`,
 *   so other rules firing on the same event does not matter).
 *
 * The format of the test files is described in rules/tests/README.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeAuditPayload, formatDiagnostic, loadRuleFiles } from './index.js';

/** Walks up from this module to the directory whose package.json declares the npm workspaces. */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
      if ('workspaces' in parsed) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json with "workspaces" above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** "Request Denied by Authorizer (Per Request)" -> "request-denied-by-authorizer-per-request" */
function kebab(ruleName: string): string {
  return ruleName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

interface RuleCase {
  readonly file: string;
  readonly rule: string;
  readonly positive: readonly unknown[];
  readonly negative: readonly unknown[];
}

function readCase(path: string, file: string): RuleCase {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const { rule, positive, negative } = parsed;
  if (typeof rule !== 'string' || rule.length === 0) throw new Error(`${file}: "rule" must be a non-empty string`);
  if (!Array.isArray(positive)) throw new Error(`${file}: "positive" must be an array of audit Events`);
  if (!Array.isArray(negative)) throw new Error(`${file}: "negative" must be an array of audit Events`);
  return { file, rule, positive, negative };
}

const root = findRepoRoot();
const rulesDir = join(root, 'rules');
const testsDir = join(rulesDir, 'tests');

const ruleFiles = readdirSync(rulesDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(rulesDir, f));

const caseFiles = readdirSync(testsDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

const loaded = await loadRuleFiles(ruleFiles);
const ruleset = loaded.ruleset;

test('rules/*.yaml load without errors', (t) => {
  assert.ok(ruleFiles.length > 0, `no rules files found in ${rulesDir}`);
  for (const w of loaded.warnings) t.diagnostic(`warning: ${formatDiagnostic(w)}`);
  const errors = loaded.errors.map((d) => formatDiagnostic(d));
  assert.deepEqual(errors, [], `loading ${ruleFiles.length} rules file(s) reported errors:\n${errors.join('\n')}`);
  assert.equal(loaded.ok, true, 'load result is not ok');
  assert.ok(ruleset, 'load result has no ruleset');
});

test('every enabled rule has a test file and every test file names an existing rule', () => {
  assert.ok(ruleset, 'rules did not load; see the load test');
  const problems: string[] = [];
  const cases = caseFiles.map((f) => readCase(join(testsDir, f), f));
  const covered = new Set(cases.map((c) => c.rule));
  const known = new Set(ruleset.rules.map((r) => r.name));
  for (const r of ruleset.rules) {
    if (r.enabled && !covered.has(r.name)) {
      problems.push(`enabled rule "${r.name}" has no test file (expected rules/tests/${kebab(r.name)}.json)`);
    }
  }
  for (const c of cases) {
    if (!known.has(c.rule)) problems.push(`${c.file} names rule "${c.rule}", which is not defined in rules/*.yaml`);
    if (c.file !== `${kebab(c.rule)}.json`) problems.push(`${c.file} should be named ${kebab(c.rule)}.json`);
  }
  const perRule = new Map<string, string[]>();
  for (const c of cases) perRule.set(c.rule, [...(perRule.get(c.rule) ?? []), c.file]);
  for (const [rule, files] of perRule) {
    if (files.length > 1) problems.push(`rule "${rule}" is tested by several files: ${files.join(', ')}`);
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

for (const file of caseFiles) {
  test(`rules/tests/${file}`, () => {
    const c = readCase(join(testsDir, file), file);
    assert.ok(ruleset, 'rules did not load; see the load test');
    assert.ok(
      ruleset.rules.some((r) => r.name === c.rule),
      `${file} names rule "${c.rule}", which is not defined in rules/*.yaml`,
    );
    assert.ok(c.positive.length > 0, `${file}: needs at least one positive event`);
    assert.ok(c.negative.length > 0, `${file}: needs at least one negative event`);

    const failures: string[] = [];
    const check = (kind: 'positive' | 'negative', events: readonly unknown[]): void => {
      events.forEach((event, i) => {
        const auditID = (event as { auditID?: unknown } | null)?.auditID;
        const where = `${kind}[${i}] (auditID ${String(auditID)})`;
        const decoded = decodeAuditPayload(JSON.stringify(event));
        if (decoded.errors.length > 0 || decoded.events.length !== 1) {
          failures.push(
            `${where}: not decoded as exactly one audit event (events=${decoded.events.length}, errors=${JSON.stringify(decoded.errors)})`,
          );
          return;
        }
        const auditEvent = decoded.events[0]!;
        const fired = ruleset.evaluate(auditEvent, { ruleMatching: 'all' }).map((m) => m.rule.name);
        const hit = fired.includes(c.rule);
        if (kind === 'positive' && !hit) {
          failures.push(`${where}: expected "${c.rule}" to fire; rules that fired: ${JSON.stringify(fired)}`);
        }
        if (kind === 'negative' && hit) {
          failures.push(`${where}: "${c.rule}" must not fire but did; rules that fired: ${JSON.stringify(fired)}`);
        }
      });
    };
    check('positive', c.positive);
    check('negative', c.negative);
    assert.deepEqual(failures, [], `rule "${c.rule}" (${file}):\n  ${failures.join('\n  ')}`);
  });
}
