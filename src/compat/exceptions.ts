/**
 * .NET's exceptions, as JavaScript errors. Each is named after its .NET counterpart, carries
 * .NET's message, and has a stable `code` to match on; argument errors are `TypeError`s or
 * `RangeError`s with `paramName`, as Node's own argument errors are `TypeError`s and
 * `RangeError`s. `instanceof` follows .NET's hierarchy where JavaScript allows:
 * `ArgumentNullException` and `ArgumentOutOfRangeException` are `ArgumentException`s,
 * `ObjectDisposedException` is an `InvalidOperationException`, `PlatformNotSupportedException`
 * is a `NotSupportedException`. Every one is a sockflow error: `SockflowError.is(err)` and
 * `err instanceof SockflowError` hold for each.
 *
 * @module
 */
import { brandErrorClass, SockflowError } from '../core/index.js';
import { detailsOf, SocketError } from './socket-error.js';
import { Messages } from './internal/messages.js';

function describeValue(value: unknown): string {
  return typeof value === 'object' && value !== null
    ? Object.prototype.toString.call(value)
    : String(value);
}

function withParam(message: string, paramName: string | undefined): string {
  return paramName === undefined ? message : `${message} (Parameter '${paramName}')`;
}

/**
 * An argument is not valid (.NET's `ArgumentException`); thrown synchronously, before any
 * I/O. `instanceof ArgumentException` also holds for `ArgumentNullException` and
 * `ArgumentOutOfRangeException`.
 *
 * @example
 * ```ts
 * try {
 *   e.setBuffer(buf, 0, 4); // while bufferList is set
 * } catch (err) {
 *   if (err instanceof ArgumentException) console.log(err.message);
 * }
 * ```
 */
export class ArgumentException extends TypeError {
  /** `'ERR_INVALID_ARG_VALUE'`, Node's code for an unusable argument. */
  readonly code: string = 'ERR_INVALID_ARG_VALUE';
  /** Always `'ArgumentException'` (or the subclass's name). */
  override readonly name: string = 'ArgumentException';
  /** The parameter at fault, as .NET names it (`'e'`, `'offset'`…), if any. */
  readonly paramName: string | undefined;

  /**
   * @param message - .NET's message, without the parameter suffix.
   * @param paramName - the parameter at fault.
   */
  constructor(message: string, paramName?: string) {
    super(withParam(message, paramName));
    this.paramName = paramName;
  }

  /**
   * Also true for `ArgumentOutOfRangeException`, a `RangeError` here.
   *
   * @example
   * ```ts
   * new ArgumentOutOfRangeException('offset') instanceof ArgumentException; // true
   * ```
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      Function.prototype[Symbol.hasInstance].call(this, value) ||
      (this === ArgumentException &&
        Function.prototype[Symbol.hasInstance].call(ArgumentOutOfRangeException, value))
    );
  }
}
brandErrorClass(ArgumentException);

/**
 * A required argument is `null` or `undefined` (.NET's `ArgumentNullException`).
 *
 * @example
 * ```ts
 * socket.receiveAsync(null as never); // throws ArgumentNullException, paramName 'e'
 * ```
 */
export class ArgumentNullException extends ArgumentException {
  /** `'ERR_INVALID_ARG_TYPE'`, Node's code for a missing or mistyped argument. */
  override readonly code: string = 'ERR_INVALID_ARG_TYPE';
  /** Always `'ArgumentNullException'`. */
  override readonly name: string = 'ArgumentNullException';

  /**
   * @param paramName - the parameter that was null.
   * @param message - defaults to .NET's "Value cannot be null.".
   */
  constructor(paramName: string, message: string = Messages.valueNull) {
    super(message, paramName);
  }
}

/**
 * A number is outside its allowed range (.NET's `ArgumentOutOfRangeException`): a
 * `RangeError` with `paramName` and `actualValue`. `instanceof ArgumentException` holds too.
 *
 * @example
 * ```ts
 * e.setBuffer(new Uint8Array(1), 2, 0); // throws ArgumentOutOfRangeException, paramName 'offset'
 * ```
 */
export class ArgumentOutOfRangeException extends RangeError {
  /** `'ERR_OUT_OF_RANGE'`, Node's code. */
  readonly code = 'ERR_OUT_OF_RANGE';
  /** Always `'ArgumentOutOfRangeException'`. */
  override readonly name = 'ArgumentOutOfRangeException';
  /** The parameter at fault. */
  readonly paramName: string;
  /** The value that was out of range, when known. */
  readonly actualValue: unknown;

  /**
   * @param paramName - the parameter at fault.
   * @param message - .NET's message, without the parameter suffix.
   * @param actualValue - the offending value (appended as "Actual value was …").
   */
  constructor(paramName: string, message: string = Messages.outOfRange, actualValue?: unknown) {
    super(
      withParam(message, paramName) +
        (actualValue === undefined ? '' : `\nActual value was ${describeValue(actualValue)}.`),
    );
    this.paramName = paramName;
    this.actualValue = actualValue;
  }
}
brandErrorClass(ArgumentOutOfRangeException);

/**
 * The object is not in a state that allows the call (.NET's `InvalidOperationException`):
 * an event-args object already busy with an operation, accepting on a socket that is not
 * listening, and so on.
 *
 * @example
 * ```ts
 * socket.receiveAsync(e);
 * socket.receiveAsync(e); // throws InvalidOperationException: already in progress
 * ```
 */
export class InvalidOperationException extends SockflowError {
  /** `'ERR_INVALID_STATE'`, Node's code for a call in the wrong state. */
  override readonly code: string = 'ERR_INVALID_STATE';
  /** Always `'InvalidOperationException'` (or the subclass's name). */
  override readonly name: string = 'InvalidOperationException';

