/**
 * The comparison operators on one string value, built once per check: the right-hand side is prepared here (lowered
 * for `icontains`, compiled for `glob`/`regex`/`pmatch`, made a Set for `in`), and the returned function only compares.
 *
 * `regex` runs on RE2JS, a linear-time engine: a full match of the whole value, as RE2's ANCHOR_BOTH in Falco, and no
 * pattern can make the evaluator backtrack forever.
 */
import { RE2JS } from 're2js';
import type { Operator } from '../syntax/ast.js';
import { asciiLower, compileGlob } from './glob.js';

export type StringTest = (value: string) => boolean;

/** Operators that compare one value with one literal. */
export type ScalarOperator = Exclude<Operator, 'in' | 'intersects' | 'pmatch' | 'exists'>;

let lastText: string | undefined;
let lastLowered = '';

/**
 * `asciiLower`, remembering the last text: the `icontains` checks of an event (an `anyof` list, or several rules)
 * usually test the same value, which is then lowered once. One slot, shared by every check of the thread.
 */
function lowerOnce(text: string): string {
  if (text !== lastText) {
    lastLowered = asciiLower(text);
    lastText = text;
  }
  return lastLowered;
}

/** Builds the test `value OP rhs`; throws an Error with a readable message for an invalid right-hand side. */
export function scalarTest(op: ScalarOperator, rhs: string): StringTest {
  switch (op) {
    case '=':
    case '==':
      return (v) => v === rhs;
    case '!=':
      return (v) => v !== rhs;
    // Falco compares text with strcmp, i.e. in UTF-8 byte order (= code point order); JavaScript's `<` compares UTF-16
    // code units, which puts U+E000..U+FFFF after every astral character ('\uFFFD' > '😀'). compareBytes restores strcmp.
    case '<':
      return (v) => compareBytes(v, rhs) < 0;
    case '<=':
      return (v) => compareBytes(v, rhs) <= 0;
    case '>':
      return (v) => compareBytes(v, rhs) > 0;
    case '>=':
      return (v) => compareBytes(v, rhs) >= 0;
    case 'contains':
      return (v) => v.includes(rhs);
    case 'icontains': {
      const lowered = asciiLower(rhs);
      return (v) => lowerOnce(v).includes(lowered);
    }
    case 'startswith':
      return (v) => v.startsWith(rhs);
    case 'endswith':
      return (v) => v.endsWith(rhs);
    case 'glob':
      return compileGlob(rhs);
    case 'iglob':
      return compileGlob(rhs, true);
    case 'regex':
      return compileRegex(rhs);
    case 'bcontains':
    case 'bstartswith':
      throw new Error(`'${op}' compares bytes and applies only to byte-buffer fields, not to text fields`);
    default: {
      const never: never = op;
      throw new Error(`unknown operator ${String(never)}`);
    }
  }
}

/**
 * strcmp order of the UTF-8 encodings of two strings, without encoding them: at the first differing UTF-16 unit,
 * surrogates (astral code points, 4 UTF-8 bytes starting with 0xF0) must sort after U+E000..U+FFFF.
 */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000; // surrogates above 0xFFFF
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

function compileRegex(pattern: string): StringTest {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    throw new Error(`invalid regular expression '${pattern}': ${(e as Error).message}`);
  }
  return (v) => re.matches(v);
}

/**
 * `pmatch`: does some path of the list prefix the value component by component? `/var/run` matches
 * `/var/run/docker.sock` but not `/var/runner`; list components may be globs (`/opt/*\/bin`).
 */
export function pmatchTest(paths: readonly string[]): StringTest {
  const prefixes = paths.map((p) => components(p).map((c) => (/[*?[]/.test(c) ? compileGlob(c) : (s: string) => s === c)));
  return (v) => {
    const parts = components(v);
    return prefixes.some((prefix) => prefix.length <= parts.length && prefix.every((test, i) => test(parts[i]!)));
  };
}

function components(path: string): string[] {
  const parts = path.split('/');
  while (parts.length > 1 && parts.at(-1) === '') parts.pop();
  return parts;
}
