/**
 * `Socket`: .NET's socket with the event-based (`SocketAsyncEventArgs`) operations, on
 * sockflow's core.
 *
 * @module
 */
import {
  connect,
  listen,
  type Connection,
  type ConnectOptions,
  type Listener,
} from '../core/index.js';
import { DnsEndPoint, IPEndPoint, UnixDomainSocketEndPoint, type EndPoint } from './endpoints.js';
import {
  AddressFamily,
  ProtocolType,
  SocketAsyncOperation,
  SocketFlags,
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
import { Fifo } from './internal/fifo.js';
import {
  familyOfCoreAddress,
  fromCoreAddress,
  isUnspecifiedHost,
  toCoreAddress,
} from './internal/address.js';
import { kCapture, kConnectResult, kFinish, kRaise, kStart, kTarget } from './internal/symbols.js';
import { SocketError, toSocketError } from './socket-error.js';
import type { SocketAsyncEventArgs } from './socket-async-event-args.js';

type State =
  | 'fresh' // never bound, connected or listening (or made connectable again by a reuse disconnect)
  | 'bound'
  | 'listening'
  | 'connecting'
  | 'connected'
  | 'disconnected'; // disconnectAsync without reuse: still open, no longer usable to connect

const MULTIPLE_BUFFERS = 'Multiple buffers cannot be used with this method.';
const AFTER_LISTEN = 'You may not perform this operation after calling the Listen method.';
const MUST_BIND = 'You must call the Bind method before performing this operation.';
const MUST_LISTEN = 'You must call the Listen method before performing this operation.';
const ACCEPT_SOCKET_USED = 'AcceptSocket: The socket must not be bound or connected.';
const ACCEPT_BUFFER_SMALL =
  'The Buffer space specified by the Count property is insufficient for the AcceptAsync method.';
const ACCEPT_RECEIVE =
  'This platform does not support receiving data with Socket.AcceptAsync.  Instead, make a separate call to Socket.ReceiveAsync.';
const PROTOCOL_VERSION = 'This protocol version is not supported.';
const UNSPECIFIED_TARGET =
  'IPv4 address 0.0.0.0 and IPv6 address ::0 are unspecified addresses that cannot be used as a target address.';
const NO_DNS_BIND = 'The parameter remoteEP must not be of type DnsEndPoint.';
const NULL_REMOTE = 'Null is not a valid value for e.RemoteEndPoint.';
const NO_DATAGRAMS =
  'Datagram sockets are not supported by sockflow/compat yet: sendToAsync and receiveFromAsync come with datagram support.';
const OBJECT_NAME = 'System.Net.Sockets.Socket';

/** Linux's `SOMAXCONN`, .NET's default backlog there. */
const DEFAULT_BACKLOG = 4096;

/** The reason a pending core receive is aborted by `shutdown(Receive)` or a disconnect. */
const SHUT_RECEIVING = Symbol('shutdown(Receive)');

/** One byte to ask the core whether a zero-byte receive would complete (never written). */
const PROBE = new Uint8Array(1);

const noop = (): void => {};

/**
 * Bytes of a receive, copied to give back for `Peek`. (A copy, not `slice()`: on a Node
 * `Buffer`, `slice()` is a view, and the caller's buffer is reused by the next receive.)
 */
function firstBytes(target: Uint8Array | readonly Uint8Array[], n: number): Uint8Array {
  if (target instanceof Uint8Array) return new Uint8Array(target.subarray(0, n));
  const out = new Uint8Array(n);
  let at = 0;
  for (const b of target) {
    if (at === n) break;
    const take = Math.min(b.length, n - at);
    out.set(b.subarray(0, take), at);
    at += take;
  }
  return out;
}

function sizeOf(target: Uint8Array | readonly Uint8Array[] | null): number {
  if (target === null) return 0;
  if (target instanceof Uint8Array) return target.length;
  let n = 0;
  for (const b of target) n += b.length;
  return n;
}

/** What accept must leave free in its buffer on .NET: two addresses plus 16 bytes each. */
function minAcceptBuffer(family: AddressFamily): number {
  const address =
    family === AddressFamily.InterNetworkV6 ? 28 : family === AddressFamily.Unix ? 110 : 16;
  return 2 * (address + 16);
}

const connectOps = new WeakMap<SocketAsyncEventArgs, Socket>();

/**
 * A socket with .NET's event-based operations: `connectAsync`, `acceptAsync`,
 * `receiveAsync`, `sendAsync`, `disconnectAsync`, each taking a `SocketAsyncEventArgs`.
 *
 * Every `xxxAsync(e)` returns `false` when the operation completed before the call returned
 * (bytes were already buffered, the OS took a send whole at once, a connection was already
 * waiting, or it failed at once): the result is in `e` and no `'completed'` event follows.
 * It returns `true` when the operation is pending: `e` raises `'completed'` exactly once,
 * later, never inside the call. Loop on `false` rather than recursing:
 * `while (!socket.receiveAsync(e)) process(e);`.
 *
 * Behaviour follows .NET on Linux; where Node makes that impossible the difference is listed
 * in `docs/compat.md` (binding happens when listening starts, so use `listenAsync()` to learn
 * an ephemeral port; `available` counts bytes sockflow has read from the kernel).
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
  /** Static connects to a `DnsEndPoint` take whichever IP family the name resolves to. */
  #anyFamily = false;
  /** Made by the static `connectAsync`: closed when its connect fails. */
  #temporary = false;
  #state: State = 'fresh';
  #disposed = false;
  #connected = false;
  #everConnected = false;
  #noDelay = false;

  #bound: EndPoint | null = null;
  #local: EndPoint | null = null;
  #remote: EndPoint | null = null;

  #listening: Promise<Listener> | undefined;
  #listener: Listener | undefined;
  #listenError: unknown;
  #listenerShut = false;
  #pendingAccepts = 0;

  #conn: Connection | undefined;
  #connectAbort: AbortController | undefined;
  #connectOp: SocketAsyncEventArgs | undefined;
  /** Sends issued while connecting: they start once connected. */
  #sendsBeforeConnect: SocketAsyncEventArgs[] = [];

  // Receives in issue order. The head may have a core receive outstanding (#recvActive);
  // the rest wait behind it. Outside a completion callback, a non-empty queue means a receive
  // is active or the socket is still connecting.
  readonly #recv = new Fifo<SocketAsyncEventArgs>();
  #recvActive = false;
  #recvAbort: AbortController | undefined;
  #recvShut = false;
  #sendShut = false;

  // Sends handed to the core and not yet done, in order (the core settles them in order).
  readonly #sends = new Fifo<SocketAsyncEventArgs>();

  /** The connection's failure has been reported to one operation already (Linux's SO_ERROR). */
  #failureReported = false;

  /**
   * @param addressFamily - `InterNetwork`, `InterNetworkV6` or `Unix`.
   * @param socketType - `Stream` (`Dgram` comes with datagram support).
   * @param protocolType - `Tcp` (or `Unspecified`) for IP, `Unspecified` for Unix sockets.
   * @throws {@link SocketException} for an unsupported family or protocol;
   *   {@link NotSupportedException} for a socket type other than `Stream`.
   */
  constructor(addressFamily: AddressFamily, socketType: SocketType, protocolType: ProtocolType) {
    if (
      addressFamily !== AddressFamily.InterNetwork &&
      addressFamily !== AddressFamily.InterNetworkV6 &&
      addressFamily !== AddressFamily.Unix
    ) {
      throw new SocketException(SocketError.AddressFamilyNotSupported);
    }
    if (socketType !== SocketType.Stream) {
      throw new NotSupportedException(
        socketType === SocketType.Dgram
          ? NO_DATAGRAMS
          : `Socket type ${SocketType[socketType] ?? String(socketType)} is not supported by sockflow/compat.`,
      );
    }
    const tcp = protocolType === ProtocolType.Tcp || protocolType === ProtocolType.Unspecified;
    if (addressFamily === AddressFamily.Unix ? protocolType !== ProtocolType.Unspecified : !tcp) {
      throw new SocketException(SocketError.ProtocolNotSupported);
    }
    this.#family = addressFamily;
    this.#type = socketType;
    this.#protocol = protocolType;
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
    return this.#connected;
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
    return this.#bound !== null || this.#conn !== undefined || this.#state === 'listening';
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
    return this.#conn?.bufferedBytes ?? 0;
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
    if (this.#local === null && this.#listener !== undefined) {
      this.#local = fromCoreAddress(this.#listener.address);
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
    return this.#remote;
  }

  /**
   * Nagle's algorithm off (`true`) or on (`false`, .NET's default). Settable at any time; a
   * listening socket passes it on to the sockets it accepts.
   *
   * @example
   * ```ts
   * socket.noDelay = true; // small sends leave at once
   * ```
   */
  get noDelay(): boolean {
    this.#checkDisposed();
    return this.#noDelay;
  }

  /** Turns Nagle off (`true`) or on (`false`) from now on. */
  set noDelay(value: boolean) {
    this.#checkDisposed();
    this.#noDelay = value === true;
    this.#conn?.setNoDelay(this.#noDelay);
  }

  // --- bind and listen ----------------------------------------------------------------------

  /**
   * Sets the local endpoint to listen on. Node binds when listening starts, so an address in
   * use is reported by `listenAsync()` (and by accepts), not here.
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
    if (localEP instanceof DnsEndPoint) throw new ArgumentException(NO_DNS_BIND, 'remoteEP');
    if (this.#state !== 'fresh' || this.#bound !== null) {
      throw new SocketException(SocketError.InvalidArgument);
    }
    if (localEP.addressFamily !== this.#family) {
      throw new SocketException(SocketError.AddressFamilyNotSupported);
    }
    this.#bound = localEP;
    this.#state = 'bound';
    if (localEP instanceof UnixDomainSocketEndPoint) this.#local = localEP;
    else if (localEP instanceof IPEndPoint && localEP.port !== 0) this.#local = localEP;
  }

  /**
   * Starts listening on the bound endpoint (on every interface, port 0, when not bound, as
   * Linux does). Accepts issued before the OS has bound the socket simply pend. Listening
   * twice is allowed.
   *
   * @param backlog - the kernel's accept queue (capped by `net.core.somaxconn`).
   * @throws {@link SocketException} (`InvalidArgument`) on a connected socket;
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
    if (this.#state === 'listening') return;
    if (this.#state !== 'fresh' && this.#state !== 'bound') {
      throw new SocketException(SocketError.InvalidArgument);
    }
    if (typeof backlog !== 'number' || Number.isNaN(backlog)) {
      throw new ArgumentOutOfRangeException('backlog', undefined, backlog);
    }
    const on =
      this.#bound ??
      new IPEndPoint(
        this.#family === AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any,
        0,
      );
    if (on instanceof UnixDomainSocketEndPoint && this.#family !== AddressFamily.Unix) {
      throw new SocketException(SocketError.AddressFamilyNotSupported);
    }
    this.#state = 'listening';
    const size = Math.max(1, Math.min(Math.trunc(backlog), DEFAULT_BACKLOG));
    this.#listening = listen(toCoreAddress(on), {
      backlog: size,
      maxPendingAccepts: size,
    }).then(
      (l) => {
        this.#listener = l;
        if (this.#disposed || this.#listenerShut) void l.close();
        return l;
      },
      (err: unknown) => {
        this.#listenError = err;
        throw err;
      },
    );
    this.#listening.catch(noop);
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
    try {
      await this.#listening;
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
    if (e.bufferList !== null) throw new ArgumentException(MULTIPLE_BUFFERS, 'e');
    if (this.#state === 'fresh') throw new InvalidOperationException(MUST_BIND);
    if (this.#state !== 'listening') throw new InvalidOperationException(MUST_LISTEN);
    if (e.memoryBuffer !== null) {
      if (e.count < minAcceptBuffer(this.#family)) {
        throw new ArgumentException(ACCEPT_BUFFER_SMALL, 'Count');
      }
      throw new PlatformNotSupportedException(ACCEPT_RECEIVE);
    }
    const into = e.acceptSocket;
    if (into !== null && (into.#disposed || into.#state !== 'fresh')) {
      throw new InvalidOperationException(ACCEPT_SOCKET_USED);
    }
    e[kStart](this, SocketAsyncOperation.Accept);
    if (this.#listenerShut) {
      e[kFinish](SocketError.InvalidArgument, 0);
      return false;
    }
    if (this.#listenError !== undefined) {
      e[kFinish](toSocketError(this.#listenError), 0);
      return false;
    }
    const listener = this.#listener;
    if (listener !== undefined && this.#pendingAccepts === 0) {
      const conn = listener.tryAccept();
      if (conn !== undefined) {
        this.#acceptInto(e, conn);
        return false;
      }
    }
    this.#pendingAccepts++;
    const accepted =
      listener !== undefined
        ? listener.accept()
        : (this.#listening as Promise<Listener>).then((l) => l.accept());
    accepted.then(
      (conn) => {
        this.#pendingAccepts--;
        if (this.#disposed) {
          void conn.reset();
          e[kFinish](SocketError.OperationAborted, 0);
        } else {
          this.#acceptInto(e, conn);
        }
        e[kRaise]();
      },
      (err: unknown) => {
        this.#pendingAccepts--;
        e[kFinish](this.#disposed ? SocketError.OperationAborted : toSocketError(err), 0);
        e[kRaise]();
      },
    );
    return true;
  }

  #acceptInto(e: SocketAsyncEventArgs, conn: Connection): void {
    const into = e.acceptSocket;
    if (into === null || into.#disposed) {
      e.acceptSocket = Socket.#around(conn, this.#noDelay);
    } else {
      into.#noDelay = this.#noDelay;
      into.#adopt(conn);
    }
    e[kFinish](SocketError.Success, 0);
  }

  /** Takes over a connected core connection. */
  #adopt(conn: Connection): void {
    this.#conn = conn;
    this.#state = 'connected';
    this.#connected = true;
    this.#everConnected = true;
    this.#failureReported = false;
    this.#recvShut = false;
    this.#sendShut = false;
    this.#family =
      this.#family === AddressFamily.Unix ? this.#family : familyOfCoreAddress(conn.remoteAddress);
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
   * connect leaves the socket ready to connect again.
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
    if (e.bufferList !== null) throw new ArgumentException(MULTIPLE_BUFFERS, 'BufferList');
    const ep = e.remoteEndPoint;
    if (ep === null || ep === undefined) throw new ArgumentNullException('remoteEP');
    return this.#connect(e, ep);
  }

  #connect(e: SocketAsyncEventArgs, ep: EndPoint): boolean {
    if (this.#state === 'listening') throw new InvalidOperationException(AFTER_LISTEN);
    if (this.#state === 'connected') throw new SocketException(SocketError.IsConnected);
    if (this.#state === 'bound') {
      throw new NotSupportedException(
        'sockflow/compat cannot connect from a bound local endpoint: connect without bind.',
      );
    }
    const family = ep.addressFamily;
    const fits =
      family === this.#family ||
      (family === AddressFamily.Unspecified && this.#family !== AddressFamily.Unix) ||
      (this.#anyFamily && family !== AddressFamily.Unix);
    if (!fits) throw new NotSupportedException(PROTOCOL_VERSION);
    if (ep instanceof DnsEndPoint && isUnspecifiedHost(ep.host)) {
      throw new ArgumentException(UNSPECIFIED_TARGET, 'hostName');
    }
    e[kStart](this, SocketAsyncOperation.Connect);
    e[kConnectResult](null, null);
    if (this.#state === 'connecting') {
      e[kFinish](SocketError.AlreadyInProgress, 0);
      return false;
    }
    if (this.#state === 'disconnected') {
      e[kFinish](SocketError.IsConnected, 0);
      return false;
    }
    const options: ConnectOptions = { noDelay: this.#noDelay };
    if (ep instanceof DnsEndPoint) {
      const want =
        family !== AddressFamily.Unspecified ? family : this.#anyFamily ? family : this.#family;
      const literal = IPAddress.tryParse(ep.host);
      if (
        literal !== null &&
        want !== AddressFamily.Unspecified &&
        literal.addressFamily !== want
      ) {
        // An IP literal of the other family: no address to try, known at once (.NET: NoData).
        e[kFinish](SocketError.NoData, 0);
        e[kConnectResult](null, new SocketException(SocketError.NoData));
        return false;
      }
      if (want === AddressFamily.InterNetwork) options.family = 4;
      else if (want === AddressFamily.InterNetworkV6) options.family = 6;
    }
    const ac = new AbortController();
    options.signal = ac.signal;
    this.#connectAbort = ac;
    this.#connectOp = e;
    this.#state = 'connecting';
    connectOps.set(e, this);
    const data = e[kTarget]() as Uint8Array | null;
    connect(toCoreAddress(ep), options).then(
      (conn) => this.#onConnected(e, ep, conn, data),
      (err: unknown) => this.#connectFailed(e, ep, err),
    );
    return true;
  }

  #onConnected(
    e: SocketAsyncEventArgs,
    ep: EndPoint,
    conn: Connection,
    data: Uint8Array | null,
  ): void {
    this.#connectDone(e);
    if (this.#disposed) {
      void conn.reset();
      this.#connectFailed(e, ep, undefined);
      return;
    }
    this.#adopt(conn);
    const finish = (sent: number): void => {
      e[kFinish](SocketError.Success, sent);
      e[kConnectResult](this, null);
      e[kRaise]();
      this.#afterConnect();
    };
    if (data === null || data.length === 0) {
      finish(0);
      return;
    }
    // Connect with data (.NET 9 and later on Linux): the bytes follow the handshake.
    let r: number | Promise<number>;
    try {
      r = conn.trySend(data);
    } catch (err) {
      this.#connectFailed(e, ep, err);
      return;
    }
    if (typeof r === 'number') finish(r);
    else
      r.then(finish, (err: unknown) => {
        this.#connectFailed(e, ep, err);
      });
  }

  #connectFailed(e: SocketAsyncEventArgs, ep: EndPoint, err: unknown): void {
    this.#connectDone(e);
    if (this.#conn === undefined && this.#state === 'connecting') this.#state = 'fresh';
    const code =
      this.#disposed || err === undefined || (err as { name?: unknown }).name === 'AbortError'
        ? SocketError.OperationAborted
        : toSocketError(err);
    this.#connected = false;
    e[kFinish](code, 0);
    e[kConnectResult](
      null,
      ep instanceof DnsEndPoint ? new SocketException(code, { cause: err }) : null,
    );
    if (this.#temporary) this.dispose(); // on success the socket is the caller's
    e[kRaise]();
    this.#afterConnect();
  }

  #connectDone(e: SocketAsyncEventArgs): void {
    connectOps.delete(e);
    this.#connectAbort = undefined;
    this.#connectOp = undefined;
  }

  /** Starts what waited for the connect: receives and sends issued meanwhile. */
  #afterConnect(): void {
    const sends = this.#sendsBeforeConnect;
    if (sends.length > 0) {
      this.#sendsBeforeConnect = [];
      for (const e of sends) if (this.#trySend(e)) e[kRaise]();
    }
    this.#pumpReceives();
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
    if (e.bufferList !== null) throw new ArgumentException(MULTIPLE_BUFFERS, 'e');
    const ep = e.remoteEndPoint;
    if (ep === null || ep === undefined) throw new ArgumentException(NULL_REMOTE, 'e');
    const unspecified = ep.addressFamily === AddressFamily.Unspecified;
    const s = new Socket(
      unspecified ? AddressFamily.InterNetworkV6 : ep.addressFamily,
      socketType,
      protocolType,
    );
    s.#anyFamily = unspecified;
    s.#temporary = true;
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
    const s = connectOps.get(e);
    if (s === undefined) return;
    s.#connectAbort?.abort();
    s.dispose();
  }

  // --- receive ------------------------------------------------------------------------------

  /**
   * Receives into `e`'s buffer range (or its `bufferList`, filled in order). Returns `false`
   * when bytes were already buffered, at EOF (`bytesTransferred` 0), after
   * `shutdown(Receive)` with nothing buffered (0), or on an immediate failure; `true` when it
   * pends. A zero-byte receive (`count` 0) waits until bytes are there without taking them.
   * `SocketFlags.Peek` copies without consuming. Several receives may pend with different
   * event-args objects; they get the bytes in the order they were issued. On a socket still
   * connecting the receive pends until it is connected.
   *
   * @throws {@link ArgumentNullException}; {@link InvalidOperationException} when `e` is busy;
   *   {@link ObjectDisposedException} for a closed socket or a disposed `e`.
   *
   * @example
   * ```ts
   * e.setBuffer(buffer, 0, buffer.length);
   * while (!socket.receiveAsync(e)) {
   *   if (e.bytesTransferred === 0 || e.socketError !== SocketError.Success) return close();
   *   consume(e.buffer!.subarray(0, e.bytesTransferred));
   * }
   * ```
   */
  receiveAsync(e: SocketAsyncEventArgs): boolean {
    this.#checkDisposed();
    if (e === null || e === undefined) throw new ArgumentNullException('e');
    e[kStart](this, SocketAsyncOperation.Receive);
    if (this.#recv.size === 0 && this.#state !== 'connecting') {
      if (this.#tryReceive(e)) return false;
      this.#recv.push(e);
      this.#issueReceive(e);
      return true;
    }
    e[kCapture]();
    this.#recv.push(e);
    return true;
  }

  /** Completes `e` now if it can (true), or leaves it untouched (false). */
  #tryReceive(e: SocketAsyncEventArgs): boolean {
    if (this.#disposed) {
      e[kFinish](SocketError.OperationAborted, 0);
      return true;
    }
    const conn = this.#conn;
    if (conn === undefined) {
      e[kFinish](
        this.#state === 'disconnected' ? SocketError.Success : SocketError.NotConnected,
        0,
      );
      return true;
    }
    const flags = e.socketFlags;
    if ((flags & ~SocketFlags.Peek) !== 0) {
      e[kFinish](SocketError.OperationNotSupported, 0);
      return true;
    }
    const target = e[kTarget]();
    let n: number | undefined;
    try {
      n =
        sizeOf(target) === 0
          ? this.#probe(conn)
          : conn.tryReceive(target as Uint8Array | Uint8Array[]);
    } catch (err) {
      e[kFinish](this.#receiveFailure(err), 0);
      return true;
    }
    if (n === undefined) {
      if (!this.#recvShut) return false;
      n = 0;
    }
    if (n > 0 && flags === SocketFlags.Peek)
      conn.unshift(firstBytes(target as Uint8Array | Uint8Array[], n));
    e[kFinish](SocketError.Success, n);
    return true;
  }

  /** A zero-byte receive completes (with 0) when bytes are buffered or at EOF. */
  #probe(conn: Connection): number | undefined {
    if (conn.bufferedBytes > 0) return 0;
    return conn.tryReceive(PROBE); // nothing is buffered, so nothing is taken
  }

  #issueReceive(e: SocketAsyncEventArgs): void {
    this.#recvActive = true;
    const conn = this.#conn as Connection;
    const signal = (this.#recvAbort ??= new AbortController()).signal;
    const target = e[kTarget]();
    if (sizeOf(target) === 0) conn.read({ signal }).then(this.#onZeroRead, this.#onReceiveError);
    else
      conn
        .receive(target as Uint8Array | Uint8Array[], { signal })
        .then(this.#onReceived, this.#onReceiveError);
  }

  #shiftReceive(): SocketAsyncEventArgs {
    this.#recvActive = false;
    return this.#recv.shift();
  }

  readonly #onReceived = (n: number): void => {
    const e = this.#shiftReceive();
    if (n > 0 && e.socketFlags === SocketFlags.Peek) {
      this.#giveBack(firstBytes(e[kTarget]() as Uint8Array | Uint8Array[], n));
    }
    e[kFinish](SocketError.Success, n);
    this.#raiseAndPump(e);
  };

  readonly #onZeroRead = (chunk: Uint8Array | null): void => {
    const e = this.#shiftReceive();
    if (chunk !== null) this.#giveBack(chunk);
    e[kFinish](SocketError.Success, 0);
    this.#raiseAndPump(e);
  };

  readonly #onReceiveError = (err: unknown): void => {
    const e = this.#shiftReceive();
    if (err === SHUT_RECEIVING) e[kFinish](SocketError.Success, 0);
    else e[kFinish](this.#disposed ? SocketError.OperationAborted : this.#receiveFailure(err), 0);
    this.#raiseAndPump(e);
  };

  /** Puts bytes back for the next receive (peeks, zero-byte receives), if still connected. */
  #giveBack(chunk: Uint8Array): void {
    const conn = this.#conn;
    if (conn === undefined || this.#disposed) return;
    try {
      conn.unshift(chunk);
    } catch {
      // The connection was closed meanwhile (a reuse disconnect): nobody will read them.
    }
  }

  #raiseAndPump(e: SocketAsyncEventArgs): void {
    e[kRaise]();
    this.#pumpReceives();
  }

  /** Serves queued receives in order: at once where bytes are there, else the next waits. */
  #pumpReceives(): void {
    while (this.#recv.size > 0 && !this.#recvActive) {
      if (this.#state === 'connecting') return;
      const e = this.#recv.peek();
      if (this.#tryReceive(e)) {
        this.#shiftReceive();
        e[kRaise]();
      } else {
        this.#issueReceive(e);
      }
    }
  }

  /**
   * How a failed connection shows to an operation: the first one gets the error, later
   * receives see EOF and later sends `Shutdown`, as Linux reports a socket error once.
   */
  #receiveFailure(err: unknown): SocketError {
    this.#connected = false;
    if (this.#failureReported) return SocketError.Success;
    this.#failureReported = true;
    return toSocketError(err);
  }

  #sendFailure(err: unknown): SocketError {
    this.#connected = false;
    if (this.#failureReported) return SocketError.Shutdown;
    this.#failureReported = true;
    return toSocketError(err);
  }

  // --- send ---------------------------------------------------------------------------------

  /**
   * Sends `e`'s buffer range (or its `bufferList`, gathered in order). Returns `false` when
   * the OS took every byte at once (the usual case for small sends) or on an immediate
   * failure, `true` when it pends; a pending send completes once every byte is with the OS
   * (`bytesTransferred` is then the whole count). Sends never interleave. A zero-byte send
   * succeeds with 0 and sends nothing.
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
    if (this.#state === 'connecting') {
      e[kCapture]();
      this.#sendsBeforeConnect.push(e);
      return true;
    }
    return !this.#trySend(e);
  }

  /** Completes `e` now (true) or hands it to the core as a pending send (false). */
  #trySend(e: SocketAsyncEventArgs): boolean {
    const conn = this.#conn;
    if (this.#disposed) {
      e[kFinish](SocketError.OperationAborted, 0);
      return true;
    }
    if (conn === undefined || this.#sendShut) {
      e[kFinish](SocketError.Shutdown, 0);
      return true;
    }
    if ((e.socketFlags & ~SocketFlags.DontRoute) !== 0) {
      e[kFinish](SocketError.OperationNotSupported, 0);
      return true;
    }
    const target = e[kTarget]();
    if (target === null) {
      e[kFinish](SocketError.Success, 0);
      return true;
    }
    let r: number | Promise<number>;
    try {
      r = conn.trySend(target);
    } catch (err) {
      e[kFinish](this.#sendFailure(err), 0);
      return true;
    }
    if (typeof r === 'number') {
      e[kFinish](SocketError.Success, r);
      return true;
    }
    this.#sends.push(e);
    r.then(this.#onSent, this.#onSendError);
    return false;
  }

  readonly #onSent = (n: number): void => {
    const e = this.#sends.shift();
    if (this.#disposed) e[kFinish](SocketError.OperationAborted, 0);
    else e[kFinish](SocketError.Success, n);
    e[kRaise]();
  };

  readonly #onSendError = (err: unknown): void => {
    const e = this.#sends.shift();
    e[kFinish](this.#disposed ? SocketError.OperationAborted : this.#sendFailure(err), 0);
    e[kRaise]();
  };

  // --- datagrams (not yet) ------------------------------------------------------------------

  /**
   * Not supported yet: datagram sockets come with sockflow's datagram support.
   *
   * @throws {@link NotSupportedException} always.
   *
   * @example
   * ```ts
   * socket.sendToAsync(e); // throws NotSupportedException for now
   * ```
   */
  sendToAsync(e: SocketAsyncEventArgs): boolean {
    void e;
    throw new NotSupportedException(NO_DATAGRAMS);
  }

  /**
   * Not supported yet: datagram sockets come with sockflow's datagram support.
   *
   * @throws {@link NotSupportedException} always.
   *
   * @example
   * ```ts
   * socket.receiveFromAsync(e); // throws NotSupportedException for now
   * ```
   */
  receiveFromAsync(e: SocketAsyncEventArgs): boolean {
    void e;
    throw new NotSupportedException(NO_DATAGRAMS);
  }

  // --- ending -------------------------------------------------------------------------------

  /**
   * Shuts down sending (FIN after the bytes already sent), receiving (Linux's `SHUT_RD`:
   * receives return 0 once the buffered bytes are read, a pending receive completes with 0,
   * the peer is not told), or both. Afterwards `connected` is false. On a listening socket it
   * stops the listening (later accepts complete with `InvalidArgument`).
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
    if (this.#state === 'listening') {
      this.#listenerShut = true;
      void this.#listener?.close();
      return;
    }
    const conn = this.#conn;
    if (conn === undefined) {
      if (this.#everConnected || this.#state === 'connecting') {
        this.#connected = false;
        return;
      }
      throw new SocketException(SocketError.NotConnected);
    }
    this.#shut(conn, how);
  }

  #shut(conn: Connection, how: SocketShutdown): void {
    this.#connected = false;
    if (how !== SocketShutdown.Receive && !this.#sendShut) {
      this.#sendShut = true;
      conn.shutdown('send').catch(noop);
    }
    if (how !== SocketShutdown.Send && !this.#recvShut) {
      this.#recvShut = true;
      if (this.#recvActive) {
        this.#recvAbort?.abort(SHUT_RECEIVING);
        this.#recvAbort = undefined;
      }
    }
  }

  /**
   * Ends the connection as Linux's .NET does: sends and receives stop (a pending receive
   * completes with 0), the peer gets a FIN; returns `false` (it completes at once). With
   * `e.disconnectReuseSocket` the socket can connect again; without, a later connect
   * completes with `IsConnected`.
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
    const conn = this.#conn;
    if (conn === undefined && this.#state !== 'disconnected') {
      throw new SocketException(SocketError.NotConnected);
    }
    e[kStart](this, SocketAsyncOperation.Disconnect);
    if (conn !== undefined) {
      this.#shut(conn, SocketShutdown.Both);
      if (e.disconnectReuseSocket) {
        void conn.close();
        this.#conn = undefined;
        this.#state = 'fresh';
        this.#sendShut = false;
        this.#recvShut = false;
      } else {
        this.#state = 'disconnected';
      }
    }
    this.#connected = false;
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
    if (this.#disposed) return;
    this.#disposed = true;
    this.#connected = false;
    const pending =
      this.#recv.size > 0 ||
      this.#sends.size > 0 ||
      this.#sendsBeforeConnect.length > 0 ||
      this.#pendingAccepts > 0 ||
      this.#connectOp !== undefined;
    this.#connectAbort?.abort();
    if (this.#listener !== undefined) void this.#listener.close();
    const conn = this.#conn;
    if (conn !== undefined) {
      if (timeout === 0 || (pending && !this.#sendShut)) void conn.reset();
      else if (timeout !== undefined && timeout > 0) {
        void conn.close({ signal: AbortSignal.timeout(timeout * 1000) });
      } else void conn.close();
    }
    // Receives and sends that never reached the core complete here, on a later tick.
    if (!this.#recvActive && this.#recv.size > 0) {
      queueMicrotask(() => this.#pumpReceives()); // each completes with OperationAborted
    }
    if (this.#sendsBeforeConnect.length > 0) {
      const sends = this.#sendsBeforeConnect;
      this.#sendsBeforeConnect = [];
      queueMicrotask(() => {
        for (const e of sends) {
          e[kFinish](SocketError.OperationAborted, 0);
          e[kRaise]();
        }
      });
    }
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
    if (this.#disposed) throw new ObjectDisposedException(OBJECT_NAME);
  }
}
