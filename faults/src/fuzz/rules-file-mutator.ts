/**
 * Bad rules files: real ones broken the ways files get broken (tabs, indentation, lines lost or doubled, values of
 * the wrong type, unknown keys, YAML syntax, anchors and aliases, random and invalid bytes, a condition mutated in
 * place, a file cut short), and files built to exhaust the loader (macro and alias bombs, deep nesting, huge lists).
 */
import { mutateCondition } from './condition-mutator.js';
import type { Random } from './random.js';

const WRONG_VALUES = [
  '[a, b]', '{x: 1}', 'null', '~', '123', '-1.5', 'true', '""', "''", '!!binary aGVsbG8=', '&anchor value', '*undefined_alias',
  '|\n  block', '>-\n folded', '[', '{', '"unterminated', "'unterminated", 'a: b: c', '- item', '!!map {}', '!custom x',
  '2001-12-14t21:59:43.10-05:00', '0x1F', '.inf', '.nan', 'yes', 'off', '?', '@at', '`back`', '%percent',
];
const KEYS = [
  'rule', 'macro', 'list', 'condition', 'output', 'desc', 'priority', 'source', 'tags', 'enabled', 'append', 'override',
  'exceptions', 'items', 'required_engine_version', 'required_plugin_versions', 'skip-if-unknown-filter', 'warn_evttypes',
  'unknown_key', 'Rule', 'conditon', 'name', 'fields', 'comps', 'values', '<<', '"quoted key"', '? complex',
  // Keys of the wrong type: collections, numbers, null, a tagged key.
  '[a, b]', '{k: v}', '123', '1.5', 'null', '~', 'true', '!!int 7', '&k rule', '"rule"', "'macro'",
];
const YAML_BREAKERS = [
  '\t', '---\n', '...\n', '%YAML 1.1\n', '%TAG ! tag:x,2000:\n', '? ', ': ', ' #', '[', ']', '{', '}', '"', "'", '|', '>',
  '&a ', '*a', '!!str ', '\r', '\r\n', '\uFEFF', '\u0000', '\uD800', '\u0085', '\u2028', '- ', '  ', ',',
];

/** One to a few mutations of a rules file. */
export function mutateRulesFile(text: string, rnd: Random): string {
  let out = text;
  for (let n = rnd.between(1, 4); n > 0; n--) out = mutateOnce(out, rnd);
  return out;
}

