/**
 * `bind()` and `DatagramSocket`: UDP you `await` and `for await`, with cancel-safe receives
 * and a bounded receive queue.
 *
 * @module
 */
import * as dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { formatAddress, parseEndpoint, type IpSocketAddress, type TcpAddress } from './address.js';
import { DatagramQueue, type Datagram, type DatagramReceived } from './datagram-queue.js';
import { InvalidArgValueError, SocketClosedError } from './errors.js';
import {
  signalOf,
  validateBoolean,
  validateInteger,
  dataLength,
  validateNotDetached,
  validateObject,
} from './internal/validate.js';

/**
 * Options of {@link bind}.
 *
 * @example
 * ```ts
 * const udp = await bind({ host: '0.0.0.0', port: 5353 }, {
 *   reuseAddr: true,
 *   multicastMembership: ['224.0.0.251'],
 *   receiveQueueSize: 4096,
 * });
 * ```
 */
export interface BindOptions {
  /**
   * Datagrams held for receives not yet made. Past it, new datagrams are dropped and counted
   * in {@link DatagramSocket.dropped}: UDP is lossy by nature, and memory must stay bounded
   * whatever peers send (at most this many datagrams of at most 64 KiB each). At least 1.
   * @defaultValue `1024`
   */
  receiveQueueSize?: number;
  /** Aborts the `bind()` call itself (not the socket's lifetime). */
  signal?: AbortSignal;
  /** `SO_REUSEADDR`: several sockets may bind the same address (multicast listeners). */
  reuseAddr?: boolean;
  /** On an IPv6 socket, receive IPv6 only (no IPv4-mapped addresses). */
  ipv6Only?: boolean;
  /** `SO_BROADCAST`: may send to a broadcast address. */
  broadcast?: boolean;
  /** Multicast groups to join once bound (`IP_ADD_MEMBERSHIP`), on the default interface. */
  multicastMembership?: readonly string[];
  /** Hops a multicast datagram may take. @defaultValue `1` (the OS's) */
  multicastTtl?: number;
  /** Whether multicast datagrams sent come back to this host. @defaultValue `true` */
  multicastLoopback?: boolean;
}

/** Default of {@link BindOptions.receiveQueueSize}. *
 * @example
 * ```ts
 * await bind({ port: 0 }, { receiveQueueSize: DEFAULT_RECEIVE_QUEUE_SIZE * 4 });
 * ```
 */
export const DEFAULT_RECEIVE_QUEUE_SIZE = 1024;

/**
 * What `send()` sends: bytes, a string (UTF-8), or a list gathered into one datagram.
 *
 * @example
 * ```ts
 * const parts: DatagramData = [a, b]; // one datagram
 * await udp.send(parts, { host: '127.0.0.1', port: 9000 });
 * ```
 */
export type DatagramData = Uint8Array | string | readonly Uint8Array[];

const CLOSED_MESSAGE = 'the datagram socket was closed';

/**
 * A UDP udp. Receive with `receive()` (a datagram and its sender), `receive(into)` (into
 * your buffer, truncating a longer datagram) or `for await`; send with `send(data, to)`.
 * Several receives may wait at once: each datagram goes to the oldest. Datagrams nobody
 * waits for queue up to `receiveQueueSize`; later ones are dropped and counted in
 * `dropped`.
 *
 * @example
 * ```ts
 * await using udp = await bind({ host: '127.0.0.1', port: 0 });
 * for await (const { data, from } of udp) {
 *   await udp.send(data, { host: from.address, port: from.port }); // echo
 * }
 * ```
 */
export class DatagramSocket implements AsyncIterable<Datagram>, AsyncDisposable {
  readonly #socket: dgram.Socket;
  readonly #queue: DatagramQueue;
  readonly #address: IpSocketAddress;
  #remote: IpSocketAddress | undefined;
  #closing: Promise<void> | undefined;

