/**
 * `readExactly`: exactly `n` bytes.
 *
 * @module
 */
import type { Connection } from '../core/index.js';
import { FrameTruncatedError } from './errors.js';
import { giveBack } from './internal/bytes.js';
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
  /** Aborts the read; it rejects with `signal.reason` and the stream is left as it was. */
  signal?: AbortSignal;
}

/**
 * Resolves with exactly `n` bytes. When the next received chunk holds them, they are a view
 * of it (no copy) and the rest stays unread; otherwise they are received straight into one
 * new array of `n` bytes.
 *
 * **Cancel safety:** cancel safe. An aborted read rejects with `signal.reason` and gives back
 * what it had taken, so the next read sees the stream unchanged (so does any failure but
 * EOF). EOF first rejects with `FrameTruncatedError` (code `ERR_FRAME_TRUNCATED`) whose
 * `partial` holds the bytes that did arrive.
 *
 * @param n - how many bytes; 0 resolves at once with an empty array. The array is allocated
 *   up front, so `n` must be a size you are willing to hold.
 * Bad arguments reject with `InvalidArgTypeError` / `OutOfRangeError` before any I/O (never a
 * synchronous throw).
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
  try {
    checkConnection(conn);
    checkSize(n, 'n', 0, undefined, 'argument');
    signal = checkSignal(checkOptions(options).signal);
  } catch (err) {
    return Promise.reject(err);
  }
  if (n === 0) return Promise.resolve(new Uint8Array(0));
  return exactly(conn, n, signal);
}

/** @internal `n` (> 0) bytes; `head` are bytes of them already taken (given back on failure). */
export async function exactly(
  conn: Connection,
  n: number,
  signal: AbortSignal | undefined,
  head?: Uint8Array,
): Promise<Uint8Array> {
  const opts = signal === undefined ? undefined : { signal };
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
    out = new Uint8Array(n);
    out.set(head);
    got = head.length;
    while (got < n) {
      const r = await conn.receive(out.subarray(got), opts);
      if (r === 0) throw truncated(n, out.subarray(0, got));
      got += r;
    }
    return out;
  } catch (err) {
    if (!(err instanceof FrameTruncatedError)) {
      giveBack(conn, [out === undefined ? (head ?? new Uint8Array(0)) : out.subarray(0, got)]);
    }
    throw err;
  }
}

function truncated(n: number, partial: Uint8Array): FrameTruncatedError {
  return new FrameTruncatedError(
    `Cannot read ${n} bytes: the stream ended after ${partial.length}`,
    partial,
  );
}
