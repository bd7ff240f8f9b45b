/**
 * Bad conditions, made two ways from real ones: mutated (tokens and characters deleted, inserted, swapped; fields,
 * operators and macros replaced by unknown ones; parentheses and quotes unbalanced) and generated (random
 * expressions, deep nesting, huge lists, long strings, random bytes). What comes out is any string: the loader must
 * answer every one with a rule or with diagnostics.
 */
import type { Random } from './random.js';

const FIELDS = [
  'ka.verb', 'ka.user.name', 'ka.target.resource', 'ka.target.namespace', 'ka.target.subresource', 'ka.uri',
  'ka.req.pod.containers.image', 'ka.req.pod.containers.privileged', 'ka.resp.name', 'ka.user.groups',
  'jevt.value[/stage]', 'jevt.value[/objectRef/resource]', 'ka.uri.param[pretty]', 'evt.time', 'ka.auditid',
];
const BAD_FIELDS = ['ka.nope', 'ka.user.nam', 'jevt.value', 'evt.foo', 'ka.verb[x]', 'a.b.c.d', 'ka.', '.verb', 'ka..verb',
  'jevt.value[', 'jevt.value[/a]]', 'ka.uri.param[]', 'proc.name', 'fd.name'];
const OPERATORS = ['=', '!=', '<', '<=', '>', '>=', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith',
  'endswith', 'glob', 'iglob', 'pmatch', 'regex', 'in', 'intersects', 'exists'];
const BAD_OPERATORS = ['==', '===', '=~', 'like', 'containz', 'in in', '<>', '=>', '!', 'ni', 'matches'];
const MODIFIERS = ['oneof', 'anyof', 'allof'];
const KEYWORDS = ['and', 'or', 'not', 'and not', 'or not', 'not not'];
const TRANSFORMERS = ['tolower(', 'toupper(', 'b64(', 'basename(', 'len(', 'join(', 'concat(', 'getopt(', 'val('];
/** The macros and lists of the rules file the conditions are put in (see rules-fuzz-inputs.ts), and unknown ones. */
export const KNOWN_MACROS = ['kevt', 'kcreate', 'pod', 'fuzz_macro'];
export const KNOWN_LISTS = ['sensitive_names', 'k8s_audit_stages', 'empty_list'];
const UNKNOWN_NAMES = ['nosuchmacro', 'kevtt', 'Kevt', 'k8s_audit_stage', 'x', '_', 'a1'];
const VALUES = ['get', 'create', '"quoted value"', "'single'", '"esc\\"aped"', '"bad\\q escape"', '"\\x41\\x"', '123', '-1',
  '0x1F', '1e10', '1.5.5', '(a, b, c)', '()', '(a,)', '(,)', '(a b)', '"/api/*"', '"[a-"', '"(?<n>x)"', 'true', '"é漢字"',
  '"\\"', '""', "''", '"', "'", '\\', '*', 'a=b', 'NaN', 'Infinity', '"\u0000"'];
const PUNCTUATION = ['(', ')', ',', '"', "'", '\\', '[', ']', '=', '(', ')', '%', '$', '{', '}', '\n', '\t', '\r', '#'];
const STRANGE_CHARS = ['\u0000', '\uD800', '\uDFFF', '\uFFFE', '\uFEFF', '\u00A0', '\u2028', '\u202E', '😀', '\u0085', '\x7F',
  '\b', '\f', '\v', '漢', 'é', '\u0301', '\\', '"', "'", '(', ')', ' ', '\t', '\n', ':', '#', '&', '*', '|', '>', '-', '!'];

const VOCABULARY = [
  ...FIELDS, ...BAD_FIELDS, ...OPERATORS, ...BAD_OPERATORS, ...MODIFIERS, ...KEYWORDS, ...TRANSFORMERS,
  ...KNOWN_MACROS, ...KNOWN_LISTS, ...UNKNOWN_NAMES, ...VALUES, ...PUNCTUATION,
];

