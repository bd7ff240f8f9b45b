/**
 * The rules loader through `loadRules` (reference 3.4 lists and macros, 3.5 exceptions, 3.6 schema and
 * append/override, 3.7 priorities and rule matching): what loads, what each event then fires, and the diagnostics
 * (codes and positions) for what does not load.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditEvent } from '../event.js';
import { type Diagnostic, formatDiagnostic, type LoadOptions, type LoadResult, loadRules, PRIORITIES } from '../index.js';

const TIME_NS = 1_540_476_552_581_541_000n;

function event(fields: Record<string, unknown> = {}): AuditEvent {
  return { json: { kind: 'Event', auditID: 'aud-1', stage: 'ResponseComplete', ...fields }, timeNs: TIME_NS };
}

/** An event by verb, user and namespace (resource pods). */
function req(verb: string, user = 'bob', namespace = 'default', resource = 'pods'): AuditEvent {
  return event({ verb, user: { username: user, groups: ['devs'] }, objectRef: { resource, namespace, name: 'x' } });
}

/** Loads texts as files f0.yaml, f1.yaml, ... */
function load(texts: string | readonly string[], options: LoadOptions = {}): LoadResult {
  const list = typeof texts === 'string' ? [texts] : texts;
  return loadRules(list.map((text, i) => ({ path: `f${i}.yaml`, text })), options);
}

function codes(ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => d.code);
}

/** Loads successfully (no errors). */
function loadOk(texts: string | readonly string[], options: LoadOptions = {}): LoadResult {
  const r = load(texts, options);
  assert.deepEqual(r.errors.map((d) => `${d.code}: ${d.message}`), [], 'the rules should load');
  assert.ok(r.ruleset);
  return r;
}

/** The error codes of a load that must fail. */
function loadErrors(texts: string | readonly string[]): string[] {
  const r = load(texts);
  assert.equal(r.ok, false, 'the load should fail');
  assert.equal(r.ruleset, undefined);
  return codes(r.errors);
}

/** Names of the rules an event fires, with rule matching `all`. */
function fired(r: LoadResult, ev: AuditEvent): string[] {
  return r.ruleset!.evaluate(ev, { ruleMatching: 'all' }).map((m) => m.rule.name);
}

interface RuleOptions {
  readonly name?: string;
  readonly priority?: string;
  readonly output?: string;
  readonly extra?: string;
  readonly source?: string;
}

function rule(condition: string, o: RuleOptions = {}): string {
  return `- rule: ${o.name ?? 'R'}
  desc: a rule
  condition: ${condition}
  output: "${o.output ?? 'user=%ka.user.name'}"
  priority: ${o.priority ?? 'WARNING'}
  source: ${o.source ?? 'k8s_audit'}
${o.extra ?? ''}`;
}

