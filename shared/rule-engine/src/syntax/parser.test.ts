/**
 * The condition parser against Falco's grammar (reference 3.1) and strings (3.3): precedence, keywords, operators,
 * values, field arguments, escapes, transformers, modifiers, errors with their offsets, and the recursion cap.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConditionError } from '../errors.js';
import type { Check, Expr, ListValue, StringValue, Transformer } from './ast.js';
import { parseCondition } from './parser.js';
import { printExpr } from './print.js';

/**
 * Replaces every blank outside quoted strings with `blank` (a quoted string ends at the first quote not preceded by
 * a backslash, as the parser reads it).
 */
function swapBlanks(src: string, blank: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && !(src[j] === c && src[j - 1] !== '\\')) j++;
      out += src.slice(i, j + 1);
      i = j;
    } else {
      out += /[ \t\r\n]/.test(c) ? blank : c;
    }
  }
  return out;
}

/** Parses `src`, checks that it parses to the same tree with every blank turned into \n or \t, returns the tree. */
function accept(src: string): Expr {
  const expr = parseCondition(src);
  const printed = printExpr(expr);
  for (const blank of ['\n', '\t', '\r\n', '  ']) {
    const variant = swapBlanks(src, blank);
    assert.equal(printExpr(parseCondition(variant)), printed, `${JSON.stringify(variant)} parses differently`);
  }
  return expr;
}

/** `src` is rejected with a ConditionError whose message contains `fragment` (and at `offset`, when given). */
function reject(src: string, fragment: string, offset?: number): ConditionError {
  let caught: unknown;
  try {
    parseCondition(src);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ConditionError, `${JSON.stringify(src)} should be rejected, got ${String(caught)}`);
  assert.ok(caught.message.includes(fragment), `message '${caught.message}' lacks '${fragment}'`);
  assert.equal(caught.code, 'PG_ERR_RULE_PARSE');
  if (offset !== undefined) assert.equal(caught.offset, offset, `offset of the error in ${JSON.stringify(src)}`);
  return caught;
}

