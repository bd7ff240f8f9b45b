/**
 * Conditions compiled against hand-built audit events, with Falco's semantics (reference 3.2): missing values,
 * list fields, numeric fields, transformers, val(), modifiers; and the diagnostics the loader reports for them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeAuditPayload } from '../decode.js';
import type { ConditionError, Diagnostic } from '../errors.js';
import type { AuditEvent } from '../event.js';
import { loadRules } from '../index.js';
import { parseCondition } from '../syntax/parser.js';
import { compileExpr } from './compile.js';

/** 2018-10-25T14:09:12.581541000Z */
const TIME_NS = 1_540_476_552_581_541_000n;

function event(fields: Record<string, unknown>, timeNs: bigint = TIME_NS): AuditEvent {
  return { json: { kind: 'Event', auditID: 'aud-1', stage: 'ResponseComplete', ...fields }, timeNs };
}

const alice = event({
  verb: 'create',
  requestURI: '/api/v1/namespaces/default/pods/nginx/exec?command=sh',
  user: { username: 'alice', groups: ['system:authenticated', 'devs'] },
  impersonatedUser: { username: 'alice' },
  objectRef: { resource: 'pods', namespace: 'default', name: 'nginx', subresource: 'exec' },
  responseStatus: { code: 1000 },
  userAgent: 'kubectl/v1.28',
});

interface Compiled {
  (ev: AuditEvent): boolean;
  readonly errors: ConditionError[];
  readonly warnings: string[];
}

function compile(condition: string, legacy = false): Compiled {
  const errors: ConditionError[] = [];
  const warnings: string[] = [];
  const pred = compileExpr(parseCondition(condition), {
    legacy,
    warn: (message) => warnings.push(message),
    error: (err) => errors.push(err),
  });
  return Object.assign((ev: AuditEvent) => pred(ev), { errors, warnings });
}

/** Compiles without errors and evaluates on `ev`. */
function holds(condition: string, ev: AuditEvent = alice): boolean {
  const c = compile(condition);
  assert.deepEqual(c.errors.map((e) => e.message), [], condition);
  return c(ev);
}

function ruleFile(condition: string, header = ''): string {
  return `${header}- rule: R
  desc: test rule
  condition: ${condition}
  output: "user=%ka.user.name"
  priority: WARNING
  source: k8s_audit
`;
}

function diagnostics(condition: string, header = ''): { ok: boolean; errors: Diagnostic[]; warnings: Diagnostic[] } {
  const r = loadRules([{ path: 'rules.yaml', text: ruleFile(condition, header) }]);
  return { ok: r.ok, errors: [...r.errors], warnings: [...r.warnings] };
}

function errorCodes(condition: string, header = ''): string[] {
  return diagnostics(condition, header).errors.map((d) => d.code);
}

describe('events', () => {
  test('decodeAuditPayload events work as well as hand-built ones', () => {
    const { events, errors } = decodeAuditPayload(JSON.stringify({
      kind: 'Event', auditID: 'x', stage: 'ResponseComplete', verb: 'get', stageTimestamp: '2018-10-25T14:09:12.581541Z',
    }));
    assert.deepEqual(errors, []);
    assert.equal(events.length, 1);
    assert.equal(holds('ka.verb = get and evt.rawtime = 1540476552581541000', events[0]), true);
  });
});

describe('missing values', () => {
  const clusterScoped = event({ verb: 'get', objectRef: { resource: 'nodes', name: 'n1' }, user: { username: 'bob' } });

  test('every comparison on a missing field is false, != included', () => {
    for (const c of [
      'ka.target.namespace = kube-system', 'ka.target.namespace != kube-system', 'ka.target.namespace in (kube-system)',
      'ka.target.namespace intersects (x)', 'ka.target.namespace startswith k', 'ka.target.namespace contains ""',
      'ka.target.namespace < 9', 'ka.target.namespace >= 0', 'ka.target.namespace glob *', 'ka.target.namespace regex .*',
      'ka.target.namespace pmatch (/)', 'ka.target.namespace = anyof (a, b)', 'ka.target.namespace != allof (a, b)',
      'ka.target.namespace exists', 'tolower(ka.target.namespace) != x', 'len(ka.target.namespace) >= 0',
    ]) {
      assert.equal(holds(c, clusterScoped), false, c);
    }
  });

  test('`not f = x` is true when f is missing, unlike `f != x`', () => {
    assert.equal(holds('not ka.target.namespace = kube-system', clusterScoped), true);
    assert.equal(holds('not ka.target.namespace exists', clusterScoped), true);
    assert.equal(holds('ka.target.namespace != kube-system', alice), true);
  });

  test('without an auditID no ka.* field is available', () => {
    const anonymous: AuditEvent = { json: { verb: 'get' }, timeNs: TIME_NS };
    assert.equal(holds('ka.verb exists', anonymous), false);
    assert.equal(holds('jevt.value[/verb] = get', anonymous), true);
  });
});