describe('lists', () => {
  const base = '- list: verbs\n  items: [get]\n';

  test('append: true extends a list (deprecated: a warning)', () => {
    const r = loadOk(base + '- list: verbs\n  items: [list]\n  append: true\n' + rule('ka.verb in (verbs)'));
    assert.deepEqual(fired(r, req('get')), ['R']);
    assert.deepEqual(fired(r, req('list')), ['R']);
    assert.deepEqual(fired(r, req('delete')), []);
    assert.deepEqual(codes(r.warnings), ['PG_WARN_RULE_DEPRECATED']);
  });

  test('override: {items: append} extends, {items: replace} replaces', () => {
    const appended = loadOk(base + '- list: verbs\n  items: [list]\n  override:\n    items: append\n' + rule('ka.verb in (verbs)'));
    assert.deepEqual(fired(appended, req('get')), ['R']);
    assert.deepEqual(fired(appended, req('list')), ['R']);
    assert.deepEqual(codes(appended.warnings), []);
    const replaced = loadOk(base + '- list: verbs\n  items: [list]\n  override:\n    items: replace\n' + rule('ka.verb in (verbs)'));
    assert.deepEqual(fired(replaced, req('get')), []);
    assert.deepEqual(fired(replaced, req('list')), ['R']);
  });

  test('a redefinition replaces the items', () => {
    const r = loadOk([base, '- list: verbs\n  items: [list, watch]\n' + rule('ka.verb in (verbs)')]);
    assert.deepEqual(fired(r, req('get')), []);
    assert.deepEqual(fired(r, req('watch')), ['R']);
  });

  test('appending to a list that does not exist is an error', () => {
    assert.deepEqual(loadErrors('- list: nope\n  items: [a]\n  append: true\n'), ['PG_ERR_RULE_OVERRIDE']);
    assert.deepEqual(loadErrors('- list: nope\n  items: [a]\n  override:\n    items: append\n'), ['PG_ERR_RULE_OVERRIDE']);
  });

  test('append: true and override together are an error', () => {
    assert.deepEqual(loadErrors(base + '- list: verbs\n  items: [a]\n  append: true\n  override:\n    items: append\n'),
      ['PG_ERR_RULE_OVERRIDE']);
  });

  test('append: false with override is fine (Falco only rejects append: true with override)', () => {
    const r = load(base + '- list: verbs\n  items: [list]\n  append: false\n  override:\n    items: append\n' + rule('ka.verb in (verbs)'));
    assert.deepEqual(codes(r.errors), []);
  });

  test('a list item naming an earlier list is replaced by its items', () => {
    const r = loadOk(base + '- list: more\n  items: [verbs, watch]\n' + rule('ka.verb in (more)'));
    assert.deepEqual(fired(r, req('get')), ['R']);
    assert.deepEqual(fired(r, req('watch')), ['R']);
    assert.deepEqual(fired(r, req('verbs')), []);
  });

  test('a rule may use a list defined after it', () => {
    const r = loadOk(rule('ka.verb in (verbs)') + base);
    assert.deepEqual(fired(r, req('get')), ['R']);
  });

  test('quirk: a list name is substituted wherever it is a word, even as the value of =', () => {
    const r = loadOk(base + rule('ka.verb = verbs'));
    assert.deepEqual(fired(r, req('get')), ['R']);
    assert.deepEqual(fired(r, req('verbs')), []);
    // Not inside quotes: a quoted name stays the literal text.
    const quoted = loadOk(base + rule('ka.verb = "verbs"'));
    assert.deepEqual(fired(quoted, req('verbs')), ['R']);
  });

  test('quirk: an empty list inside (a, emptylist) leaves a valid list', () => {
    const r = loadOk('- list: none\n  items: []\n' + rule('ka.verb in (get, none)'));
    assert.deepEqual(fired(r, req('get')), ['R']);
    const first = loadOk('- list: none\n  items: []\n' + rule('ka.verb in (none, get)'));
    assert.deepEqual(fired(first, req('get')), ['R']);
  });

  test('list items with a space are quoted when substituted', () => {
    const r = loadOk('- list: names\n  items: ["alice smith", bob]\n' + rule('ka.user.name in (names)'));
    assert.deepEqual(fired(r, req('get', 'alice smith')), ['R']);
    assert.deepEqual(fired(r, req('get', 'bob')), ['R']);
    assert.deepEqual(fired(r, req('get', 'alice')), []);
  });
});

describe('macros', () => {
  const m = '- macro: reads\n  condition: ka.verb = get\n';

  test('append: true and override: {condition: append} concatenate the text', () => {
    for (const append of ['  append: true\n', '  override:\n    condition: append\n']) {
      const r = loadOk(m + `- macro: reads\n  condition: or ka.verb = list\n${append}` + rule('reads'));
      assert.deepEqual(fired(r, req('get')), ['R']);
      assert.deepEqual(fired(r, req('list')), ['R']);
      assert.deepEqual(fired(r, req('delete')), []);
    }
  });

  test('override: {condition: replace} and a redefinition replace the condition', () => {
    for (const text of [
      m + '- macro: reads\n  condition: ka.verb = list\n  override:\n    condition: replace\n',
      m + '- macro: reads\n  condition: ka.verb = list\n',
    ]) {
      const r = loadOk(text + rule('reads'));
      assert.deepEqual(fired(r, req('get')), []);
      assert.deepEqual(fired(r, req('list')), ['R']);
    }
  });

  test('appending to a missing macro is an error', () => {
    assert.deepEqual(loadErrors('- macro: nope\n  condition: or a\n  append: true\n'), ['PG_ERR_RULE_OVERRIDE']);
  });

  test('a macro is substituted as a tree: `a and m` with `m: x or y` is `a and (x or y)`', () => {
    const r = loadOk('- macro: rw\n  condition: ka.verb = get or ka.verb = list\n' + rule('ka.target.resource = pods and rw'));
    assert.deepEqual(fired(r, req('list', 'bob', 'default', 'secrets')), []);
    assert.deepEqual(fired(r, req('list')), ['R']);
  });

  test('a macro may not use a macro defined after it; a rule may', () => {
    const later = '- macro: a\n  condition: b\n- macro: b\n  condition: ka.verb = get\n';
    assert.deepEqual(loadErrors(later + rule('a')), ['PG_ERR_RULE_MACRO']);
    const r = loadOk(rule('b') + '- macro: b\n  condition: ka.verb = get\n');
    assert.deepEqual(fired(r, req('get')), ['R']);
  });

  test('a macro redefined later sees the macros defined before its redefinition', () => {
    const r = loadOk('- macro: a\n  condition: ka.verb = get\n- macro: b\n  condition: ka.verb = list\n'
      + '- macro: a\n  condition: b\n' + rule('a'));
    assert.deepEqual(fired(r, req('list')), ['R']);
  });

  test('a reference loop is an error', () => {
    const r = load('- macro: a\n  condition: ka.verb = get\n- macro: b\n  condition: a\n- macro: a\n  condition: b\n' + rule('a'));
    assert.deepEqual(codes(r.errors), ['PG_ERR_RULE_MACRO']);
    assert.match(r.errors[0]!.message, /loop/);
  });

  test('an undefined macro is an error at the reference', () => {
    const r = load(rule('ka.verb = get and nope'));
    assert.deepEqual(codes(r.errors), ['PG_ERR_RULE_MACRO']);
    assert.equal(r.errors[0]!.pos?.line, 3);
    assert.equal(r.errors[0]!.pos?.col, 32);
  });

  test('a macro with a syntax error is reported once, even when used twice', () => {
    const r = load('- macro: bad\n  condition: ka.verb = (\n' + rule('bad') + rule('bad', { name: 'R2' }));
    assert.deepEqual(codes(r.errors), ['PG_ERR_RULE_PARSE']);
  });
});

