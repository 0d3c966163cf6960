/**
 * `DatagramSocket`: UDP you `await` and `for await`, with cancel-safe receives and a bounded
 * receive queue (`bind()`, which makes one, is in datagram-bind.ts).
 *
 * @module
 */
import type * as dgram from 'node:dgram';
import { isIP } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { formatAddress, parseEndpoint, type IpSocketAddress, type TcpAddress } from './address.js';
import { DatagramQueue, type Datagram, type DatagramReceived } from './datagram-queue.js';
import { InvalidArgTypeError, InvalidArgValueError, SocketClosedError } from './errors.js';
import {
  takeUdpMessages,
  watchUdpSends,
  type UdpSender,
  type UdpSendWatch,
} from './internal/node-net.js';
import { dataLength, describe, signalOf, validateNotDetached } from './internal/validate.js';

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
  #address: IpSocketAddress | undefined;
  #remote: IpSocketAddress | undefined;
  #closing: Promise<void> | undefined;
  /** What each send did before node:dgram's send() returned, where the runtime says. */
  readonly #sends: UdpSendWatch | undefined;

  /** @internal Made by {@link bind}: `socket` is bound. */
  constructor(socket: dgram.Socket, queueSize: number) {
    this.#socket = socket;
    this.#queue = new DatagramQueue(queueSize);
    this.#sends = watchUdpSends(socket);
    this.#address = this.#own();
    const queue = this.#queue;
    const onDatagram = (data: Buffer, from: UdpSender): void => {
      queue.onDatagram(data, from as IpSocketAddress);
    };
    // The OS's errors after binding (ICMP port unreachable on a connected socket is
    // ECONNREFUSED, as Linux reports it): the next operation gets them.
    const onErrno = (errno: number): void => queue.onError(errnoError(errno, 'recvmsg'));
    if (!takeUdpMessages(socket, onDatagram, onErrno)) socket.on('message', onDatagram);
    socket.on('error', (err) => queue.onError(err)); // connect() and the fallback report here
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
    // After a disconnect() the OS may have released the port: read it again until it has one.
    return this.#address ?? this.#own();
  }

  /** The OS's name of this socket; kept once it has a port. */
  #own(): IpSocketAddress {
    const a = this.#socket.address();
    const own: IpSocketAddress = Object.freeze({
      address: a.address,
      port: a.port,
      family: a.family === 'IPv6' ? 'IPv6' : 'IPv4',
    });
    if (own.port !== 0) this.#address = own;
    return own;
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
    let r: number | Promise<number>;
    try {
      r = this.trySend(data, to, options);
    } catch (err) {
      return Promise.reject(err);
    }
    return typeof r === 'number' ? Promise.resolve(r) : r;
  }

  /**
   * Starts a send like {@link DatagramSocket.send} and says at once whether it is done:
   * returns the datagram's size when the OS took it before this call returned (the usual case
   * on Node, to an IP address), otherwise the promise `send()` would have returned (a host
   * name to look up, a full socket buffer, or a runtime that does not say at once: Bun, Deno).
   * What `send()` would reject with, it throws when it knows at once: bad arguments, a closed
   * socket, an error the OS reported earlier (`ECONNREFUSED`), or the OS refusing this
   * datagram (`EMSGSIZE`…). For layers that must know at once whether a send completed
   * (sockflow/compat's `sendToAsync` is built on it).
   *
   * **Cancel safety:** as for `send()`, once it returned a promise.
   *
   * @example
   * ```ts
   * const r = udp.trySend(reply, { host: '127.0.0.1', port: 9000 });
   * if (typeof r !== 'number') await r; // the OS did not take it at once
   * ```
   */
  trySend(
    data: DatagramData,
    to?: TcpAddress,
    options?: { signal?: AbortSignal },
  ): number | Promise<number> {
    const bytes = dataLength(data);
    let port: number | undefined;
    let host: string | undefined;
    if (to !== undefined) {
      ({ port, host } = udpEndpoint(to, 'to', true));
      if (this.#remote !== undefined) {
        throw new InvalidArgValueError(
          `Cannot send to ${formatAddress({ kind: 'tcp', host, port })}: the socket is connected to ${formatAddress(this.#remote)}; send without "to"`,
        );
      }
    } else if (this.#remote === undefined) {
      throw new InvalidArgValueError('The "to" argument is required: the socket is not connected');
    }
    signalOf(options)?.throwIfAborted();
    if (this.#closing !== undefined) throw closedError('send on');
    const pending = this.#queue.takePendingError();
    if (pending !== undefined) throw pending;
    const msg = typeof data === 'string' ? data : (data as Uint8Array | Uint8Array[]);
    const watch = this.#sends;
    if (watch === undefined || (host !== undefined && isIP(host) === 0)) {
      // The runtime does not say at once, or node:dgram looks the name up first: its
      // callback settles the promise.
      return new Promise((resolve, reject) => {
        const done = (err: Error | null): void => (err ? reject(err) : resolve(bytes));
        if (port === undefined) this.#socket.send(msg, done);
        else this.#socket.send(msg, port, host, done);
      });
    }
    // No callback: the watch says how the send went (and a queued send reports to us).
    watch.last = undefined;
    if (port === undefined) this.#socket.send(msg);
    else this.#socket.send(msg, port, host);
    const r = watch.last as number | undefined;
    if (r !== undefined && r > 0) return bytes; // the OS took it (r is its size + 1)
    const peer = port === undefined ? (this.#remote as IpSocketAddress) : undefined;
    if (r !== undefined && r < 0)
      throw errnoError(r, 'send', peer?.address ?? host, peer?.port ?? port);
    const req = r === 0 ? watch.queued : undefined;
    if (req === undefined) {
      // node:dgram hands a bound socket's datagram to an IP address to its handle at once
      // (test/node-net.test.ts checks it on every Node release): a runtime that does not
      // must not get a watch.
      throw new Error('sockflow: node:dgram did not hand the datagram to its handle at once');
    }
    return new Promise((resolve, reject) => {
      req.oncomplete = (status) => {
        if (status < 0)
          reject(errnoError(status, 'send', peer?.address ?? host, peer?.port ?? port));
        else resolve(bytes);
      };
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
   * Takes a datagram already queued, without a promise: what `receive()` (or, with `into`,
   * `receive(into)`) would resolve with at once, or `undefined` when none is queued (nothing
   * is taken then). What `receive()` would reject with at once, it throws: `ERR_SOCKET_CLOSED`
   * after `close()`, an error the OS reported (`ECONNREFUSED`). For layers that must know at
   * once whether a receive completed (sockflow/compat's `receiveFromAsync` is built on it).
   *
   * @example
   * ```ts
   * let d;
   * while ((d = udp.tryReceive()) !== undefined) handle(d);
   * ```
   */
  tryReceive(): Datagram | undefined;
  tryReceive(into: Uint8Array): DatagramReceived | undefined;
  tryReceive(into?: Uint8Array): Datagram | DatagramReceived | undefined {
    if (into !== undefined) {
      if (!(into instanceof Uint8Array)) {
        throw new InvalidArgTypeError(
          `The "into" argument must be a Uint8Array: received ${describe(into)}`,
        );
      }
      validateNotDetached(into, 'into');
    }
    return this.#queue.tryTake(into);
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
        this.#remote ??= this.#peer();
        resolve();
      };
      socket.once('error', onError);
      socket.once('connect', onConnect);
      socket.connect(port, host);
      // To an IP address, Node connects before connect() returns ('connect' follows on the
      // next tick): the peer is known, and datagrams from others filtered, from now on.
      this.#remote = this.#peer();
    });
  }

  /** The OS's peer of a connected socket, `undefined` when not connected (yet). */
  #peer(): IpSocketAddress | undefined {
    let r;
    try {
      r = this.#socket.remoteAddress();
    } catch {
      return undefined;
    }
    return Object.freeze({
      address: r.address,
      port: r.port,
      family: r.family === 'IPv6' ? 'IPv6' : 'IPv4',
    });
  }

  /**
   * Removes the default peer set by `connect()`: `send()` needs its `to` again, and datagrams
   * from every peer are delivered again. Does nothing when not connected (or once closed).
   *
   * A socket bound to port 0 loses its port here: Linux releases a port it picked when the
   * association is dissolved (a port given to `bind()` is kept). `address` then says port 0
   * until the next `send()` (or `connect()`) binds a new one.
   *
   * @example
   * ```ts
   * udp.disconnect();
   * await udp.connect({ host: '127.0.0.1', port: 5300 }); // another peer
   * ```
   */
  disconnect(): void {
    if (this.#remote === undefined || this.#closing !== undefined) return;
    this.#socket.disconnect();
    this.#remote = undefined;
    this.#address = undefined;
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

/** The error node:dgram makes of a libuv errno: `send EMSGSIZE 127.0.0.1:9`, `recvmsg ECONNREFUSED`. */
function errnoError(errno: number, syscall: string, address?: string, port?: number): Error {
  let code: string;
  try {
    code = getSystemErrorName(errno);
  } catch {
    code = 'UNKNOWN';
  }
  const where = address === undefined ? '' : ` ${address}:${String(port)}`;
  return Object.assign(new Error(`${syscall} ${code}${where}`), {
    errno,
    code,
    syscall,
    ...(address === undefined ? {} : { address, port }),
  });
}

function closedError(what: string): SocketClosedError {
  return new SocketClosedError(`Cannot ${what} the datagram socket: ${CLOSED_MESSAGE}`);
}

/**
 * @internal An IP endpoint for UDP: `parseEndpoint()`'s checks (the same as `connect()` and
 * `listen()`), and a Unix socket path refused (datagram sockets here are UDP only).
 */
export function udpEndpoint(
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