describe('list fields', () => {
  const groups = (g: unknown) => event({ user: { username: 'u', groups: g } });

  test('in is a subset test, intersects an overlap test', () => {
    const ev = groups(['a', 'b']);
    assert.equal(holds('ka.user.groups in (a, b, c)', ev), true);
    assert.equal(holds('ka.user.groups in (a, b)', ev), true);
    assert.equal(holds('ka.user.groups in (a)', ev), false);
    assert.equal(holds('ka.user.groups intersects (b, z)', ev), true);
    assert.equal(holds('ka.user.groups intersects (z)', ev), false);
    assert.equal(holds('ka.user.groups exists', ev), true);
    assert.equal(holds('ka.user.groups intersects ()', ev), false);
    assert.equal(holds('ka.user.groups in ()', ev), false);
  });

  test('an empty list is not present', () => {
    const ev = groups([]);
    assert.equal(holds('ka.user.groups exists', ev), false);
    assert.equal(holds('ka.user.groups in (a)', ev), false, 'vacuous subset does not count');
    assert.equal(holds('ka.user.groups intersects (a)', ev), false);
    assert.equal(holds('not ka.user.groups in (a)', ev), true);
  });

  test('= and contains on a list field are operator errors', () => {
    assert.deepEqual(errorCodes('ka.user.groups = a'), ['PG_ERR_RULE_OPERATOR']);
    assert.deepEqual(errorCodes('ka.user.groups contains sys'), ['PG_ERR_RULE_OPERATOR']);
    assert.deepEqual(errorCodes('ka.user.groups startswith oneof (a)'), ['PG_ERR_RULE_OPERATOR']);
    assert.deepEqual(errorCodes('ka.user.groups pmatch (/a)'), ['PG_ERR_RULE_OPERATOR']);
    assert.deepEqual(errorCodes('ka.user.groups intersects (a) and ka.user.groups exists'), []);
  });

  test('a file requiring engine 2 may use contains on a list field: a warning, any-element semantics', () => {
    const header = '- required_engine_version: 2\n';
    const d = diagnostics('ka.user.groups contains sys', header);
    assert.equal(d.ok, true);
    assert.deepEqual(d.warnings.map((w) => w.code), ['PG_WARN_RULE_LEGACY']);
    const r = loadRules([{ path: 'old.yaml', text: ruleFile('ka.user.groups contains sys', header) }]);
    assert.equal(r.ruleset!.evaluate(groups(['a', 'system:masters'])).length, 1);
    assert.equal(r.ruleset!.evaluate(groups(['a', 'b'])).length, 0);
    assert.equal(r.ruleset!.evaluate(groups([])).length, 0);
    // Only the old file is lenient: the same rule in a current file is an error.
    assert.deepEqual(errorCodes('ka.user.groups contains sys', '- required_engine_version: 0.15.0\n'), ['PG_ERR_RULE_OPERATOR']);
  });

  test('legacy semantics directly: = on a list field is true when any element is equal', () => {
    const c = compile('ka.user.groups = b', true);
    assert.deepEqual(c.errors, []);
    assert.equal(c.warnings.length, 1);
    assert.equal(c(groups(['a', 'b'])), true);
    assert.equal(c(groups(['a'])), false);
  });
});