describe('rule append and override', () => {
  const base = rule('ka.verb = get', { extra: '  tags: [k8s, a]\n' });
  const compiled = (r: LoadResult, name = 'R') => r.ruleset!.rules.find((x) => x.name === name)!;

  test('override condition: append and replace', () => {
    const appended = loadOk(base + '- rule: R\n  condition: and ka.user.name = bob\n  override:\n    condition: append\n');
    assert.deepEqual(fired(appended, req('get', 'bob')), ['R']);
    assert.deepEqual(fired(appended, req('get', 'eve')), []);
    const replaced = loadOk(base + '- rule: R\n  condition: ka.verb = list\n  override:\n    condition: replace\n');
    assert.deepEqual(fired(replaced, req('get')), []);
    assert.deepEqual(fired(replaced, req('list')), ['R']);
  });

  test('append: true appends condition text (deprecated: a warning)', () => {
    const r = loadOk(base + '- rule: R\n  condition: or ka.verb = list\n  append: true\n');
    assert.deepEqual(fired(r, req('list')), ['R']);
    assert.deepEqual(codes(r.warnings), ['PG_WARN_RULE_DEPRECATED']);
  });

  test('override output, desc, tags, priority, enabled', () => {
    const r = loadOk(base + `- rule: R
  output: "verb=%ka.verb"
  desc: more words
  tags: [b, a]
  priority: ERROR
  override:
    output: append
    desc: append
    tags: append
    priority: replace
`);
    const c = compiled(r);
    assert.equal(c.output(req('get', 'bob')).text, 'user=bob verb=get');
    assert.equal(c.desc, 'a rule more words');
    assert.deepEqual([...c.tags].sort(), ['a', 'b', 'k8s']);
    assert.equal(c.priority, 'Error');

    const replaced = loadOk(base + `- rule: R
  output: "verb=%ka.verb"
  desc: other
  tags: [x]
  enabled: false
  override:
    output: replace
    desc: replace
    tags: replace
    enabled: replace
`);
    const d = compiled(replaced);
    assert.equal(d.output(req('get', 'bob')).text, 'verb=get');
    assert.equal(d.desc, 'other');
    assert.deepEqual(d.tags, ['x']);
    assert.equal(d.enabled, false);
    assert.deepEqual(fired(replaced, req('get')), []);
    assert.equal(replaced.stats.activeRules, 0);
  });

  test('override exceptions: append adds an exception, replace replaces them', () => {
    const withExc = rule('ka.verb = get', { extra: `  exceptions:
    - name: users
      fields: [ka.user.name]
      values: [[alice]]
` });
    const appended = loadOk(withExc + `- rule: R
  exceptions:
    - name: namespaces
      fields: ka.target.namespace
      values: [kube-system]
  override:
    exceptions: append
`);
    assert.deepEqual(fired(appended, req('get', 'alice')), []);
    assert.deepEqual(fired(appended, req('get', 'bob', 'kube-system')), []);
    assert.deepEqual(fired(appended, req('get', 'bob')), ['R']);
    const replaced = loadOk(withExc + `- rule: R
  exceptions:
    - name: namespaces
      fields: ka.target.namespace
      values: [kube-system]
  override:
    exceptions: replace
`);
    assert.deepEqual(fired(replaced, req('get', 'alice')), ['R']);
    assert.deepEqual(fired(replaced, req('get', 'bob', 'kube-system')), []);
  });

  test('a key present but not listed under override is an error, and a key listed but absent', () => {
    assert.deepEqual(loadErrors(base + '- rule: R\n  condition: or ka.verb = list\n  priority: INFO\n  override:\n    condition: append\n'),
      ['PG_ERR_RULE_OVERRIDE']);
    assert.deepEqual(loadErrors(base + '- rule: R\n  condition: or ka.verb = list\n  override:\n    condition: append\n    priority: replace\n'),
      ['PG_ERR_RULE_OVERRIDE']);
    const r = load(base + '- rule: R\n  condition: or ka.verb = list\n  priority: INFO\n  override:\n    condition: append\n');
    assert.equal(r.errors[0]!.pos?.line, 10, 'points at the unexpected key');
  });

  test('keys that cannot be appended or overridden', () => {
    assert.deepEqual(loadErrors(base + '- rule: R\n  priority: INFO\n  override:\n    priority: append\n'), ['PG_ERR_RULE_OVERRIDE']);
    assert.deepEqual(loadErrors(base + '- rule: R\n  source: syscall\n  override:\n    source: replace\n'), ['PG_ERR_RULE_OVERRIDE']);
    assert.deepEqual(loadErrors(base + '- rule: R\n  condition: x\n  override:\n    condition: merge\n'), ['PG_ERR_RULE_OVERRIDE']);
  });

  test('append and override together are an error', () => {
    assert.deepEqual(loadErrors(base + '- rule: R\n  condition: or ka.verb = list\n  append: true\n  override:\n    condition: append\n'),
      ['PG_ERR_RULE_OVERRIDE']);
  });

  test('overriding or appending to a missing rule is an error', () => {
    assert.deepEqual(loadErrors('- rule: Nope\n  condition: and a\n  override:\n    condition: append\n'), ['PG_ERR_RULE_OVERRIDE']);
    assert.deepEqual(loadErrors('- rule: Nope\n  priority: INFO\n  override:\n    priority: replace\n'), ['PG_ERR_RULE_OVERRIDE']);
    assert.ok(loadErrors('- rule: Nope\n  condition: and a\n  append: true\n').includes('PG_ERR_RULE_OVERRIDE'));
  });

  test('`enabled: false` alone disables an existing rule; on a missing rule it is an error', () => {
    const r = loadOk([base, '- rule: R\n  enabled: false\n']);
    assert.equal(compiled(r).enabled, false);
    assert.deepEqual(fired(r, req('get')), []);
    assert.equal(r.stats.auditRules, 1);
    assert.equal(r.stats.activeRules, 0);
    const again = loadOk([base, '- rule: R\n  enabled: false\n', '- rule: R\n  enabled: true\n']);
    assert.deepEqual(fired(again, req('get')), ['R']);
    assert.deepEqual(loadErrors('- rule: Nope\n  enabled: false\n'), ['PG_ERR_RULE_OVERRIDE']);
  });

  test('`enabled` alone is deprecated (Falco warns)', () => {
    const r = loadOk([base, '- rule: R\n  enabled: false\n']);
    assert.deepEqual(codes(r.warnings), ['PG_WARN_RULE_DEPRECATED']);
  });

  test('a redefined or overridden rule keeps its original place in the evaluation order', () => {
    const two = rule('ka.verb = get', { name: 'First' }) + rule('ka.verb = get', { name: 'Second' });
    const redefined = loadOk(two + rule('ka.verb in (get, list)', { name: 'First' }));
    assert.deepEqual(redefined.ruleset!.evaluate(req('get'), { ruleMatching: 'first' }).map((x) => x.rule.name), ['First']);
    assert.deepEqual(fired(redefined, req('get')), ['First', 'Second']);
    assert.deepEqual(fired(redefined, req('list')), ['First']);
    const overridden = loadOk(two + '- rule: First\n  priority: INFO\n  override:\n    priority: replace\n');
    assert.deepEqual(overridden.ruleset!.evaluate(req('get')).map((x) => x.rule.name), ['First']);
  });

  test('a redefinition with a different explicit source is an error', () => {
    assert.deepEqual(loadErrors(rule('ka.verb = get') + rule('proc.name = x', { source: 'syscall' })), ['PG_ERR_RULE_OVERRIDE']);
  });

  test('a redefinition without source means syscall: a k8s_audit rule cannot silently become a syscall rule', () => {
    const noSource = '- rule: R\n  desc: d\n  condition: ka.verb = list\n  output: o\n  priority: INFO\n';
    assert.deepEqual(codes(load([rule('ka.verb = get'), noSource]).errors), ['PG_ERR_RULE_OVERRIDE']);
  });
});

