/**
 * What the rules fuzzer (faults/src/fuzz/rules.fault.ts) found, each as the smallest input that showed it: the
 * loader threw, crashed the process, ran out of memory, or took seconds. Each must now end in diagnostics with a
 * position (or load, when it is valid).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LoadResult, loadRules } from '../index.js';
import { MAX_EXPANDED_DEPTH, MAX_EXPANDED_NODES } from '../passes/expand-macros.js';
import { MAX_EXPANDED_NODES_PER_LOAD, MAX_SUBSTITUTED_CHARS_BASE } from './load.js';
import { MAX_YAML_DEPTH } from './yaml-depth.js';

const rule = (condition: string, name = 'r') =>
  `- rule: ${name}\n  desc: d\n  condition: ${condition}\n  output: o\n  priority: WARNING\n  source: k8s_audit\n`;

/** `m0: ka.verb=a`, then `mI: mI-1 or mI-1`: mI expands to 2^I checks. */
function doublingMacros(levels: number): string {
  let text = '- macro: m0\n  condition: ka.verb=a\n';
  for (let i = 1; i <= levels; i++) text += `- macro: m${i}\n  condition: m${i - 1} or m${i - 1}\n`;
  return text;
}

function load(text: string): LoadResult {
  return loadRules([{ path: 'bad.yaml', text }]);
}

