/**
 * substituteLists builds in one pass what Falco's loader builds by rewriting the whole condition at every list
 * occurrence. The step-by-step rewrite is kept here, as the reference (a transcription of Falco's `resolve_list`), and
 * both must give the same text and the same origins for any condition and lists: words made of list names, blanks,
 * commas, parentheses, and lists empty or not, where every quirk of the rewrite shows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ListInfo } from '../loader/collector.js';
import { LocatedText } from '../loader/located-text.js';
import { NO_ORIGIN } from '../loader/source-file.js';
import { type ResolvedList, substituteLists } from './resolve-lists.js';

const BLANKS = ' \t\n\r';
const DELIMS = `${BLANKS}(),=`;

/** The reference: rewrite the whole condition at each occurrence, as Falco does. */
function rewriteStepByStep(condition: LocatedText, lists: readonly ResolvedList[]): LocatedText {
  let cnd = condition;
  for (const list of lists) {
    const name = list.info.name;
    if (name === '') continue;
    let start = cnd.text.indexOf(name);
    while (start >= 0) {
      let end = start + name.length;
      const before = start === 0 || DELIMS.includes(cnd.text[start - 1]!);
      const after = end >= cnd.text.length || DELIMS.includes(cnd.text[end]!);
      if (before && after) {
        const nameOrigin = cnd.originAt(start);
        while (start > 0 && BLANKS.includes(cnd.text[start - 1]!)) start--;
        while (end < cnd.text.length && BLANKS.includes(cnd.text[end]!)) end++;
        const parts: LocatedText[] = [];
        list.items.forEach((item, i) => {
          if (i > 0) parts.push(LocatedText.uniform(', ', nameOrigin));
          parts.push(item);
        });
        const sub = LocatedText.concat(parts);
        if (sub.text === '') {
          if (start > 0 && cnd.text[start - 1] === ',') start--;
          else if (end < cnd.text.length && cnd.text[end] === ',') end++;
        }
        const space = LocatedText.uniform(' ', nameOrigin);
        const head = start > 0 ? [cnd.slice(0, start), space] : [];
        cnd = LocatedText.concat([...head, sub, space, cnd.slice(end)]);
        start += sub.text.length + 1;
      }
      start = cnd.text.indexOf(name, start + 1);
    }
  }
  return cnd;
}

/** Text whose characters have origins 1000, 1001, ... except spaces, which are made up (no origin). */
function located(text: string, base: number): LocatedText {
  return LocatedText.fromParts(text, [...text].map((c, i) => (c === ' ' ? NO_ORIGIN : base + i)));
}

const NAMES = ['l', 'lst', 'ls', 'x'];
const token = fc.oneof(
  fc.constantFrom(...NAMES), fc.constantFrom(' ', '  ', '\t', '\n', ',', '(', ')', '=', 'in', 'a.b', 'lstx', 'xl', '"l"'),
);
const condition = fc.array(token, { maxLength: 25 }).map((ts) => ts.join(''));
const items = fc.array(fc.constantFrom('a', 'b c', '', 'l', 'x', 'v,w'), { maxLength: 4 });
const listsArb = fc.uniqueArray(fc.record({ name: fc.constantFrom(...NAMES, ''), items }), { selector: (l) => l.name, maxLength: 4 });

function toLists(spec: readonly { name: string; items: readonly string[] }[]): ResolvedList[] {
  return spec.map((l, index) => {
    const info: ListInfo = { name: l.name, items: [], index, visibility: index + 1, origin: 0, used: false };
    return { info, items: l.items.map((t, k) => located(t, 5000 + 100 * index + 10 * k)) };
  });
}

test('substituteLists gives the text and origins of the step-by-step rewrite', () => {
  fc.assert(fc.property(condition, listsArb, (text, spec) => {
    const cnd = located(text, 1000);
    const got = substituteLists(cnd, toLists(spec))!;
    const want = rewriteStepByStep(cnd, toLists(spec));
    assert.equal(got.text, want.text);
    assert.deepEqual(got.origins, want.origins);
  }), { seed: 20261124, numRuns: 3000 });
});

test('a list of 2000 items used 200 times is substituted at every occurrence', () => {
  const big = Array.from({ length: 2000 }, (_, i) => `v${i}`);
  const text = Array.from({ length: 200 }, () => 'ka.verb in (big)').join(' or ');
  const out = substituteLists(located(text, 0), toLists([{ name: 'big', items: big }]))!;
  // The quadratic rewrite took seconds on this input; the one-pass one must still substitute every occurrence.
  assert.equal(out.text.split('v1999').length - 1, 200);
  // With a limit below that size, the substitution stops and says so.
  assert.equal(substituteLists(located(text, 0), toLists([{ name: 'big', items: big }]), out.text.length - 1), undefined);
  assert.equal(substituteLists(located(text, 0), toLists([{ name: 'big', items: big }]), out.text.length)?.text, out.text);
});