describe('numeric fields compare as integers', () => {
  test('evt.rawtime and jevt.rawtime, exactly beyond 2^53', () => {
    assert.equal(holds('evt.rawtime = 1540476552581541000'), true);
    assert.equal(holds('evt.rawtime > 1540476552581540999'), true);
    assert.equal(holds('evt.rawtime < 1540476552581541001'), true);
    assert.equal(holds('evt.rawtime != 1540476552581541001'), true);
    // As text, "1540476552581541000" < "999999999999999999"; as numbers it is not.
    assert.equal(holds('evt.rawtime < 999999999999999999'), false);
    assert.equal(holds('evt.rawtime >= 0x10'), true);
    assert.equal(holds('jevt.rawtime = 1540476552581541000'), true);
    assert.equal(holds('json.rawtime <= 1540476552581541000'), true);
    assert.equal(holds('evt.rawtime in (1, 1540476552581541000)'), true);
    assert.equal(holds('evt.rawtime.s = 1540476552'), true);
    assert.equal(holds('evt.rawtime.ns = 581541000'), true);
  });

  test('len() is a number: < 10 is true for 5', () => {
    assert.equal(holds('len(ka.user.name) = 5'), true);
    assert.equal(holds('len(ka.user.name) < 10'), true, 'as text "5" < "10" would be false');
    assert.equal(holds('len(ka.user.groups) = 2'), true, 'a list counts its elements');
    assert.equal(holds('len(ka.user.groups) > 2'), false);
  });

  test('equality and in take the literal as a number: leading zeros, hex and + still match', () => {
    assert.equal(holds('len(ka.user.name) = 005'), true);
    assert.equal(holds('len(ka.user.name) = 0x5'), true);
    assert.equal(holds('len(ka.user.name) = +5'), true);
    assert.equal(holds('len(ka.user.name) != 05'), false);
    assert.equal(holds('len(ka.user.name) in (04, 0x05)'), true);
    assert.equal(holds('len(ka.user.name) in (4, 6)'), false);
    assert.equal(holds('jevt.rawtime = 0'), false);
    assert.equal(holds('jevt.rawtime = 0', event({}, 0n)), true);
    assert.equal(holds('jevt.rawtime != 0', event({}, -5n)), true, 'times before 1970 are negative numbers');
    assert.equal(holds('jevt.rawtime = -5', event({}, -5n)), true);
  });

  test('len() counts bytes, as libs strnlen does', () => {
    const ev = event({ user: { username: 'é' } });
    assert.equal(holds('len(ka.user.name) = 2', ev), true);
  });

  test('text fields with a number compare as text', () => {
    assert.equal(holds('ka.response.code >= 400'), false, '"1000" < "400"');
    assert.equal(holds('ka.response.code < 400'), true);
    const notFound = event({ responseStatus: { code: 404 } });
    assert.equal(holds('ka.response.code >= 400', notFound), true);
    assert.equal(holds('ka.response.code = 404', notFound), true);
  });

  test('numeric fields reject text operators and non-integers', () => {
    assert.deepEqual(errorCodes('evt.rawtime contains 1'), ['PG_ERR_RULE_OPERATOR']);
    assert.deepEqual(errorCodes('evt.rawtime = anyof (1, 2)'), ['PG_ERR_RULE_OPERATOR']);
    assert.deepEqual(errorCodes('evt.rawtime > 1.5'), ['PG_ERR_RULE_VALUE']);
    assert.deepEqual(errorCodes('evt.rawtime = abc'), ['PG_ERR_RULE_VALUE']);
  });
});

