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
import { NO_ORIGIN } from '../loader/source-file.js';

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

/**
 * Step 2: substitutes every list into a condition; marks the lists it used. Undefined when the condition would grow
 * longer than `maxLength` (a long list used many times: the work is stopped there, not done and then refused).
 */
export function substituteLists(
  condition: LocatedText, lists: readonly ResolvedList[], maxLength = Number.POSITIVE_INFINITY,
): LocatedText | undefined {
  let cnd: LocatedText | undefined = condition;
  for (const list of lists) {
    if (list.info.name !== '' && cnd.text.includes(list.info.name)) cnd = substituteList(cnd, list, maxLength);
    if (cnd === undefined) return undefined;
  }
  return cnd.text.length > maxLength ? undefined : cnd;
}

/**
 * One list, in one pass over the condition. Falco rewrites the whole condition at every occurrence (and so did we:
 * a list of 2000 items used 50 times took seconds); this builds the same result once. What the step-by-step rewrite
 * does, and how it is followed here:
 *
 *   - it only ever finds occurrences in the part it has not rewritten yet (`src` from `pos` on), so the output so far
 *     (`out`) is final except for its end: the blanks before an occurrence are consumed even when they are the space
 *     it put after the previous substitution, and so is a comma when the list is empty;
 *   - after a substitution at the very start of the condition it resumes one character late (its quirk, kept).
 */
function substituteList(cnd: LocatedText, list: ResolvedList, maxLength: number): LocatedText | undefined {
  const name = list.info.name;
  const src = cnd.text;
  const n = src.length;
  const out = new Builder();
  let pos = 0;
  let at = src.indexOf(name);
  while (at >= 0) {
    let end = at + name.length;
    const charBefore = at > pos ? src[at - 1]! : out.last();
    const before = charBefore === undefined || DELIMS.includes(charBefore);
    const after = end >= n || DELIMS.includes(src[end]!);
    if (!(before && after)) {
      at = src.indexOf(name, at + 1);
      continue;
    }
    list.info.used = true;
    const nameOrigin = originBefore(cnd, at, pos, out);
    let start = at;
    while (start > pos && BLANKS.includes(src[start - 1]!)) start--;
    if (start === pos) out.trimBlanks();
    while (end < n && BLANKS.includes(src[end]!)) end++;
    if (list.items.length === 0 || (list.items.length === 1 && list.items[0]!.text === '')) {
      if (start > pos) {
        if (src[start - 1] === ',') start--;
        else if (end < n && src[end] === ',') end++;
      } else if (out.last() === ',') out.trim(1);
      else if (end < n && src[end] === ',') end++;
    }
    out.copy(cnd, pos, start);
    const atStart = out.length === 0;
    if (!atStart) out.add(' ', nameOrigin);
    list.items.forEach((item, i) => {
      if (i > 0) out.add(', ', nameOrigin);
      out.copy(item, 0, item.text.length);
    });
    out.add(' ', nameOrigin);
    if (out.length + (n - end) > maxLength) return undefined;
    pos = end;
    at = src.indexOf(name, atStart ? end + 1 : end);
  }
  out.copy(cnd, pos, n);
  return out.build();
}

/** LocatedText.originAt(at) of the condition as the step-by-step rewrite would have it: `out`, then src from `pos`. */
function originBefore(cnd: LocatedText, at: number, pos: number, out: Builder): number {
  for (let k = at; k >= pos; k--) if (cnd.origins[k] !== NO_ORIGIN) return cnd.origins[k]!;
  const o = out.lastOrigin();
  if (o !== NO_ORIGIN) return o;
  for (let k = pos; k < cnd.origins.length; k++) if (cnd.origins[k] !== NO_ORIGIN) return cnd.origins[k]!;
  return NO_ORIGIN;
}

/** A LocatedText being built: appended to, and trimmed at its end (text kept in pieces, joined once). */
class Builder {
  readonly #pieces: string[] = [];
  readonly #origins: number[] = [];

  get length(): number {
    return this.#origins.length;
  }

  last(): string | undefined {
    const piece = this.#pieces[this.#pieces.length - 1];
    return piece === undefined ? undefined : piece[piece.length - 1];
  }

  /** The origin of the last character that has one (NO_ORIGIN when none has). */
  lastOrigin(): number {
    for (let k = this.#origins.length - 1; k >= 0; k--) if (this.#origins[k] !== NO_ORIGIN) return this.#origins[k]!;
    return NO_ORIGIN;
  }

  add(text: string, origin: number): void {
    this.#pieces.push(text);
    for (let i = 0; i < text.length; i++) this.#origins.push(origin);
  }

  copy(from: LocatedText, start: number, end: number): void {
    if (end <= start) return;
    this.#pieces.push(start === 0 && end === from.text.length ? from.text : from.text.slice(start, end));
    const o = from.origins;
    for (let i = start; i < end; i++) this.#origins.push(o[i]!);
  }

  trimBlanks(): void {
    let count = 0;
    for (;;) {
      const c = this.#charFromEnd(count);
      if (c === undefined || !BLANKS.includes(c)) break;
      count++;
    }
    this.trim(count);
  }

  trim(count: number): void {
    this.#origins.length -= Math.min(count, this.#origins.length);
    let left = count;
    while (left > 0 && this.#pieces.length > 0) {
      const last = this.#pieces.pop()!;
      if (last.length > left) {
        this.#pieces.push(last.slice(0, last.length - left));
        break;
      }
      left -= last.length;
    }
  }

  build(): LocatedText {
    return LocatedText.fromParts(this.#pieces.join(''), this.#origins);
  }

  /** The character `k` places before the end (0: the last one). */
  #charFromEnd(k: number): string | undefined {
    for (let p = this.#pieces.length - 1; p >= 0; p--) {
      const piece = this.#pieces[p]!;
      if (k < piece.length) return piece[piece.length - 1 - k];
      k -= piece.length;
    }
    return undefined;
  }
}

function quoted(item: LocatedText): LocatedText {
  const q = quoteItem(item.text);
  if (q === item.text) return item;
  const o = item.originAt(0);
  return LocatedText.concat([LocatedText.uniform('"', o), item, LocatedText.uniform('"', o)]);
}
