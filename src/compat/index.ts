/**
 * sockflow/compat: .NET's `SocketAsyncEventArgs` pattern on sockflow's core, for code ported
 * from C# and for callback-style code. `xxxAsync(e)` returns `false` when the operation
 * completed at once (the result is in `e`, no event follows) and `true` when it pends
 * (`e` raises `'completed'` later). Semantics follow .NET on Linux; `docs/compat.md` is the
 * porting guide and lists every difference.
 *
 * @example
 * ```ts
 * import { Socket, SocketAsyncEventArgs, AddressFamily, SocketType, ProtocolType, IPEndPoint, IPAddress } from 'sockflow/compat';
 *
 * const server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
 * server.bind(new IPEndPoint(IPAddress.Loopback, 0));
 * await server.listenAsync();
 * ```
 *
 * @module sockflow/compat
 */
export { Socket } from './socket.js';
export {
  SocketAsyncEventArgs,
  type SocketAsyncEventArgsEvents,
  type BufferListItem,
} from './socket-async-event-args.js';
export { SocketAsyncEventArgsPool } from './socket-async-event-args-pool.js';
export { BufferManager } from './buffer-manager.js';
export { SocketError, toSocketError } from './socket-error.js';
export {
  SocketShutdown,
  SocketAsyncOperation,
  SocketFlags,
  AddressFamily,
  SocketType,
  ProtocolType,
} from './enums.js';
export { IPAddress } from './ip-address.js';
export { EndPoint, IPEndPoint, DnsEndPoint, UnixDomainSocketEndPoint } from './endpoints.js';
export { ArraySegment, type ArraySegmentLike } from './array-segment.js';
export {
  ArgumentException,
  ArgumentNullException,
  ArgumentOutOfRangeException,
  InvalidOperationException,
  ObjectDisposedException,
  NotSupportedException,
  PlatformNotSupportedException,
  FormatException,
  SocketException,
} from './exceptions.js';
