/**
 * A one-line progress report on a terminal, rewritten in place at most once a second, and erased at the end. Off when
 * stderr is not a terminal (logs and pipes get only the final summary).
 */
export class Progress {
  #last = 0;
  #shown = false;

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly render: () => string,
    private readonly intervalMs = 1000,
  ) {}

  tick(now = Date.now()): void {
    if (!this.stream.isTTY || now - this.#last < this.intervalMs) return;
    if (this.#last === 0) {
      this.#last = now; // nothing on screen for inputs that take less than an interval
      return;
    }
    this.#last = now;
    this.stream.write(`\r\x1b[K${this.render()}`);
    this.#shown = true;
  }

  done(): void {
    if (this.#shown) this.stream.write('\r\x1b[K');
  }
}
