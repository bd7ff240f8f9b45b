/**
 * Lists are expanded as text before a condition is parsed, exactly like Falco's loader does it, quirks included:
 *
 * 1. Each list's items that name another list defined before it (by visibility) are replaced by that list's items,
 *    one level deep; items with a space are double-quoted.
 * 2. In a condition, every occurrence of a list name delimited by the start/end of the text or one of ` \t\n\r(),=`
 *    is replaced by `item1, item2, ...` with a space on each side (blanks around the name are consumed); when the list
 *    is empty, one adjacent comma is dropped so that `(a, empty)` stays valid. Lists are applied in definition order,
 *    and the substitution ignores quoting (a bare word equal to a list name is replaced anywhere).
 */
import { quoteItem } from '../syntax/escaping.js';
import type { ListInfo } from '../loader/collector.js';
import { LocatedText } from '../loader/located-text.js';

export interface ResolvedList {
  readonly info: ListInfo;
  /** The items after one level of list-in-list expansion, quoted where Falco quotes them. */
  readonly items: readonly LocatedText[];
}

const BLANKS = ' \t\n\r';
const DELIMS = `${BLANKS}(),=`;

/** Step 1 for all lists, in definition order. */
export function resolveListItems(lists: readonly ListInfo[]): ResolvedList[] {
  const byName = new Map(lists.map((l) => [l.name, l]));
  return lists.map((list) => {
    const items: LocatedText[] = [];
    for (const item of list.items) {
      const ref = byName.get(item.text);
      if (ref && ref !== list && ref.index < list.visibility) {
        ref.used = true;
        for (const v of ref.items) items.push(quoted(v));
      } else {
        items.push(quoted(item));
      }
    }
    return { info: list, items };
  });
}

/** Step 2: substitutes every list into a condition; marks the lists it used. */
export function substituteLists(condition: LocatedText, lists: readonly ResolvedList[]): LocatedText {
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
        list.info.used = true;
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

function quoted(item: LocatedText): LocatedText {
  const q = quoteItem(item.text);
  if (q === item.text) return item;
  const o = item.originAt(0);
  return LocatedText.concat([LocatedText.uniform('"', o), item, LocatedText.uniform('"', o)]);
}
