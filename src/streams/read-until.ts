/**
 * `readUntil`: the bytes before a delimiter.
 *
 * @module
 */
import type { Connection } from '../core/index.js';
import { FrameTooLargeError, FrameTruncatedError } from './errors.js';
import { concat, Gathered, giveBack } from './internal/bytes.js';
import { checkFrameTimeout, FrameDeadline } from './internal/deadline.js';
import { takeUntil } from './try-read.js';
import {
  checkConnection,
  checkDelimiter,
  checkOptions,
  checkSignal,
  checkSize,
} from './internal/validate.js';

/**
 * Options of {@link readUntil}.
 *
 * @example
 * ```ts
 * const opts: ReadUntilOptions = { maxBytes: 8 * 1024, signal: AbortSignal.timeout(5_000) };
 * ```
 */
export interface ReadUntilOptions {
  /**
   * The most bytes the frame (before the delimiter) may have. Past it the read rejects with
   * `FrameTooLargeError` after buffering at most `maxBytes` plus one chunk, never the frame
   * whole. Bounded by default, so a peer that never sends the delimiter cannot grow memory.
   * @defaultValue `65536` (64 KiB, as Go's `bufio.Scanner`)
   */
  maxBytes?: number;
  /**
   * The most milliseconds a frame may take from its first byte to its last. A frame still
   * incomplete then rejects with `FrameTimeoutError` (`ERR_FRAME_TIMEOUT`) and its bytes stay
   * unread. `idleTimeout` cannot catch a peer that trickles a byte now and then; this can.
   * Waiting for a frame's first byte is not limited (that is `idleTimeout`'s job).
   * @defaultValue none
   */
  frameTimeout?: number;
  /** Aborts the read; it rejects with `signal.reason` and the stream is left as it was. */
  signal?: AbortSignal;
}

/** Default of {@link ReadUntilOptions.maxBytes}. *
 * @example
 * ```ts
 * await readUntil(conn, '\r\n\r\n', { maxBytes: DEFAULT_MAX_FRAME_BYTES * 4 });
 * ```
 */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

/**
 * Reads up to the next `delimiter` and resolves with the bytes before it; the delimiter is
 * consumed, the bytes after it stay unread (given back with `unshift`), so `readUntil` mixes
 * with every other way of receiving. A frame that fits in one received chunk is returned as a
 * view of it, without a copy: a plain `Uint8Array`, not a `Buffer` (decode it with
 * `TextDecoder`, or wrap it with `Buffer.from(f.buffer, f.byteOffset, f.length)`; do not count
 * on `Buffer` methods for any frame).
 *
 * **Cancel safety:** cancel safe. An aborted read rejects with `signal.reason` and gives back
 * every byte it had taken: the next read sees the stream unchanged. So does any failure but
 * EOF: a frame over `maxBytes` rejects with `FrameTooLargeError` (code
 * `ERR_FRAME_TOO_LARGE`) and its bytes stay unread. EOF before the delimiter rejects with
 * `FrameTruncatedError` (code `ERR_FRAME_TRUNCATED`) whose `partial` holds the bytes that did
 * arrive (empty when the stream had already ended).
 *
 * Bad arguments reject with `InvalidArgTypeError` / `InvalidArgValueError` /
 * `OutOfRangeError` before any I/O (never a synchronous throw).
 *
 * @param delimiter - bytes, or a string (UTF-8); not empty.
 *
 * @example
 * ```ts
 * const head = await readUntil(conn, '\r\n\r\n', { maxBytes: 16 * 1024 }); // HTTP-style headers
 * const body = await readExactly(conn, contentLength(head));
 * ```
 */
