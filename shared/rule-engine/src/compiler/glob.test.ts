/**
 * `glob`/`iglob`: POSIX fnmatch without FNM_PATHNAME (reference 3.2), with FNM_CASEFOLD for iglob.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { asciiLower, compileGlob } from './glob.js';

function glob(pattern: string, value: string, caseInsensitive = false): boolean {
  return compileGlob(pattern, caseInsensitive)(value);
}

describe('wildcards', () => {
  test('* matches any run of characters, including / and nothing', () => {
    assert.equal(glob('*', ''), true);
    assert.equal(glob('*', 'a/b/c'), true);
    assert.equal(glob('/api/*', '/api/v1/pods'), true);
    assert.equal(glob('/api/*/pods', '/api/v1/namespaces/x/pods'), true);
    assert.equal(glob('*a*b*c*', 'xaxbxcx'), true);
    assert.equal(glob('*a*b*c*', 'xcxbxax'), false);
    assert.equal(glob('a**b', 'ab'), true);
    assert.equal(glob('*.sock', '/var/run/docker.sock.bak'), false, 'the whole value must match');
    assert.equal(glob('', ''), true);
    assert.equal(glob('', 'x'), false);
  });

  test('a leading dot is not special (no FNM_PERIOD)', () => {
    assert.equal(glob('*', '.hidden'), true);
    assert.equal(glob('/x/*', '/x/.y'), true);
  });

  test('? matches exactly one character, / included', () => {
    assert.equal(glob('a?c', 'abc'), true);
    assert.equal(glob('a?c', 'a/c'), true);
    assert.equal(glob('a?c', 'ac'), false);
    assert.equal(glob('a?c', 'abbc'), false);
    assert.equal(glob('???', 'abc'), true);
  });

  test('backtracking over several stars', () => {
    assert.equal(glob('*ab*ab', 'aababab'), true);
    assert.equal(glob('*aab', 'aaaaab'), true);
    assert.equal(glob(`${'*a'.repeat(30)}b`, 'a'.repeat(5_000)), false);
  });
});

describe('bracket expressions', () => {
  test('sets and ranges', () => {
    assert.equal(glob('[abc]x', 'bx'), true);
    assert.equal(glob('[abc]x', 'dx'), false);
    assert.equal(glob('[a-c]x', 'bx'), true);
    assert.equal(glob('[a-c0-9]', '7'), true);
    assert.equal(glob('[a-c0-9]', 'z'), false);
    assert.equal(glob('v[0-9][0-9]', 'v12'), true);
  });

  test('negation with ! and ^', () => {
    assert.equal(glob('[!a-c]x', 'bx'), false);
    assert.equal(glob('[!a-c]x', 'dx'), true);
    assert.equal(glob('[^a-c]x', 'dx'), true);
    assert.equal(glob('[^a-c]x', 'ax'), false);
  });

  test('] first is a member, - first or last is a member', () => {
    assert.equal(glob('[]]', ']'), true);
    assert.equal(glob('[]]', 'a'), false);
    assert.equal(glob('[!]]', 'a'), true);
    assert.equal(glob('[a-]', '-'), true);
    assert.equal(glob('[-a]', '-'), true);
    assert.equal(glob('[a-]', 'b'), false);
  });

  test('named classes [:digit:] and friends (fnmatch supports them)', () => {
    assert.equal(glob('[[:digit:]]x', '5x'), true);
    assert.equal(glob('[[:digit:]]x', 'dx'), false);
    assert.equal(glob('[[:digit:]]', ']'), false);
    assert.equal(glob('v[[:digit:]][[:digit:]]', 'v12'), true);
    assert.equal(glob('[[:alpha:]_]*', '_x'), true);
    assert.equal(glob('[[:alpha:]_]*', '1x'), false);
    assert.equal(glob('[![:space:]]', ' '), false);
    assert.equal(glob('[![:space:]]', 'a'), true);
    assert.equal(glob('[[:upper:][:digit:]]', 'Q'), true);
    assert.equal(glob('[[:xdigit:]]', 'f'), true);
    assert.equal(glob('[[:xdigit:]]', 'g'), false);
  });

  test('an unclosed [ is a literal', () => {
    assert.equal(glob('a[b', 'a[b'), true);
    assert.equal(glob('a[b', 'ab'), false);
    assert.equal(glob('[', '['), true);
    assert.equal(glob('[!', '[!'), true);
  });
});

describe('escapes', () => {
  test('a backslash quotes the next character', () => {
    assert.equal(glob('\\*', '*'), true);
    assert.equal(glob('\\*', 'a'), false);
    assert.equal(glob('a\\?c', 'a?c'), true);
    assert.equal(glob('a\\?c', 'abc'), false);
    assert.equal(glob('\\[a]', '[a]'), true);
    assert.equal(glob('\\a', 'a'), true);
    assert.equal(glob('[\\]]', ']'), true);
  });
});

describe('iglob', () => {
  test('ASCII case folding of pattern, value and ranges', () => {
    assert.equal(glob('SYS*', 'system:x', true), true);
    assert.equal(glob('sys*', 'SYSTEM:x', true), true);
    assert.equal(glob('[A-C]x', 'bX', true), true);
    assert.equal(glob('[a-c]x', 'BX', true), true);
    assert.equal(glob('[!A]', 'a', true), false);
    assert.equal(glob('É*', 'éa', true), false, 'non-ASCII letters are not folded');
    assert.equal(glob('SYS*', 'system:x'), false, 'glob is case-sensitive');
  });

  test('asciiLower leaves non-ASCII alone', () => {
    assert.equal(asciiLower('ABC-Éx'), 'abc-Éx');
  });
});
