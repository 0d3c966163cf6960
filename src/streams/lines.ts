/**
 * `lines`: text lines, decoded as UTF-8.
 *
 * @module
 */
import type { Connection } from '../core/index.js';
import { FrameTooLargeError, FrameTruncatedError } from './errors.js';
import { scanUntil, DEFAULT_MAX_FRAME_BYTES } from './read-until.js';
import { checkFrameTimeout } from './internal/deadline.js';
import { DONE, StepIterator } from './internal/step-iterator.js';
import { checkConnection, checkOptions, checkSignal, checkSize } from './internal/validate.js';

/**
 * Options of {@link lines}.
 *
 * @example
 * ```ts
 * const opts: LinesOptions = { maxLineLength: 1024, signal: AbortSignal.timeout(60_000) };
 * ```
 */
export interface LinesOptions {
  /**
   * The most bytes a line may have (without its `\n` or `\r\n`). A longer line rejects the
   * step with `FrameTooLargeError`, having buffered at most this plus one chunk; its bytes
   * stay unread.
   * @defaultValue `65536` (64 KiB)
   */
  maxLineLength?: number;
  /**
   * The most milliseconds a line may take from its first byte to its last. A line still
   * incomplete then rejects with `FrameTimeoutError` (`ERR_FRAME_TIMEOUT`) and its bytes stay
   * unread. `idleTimeout` cannot catch a peer that trickles a byte now and then; this can.
   * Waiting for a line's first byte is not limited (that is `idleTimeout`'s job).
   * @defaultValue none
   */
  frameTimeout?: number;
  /** Aborts the current step; it rejects with `signal.reason` and the stream is left as it was. */
  signal?: AbortSignal;
}

const LF = new Uint8Array([0x0a]);

/**
 * Iterates the lines of the stream as strings, without their `\n` or `\r\n`. Bytes are
 * decoded as UTF-8 once a line is whole, so a character split across received chunks decodes
 * correctly; invalid bytes become U+FFFD, as `TextDecoder` does. At EOF a last line without a
 * newline is yielded too. Each line's trailing bytes are given back before it is yielded, so
 * the loop body may receive from the connection itself; leaving the loop closes nothing.
 *
 * **Cancel safety:** cancel safe. An aborted step rejects with `signal.reason`, gives back
 * what it had taken and ends the iteration; the next read sees the stream unchanged. A line
 * over `maxLineLength` rejects with `FrameTooLargeError` (`ERR_FRAME_TOO_LARGE`), its bytes
 * unread.
 *
 * @throws `InvalidArgTypeError` / `OutOfRangeError` synchronously for bad arguments.
 *
 * @example
 * ```ts
 * for await (const line of lines(conn, { maxLineLength: 4096 })) {
 *   if (line === 'QUIT') break; // the connection stays open
 *   await conn.send(`echo: ${line}\n`);
 * }
 * ```
 */
export function lines(conn: Connection, options?: LinesOptions): AsyncIterableIterator<string> {
  checkConnection(conn);
  const o = checkOptions(options);
  const max = checkSize(o.maxLineLength, 'maxLineLength', 0, DEFAULT_MAX_FRAME_BYTES);
  const frameTimeout = checkFrameTimeout(o.frameTimeout);
  const signal = checkSignal(o.signal);
  return new LineIterator(conn, max, signal, frameTimeout);
}

/**
 * The iterator behind `lines()`. A line whose '\n' is already in the next received chunk is
 * taken without a promise chain (`tryRead()`, one resolved promise for the step); otherwise
 * the step waits in `scanUntil()`.
 */
class LineIterator extends StepIterator<string> {
  readonly #conn: Connection;
  readonly #max: number;
  readonly #signal: AbortSignal | undefined;
  readonly #decoder = new TextDecoder();

  readonly #frameTimeout: number | undefined;

  constructor(
    conn: Connection,
    max: number,
    signal: AbortSignal | undefined,
    frameTimeout: number | undefined,
  ) {
    super();
    this.#conn = conn;
    this.#max = max;
    this.#signal = signal;
    this.#frameTimeout = frameTimeout;
  }

  next(): Promise<IteratorResult<string, undefined>> {
    if (this.done) return Promise.resolve(DONE);
    try {
      this.#signal?.throwIfAborted();
      const c = this.#conn.tryRead();
      if (c === null) return this.end();
      if (c !== undefined) {
        const at = c.indexOf(0x0a);
        if (at >= 0 && at <= this.#max + 1) {
          if (at + 1 < c.length) {
            this.#conn.unshift(new Uint8Array(c.buffer, c.byteOffset + at + 1, c.length - at - 1));
          }
          const line = new Uint8Array(c.buffer, c.byteOffset, at);
          return Promise.resolve({ done: false, value: this.#line(line, false) });
        }
        this.#conn.unshift(c); // not all there, or too long: the slow path decides
      }
    } catch (err) {
      this.done = true;
      return Promise.reject(err);
    }
    return this.#slow();
  }

  async #slow(): Promise<IteratorResult<string, undefined>> {
    let line: Uint8Array | null;
    let last = false;
    try {
      // One more byte than the limit: room for the '\r' of a '\r\n'.
      line = await scanUntil(this.#conn, LF, this.#max + 1, this.#signal, this.#frameTimeout);
    } catch (err) {
      if (err instanceof FrameTooLargeError) return this.#fail(lineTooLong(this.#max));
      if (!(err instanceof FrameTruncatedError)) return this.#fail(err);
      line = err.partial; // EOF after a last line without a newline
      last = true;
    }
    if (line === null) return this.end();
    if (last) this.done = true;
    try {
      return { done: false, value: this.#line(line, last) };
    } catch (err) {
      return this.#fail(err);
    }
  }

  /** The line without its '\r', decoded; too long throws (and gives it back unless at EOF). */
  #line(line: Uint8Array, last: boolean): string {
    let end = line.length;
    if (end > 0 && line[end - 1] === 0x0d) end--;
    if (end > this.#max) {
      // Only possible for a line of max + 1 bytes without '\r': give it back, as scanUntil does.
      if (!last) this.#conn.unshift(concatLine(line));
      throw lineTooLong(this.#max);
    }
    return this.#decoder.decode(end === line.length ? line : line.subarray(0, end));
  }

  #fail(err: unknown): never {
    this.done = true;
    throw err;
  }
}

/** A line and its '\n', as they were in the stream. */
function concatLine(line: Uint8Array): Uint8Array {
  const out = new Uint8Array(line.length + 1);
  out.set(line);
  out[line.length] = 0x0a;
  return out;
}

/** A line over `maxLineLength`. @internal */
export function lineTooLong(max: number): FrameTooLargeError {
  return new FrameTooLargeError(
    `Cannot read the line: longer than ${max} bytes (maxLineLength)`,
    max,
  );
}
