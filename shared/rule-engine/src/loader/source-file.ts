/**
 * Rules files as the loader keeps them: their text, and a way back from any offset to a line, a column and the line's
 * text. Every string the loader builds from a file (conditions after list substitution, appended macros, exception
 * clauses) keeps, per character, an origin: `fileId * FILE_STRIDE + offset`, or -1 when it was made up (a joining
 * space). That is how an error found after expansion still points at the right spot of the right file.
 */
import type { SourcePos } from '../errors.js';

export const FILE_STRIDE = 2 ** 30;
export const NO_ORIGIN = -1;

export class SourceFile {
  readonly #lineStarts: number[] = [0];

  constructor(
    readonly id: number,
    readonly path: string,
    readonly text: string,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.#lineStarts.push(i + 1);
  }

  /** The origin code of an offset of this file. */
  origin(offset: number): number {
    return this.id * FILE_STRIDE + offset;
  }

  position(offset: number): SourcePos {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.#lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#lineStarts[mid]! <= clamped) lo = mid;
      else hi = mid - 1;
    }
    const lineStart = this.#lineStarts[lo]!;
    const next = this.#lineStarts[lo + 1];
    const lineEnd = next === undefined ? this.text.length : next - 1;
    return {
      file: this.path,
      line: lo + 1,
      col: clamped - lineStart + 1,
      lineText: this.text.slice(lineStart, lineEnd).replace(/\r$/, ''),
    };
  }
}

/** All files of one load, so that an origin code can be turned back into a position. */
export class SourceFiles {
  readonly #files: SourceFile[] = [];

  add(path: string, text: string): SourceFile {
    const file = new SourceFile(this.#files.length, path, text);
    this.#files.push(file);
    return file;
  }

  position(origin: number): SourcePos | undefined {
    if (origin < 0) return undefined;
    const file = this.#files[Math.floor(origin / FILE_STRIDE)];
    return file?.position(origin % FILE_STRIDE);
  }
}