export function readUntil(
  conn: Connection,
  delimiter: Uint8Array | string,
  options?: ReadUntilOptions,
): Promise<Uint8Array> {
  let d;
  let max;
  let signal;
  let frameTimeout;
  try {
    checkConnection(conn);
    d = checkDelimiter(delimiter);
    const o = checkOptions(options);
    max = checkSize(o.maxBytes, 'maxBytes', 0, DEFAULT_MAX_FRAME_BYTES);
    frameTimeout = checkFrameTimeout(o.frameTimeout);
    signal = checkSignal(o.signal);
  } catch (err) {
    return Promise.reject(err);
  }
  if (signal?.aborted !== true) {
    // Already received (a pipelined request, a buffered reply): no wait, one promise.
    let frame;
    try {
      frame = takeUntil(conn, d, max);
    } catch (err) {
      return Promise.reject(err);
    }
    if (frame !== undefined) return Promise.resolve(frame);
  }
  // EOF before any byte rejects too (eofFails): no `.then()` of our own, so the caller's
  // await is one hop from the bytes' arrival.
  return scanUntil(conn, d, max, signal, frameTimeout, true) as Promise<Uint8Array>;
}

function truncated(d: Uint8Array, partial: Uint8Array): FrameTruncatedError {
  return new FrameTruncatedError(
    `Cannot read until the ${d.length}-byte delimiter: the stream ended after ${partial.length} bytes`,
    partial,
  );
}

/**
 * Bytes searched with a loop in JavaScript before asking `indexOf`: on Node 24
 * `Buffer#indexOf` is a call into C++ of about 20 ns (9 on Node 20), the loop about 0.6 ns a
 * byte, and protocol elements (`$100\r\n`, a request line) mostly end within this.
 */
const SHORT_SCAN = 64;

/**
 * Where `d` starts in `c`, searching from `from`, or -1. One- and two-byte delimiters (`\n`,
 * `\r\n`) are searched without a Buffer view per call; every delimiter's first `SHORT_SCAN`
 * positions are compared in a loop. @internal
 */
export function indexIn(c: Uint8Array, d: Uint8Array, from: number): number {
  const n = c.length;
  if (d.length <= 2) {
    const a = d[0] as number;
    const stop = Math.min(n, from + SHORT_SCAN);
    let i = from;
    if (d.length === 1) {
      for (; i < stop; i++) if (c[i] === a) return i;
      return i < n ? c.indexOf(a, i) : -1;
    }
    const b = d[1] as number;
    for (; i < stop; i++) if (c[i] === a && i + 1 < n && c[i + 1] === b) return i;
    for (i = i < n ? c.indexOf(a, i) : -1; i >= 0 && i + 1 < n; i = c.indexOf(a, i + 1)) {
      if (c[i + 1] === b) return i;
    }
    return -1;
  }
  // Longer ones (an HTTP head's `\r\n\r\n`): the first positions compared in the loop too.
  const a = d[0] as number;
  const last = n - d.length;
  const stop = Math.min(last + 1, from + SHORT_SCAN);
  let i = from;
  for (; i < stop; i++) {
    if (c[i] !== a) continue;
    let j = 1;
    while (j < d.length && c[i + j] === d[j]) j++;
    if (j === d.length) return i;
  }
  return i <= last ? Buffer.from(c.buffer, c.byteOffset, c.byteLength).indexOf(d, i) : -1;
}

/**
 * Where `d` starts, counted from the end of `tail`, when it begins in `tail` (the last bytes
 * before `c`) and ends in `c`: the number of delimiter bytes that are in `tail`, or 0.
 */
function straddle(tail: Uint8Array, c: Uint8Array, d: Uint8Array): number {
  for (let inTail = Math.min(tail.length, d.length - 1); inTail > 0; inTail--) {
    if (d.length - inTail > c.length) continue;
    let match = true;
    for (let i = 0; i < d.length && match; i++) {
      const b = i < inTail ? tail[tail.length - inTail + i] : c[i - inTail];
      match = b === d[i];
    }
    if (match) return inTail;
  }
  return 0;
}

/** No bytes: the first `tail` of a scan. */
const NOTHING: Uint8Array = new Uint8Array(0);

/**
 * The frame before the next `d`, with `d` consumed and the rest given back; `null` at EOF
 * before any byte (or, with `eofFails`, `FrameTruncatedError` then too). Rejects as
 * {@link readUntil} says (every failure but EOF gives back). A frame found in the first chunk
 * read allocates nothing but its view.
 * @internal
 */
