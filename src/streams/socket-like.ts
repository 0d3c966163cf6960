/**
 * `SocketLike`: the `net.Socket` members the Duplex of `toDuplex()` carries so that libraries
 * built on sockets take it as one.
 *
 * @module
 */
import type { Duplex } from 'node:stream';
import type { IpSocketAddress } from '../core/index.js';

/**
 * The members of `net.Socket` that libraries built on sockets use, carried by the Duplex of
 * {@link toDuplex} so that it can be handed to them as a socket (node:http's `Agent`, undici,
 * pg, mysql2, ws, MQTT.js, `tls.connect({ socket })`). Each does the real thing through the
 * connection where it has a meaning; docs/streams.md lists which library uses which, and what
 * is deliberately absent.
 *
 * @example
 * ```ts
 * const socket: SocketLike = toDuplex(conn);
 * socket.setKeepAlive(true, 30_000).setNoDelay(true);
 * console.log(socket.remoteAddress, socket.remotePort);
 * ```
 */
export interface SocketLike {
  /**
   * Nagle off (`true`, the default argument) or on: `Connection.setNoDelay()`. Like
   * node:net, any value is taken for its truth, and nothing happens once closed.
   */
  setNoDelay(noDelay?: boolean): this;
  /**
   * Keep-alive probes on or off (`false` by default, as node:net), after `initialDelay` ms
   * of silence (`0`: the system's): `Connection.setKeepAlive()`. Takes what node:net takes:
   * `enable` for its truth, a delay that is not a finite number as `0`, and Node 26's
   * `{ enable, initialDelay, interval, count }` form (`interval` and `count` are left to the
   * system: the core has no such options). Nothing happens once closed.
   */
  setKeepAlive(
    enable?:
      boolean | { enable?: boolean; initialDelay?: number; interval?: number; count?: number },
    initialDelay?: number,
  ): this;
  /**
   * Emits `'timeout'` once nothing has been read or written for `timeout` ms (`0` turns it
   * off), as `net.Socket` does: the connection stays open, the listener decides. `callback`
   * is added as a one-time `'timeout'` listener.
   */
  setTimeout(timeout: number, callback?: () => void): this;
  /** The inactivity timeout set with `setTimeout()`, `undefined` before and after `0`. */
  readonly timeout: number | undefined;
  /** Keeps the process alive while the connection is open (the default): `Connection.ref()`. */
  ref(): this;
  /** Lets the process exit with the connection open: `Connection.unref()`. */
  unref(): this;
  /** The peer's IP address; `undefined` over a Unix socket. */
  readonly remoteAddress: string | undefined;
  /** The peer's port; `undefined` over a Unix socket. */
  readonly remotePort: number | undefined;
  /** The peer's `'IPv4'` or `'IPv6'`; `undefined` over a Unix socket. */
  readonly remoteFamily: string | undefined;
  /** Our `'IPv4'` or `'IPv6'`; `undefined` over a Unix socket. */
  readonly localFamily: string | undefined;
  /** Our IP address; `undefined` over a Unix socket. */
  readonly localAddress: string | undefined;
  /** Our port; `undefined` over a Unix socket. */
  readonly localPort: number | undefined;
  /** Our end as `net.Socket#address()` gives it: `{ address, family, port }`, `{}` over a Unix socket. */
  address(): IpSocketAddress | Record<string, never>;
  /** Bytes received: `Connection.bytesReceived`. */
  readonly bytesRead: number;
  /** Bytes sent, and those still waiting in the Duplex's own buffer (as `net.Socket`). */
  readonly bytesWritten: number;
  /** Bytes waiting in the Duplex's own buffer: `writableLength` (node:net's deprecated name). */
  readonly bufferSize: number;
  /**
   * `'opening'` (the connection is being made), `'open'`, `'readOnly'` (our side ended),
   * `'writeOnly'` (the peer's did) or `'closed'`.
   */
  readonly readyState: 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed';
  /**
   * `true` while the connection is being made (`toDuplex((signal) => connect(…))`, or its
   * promise); `false` once it opened or failed, and for a Duplex made from an open connection.
   */
  readonly connecting: boolean;
  /** `true` while there is no connection: being made, or never made. */
  readonly pending: boolean;
  /** Ends our side, then destroys the Duplex once everything written has gone (node:net's). */
  destroySoon(): void;
  /**
   * Destroys the Duplex with a reset: `Connection.reset()` (TCP RST, unsent bytes dropped),
   * `'close'` without an error, as node:net's.
   */
  resetAndDestroy(): this;
  /**
   * For libraries that call `connect()` on the socket they were given (pg): the connection
   * is open already, so it emits `'connect'` and `'ready'` on the next tick (or, while the
   * connection is being made, when it opens: once). A function among the arguments is added
   * as a one-time `'connect'` listener, as node:net does; the address in them is ignored.
   * Once destroyed it cannot connect again (node:net would open a new socket): `'error'`
   * with `SocketClosedError` (`ERR_SOCKET_CLOSED`) on the next tick, so a library waiting
   * for `'connect'` fails instead of waiting for ever.
   */
  connect(...args: unknown[]): this;
}

/**
 * The Duplex of {@link toDuplex}: a Node `Duplex` that also passes for a `net.Socket`.
 *
 * @example
 * ```ts
 * import * as http from 'node:http';
 *
 * const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
 * // A socket at once, connecting, as net.createConnection gives one.
 * agent.createConnection = () =>
 *   toDuplex((signal) => connect({ host: 'example.com', port: 80 }, { signal }));
 * ```
 */
export type SocketDuplex = Duplex & SocketLike;