function mutateOnce(text: string, rnd: Random): string {
  const lines = text.split('\n');
  const line = () => rnd.int(lines.length);
  switch (rnd.int(13)) {
    case 0: { // a tab in the indentation, or anywhere
      const i = line();
      lines[i] = rnd.chance(0.6) ? lines[i]!.replace(/^ {1,4}/, '\t') : insertAt(lines[i]!, '\t', rnd);
      return lines.join('\n');
    }
    case 1: { // indentation off by a few spaces
      const i = line();
      lines[i] = rnd.chance(0.5) ? ' '.repeat(rnd.between(1, 3)) + lines[i] : lines[i]!.replace(/^ {1,3}/, '');
      return lines.join('\n');
    }
    case 2: // a line deleted
      lines.splice(line(), 1);
      return lines.join('\n');
    case 3: { // a run of lines doubled or moved
      const i = line();
      const run = lines.slice(i, i + rnd.between(1, 8));
      if (rnd.chance(0.5)) lines.splice(i, run.length);
      lines.splice(line(), 0, ...run);
      return lines.join('\n');
    }
    case 4: { // a value of the wrong type
      const i = findLine(lines, /^(\s*-?\s*[\w-]+:)\s*\S/, rnd);
      if (i < 0) return text;
      lines[i] = lines[i]!.replace(/^(\s*-?\s*[\w-]+:)\s*.*$/, `$1 ${rnd.pick(WRONG_VALUES)}`);
      return lines.join('\n');
    }
    case 5: { // a key renamed, or a key added to an item
      const i = findLine(lines, /^(\s*-?\s*)[\w-]+:/, rnd);
      if (i < 0) return text;
      if (rnd.chance(0.5)) lines[i] = lines[i]!.replace(/^(\s*-?\s*)[\w-]+:/, `$1${rnd.pick(KEYS)}:`);
      else lines.splice(i + 1, 0, `  ${rnd.pick(KEYS)}: ${rnd.pick(WRONG_VALUES)}`);
      return lines.join('\n');
    }
    case 6: // YAML syntax broken at a random spot
      return insertAt(text, rnd.pick(YAML_BREAKERS), rnd);
    case 7: { // an anchor on a value and aliases to it elsewhere
      const i = findLine(lines, /^(\s*-?\s*(?:items|tags|condition|output|exceptions|values):)\s*\S/, rnd);
      if (i < 0) return text;
      lines[i] = lines[i]!.replace(/^(\s*-?\s*[\w-]+:)\s*/, '$1 &fuzzed ');
      const j = findLine(lines, /^(\s*-?\s*(?:items|tags|condition|output|values):)\s*\S/, rnd);
      if (j >= 0 && j !== i) lines[j] = lines[j]!.replace(/^(\s*-?\s*[\w-]+:)\s*.*$/, '$1 *fuzzed');
      return lines.join('\n');
    }
    case 8: { // random bytes: invalid UTF-8 read as UTF-8 (U+FFFD), or Latin-1
      const bytes = rnd.bytes(rnd.between(1, 64));
      return insertAt(text, rnd.chance(0.5) ? bytes.toString('utf8') : bytes.toString('latin1'), rnd);
    }
    case 9: { // a condition mutated in place
      const i = findLine(lines, /^\s*condition:\s*\S/, rnd);
      if (i < 0) return text;
      lines[i] = lines[i]!.replace(/^(\s*condition:\s*)(.*)$/, (_m, key: string, value: string) => {
        let v = value;
        for (let k = rnd.between(1, 3); k > 0; k--) v = mutateCondition(v, rnd);
        return key + v.replace(/\n/g, ' ');
      });
      return lines.join('\n');
    }
    case 10: // cut short
      return text.slice(0, rnd.int(text.length + 1));
    case 11: // line endings changed
      return rnd.chance(0.5) ? text.replace(/\n/g, '\r\n') : text.replace(/\n/g, '\r');
    default: { // a character deleted or replaced
      const i = rnd.int(text.length + 1);
      return text.slice(0, i) + (rnd.chance(0.5) ? '' : rnd.pick(YAML_BREAKERS)) + text.slice(i + 1);
    }
  }
}

function insertAt(text: string, what: string, rnd: Random): string {
  const i = rnd.int(text.length + 1);
  return text.slice(0, i) + what + text.slice(i);
}

/** A random line matching `re`, or -1 (looks at up to 40 random lines, then scans). */
function findLine(lines: readonly string[], re: RegExp, rnd: Random): number {
  for (let k = 0; k < 40; k++) {
    const i = rnd.int(lines.length);
    if (re.test(lines[i]!)) return i;
  }
  return lines.findIndex((l) => re.test(l));
}

const rule = (condition: string, name = 'r', extra = '') =>
  `- rule: ${name}\n  desc: d\n  condition: ${condition}\n  output: "%ka.verb by %ka.user.name"\n  priority: WARNING\n` +
  `  source: k8s_audit\n${extra}`;

/**
 * The pathological files: each a kind of input made to cost the loader memory, time or stack out of proportion to its
 * size. They stay under about 100 KB: what the one-second bound is about is amplification; a large file costs what its
 * size costs (the YAML parser alone needs several microseconds per byte on a loaded machine).
 */
export const PATHOLOGICAL_KINDS = [
  'macro-doubling', 'macro-doubling-many-rules', 'macro-chain', 'yaml-alias-bomb', 'yaml-alias-bomb-items',
  'yaml-merge-bomb', 'yaml-deep-flow', 'yaml-deep-block', 'huge-list', 'list-used-many-times', 'list-of-lists',
  'many-exceptions', 'many-rules', 'long-condition', 'random-bytes', 'many-documents', 'deep-condition',
] as const;
export type PathologicalKind = (typeof PATHOLOGICAL_KINDS)[number];

