/**
 * Error classes and codes of sockflow's core.
 *
 * Every error sockflow raises has a stable `code` to match on; `docs/errors.md` lists them all.
 * Errors from the operating system (`ECONNRESET`, `ECONNREFUSED`, `ENOTFOUND`, …) are not
 * wrapped: they reach you as Node raised them, with their system `code`.
 *
 * @module
 */

/**
 * The codes of the errors sockflow itself raises. System codes (`ECONNRESET`…) pass through
 * unchanged and are not listed here.
 *
 * @example
 * ```ts
 * function isBusy(err: unknown): boolean {
 *   return (err as { code?: SockflowErrorCode }).code === 'ERR_SOCKET_BUSY';
 * }
 * ```
 */
export type SockflowErrorCode =
  | 'ERR_SOCKET_CLOSED'
  | 'ERR_SOCKET_SHUTDOWN'
  | 'ERR_SOCKET_BUSY'
  | 'ERR_SOCKET_SEND_ABORTED'
  | 'ERR_SOCKET_IDLE_TIMEOUT'
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_SOCKET_BAD_PORT';

/**
 * Raised when an operation runs into a connection or listener that we closed or reset, or
 * that is closing: every operation pending at `close()`/`reset()` and every later one.
 *
 * @example
 * ```ts
 * try {
 *   await conn.receive(buf);
 * } catch (err) {
 *   if (err instanceof SocketClosedError) return; // we closed it meanwhile
 *   throw err;
 * }
 * ```
 */
export class SocketClosedError extends Error {
  /** Always `'ERR_SOCKET_CLOSED'`. */
  readonly code = 'ERR_SOCKET_CLOSED';
  /** Always `'SocketClosedError'`. */
  override readonly name = 'SocketClosedError';
}

/**
 * Raised by `send()` after `shutdown('send')` (or `shutdown('both')`): the sending side
 * has been closed with a FIN and no byte can follow it.
 *
 * @example
 * ```ts
 * await conn.shutdown('send');
 * await conn.send('late'); // rejects with SocketShutdownError, code 'ERR_SOCKET_SHUTDOWN'
 * ```
 */
export class SocketShutdownError extends Error {
  /** Always `'ERR_SOCKET_SHUTDOWN'`. */
  readonly code = 'ERR_SOCKET_SHUTDOWN';
  /** Always `'SocketShutdownError'`. */
  override readonly name = 'SocketShutdownError';
}

/**
 * Raised when a second receive (`receive`, `read`, an iterator step, or a second live
 * iterator) starts while one is pending: two readers of one byte stream is a bug.
 *
 * @example
 * ```ts
 * const first = conn.read();
 * await conn.read(); // rejects with SocketBusyError, code 'ERR_SOCKET_BUSY'
 * ```
 */
export class SocketBusyError extends Error {
  /** Always `'ERR_SOCKET_BUSY'`. */
  readonly code = 'ERR_SOCKET_BUSY';
  /** Always `'SocketBusyError'`. */
  override readonly name = 'SocketBusyError';
}

/**
 * Raised by a `send()` whose signal fired after its bytes were handed to the operating
 * system. Bytes handed over cannot be taken back, so the connection was reset (the peer must
 * not see a silently truncated message); `bytesWritten` says how many of this send's bytes
 * the OS had taken, and `cause` is the signal's reason.
 *
 * A send aborted while it still waited in the queue rejects with the signal's reason
 * itself instead, and nothing of it was sent.
 *
 * @example
 * ```ts
 * try {
 *   await conn.send(big, { signal: AbortSignal.timeout(100) });
 * } catch (err) {
 *   if (err instanceof SendAbortedError) console.log(`${err.bytesWritten} bytes went out`);
 * }
 * ```
 */
export class SendAbortedError extends Error {
  /** Always `'ERR_SOCKET_SEND_ABORTED'`. */
  readonly code = 'ERR_SOCKET_SEND_ABORTED';
  /** Always `'SendAbortedError'`. */
  override readonly name = 'SendAbortedError';
  /** How many bytes of the aborted send the operating system had accepted. */
  readonly bytesWritten: number;

