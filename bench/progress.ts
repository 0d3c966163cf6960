// The benchmark's progress: a bar redrawn in place on a terminal, plain lines otherwise (a log,
// CI), nothing when asked to be quiet. It writes to standard error, so standard output carries
// only the results (the tables, or --json).

/** How far the run is: `step()` after each measured run of one implementation. */
export class Progress {
  readonly #out: NodeJS.WriteStream;
  readonly #bar: boolean;
  readonly #quiet: boolean;
  #done = 0;
  #total = 0;
  #drawn = false;

  constructor(out: NodeJS.WriteStream, { quiet = false } = {}) {
    this.#out = out;
    this.#bar = out.isTTY === true;
    this.#quiet = quiet && !this.#bar;
  }

  /** Adds `n` runs to the total the bar counts towards. */
  plan(n: number): void {
    this.#total += n;
  }

  /** One run done: `what` names it (case, repetition, implementation). */
  step(what: string): void {
    this.#done++;
    if (this.#quiet) return;
    if (!this.#bar) {
      this.#out.write(`  [${this.#done}/${this.#total}] ${what}\n`);
      return;
    }
    const width = 30;
    const filled = Math.round((this.#done / Math.max(this.#total, 1)) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const line = `${bar} ${this.#done}/${this.#total} ${what}`;
    const columns = this.#out.columns ?? 80;
    this.#out.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
    this.#drawn = true;
  }

  /** Clears the bar before other output; it is drawn again on the next step. */
  clear(): void {
    if (this.#drawn) this.#out.write('\r\x1b[2K');
    this.#drawn = false;
  }
}
