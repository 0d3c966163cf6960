/**
 * `Socket`: .NET's socket with the event-based (`SocketAsyncEventArgs`) operations, on
 * sockflow's core.
 *
 * This file is the public class: each method checks its arguments and state in .NET's order
 * (the exceptions and their order are .NET's contract, docs/compat-conformance.md) and hands
 * the work to the parts in `internal/`: the state (socket-state.ts), accepting
 * (accept-queue.ts), connecting (connect-attempt.ts), the receive and send queues
 * (receive-pump.ts, send-pump.ts), a connection's flags and error reporting (link.ts), and
 * a datagram socket's everything (datagram-port.ts).
 * Why it is long (about 980 lines, 500 of code): half of it is TSDoc, each of its 29 public
 * members documenting .NET's contract with an example; most of the code is the checks of
 * arguments and state each method makes in .NET's order, which is part of that contract and
 * so stays with the method. Everything that runs after those checks is in `internal/`.
 *
 * @module
 */
import type { Connection } from '../core/index.js';
import { DnsEndPoint, IPEndPoint, UnixDomainSocketEndPoint, type EndPoint } from './endpoints.js';
import {
  AddressFamily,
  ProtocolType,
  SocketAsyncOperation,
  SocketShutdown,
  SocketType,
} from './enums.js';
import {
  ArgumentException,
  ArgumentNullException,
  ArgumentOutOfRangeException,
  InvalidOperationException,
  NotSupportedException,
  ObjectDisposedException,
  PlatformNotSupportedException,
  SocketException,
} from './exceptions.js';
import { IPAddress } from './ip-address.js';
import { AcceptQueue, minAcceptBuffer } from './internal/accept-queue.js';
import {
  familyOfCoreAddress,
  fromCoreAddress,
  isUnspecifiedHost,
  toCoreAddress,
} from './internal/address.js';
import { ConnectAttempt, connectOptions, type ConnectHost } from './internal/connect-attempt.js';
import { DatagramPort } from './internal/datagram-port.js';
import { checkInt } from './internal/int.js';
import { Link } from './internal/link.js';
import { Messages, ObjectNames } from './internal/messages.js';
import { ReceivePump } from './internal/receive-pump.js';
import { SendPump } from './internal/send-pump.js';
import { FRESH, linkOf, type SocketState } from './internal/socket-state.js';
import { kConnectResult, kFinish, kStart } from './internal/symbols.js';
import { SocketError, toSocketError } from './socket-error.js';
import type { SocketAsyncEventArgs } from './socket-async-event-args.js';

/** Linux's `SOMAXCONN`, .NET's default backlog there. */
const DEFAULT_BACKLOG = 4096;

const noop = (): void => {};

/** How a socket was made: by `new`, or by the static `connectAsync` (closed if that fails). */
const enum Origin {
  New,
  /** The static `connectAsync`: closed when its connect fails. */
  Static,
  /** The static `connectAsync` to a `DnsEndPoint`: either IP family will do. */
  StaticAnyFamily,
}

/**
 * A socket with .NET's event-based operations: `connectAsync`, `acceptAsync`,
 * `receiveAsync`, `sendAsync`, `disconnectAsync`, and for datagram sockets (`SocketType.Dgram`,
 * UDP) `sendToAsync` and `receiveFromAsync`, each taking a `SocketAsyncEventArgs`.
 *
 * Every `xxxAsync(e)` returns `false` when the operation completed before the call returned
 * (bytes were already buffered, the OS took a send whole at once, a connection was already
 * waiting, or it failed at once): the result is in `e` and no `'completed'` event follows.
 * It returns `true` when the operation is pending: `e` raises `'completed'` exactly once,
 * later, never inside the call. Loop on `false` rather than recursing:
 * `while (!socket.receiveAsync(e)) process(e);`.
 *
 * Behaviour follows .NET on Linux; where Node makes that impossible the difference is listed
 * in `docs/compat.md` (a stream socket binds when listening starts, so use `listenAsync()` to
 * learn an ephemeral port; `available` counts bytes sockflow has read from the kernel; a
 * connected datagram socket sends only to its peer).
 *
 * @example
 * ```ts
 * const s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
 * const e = new SocketAsyncEventArgs();
 * e.remoteEndPoint = new DnsEndPoint('localhost', 7000);
 * e.on('completed', (_sender, args) => onConnected(args));
 * if (!s.connectAsync(e)) onConnected(e);
 * ```
 */
export class Socket implements Disposable {
  #family: AddressFamily;
  readonly #type: SocketType;
  readonly #protocol: ProtocolType;
  #origin = Origin.New;
  #noDelay = false;
  #state: SocketState = FRESH;
  #local: EndPoint | null = null;
  #remote: EndPoint | null = null;
  readonly #receives: ReceivePump;
  readonly #sends: SendPump;
  /** What a connect attempt does to this socket when it ends. */
  readonly #connectHost: ConnectHost;
  /** A datagram socket's state and operations (`SocketType.Dgram`); none for streams. */
  readonly #port: DatagramPort | undefined;

