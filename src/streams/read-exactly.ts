/**
 * `readExactly`: exactly `n` bytes.
 *
 * @module
 */
import type { Connection } from '../core/index.js';
import { takeExactly } from './try-read.js';
import { FrameTruncatedError } from './errors.js';
import { giveBack } from './internal/bytes.js';
import { checkFrameTimeout, FrameDeadline } from './internal/deadline.js';
import { checkConnection, checkOptions, checkSignal, checkSize } from './internal/validate.js';

/**
 * Options of {@link readExactly}.
 *
 * @example
 * ```ts
 * const opts: ReadExactlyOptions = { signal: AbortSignal.timeout(1_000) };
 * ```
 */
export interface ReadExactlyOptions {
  /**
   * The most milliseconds the bytes may take from the first to the last. Still incomplete
   * then, the read rejects with `FrameTimeoutError` (`ERR_FRAME_TIMEOUT`) and gives back what
   * it had taken. Waiting for the first byte is not limited (that is `idleTimeout`'s job).
   * @defaultValue none
   */
  frameTimeout?: number;
  /** Aborts the read; it rejects with `signal.reason` and the stream is left as it was. */
  signal?: AbortSignal;
}

/**
 * Resolves with exactly `n` bytes. When the next received chunk holds them, they are a view
 * of it (no copy) and the rest stays unread; otherwise they are received straight into an
 * array that grows as they arrive (at most 4 × the bytes received so far, at least 4 KiB, up
 * to `n`), so a peer that announces a large frame and sends little costs little.
 *
 * **Cancel safety:** cancel safe. An aborted read rejects with `signal.reason` and gives back
 * what it had taken, so the next read sees the stream unchanged (so does any failure but
 * EOF). EOF first rejects with `FrameTruncatedError` (code `ERR_FRAME_TRUNCATED`) whose
 * `partial` holds the bytes that did arrive.
 *
 * Bad arguments reject with `InvalidArgTypeError` / `OutOfRangeError` before any I/O (never a
 * synchronous throw).
 *
 * @param n - how many bytes; 0 resolves at once with an empty array. The array grows as the
 *   bytes arrive, so an `n` the peer announced costs only what the peer sends.
 *
 * @example
 * ```ts
 * const header = await readExactly(conn, 4);
 * const length = new DataView(header.buffer, header.byteOffset).getUint32(0);
 * const body = await readExactly(conn, length);
 * ```
 */
export function readExactly(
  conn: Connection,
  n: number,
  options?: ReadExactlyOptions,
): Promise<Uint8Array> {
  let signal;
  let frameTimeout;
  try {
    checkConnection(conn);
    checkSize(n, 'n', 0, undefined, 'argument');
    const o = checkOptions(options);
    frameTimeout = checkFrameTimeout(o.frameTimeout);
    signal = checkSignal(o.signal);
  } catch (err) {
    return Promise.reject(err);
  }
  if (n === 0) return Promise.resolve(new Uint8Array(0));
  if (signal?.aborted !== true) {
    // Already received: no wait, one promise.
    let frame;
    try {
      frame = takeExactly(conn, n);
    } catch (err) {
      return Promise.reject(err);
    }
    if (frame !== undefined) return Promise.resolve(frame);
  }
  return exactly(conn, n, signal, undefined, frameTimeout);
}

/** The smallest array a frame in progress is received into. */
const GROW_FROM = 4 * 1024;
/** How much a full array grows by, and the most it holds beyond the bytes received. */
const GROWTH = 4;

/**
 * @internal `n` (> 0) bytes; `head` are bytes of them already taken (given back on failure).
 * With `frameTimeout`, the clock starts once the first bytes are in and more are needed (a
 * caller that started its own passes its deadline's signal instead).
 */
export async function exactly(
  conn: Connection,
  n: number,
  signal: AbortSignal | undefined,
  head?: Uint8Array,
  frameTimeout?: number,
): Promise<Uint8Array> {
  let opts = signal === undefined ? undefined : { signal };
  let deadline: FrameDeadline | undefined;
  let out: Uint8Array | undefined;
  let got = 0;
  try {
    if (head === undefined) {
      const c = await conn.read(opts);
      if (c === null) throw truncated(n, new Uint8Array(0));
      if (c.length >= n) {
        if (c.length > n) conn.unshift(c.subarray(n));
        return c.length === n ? c : c.subarray(0, n);
      }
      head = c;
    }
    if (frameTimeout !== undefined) {
      deadline = new FrameDeadline(frameTimeout, signal);
      opts = { signal: deadline.signal };
    }
    // Not `n` up front: a peer's length header must not reserve memory its bytes never fill
    // (6,000 peers announcing 4 MiB each and sending one byte reserved 24 GB). Growing by 4
    // copies the bytes received a third of a time more, on average.
    let buf: Uint8Array = new Uint8Array(Math.min(n, Math.max(GROW_FROM, head.length * GROWTH)));
    buf.set(head);
    out = buf;
    got = head.length;
    while (got < n) {
      if (got === buf.length) {
        const bigger = new Uint8Array(Math.min(n, buf.length * GROWTH));
        bigger.set(buf);
        out = buf = bigger;
      }
      const r = await conn.receive(buf.subarray(got), opts);
      if (r === 0) throw truncated(n, buf.subarray(0, got));
      got += r;
    }
    return buf;
  } catch (err) {
    if (!(err instanceof FrameTruncatedError)) {
      giveBack(conn, [out === undefined ? (head ?? new Uint8Array(0)) : out.subarray(0, got)]);
    }
    throw err;
  } finally {
    deadline?.clear();
  }
}

function truncated(n: number, partial: Uint8Array): FrameTruncatedError {
  return new FrameTruncatedError(
    `Cannot read ${n} bytes: the stream ended after ${partial.length}`,
    partial,
  );
}