describe('sources', () => {
  test('an unknown source is skipped with a warning', () => {
    const r = loadOk(rule('whatever.field = 1', { source: 'aws_cloudtrail' }) + rule('ka.verb = get', { name: 'K' }));
    assert.deepEqual(codes(r.warnings), ['PG_WARN_RULE_SOURCE']);
    assert.deepEqual(r.ruleset!.rules.map((x) => x.name), ['K']);
  });

  test('syscall rules load (syntax-checked) but are never evaluated', () => {
    const r = loadOk(rule('proc.name = sh and fd.name startswith /etc', { source: 'syscall', name: 'S' })
      + rule('ka.verb = get', { name: 'K' }));
    assert.equal(r.stats.otherSourceRules, 1);
    assert.equal(r.stats.auditRules, 1);
    assert.deepEqual(r.ruleset!.rules.map((x) => x.name), ['K']);
    assert.deepEqual(fired(r, req('get')), ['K']);
    assert.deepEqual(loadErrors(rule('proc.name = (', { source: 'syscall' })), ['PG_ERR_RULE_PARSE']);
  });

  test('a rule without source is a syscall rule', () => {
    const r = loadOk('- rule: R\n  desc: d\n  condition: ka.verb = get\n  output: o\n  priority: INFO\n');
    assert.equal(r.stats.otherSourceRules, 1);
    assert.deepEqual(fired(r, req('get')), []);
  });
});