  /**
   * @param message - .NET's message.
   * @param options - `cause`, as for `Error`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'ERR_INVALID_STATE', options);
  }
}

/**
 * The object was disposed (.NET's `ObjectDisposedException`): every operation on a closed
 * `Socket`, or on a disposed `SocketAsyncEventArgs`.
 *
 * @example
 * ```ts
 * socket.close();
 * socket.receiveAsync(e); // throws ObjectDisposedException
 * ```
 */
export class ObjectDisposedException extends InvalidOperationException {
  /** `'ERR_OBJECT_DISPOSED'`. */
  override readonly code: string = 'ERR_OBJECT_DISPOSED';
  /** Always `'ObjectDisposedException'`. */
  override readonly name: string = 'ObjectDisposedException';
  /** The .NET type name of the disposed object. */
  readonly objectName: string;

  /** @param objectName - the .NET type name, such as `'System.Net.Sockets.Socket'`. */
  constructor(objectName: string) {
    super(Messages.disposed(objectName));
    this.objectName = objectName;
  }
}

/**
 * The call is not supported (.NET's `NotSupportedException`): connecting to an endpoint of
 * another address family, datagram operations before datagram support, and so on.
 *
 * @example
 * ```ts
 * socket.sendToAsync(e); // throws NotSupportedException until datagram support lands
 * ```
 */
export class NotSupportedException extends SockflowError {
  /** `'ERR_NOT_SUPPORTED'`. */
  override readonly code: string = 'ERR_NOT_SUPPORTED';
  /** Always `'NotSupportedException'` (or the subclass's name). */
  override readonly name: string = 'NotSupportedException';

  /**
   * @param message - .NET's message.
   * @param options - `cause`, as for `Error`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'ERR_NOT_SUPPORTED', options);
  }
}

/**
 * The call is not supported on this platform (.NET's `PlatformNotSupportedException`), as
 * .NET on Linux says of receiving data with `acceptAsync`.
 *
 * @example
 * ```ts
 * e.setBuffer(new Uint8Array(1024), 0, 1024);
 * server.acceptAsync(e); // throws PlatformNotSupportedException (as on Linux)
 * ```
 */
export class PlatformNotSupportedException extends NotSupportedException {
  /** `'ERR_PLATFORM_NOT_SUPPORTED'`. */
  override readonly code: string = 'ERR_PLATFORM_NOT_SUPPORTED';
  /** Always `'PlatformNotSupportedException'`. */
  override readonly name: string = 'PlatformNotSupportedException';
}

/**
 * A socket operation failed (.NET's `SocketException`), thrown by the calls .NET throws from
 * (`shutdown` on a socket never connected, `bind` twice…) and carried by
 * `SocketAsyncEventArgs.connectByNameError`. Match on `socketErrorCode`.
 *
 * @example
 * ```ts
 * function shutDownSending(socket: Socket): void {
 *   try {
 *     socket.shutdown(SocketShutdown.Send);
 *   } catch (err) {
 *     if (err instanceof SocketException && err.socketErrorCode === SocketError.NotConnected) return;
 *     throw err;
 *   }
 * }
 * ```
 */
export class SocketException extends SockflowError {
  /** Always `'ERR_SOCKET_EXCEPTION'`; the kind of failure is `socketErrorCode`. */
  declare readonly code: 'ERR_SOCKET_EXCEPTION';
  /** Always `'SocketException'`. */
  override readonly name = 'SocketException';
  /** What failed, as a `SocketError`. */
  readonly socketErrorCode: SocketError;
  /** The platform's error number, as .NET reports it on Linux (the errno, such as 107). */
  readonly nativeErrorCode: number;
  /** Same as `nativeErrorCode`, as in .NET on Linux. */
  readonly errorCode: number;

  /**
   * @param socketError - what failed; the message is the system's text for it, as in .NET.
   * @param options - `cause`: the Node error behind it.
   */
  constructor(socketError: SocketError, options?: { cause?: unknown }) {
    const [native, message] = detailsOf(socketError);
    super(message, 'ERR_SOCKET_EXCEPTION', options);
    this.socketErrorCode = socketError;
    this.nativeErrorCode = native;
    this.errorCode = native;
  }
}

/**
 * A string is not in the expected format (.NET's `FormatException`), such as an invalid IP
 * address given to `IPAddress.parse`.
 *
 * @example
 * ```ts
 * IPAddress.parse('300.1.1.1'); // throws FormatException
 * ```
 */
export class FormatException extends TypeError {
  /** `'ERR_INVALID_ARG_VALUE'`. */
  readonly code = 'ERR_INVALID_ARG_VALUE';
  /** Always `'FormatException'`. */
  override readonly name = 'FormatException';
}
brandErrorClass(FormatException);