describe('transformers', () => {
  test('tolower / toupper fold ASCII only', () => {
    const ev = event({ user: { username: 'ALICE-É' }, verb: 'get' });
    assert.equal(holds('tolower(ka.user.name) = alice-É', ev), true);
    assert.equal(holds('toupper(ka.verb) = GET', ev), true);
    assert.equal(holds('toupper(tolower(ka.user.name)) = ALICE-É', ev), true);
    assert.equal(holds('tolower(ka.user.groups) intersects (devs)', event({ user: { groups: ['DEVS'] } })), true);
  });

  test('b64 decodes, with or without padding; invalid base64 is not present', () => {
    assert.equal(holds('b64(ka.user.name) = hello', event({ user: { username: 'aGVsbG8=' } })), true);
    assert.equal(holds('b64(ka.user.name) = hello', event({ user: { username: 'aGVsbG8' } })), true);
    assert.equal(holds('b64(ka.user.name) exists', event({ user: { username: 'not base64!' } })), false);
  });

  test('basename', () => {
    assert.equal(holds('basename(ka.target.subresource) = exec'), true);
    assert.equal(holds('basename(jevt.value[/requestURI]) = "exec?command=sh"'), true);
    assert.equal(holds('basename(ka.user.name) = b', event({ user: { username: '/a/b' } })), true);
    assert.equal(holds('basename(ka.user.name) = ""', event({ user: { username: '/a/' } })), true);
  });

  test('join and concat', () => {
    assert.equal(holds('join(",", ka.user.groups) = "system:authenticated,devs"'), true);
    assert.equal(holds('join("|", ka.user.groups) contains "|devs"'), true);
    assert.equal(holds('concat(ka.verb, "-", ka.target.resource) = create-pods'), true);
    assert.equal(holds('concat(ka.verb, ka.target.namespace) = createdefault'), true);
    assert.equal(holds('concat(ka.verb, ka.impuser.name) exists', event({ verb: 'get' })), false, 'a missing part');
  });

  test('misused transformers are field errors', () => {
    assert.deepEqual(errorCodes('tolower(ka.verb, ka.uri) = x'), ['PG_ERR_RULE_FIELD']);
    assert.deepEqual(errorCodes('join(ka.user.groups) = x'), ['PG_ERR_RULE_FIELD']);
    assert.deepEqual(errorCodes('concat(ka.verb) = x'), ['PG_ERR_RULE_FIELD']);
    assert.deepEqual(errorCodes('concat(ka.verb, ka.user.groups) = x'), ['PG_ERR_RULE_FIELD']);
    assert.deepEqual(errorCodes('tolower(ka.nope) = x'), ['PG_ERR_RULE_FIELD']);
  });
});

describe('val()', () => {
  test('compares with another field of the same event', () => {
    assert.equal(holds('ka.user.name = val(ka.impuser.name)'), true);
    assert.equal(holds('ka.user.name != val(ka.impuser.name)'), false);
    assert.equal(holds('ka.verb = val(ka.user.name)'), false);
    assert.equal(holds('ka.target.subresource = val(ka.uri.param[command])', event({
      requestURI: '/x?command=exec', objectRef: { subresource: 'exec' },
    })), true);
    assert.equal(holds('ka.uri startswith val(jevt.value[/requestURI])'), true);
    assert.equal(holds('ka.user.name = tolower(ka.impuser.name)', event({
      user: { username: 'bob' }, impersonatedUser: { username: 'BOB' },
    })), true);
    assert.equal(holds('evt.rawtime = val(jevt.rawtime)'), true);
  });

  test('a missing side makes the comparison false, != included', () => {
    const ev = event({ user: { username: 'alice' } });
    assert.equal(holds('ka.user.name != val(ka.impuser.name)', ev), false);
    assert.equal(holds('ka.impuser.name = val(ka.user.name)', ev), false);
  });

  test('in / intersects against a list field', () => {
    const ev = event({ user: { username: 'devs', groups: ['devs', 'ops'] } });
    assert.equal(holds('ka.user.name in val(ka.user.groups)', ev), true);
    assert.equal(holds('ka.user.groups intersects val(ka.user.name)', ev), true);
    assert.equal(holds('ka.user.groups in val(ka.user.name)', ev), false);
  });

  test('a regex taken from the event never makes evaluation throw', () => {
    const r = loadRules([{ path: 'rules.yaml', text: ruleFile('ka.user.name regex val(ka.impuser.name)') }]);
    assert.equal(r.ok, true);
    const ev = event({ user: { username: 'x' }, impersonatedUser: { username: '(' } });
    assert.doesNotThrow(() => r.ruleset!.evaluate(ev));
  });
});

describe('modifiers', () => {
  test('oneof: exactly one element matches', () => {
    assert.equal(holds('ka.verb startswith oneof (cr, x)'), true);
    assert.equal(holds('ka.verb startswith oneof (cr, cre)'), false, 'two match');
    assert.equal(holds('ka.verb startswith oneof (x, y)'), false);
  });

  test('anyof / allof', () => {
    assert.equal(holds('ka.verb = anyof (get, create)'), true);
    assert.equal(holds('ka.verb = anyof (get, list)'), false);
    assert.equal(holds('ka.verb != allof (get, list)'), true);
    assert.equal(holds('ka.verb != allof (get, create)'), false);
    assert.equal(holds('ka.uri contains allof (exec, "command=")'), true);
    assert.equal(holds('ka.uri contains allof (exec, attach)'), false);
    assert.equal(holds('ka.user.name glob anyof ("ad*", "al*")'), true);
    assert.equal(holds('ka.user.name regex anyof ("b.*", "a.*e")'), true);
  });

  test('an invalid regex among the items is an operator error', () => {
    assert.deepEqual(errorCodes('ka.user.name regex anyof (a, "(")'), ['PG_ERR_RULE_OPERATOR']);
  });
});