describe('priorities', () => {
  test('every priority name, in any case; info is Informational', () => {
    for (const p of PRIORITIES) {
      for (const spelling of [p, p.toLowerCase(), p.toUpperCase()]) {
        const r = loadOk(rule('ka.verb = get', { priority: spelling }));
        assert.equal(r.ruleset!.rules[0]!.priority, p, spelling);
      }
    }
    for (const spelling of ['info', 'INFO', 'Info']) {
      assert.equal(loadOk(rule('ka.verb = get', { priority: spelling })).ruleset!.rules[0]!.priority, 'Informational');
    }
  });

  test('an invalid priority is an error at the value', () => {
    const r = load(rule('ka.verb = get', { priority: 'warn' }));
    assert.deepEqual(codes(r.errors), ['PG_ERR_RULE_PRIORITY']);
    assert.equal(r.errors[0]!.pos?.line, 5);
    assert.equal(r.errors[0]!.pos?.col, 13);
  });

  test('min priority: less severe rules load but are not evaluated', () => {
    const text = rule('ka.verb = get', { name: 'N', priority: 'NOTICE' })
      + rule('ka.verb = get', { name: 'W', priority: 'WARNING' })
      + rule('ka.verb = get', { name: 'C', priority: 'CRITICAL' });
    const r = loadOk(text, { minPriority: 'Warning' });
    assert.equal(r.stats.auditRules, 3);
    assert.equal(r.stats.activeRules, 2);
    assert.deepEqual(fired(r, req('get')), ['W', 'C']);
    assert.deepEqual(fired(loadOk(text), req('get')), ['N', 'W', 'C']);
    assert.deepEqual(fired(loadOk(text, { minPriority: 'Emergency' }), req('get')), []);
  });
});

describe('rule matching', () => {
  const text = rule('ka.verb = get', { name: 'A' }) + rule('ka.verb in (get, list)', { name: 'B' })
    + rule('ka.verb = get', { name: 'C', extra: '  enabled: false\n' });

  test('first (the default) reports only the first matching rule in load order', () => {
    const r = loadOk(text);
    assert.deepEqual(r.ruleset!.evaluate(req('get')).map((m) => m.rule.name), ['A']);
    assert.deepEqual(r.ruleset!.evaluate(req('list')).map((m) => m.rule.name), ['B']);
    assert.deepEqual(r.ruleset!.evaluate(req('delete')), []);
  });

  test('all reports every match in load order; the option can be set per load or per call', () => {
    const r = loadOk(text, { ruleMatching: 'all' });
    assert.deepEqual(r.ruleset!.evaluate(req('get')).map((m) => m.rule.name), ['A', 'B']);
    assert.deepEqual(r.ruleset!.evaluate(req('get'), { ruleMatching: 'first' }).map((m) => m.rule.name), ['A']);
  });

  test('the match carries the event', () => {
    const ev = req('get');
    const [m] = loadOk(text).ruleset!.evaluate(ev);
    assert.equal(m!.event, ev);
  });
});

