/**
 * .NET's `SocketError` codes, and the one function that maps Node's error codes onto them.
 *
 * @module
 */

/**
 * The result of a socket operation (.NET's `SocketError`), with .NET's numeric values.
 * `SocketAsyncEventArgs.socketError` holds one after every operation, and
 * `SocketException.socketErrorCode` carries one.
 *
 * @example
 * ```ts
 * if (e.socketError !== SocketError.Success) closeClient(e);
 * ```
 */
export enum SocketError {
  /** The operation succeeded. */
  Success = 0,
  /** The operation was aborted because the socket was closed (or the connect was cancelled). */
  OperationAborted = 995,
  /** The operation is pending (internal to .NET; never reported by sockflow/compat). */
  IOPending = 997,
  /** A blocking call was interrupted. */
  Interrupted = 10004,
  /** Access was denied (`EACCES`, `EPERM`). */
  AccessDenied = 10013,
  /** A bad address was given (`EFAULT`). */
  Fault = 10014,
  /** An invalid argument (`EINVAL`). */
  InvalidArgument = 10022,
  /** Out of file descriptors (`EMFILE`, `ENFILE`). */
  TooManyOpenSockets = 10024,
  /** The operation would block (`EAGAIN`). */
  WouldBlock = 10035,
  /** A blocking operation is in progress (`EINPROGRESS`). */
  InProgress = 10036,
  /** An operation is already in progress: a second connect while one is pending (`EALREADY`). */
  AlreadyInProgress = 10037,
  /** Not a socket (`ENOTSOCK`). */
  NotSocket = 10038,
  /** No destination address (`EDESTADDRREQ`). */
  DestinationAddressRequired = 10039,
  /** A datagram was too long (`EMSGSIZE`). */
  MessageSize = 10040,
  /** The protocol does not fit the socket type (`EPROTOTYPE`). */
  ProtocolType = 10041,
  /** An unknown or unsupported option (`ENOPROTOOPT`). */
  ProtocolOption = 10042,
  /** The protocol is not supported (`EPROTONOSUPPORT`). */
  ProtocolNotSupported = 10043,
  /** The socket type is not supported (`ESOCKTNOSUPPORT`). */
  SocketNotSupported = 10044,
  /** The operation is not supported, such as an unsupported socket flag (`EOPNOTSUPP`). */
  OperationNotSupported = 10045,
  /** The protocol family is not supported (`EPFNOSUPPORT`). */
  ProtocolFamilyNotSupported = 10046,
  /** The address family is not supported (`EAFNOSUPPORT`, `EAI_FAMILY`). */
  AddressFamilyNotSupported = 10047,
  /** The address is in use (`EADDRINUSE`). */
  AddressAlreadyInUse = 10048,
  /** The address is not valid here (`EADDRNOTAVAIL`, `ENOENT`). */
  AddressNotAvailable = 10049,
  /** The network is down (`ENETDOWN`). */
  NetworkDown = 10050,
  /** No route to the network (`ENETUNREACH`). */
  NetworkUnreachable = 10051,
  /** The network dropped the connection (`ENETRESET`). */
  NetworkReset = 10052,
  /** The connection was aborted locally (`ECONNABORTED`). */
  ConnectionAborted = 10053,
  /** The peer reset the connection (`ECONNRESET`). */
  ConnectionReset = 10054,
  /** Out of buffer space (`ENOBUFS`). */
  NoBufferSpaceAvailable = 10055,
  /** The socket is already connected (`EISCONN`). */
  IsConnected = 10056,
  /** The socket is not connected (`ENOTCONN`). */
  NotConnected = 10057,
  /** Sending was shut down, or the peer is gone (`EPIPE`). */
  Shutdown = 10058,
  /** The connection attempt or connection timed out (`ETIMEDOUT`). */
  TimedOut = 10060,
  /** Nobody listens there (`ECONNREFUSED`). */
  ConnectionRefused = 10061,
  /** The host is down (`EHOSTDOWN`). */
  HostDown = 10064,
  /** No route to the host (`EHOSTUNREACH`). */
  HostUnreachable = 10065,
  /** Too many processes (Windows only). */
  ProcessLimit = 10067,
  /** The network subsystem is not ready (Windows only). */
  SystemNotReady = 10091,
  /** The Winsock version is not supported (Windows only). */
  VersionNotSupported = 10092,
  /** Winsock is not initialized (Windows only). */
  NotInitialized = 10093,
  /** A graceful shutdown is in progress (`ESHUTDOWN`). */
  Disconnecting = 10101,
  /** The class type was not found (Windows only). */
  TypeNotFound = 10109,
  /** The host name does not resolve (`ENOTFOUND`, `EAI_NONAME`, `ENXIO`). */
  HostNotFound = 11001,
  /** Name resolution failed for now; try again (`EAI_AGAIN`). */
  TryAgain = 11002,
  /** Name resolution failed for good (`EAI_FAIL`). */
  NoRecovery = 11003,
  /** The name has no address of the wanted kind (`ENODATA`, `EAI_NODATA`). */
  NoData = 11004,
  /** Any other error. */
  SocketError = -1,
}

