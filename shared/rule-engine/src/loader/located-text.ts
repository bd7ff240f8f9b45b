/**
 * A string with the origin of each of its characters (see source-file.ts). Conditions are rewritten as text before
 * they are parsed (lists are substituted, appended macros concatenated, exceptions added), exactly as Falco does;
 * carrying origins through those rewrites keeps diagnostics pointing into the files the user wrote.
 */
import { NO_ORIGIN, type SourceFile } from './source-file.js';

export class LocatedText {
  private constructor(
    readonly text: string,
    readonly origins: readonly number[],
  ) {}

  static made(text: string): LocatedText {
    return new LocatedText(text, new Array<number>(text.length).fill(NO_ORIGIN));
  }

  /** A text and the origin of each of its characters (as many as it has characters; the array is kept, not copied). */
  static fromParts(text: string, origins: readonly number[]): LocatedText {
    if (origins.length !== text.length) throw new Error(`${origins.length} origins for ${text.length} characters`);
    return new LocatedText(text, origins);
  }

  static uniform(text: string, origin: number): LocatedText {
    return new LocatedText(text, new Array<number>(text.length).fill(origin));
  }

  /**
   * A YAML scalar's value, aligned with its source text: characters that match keep their offsets, folded line
   * breaks and indentation are skipped, and anything the alignment cannot follow (escapes in quoted scalars) falls
   * back to the start of the scalar.
   */
  static fromScalar(value: string, file: SourceFile, start: number, end: number): LocatedText {
    const src = file.text;
    const origins = new Array<number>(value.length);
    let j = contentStart(src, start, end);
    let lost = false;
    for (let i = 0; i < value.length; i++) {
      const c = value[i]!;
      if (!lost) {
        while (j < end && src[j] !== c && isSpace(src[j]!)) j++;
        if (j < end && src[j] === c) {
          origins[i] = file.origin(j++);
          continue;
        }
        if (isSpace(c)) {
          // A folded line break: the value has a space where the source has a newline and indentation.
          origins[i] = file.origin(Math.min(j, end));
          continue;
        }
        lost = true;
      }
      origins[i] = file.origin(start);
    }
    return new LocatedText(value, origins);
  }

  static concat(parts: readonly LocatedText[]): LocatedText {
    // Plain loops into a preallocated array: list substitution concatenates whole conditions once per list
    // reference, and flatMap made a long list used fifty times take seconds.
    let length = 0;
    for (const p of parts) length += p.origins.length;
    const origins = new Array<number>(length);
    let at = 0;
    for (const p of parts) {
      const o = p.origins;
      for (let i = 0; i < o.length; i++) origins[at++] = o[i]!;
    }
    return new LocatedText(parts.map((p) => p.text).join(''), origins);
  }

  slice(start: number, end?: number): LocatedText {
    return new LocatedText(this.text.slice(start, end), this.origins.slice(start, end));
  }

  /** The origin of offset `i`, or of the nearest earlier character that has one. */
  originAt(i: number): number {
    for (let k = Math.min(i, this.origins.length - 1); k >= 0; k--) {
      const o = this.origins[k]!;
      if (o !== NO_ORIGIN) return o;
    }
    for (const o of this.origins) if (o !== NO_ORIGIN) return o;
    return NO_ORIGIN;
  }
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\r' || c === '\t';
}

/** Where a scalar's content starts: after an opening quote, or after the header line of a block scalar (`>-`, `|`). */
function contentStart(src: string, start: number, end: number): number {
  const c = src[start];
  if (c === '"' || c === "'") return start + 1;
  if (c === '>' || c === '|') {
    const nl = src.indexOf('\n', start);
    return nl < 0 || nl > end ? start : nl + 1;
  }
  return start;
}