  /** @internal Made by {@link bind}. */
  constructor(socket: dgram.Socket, queueSize: number) {
    this.#socket = socket;
    this.#queue = new DatagramQueue(queueSize);
    const a = socket.address();
    this.#address = Object.freeze({
      address: a.address,
      port: a.port,
      family: a.family === 'IPv6' ? 'IPv6' : 'IPv4',
    });
    const queue = this.#queue;
    socket.on('message', (data: Buffer, from: dgram.RemoteInfo) => {
      queue.onDatagram(data, from);
    });
    // The OS's errors after binding (ICMP port unreachable on a connected socket is
    // ECONNREFUSED, as Linux reports it): the next operation gets them.
    socket.on('error', (err) => queue.onError(err));
  }

  /**
   * The local address the socket is bound to.
   *
   * @example
   * ```ts
   * const { port } = udp.address;
   * ```
   */
  get address(): IpSocketAddress {
    return this.#address;
  }

  /**
   * The default peer set by `connect()`, or `undefined`.
   *
   * @example
   * ```ts
   * if (udp.remoteAddress === undefined) await udp.connect({ host: '127.0.0.1', port: 53 });
   * ```
   */
  get remoteAddress(): IpSocketAddress | undefined {
    return this.#remote;
  }

  /**
   * Datagrams dropped because `receiveQueueSize` of them were waiting to be received.
   *
   * @example
   * ```ts
   * if (udp.dropped > 0) console.warn(`${udp.dropped} datagrams dropped: receive faster`);
   * ```
   */
  get dropped(): number {
    return this.#queue.dropped;
  }

  /**
   * Datagrams queued now, waiting for a receive.
   *
   * @example
   * ```ts
   * console.log(`${udp.queuedDatagrams} datagrams wait`);
   * ```
   */
  get queuedDatagrams(): number {
    return this.#queue.length;
  }

  /**
   * Sends one datagram: bytes, a string (UTF-8), or a list of buffers gathered into one.
   * Resolves with its size once the OS took it (UDP promises no more: the peer may never
   * get it). `to` is required unless the socket is connected, and refused when it is.
   * A datagram larger than the OS allows (65,507 bytes of IPv4 payload) rejects with the
   * system error `EMSGSIZE`; a refusal reported by the peer's host (ICMP port unreachable)
   * to a connected socket rejects the next operation with `ECONNREFUSED`.
   *
   * **Cancel safety:** an already-aborted signal rejects before anything is sent; once
   * handed to the OS a datagram cannot be recalled, so a later abort changes nothing.
   *
   * @example
   * ```ts
   * await udp.send('ping', { host: '127.0.0.1', port: 9000 });
   * ```
   */
  send(data: DatagramData, to?: TcpAddress, options?: { signal?: AbortSignal }): Promise<number> {
    let bytes: number;
    let port: number | undefined;
    let host: string | undefined;
    try {
      bytes = dataLength(data);
      if (to !== undefined) {
        ({ port, host } = udpEndpoint(to, 'to', true));
        if (this.#remote !== undefined) {
          throw new InvalidArgValueError(
            `Cannot send to ${formatAddress({ kind: 'tcp', host, port })}: the socket is connected to ${formatAddress(this.#remote)}; send without "to"`,
          );
        }
      } else if (this.#remote === undefined) {
        throw new InvalidArgValueError(
          'The "to" argument is required: the socket is not connected',
        );
      }
      signalOf(options)?.throwIfAborted();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#closing !== undefined) return Promise.reject(closedError('send on'));
    const pending = this.#queue.takePendingError();
    if (pending !== undefined) return Promise.reject(pending);
    const msg = typeof data === 'string' ? data : (data as Uint8Array | Uint8Array[]);
    return new Promise((resolve, reject) => {
      const done = (err: Error | null): void => {
        if (err) reject(err);
        else resolve(bytes);
      };
      if (port === undefined) this.#socket.send(msg, done);
      else this.#socket.send(msg, port, host, done);
    });
  }

  /**
   * Receives the next datagram and its sender. With `into`, copies it into your buffer
   * instead and resolves with `{ bytes, from, truncated }` (a longer datagram is cut to
   * fit: `truncated`). After `close()`, rejects with `ERR_SOCKET_CLOSED`.
   *
   * **Cancel safety:** cancel safe. An aborted receive rejects with `signal.reason` and takes
   * no datagram: the next one goes to the next receive.
   *
   * @example
   * ```ts
   * const { data, from } = await udp.receive({ signal: AbortSignal.timeout(1_000) });
   * ```
   */
  receive(options?: { signal?: AbortSignal }): Promise<Datagram>;
  receive(into: Uint8Array, options?: { signal?: AbortSignal }): Promise<DatagramReceived>;
  receive(
    a?: Uint8Array | { signal?: AbortSignal },
    b?: { signal?: AbortSignal },
  ): Promise<Datagram | DatagramReceived> {
    let signal;
    try {
      if (a instanceof Uint8Array) {
        validateNotDetached(a, 'into');
        signal = signalOf(b);
      } else {
        signal = signalOf(a);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    return a instanceof Uint8Array
      ? this.#queue.receiveInto(a, signal)
      : this.#queue.receive(signal);
  }

  /**
   * Datagrams as they arrive, until the socket is closed (then the loop ends). Leaving the
   * loop closes nothing.
   *
   * **Cancel safety:** cancel safe: an aborted step takes no datagram.
   *
   * @example
   * ```ts
   * for await (const { data } of udp.datagrams({ signal: AbortSignal.timeout(10_000) })) {
   *   console.log(data.length);
   * }
   * ```
   */
  datagrams(options?: { signal?: AbortSignal }): AsyncIterableIterator<Datagram> {
    const signal = signalOf(options);
    const queue = this.#queue;
    let ended = false;
    const it: AsyncIterableIterator<Datagram> = {
      next: () =>
        ended
          ? Promise.resolve({ done: true, value: undefined })
          : queue.next(signal).then((r) => {
              if (r.done === true) ended = true;
              return r;
            }),
      return: () => {
        ended = true;
        return Promise.resolve({ done: true, value: undefined });
      },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  /**
   * Iterates over datagrams: `datagrams()` without a signal.
   *
   * @example
   * ```ts
   * for await (const { data, from } of udp) console.log(from.address, data.length);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Datagram> {
    return this.datagrams();
  }

  /**
   * Sets a default peer: `send(data)` then goes to it, and the OS delivers only its
   * datagrams (others are dropped before they are queued). Resolves once connected.
   *
   * **Cancel safety:** an already-aborted signal rejects before anything is done.
   *
   * @example
   * ```ts
   * await udp.connect({ host: '127.0.0.1', port: 53 });
   * await udp.send(data);
   * ```
   */
  connect(to: TcpAddress, options?: { signal?: AbortSignal }): Promise<void> {
    let port: number;
    let host: string | undefined;
    try {
      ({ port, host } = udpEndpoint(to, 'to', true));
      signalOf(options)?.throwIfAborted();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#closing !== undefined) return Promise.reject(closedError('connect'));
    if (this.#remote !== undefined) {
      return Promise.reject(
        new InvalidArgValueError(
          `Cannot connect: the socket is already connected to ${formatAddress(this.#remote)}`,
        ),
      );
    }
    const socket = this.#socket;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.off('connect', onConnect);
        reject(err);
      };
      const onConnect = (): void => {
        socket.off('error', onError);
        const r = socket.remoteAddress();
        this.#remote = Object.freeze({
          address: r.address,
          port: r.port,
          family: r.family === 'IPv6' ? 'IPv6' : 'IPv4',
        });
        resolve();
      };
      socket.once('error', onError);
      socket.once('connect', onConnect);
      socket.connect(port, host);
    });
  }

  /**
   * Closes the socket: waiting receives reject with `ERR_SOCKET_CLOSED`, iterations end,
   * queued datagrams are dropped. Idempotent.
   *
   * **Cancel safety:** takes no signal; completes promptly.
   *
   * @example
   * ```ts
   * await udp.close();
   * ```
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#queue.close(closedError('receive on'));
    this.#closing = new Promise((resolve) => this.#socket.close(() => resolve()));
    return this.#closing;
  }

  /**
   * `close()`, for `await using`.
   *
   * **Cancel safety:** takes no signal; completes promptly.
   *
   * @example
   * ```ts
   * await using udp = await bind({ port: 0 });
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function closedError(what: string): SocketClosedError {
  return new SocketClosedError(`Cannot ${what} the datagram socket: ${CLOSED_MESSAGE}`);
}

/**
 * An IP endpoint for UDP: `parseEndpoint()`'s checks (the same as `connect()` and `listen()`),
 * and a Unix socket path refused (datagram sockets here are UDP only).
 */
function udpEndpoint(
  value: unknown,
  name: string,
  forSend: boolean,
): { port: number; host: string | undefined } {
  const ep = parseEndpoint(value, name, forSend);
  if (ep.kind === 'ipc') {
    throw new InvalidArgValueError(
      `The "${name}" argument must be a host and port: datagram sockets are UDP only`,
    );
  }
  return ep;
}

/**
 * Binds a UDP socket: IPv4 or IPv6 by the host's address (a name is looked up first; no host
 * binds every IPv4 interface, `'::'` every IPv6 one), port 0 picks a free port (see
 * `udp.address`).
 *
 * Bad arguments reject before any I/O. A failure to bind rejects with the system error
 * (`EADDRINUSE`, `EACCES`…).
 *
 * **Cancel safety:** cancel safe. An aborted `bind()` rejects with `signal.reason` and leaves
 * nothing bound.
 *
 * @example
 * ```ts
 * await using udp = await bind({ host: '127.0.0.1', port: 0 });
 * const { data, from } = await udp.receive();
 * ```
 */
export async function bind(on: TcpAddress, options?: BindOptions): Promise<DatagramSocket> {
  const { port, host: onHost } = udpEndpoint(on, 'on', false);
  const o = options ?? {};
  validateObject(o, 'options');
  const queueSize =
    o.receiveQueueSize === undefined
      ? DEFAULT_RECEIVE_QUEUE_SIZE
      : validateInteger(o.receiveQueueSize, 'receiveQueueSize', 1);
  const reuseAddr = o.reuseAddr === undefined ? false : validateBoolean(o.reuseAddr, 'reuseAddr');
  const ipv6Only = o.ipv6Only === undefined ? false : validateBoolean(o.ipv6Only, 'ipv6Only');
  const broadcast = o.broadcast === undefined ? false : validateBoolean(o.broadcast, 'broadcast');
  const ttl =
    o.multicastTtl === undefined
      ? undefined
      : validateInteger(o.multicastTtl, 'multicastTtl', 0, 255);
  const loopback =
    o.multicastLoopback === undefined
      ? undefined
      : validateBoolean(o.multicastLoopback, 'multicastLoopback');
  const groups: unknown = o.multicastMembership ?? [];
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string' && isIP(g) !== 0)) {
    throw new InvalidArgValueError(
      'The "multicastMembership" option must be a list of IP addresses',
    );
  }
  const signal = signalOf(options);
  signal?.throwIfAborted();

  let host = onHost;
  let family = host === undefined ? 4 : isIP(host);
  if (family === 0) {
    const found = await lookup(host as string);
    signal?.throwIfAborted();
    host = found.address;
    family = found.family;
  }
  const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', reuseAddr, ipv6Only });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      signal?.removeEventListener('abort', onAbort);
      socket.close();
      reject(err);
    };
    const onAbort = (): void => {
      socket.off('error', onError);
      socket.close();
      reject((signal as AbortSignal).reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.bind({ port, ...(host === undefined ? {} : { address: host }) }, () => {
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
  });
  try {
    if (broadcast) socket.setBroadcast(true);
    if (ttl !== undefined) socket.setMulticastTTL(ttl);
    if (loopback !== undefined) socket.setMulticastLoopback(loopback);
    for (const g of groups as string[]) socket.addMembership(g);
  } catch (err) {
    socket.close();
    throw err;
  }
  return new DatagramSocket(socket, queueSize);
}
