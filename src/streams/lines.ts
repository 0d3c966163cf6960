/**
 * `lines`: text lines, decoded as UTF-8.
 *
 * @module
 */
import type { Connection } from '../core/index.js';
import { FrameTooLargeError, FrameTruncatedError } from './errors.js';
import { scanUntil, DEFAULT_MAX_FRAME_BYTES } from './read-until.js';
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
  const signal = checkSignal(o.signal);
  return iterate(conn, max, signal);
}

async function* iterate(
  conn: Connection,
  max: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  for (;;) {
    let line: Uint8Array | null;
    let last = false;
    try {
      // One more byte than the limit: room for the '\r' of a '\r\n'.
      line = await scanUntil(conn, LF, max + 1, signal);
    } catch (err) {
      if (err instanceof FrameTooLargeError) throw lineTooLong(max);
      if (!(err instanceof FrameTruncatedError)) throw err;
      line = err.partial; // EOF after a last line without a newline
      last = true;
    }
    if (line === null) return;
    let end = line.length;
    if (end > 0 && line[end - 1] === 0x0d) end--;
    if (end > max) {
      // Only possible for a line of max + 1 bytes without '\r': give it back, as scanUntil does.
      if (!last) conn.unshift(concatLine(line));
      throw lineTooLong(max);
    }
    yield decoder.decode(end === line.length ? line : line.subarray(0, end));
    if (last) return;
  }
}

/** A line and its '\n', as they were in the stream. */
function concatLine(line: Uint8Array): Uint8Array {
  const out = new Uint8Array(line.length + 1);
  out.set(line);
  out[line.length] = 0x0a;
  return out;
}

function lineTooLong(max: number): FrameTooLargeError {
  return new FrameTooLargeError(
    `Cannot read the line: longer than ${max} bytes (maxLineLength)`,
    max,
  );
}
