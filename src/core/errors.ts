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
 * The codes of the errors sockflow's core raises. System codes (`ECONNRESET`…) pass through
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
  | 'ERR_SOCKET_BAD_PORT'
  | 'ERR_TLS_ALREADY_SECURE'
  | 'ERR_TLS_TRUNCATED';

/**
 * The brand every sockflow error class carries on its prototype. A registered symbol, so two
 * copies of sockflow installed side by side (a dependency's and the application's) share it.
 */
const BRAND: unique symbol = Symbol.for('sockflow.error') as never;

function isBranded(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [BRAND]?: unknown })[BRAND] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/**
 * @internal Marks an error class as a sockflow error: for the classes of every layer that
 * extend `TypeError` or `RangeError` (as Node's argument errors do) and so cannot extend
 * {@link SockflowError}.
 */
export function brandErrorClass(cls: abstract new (...args: never[]) => Error): void {
  Object.defineProperty(cls.prototype, BRAND, { value: true });
}

/**
 * The base of every error sockflow raises, in every layer: each has a stable string `code`.
 *
 * `err instanceof SockflowError` and `SockflowError.is(err)` read a brand rather than the
 * prototype chain, so they hold across two installed copies of sockflow, and also for the
 * argument errors, which extend `TypeError` or `RangeError` as Node's own do
 * ({@link InvalidArgTypeError}, {@link OutOfRangeError}, compat's `ArgumentException`…).
 * System errors (`ECONNRESET`…) are Node's and are not sockflow errors: see
 * {@link isSystemError}.
 *
 * @example
 * ```ts
 * try {
 *   await conn.send(data);
 * } catch (err) {
 *   if (SockflowError.is(err)) console.log(`sockflow said ${err.code}`);
 *   else throw err;
 * }
 * ```
 */
export class SockflowError extends Error {
  /** A stable code to match on, such as `'ERR_SOCKET_CLOSED'`. */
  readonly code: string;

  /**
   * @param message - what happened.
   * @param code - the stable code.
   * @param options - `cause`, as for `Error`.
   */
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  /**
   * True when `value` is an error raised by sockflow (any layer, any installed copy).
   *
   * @example
   * ```ts
   * if (SockflowError.is(err) && err.code === 'ERR_SOCKET_CLOSED') console.log('we closed it');
   * ```
   */
  static is(this: void, value: unknown): value is SockflowError {
    return isBranded(value);
  }

  /**
   * `instanceof SockflowError` is the branded check of {@link SockflowError.is}; on a
   * subclass, `instanceof` is the ordinary prototype check.
   *
   * @example
   * ```ts
   * new InvalidArgTypeError('bad') instanceof SockflowError; // true, though it is a TypeError
   * ```
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === SockflowError) return isBranded(value);
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}
brandErrorClass(SockflowError);

/**
 * Raised when an operation runs into a connection or listener that we closed or reset, or
 * that is closing: every operation pending at `close()`/`reset()` and every later one.
 *
 * @example
 * ```ts
 * async function receiveUnlessClosed(conn: Connection, buf: Uint8Array): Promise<number> {
 *   try {
 *     return await conn.receive(buf);
 *   } catch (err) {
 *     if (err instanceof SocketClosedError) return 0; // we closed it meanwhile
 *     throw err;
 *   }
 * }
 * ```
 */
export class SocketClosedError extends SockflowError {
  /** Always `'ERR_SOCKET_CLOSED'`. */
  declare readonly code: 'ERR_SOCKET_CLOSED';
  /** Always `'SocketClosedError'`. */
  override readonly name = 'SocketClosedError';

  /**
   * @param message - what happened.
   * @param options - `cause`, as for `Error`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'ERR_SOCKET_CLOSED', options);
  }
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
export class SocketShutdownError extends SockflowError {
  /** Always `'ERR_SOCKET_SHUTDOWN'`. */
  declare readonly code: 'ERR_SOCKET_SHUTDOWN';
  /** Always `'SocketShutdownError'`. */
  override readonly name = 'SocketShutdownError';