export function pathologicalFile(kind: PathologicalKind, rnd: Random): string {
  switch (kind) {
    case 'macro-doubling': {
      const levels = rnd.between(12, 40);
      return doubling(levels) + rule(`ka.verb = get and m${levels}`);
    }
    case 'macro-doubling-many-rules': {
      const levels = rnd.between(8, 12);
      return doubling(levels) + Array.from({ length: rnd.between(50, 300) }, (_, i) => rule(`m${levels}`, `r${i}`)).join('');
    }
    case 'macro-chain': {
      const n = rnd.between(800, 2500);
      let text = '- macro: c0\n  condition: ka.verb=a\n';
      for (let i = 1; i <= n; i++) text += `- macro: c${i}\n  condition: not (c${i - 1} and ka.verb=b)\n`;
      return text + rule(`c${n}`);
    }
    case 'yaml-alias-bomb': { // billion laughs: 9 aliases of 9 aliases of ... as a document of its own
      const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < 12; i++) {
        const name = `l${i}`;
        const prev = i === 1 ? 'a' : `l${i - 1}`;
        lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
      }
      return `${lines.join('\n')}\n---\n${rule('ka.verb = get')}`;
    }
    case 'yaml-alias-bomb-items': { // the same, in the items of lists that a condition uses
      let text = '- list: l0\n  items: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
      for (let i = 1; i < 12; i++) text += `- list: l${i}\n  items: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]\n`;
      return text + rule('ka.verb in (l11)');
    }
    case 'yaml-merge-bomb': { // merge keys that multiply
      let text = '- &m0 {rule: r, desc: d, condition: ka.verb=a, output: o, priority: INFO, source: k8s_audit}\n';
      for (let i = 1; i < 15; i++) text += `- &m${i} {<<: [*m${i - 1}, *m${i - 1}], rule: r${i}}\n`;
      return text;
    }
    case 'yaml-deep-flow': {
      const n = rnd.pick([1000, 10_000, 100_000]);
      return `- rule: ${'['.repeat(n)}${rnd.chance(0.5) ? ']'.repeat(n) : ''}\n`;
    }
    case 'yaml-deep-block': {
      const n = rnd.pick([500, 3000]);
      return `${Array.from({ length: n }, (_, i) => `${' '.repeat(i)}- `).join('\n')}x\n`;
    }
    case 'huge-list':
      return `- list: big\n  items: [${Array.from({ length: rnd.pick([2000, 5000]) }, (_, i) => `v${i}`).join(', ')}]\n` +
        rule('ka.verb in (big)');
    case 'list-used-many-times':
      return `- list: big\n  items: [${Array.from({ length: 2000 }, (_, i) => `v${i}`).join(', ')}]\n` +
        rule(Array.from({ length: rnd.between(50, 200) }, () => 'ka.verb in (big)').join(' or '));
    case 'list-of-lists': { // every list made of the previous one (expanded one level at a time)
      let text = '- list: l0\n  items: [a, b, c, d]\n';
      const n = rnd.between(50, 500);
      for (let i = 1; i <= n; i++) text += `- list: l${i}\n  items: [l${i - 1}, l${i - 1}, x${i}]\n`;
      return text + rule(`ka.verb in (l${n})`);
    }
    case 'many-exceptions': {
      const values = Array.from({ length: rnd.pick([1000, 3000]) }, (_, i) => `[u${i}, ns${i}]`).join(', ');
      return rule('ka.verb = create', 'r', `  exceptions:\n  - name: e\n    fields: [ka.user.name, ka.target.namespace]\n    values: [${values}]\n`);
    }
    case 'many-rules':
      return Array.from({ length: rnd.between(200, 500) }, (_, i) => rule(`ka.verb = v${i}`, `rule ${i}`)).join('');
    case 'long-condition':
      return rule(Array.from({ length: rnd.pick([1000, 3000]) }, (_, i) => `ka.user.name = u${i}`).join(' or '));
    case 'random-bytes':
      return rnd.bytes(rnd.between(1, 65_536)).toString(rnd.chance(0.5) ? 'utf8' : 'latin1');
    case 'many-documents':
      return Array.from({ length: rnd.between(100, 500) }, (_, i) => rule(`ka.verb = v${i}`, `r${i}`)).join('---\n');
    default: {
      const n = rnd.pick([999, 1000, 1001, 5000]);
      return rule(`${'('.repeat(n)}ka.verb = get${')'.repeat(n)}`);
    }
  }
}

/** `m0: ka.verb=a`, then `mI: mI-1 or mI-1` (mI expands to 2^I checks). */
function doubling(levels: number): string {
  let text = '- macro: m0\n  condition: ka.verb=a\n';
  for (let i = 1; i <= levels; i++) text += `- macro: m${i}\n  condition: m${i - 1} or m${i - 1}\n`;
  return text;
}
