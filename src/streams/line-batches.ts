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
   * (`tryRead()`). A chunk's bytes up to its last '\n' are decoded at once and split on '\n'
   * in the text: a '\n' byte is never part of another UTF-8 character and nothing else
   * decodes to '\n', so each line decodes exactly as decoding it alone would, and the k-th
   * '\n' of the text is the k-th '\n' byte. (Finding each '\n' in the bytes first cost a call
   * into C++ per line on Node 24: 1.5× the time per line; docs/performance.md.) The limit is
   * on bytes: when the text has one UTF-16 unit per byte (ASCII, the common case), a string
   * index is the byte index and a line's length is its byte count; otherwise a line is under
   * the limit when three bytes per unit still are, and a chunk with a line that might not be
   * is measured byte by byte (`fillExact`). What follows the last line taken goes back
   * (`unshift`): a line that spans chunks is the next step's. Returns true at EOF. A line over
   * the limit throws, its bytes given back, when `batch` is empty, and ends the batch otherwise
   * (the next step meets it again); so does a failed connection.
   */
  protected fill(batch: string[]): boolean {
    const conn = this.#conn;
    const max = this.#max;
    const maxBatch = this.#maxBatch;
    chunks: while (batch.length < maxBatch) {
      let chunk: Uint8Array | null | undefined;
      try {
        chunk = conn.tryRead();
      } catch (err) {
        if (batch.length === 0) throw err;
        return false;
      }
      if (chunk === undefined) return false;
      if (chunk === null) return true;
      const last = chunk.lastIndexOf(0x0a);
      if (last < 0) {
        giveBack(conn, [chunk]);
        return false;
      }
      const text = this.#decoder.decode(chunk.subarray(0, last));
      const ascii = text.length === last;
      const before = batch.length;
      let room = maxBatch - before;
      let from = 0; // the next line's start in `text`
      let whole = false; // every line of the chunk taken
      let tooLong = false;
      while (room > 0) {
        const nl = text.indexOf('\n', from);
        const stop = nl < 0 ? text.length : nl;
        const end = stop > from && text.charCodeAt(stop - 1) === 0x0d ? stop - 1 : stop;
        const units = end - from;
        if (units > max) {
          // A line has at least as many bytes as units: over the limit.
          tooLong = true;
          break;
        }
        if (!ascii && units * 3 > max) {
          // Might be over the limit in bytes: take this chunk's lines byte by byte.
          batch.length = before;
          const at = this.fillExact(batch, chunk, max, maxBatch);
          if (at === chunk.length) continue chunks;
          return this.rest(batch, chunk, at, max);
        }
        batch.push(text.slice(from, end));
        room--;
        if (nl < 0) {
          whole = true;
          break;
        }
        from = nl + 1;
      }
      if (whole) {
        if (last + 1 < chunk.length) {
          giveBack(conn, [chunk.subarray(last + 1)]);
          return false;
        }
        continue;
      }
      // Stopped before the chunk's end (the batch is full, or a line is over the limit).
      const at = ascii ? from : nthLineStart(chunk, batch.length - before);
      return this.rest(batch, chunk, at, max, tooLong);
    }
    return false;
  }

  /**
   * Takes a chunk's lines into `batch` finding each '\n' in the bytes, so that each line's
   * byte count is exact. Returns where the lines taken end: the next line's first byte, or
   * -1 - that index when the next line is over the limit.
   */
  private fillExact(batch: string[], chunk: Uint8Array, max: number, maxBatch: number): number {
    let at = 0;
    let room = maxBatch - batch.length;
    while (room > 0) {
      const nl = chunk.indexOf(0x0a, at);
      if (nl < 0) break;
      const length = nl - at - (nl > at && chunk[nl - 1] === 0x0d ? 1 : 0);
      if (length > max) return -1 - at;
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
    return at;
  }

  /**
   * Gives back what follows the lines taken from `chunk` (from byte `at`; a negative `at`, or
   * `tooLong`, says the line there is over the limit) and ends the batch; a line over the
   * limit throws when the batch is empty.
   */
  private rest(
    batch: string[],
    chunk: Uint8Array,
    at: number,
    max: number,
    tooLong = false,
  ): false {
    if (at < 0) {
      at = -1 - at;
      tooLong = true;
    }
    if (at < chunk.length) giveBack(this.#conn, [at === 0 ? chunk : chunk.subarray(at)]);
    if (tooLong && batch.length === 0) throw lineTooLong(max);
    return false;
  }
}

/** Where the line after the first `lines` lines of `chunk` starts: after its lines-th '\n'. */
function nthLineStart(chunk: Uint8Array, lines: number): number {
  let at = 0;
  for (let i = 0; i < lines; i++) at = chunk.indexOf(0x0a, at) + 1;
  return at;
}