/** Both spellings parse to the same tree. */
function same(a: string, b: string): void {
  assert.equal(printExpr(accept(a)), printExpr(accept(b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

function children(e: Expr): readonly Expr[] {
  assert.ok(e.kind === 'and' || e.kind === 'or', `${e.kind} has no children`);
  return e.children;
}

function check(src: string): Check {
  const e = accept(src);
  assert.equal(e.kind, 'check', `${src} is not a single check`);
  return e as Check;
}

function rightString(src: string): StringValue {
  const r = check(src).right;
  assert.equal(r?.kind, 'string');
  return r as StringValue;
}

function rightList(src: string): string[] {
  const r = check(src).right;
  assert.equal(r?.kind, 'list');
  return (r as ListValue).items.map((i) => i.value);
}

describe('precedence and boolean structure', () => {
  test('or < and < not', () => {
    same('a and b or c', '(a and b) or c');
    same('a or b and c', 'a or (b and c)');
    same('not a and b', '(not a) and b');
    same('not a or b and not c', '(not a) or (b and (not c))');
    assert.equal(printExpr(accept('a and b or c')), '((a and b) or c)');
    assert.equal(printExpr(accept('not a and b')), '(not a and b)');
    assert.notEqual(printExpr(accept('not (a and b)')), printExpr(accept('not a and b')));
  });

  test('repeated not toggles', () => {
    assert.deepEqual(accept('not not x'), { kind: 'macro', name: 'x', pos: 8 });
    same('not not not x', 'not x');
    same('not not not not x', 'x');
    same('not not(a)', 'a');
    assert.equal(printExpr(accept('not(not(a))')), 'not not a');
    same('not (not a)', 'not(not(a))');
  });

  test('and/or are n-ary, parentheses nest', () => {
    const and3 = accept('a and b and c');
    assert.equal(and3.kind, 'and');
    assert.equal(children(and3).length, 3);
    const or4 = accept('a or b or c or d');
    assert.equal(or4.kind, 'or');
    assert.equal(children(or4).length, 4);
    const mixed = accept('a and b or c and d or e');
    assert.equal(mixed.kind, 'or');
    assert.deepEqual(children(mixed).map((c) => c.kind), ['and', 'and', 'macro']);
    const nested = accept('(a and b) and c');
    assert.equal(children(nested).length, 2, 'parenthesised groups stay separate nodes');
    same('((a))', 'a');
  });

  test('not(, and(, or( without a blank', () => {
    same('not(a)', 'not a');
    same('not(a and b)', 'not (a and b)');
    same('a and(b or c)', 'a and (b or c)');
    same('a or(b and c)', 'a or (b and c)');
    same('not(a) and b', '(not a) and b');
    same('ka.verb=get and(ka.verb=list)', 'ka.verb = get and ka.verb = list');
  });

  test('a tail glued with ( ends that operand: `a or(b) and c` is an error, as in Falco', () => {
    reject('a or(b) and c', 'unexpected token', 8);
  });

  test('a blank or ( is required after and/or/not', () => {
    reject('a and"b"', "after 'and'", 5);
    reject('a or"b"', "after 'or'", 4);
    reject('not"a"', "after 'not'", 3);
    reject('a and', "after 'and'", 5);
    reject('a andb', 'unexpected token', 2);
    reject('a orb', 'unexpected token', 2);
  });

  test('keywords are only keywords as whole words: identifiers may start with them', () => {
    for (const name of ['order_macro', 'notable', 'android', 'or1', 'and_x', 'nothing']) {
      assert.deepEqual(accept(name), { kind: 'macro', name, pos: 0 });
    }
    same('notable and android or order_macro', '(notable and android) or order_macro');
    same('not notable', 'not (notable)');
    same('a and order_macro', 'a and (order_macro)');
    assert.equal(check('not.x = 1').left.kind, 'field', '`not.x` is a field name, not `not`');
  });
});

describe('operators', () => {
  test('every operator parses', () => {
    const cases: [string, string][] = [
      ['ka.verb = get', '='], ['ka.verb == get', '=='], ['ka.verb != get', '!='],
      ['ka.verb < 1', '<'], ['ka.verb <= 1', '<='], ['ka.verb > 1', '>'], ['ka.verb >= 1', '>='],
      ['ka.verb contains ge', 'contains'], ['ka.verb icontains GE', 'icontains'], ['ka.verb bcontains 6765', 'bcontains'],
      ['ka.verb startswith g', 'startswith'], ['ka.verb bstartswith 67', 'bstartswith'], ['ka.verb endswith t', 'endswith'],
      ['ka.verb glob g*', 'glob'], ['ka.verb iglob G*', 'iglob'], ['ka.verb regex g.t', 'regex'],
      ['ka.verb in (get)', 'in'], ['ka.verb intersects (get)', 'intersects'], ['ka.uri pmatch (/api)', 'pmatch'],
      ['ka.verb exists', 'exists'],
    ];
    for (const [src, op] of cases) {
      const c = check(src);
      assert.equal(c.op, op, src);
      assert.equal(c.right === undefined, op === 'exists', src);
    }
  });

  test('symbol and list operators need no blanks', () => {
    same('ka.verb=get', 'ka.verb = get');
    same('ka.verb==get', 'ka.verb == get');
    same('ka.verb!=get', 'ka.verb != get');
    same('ka.verb<=5', 'ka.verb <= 5');
    same('ka.verb>5', 'ka.verb > 5');
    same('ka.verb in(a,b)', 'ka.verb in (a, b)');
    same('ka.verb intersects(a)', 'ka.verb intersects (a)');
    same('ka.uri pmatch(/a,/b)', 'ka.uri pmatch (/a, /b)');
    same('ka.verb exists and a', '(ka.verb exists) and a');
    same('(ka.verb exists)', 'ka.verb exists');
  });

  test('word operators need a blank after them', () => {
    reject('ka.verb containsx', 'expected an operator', 8);
    reject('ka.verb contains"x"', 'expected an operator', 8);
    reject('ka.verb startswith/x', 'expected an operator', 8);
    reject('ka.verb globx*', 'expected an operator');
    reject('ka.verb existsx', 'expected an operator');
    assert.equal(check('ka.verb contains\nx').op, 'contains');
  });

  test('`intersects` is not `in` + `tersects`; `in` takes a bare identifier as a one-element list', () => {
    const c = check('ka.user.groups intersects (a, b)');
    assert.equal(c.op, 'intersects');
    assert.deepEqual(rightList('ka.user.groups intersects (a, b)'), ['a', 'b']);
    // Falco's ListValue also accepts an Identifier, so `in` glued to a word is `in` + that word.
    assert.equal(check('ka.verb inx').op, 'in');
    assert.deepEqual(rightList('ka.verb inx'), ['x']);
  });

  test('<, <=, >, >= need a number', () => {
    reject('ka.verb < abc', 'number', 10);
    reject('ka.verb >= "1"', 'number', 11);
    reject('ka.verb <', 'number', 9);
    reject('ka.verb > 10abc', 'unexpected token', 12);
    assert.equal(rightString('ka.verb < 10').value, '10');
    assert.equal(rightString('ka.verb <= 0x1F').value, '0x1F');
    assert.equal(rightString('ka.verb > -5').value, '-5');
    assert.equal(rightString('ka.verb >= +1.5e+3').value, '+1.5e+3');
    assert.equal(check('ka.verb > val(ka.uri)').right?.kind, 'val');
    assert.equal(check('ka.verb > len(ka.uri)').right?.kind, 'transformer');
  });
});

describe('values', () => {
  test('lists: empty, quoted and bare items, blanks around commas', () => {
    assert.deepEqual(rightList('ka.verb in ()'), []);
    assert.deepEqual(rightList('ka.verb in ( )'), []);
    assert.deepEqual(rightList('ka.verb in (a)'), ['a']);
    assert.deepEqual(rightList('ka.verb in ( a ,b , "c d" ,\'e\' )'), ['a', 'b', 'c d', 'e']);
    assert.deepEqual(rightList('ka.verb in (/a/b, x:y, 1.5, -)'), ['/a/b', 'x:y', '1.5', '-']);
    same('ka.verb in (a,b)', 'ka.verb in ( a , b )');
    const items = (check('ka.verb in (a, "b")').right as ListValue).items;
    assert.deepEqual(items.map((i) => i.quoted), [false, true]);
    assert.deepEqual(items.map((i) => i.pos), [12, 15]);
  });

  test('a bare identifier after a list operator is a one-element list', () => {
    assert.deepEqual(rightList('ka.verb in my_values'), ['my_values']);
    assert.deepEqual(rightList('ka.verb pmatch x'), ['x']);
  });

  test('malformed lists are rejected', () => {
    reject('ka.verb in (a,)', 'expected a value', 14);
    reject('ka.verb in (a b)', "expected ',' or ')'", 14);
    reject('ka.verb in (a', "expected ',' or ')'", 13);
    reject('ka.verb in', 'expected a list', 10);
    reject('ka.verb in /a', 'expected a list', 11);
  });

  test('bare strings stop at blanks, =, commas, parentheses and quotes', () => {
    assert.equal(rightString('ka.uri startswith /healthz?').value, '/healthz?');
    assert.equal(rightString('ka.verb = a:b/c.d*').value, 'a:b/c.d*');
    assert.equal(rightString('ka.response.code startswith 2').value, '2');
    reject('ka.verb = a=b', 'unexpected token', 11);
    reject('ka.verb = a,b', 'unexpected token', 11);
    reject('ka.verb = a"b"', 'unexpected token', 11);
    reject('ka.verb = (a)', 'expected a value', 10);
    same('(ka.verb = a)', 'ka.verb = a');
    same('(ka.verb=a)and(ka.uri=b)', 'ka.verb = a and ka.uri = b');
  });

  test('a no-break space does not end a bare string (Falco\'s [:space:] is ASCII)', () => {
    assert.equal(rightString('ka.user.name = a\u00a0b').value, 'a\u00a0b');
    assert.equal(rightString('ka.user.name = a\u2003b').value, 'a\u2003b');
  });

  test('quoted strings and their escapes', () => {
    const cases: [string, string][] = [
      ['"a b"', 'a b'],
      ['"a\\"b"', 'a"b'],
      ['"a\\\\b"', 'a\\b'],
      ['"a\\nb"', 'a\nb'],
      ['"\\t\\r\\b\\f"', '\t\r\b\f'],
      ['"a\\/b"', 'a/b'],
      ['"\\x41\\x7a"', 'Az'],
      ['"a\\ b"', 'a\\b'], // the backslash-space quirk: a lone backslash, the space dropped
      ["'it\\'s'", "it's"],
      ["'a\"b'", 'a"b'],
      ['"it\'s"', "it's"],
      ['""', ''],
      ['"(a, b) = c"', '(a, b) = c'],
    ];
    for (const [lit, value] of cases) {
      const v = rightString(`ka.verb = ${lit}`);
      assert.equal(v.value, value, lit);
      assert.equal(v.quoted, true, lit);
    }
    assert.equal(rightString('ka.verb = get').quoted, false);
  });

  test('invalid escapes and unterminated strings are rejected at the opening quote', () => {
    reject('ka.verb = "\\q"', 'unsupported escape', 10);
    reject('ka.verb = "\\x4"', 'unsupported escape', 10);
    reject('ka.verb = "\\\'"', 'unsupported escape', 10);
    reject("ka.verb = '\\\"'", 'unsupported escape', 10);
    reject('ka.verb = "abc', 'unterminated', 10);
    reject('ka.verb = "abc\\"', 'unterminated', 10);
    reject("x.y = 'a", 'unterminated', 6);
  });

  test('a quote preceded by a backslash never closes the string (libsinsp lex_quoted_str)', () => {
    // Falco: `"a\\"` has no closing quote (the last one follows a backslash), so the condition is rejected.
    reject('ka.verb = "a\\\\"', 'unterminated', 10);
    // With a later unescaped quote the string runs on to it: the value swallows ` and ka.uri = `.
    reject('ka.verb = "a\\\\" and ka.uri = "b"', 'unexpected token');
    assert.equal(rightString('ka.verb = "a\\\\\\\\b"').value, 'a\\\\b');
  });
});

describe('fields', () => {
  test('field arguments: index, path, quoted, with a backslash', () => {
    const arg = (src: string) => {
      const left = check(src).left;
      assert.equal(left.kind, 'field');
      return (left as { arg?: string }).arg;
    };
    assert.equal(arg('ka.req.pod.containers.image[0] in (a)'), '0');
    assert.equal(arg('jevt.value[/requestObject/spec/tls] exists'), '/requestObject/spec/tls');
    assert.equal(arg('ka.uri.param[command] = ls'), 'command');
    assert.equal(arg('ka.req.volume.hostpath[/proc*] = true'), '/proc*');
    assert.equal(arg('jevt.value["/a b"] = 1'), '/a b');
    assert.equal(arg("jevt.value['/a\\'b'] = 1"), "/a'b");
    assert.equal(arg('ka.verb = 1'), undefined);
    // libsinsp's bare field argument excludes only brackets, quotes and blanks: a backslash is allowed.
    assert.equal(arg('ka.uri.param[a\\b] = 1'), 'a\\b');
    assert.equal(printExpr(accept('jevt.value["/a b"] = 1')), 'jevt.value["/a b"] = 1');
  });

  test('malformed field arguments', () => {
    reject('ka.uri.param[a b] = 1', "expected ']'", 14);
    reject('ka.uri.param[] = 1', 'expected an argument', 13);
    reject('ka.uri.param[a = 1', "expected ']'", 14);
    reject('ka.uri.param[a[b] = 1', "expected ']'", 14);
  });

  test('a field must be followed by an operator; a bare identifier is a macro', () => {
    reject('ka.verb', 'expected an operator', 7);
    reject('ka.verb get', 'expected an operator', 8);
    assert.equal(accept('my_macro').kind, 'macro');
    reject('1abc', 'expected', 0);
    reject('ka.', 'unexpected token', 2);
  });
});

describe('transformers and val()', () => {
  test('transformers on the left', () => {
    const t = check('tolower(ka.user.name) = bob').left as Transformer;
    assert.equal(t.kind, 'transformer');
    assert.equal(t.name, 'tolower');
    same('toupper(tolower(ka.user.name)) = BOB', 'toupper( tolower( ka.user.name ) ) = BOB');
    for (const name of ['tolower', 'toupper', 'b64', 'basename', 'len']) {
      assert.equal((check(`${name}(ka.uri) exists`).left as Transformer).name, name);
    }
  });

  test('join and concat take strings and several arguments', () => {
    const join = check('join(",", ka.user.groups) = "a,b"').left as Transformer;
    assert.equal(join.name, 'join');
    assert.equal(join.args.length, 2);
    assert.deepEqual(join.args[0], { kind: 'string', value: ',', quoted: true, pos: 5 });
    const concat = check('concat(ka.verb, "-", ka.target.resource) = get-pods').left as Transformer;
    assert.deepEqual(concat.args.map((a) => a.kind), ['field', 'string', 'field']);
    same('concat(ka.verb,"x")=y', 'concat(ka.verb, "x") = y');
  });

  test('printed transformers parse back to the same tree', () => {
    for (const src of ['concat(ka.verb, "x") = y', 'join(",", ka.user.groups) = "a,b"', 'concat(ka.verb, "a b", 5) = y']) {
      const printed = printExpr(accept(src));
      assert.equal(printExpr(accept(printed)), printed, printed);
    }
  });

  test('transformers and val() on the right', () => {
    const c = check('ka.user.name = val(ka.impuser.name)');
    assert.equal(c.right?.kind, 'val');
    same('ka.user.name=val( ka.impuser.name )', 'ka.user.name = val(ka.impuser.name)');
    assert.equal(check('ka.user.name = tolower(ka.impuser.name)').right?.kind, 'transformer');
    assert.equal(check('ka.user.name in val(ka.user.groups)').right?.kind, 'val');
    assert.equal(check('ka.verb != val(ka.uri.param[verb])').right?.kind, 'val');
  });

  test('malformed transformers and val()', () => {
    reject('ka.user.name = val(bob)', "inside 'val('", 19);
    reject('ka.user.name = val(ka.x', "')'", 23);
    reject('tolower(ka.x = 1', "expected ',' or ')'");
    reject('tolower() = 1', 'expected a field');
  });
});

describe('modifiers', () => {
  test('oneof / anyof / allof before a list', () => {
    const c = check('ka.verb startswith oneof (a, b)');
    assert.equal(c.op, 'startswith');
    assert.equal(c.modifier, 'oneof');
    assert.deepEqual(rightList('ka.verb startswith oneof (a, b)'), ['a', 'b']);
    assert.equal(check('ka.verb = anyof (get, list)').modifier, 'anyof');
    assert.equal(check('ka.verb != allof (a)').modifier, 'allof');
    assert.equal(check('ka.verb regex anyof ("a.*", b)').modifier, 'anyof');
    assert.equal(printExpr(accept('ka.verb contains allof (a,b)')), 'ka.verb contains allof (a, b)');
  });

  test('a modifier word with nothing after it is a plain value', () => {
    const c = check('ka.verb = oneof');
    assert.equal(c.modifier, undefined);
    assert.equal(rightString('ka.verb = oneof').value, 'oneof');
  });

  test('a modifier needs a list', () => {
    reject('ka.verb = anyof "a"', 'expected a list', 16);
  });
});

describe('whole input', () => {
  test('trailing garbage is an error at its offset', () => {
    reject('ka.verb = a b', 'unexpected token', 12);
    reject('a )', 'unexpected token', 2);
    reject('(a))', 'unexpected token', 3);
    reject('(a', "expected ')'", 2);
  });

  test('empty input', () => {
    reject('', 'empty', 0);
    reject('  \n\t ', 'empty', 0);
  });

  test('positions are offsets into the text', () => {
    const e = accept('  a and ka.verb = "x"');
    assert.equal(e.pos, 2);
    const [m, c] = children(e) as readonly [Expr, Check];
    assert.equal(m.pos, 2);
    assert.equal(c.left.pos, 8);
    assert.equal(c.pos, 16);
    assert.equal(c.right?.pos, 18);
  });
});

describe('recursion depth', () => {
  const nested = (n: number) => `${'('.repeat(n)}ka.verb = get${')'.repeat(n)}`;

  test('500 nested parentheses are accepted', () => {
    assert.equal(printExpr(parseCondition(nested(500))), 'ka.verb = get');
  });

  test('2000 nested parentheses are rejected with a depth error, not a stack overflow', () => {
    reject(nested(2000), 'nested deeper');
    reject(nested(200_000), 'nested deeper');
    reject(`${'not('.repeat(5000)}a${')'.repeat(5000)}`, 'nested deeper');
    reject(`${'tolower('.repeat(5000)}ka.verb${')'.repeat(5000)} = a`, 'nested deeper');
    reject(`ka.verb = ${'toupper('.repeat(5000)}ka.verb${')'.repeat(5000)}`, 'nested deeper');
  });

  test('a lower cap can be set', () => {
    assert.throws(() => parseCondition(nested(11), { maxDepth: 10 }), ConditionError);
    assert.doesNotThrow(() => parseCondition(nested(10), { maxDepth: 10 }));
  });
});
