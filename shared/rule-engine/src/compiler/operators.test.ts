/**
 * The string operators on single values (reference 3.2): equality, byte-order comparisons, substring tests, glob,
 * regex (RE2, full match, linear time), pmatch, and the byte operators that do not apply to text.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareBytes, pmatchTest, type ScalarOperator, scalarTest } from './operators.js';

function op(operator: ScalarOperator, rhs: string, value: string): boolean {
  return scalarTest(operator, rhs)(value);
}

describe('equality', () => {
  test('= and == are exact, != is their negation', () => {
    for (const o of ['=', '=='] as const) {
      assert.equal(op(o, 'get', 'get'), true);
      assert.equal(op(o, 'get', 'Get'), false);
      assert.equal(op(o, 'get', 'get '), false);
      assert.equal(op(o, '', ''), true);
    }
    assert.equal(op('!=', 'get', 'list'), true);
    assert.equal(op('!=', 'get', 'get'), false);
  });
});

describe('<, <=, >, >= on text are lexicographic (strcmp)', () => {
  test('numbers as text compare as text', () => {
    assert.equal(op('<', '400', '1000'), true, '"1000" < "400"');
    assert.equal(op('>=', '400', '1000'), false);
    assert.equal(op('>=', '400', '404'), true);
    assert.equal(op('>', '400', '5'), true);
    assert.equal(op('<=', '400', '400'), true);
    assert.equal(op('<', '400', '400'), false);
    assert.equal(op('>', 'a', 'ab'), true, 'a prefix sorts first');
    assert.equal(op('<', 'a', 'B'), true, "'B' (0x42) sorts before 'a' (0x61)");
  });

  test('non-ASCII text compares in UTF-8 byte order, not UTF-16 code unit order', () => {
    // U+FFFD is EF BF BD in UTF-8, U+1F600 is F0 9F 98 80: strcmp puts U+FFFD first. In UTF-16 the emoji starts
    // with the surrogate 0xD83D, which is below 0xFFFD.
    assert.equal(op('<', '\u{1F600}', '\uFFFD'), true);
    assert.equal(op('>', '\u{1F600}', '\uFFFD'), false);
    assert.equal(op('>=', '\uE000', '\u{10000}'), true);
    assert.equal(op('<', 'é', 'z'), true, 'z (7A) sorts before é (C3 A9)');
  });

  test('compareBytes agrees with Buffer.compare of the UTF-8 encodings', () => {
    const samples = ['', 'a', 'ab', 'b', 'z', 'é', '\u07FF', '\u0800', '\uD7FF', '\uE000', '\uFFFD', '\uFFFF',
      '\u{10000}', '\u{1F600}', '\u{10FFFF}', 'a\u{1F600}', 'a\uFFFD'];
    for (const a of samples) {
      for (const b of samples) {
        const expected = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
        assert.equal(Math.sign(compareBytes(a, b)), expected, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
    }
  });
});

describe('substring operators', () => {
  test('contains, startswith, endswith', () => {
    assert.equal(op('contains', 'exec', '/api/v1/pods/x/exec?command=ls'), true);
    assert.equal(op('contains', 'EXEC', '/exec'), false);
    assert.equal(op('contains', '', 'x'), true);
    assert.equal(op('startswith', '/api', '/api/v1'), true);
    assert.equal(op('startswith', '/api', '/apis'), true);
    assert.equal(op('startswith', '/api', 'x/api'), false);
    assert.equal(op('endswith', '.sock', '/var/run/docker.sock'), true);
    assert.equal(op('endswith', '.sock', '/var/run/docker.socket'), false);
  });

  test('icontains folds ASCII only, like strcasestr', () => {
    assert.equal(op('icontains', 'ExEc', '/api/EXEC'), true);
    assert.equal(op('icontains', 'exec', '/api/Exec'), true);
    assert.equal(op('icontains', 'ÄB', 'xäb'), false, 'Ä/ä are not folded');
    assert.equal(op('icontains', 'äB', 'xäb'), true);
    assert.equal(op('icontains', 'K', '\u212A'), false, 'the Kelvin sign is not K');
  });
});

describe('glob and iglob', () => {
  test('fnmatch without FNM_PATHNAME: * matches /', () => {
    assert.equal(op('glob', '/api/*', '/api/v1/namespaces/x'), true);
    assert.equal(op('glob', '*.sock', '/var/run/docker.sock'), true);
    assert.equal(op('glob', 'a?c', 'abc'), true);
    assert.equal(op('glob', 'a?c', 'ac'), false);
    assert.equal(op('glob', 'sys*', 'SYSTEM'), false);
    assert.equal(op('iglob', 'sys*', 'SYSTEM'), true);
    assert.equal(op('iglob', '*.YAML', 'x.yaml'), true);
  });
});

describe('regex', () => {
  test('matches the whole value (RE2 ANCHOR_BOTH)', () => {
    assert.equal(op('regex', 'b', 'abc'), false);
    assert.equal(op('regex', 'a.c', 'abc'), true);
    assert.equal(op('regex', '.*b.*', 'abc'), true);
    assert.equal(op('regex', 'ab|abc', 'abc'), true, 'alternatives are tried for a full match');
    assert.equal(op('regex', 'system:.*', 'system:serviceaccount:x'), true);
    assert.equal(op('regex', 'system:.*', 'x-system:y'), false);
    assert.equal(op('regex', 'a.c', 'a\nc'), false, '. does not match a newline');
  });

  test('RE2 syntax', () => {
    assert.equal(op('regex', '\\d{3}', '404'), true);
    assert.equal(op('regex', '(?i)ADMIN', 'admin'), true);
    assert.equal(op('regex', '[[:alpha:]]+', 'abc'), true);
    assert.equal(op('regex', '\\pL+', 'héllo'), true);
    assert.equal(op('regex', '(?P<x>a)b', 'ab'), true);
  });

  test('invalid and non-RE2 patterns are errors', () => {
    assert.throws(() => scalarTest('regex', '('), /invalid regular expression/);
    assert.throws(() => scalarTest('regex', '[a'), /invalid regular expression/);
    assert.throws(() => scalarTest('regex', '(?=a)a'), /invalid regular expression/, 'no lookahead in RE2');
    assert.throws(() => scalarTest('regex', '(a)\\1'), /invalid regular expression/, 'no backreferences in RE2');
  });

  test('a pathological pattern completes (linear-time engine)', () => {
    const evil = scalarTest('regex', '(a+)+$');
    assert.equal(evil(`${'a'.repeat(50_000)}b`), false);
    assert.equal(evil('a'.repeat(50_000)), true);
    assert.equal(scalarTest('regex', '(x+x+)+y')('x'.repeat(50_000)), false);
  });
});

describe('pmatch', () => {
  test('component-wise path prefixes', () => {
    const m = pmatchTest(['/var/run', '/etc/kubernetes/']);
    assert.equal(m('/var/run/docker.sock'), true);
    assert.equal(m('/var/run'), true);
    assert.equal(m('/var/run/'), true);
    assert.equal(m('/var/runner'), false, 'not a component prefix');
    assert.equal(m('/var'), false);
    assert.equal(m('/etc/kubernetes/manifests/x.yaml'), true, 'a trailing slash in the prefix is ignored');
    assert.equal(m('/etc/kubernetesx'), false);
    assert.equal(m('var/run/x'), false, 'relative paths do not match absolute prefixes');
  });

  test('globs inside components', () => {
    const m = pmatchTest(['/opt/*/bin', '/etc/di?', '/srv/[ab]x']);
    assert.equal(m('/opt/app/bin/tool'), true);
    assert.equal(m('/opt/app/lib/bin'), false, '* stays inside one component');
    assert.equal(m('/etc/dir/x'), true);
    assert.equal(m('/etc/d/x'), false);
    assert.equal(m('/srv/bx/1'), true);
    assert.equal(m('/srv/cx/1'), false);
  });

  test('an empty list matches nothing', () => {
    assert.equal(pmatchTest([])('/x'), false);
  });
});

describe('byte operators do not apply to text', () => {
  test('bcontains and bstartswith are errors', () => {
    assert.throws(() => scalarTest('bcontains', '6765'), /byte/);
    assert.throws(() => scalarTest('bstartswith', '67'), /byte/);
  });
});
