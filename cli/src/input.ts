/**
 * Audit input for `replay`: JSON lines from files, directories (their files, sorted by name), gzip files (by their
 * magic bytes, whatever the name) or `-` for standard input, yielded line by line with where each came from.
 * Lines are streamed, never the whole input held in memory; a line may be as long as an event is.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

export interface InputLine {
  readonly source: string;
  /** 1-based line number within the source. */
  readonly lineNo: number;
  readonly text: string;
}

/** Expands paths into the files to read, in order; directories give their regular files sorted by name. */
export async function listInputs(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(p);
      continue;
    }
    const s = await stat(p);
    if (s.isDirectory()) {
      const names = (await readdir(p, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name).sort();
      out.push(...names.map((n) => join(p, n)));
    } else {
      out.push(p);
    }
  }
  return out;
}

/** Counts bytes read from the underlying files (compressed size for .gz), for the progress line. */
export class ByteCounter {
  #done = 0;
  #current: { bytesRead: number } | undefined;

  get bytes(): number {
    return this.#done + (this.#current?.bytesRead ?? 0);
  }

  /** Starts counting a new file; the previous one's bytes are kept. */
  follow(stream: { bytesRead: number }): void {
    this.#done = this.bytes;
    this.#current = stream;
  }

  add(n: number): void {
    this.#done += n;
  }
}

export async function* readLines(source: string, stdin: NodeJS.ReadableStream, counter: ByteCounter): AsyncGenerator<InputLine> {
  let stream: NodeJS.ReadableStream;
  if (source === '-') {
    stream = stdin;
  } else {
    // Checked before the stream opens: a stream must not start flowing before readline listens to it.
    const gzip = await isGzip(source);
    const raw = createReadStream(source);
    counter.follow(raw);
    stream = gzip ? raw.pipe(createGunzip()) : raw;
  }
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  const name = source === '-' ? '<stdin>' : source;
  for await (const text of rl) {
    lineNo++;
    if (source === '-') counter.add(text.length + 1);
    yield { source: name, lineNo, text };
  }
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}