/** Splits a condition into tokens: words, quoted strings, and single punctuation characters, blanks kept apart. */
export function tokenize(condition: string): string[] {
  return condition.match(/"(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?|\s+|[()\[\],=!<>]+|[^\s()\[\],=!<>"']+|./gsu) ?? [];
}

/** One mutation of a condition (applied one to a few times). */
export function mutateCondition(condition: string, rnd: Random): string {
  const tokens = tokenize(condition);
  const at = () => rnd.int(tokens.length + 1);
  const op = rnd.int(14);
  switch (op) {
    case 0: // delete a token
      if (tokens.length > 0) tokens.splice(rnd.int(tokens.length), 1);
      return tokens.join('');
    case 1: // insert a token from the vocabulary, with or without blanks around it
      tokens.splice(at(), 0, rnd.chance(0.7) ? ` ${rnd.pick(VOCABULARY)} ` : rnd.pick(VOCABULARY));
      return tokens.join('');
    case 2: { // swap two tokens
      if (tokens.length < 2) return condition;
      const i = rnd.int(tokens.length);
      const j = rnd.int(tokens.length);
      [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!];
      return tokens.join('');
    }
    case 3: { // duplicate a run of tokens
      if (tokens.length === 0) return condition;
      const i = rnd.int(tokens.length);
      const run = tokens.slice(i, i + rnd.between(1, 6));
      tokens.splice(at(), 0, ...run);
      return tokens.join('');
    }
    case 4: { // delete a character
      if (condition.length === 0) return condition;
      const i = rnd.int(condition.length);
      return condition.slice(0, i) + condition.slice(i + 1);
    }
    case 5: { // insert a strange character
      const i = rnd.int(condition.length + 1);
      return condition.slice(0, i) + rnd.pick(STRANGE_CHARS) + condition.slice(i);
    }
    case 6: { // replace a character
      if (condition.length === 0) return rnd.pick(STRANGE_CHARS);
      const i = rnd.int(condition.length);
      return condition.slice(0, i) + rnd.pick(STRANGE_CHARS) + condition.slice(i + 1);
    }
    case 7: { // unbalance: drop a closing parenthesis or quote, or add an opening one
      const closers = [...condition.matchAll(/[)"']/g)].map((m) => m.index!);
      if (closers.length > 0 && rnd.chance(0.6)) {
        const i = rnd.pick(closers);
        return condition.slice(0, i) + condition.slice(i + 1);
      }
      const i = rnd.int(condition.length + 1);
      return condition.slice(0, i) + rnd.pick(['(', '"', "'", '((', ')']) + condition.slice(i);
    }
    case 8: // a field replaced by an unknown or malformed one
      return replaceOne(condition, /\b(?:ka|jevt|json|evt)\.[\w.]+(?:\[[^\]]*\])?/g, () => rnd.pick(BAD_FIELDS), rnd);
    case 9: // an operator replaced by another, or a bad one
      return replaceOne(condition, /\s(?:=|!=|<=?|>=?|contains|icontains|startswith|endswith|in|intersects|pmatch|glob|exists)\s/g,
        () => ` ${rnd.pick([...OPERATORS, ...BAD_OPERATORS, ...MODIFIERS])} `, rnd);
    case 10: // a macro or list name replaced by an unknown one
      return replaceOne(condition, /\b[a-z][a-z0-9_]*[a-z0-9]\b(?![.\[])/g, () => rnd.pick(UNKNOWN_NAMES), rnd);
    case 11: // wrapped in parentheses, or negated
      return rnd.chance(0.5) ? `(${condition})` : `not ${condition}`;
    case 12: // cut short
      return condition.slice(0, rnd.int(condition.length + 1));
    default: // glued to another condition with a keyword
      return `${condition} ${rnd.pick(['and', 'or', 'and not', ''])} ${randomExpression(rnd, 2)}`;
  }
}

function replaceOne(text: string, re: RegExp, by: () => string, rnd: Random): string {
  const matches = [...text.matchAll(re)];
  if (matches.length === 0) return text;
  const m = rnd.pick(matches);
  return text.slice(0, m.index) + by() + text.slice(m.index! + m[0].length);
}

/** A random expression of the grammar (and some things near it), `depth` levels at most. */
export function randomExpression(rnd: Random, depth: number): string {
  if (depth <= 0 || rnd.chance(0.35)) return randomCheck(rnd);
  switch (rnd.int(5)) {
    case 0:
      return `${randomExpression(rnd, depth - 1)} and ${randomExpression(rnd, depth - 1)}`;
    case 1:
      return `${randomExpression(rnd, depth - 1)} or ${randomExpression(rnd, depth - 1)}`;
    case 2:
      return `not ${randomExpression(rnd, depth - 1)}`;
    case 3:
      return `(${randomExpression(rnd, depth - 1)})`;
    default:
      return rnd.pick([...KNOWN_MACROS, ...UNKNOWN_NAMES]);
  }
}

function randomCheck(rnd: Random): string {
  const field = rnd.chance(0.85) ? rnd.pick(FIELDS) : rnd.pick(BAD_FIELDS);
  const left = rnd.chance(0.1) ? `${rnd.pick(TRANSFORMERS)}${field})` : field;
  const op = rnd.chance(0.9) ? rnd.pick(OPERATORS) : rnd.pick(BAD_OPERATORS);
  if (op === 'exists') return `${left} exists`;
  if (['in', 'intersects', 'pmatch'].includes(op)) {
    return `${left} ${op} ${rnd.chance(0.7) ? `(${Array.from({ length: rnd.int(5) }, () => rnd.pick(VALUES)).join(', ')})` : rnd.pick(KNOWN_LISTS)}`;
  }
  if (rnd.chance(0.1)) return `${left} ${op} ${rnd.pick(MODIFIERS)} (${rnd.pick(VALUES)}, ${rnd.pick(VALUES)})`;
  if (rnd.chance(0.05)) return `${left} ${op} val(${rnd.pick(FIELDS)})`;
  return `${left} ${op} ${rnd.pick(VALUES)}`;
}

/**
 * A condition made to stress the loader's limits rather than its grammar: nesting near and past the parser's cap,
 * huge lists, long strings, long chains of `and`, random bytes. At most about 100 KB: the one-second bound is about
 * amplification, and a large input costs what its size costs.
 */
export function extremeCondition(rnd: Random): string {
  const check = randomCheck(rnd);
  switch (rnd.int(9)) {
    case 0: { // parentheses, balanced or not, around the cap of 1000
      const open = rnd.pick([10, 500, 999, 1000, 1001, 5000, 50_000]);
      const close = rnd.chance(0.8) ? open : rnd.int(open * 2);
      return '('.repeat(open) + check + ')'.repeat(close);
    }
    case 1: { // the shape that recurses most per parenthesis
      const n = rnd.pick([100, 333, 334, 500, 900, 2000]);
      return `${'ka.verb=x or ka.verb=a and not ('.repeat(n)}${check}${')'.repeat(n)}`;
    }
    case 2: // `not` repeated
      return `${'not '.repeat(rnd.pick([1, 1000, 20_000]))}${check}`;
    case 3: // nested transformers and val()
      return `${'tolower('.repeat(rnd.pick([10, 999, 1001, 3000]))}ka.user.name${')'.repeat(rnd.pick([10, 999, 1001, 3000]))} = x`;
    case 4: { // a huge literal list
      const n = rnd.pick([1000, 10_000]);
      return `ka.verb in (${Array.from({ length: n }, (_, i) => `v${i}`).join(', ')})`;
    }
    case 5: // a long string
      return `ka.user.name = "${'x'.repeat(rnd.pick([10_000, 100_000]))}"`;
    case 6: // a long flat chain
      return Array.from({ length: rnd.pick([300, 2000]) }, () => randomCheck(rnd)).join(rnd.pick([' and ', ' or ']));
    case 7: // random bytes, read as UTF-8 (invalid sequences become U+FFFD) or as Latin-1
      return rnd.chance(0.5) ? rnd.bytes(rnd.between(1, 2000)).toString('utf8') : rnd.bytes(rnd.between(1, 2000)).toString('latin1');
    default: // random unicode, lone surrogates included
      return Array.from({ length: rnd.between(1, 300) }, () => String.fromCharCode(rnd.int(0x10000))).join('');
  }
}
