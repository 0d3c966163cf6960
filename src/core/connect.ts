/**
 * `connect()`: open a TCP or Unix socket connection.
 *
 * @module
 */
import type * as net from 'node:net';
import type { LookupFunction } from 'node:net';
import type * as tls from 'node:tls';
import { parseEndpoint, type IpcAddress, type TcpAddress } from './address.js';
import { resolveConnectionOptions, type ConnectionOptions } from './connection-options.js';
import type { Connection } from './connection.js';
import { connectionOf, ipcNames, newTransport, tcpNames } from './internal/build.js';
import { connectChannel, connectedChannel, connectErrorChannel } from './internal/diagnostics.js';
import { InvalidArgTypeError, InvalidArgValueError } from './errors.js';
import { describe, signalOf } from './internal/validate.js';
import { resolveTlsClient, type TlsClientOptions } from './tls-options.js';

/**
 * Options of {@link connect}: the connection's options plus a signal for the attempt.
 *
 * @example
 * ```ts
 * const options: ConnectOptions = { signal: AbortSignal.timeout(5_000), keepAlive: 30_000 };
 * ```
 */
export interface ConnectOptions extends ConnectionOptions {
  /**
   * Resolve a host name to IPv4 (`4`) or IPv6 (`6`) addresses only. Without it both are
   * tried (happy eyeballs). Ignored for IP literals and Unix sockets.
   */
  family?: 4 | 6;
  /**
   * Resolves the host name instead of `dns.lookup()`: a custom resolver, a cache, a test's
   * fake. Node's own `lookup` option of `net.connect()`, same signature (called with
   * `{ all: true }` when happy eyeballs wants every address). Not called for IP
   * literals and Unix sockets. A lookup that never answers is ended by `signal`, like any
   * attempt.
   */
  lookup?: LookupFunction;
  /** Aborts the attempt: the socket is released and `connect()` rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Speak TLS: `connect()` resolves once the handshake is done and the server verified
   * (verification is on by default; see {@link TlsClientOptions}). A failed handshake
   * rejects with Node's error and code (`UNABLE_TO_VERIFY_LEAF_SIGNATURE`,
   * `ERR_TLS_CERT_ALTNAME_INVALID`…) and releases the socket.
   */
  tls?: TlsClientOptions;
}

/**
 * Opens a connection: TCP by host and port (IPv4 and IPv6 literals and names; Node's
 * happy-eyeballs family selection is on), or a Unix socket by path.
 *
 * Bad arguments reject before any I/O, never throw (`ERR_INVALID_ARG_TYPE`,
 * `ERR_SOCKET_BAD_PORT`, `ERR_OUT_OF_RANGE`…). A failed attempt rejects with the system error,
 * code unchanged (`ECONNREFUSED`, `ENOTFOUND`, `ETIMEDOUT`…); when several addresses were
 * tried, with the last one's error (the others are in `errors`).
 *
 * **Cancel safety:** cancel safe. An aborted attempt rejects with `signal.reason` and leaves no
 * socket behind.
 *
 * @example
 * ```ts
 * await using conn = await connect({ host: '127.0.0.1', port }, { signal: AbortSignal.timeout(5_000) });
 * await conn.send('hello\n');
 * for await (const chunk of conn) handle(chunk);
 * ```
 */
export function connect(
  to: TcpAddress | IpcAddress,
  options?: ConnectOptions,
): Promise<Connection> {
  let ep;
  let resolved;
  let signal;
  let family;
  let lookup;
  let secure;
  try {
    ep = parseEndpoint(to, 'to', true);
    resolved = resolveConnectionOptions(options);
    signal = signalOf(options);
    family = familyOf(options);
    lookup = lookupOf(options);
    secure = options?.tls === undefined ? undefined : resolveTlsClient(options.tls).options;
  } catch (err) {
    return Promise.reject(err);
  }
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (connectChannel.hasSubscribers) connectChannel.publish({ address: to });
  return new Promise<Connection>((resolve, reject) => {
    let transport;
    if (secure === undefined) transport = newTransport(resolved);
    else if (ep.kind === 'ipc')
      transport = newTransport(resolved, { tls: { ...secure, path: ep.path } });
    else {
      // `family` goes on to net.connect(), though @types/node leaves it out of tls's options.
      const at: tls.ConnectionOptions & { family?: 4 | 6 } = {
        ...secure,
        port: ep.port,
        host: ep.host ?? 'localhost',
      };
      if (family !== undefined) at.family = family;
      if (lookup !== undefined) at.lookup = lookup;
      transport = newTransport(resolved, { tls: at });
    }
    const socket = transport.socket;
    // A TLS socket is connected once its handshake is done (and the server verified).
    const connected = secure === undefined ? 'connect' : 'secureConnect';
    const cleanup = (): void => {
      socket.off(connected, onConnect);
      socket.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const onConnect = (): void => {
      cleanup();
      const names =
        ep.kind === 'ipc' ? ipcNames({ path: ep.path }, false) : tcpNames(transport.socket);
      const connection = connectionOf(transport, resolved, names);
      if (connectedChannel.hasSubscribers) connectedChannel.publish({ address: to, connection });
      resolve(connection);
    };
    const fail = (error: unknown): void => {
      if (connectErrorChannel.hasSubscribers) connectErrorChannel.publish({ address: to, error });
      reject(error);
    };
    // node:net destroys the socket when the attempt fails; 'close' follows the error.
    const onClose = (): void => {
      cleanup();
      fail(connectError(transport.error));
    };
    const onAbort = (): void => {
      cleanup();
      socket.destroy();
      fail((signal as AbortSignal).reason);
    };
    socket.once(connected, onConnect);
    socket.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (secure !== undefined) return; // tls.connect() is connecting already
    if (ep.kind === 'ipc') socket.connect({ path: ep.path });
    else {
      const host = ep.host ?? 'localhost';
      const at: net.TcpSocketConnectOpts = { port: ep.port, host };
      if (family !== undefined) at.family = family;
      if (lookup !== undefined) at.lookup = lookup;
      socket.connect(at);
    }
  });
}

/**
 * The error a failed attempt rejects with. Happy eyeballs reports an `AggregateError` of each
 * address's failure (node-notes §15); the last one is the most telling (as .NET does), the
 * rest stay in `errors`.
 */
function connectError(error: Error | undefined): Error {
  if (error === undefined) return new Error('Cannot connect: the socket closed during the attempt');
  if (error instanceof AggregateError && (error as { code?: unknown }).code === undefined) {
    const last: unknown = error.errors[error.errors.length - 1];
    if (last instanceof Error) {
      Object.defineProperty(last, 'errors', {
        value: error.errors,
        enumerable: false,
        configurable: true,
      });
      return last;
    }
  }
  return error;
}

function lookupOf(options: ConnectOptions | undefined): LookupFunction | undefined {
  const lookup = options?.lookup;
  if (lookup === undefined || typeof lookup === 'function') return lookup;
  throw new InvalidArgTypeError(
    `The "lookup" option must be a function: received ${describe(lookup)}`,
  );
}

function familyOf(options: ConnectOptions | undefined): 4 | 6 | undefined {
  const family = options?.family;
  if (family === undefined) return undefined;
  if (family !== 4 && family !== 6) {
    throw new InvalidArgValueError(
      `The "family" option must be 4 or 6: received ${describe(family)}`,
    );
  }
  return family;
}