export async function scanUntil(
  conn: Connection,
  d: Uint8Array,
  max: number,
  signal: AbortSignal | undefined,
  frameTimeout?: number,
  eofFails = false,
): Promise<Uint8Array | null> {
  // Bytes taken before the chunk with the delimiter: made when a chunk without it comes.
  let taken: Gathered | undefined;
  let opts = signal === undefined ? undefined : { signal };
  let deadline: FrameDeadline | undefined;
  // The last d.length - 1 bytes taken so far, for a delimiter split across two chunks.
  let tail = NOTHING;
  try {
    for (;;) {
      const c = await conn.read(opts);
      const total = taken === undefined ? 0 : taken.total;
      if (c === null) {
        if (taken === undefined || total === 0) {
          if (eofFails) throw truncated(d, new Uint8Array(0));
          return null;
        }
        throw truncated(d, concat(taken.parts(), total));
      }
      const inTail = taken !== undefined && total > 0 && d.length > 1 ? straddle(tail, c, d) : 0;
      if (taken !== undefined && inTail > 0) {
        const frameLength = total - inTail;
        if (frameLength > max) {
          taken.add(c);
          throw tooLarge(max);
        }
        const rest = c.subarray(d.length - inTail);
        const frame = concat(taken.parts(), total).subarray(0, frameLength);
        if (rest.length > 0) conn.unshift(rest);
        return frame;
      }
      const at = indexIn(c, d, 0);
      if (at >= 0) {
        if (total + at > max) {
          (taken ??= new Gathered()).add(c);
          throw tooLarge(max);
        }
        const after = at + d.length;
        if (after < c.length) conn.unshift(view(c, after, c.length - after));
        return taken === undefined || total === 0 ? view(c, 0, at) : joined(taken, view(c, 0, at));
      }
      (taken ??= new Gathered()).add(c);
      if (taken.total > max + d.length - 1) throw tooLarge(max);
      if (d.length > 1) tail = lastBytes(tail, c, d.length - 1);
      if (frameTimeout !== undefined && deadline === undefined) {
        // The frame began with this chunk and goes on: its clock starts now.
        deadline = new FrameDeadline(frameTimeout, signal);
        opts = { signal: deadline.signal };
      }
    }
  } catch (err) {
    if (taken !== undefined && !(err instanceof FrameTruncatedError)) giveBack(conn, taken.parts());
    throw err;
  } finally {
    deadline?.clear();
  }
}

/** The bytes taken, then `last`, as one array. */
function joined(taken: Gathered, last: Uint8Array): Uint8Array {
  const parts = taken.parts();
  parts.push(last);
  return concat(parts, taken.total + last.length);
}

/** A frame with no delimiter within `max` bytes. @internal */
export function tooLarge(max: number): FrameTooLargeError {
  return new FrameTooLargeError(
    `Cannot read the frame: no delimiter within ${max} bytes (maxBytes)`,
    max,
  );
}

/** The chunk the last view was made of, with its buffer and offset (see `view()`). */
let viewed: Uint8Array | undefined;
let viewedBuffer: ArrayBufferLike = new ArrayBuffer(0);
let viewedOffset = 0;

/**
 * `length` bytes of `b` from `at`, as a plain Uint8Array view: cheaper than a Buffer's own
 * `subarray()` (received chunks are Buffers). A parser takes many frames of one chunk, and
 * reading a chunk's `.buffer` costs about 25 ns on Node 20, so the last chunk's is remembered
 * (that chunk stays referenced until the next view of another one). @internal
 */
export function view(b: Uint8Array, at: number, length: number): Uint8Array {
  if (b !== viewed) {
    viewed = b;
    viewedBuffer = b.buffer;
    viewedOffset = b.byteOffset;
  }
  return new Uint8Array(viewedBuffer, viewedOffset + at, length);
}

/** The last `n` bytes of `tail` followed by `c`. */
function lastBytes(tail: Uint8Array, c: Uint8Array, n: number): Uint8Array {
  if (c.length >= n) return c.subarray(c.length - n); // the chunk is ours: a view will do
  const out = new Uint8Array(Math.min(n, tail.length + c.length));
  const fromTail = out.length - c.length;
  out.set(tail.subarray(tail.length - fromTail), 0);
  out.set(c, fromTail);
  return out;
}
