/**
 * `lineBatches`: text lines, every line already received in one step.
 *
 * @module
 */
import type { Connection } from '../core/index.js';
import { giveBack } from './internal/bytes.js';
import { checkFrameTimeout } from './internal/deadline.js';
import { BatchIterator } from './internal/batch-iterator.js';
import { DONE } from './internal/step-iterator.js';
import { checkConnection, checkOptions, checkSignal, checkSize } from './internal/validate.js';
import { lines, lineTooLong, type LinesOptions } from './lines.js';
import { DEFAULT_MAX_BATCH } from './message-batches.js';
import { DEFAULT_MAX_FRAME_BYTES } from './read-until.js';

/**
 * Options of {@link lineBatches}: those of {@link lines}, and the batch's bound.
 *
 * @example
 * ```ts
 * const opts: LineBatchesOptions = { maxLineLength: 1024, maxBatch: 256 };
 * ```
 */
export interface LineBatchesOptions extends LinesOptions {
  /** The most lines one batch holds. @defaultValue `1024` */
  maxBatch?: number;
}

/**
 * Iterates the lines of the stream in batches: each step yields every line already received
 * whole (at least one, at most `maxBatch`), in order, or waits for the next one when none is.
 * The same lines as {@link lines} (without `\n` or `\r\n`, UTF-8 decoded, invalid bytes as
 * U+FFFD, a last line without a newline at EOF) with the same limits and guarantees, for a
 * fraction of its cost per line when they arrive packed: a promise per batch instead of per
 * line, and the lines of a received chunk decoded together. Bytes after the last whole line
 * are given back before the batch is yielded, so the loop body may receive from the
 * connection itself and mix with every other helper; leaving the loop closes nothing.
 *
 * **Cancel safety:** cancel safe. A step yields what is already received without waiting, so
 * an abort can only find it waiting for a first line: it rejects with `signal.reason`, gives
 * back what it had taken and ends the iteration. A line over `maxLineLength` rejects with
 * `FrameTooLargeError` (`ERR_FRAME_TOO_LARGE`), its bytes unread; when whole lines came
 * before it, they are yielded first and the next step rejects.
 *
 * @throws `InvalidArgTypeError` / `OutOfRangeError` synchronously for bad arguments.
 *
 * @example
 * ```ts
 * for await (const batch of lineBatches(conn, { maxLineLength: 4096 })) {
 *   for (const line of batch) console.log(line);
 * }
 * ```
 */
export function lineBatches(
  conn: Connection,
  options?: LineBatchesOptions,
): AsyncIterableIterator<string[]> {
  checkConnection(conn);
  const o = checkOptions(options) as LineBatchesOptions;
  const max = checkSize(o.maxLineLength, 'maxLineLength', 0, DEFAULT_MAX_FRAME_BYTES);
  const maxBatch = checkSize(o.maxBatch, 'maxBatch', 1, DEFAULT_MAX_BATCH);
  const frameTimeout = checkFrameTimeout(o.frameTimeout);
  const signal = checkSignal(o.signal);
  const slow: LinesOptions = { maxLineLength: max };
  if (frameTimeout !== undefined) slow.frameTimeout = frameTimeout;
  if (signal !== undefined) slow.signal = signal;
  return new LineBatchIterator(conn, max, maxBatch, signal, lines(conn, slow));
}

class LineBatchIterator extends BatchIterator<string> {
  readonly #conn: Connection;
  readonly #max: number;
  readonly #maxBatch: number;
  readonly #signal: AbortSignal | undefined;
  /** The waiting step: one line, as `lines()` takes it (across chunks, with its deadline). */
  readonly #one: AsyncIterableIterator<string>;
  readonly #decoder = new TextDecoder();

  constructor(
    conn: Connection,
    max: number,
    maxBatch: number,
    signal: AbortSignal | undefined,
    one: AsyncIterableIterator<string>,
  ) {
    super();
    this.#conn = conn;
    this.#max = max;
    this.#maxBatch = maxBatch;
    this.#signal = signal;
    this.#one = one;
  }

  next(): Promise<IteratorResult<string[], undefined>> {
    if (this.done) return Promise.resolve(DONE);
    const batch: string[] = [];
    const now = this.takeNow(batch, this.#signal);
    if (now !== undefined) return now;
    // No whole line is here: wait for one (it may span chunks), then take the rest.
    return this.afterOne(
      batch,
      this.#one.next().then((r) => (r.done === true ? null : r.value)),
    );
  }

  /**
   * Moves every line already received whole into `batch`, up to `maxBatch`, chunk by chunk
   * (`tryRead()`): the lines of a chunk are found by their '\n' bytes, checked against the
   * limit, and decoded together (a '\n' byte is never part of another UTF-8 character, so
   * this decodes each line exactly as decoding it alone would). What follows the last whole
   * line goes back (`unshift`): a line that spans chunks is the next step's. Returns true at
   * EOF. A line over the limit throws, its bytes given back, when `batch` is empty, and ends
   * the batch otherwise (the next step meets it again); so does a failed connection.
   */
  protected fill(batch: string[]): boolean {
    const conn = this.#conn;
    const max = this.#max;
    const maxBatch = this.#maxBatch;
    while (batch.length < maxBatch) {
      let chunk: Uint8Array | null | undefined;
      try {
        chunk = conn.tryRead();
      } catch (err) {
        if (batch.length === 0) throw err;
        return false;
      }
      if (chunk === undefined) return false;
      if (chunk === null) return true;
      const end = chunk.length;
      let at = 0; // the start of the next line
      let room = maxBatch - batch.length;
      let tooLong = false;
      while (room > 0) {
        const nl = chunk.indexOf(0x0a, at);
        if (nl < 0) break;
        const length = nl - at - (nl > at && chunk[nl - 1] === 0x0d ? 1 : 0);
        if (length > max) {
          tooLong = true;
          break;
        }
        at = nl + 1;
        room--;
      }
      if (at > 0) {
        const text = this.#decoder.decode(chunk.subarray(0, at - 1));
        let from = 0;
        for (;;) {
          const nl = text.indexOf('\n', from);
          const stop = nl < 0 ? text.length : nl;
          const cr = stop > from && text.charCodeAt(stop - 1) === 0x0d ? 1 : 0;
          batch.push(text.slice(from, stop - cr));
          if (nl < 0) break;
          from = nl + 1;
        }
      }
      if (at < end) {
        giveBack(conn, [at === 0 ? chunk : chunk.subarray(at)]);
        if (tooLong && batch.length === 0) throw lineTooLong(max);
        return false;
      }
    }
    return false;
  }
}