function onlyError(r: LoadResult): { code: string; message: string; where: string } {
  assert.equal(r.ok, false);
  assert.ok(r.errors.length >= 1);
  const d = r.errors[0]!;
  return { code: d.code, message: d.message, where: d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}` : 'no position' };
}

test('macros that double at every level (a billion checks) are refused at the rule\'s reference', () => {
  const text = doublingMacros(30) + rule('ka.user.name = bob and m30');
  const d = onlyError(load(text));
  assert.equal(d.code, 'PG_ERR_RULE_MACRO');
  assert.match(d.message, new RegExp(`expand to more than ${MAX_EXPANDED_NODES} nodes`));
  // Line 65: the rule's condition (2 lines for each of the 31 macros, then `- rule:` and `desc:`); column of `m30`.
  assert.equal(d.where, `bad.yaml:65:${'  condition: ka.user.name = bob and '.length + 1}`);
});

test('many rules that each stay under the limit are refused once their total is over the per-load budget', () => {
  // m11 expands to about 4000 nodes with its references: 100 rules make 400 000, twice the budget.
  const rules = Array.from({ length: 100 }, (_, i) => rule('m11', `r${i}`)).join('');
  const r = load(doublingMacros(11) + rules);
  assert.equal(r.ok, false);
  assert.ok(r.errors.every((d) => d.code === 'PG_ERR_RULE_MACRO' && d.pos !== undefined));
  assert.match(r.errors[0]!.message, new RegExp(`more than ${MAX_EXPANDED_NODES_PER_LOAD} nodes in all`));
  // The first rules, within the budget, were compiled: only the ones after it fail.
  assert.ok(r.errors.length < 100 && r.errors.length > 40, `${r.errors.length} errors`);
});

test('a chain of macros nesting deeper than the limit is an error, not a stack overflow', () => {
  let text = '- macro: c0\n  condition: ka.verb=a\n';
  for (let i = 1; i <= 1500; i++) text += `- macro: c${i}\n  condition: not (c${i - 1} and ka.verb=b)\n`;
  const d = onlyError(load(text + rule('c1500')));
  assert.equal(d.code, 'PG_ERR_RULE_MACRO');
  assert.match(d.message, new RegExp(`nests deeper than ${MAX_EXPANDED_DEPTH} levels`));
  assert.equal(d.where, `bad.yaml:${2 * 1501 + 3}:14`);
});

test('a chain just within the depth limit loads', () => {
  let text = '- macro: c0\n  condition: ka.verb=a\n';
  for (let i = 1; i <= 900; i++) text += `- macro: c${i}\n  condition: not (c${i - 1} and ka.verb=b)\n`;
  const r = load(text + rule('c900'));
  assert.deepEqual(r.errors.map((d) => d.message), []);
});

test('`a or b and not (` nested 900 times is a depth error from the parser, not a stack overflow', () => {
  const open = 'ka.verb=x or ka.verb=a and not ('.repeat(900);
  const d = onlyError(load(rule(`${open}ka.verb=b${')'.repeat(900)}`)));
  assert.equal(d.code, 'PG_ERR_RULE_PARSE');
  assert.match(d.message, /nested deeper than 1000 levels/);
});

test('a byte operator against val() of a text field is an operator error, not an exception', () => {
  for (const op of ['bcontains', 'bstartswith']) {
    const d = onlyError(load(rule(`ka.verb ${op} val(ka.user.name)`)));
    assert.equal(d.code, 'PG_ERR_RULE_OPERATOR');
    assert.equal(d.where, `bad.yaml:3:${`  condition: ka.verb ${op} `.length + 1}`); // at `val(`
  }
});

test('a text operator between a number and val() of a field is an operator error, not an exception', () => {
  for (const condition of ['ka.verb contains val(evt.rawtime)', 'len(ka.verb) glob val(ka.verb)']) {
    const d = onlyError(load(rule(condition)));
    assert.equal(d.code, 'PG_ERR_RULE_OPERATOR');
    assert.match(d.message, /does not apply to the number/);
  }
});

test('transformers nested 999 deep load (each operand is printed once, not once per level above it)', () => {
  const r = load(rule(`${'tolower('.repeat(999)}ka.user.name${')'.repeat(999)} = x`));
  assert.deepEqual(r.errors.map((d) => d.message), []);
});

test('YAML nested deeper than the limit is one error at the spot, and never reaches the composer', () => {
  // 20,000 `- ` used to abort the process: V8 compiled a regular expression with the stack nearly exhausted.
  for (const text of ['- '.repeat(20_000) + 'x\n', '- '.repeat(MAX_YAML_DEPTH + 1) + 'x\n', `- rule: ${'['.repeat(100_000)}\n`,
    `- rule: ${'{a: '.repeat(MAX_YAML_DEPTH + 1)}${'}'.repeat(MAX_YAML_DEPTH + 1)}\n`]) {
    const d = onlyError(load(text));
    assert.equal(d.code, 'PG_ERR_RULE_YAML');
    assert.match(d.message, new RegExp(`nested deeper than ${MAX_YAML_DEPTH} levels`));
    assert.match(d.where, /^bad\.yaml:1:\d+$/);
  }
  assert.equal(load(`${'- '.repeat(MAX_YAML_DEPTH - 2)}x\n`).errors.filter((d) => d.code === 'PG_ERR_RULE_YAML').length, 0);
});

test('YAML aliases are refused by name, never resolved: an alias bomb costs nothing', () => {
  let text = '- list: l0\n  items: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  for (let i = 1; i < 30; i++) text += `- list: l${i}\n  items: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]\n`;
  const d = onlyError(load(text + rule('ka.verb in (l29)')));
  assert.equal(d.code, 'PG_ERR_RULE_YAML');
  assert.match(d.message, /YAML aliases \(\*l0\) are not supported/);
  assert.equal(d.where, 'bad.yaml:4:15');
});

test('a long list used many times is refused once the conditions outgrow the substitution budget', () => {
  const items = Array.from({ length: 2000 }, (_, i) => `v${i}`).join(', ');
  const condition = Array.from({ length: 200 }, () => 'ka.verb in (big)').join(' or ');
  const text = `- list: big\n  items: [${items}]\n${rule(condition)}`;
  const d = onlyError(load(text));
  assert.equal(d.code, 'PG_ERR_RULE_LIST');
  assert.match(d.message, new RegExp(`longer than ${MAX_SUBSTITUTED_CHARS_BASE + 4 * text.length} characters in all`));
  assert.equal(d.where, 'bad.yaml:5:14');
  // Used a few times, the same list loads.
  assert.deepEqual(load(`- list: big\n  items: [${items}]\n${rule('ka.verb in (big) or ka.user.name in (big)')}`).errors, []);
});
