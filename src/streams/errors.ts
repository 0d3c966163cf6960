/**
 * The errors of sockflow's framing helpers, each with a stable `code`.
 *
 * @module
 */
import { brandErrorClass, SockflowError } from '../core/index.js';

/**
 * A frame is larger than its limit (`maxBytes`, `maxLineLength`, `maxMessageBytes`). The
 * frame was never buffered whole, and nothing was consumed: the bytes are still unread, so
 * the caller decides what to do with them (usually: close the connection).
 *
 * @example
 * ```ts
 * try {
 *   await readUntil(conn, '\n', { maxBytes: 1024 });
 * } catch (err) {
 *   if (err instanceof FrameTooLargeError) await conn.reset();
 * }
 * ```
 */
export class FrameTooLargeError extends RangeError {
  /** Always `'ERR_FRAME_TOO_LARGE'`. */
  readonly code = 'ERR_FRAME_TOO_LARGE';
  /** Always `'FrameTooLargeError'`. */
  override readonly name = 'FrameTooLargeError';
  /** The limit that was exceeded, in bytes. */
  readonly limit: number;
  /** The frame's size when its header said it (`messages`), else `undefined`. */
  readonly size: number | undefined;

  /**
   * @param message - what happened.
   * @param limit - the limit in bytes.
   * @param size - the announced size, when known.
   */
  constructor(message: string, limit: number, size?: number) {
    super(message);
    this.limit = limit;
    this.size = size;
  }
}
brandErrorClass(FrameTooLargeError);

/**
 * The stream ended (EOF) inside a frame. `partial` holds the frame's bytes that did arrive;
 * it is empty when the stream ended before the frame began (`readExactly`, `readUntil`).
 * Those bytes are consumed: they are in the error, not in the connection.
 *
 * @example
 * ```ts
 * try {
 *   const header = await readExactly(conn, 8);
 * } catch (err) {
 *   if (err instanceof FrameTruncatedError) console.log(`peer left after ${err.partial.length} bytes`);
 * }
 * ```
 */
export class FrameTruncatedError extends SockflowError {
  /** Always `'ERR_FRAME_TRUNCATED'`. */
  declare readonly code: 'ERR_FRAME_TRUNCATED';
  /** Always `'FrameTruncatedError'`. */
  override readonly name = 'FrameTruncatedError';
  /** The bytes of the frame that arrived before EOF. */
  readonly partial: Uint8Array;

  /**
   * @param message - what happened.
   * @param partial - the bytes that arrived.
   */
  constructor(message: string, partial: Uint8Array) {
    super(message, 'ERR_FRAME_TRUNCATED');
    this.partial = partial;
  }
}

/**
 * A frame header cannot be decoded: a varint longer than 8 bytes (a length beyond 2^53 − 1).
 * Nothing was consumed.
 *
 * @example
 * ```ts
 * for await (const m of messages(conn, { header: 'varint' })) handle(m); // may throw InvalidFrameError
 * ```
 */
export class InvalidFrameError extends SockflowError {
  /** Always `'ERR_FRAME_INVALID'`. */
  declare readonly code: 'ERR_FRAME_INVALID';
  /** Always `'InvalidFrameError'`. */
  override readonly name = 'InvalidFrameError';

  /** @param message - what happened. */
  constructor(message: string) {
    super(message, 'ERR_FRAME_INVALID');
  }
}

/**
 * A frame was not complete within `frameTimeout` ms of its first byte: a peer that keeps a
 * frame open, trickling bytes so that `idleTimeout` never fires. The bytes taken are given
 * back unread, as for an abort; the usual answer is to close the connection.
 *
 * @example
 * ```ts
 * try {
 *   for await (const line of lines(conn, { maxLineLength: 4096, frameTimeout: 10_000 })) handle(line);
 * } catch (err) {
 *   if (err instanceof FrameTimeoutError) await conn.reset(); // slowloris
 *   else throw err;
 * }
 * ```
 */
export class FrameTimeoutError extends SockflowError {
  /** Always `'ERR_FRAME_TIMEOUT'`. */
  declare readonly code: 'ERR_FRAME_TIMEOUT';
  /** Always `'FrameTimeoutError'`. */
  override readonly name = 'FrameTimeoutError';
  /** The `frameTimeout` that expired, in milliseconds. */
  readonly timeout: number;

  /**
   * @param message - what happened.
   * @param timeout - the `frameTimeout` in milliseconds.
   */
  constructor(message: string, timeout: number) {
    super(message, 'ERR_FRAME_TIMEOUT');
    this.timeout = timeout;
  }
}
