/**
 * How deep a rules file nests, checked before its YAML is composed into nodes. The `yaml` package's composer recurses
 * once per level and runs out of stack somewhere between 500 and 1000 levels (`- - - - ...`, `[[[[...`), and running
 * out of stack there is not always an exception one can catch: V8 may abort the whole process when it compiles a
 * regular expression with the stack nearly full (seen with 20,000 `- `). Its tokenizer (the CST parser) does not
 * recurse, so the reader tokenizes, measures the depth of the tokens here, and composes only what is shallow enough.
 *
 * The tokenizer is slow on very deep input (about 25 us per level), so a cheap count of unclosed brackets and of
 * compact indicators on a line rejects the grossly nested first; it may count brackets inside strings or comments,
 * hence its much higher threshold, which no real file comes near.
 */
import type { CST } from 'yaml';

/** Levels a rules file may nest: real ones use about six; the composer fails between 500 and 1000. */
export const MAX_YAML_DEPTH = 200;
/** Unclosed `[` and `{` at which a text is refused without being tokenized. */
export const MAX_YAML_BRACKETS = 10 * MAX_YAML_DEPTH;

/**
 * The offset where more than `max` `[`/`{` are unclosed, or where one line opens more than `max` block levels with
 * compact indicators (`- - - x`); -1 when neither happens.
 */
export function bracketDepthExceeded(text: string, max: number = MAX_YAML_BRACKETS): number {
  let open = 0;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (lineStart) {
      lineStart = false;
      let compact = 0;
      let j = i;
      while (j < text.length && text.charCodeAt(j) === 0x20) j++;
      while (j + 1 < text.length && isIndicator(text.charCodeAt(j)) && isBlank(text.charCodeAt(j + 1))) {
        if (++compact > max) return j;
        j += 2;
        while (j < text.length && isBlank(text.charCodeAt(j))) j++;
      }
    }
    if (c === 0x0a) {
      lineStart = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++open > max) return i;
    } else if ((c === 0x5d || c === 0x7d) && open > 0) {
      open--;
    }
  }
  return -1;
}

/** `-`, `?` or `:`: each opens a block level when a blank follows it at the start of a line's content. */
function isIndicator(c: number): boolean {
  return c === 0x2d || c === 0x3f || c === 0x3a;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** The offset of a token nested more than `max` levels deep in `token` (a document), or -1. Iterative. */
export function tokenDepthExceeded(token: CST.Token, max: number = MAX_YAML_DEPTH): number {
  const pending: { token: CST.Token | null | undefined; depth: number }[] = [{ token, depth: 0 }];
  while (pending.length > 0) {
    const { token: t, depth } = pending.pop()!;
    if (!t) continue;
    if (depth > max) return t.offset;
    switch (t.type) {
      case 'document':
        pending.push({ token: t.value, depth: depth + 1 });
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection':
        for (const item of t.items) {
          pending.push({ token: item.key, depth: depth + 1 }, { token: item.value, depth: depth + 1 });
        }
        break;
      default:
        break;
    }
  }
  return -1;
}