  /**
   * @param message - what happened.
   * @param bytesWritten - bytes of this send the OS had accepted.
   * @param reason - the signal's reason, kept as `cause`.
   */
  constructor(message: string, bytesWritten: number, reason: unknown) {
    super(message, { cause: reason });
    this.bytesWritten = bytesWritten;
  }
}

/**
 * Raised when `idleTimeout` ended a connection: for the operations pending then, and for
 * later ones once bytes already received have been read.
 *
 * @example
 * ```ts
 * const conn = await connect({ port }, { idleTimeout: 30_000 });
 * await conn.read(); // rejects with IdleTimeoutError after 30 s of silence both ways
 * ```
 */
export class IdleTimeoutError extends Error {
  /** Always `'ERR_SOCKET_IDLE_TIMEOUT'`. */
  readonly code = 'ERR_SOCKET_IDLE_TIMEOUT';
  /** Always `'IdleTimeoutError'`. */
  override readonly name = 'IdleTimeoutError';
}

/**
 * An argument of the wrong type, thrown synchronously before any I/O (Node's code).
 *
 * @example
 * ```ts
 * conn.receive('nope' as never); // throws InvalidArgTypeError, code 'ERR_INVALID_ARG_TYPE'
 * ```
 */
export class InvalidArgTypeError extends TypeError {
  /** Always `'ERR_INVALID_ARG_TYPE'`. */
  readonly code = 'ERR_INVALID_ARG_TYPE';
  /** Always `'TypeError'`. */
  override readonly name = 'TypeError';
}

/**
 * An argument of the right type but an unusable value (an unknown enum string, an empty
 * host), thrown synchronously before any I/O (Node's code).
 *
 * @example
 * ```ts
 * conn.shutdown('sideways' as never); // throws InvalidArgValueError, code 'ERR_INVALID_ARG_VALUE'
 * ```
 */
export class InvalidArgValueError extends TypeError {
  /** Always `'ERR_INVALID_ARG_VALUE'`. */
  readonly code = 'ERR_INVALID_ARG_VALUE';
  /** Always `'TypeError'`. */
  override readonly name = 'TypeError';
}

/**
 * A number or size outside its allowed range (a negative size, an empty receive buffer),
 * thrown synchronously before any I/O (Node's code).
 *
 * @example
 * ```ts
 * conn.receive(new Uint8Array(0)); // throws OutOfRangeError, code 'ERR_OUT_OF_RANGE'
 * ```
 */
export class OutOfRangeError extends RangeError {
  /** Always `'ERR_OUT_OF_RANGE'`. */
  readonly code = 'ERR_OUT_OF_RANGE';
  /** Always `'RangeError'`. */
  override readonly name = 'RangeError';
}

/**
 * A port outside 0–65535 (1–65535 to connect), thrown synchronously (Node's code).
 *
 * @example
 * ```ts
 * await connect({ port: 70_000 }); // throws BadPortError, code 'ERR_SOCKET_BAD_PORT'
 * ```
 */
export class BadPortError extends RangeError {
  /** Always `'ERR_SOCKET_BAD_PORT'`. */
  readonly code = 'ERR_SOCKET_BAD_PORT';
  /** Always `'RangeError'`. */
  override readonly name = 'RangeError';
}

/**
 * The error a failed system call reported, as Node raises it: an `Error` whose `code` is
 * the system's (`ECONNRESET`, `ECONNREFUSED`, `ENOTFOUND`…). sockflow passes these through
 * unchanged.
 *
 * @example
 * ```ts
 * try {
 *   await connect({ port: 1 });
 * } catch (err) {
 *   if (isSystemError(err) && err.code === 'ECONNREFUSED') console.log('nobody listens');
 * }
 * ```
 */
export interface SystemError extends Error {
  /** The system error code, such as `'ECONNRESET'`. */
  code: string;
  /** The negative libuv error number, when Node gave one. */
  errno?: number;
  /** The system call that failed, such as `'connect'` or `'read'`. */
  syscall?: string;
}

/**
 * Tells whether `err` is an error with a string `code` (a system error or one of ours).
 *
 * @example
 * ```ts
 * if (isSystemError(err) && err.code === 'ECONNRESET') reconnect();
 * ```
 */
export function isSystemError(err: unknown): err is SystemError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
}