describe('file and item schema', () => {
  test('unknown keys and unknown top-level items are warnings', () => {
    const r = loadOk(rule('ka.verb = get', { extra: '  foo: bar\n' }) + '- something: else\n');
    assert.deepEqual(codes(r.warnings).sort(), ['PG_WARN_RULE_UNKNOWN_ITEM', 'PG_WARN_RULE_UNKNOWN_KEY']);
    const key = r.warnings.find((w) => w.code === 'PG_WARN_RULE_UNKNOWN_KEY')!;
    assert.equal(key.pos?.line, 7);
  });

  test('a YAML syntax error is positioned', () => {
    const r = load('- rule: R\n  desc: [unclosed\n  condition: x\n');
    assert.deepEqual(codes(r.errors), ['PG_ERR_RULE_YAML']);
    assert.equal(r.errors[0]!.pos?.file, 'f0.yaml');
    assert.ok(r.errors[0]!.pos!.line >= 2, `line ${r.errors[0]!.pos!.line}`);
  });

  test('a document that is not a list, an item that is not a map, a missing key', () => {
    assert.deepEqual(loadErrors('rule: R\ndesc: d\n'), ['PG_ERR_RULE_SCHEMA']);
    assert.deepEqual(loadErrors('- just a string\n'), ['PG_ERR_RULE_SCHEMA']);
    assert.deepEqual(loadErrors('- rule: R\n  desc: d\n  condition: ka.verb = get\n  priority: INFO\n  source: k8s_audit\n'),
      ['PG_ERR_RULE_SCHEMA']);
    assert.ok(loadErrors('- list: l\n  items: a\n').every((c) => c === 'PG_ERR_RULE_SCHEMA'));
  });

  test('a list whose items are not a sequence is reported once', () => {
    const r = load('- list: l\n  items: a\n');
    assert.deepEqual(codes(r.errors), ['PG_ERR_RULE_SCHEMA']);
  });

  test('empty files and null items are fine', () => {
    assert.equal(load('').ok, true);
    assert.equal(load('---\n...\n').ok, true);
    assert.equal(load('-\n' + rule('ka.verb = get')).ok, true);
  });

  test('several YAML documents in one file', () => {
    const r = loadOk(`${rule('ka.verb = get', { name: 'A' })}---\n${rule('ka.verb = list', { name: 'B' })}`);
    assert.deepEqual(r.ruleset!.rules.map((x) => x.name), ['A', 'B']);
  });
});

