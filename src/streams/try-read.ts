/**
 * `tryReadExactly` and `tryReadUntil`: the framing reads, synchronous, for bytes already
 * received.
 *
 * @module
 */
import type { Connection } from '../core/index.js';
import { kHead, kHeadStart, kSkip } from '../core/internal/head-access.js';
import { concat, giveBack } from './internal/bytes.js';
import { checkConnection, checkDelimiter, checkOptions, checkSize } from './internal/validate.js';
import { DEFAULT_MAX_FRAME_BYTES, indexIn, tooLarge, view } from './read-until.js';

/**
 * Options of {@link tryReadUntil}.
 *
 * @example
 * ```ts
 * const opts: TryReadUntilOptions = { maxBytes: 512 };
 * ```
 */
export interface TryReadUntilOptions {
  /** As {@link ReadUntilOptions.maxBytes | readUntil()'s `maxBytes`}. @defaultValue `65536` (64 KiB) */
  maxBytes?: number;
}

/**
 * Takes exactly `n` bytes when they have all been received already, without waiting and
 * without a promise: a parser's fast path, with {@link readExactly} for when this returns
 * `undefined`. When the next received chunk holds the bytes they are a view of it (no copy);
 * when they span chunks they are copied together. The rest stays unread.
 *
 * Returns `undefined`, having taken nothing, when fewer than `n` bytes are buffered, at EOF
 * too (`readExactly()` then waits, or reports the truncation).
 *
 * @throws `InvalidArgTypeError` / `OutOfRangeError` for bad arguments; `SocketBusyError`
 *   while a receive is pending; `SocketClosedError` after `close()`/`reset()`; the system
 *   error (`ECONNRESET`…) once the buffered bytes are exhausted after the connection failed.
 *
 * @example
 * ```ts
 * const body = tryReadExactly(conn, bodyLength) ?? (await readExactly(conn, bodyLength));
 * ```
 */
export function tryReadExactly(conn: Connection, n: number): Uint8Array | undefined {
  checkConnection(conn);
  checkSize(n, 'n', 0, undefined, 'argument');
  if (n === 0) return new Uint8Array(0);
  return takeExactly(conn, n);
}

/** `tryReadExactly()` with `n` (> 0) checked: readExactly()'s synchronous start too. @internal */
export function takeExactly(conn: Connection, n: number): Uint8Array | undefined {
  // All n inside the first buffered chunk (the common case): a view of them, skipped.
  const head = conn[kHead]();
  if (head !== undefined) {
    const start = conn[kHeadStart]();
    if (head.length - start >= n) {
      conn[kSkip](n);
      return view(head, start, n);
    }
  }
  // At most n: the rest of the chunk stays where it is (no give-back for the common case).
  const first = conn.tryRead(n);
  if (first === undefined || first === null) return undefined;
  if (first.length === n) return first;
  const parts = [first];
  let total = first.length;
  while (total < n) {
    let c: Uint8Array | null | undefined;
    try {
      c = conn.tryRead(n - total);
    } catch (err) {
      giveBack(conn, parts);
      throw err;
    }
    if (c === undefined || c === null) {
      giveBack(conn, parts);
      return undefined;
    }
    parts.push(c);
    total += c.length;
  }
  return concat(parts, n);
}

/**
 * Takes the bytes before the next `delimiter` when it has been received already, without
 * waiting and without a promise: a parser's fast path, with {@link readUntil} for when this
 * returns `undefined`. The delimiter is consumed, the rest stays unread. When the frame and
 * its delimiter lie in the first buffered chunk the frame is a view of it (a plain
 * `Uint8Array`, not a `Buffer`), and that view is all the call
 * allocates (no copy; the rest of the chunk is never taken and given back).
 *
 * Returns `undefined`, having taken nothing, when the delimiter has not arrived yet, at EOF
 * too (`readUntil()` then waits, or reports the truncation).
 *
 * @throws `FrameTooLargeError` (`ERR_FRAME_TOO_LARGE`) when more than `maxBytes` are buffered
 *   before the delimiter (nothing is consumed); `InvalidArgTypeError` /
 *   `InvalidArgValueError` / `OutOfRangeError` for bad arguments; `SocketBusyError`,
 *   `SocketClosedError` or the system error as {@link tryReadExactly}.
 *
 * @param delimiter - bytes, or a string (UTF-8); not empty. A `Uint8Array` kept by the
 *   caller costs nothing per call; a string is encoded (the last one is remembered).
 *
 * @example
 * ```ts
 * const CRLF = new Uint8Array([13, 10]);
 * const line = tryReadUntil(conn, CRLF) ?? (await readUntil(conn, CRLF));
 * ```
 */
export function tryReadUntil(
  conn: Connection,
  delimiter: Uint8Array | string,
  options?: TryReadUntilOptions,
): Uint8Array | undefined {
  checkConnection(conn);
  const d = checkDelimiter(delimiter);
  const max =
    options === undefined
      ? DEFAULT_MAX_FRAME_BYTES
      : checkSize(checkOptions(options).maxBytes, 'maxBytes', 0, DEFAULT_MAX_FRAME_BYTES);
  return takeUntil(conn, d, max);
}

/** `tryReadUntil()` with its arguments checked: readUntil()'s synchronous start too. @internal */
export function takeUntil(conn: Connection, d: Uint8Array, max: number): Uint8Array | undefined {
  // The frame inside the first chunk (the common case): one view, nothing given back.
  let from = 0;
  const head = conn[kHead]();
  if (head !== undefined) {
    const start = conn[kHeadStart]();
    const at = indexIn(head, d, start);
    // Not there: the joined search below starts where the delimiter could still begin.
    if (at < 0) from = Math.max(0, head.length - start - (d.length - 1));
    else if (at - start <= max) {
      conn[kSkip](at + d.length - start);
      return view(head, start, at - start);
    }
  }
  let joined = conn.tryRead();
  if (joined === undefined || joined === null) return undefined;
  // Across chunks they are joined (a copy), searched again from where the delimiter could start.
  for (;;) {
    const at = indexIn(joined, d, from);
    if (at >= 0) return frameAt(conn, joined, at, d.length, max);
    if (joined.length - (d.length - 1) > max) {
      conn.unshift(joined);
      throw tooLarge(max);
    }
    let c: Uint8Array | null | undefined;
    try {
      c = conn.tryRead();
    } catch (err) {
      conn.unshift(joined);
      throw err;
    }
    if (c === undefined || c === null) {
      conn.unshift(joined);
      return undefined;
    }
    from = Math.max(0, joined.length - (d.length - 1));
    joined = concat([joined, c], joined.length + c.length);
  }
}

/** The frame before the delimiter at `at` of `bytes`: the rest goes back; too long, all of it. */
function frameAt(
  conn: Connection,
  bytes: Uint8Array,
  at: number,
  delimiterLength: number,
  max: number,
): Uint8Array {
  if (at > max) {
    conn.unshift(bytes);
    throw tooLarge(max);
  }
  const after = at + delimiterLength;
  if (after < bytes.length) conn.unshift(view(bytes, after, bytes.length - after));
  return view(bytes, 0, at);
}