  /**
   * @param addressFamily - `InterNetwork`, `InterNetworkV6` or `Unix`.
   * @param socketType - `Stream`, or `Dgram` for UDP (IP families only: Node has no Unix
   *   datagram sockets).
   * @param protocolType - `Tcp` for a stream, `Udp` for a datagram socket (or `Unspecified`
   *   for either); `Unspecified` for Unix sockets.
   * @throws {@link SocketException} for an unsupported family or protocol;
   *   {@link NotSupportedException} for another socket type, or a Unix datagram socket.
   */
  constructor(addressFamily: AddressFamily, socketType: SocketType, protocolType: ProtocolType) {
    if (
      addressFamily !== AddressFamily.InterNetwork &&
      addressFamily !== AddressFamily.InterNetworkV6 &&
      addressFamily !== AddressFamily.Unix
    ) {
      throw new SocketException(SocketError.AddressFamilyNotSupported);
    }
    const dgram = socketType === SocketType.Dgram;
    if (socketType !== SocketType.Stream && !dgram) {
      throw new NotSupportedException(
        `Socket type ${SocketType[socketType] ?? String(socketType)} is not supported by sockflow/compat.`,
      );
    }
    if (dgram && addressFamily === AddressFamily.Unix) {
      throw new NotSupportedException(Messages.noUnixDatagrams);
    }
    const ip = dgram ? ProtocolType.Udp : ProtocolType.Tcp;
    const fits = protocolType === ip || protocolType === ProtocolType.Unspecified;
    if (addressFamily === AddressFamily.Unix ? protocolType !== ProtocolType.Unspecified : !fits) {
      throw new SocketException(SocketError.ProtocolNotSupported);
    }
    this.#port = dgram ? new DatagramPort(addressFamily) : undefined;
    this.#family = addressFamily;
    this.#type = socketType;
    this.#protocol = protocolType;
    const host = {
      link: (): Link | undefined => linkOf(this.#state),
      connecting: (): boolean => this.#state.kind === 'connecting',
      closed: (): boolean => this.#state.kind === 'closed',
    };
    this.#receives = new ReceivePump(host);
    this.#sends = new SendPump(host);
    this.#connectHost = {
      socket: this,
      closed: host.closed,
      adopt: (conn) => this.#adopt(conn),
      failed: (attempt) => {
        const s = this.#state;
        if (s.kind === 'connecting') {
          this.#state = attempt.everConnected ? { kind: 'fresh', everConnected: true } : FRESH;
        } else if (s.kind === 'connected') {
          s.link.connected = false; // connected, but the connect's data could not be sent
        }
        if (this.#origin !== Origin.New) this.dispose(); // on success the socket is the caller's
      },
      settled: () => {
        this.#sends.afterConnect();
        this.#receives.pump();
      },
    };
  }

  /** @internal A socket around an accepted or connected core connection. */
  static #around(conn: Connection, noDelay: boolean): Socket {
    const family = familyOfCoreAddress(conn.remoteAddress);
    const s = new Socket(
      family,
      SocketType.Stream,
      family === AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp,
    );
    s.#noDelay = noDelay;
    s.#adopt(conn);
    return s;
  }

  // --- properties ---------------------------------------------------------------------------

  /**
   * The address family given to the constructor.
   *
   * @example
   * ```ts
   * if (socket.addressFamily === AddressFamily.InterNetworkV6) console.log('IPv6');
   * ```
   */
  get addressFamily(): AddressFamily {
    return this.#family;
  }

  /**
   * The socket type given to the constructor.
   *
   * @example
   * ```ts
   * console.log(SocketType[socket.socketType]); // 'Stream'
   * ```
   */
  get socketType(): SocketType {
    return this.#type;
  }

  /**
   * The protocol given to the constructor.
   *
   * @example
   * ```ts
   * console.log(ProtocolType[socket.protocolType]); // 'Tcp'
   * ```
   */
  get protocolType(): ProtocolType {
    return this.#protocol;
  }