describe('exceptions', () => {
  const withExceptions = rule('ka.verb = get', { extra: `  exceptions:
    - name: user_in_namespaces
      fields: [ka.user.name, ka.target.namespace]
      comps: [=, in]
      values:
        - [alice smith, [ns1, "ns 2"]]
        - [bob, ns3]
    - name: by_name
      fields: ka.user.name
      values: [carl, "dan x"]
` });

  test('list form and single-field form become `and not (...)` clauses', () => {
    const r = loadOk(withExceptions);
    const cases: [string, string, boolean][] = [
      ['alice smith', 'ns1', false], ['alice smith', 'ns 2', false], ['alice smith', 'ns3', true],
      ['bob', 'ns3', false], ['bob', 'ns1', true],
      ['carl', 'any', false], ['dan x', 'any', false], ['dan', 'any', true], ['eve', 'ns1', true],
    ];
    for (const [user, ns, fires] of cases) {
      assert.deepEqual(fired(r, req('get', user, ns)), fires ? ['R'] : [], `${user} in ${ns}`);
    }
    assert.deepEqual(fired(r, req('list', 'eve')), [], 'the rule condition still applies');
  });

  test('values are quoted only when they hold a space', () => {
    // `alice smith` unquoted would be a parse error; a value with a comma is not escaped (Falco's todo).
    const r = loadOk(rule('ka.verb = get', { extra: `  exceptions:
    - name: e
      fields: [ka.user.name]
      values: [["alice smith"]]
` }));
    assert.deepEqual(fired(r, req('get', 'alice smith')), []);
    assert.deepEqual(fired(r, req('get', 'alice')), ['R']);
  });

  test('a scalar value under a list operator is wrapped in parentheses; pmatch comps', () => {
    const r = loadOk(rule('ka.verb in (get, list)', { extra: `  exceptions:
    - name: e
      fields: [ka.verb, ka.uri]
      comps: [in, pmatch]
      values: [[get, /healthz]]
` }));
    assert.deepEqual(fired(r, event({ verb: 'get', requestURI: '/healthz/ready' })), []);
    assert.deepEqual(fired(r, event({ verb: 'get', requestURI: '/api' })), ['R']);
    assert.deepEqual(fired(r, event({ verb: 'list', requestURI: '/healthz' })), ['R']);
  });

  test('an exception without values adds nothing', () => {
    const r = loadOk(rule('ka.verb = get', { extra: '  exceptions:\n    - name: e\n      fields: [ka.user.name]\n' }));
    assert.deepEqual(fired(r, req('get', 'alice')), ['R']);
  });

  test('appending values to an existing exception', () => {
    for (const how of ['  append: true\n', '  override:\n    exceptions: append\n']) {
      const r = loadOk(withExceptions + `- rule: R
  exceptions:
    - name: user_in_namespaces
      values:
        - [eve, [ns9]]
${how}`);
      assert.deepEqual(fired(r, req('get', 'eve', 'ns9')), [], how);
      assert.deepEqual(fired(r, req('get', 'eve', 'ns1')), ['R'], how);
      assert.deepEqual(fired(r, req('get', 'bob', 'ns3')), [], `${how}: the old values stay`);
    }
  });

  test('appending scalar values to a single-field exception (its own form)', () => {
    const r = load(withExceptions + `- rule: R
  exceptions:
    - name: by_name
      values: [eve]
  override:
    exceptions: append
`);
    assert.deepEqual(codes(r.errors), []);
    assert.deepEqual(fired(r, req('get', 'eve')), []);
    assert.deepEqual(fired(r, req('get', 'carl')), []);
    assert.deepEqual(fired(r, req('get', 'frank')), ['R']);
  });

  test('appending fields (or comps) to an existing exception is an error', () => {
    assert.deepEqual(loadErrors(withExceptions + `- rule: R
  exceptions:
    - name: by_name
      fields: ka.verb
      values: [get]
  override:
    exceptions: append
`), ['PG_ERR_RULE_EXCEPTION']);
  });

  test('a new exception appended without fields is an error', () => {
    assert.deepEqual(loadErrors(withExceptions + '- rule: R\n  exceptions:\n    - name: brand_new\n      values: [[x]]\n  append: true\n'),
      ['PG_ERR_RULE_EXCEPTION']);
  });

  test('shape errors: tuple length, comps length, single-field comps, missing name or fields', () => {
    const exc = (body: string) => rule('ka.verb = get', { extra: `  exceptions:\n${body}` });
    assert.deepEqual(loadErrors(exc('    - name: e\n      fields: [ka.user.name, ka.verb]\n      values: [[alice]]\n')),
      ['PG_ERR_RULE_EXCEPTION']);
    assert.deepEqual(loadErrors(exc('    - name: e\n      fields: [ka.user.name, ka.verb]\n      comps: [=]\n      values: [[a, b]]\n')),
      ['PG_ERR_RULE_EXCEPTION']);
    assert.deepEqual(loadErrors(exc('    - name: e\n      fields: ka.user.name\n      comps: "="\n      values: [a]\n')),
      ['PG_ERR_RULE_EXCEPTION']);
    assert.deepEqual(loadErrors(exc('    - fields: [ka.user.name]\n      values: [[a]]\n')), ['PG_ERR_RULE_EXCEPTION']);
    assert.deepEqual(loadErrors(exc('    - name: e\n      values: [[a]]\n')), ['PG_ERR_RULE_EXCEPTION']);
    assert.deepEqual(loadErrors(exc('    - name: e\n      fields: [ka.nope]\n      values: [[a]]\n')), ['PG_ERR_RULE_FIELD']);
  });

  test('a duplicate exception name is a warning', () => {
    const r = loadOk(rule('ka.verb = get', { extra: `  exceptions:
    - name: e
      fields: [ka.user.name]
      values: [[a]]
    - name: e
      fields: [ka.user.name]
      values: [[b]]
` }));
    assert.deepEqual(codes(r.warnings), ['PG_WARN_RULE_EXCEPTION']);
  });
});

describe('engine and plugin versions', () => {
  test('required_engine_version: compatible, too new, not a version', () => {
    assert.equal(loadOk('- required_engine_version: 10\n').ok, true);
    assert.equal(loadOk('- required_engine_version: 0.26.0\n').ok, true);
    assert.deepEqual(loadErrors('- required_engine_version: 999\n'), ['PG_ERR_RULE_ENGINE_VERSION']);
    assert.deepEqual(loadErrors('- required_engine_version: 0.999.0\n'), ['PG_ERR_RULE_ENGINE_VERSION']);
    assert.deepEqual(loadErrors('- required_engine_version: 1.0.0\n'), ['PG_ERR_RULE_ENGINE_VERSION']);
    assert.deepEqual(loadErrors('- required_engine_version: soon\n'), ['PG_ERR_RULE_ENGINE_VERSION']);
  });

  test('required_plugin_versions: k8saudit (or an alternative) and json are provided; an unknown plugin is an error', () => {
    const r = load(`- required_plugin_versions:
  - name: k8saudit
    version: 0.1.0
  - name: k8saudit-eks
    version: 0.1.0
    alternatives:
      - name: k8saudit
        version: 0.5.0
  - name: json
    version: 0.7.0
  - name: nosuchplugin
    version: 1.0.0
`);
    assert.deepEqual(codes(r.errors), ['PG_ERR_RULE_ENGINE_VERSION']);
    assert.equal(r.errors[0]!.pos?.line, 11, 'the unsatisfied entry');
    assert.ok(r.errors[0]!.message.includes('nosuchplugin'));
  });

  test('a k8saudit version newer than provided is not satisfied', () => {
    assert.deepEqual(loadErrors('- required_plugin_versions:\n  - name: k8saudit\n    version: 99.0.0\n'),
      ['PG_ERR_RULE_ENGINE_VERSION']);
    assert.deepEqual(loadErrors('- required_plugin_versions:\n  - name: k8saudit\n    version: 0.99.0\n'),
      ['PG_ERR_RULE_ENGINE_VERSION']);
  });
});