/**
 * Node's error codes, mapped as .NET maps the errno values behind them on Linux
 * (`SocketErrorPal.Unix.cs`), plus the name-resolution codes and the conditions only Node
 * has. Anything else is `SocketError.SocketError`.
 */
const BY_CODE: ReadonlyMap<string, SocketError> = new Map([
  ['EACCES', SocketError.AccessDenied],
  ['EPERM', SocketError.AccessDenied],
  ['EADDRINUSE', SocketError.AddressAlreadyInUse],
  ['EADDRNOTAVAIL', SocketError.AddressNotAvailable],
  ['ENOENT', SocketError.AddressNotAvailable],
  ['EAFNOSUPPORT', SocketError.AddressFamilyNotSupported],
  ['EAGAIN', SocketError.WouldBlock],
  ['EWOULDBLOCK', SocketError.WouldBlock],
  ['EALREADY', SocketError.AlreadyInProgress],
  ['EBADF', SocketError.OperationAborted],
  ['ECANCELED', SocketError.OperationAborted],
  ['ECONNABORTED', SocketError.ConnectionAborted],
  ['ECONNREFUSED', SocketError.ConnectionRefused],
  ['ECONNRESET', SocketError.ConnectionReset],
  ['EDESTADDRREQ', SocketError.DestinationAddressRequired],
  ['EFAULT', SocketError.Fault],
  ['EHOSTDOWN', SocketError.HostDown],
  ['ENXIO', SocketError.HostNotFound],
  ['EHOSTUNREACH', SocketError.HostUnreachable],
  ['EINPROGRESS', SocketError.InProgress],
  ['EINTR', SocketError.Interrupted],
  ['EINVAL', SocketError.InvalidArgument],
  ['EISCONN', SocketError.IsConnected],
  ['EMFILE', SocketError.TooManyOpenSockets],
  ['ENFILE', SocketError.TooManyOpenSockets],
  ['EMSGSIZE', SocketError.MessageSize],
  ['ENETDOWN', SocketError.NetworkDown],
  ['ENETRESET', SocketError.NetworkReset],
  ['ENETUNREACH', SocketError.NetworkUnreachable],
  ['ENOBUFS', SocketError.NoBufferSpaceAvailable],
  ['ENODATA', SocketError.NoData],
  ['ENOPROTOOPT', SocketError.ProtocolOption],
  ['ENOTCONN', SocketError.NotConnected],
  ['ENOTSOCK', SocketError.NotSocket],
  ['ENOTSUP', SocketError.OperationNotSupported],
  ['EOPNOTSUPP', SocketError.OperationNotSupported],
  ['EPIPE', SocketError.Shutdown],
  ['EPFNOSUPPORT', SocketError.ProtocolFamilyNotSupported],
  ['EPROTONOSUPPORT', SocketError.ProtocolNotSupported],
  ['EPROTOTYPE', SocketError.ProtocolType],
  ['ESOCKTNOSUPPORT', SocketError.SocketNotSupported],
  ['ESHUTDOWN', SocketError.Disconnecting],
  ['ETIMEDOUT', SocketError.TimedOut],
  // Name resolution (Node reports EAI_NONAME and EAI_NODATA both as ENOTFOUND).
  ['ENOTFOUND', SocketError.HostNotFound],
  ['EAI_NONAME', SocketError.HostNotFound],
  ['EAI_NODATA', SocketError.HostNotFound],
  ['EAI_AGAIN', SocketError.TryAgain],
  ['EAI_FAIL', SocketError.NoRecovery],
  ['EAI_FAMILY', SocketError.AddressFamilyNotSupported],
  ['EAI_BADFLAGS', SocketError.InvalidArgument],
  // Conditions only Node (or sockflow) has.
  ['ERR_STREAM_WRITE_AFTER_END', SocketError.Shutdown],
  ['ERR_SOCKET_SHUTDOWN', SocketError.Shutdown],
  ['ERR_STREAM_DESTROYED', SocketError.OperationAborted],
  ['ERR_SOCKET_CLOSED', SocketError.OperationAborted],
  ['ERR_SOCKET_SEND_ABORTED', SocketError.OperationAborted],
  // The core's maxQueuedSendBytes (no .NET counterpart): out of send buffer space.
  ['ERR_SOCKET_SEND_QUEUE_FULL', SocketError.NoBufferSpaceAvailable],
  ['ABORT_ERR', SocketError.OperationAborted],
  ['ERR_SOCKET_CONNECTION_TIMEOUT', SocketError.TimedOut],
  ['ERR_SOCKET_IDLE_TIMEOUT', SocketError.TimedOut],
]);