describe('other operator checks', () => {
  test('scalar in / intersects / pmatch', () => {
    assert.equal(holds('ka.verb in (get, create)'), true);
    assert.equal(holds('ka.verb intersects (create)'), true);
    assert.equal(holds('ka.verb in (get, list)'), false);
    assert.equal(holds('ka.uri pmatch (/api/v1/namespaces)'), true);
    assert.equal(holds('ka.uri pmatch (/api/v1/name)'), false);
  });

  test('errors: unknown field, bad argument, byte operators, invalid regex', () => {
    assert.deepEqual(errorCodes('ka.nope = x'), ['PG_ERR_RULE_FIELD']);
    assert.deepEqual(errorCodes('ka.verb[0] = x'), ['PG_ERR_RULE_FIELD']);
    assert.deepEqual(errorCodes('ka.uri.param exists'), ['PG_ERR_RULE_FIELD']);
    assert.deepEqual(errorCodes('ka.verb bcontains 6765'), ['PG_ERR_RULE_OPERATOR']);
    assert.deepEqual(errorCodes('ka.verb regex "("'), ['PG_ERR_RULE_OPERATOR']);
    assert.deepEqual(errorCodes('ka.verb = x and ka.nope = y and ka.bad = z'), ['PG_ERR_RULE_FIELD', 'PG_ERR_RULE_FIELD'],
      'every problem of a rule is reported');
  });
});

describe('warnings', () => {
  test('a field name used as a bare value is warned about (val() was probably meant)', () => {
    const d = diagnostics('ka.user.name = ka.impuser.name');
    assert.equal(d.ok, true);
    assert.equal(d.warnings.length, 1);
    assert.ok(d.warnings[0]!.message.includes('val(ka.impuser.name)'), d.warnings[0]!.message);
    assert.equal(d.warnings[0]!.pos?.col, 29, 'at the value');
    assert.equal(diagnostics('ka.user.name = alice').warnings.length, 0);
    // The comparison is with the literal text.
    assert.equal(holds('ka.user.name = ka.impuser.name', event({ user: { username: 'ka.impuser.name' } })), true);
  });

  test('the field-name warning has a value code', () => {
    assert.deepEqual(diagnostics('ka.user.name = ka.impuser.name').warnings.map((w) => w.code), ['PG_WARN_RULE_VALUE']);
  });
});

describe('a ruleset extracts each field once per event', () => {
  const rules = ['ka.user.name = alice', 'ka.user.name startswith bo', 'ka.user.name icontains ALI', 'ka.user.name icontains OB']
    .map((condition, i) => `- rule: R${i}
  desc: d
  condition: ${condition}
  output: o
  priority: WARNING
  source: k8s_audit
`).join('');

  test('rules sharing a field give each event its own value, in any order of events', () => {
    const ruleset = loadRules([{ path: 'r.yaml', text: rules }]).ruleset!;
    const bob = event({ user: { username: 'Bob' } });
    const names = (ev: AuditEvent) => ruleset.evaluate(ev, { ruleMatching: 'all' }).map((m) => m.rule.name);
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(names(alice), ['R0', 'R2']);
      assert.deepEqual(names(bob), ['R3']);
      assert.deepEqual(names(alice), ['R0', 'R2'], 'the value remembered for bob is not reused for alice');
    }
  });

  test('two events with equal content are still two events', () => {
    const ruleset = loadRules([{ path: 'r.yaml', text: rules }]).ruleset!;
    const [first] = decodeAuditPayload(JSON.stringify({ kind: 'Event', auditID: 'x', stageTimestamp: '2024-01-01T00:00:00Z', user: { username: 'alice' } })).events;
    const [second] = decodeAuditPayload(JSON.stringify({ kind: 'Event', auditID: 'x', stageTimestamp: '2024-01-01T00:00:00Z', user: { username: 'bob' } })).events;
    assert.equal(ruleset.evaluate(first!).length, 1);
    assert.equal(ruleset.evaluate(second!, { ruleMatching: 'all' }).map((m) => m.rule.name).join(), 'R1,R3');
  });
});