describe('positions', () => {
  test('a field error inside a folded > condition points at the field', () => {
    const text = `- rule: R
  desc: d
  condition: >
    ka.verb = get and
    ka.target.namespace = default and
    ka.usr.name = x
  output: o
  priority: INFO
  source: k8s_audit
`;
    const r = load(text);
    assert.deepEqual(codes(r.errors), ['PG_ERR_RULE_FIELD']);
    const pos = r.errors[0]!.pos!;
    assert.equal(pos.file, 'f0.yaml');
    assert.equal(pos.line, 6);
    assert.equal(pos.col, 5);
    assert.equal(pos.lineText, '    ka.usr.name = x');
    assert.equal(r.errors[0]!.item, "rule 'R'");
  });

  test('an error inside a macro of another file points into that file', () => {
    const macros = '# macros\n- macro: is_get\n  condition: ka.verb = get and ka.bogus = 1\n';
    const rules = rule('is_get');
    const r = loadRules([{ path: 'macros.yaml', text: macros }, { path: 'rules.yaml', text: rules }]);
    assert.deepEqual(codes(r.errors), ['PG_ERR_RULE_FIELD']);
    const pos = r.errors[0]!.pos!;
    assert.equal(pos.file, 'macros.yaml');
    assert.equal(pos.line, 3);
    assert.equal(pos.col, 32);
    assert.equal(pos.lineText.slice(pos.col - 1, pos.col - 1 + 'ka.bogus'.length), 'ka.bogus');
  });

  test('a parse error inside a quoted condition points at the token', () => {
    const r = load(rule('"ka.verb = get and ka.verb ~ x"'));
    assert.deepEqual(codes(r.errors), ['PG_ERR_RULE_PARSE']);
    const pos = r.errors[0]!.pos!;
    assert.equal(pos.line, 3);
    assert.equal(pos.lineText[pos.col - 1], '~');
    const atEnd = load(rule('"ka.verb in (a,"')).errors[0]!.pos!;
    assert.equal(atEnd.lineText[atEnd.col - 1], ',', 'an error at the end points at the last character');
  });

  test('an error after list substitution still points into the rule', () => {
    const r = load('- list: l\n  items: [a, b]\n' + rule('ka.verb in (l) and ka.nope = 1'));
    assert.deepEqual(codes(r.errors), ['PG_ERR_RULE_FIELD']);
    assert.equal(r.errors[0]!.pos?.line, 5);
    assert.equal(r.errors[0]!.pos?.col, 33);
  });

  test('an output error points into the output', () => {
    const r = load(rule('ka.verb = get', { output: 'user=%ka.usr.name' }));
    assert.deepEqual(codes(r.errors), ['PG_ERR_RULE_OUTPUT']);
    assert.equal(r.errors[0]!.pos?.line, 4);
    assert.equal(r.errors[0]!.pos?.col, 17);
  });

  test('formatDiagnostic shows the line and a caret under the column', () => {
    const r = load(rule('ka.verb = get and ka.usr.name = x'));
    const d = r.errors[0]!;
    const lines = formatDiagnostic(d).split('\n');
    assert.equal(lines.length, 3);
    assert.ok(lines[0]!.startsWith(`f0.yaml:3:${d.pos!.col}: error: `), lines[0]);
    assert.ok(lines[0]!.includes('[PG_ERR_RULE_FIELD]'));
    assert.ok(lines[1]!.endsWith(d.pos!.lineText), lines[1]);
    assert.match(lines[2]!, /^ +\| +\^$/);
    const textStart = lines[1]!.indexOf('| ') + 2;
    assert.equal(lines[2]!.indexOf('^') - textStart, d.pos!.col - 1, 'the caret is under the column');
    assert.equal(lines[1]!.slice(textStart + d.pos!.col - 1, textStart + d.pos!.col - 1 + 11), 'ka.usr.name');
  });
});