/**
 * Maps a Node error, or its `code`, to the `SocketError` .NET reports for the same condition
 * on Linux: `ECONNRESET` → `ConnectionReset`, `EPIPE` → `Shutdown`, `ENOTFOUND` →
 * `HostNotFound`, an aborted operation (`AbortError`, sockflow's `ERR_SOCKET_CLOSED`) →
 * `OperationAborted`, and so on (the table is in `docs/compat.md`). Matches on the string
 * `code`, never on the platform-dependent `errno`. Anything unknown is
 * `SocketError.SocketError`.
 *
 * @param error - an `Error` with a `code` (a `DOMException` named `AbortError` or
 *   `TimeoutError` counts as aborted), or the code itself.
 *
 * @example
 * ```ts
 * toSocketError('ECONNREFUSED'); // SocketError.ConnectionRefused
 * toSocketError(err);            // from a Node error's code
 * ```
 */
export function toSocketError(error: unknown): SocketError {
  let code: unknown = error;
  if (typeof error === 'object' && error !== null) {
    code = (error as { code?: unknown }).code;
    const name = (error as { name?: unknown }).name;
    if (typeof code !== 'string' && (name === 'AbortError' || name === 'TimeoutError')) {
      return SocketError.OperationAborted;
    }
  }
  if (typeof code !== 'string') return SocketError.SocketError;
  return BY_CODE.get(code) ?? SocketError.SocketError;
}

const DETAILS: ReadonlyMap<SocketError, readonly [native: number, message: string]> = new Map(
  (
    [
      [SocketError.Success, 0, 'Success'],
      [SocketError.OperationAborted, 125, 'Operation canceled'],
      [SocketError.IOPending, 115, 'Operation now in progress'],
      [SocketError.Interrupted, 4, 'Interrupted system call'],
      [SocketError.AccessDenied, 13, 'Permission denied'],
      [SocketError.Fault, 14, 'Bad address'],
      [SocketError.InvalidArgument, 22, 'Invalid argument'],
      [SocketError.TooManyOpenSockets, 23, 'Too many open files in system'],
      [SocketError.WouldBlock, 11, 'Resource temporarily unavailable'],
      [SocketError.InProgress, 115, 'Operation now in progress'],
      [SocketError.AlreadyInProgress, 114, 'Operation already in progress'],
      [SocketError.NotSocket, 88, 'Socket operation on non-socket'],
      [SocketError.DestinationAddressRequired, 89, 'Destination address required'],
      [SocketError.MessageSize, 90, 'Message too long'],
      [SocketError.ProtocolType, 91, 'Protocol wrong type for socket'],
      [SocketError.ProtocolOption, 92, 'Protocol not available'],
      [SocketError.ProtocolNotSupported, 93, 'Protocol not supported'],
      [SocketError.SocketNotSupported, 94, 'Socket type not supported'],
      [SocketError.OperationNotSupported, 95, 'Operation not supported'],
      [SocketError.ProtocolFamilyNotSupported, 96, 'Protocol family not supported'],
      [SocketError.AddressFamilyNotSupported, 97, 'Address family not supported by protocol'],
      [SocketError.AddressAlreadyInUse, 98, 'Address already in use'],
      [SocketError.AddressNotAvailable, 99, 'Cannot assign requested address'],
      [SocketError.NetworkDown, 100, 'Network is down'],
      [SocketError.NetworkUnreachable, 101, 'Network is unreachable'],
      [SocketError.NetworkReset, 102, 'Network dropped connection on reset'],
      [SocketError.ConnectionAborted, 103, 'Software caused connection abort'],
      [SocketError.ConnectionReset, 104, 'Connection reset by peer'],
      [SocketError.NoBufferSpaceAvailable, 105, 'No buffer space available'],
      [SocketError.IsConnected, 106, 'Transport endpoint is already connected'],
      [SocketError.NotConnected, 107, 'Transport endpoint is not connected'],
      [SocketError.Shutdown, 32, 'Broken pipe'],
      [SocketError.TimedOut, 110, 'Connection timed out'],
      [SocketError.ConnectionRefused, 111, 'Connection refused'],
      [SocketError.HostDown, 112, 'Host is down'],
      [SocketError.HostUnreachable, 113, 'No route to host'],
      [SocketError.ProcessLimit, 10067, 'Unknown error 10067'],
      [SocketError.SystemNotReady, 10091, 'Unknown error 10091'],
      [SocketError.VersionNotSupported, 10092, 'Unknown error 10092'],
      [SocketError.NotInitialized, 10093, 'Unknown error 10093'],
      [SocketError.Disconnecting, 108, 'Cannot send after transport endpoint shutdown'],
      [SocketError.TypeNotFound, 10109, 'Unknown error 10109'],
      [SocketError.HostNotFound, -131073, 'Name or service not known'],
      [SocketError.TryAgain, 11, 'Resource temporarily unavailable'],
      [SocketError.NoRecovery, 11003, 'Unknown error 11003'],
      [SocketError.NoData, 61, 'No data available'],
      [SocketError.SocketError, -131074, 'Unknown socket error'],
    ] as const
  ).map(([e, native, message]) => [e, [native, message]] as const),
);

/**
 * The errno .NET reports on Linux for a `SocketError` (`NativeErrorCode`), and the system's
 * message for it.
 * @internal
 */
export function detailsOf(error: SocketError): readonly [native: number, message: string] {
  return DETAILS.get(error) ?? [error, `Unknown error ${error}`];
}