  /**
   * True after a successful connect or accept, until a shutdown, a disconnect, a close, or an
   * operation that failed because the connection broke (as .NET: the state as of the last
   * operation, not whether the peer is still there).
   *
   * @example
   * ```ts
   * if (!socket.connected) reconnect();
   * ```
   */
  get connected(): boolean {
    if (this.#port !== undefined) return this.#state.kind !== 'closed' && this.#port.connected;
    return this.#state.kind === 'connected' && this.#state.link.connected;
  }

  /**
   * True once the socket is bound (by `bind`, `listen`, a connect or an accept).
   *
   * @example
   * ```ts
   * if (!server.isBound) server.bind(new IPEndPoint(IPAddress.Any, 7000));
   * ```
   */
  get isBound(): boolean {
    const s = this.#state;
    if (this.#port !== undefined && s.kind !== 'closed') return this.#port.isBound;
    switch (s.kind) {
      case 'fresh':
      case 'connecting':
        return false;
      case 'closed':
        return s.wasBound;
      default:
        return true;
    }
  }

  /**
   * Bytes received and not yet read: what sockflow has read from the kernel (it reads ahead
   * up to its receive buffer), not what the kernel still holds.
   *
   * @example
   * ```ts
   * if (socket.available > 0) socket.receiveAsync(e); // completes at once
   * ```
   */
  get available(): number {
    this.#checkDisposed();
    if (this.#port !== undefined) return this.#port.available;
    return linkOf(this.#state)?.conn.bufferedBytes ?? 0;
  }

  /**
   * This end's endpoint: the connection's, the listener's once it listens, or the endpoint
   * given to `bind` when its port is fixed. `null` before that (a port-0 bind is known once
   * listening has started: await `listenAsync()`).
   *
   * @example
   * ```ts
   * await server.listenAsync();
   * console.log(`listening on ${String(server.localEndPoint)}`);
   * ```
   */
  get localEndPoint(): EndPoint | null {
    this.#checkDisposed();
    if (this.#port !== undefined) return this.#port.localEndPoint;
    const s = this.#state;
    if (this.#local === null && s.kind === 'listening' && s.accepts.listener !== undefined) {
      this.#local = fromCoreAddress(s.accepts.listener.address);
    }
    return this.#local;
  }

  /**
   * The peer's endpoint once connected (kept after a disconnect), else `null`.
   *
   * @example
   * ```ts
   * console.log(`client ${String(client.remoteEndPoint)}`);
   * ```
   */
  get remoteEndPoint(): EndPoint | null {
    this.#checkDisposed();
    if (this.#port !== undefined) return this.#port.remoteEndPoint;
    return this.#remote;
  }

  /**
   * Nagle's algorithm off (`true`) or on (`false`, .NET's default). Settable at any time; a
   * listening socket passes it on to the sockets it accepts. On a datagram socket, as on
   * Linux, reading it throws `SocketException` (`OperationNotSupported`) and setting it
   * (`ProtocolOption`).
   *
   * @example
   * ```ts
   * socket.noDelay = true; // small sends leave at once
   * ```
   */
  get noDelay(): boolean {
    this.#checkDisposed();
    // TCP_NODELAY on UDP: Linux answers EOPNOTSUPP when read, ENOPROTOOPT when set (measured).
    if (this.#port !== undefined) throw new SocketException(SocketError.OperationNotSupported);
    return this.#noDelay;
  }

  /** Turns Nagle off (`true`) or on (`false`) from now on. */
  set noDelay(value: boolean) {
    this.#checkDisposed();
    if (this.#port !== undefined) throw new SocketException(SocketError.ProtocolOption);
    this.#noDelay = value === true;
    linkOf(this.#state)?.conn.setNoDelay(this.#noDelay);
  }

  // --- bind and listen ----------------------------------------------------------------------

  /**
   * Sets the local endpoint to listen on. Node binds when listening starts, so an address in
   * use is reported by `listenAsync()` (and by accepts), not here. A datagram socket binds
   * here and now, as .NET does: `localEndPoint` then has the port, and an address in use
   * throws `SocketException` (`AddressAlreadyInUse`).
   *
   * @throws {@link ArgumentNullException}; {@link ArgumentException} for a `DnsEndPoint`;
   *   {@link SocketException} (`InvalidArgument`) when already bound, listening or
   *   connected, (`AddressFamilyNotSupported`) for an endpoint of another family;
   *   {@link ObjectDisposedException}.
   *
   * @example
   * ```ts
   * server.bind(new IPEndPoint(IPAddress.Any, 7000));
   * server.listen(100);
   * ```
   */
  bind(localEP: EndPoint): void {
    this.#checkDisposed();
    if (localEP === null || localEP === undefined) throw new ArgumentNullException('localEP');
    if (localEP instanceof DnsEndPoint) {
      throw new ArgumentException(Messages.noDnsEndPoint, 'remoteEP');
    }
    if (this.#state.kind !== 'fresh') throw new SocketException(SocketError.InvalidArgument);
    if (localEP.addressFamily !== this.#family) {
      throw new SocketException(SocketError.AddressFamilyNotSupported);
    }
    if (this.#port !== undefined) {
      this.#port.bind(localEP as IPEndPoint); // binds now, as .NET does
      return;
    }
    this.#state = { kind: 'bound', endpoint: localEP };
    if (localEP instanceof UnixDomainSocketEndPoint) this.#local = localEP;
    else if (localEP instanceof IPEndPoint && localEP.port !== 0) this.#local = localEP;
  }

  /**
   * Starts listening on the bound endpoint (on every interface, port 0, when not bound, as
   * Linux does). Accepts issued before the OS has bound the socket simply pend. Listening
   * twice is allowed.
   *
   * @param backlog - the kernel's accept queue (capped by `net.core.somaxconn`): any `int`;
   *   a negative one means the largest, as in .NET on Linux.
   * @throws {@link SocketException} (`InvalidArgument`) on a connected socket,
   *   (`OperationNotSupported`) on a datagram socket;
   *   {@link ArgumentOutOfRangeException} for a `backlog` that is not an `int` (1.5, NaN);
   *   {@link ObjectDisposedException}.
   *
   * @example
   * ```ts
   * server.bind(new IPEndPoint(IPAddress.Loopback, 7000));
   * server.listen(100);
   * if (!server.acceptAsync(e)) onAccepted(e);
   * ```
   */
  listen(backlog: number = DEFAULT_BACKLOG): void {
    this.#checkDisposed();
    if (this.#port !== undefined) throw new SocketException(SocketError.OperationNotSupported);
    const s = this.#state;
    if (s.kind === 'listening') return;
    if (s.kind !== 'fresh' && s.kind !== 'bound') {
      throw new SocketException(SocketError.InvalidArgument);
    }
    // .NET's backlog is an int: anything else is out of its range here. A negative one is
    // taken, as .NET takes it (checked with Socket.Listen(-1) on Linux): the OS then uses its
    // largest backlog.
    checkInt(backlog, 'backlog', -(2 ** 31));
    const on =
      s.kind === 'bound'
        ? s.endpoint
        : new IPEndPoint(
            this.#family === AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any,
            0,
          );
    if (on instanceof UnixDomainSocketEndPoint && this.#family !== AddressFamily.Unix) {
      throw new SocketException(SocketError.AddressFamilyNotSupported);
    }
    const size = backlog < 0 ? DEFAULT_BACKLOG : Math.max(1, Math.min(backlog, DEFAULT_BACKLOG));
    const accepts = new AcceptQueue(toCoreAddress(on), size, () => this.#state.kind === 'closed');
    this.#state = { kind: 'listening', accepts };
  }

  /**
   * `listen()`, resolving once the OS has bound and is listening (then `localEndPoint` holds
   * the real port), or rejecting with a {@link SocketException} (`AddressAlreadyInUse`…). Not
   * in .NET, where `Bind` is synchronous: Node binds asynchronously.
   *
   * **Cancel safety:** takes no signal; `close()` stops the listening.
   *
   * @example
   * ```ts
   * server.bind(new IPEndPoint(IPAddress.Loopback, 0));
   * await server.listenAsync();
   * const { port } = server.localEndPoint as IPEndPoint;
   * ```
   */
  async listenAsync(backlog?: number): Promise<void> {
    this.listen(backlog);
    const s = this.#state;
    if (s.kind !== 'listening') return;
    try {
      await s.accepts.ready;
    } catch (err) {
      throw new SocketException(toSocketError(err), { cause: err });
    }
  }

  // --- accept -------------------------------------------------------------------------------

  /**
   * Accepts a connection into `e.acceptSocket` (a new socket when it is `null`). Returns
   * `false` when a connection was already waiting (or the accept failed at once), `true` when
   * it pends. Several accepts may pend at once; connections go to them in order.
   *
   * @throws {@link ArgumentNullException}; {@link ArgumentException} when `e.bufferList` is
   *   set; {@link InvalidOperationException} when not bound or not listening, when
   *   `e.acceptSocket` is bound or connected, or when `e` is busy;
   *   {@link PlatformNotSupportedException} when `e` has a buffer (receive-on-accept, as on
   *   Linux); {@link ObjectDisposedException}.
   *
   * @example
   * ```ts
   * e.acceptSocket = null; // required before reusing e
   * while (!server.acceptAsync(e)) onAccepted(e);
   * ```
   */
  acceptAsync(e: SocketAsyncEventArgs): boolean {
    this.#checkDisposed();
    if (e === null || e === undefined) throw new ArgumentNullException('e');
    if (e.bufferList !== null) throw new ArgumentException(Messages.multipleBuffers, 'e');
    const s = this.#state;
    if (s.kind === 'fresh') throw new InvalidOperationException(Messages.mustBind);
    if (s.kind !== 'listening') throw new InvalidOperationException(Messages.mustListen);
    if (e.memoryBuffer !== null) {
      if (e.count < minAcceptBuffer(this.#family)) {
        throw new ArgumentException(Messages.acceptBufferSmall, 'Count');
      }
      throw new PlatformNotSupportedException(Messages.acceptReceive);
    }
    const into = e.acceptSocket;
    if (into !== null && into.#state.kind !== 'fresh') {
      throw new InvalidOperationException(Messages.acceptSocketUsed);
    }
    e[kStart](this, SocketAsyncOperation.Accept);
    const accepts = s.accepts;
    if (accepts.shut) {
      e[kFinish](SocketError.InvalidArgument, 0);
      return false;
    }
    if (accepts.error !== undefined) {
      e[kFinish](toSocketError(accepts.error), 0);
      return false;
    }
    const ready = accepts.tryAccept();
    if (ready !== undefined) {
      this.#acceptInto(e, ready);
      return false;
    }
    accepts.acceptLater(e, (conn) => this.#acceptInto(e, conn));
    return true;
  }

  #acceptInto(e: SocketAsyncEventArgs, conn: Connection): void {
    const into = e.acceptSocket;
    if (into === null || into.#state.kind === 'closed') {
      e.acceptSocket = Socket.#around(conn, this.#noDelay);
    } else {
      into.#noDelay = this.#noDelay;
      into.#adopt(conn);
    }
    e[kFinish](SocketError.Success, 0);
  }

  /** Takes over a connected core connection. */
  #adopt(conn: Connection): void {
    this.#state = { kind: 'connected', link: new Link(conn) };
    if (this.#family !== AddressFamily.Unix) this.#family = familyOfCoreAddress(conn.remoteAddress);
    this.#local = fromCoreAddress(conn.localAddress);
    this.#remote = fromCoreAddress(conn.remoteAddress);
    conn.setNoDelay(this.#noDelay);
  }

  // --- connect ------------------------------------------------------------------------------

  /**
   * Connects to `e.remoteEndPoint` (an `IPEndPoint`, a `DnsEndPoint` or a
   * `UnixDomainSocketEndPoint`). Node connects asynchronously, so this returns `true` and
   * raises `'completed'` later, except when it fails at once (`false`: already connecting
   * gives `AlreadyInProgress`, after a disconnect without reuse `IsConnected`). When `e` has
   * a buffer, its bytes are sent once connected and `bytesTransferred` counts them. A failed
   * connect leaves the socket ready to connect again. On a datagram socket it sets the
   * default peer (binding first if unbound) and completes at once for an IP endpoint; it may
   * be connected again to another peer.
   *
   * @throws {@link ArgumentNullException} for `e` or its `remoteEndPoint`;
   *   {@link ArgumentException} when `e.bufferList` is set or the host is `0.0.0.0`/`::`;
   *   {@link InvalidOperationException} on a listening socket or a busy `e`;
   *   {@link SocketException} (`IsConnected`) when connected; {@link NotSupportedException}
   *   for an endpoint of another address family or after `bind`;
   *   {@link ObjectDisposedException}.
   *
   * @example
   * ```ts
   * e.remoteEndPoint = new IPEndPoint(IPAddress.Loopback, 7000);
   * if (!socket.connectAsync(e)) onConnected(e);
   * ```
   */
  connectAsync(e: SocketAsyncEventArgs): boolean {
    this.#checkDisposed();
    if (e === null || e === undefined) throw new ArgumentNullException('e');
    if (e.bufferList !== null) throw new ArgumentException(Messages.multipleBuffers, 'BufferList');
    const ep = e.remoteEndPoint;
    if (ep === null || ep === undefined) throw new ArgumentNullException('remoteEP');
    if (this.#port !== undefined) return this.#connectDatagram(e, ep, this.#port);
    return this.#connect(e, ep);
  }

  /** A datagram socket's connect: sets the default peer (again, if connected). */
  #connectDatagram(e: SocketAsyncEventArgs, ep: EndPoint, port: DatagramPort): boolean {
    const family = ep.addressFamily;
    if (family !== this.#family && family !== AddressFamily.Unspecified) {
      throw new NotSupportedException(Messages.protocolVersion);
    }
    if (ep instanceof DnsEndPoint && isUnspecifiedHost(ep.host)) {
      throw new ArgumentException(Messages.unspecifiedTarget, 'hostName');
    }
    e[kStart](this, SocketAsyncOperation.Connect);
    e[kConnectResult](null, null);
    return port.connect(e, ep);
  }

  #connect(e: SocketAsyncEventArgs, ep: EndPoint): boolean {
    const s = this.#state;
    if (s.kind === 'listening') throw new InvalidOperationException(Messages.afterListen);
    if (s.kind === 'connected') throw new SocketException(SocketError.IsConnected);
    if (s.kind === 'bound') throw new NotSupportedException(Messages.connectAfterBind);
    const anyFamily = this.#origin === Origin.StaticAnyFamily;
    const family = ep.addressFamily;
    const fits =
      family === this.#family ||
      (family === AddressFamily.Unspecified && this.#family !== AddressFamily.Unix) ||
      (anyFamily && family !== AddressFamily.Unix);
    if (!fits) throw new NotSupportedException(Messages.protocolVersion);
    if (ep instanceof DnsEndPoint && isUnspecifiedHost(ep.host)) {
      throw new ArgumentException(Messages.unspecifiedTarget, 'hostName');
    }
    e[kStart](this, SocketAsyncOperation.Connect);
    e[kConnectResult](null, null);
    if (s.kind === 'connecting') {
      e[kFinish](SocketError.AlreadyInProgress, 0);
      return false;
    }
    if (s.kind === 'disconnected') {
      e[kFinish](SocketError.IsConnected, 0);
      return false;
    }
    const want = family !== AddressFamily.Unspecified || anyFamily ? family : this.#family;
    const options = connectOptions(ep, want, this.#noDelay);
    if (options === undefined) {
      // An IP literal of the other family: no address to try, known at once (.NET: NoData).
      e[kFinish](SocketError.NoData, 0);
      e[kConnectResult](null, new SocketException(SocketError.NoData));
      return false;
    }
    const everConnected = s.kind === 'fresh' && s.everConnected;
    const attempt = new ConnectAttempt(this.#connectHost, e, ep, everConnected);
    this.#state = { kind: 'connecting', attempt };
    attempt.run(options);
    return true;
  }

  /**
   * Creates a socket for `e.remoteEndPoint`'s family and connects it; on success
   * `e.connectSocket` is that socket, yours to close. A `DnsEndPoint` may resolve to either IP
   * family. Always `true` except for an immediate failure, as the instance method.
   *
   * @throws {@link ArgumentNullException} for `e`; {@link ArgumentException} when
   *   `e.bufferList` is set or `e.remoteEndPoint` is null; {@link NotSupportedException} for
   *   a socket type other than `Stream`.
   *
   * @example
   * ```ts
   * e.remoteEndPoint = new DnsEndPoint('localhost', 7000);
   * if (!Socket.connectAsync(SocketType.Stream, ProtocolType.Tcp, e)) use(e.connectSocket);
   * ```
   */
  static connectAsync(
    socketType: SocketType,
    protocolType: ProtocolType,
    e: SocketAsyncEventArgs,
  ): boolean {
    if (e === null || e === undefined) throw new ArgumentNullException('e');
    if (e.bufferList !== null) throw new ArgumentException(Messages.multipleBuffers, 'e');
    const ep = e.remoteEndPoint;
    if (ep === null || ep === undefined) throw new ArgumentException(Messages.nullRemote, 'e');
    const unspecified = ep.addressFamily === AddressFamily.Unspecified;
    const s = new Socket(
      unspecified ? AddressFamily.InterNetworkV6 : ep.addressFamily,
      socketType,
      protocolType,
    );
    s.#origin = unspecified ? Origin.StaticAnyFamily : Origin.Static;
    let pending: boolean;
    try {
      pending = s.#connect(e, ep);
    } catch (err) {
      s.dispose();
      throw err;
    }
    if (!pending) s.dispose();
    return pending;
  }

  /**
   * Cancels the connect in progress with `e`, if any: it completes with `OperationAborted`.
   * For an instance connect the socket is closed too, as in .NET.
   *
   * @throws {@link ArgumentNullException} for `e`.
   *
   * @example
   * ```ts
   * const timer = setTimeout(() => Socket.cancelConnectAsync(e), 5_000);
   * ```
   */
  static cancelConnectAsync(e: SocketAsyncEventArgs): void {
    if (e === null || e === undefined) throw new ArgumentNullException('e');
    ConnectAttempt.cancel(e);
  }

  // --- receive and send ---------------------------------------------------------------------

  /**
   * Receives into `e`'s buffer range (or its `bufferList`, filled in order). Returns `false`
   * when bytes were already buffered, at EOF (`bytesTransferred` 0), after
   * `shutdown(Receive)` with nothing buffered (0), or on an immediate failure; `true` when it
   * pends. A zero-byte receive (`count` 0) waits until bytes are there without taking them.
   * `SocketFlags.Peek` copies without consuming. Several receives may pend with different
   * event-args objects; they get the bytes in the order they were issued. On a socket still
   * connecting the receive pends until it is connected. On a datagram socket it receives one
   * datagram, as `receiveFromAsync` does without reporting the sender.
   *
   * @throws {@link ArgumentNullException}; {@link InvalidOperationException} when `e` is busy;
   *   {@link ObjectDisposedException} for a closed socket or a disposed `e`.
   *
   * @example
   * ```ts
   * e.setBuffer(buffer, 0, buffer.length);
   * while (!socket.receiveAsync(e)) {
   *   if (e.bytesTransferred === 0 || e.socketError !== SocketError.Success) {
   *     socket.close(); // EOF or a failure
   *     break;
   *   }
   *   consume(e.buffer!.subarray(0, e.bytesTransferred));
   * }
   * ```
   */
  receiveAsync(e: SocketAsyncEventArgs): boolean {
    this.#checkDisposed();
    if (e === null || e === undefined) throw new ArgumentNullException('e');
    e[kStart](this, SocketAsyncOperation.Receive);
    if (this.#port !== undefined) return this.#port.receive(e);
    return this.#receives.start(e);
  }

  /**
   * Sends `e`'s buffer range (or its `bufferList`, gathered in order). Returns `false` when
   * the OS took every byte at once (the usual case for small sends) or on an immediate
   * failure, `true` when it pends; a pending send completes once every byte is with the OS
   * (`bytesTransferred` is then the whole count). Sends never interleave. A zero-byte send
   * succeeds with 0 and sends nothing. On a datagram socket it sends one datagram to the
   * connected peer (an empty one for zero bytes); unconnected, it completes with
   * `DestinationAddressRequired`.
   *
   * @throws {@link ArgumentNullException}; {@link InvalidOperationException} when `e` is busy;
   *   {@link ObjectDisposedException}.
   *
   * @example
   * ```ts
   * e.setBuffer(reply, 0, reply.length);
   * if (!socket.sendAsync(e)) onSent(e);
   * ```
   */
  sendAsync(e: SocketAsyncEventArgs): boolean {
    this.#checkDisposed();
    if (e === null || e === undefined) throw new ArgumentNullException('e');
    e[kStart](this, SocketAsyncOperation.Send);
    if (this.#port !== undefined) return this.#port.send(e);
    return this.#sends.start(e, this.#state.kind === 'connecting');
  }

  // --- datagrams ---------------------------------------------------------------------------

  /**
   * Sends `e`'s buffer range (or its `bufferList`, gathered into one datagram) to
   * `e.remoteEndPoint`, on a datagram socket. An unbound socket is bound first (every
   * interface, port 0), as Linux does. Returns `false` when the OS took the datagram at once
   * (on Node, always for an IP endpoint with room in the socket buffer) or on an immediate
   * failure: a datagram larger than the OS allows completes with `MessageSize`, an endpoint of
   * the other family with `AddressFamilyNotSupported`. A zero-byte send sends an empty
   * datagram. On a connected socket only the connected peer can be the target (Node's dgram
   * refuses others, which Linux would allow): another completes with `IsConnected`.
   *
   * @throws {@link ArgumentNullException} for `e`; {@link ArgumentException} when
   *   `e.remoteEndPoint` is null or a `DnsEndPoint`; {@link InvalidOperationException} when
   *   `e` is busy; {@link NotSupportedException} on a stream socket;
   *   {@link ObjectDisposedException}.
   *
   * @example
   * ```ts
   * e.setBuffer(datagram, 0, datagram.length);
   * e.remoteEndPoint = new IPEndPoint(IPAddress.Loopback, 5300);
   * if (!socket.sendToAsync(e)) onSent(e);
   * ```
   */
  sendToAsync(e: SocketAsyncEventArgs): boolean {
    this.#checkDisposed();
    if (e === null || e === undefined) throw new ArgumentNullException('e');
    const ep = e.remoteEndPoint;
    if (ep === null || ep === undefined) throw new ArgumentException(Messages.nullRemote, 'e');
    if (ep instanceof DnsEndPoint) throw new ArgumentException(Messages.noDnsEndPoint, 'remoteEP');
    const port = this.#datagramPort();
    e[kStart](this, SocketAsyncOperation.SendTo);
    return port.sendTo(e, ep as IPEndPoint);
  }

  /**
   * Receives one datagram into `e`'s buffer range (or its `bufferList`, filled in order) and
   * sets `e.remoteEndPoint` to its sender. Returns `false` when a datagram was already queued
   * (or on an immediate failure, such as `ConnectionRefused` after an ICMP port unreachable on
   * a connected socket), `true` when it pends. A datagram longer than the buffer is cut to fit
   * and completes with `Success` and the buffer's size, as .NET on Linux does. A zero-byte
   * receive (`count` 0) and `SocketFlags.Peek` leave the datagram for the next receive. On a
   * socket not bound yet the receive waits until it is. Several receives may pend; each
   * datagram goes to the oldest.
   *
   * @throws {@link ArgumentNullException} for `e`; {@link ArgumentException} when
   *   `e.remoteEndPoint` is null or of another address family; {@link InvalidOperationException}
   *   when `e` is busy; {@link NotSupportedException} on a stream socket;
   *   {@link ObjectDisposedException}.
   *
   * @example
   * ```ts
   * e.setBuffer(buffer, 0, buffer.length);
   * e.remoteEndPoint = new IPEndPoint(IPAddress.Any, 0);
   * while (!socket.receiveFromAsync(e)) onDatagram(e); // e.remoteEndPoint: the sender
   * ```
   */
  receiveFromAsync(e: SocketAsyncEventArgs): boolean {
    this.#checkDisposed();
    if (e === null || e === undefined) throw new ArgumentNullException('e');
    const ep = e.remoteEndPoint;
    if (ep === null || ep === undefined) throw new ArgumentException(Messages.nullRemote, 'e');
    if (ep.addressFamily !== this.#family) {
      throw new ArgumentException(
        Messages.endPointFamily(
          AddressFamily[ep.addressFamily] ?? String(ep.addressFamily),
          AddressFamily[this.#family] ?? String(this.#family),
        ),
        'remoteEP',
      );
    }
    const port = this.#datagramPort();
    e[kStart](this, SocketAsyncOperation.ReceiveFrom);
    return port.receive(e);
  }

  #datagramPort(): DatagramPort {
    if (this.#port === undefined) throw new NotSupportedException(Messages.streamSendTo);
    return this.#port;
  }

  // --- ending -------------------------------------------------------------------------------

  /**
   * Shuts down sending (FIN after the bytes already sent), receiving (Linux's `SHUT_RD`:
   * receives return 0 once the buffered bytes are read, a pending receive completes with 0,
   * the peer is not told), or both. Afterwards `connected` is false. On a listening socket it
   * stops the listening (later accepts complete with `InvalidArgument`). On a datagram
   * socket, as on Linux, later sends complete with `Shutdown` (even where it throws
   * `NotConnected`: Linux shuts an unconnected socket down all the same), and receives go on.
   *
   * @throws {@link SocketException} (`NotConnected`) on a socket never connected,
   *   (`InvalidArgument`) for an unknown `how`; {@link ObjectDisposedException}.
   *
   * @example
   * ```ts
   * socket.shutdown(SocketShutdown.Send);
   * socket.close();
   * ```
   */
  shutdown(how: SocketShutdown): void {
    this.#checkDisposed();
    if (
      how !== SocketShutdown.Receive &&
      how !== SocketShutdown.Send &&
      how !== SocketShutdown.Both
    ) {
      throw new SocketException(SocketError.InvalidArgument);
    }
    const s = this.#state;
    if (this.#port !== undefined) {
      this.#port.shutdown(how !== SocketShutdown.Receive);
      return;
    }
    if (s.kind === 'listening') {
      s.accepts.shutDown();
      return;
    }
    const link = linkOf(s);
    if (link === undefined) {
      // ENOTCONN is ignored on a socket that was connected once (C7).
      if ((s.kind === 'fresh' && s.everConnected) || s.kind === 'connecting') return;
      throw new SocketException(SocketError.NotConnected);
    }
    this.#shut(link, how);
  }

  #shut(link: Link, how: SocketShutdown): void {
    link.connected = false;
    if (how !== SocketShutdown.Receive && !link.sendShut) {
      link.sendShut = true;
      link.conn.shutdown('send').catch(noop);
    }
    if (how !== SocketShutdown.Send && !link.receiveShut) {
      link.receiveShut = true;
      this.#receives.shutDown();
    }
  }

  /**
   * Ends the connection as Linux's .NET does: sends and receives stop (a pending receive
   * completes with 0), the peer gets a FIN; returns `false` (it completes at once). With
   * `e.disconnectReuseSocket` the socket can connect again; without, a later connect
   * completes with `IsConnected`. On a datagram socket it removes the default peer.
   *
   * @throws {@link ArgumentNullException}; {@link SocketException} (`NotConnected`) on a
   *   socket never connected; {@link InvalidOperationException} when `e` is busy;
   *   {@link ObjectDisposedException}.
   *
   * @example
   * ```ts
   * e.disconnectReuseSocket = true;
   * socket.disconnectAsync(e); // false: done
   * ```
   */
  disconnectAsync(e: SocketAsyncEventArgs): boolean {
    this.#checkDisposed();
    if (e === null || e === undefined) throw new ArgumentNullException('e');
    const port = this.#port;
    if (port !== undefined) {
      if (port.neverConnected) throw new SocketException(SocketError.NotConnected);
      e[kStart](this, SocketAsyncOperation.Disconnect);
      return port.disconnect(e);
    }
    const s = this.#state;
    const link = linkOf(s);
    if (link === undefined) throw new SocketException(SocketError.NotConnected);
    e[kStart](this, SocketAsyncOperation.Disconnect);
    this.#shut(link, SocketShutdown.Both);
    if (e.disconnectReuseSocket) {
      void link.conn.close();
      this.#state = { kind: 'fresh', everConnected: true };
    } else if (s.kind === 'connected') {
      this.#state = { kind: 'disconnected', link };
    }
    e[kFinish](SocketError.Success, 0);
    return false;
  }

  /**
   * Closes the socket. Pending operations complete with `OperationAborted`; if any were
   * pending (and sending was not shut down first), the connection is reset, so the peer sees
   * `ConnectionReset`, as in .NET. Otherwise the close is graceful (FIN; sockflow waits for
   * the peer's FIN in the background). Every later call throws `ObjectDisposedException`.
   * Idempotent.
   *
   * @param timeout - seconds to let queued bytes drain before the connection is reset; `0`
   *   resets at once; `-1` or none: the core's default (5 s).
   * @throws {@link ArgumentOutOfRangeException} for a timeout below -1.
   *
   * @example
   * ```ts
   * socket.shutdown(SocketShutdown.Send); // a clean end for the peer
   * socket.close();
   * ```
   */
  close(timeout?: number): void {
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < -1)) {
      throw new ArgumentOutOfRangeException(
        'timeout',
        `timeout ('${String(timeout)}') must be greater than or equal to '-1'.`,
        timeout,
      );
    }
    const s = this.#state;
    if (s.kind === 'closed') return;
    this.#state = { kind: 'closed', wasBound: this.isBound };
    if (this.#port !== undefined) {
      this.#port.close();
      return;
    }
    const pending =
      this.#receives.size > 0 ||
      this.#sends.size > 0 ||
      (s.kind === 'listening' && s.accepts.pending > 0) ||
      s.kind === 'connecting';
    if (s.kind === 'connecting') s.attempt.abort.abort();
    if (s.kind === 'listening') s.accepts.close();
    const link = linkOf(s);
    if (link !== undefined) {
      const conn = link.conn;
      link.connected = false;
      if (timeout === 0 || (pending && !link.sendShut)) void conn.reset();
      else if (timeout !== undefined && timeout > 0) {
        void conn.close({ signal: AbortSignal.timeout(timeout * 1000) });
      } else void conn.close();
    }
    // Receives and sends that never reached the core complete here, on a later tick.
    this.#receives.closed(); // each completes with OperationAborted
    this.#sends.closed();
  }

  /**
   * `close()`.
   *
   * @example
   * ```ts
   * socket.dispose();
   * ```
   */
  dispose(): void {
    this.close();
  }

  /**
   * `close()`, for `using`.
   *
   * @example
   * ```ts
   * using socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }

  #checkDisposed(): void {
    if (this.#state.kind === 'closed') throw new ObjectDisposedException(ObjectNames.socket);
  }
}
