/**
 * sockflow's core: TCP and Unix socket connections you `await` and `for await`, with
 * cancel-safe receives, bounded memory and backpressured sends.
 *
 * @example
 * ```ts
 * import { connect, listen } from 'sockflow';
 *
 * await using listener = await listen({ host: '127.0.0.1', port: 0 });
 * const { port } = listener.address as { port: number };
 * await using conn = await connect({ host: '127.0.0.1', port });
 * ```
 *
 * @module sockflow
 */
export { connect, type ConnectOptions } from './connect.js';
export {
  listen,
  type ListenOptions,
  DEFAULT_BACKLOG,
  DEFAULT_MAX_PENDING_ACCEPTS,
} from './listen.js';
export {
  Connection,
  type OperationOptions,
  type CloseOptions,
  type ShutdownHow,
  type SendData,
} from './connection.js';
export { Listener } from './listener.js';
export { DatagramSocket, type DatagramData } from './datagram.js';
export { bind, tryBind, type BindOptions, DEFAULT_RECEIVE_QUEUE_SIZE } from './datagram-bind.js';
export type { Datagram, DatagramReceived } from './datagram-queue.js';
export {
  type TlsClientOptions,
  type TlsServerOptions,
  type StartTlsOptions,
  type StartTlsClientOptions,
  type StartTlsServerOptions,
  type TlsCredential,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
} from './tls-options.js';
export type { TlsInfo } from './tls-info.js';
export {
  type ConnectionOptions,
  DEFAULT_RECEIVE_BUFFER_SIZE,
  DEFAULT_MAX_PENDING_SENDS,
  DEFAULT_MAX_QUEUED_SEND_BYTES,
} from './connection-options.js';
export type {
  TcpAddress,
  IpcAddress,
  SocketAddress,
  IpSocketAddress,
  UnixSocketAddress,
} from './address.js';
export { type CloseInfo, type CloseReason, DEFAULT_CLOSE_TIMEOUT_MS } from './lifecycle.js';
export {
  SockflowError,
  SocketClosedError,
  SocketShutdownError,
  SocketBusyError,
  SendQueueFullError,
  SendAbortedError,
  IdleTimeoutError,
  TlsTruncatedError,
  InvalidArgTypeError,
  InvalidArgValueError,
  OutOfRangeError,
  BadPortError,
  isSystemError,
  type SystemError,
  type SockflowErrorCode,
  brandErrorClass,
} from './errors.js';
/** @internal Argument checks shared with the other layers (not public API). */
export {
  describe,
  signalOf,
  validateSignal,
  validateObject,
  validateOptionalObject,
  validateInteger,
  validateNotDetached,
  validateBoolean,
} from './internal/validate.js';