  /**
   * @param message - what happened.
   * @param options - `cause`, as for `Error`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'ERR_SOCKET_SHUTDOWN', options);
  }
}

/**
 * A `send()` that would take the bytes waiting in the send queue past `maxQueuedSendBytes`:
 * it rejects at once, having sent nothing, and the connection stays usable. The sign of an
 * application that starts sends without awaiting them while the peer does not read.
 *
 * @example
 * ```ts
 * try {
 *   await conn.send(message);
 * } catch (err) {
 *   if (!SockflowError.is(err) || err.code !== 'ERR_SOCKET_SEND_QUEUE_FULL') throw err;
 *   await conn.reset(); // a reader this slow is dropped
 * }
 * ```
 */
export class SendQueueFullError extends SockflowError {
  /** Always `'ERR_SOCKET_SEND_QUEUE_FULL'`. */
  declare readonly code: 'ERR_SOCKET_SEND_QUEUE_FULL';
  /** Always `'SendQueueFullError'`. */
  override readonly name = 'SendQueueFullError';

  /**
   * @param message - what happened.
   * @param options - `cause`, as for `Error`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'ERR_SOCKET_SEND_QUEUE_FULL', options);
  }
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
export class SocketBusyError extends SockflowError {
  /** Always `'ERR_SOCKET_BUSY'`. */
  declare readonly code: 'ERR_SOCKET_BUSY';
  /** Always `'SocketBusyError'`. */
  override readonly name = 'SocketBusyError';

  /**
   * @param message - what happened.
   * @param options - `cause`, as for `Error`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'ERR_SOCKET_BUSY', options);
  }
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
export class SendAbortedError extends SockflowError {
  /** Always `'ERR_SOCKET_SEND_ABORTED'`. */
  declare readonly code: 'ERR_SOCKET_SEND_ABORTED';
  /** Always `'SendAbortedError'`. */
  override readonly name = 'SendAbortedError';
  /**
   * How many bytes of the aborted send the operating system had accepted. On a runtime whose
   * sockets cannot say (Bun, Deno: see `docs/node-notes.md`), the bytes of it handed to the
   * socket, an upper bound.
   */
  readonly bytesWritten: number;

  /**
   * @param message - what happened.
   * @param bytesWritten - bytes of this send the OS had accepted.
   * @param reason - the signal's reason, kept as `cause`.
   */
  constructor(message: string, bytesWritten: number, reason: unknown) {
    super(message, 'ERR_SOCKET_SEND_ABORTED', { cause: reason });
    this.bytesWritten = bytesWritten;
  }
}

/**
 * Raised when a TLS peer ended its stream without close_notify (TCP FIN alone): a truncated
 * stream, which an attacker on the path can cause by cutting the connection, so it is not
 * reported as a clean end. Receives get every byte that arrived first, then this error;
 * sending is unaffected (the peer may still read). `closed` then resolves with
 * `reason: 'error'` and this error. A protocol that delimits its own messages (a length, a
 * final line) may decide that what it received was complete.
 *
 * @example
 * ```ts
 * try {
 *   for await (const chunk of conn) consume(chunk);
 * } catch (err) {
 *   if (err instanceof TlsTruncatedError) console.warn('the peer cut the stream short');
 *   else throw err;
 * }
 * ```
 */
export class TlsTruncatedError extends SockflowError {
  /** Always `'ERR_TLS_TRUNCATED'`. */
  declare readonly code: 'ERR_TLS_TRUNCATED';
  /** Always `'TlsTruncatedError'`. */
  override readonly name = 'TlsTruncatedError';

  /**
   * @param message - what happened.
   * @param options - `cause`, as for `Error`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'ERR_TLS_TRUNCATED', options);
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
export class IdleTimeoutError extends SockflowError {
  /** Always `'ERR_SOCKET_IDLE_TIMEOUT'`. */
  declare readonly code: 'ERR_SOCKET_IDLE_TIMEOUT';
  /** Always `'IdleTimeoutError'`. */
  override readonly name = 'IdleTimeoutError';

  /**
   * @param message - what happened.
   * @param options - `cause`, as for `Error`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'ERR_SOCKET_IDLE_TIMEOUT', options);
  }
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
brandErrorClass(InvalidArgTypeError);

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
brandErrorClass(InvalidArgValueError);

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
brandErrorClass(OutOfRangeError);

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
brandErrorClass(BadPortError);

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
