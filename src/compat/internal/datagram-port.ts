// A compat datagram socket (SocketType.Dgram) on the core's DatagramSocket: binding (by
// bind(), or implicitly by the first sendTo or connect, as Linux does), the receives in issue
// order (one handed to the core at a time, the others behind it), sends, the default peer,
// Linux's shutdown flags, and .NET's quirks as measured by test/compat/dotnet/udp-trace.
// Operations complete at once (the `false` of xxxAsync) exactly when the core's try* forms
// do: on Node, every send and bind to an IP address and every receive of a queued datagram.
import {
  tryBind,
  type Datagram,
  type DatagramSocket,
  type IpSocketAddress,
  type TcpAddress,
} from '../../core/index.js';
import { DnsEndPoint, IPEndPoint, type EndPoint } from '../endpoints.js';
import { AddressFamily, SocketAsyncOperation, SocketFlags } from '../enums.js';
import { SocketException } from '../exceptions.js';
import { IPAddress } from '../ip-address.js';
import { SocketError, toSocketError } from '../socket-error.js';
import type { SocketAsyncEventArgs } from '../socket-async-event-args.js';
import { toCoreAddress } from './address.js';
import { Fifo } from './fifo.js';
import { copyInto, sizeOf, type Target } from './targets.js';
import { kCapture, kFinish, kRaise, kTarget } from './symbols.js';

const EMPTY = new Uint8Array(0);
const noop = (): void => {};

export class DatagramPort {
  readonly #family: AddressFamily;
  #udp: DatagramSocket | undefined;
  /** A bind still under way (a runtime that binds on a later tick). */
  #binding: Promise<DatagramSocket> | undefined;
  /** Why that bind failed: what later operations complete with. */
  #bindFailure: unknown;
  /** Operations waiting for that bind. */
  #afterBind: (() => void)[] = [];
  /** The endpoint given to bind() with a fixed port, while that bind is under way. */
  #bindingTo: EndPoint | null = null;
  #remote: EndPoint | null = null;
  #connected = false;
  #everConnected = false;
  /** Linux's SEND_SHUTDOWN: set by shutdown(Send or Both), even on an unconnected socket. */
  #sendShut = false;
  #closed = false;
  /** A datagram taken from the core and not consumed yet (a peek, a zero-byte receive). */
  #held: Datagram | undefined;
  /** An error the OS reported while `available` looked for a datagram: the next receive's. */
  #heldError: unknown;
  readonly #receives = new Fifo<SocketAsyncEventArgs>();
  /** The head of #receives has a core receive outstanding. */
  #active = false;
  /**
   * The count of the latest receive that pended: .NET on Linux reports it for a receive
   * aborted by close (the operation object it pools per socket keeps it), so compat does.
   */
  #lastPended = 0;
  /** The latest sendTo target, and the core's address for it. */
  #lastTo: IPEndPoint | undefined;
  #lastCoreTo: TcpAddress | undefined;
  /** The latest sender's address, as the core gave it and parsed. */
  #lastText = '0.0.0.0';
  #lastIp: IPAddress = IPAddress.Any;

  constructor(family: AddressFamily) {
    this.#family = family;
  }

  get isBound(): boolean {
    return this.#udp !== undefined || this.#binding !== undefined;
  }

  get connected(): boolean {
    return this.#connected;
  }

  get remoteEndPoint(): EndPoint | null {
    return this.#remote;
  }

  get localEndPoint(): EndPoint | null {
    return this.#udp === undefined ? this.#bindingTo : this.#endPoint(this.#udp.address);
  }

  /** The size of the next datagram (Linux's FIONREAD on UDP), 0 when none is queued. */
  get available(): number {
    if (this.#held === undefined && this.#udp !== undefined && this.#heldError === undefined) {
      try {
        this.#held = this.#udp.tryReceive();
      } catch (err) {
        this.#heldError = err;
      }
    }
    return this.#held?.data.length ?? 0;
  }

  /** Receives and sends not yet completed (close aborts them). */
  get pending(): number {
    return this.#receives.size + this.#afterBind.length;
  }

  // --- binding ------------------------------------------------------------------------------

  /** `bind()`: throws a SocketException for what the OS refuses at once. */
  bind(ep: IPEndPoint): void {
    if (this.isBound) throw new SocketException(SocketError.InvalidArgument);
    this.#startBind(toCoreAddress(ep) as TcpAddress);
    if (this.#binding !== undefined && ep.port !== 0) this.#bindingTo = ep;
  }

  #startBind(on: TcpAddress): void {
    let r: DatagramSocket | Promise<DatagramSocket>;
    try {
      r = tryBind(on);
    } catch (err) {
      throw new SocketException(toSocketError(err), { cause: err });
    }
    if (!(r instanceof Promise)) {
      this.#udp = r;
      this.#pump();
      return;
    }
    this.#binding = r;
    r.then(
      (udp) => {
        this.#binding = undefined;
        if (this.#closed) void udp.close();
        else this.#udp = udp;
        this.#bound();
      },
      (err: unknown) => {
        this.#binding = undefined;
        this.#bindFailure = err;
        this.#bound();
      },
    );
  }

  #bound(): void {
    const waiting = this.#afterBind;
    this.#afterBind = [];
    for (const run of waiting) run();
    this.#pump();
  }

  /**
   * Bound, or binds implicitly (every interface, port 0) as Linux does on a first sendTo or
   * connect: true when the socket can be used now, false when `then` will run once a bind
   * under way ends. Throws a SocketException when the OS refuses the bind at once.
   */
  #whenBound(then: () => void): boolean {
    if (this.#udp !== undefined || this.#bindFailure !== undefined || this.#closed) return true;
    if (this.#binding === undefined) {
      const any = this.#family === AddressFamily.InterNetworkV6 ? '::' : '0.0.0.0';
      this.#startBind({ host: any, port: 0 });
      if (this.#binding === undefined) return true;
    }
    this.#afterBind.push(then);
    return false;
  }

  /**
   * An operation that needs the socket bound: `run` (true when it completed `e`) runs now if
   * the socket is bound or binds at once, else once the bind under way ends, and then raises
   * `e`'s completion. Returns what `xxxAsync` returns: true when `e` pends.
   */
  #onceBound(e: SocketAsyncEventArgs, run: () => boolean): boolean {
    let now: boolean;
    try {
      now = this.#whenBound(() => {
        if (run()) e[kRaise]();
      });
    } catch (err) {
      e[kFinish](toSocketError(err), 0);
      return false;
    }
    if (!now) {
      e[kCapture]();
      return true;
    }
    return !run();
  }

  // --- receiving ----------------------------------------------------------------------------

  /** `receiveAsync` / `receiveFromAsync`, after `e` was started: true when it pends. */
  receive(e: SocketAsyncEventArgs): boolean {
    if (this.#receives.size === 0) {
      if (this.#tryReceive(e)) return false;
      this.#receives.push(e);
      // Handed to the core now: its promise keeps the caller's async context.
      if (this.#udp !== undefined && !this.#closed) this.#issue();
      else e[kCapture](); // waits for a bind; completes from another operation's callback
      return true;
    }
    e[kCapture](); // completes from the receive ahead of it
    this.#receives.push(e);
    return true;
  }

  /** Serves waiting receives in order: at once where a datagram is there, else the next waits. */
  #pump(): void {
    while (this.#receives.size > 0 && !this.#active && !this.#closed) {
      const e = this.#receives.peek();
      if (this.#tryReceive(e)) {
        this.#receives.shift();
        e[kRaise]();
      } else if (this.#udp !== undefined) {
        this.#issue();
      } else {
        return; // not bound yet: a receive waits, as on an unbound socket in .NET
      }
    }
  }

  /** Completes `e` now if it can (true), or leaves it untouched (false). */
  #tryReceive(e: SocketAsyncEventArgs): boolean {
    if (this.#heldError !== undefined) {
      const err = this.#heldError;
      this.#heldError = undefined;
      e[kFinish](toSocketError(err), 0);
      return true;
    }
    if (this.#bindFailure !== undefined) {
      e[kFinish](toSocketError(this.#bindFailure), 0);
      return true;
    }
    const udp = this.#udp;
    if (udp === undefined) return false;
    if ((e.socketFlags & ~SocketFlags.Peek) !== 0) {
      e[kFinish](SocketError.OperationNotSupported, 0);
      return true;
    }
    let d = this.#held;
    if (d === undefined) {
      try {
        d = udp.tryReceive();
      } catch (err) {
        e[kFinish](toSocketError(err), 0);
        return true;
      }
      if (d === undefined) return false;
    }
    this.#deliver(e, d);
    return true;
  }

  /**
   * Completes `e` with datagram `d`: copied into its buffer, the tail of a longer one
   * discarded (.NET on Linux reports that as Success, not MessageSize, with
   * `SocketFlags.Truncated`). A peek or a zero-byte
   * receive (which .NET makes with MSG_PEEK) leaves the datagram for the next receive.
   */
  #deliver(e: SocketAsyncEventArgs, d: Datagram): number {
    const target = e[kTarget]();
    const size = sizeOf(target);
    const keep = size === 0 || (e.socketFlags & SocketFlags.Peek) !== 0;
    this.#held = keep ? d : undefined;
    const n = size === 0 ? 0 : copyInto(target as Target, d.data);
    if (e.lastOperation === SocketAsyncOperation.ReceiveFrom) this.#setSender(e, d.from);
    e[kFinish](SocketError.Success, n);
    // .NET on Linux says so in the flags (MSG_TRUNC), measured.
    if (size > 0 && n < d.data.length) e.socketFlags = SocketFlags.Truncated;
    return n;
  }

  /**
   * Hands the head of the queue to the core, as a pending receive. No signal: only close()
   * ends it, and the core's close() rejects it (ignored then), which spares an abort listener
   * per receive.
   */
  #issue(): void {
    this.#active = true;
    (this.#udp as DatagramSocket).receive().then(this.#onReceived, this.#onError);
  }

  readonly #onReceived = (d: Datagram): void => {
    this.#active = false;
    if (this.#closed) return; // close() completed the receive
    const e = this.#receives.shift();
    this.#lastPended = this.#deliver(e, d);
    e[kRaise]();
    this.#pump();
  };

  readonly #onError = (err: unknown): void => {
    this.#active = false;
    if (this.#closed) return;
    const e = this.#receives.shift();
    e[kFinish](toSocketError(err), 0);
    e[kRaise]();
    this.#pump();
  };

  // --- sending ------------------------------------------------------------------------------

  /** `sendToAsync`, after `e` was started: true when it pends. */
  sendTo(e: SocketAsyncEventArgs, ep: IPEndPoint): boolean {
    if (ep.addressFamily !== this.#family) {
      e[kFinish](SocketError.AddressFamilyNotSupported, 0);
      return false;
    }
    if (this.#connected) {
      // Node's dgram cannot send to another peer from a connected socket (Linux can): only
      // to the connected peer, else EISCONN, as BSD and macOS answer (docs/compat.md).
      if (ep.equals(this.#remote)) return this.#send(e, undefined);
      e[kFinish](SocketError.IsConnected, 0);
      return false;
    }
    if (ep !== this.#lastTo) {
      // IPEndPoint is immutable: a loop sending to one endpoint converts it once.
      this.#lastTo = ep;
      this.#lastCoreTo = toCoreAddress(ep) as TcpAddress;
    }
    return this.#send(e, this.#lastCoreTo);
  }

  /** `sendAsync` on a datagram socket: to the connected peer. */
  send(e: SocketAsyncEventArgs): boolean {
    if (!this.#connected && !this.#sendShut) {
      e[kFinish](SocketError.DestinationAddressRequired, 0);
      return false;
    }
    return this.#send(e, undefined);
  }

  #send(e: SocketAsyncEventArgs, to: TcpAddress | undefined): boolean {
    if (this.#sendShut) {
      e[kFinish](SocketError.Shutdown, 0); // EPIPE
      return false;
    }
    if ((e.socketFlags & ~SocketFlags.DontRoute) !== 0) {
      e[kFinish](SocketError.OperationNotSupported, 0);
      return false;
    }
    if (this.#udp !== undefined) return !this.#sendNow(e, to);
    return this.#onceBound(e, () => this.#sendNow(e, to));
  }

  /** Hands `e`'s datagram to the core: true when it completed at once. */
  #sendNow(e: SocketAsyncEventArgs, to: TcpAddress | undefined): boolean {
    if (this.#closed) {
      e[kFinish](SocketError.OperationAborted, 0);
      return true;
    }
    const udp = this.#udp;
    if (udp === undefined) {
      e[kFinish](toSocketError(this.#bindFailure), 0);
      return true;
    }
    let r: number | Promise<number>;
    try {
      r = udp.trySend(e[kTarget]() ?? EMPTY, to);
    } catch (err) {
      e[kFinish](toSocketError(err), 0);
      return true;
    }
    if (typeof r === 'number') {
      e[kFinish](SocketError.Success, r);
      return true;
    }
    e[kCapture]();
    r.then(
      (n) => {
        e[kFinish](this.#closed ? SocketError.OperationAborted : SocketError.Success, n);
        e[kRaise]();
      },
      (err: unknown) => {
        e[kFinish](this.#closed ? SocketError.OperationAborted : toSocketError(err), 0);
        e[kRaise]();
      },
    );
    return false;
  }

  // --- the default peer ---------------------------------------------------------------------

  /** `connectAsync`, after `e` was started: true when it pends. Connecting again is allowed. */
  connect(e: SocketAsyncEventArgs, ep: EndPoint): boolean {
    if (ep instanceof DnsEndPoint && this.isBound) {
      // Measured: .NET 10 on Linux completes a connect by name on a bound datagram socket
      // with IsConnected, later, and leaves it unconnected.
      e[kCapture]();
      queueMicrotask(() => {
        e[kFinish](SocketError.IsConnected, 0);
        e[kRaise]();
      });
      return true;
    }
    return this.#onceBound(e, () => this.#connectNow(e, ep));
  }

  /** Connects the bound socket: true when it completed at once. */
  #connectNow(e: SocketAsyncEventArgs, ep: EndPoint): boolean {
    const udp = this.#udp;
    if (this.#closed || udp === undefined) {
      e[kFinish](this.#closed ? SocketError.OperationAborted : toSocketError(this.#bindFailure), 0);
      return true;
    }
    // Node's dgram connects a connected socket only after dissolving the association.
    if (this.#connected) udp.disconnect();
    this.#connected = false;
    this.#remote = null;
    const connecting = udp.connect(toCoreAddress(ep) as TcpAddress);
    if (udp.remoteAddress !== undefined) {
      connecting.catch(noop); // connected at once: the promise says it again, later
      this.#connected = this.#everConnected = true;
      this.#remote = this.#endPoint(udp.remoteAddress);
      e[kFinish](SocketError.Success, 0);
      return true;
    }
    e[kCapture]();
    connecting.then(
      () => {
        if (this.#closed) {
          e[kFinish](SocketError.OperationAborted, 0);
        } else {
          this.#connected = this.#everConnected = true;
          this.#remote = udp.remoteAddress === undefined ? null : this.#endPoint(udp.remoteAddress);
          e[kFinish](SocketError.Success, 0);
        }
        e[kRaise]();
      },
      (err: unknown) => {
        e[kFinish](this.#closed ? SocketError.OperationAborted : toSocketError(err), 0);
        e[kRaise]();
      },
    );
    return false;
  }

  /** `disconnectAsync`, after `e` was started: dissolves the association, at once. */
  disconnect(e: SocketAsyncEventArgs): boolean {
    if (this.#connected) this.#udp?.disconnect();
    this.#connected = false;
    this.#remote = null;
    e[kFinish](SocketError.Success, 0);
    return false;
  }

  /** Never connected: disconnectAsync and shutdown throw NotConnected. */
  get neverConnected(): boolean {
    return !this.#everConnected;
  }

  /**
   * `shutdown(how)`, checked. Linux sets the flags even on an unconnected datagram socket,
   * where it answers ENOTCONN (measured): so does this, and then throws.
   */
  shutdown(sending: boolean): void {
    if (sending) this.#sendShut = true;
    const wasConnected = this.#connected;
    this.#connected = false;
    if (!wasConnected && !this.#everConnected) {
      throw new SocketException(SocketError.NotConnected);
    }
  }

  // --- closing ------------------------------------------------------------------------------

  /** The socket closed: waiting operations complete with OperationAborted, on a later tick. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const receives: SocketAsyncEventArgs[] = [];
    while (this.#receives.size > 0) receives.push(this.#receives.shift());
    const waiting = this.#afterBind;
    this.#afterBind = [];
    const bytes = this.#lastPended;
    queueMicrotask(() => {
      for (const e of receives) {
        e[kFinish](SocketError.OperationAborted, bytes);
        e[kRaise]();
      }
      for (const run of waiting) run();
    });
    if (this.#udp !== undefined) void this.#udp.close();
    this.#held = undefined;
  }

  /**
   * `e.remoteEndPoint` := the sender. As .NET does, the endpoint already there is kept when it
   * is the sender's (a receive loop from one peer allocates nothing), else replaced.
   */
  #setSender(e: SocketAsyncEventArgs, from: IpSocketAddress): void {
    const ip = this.#ip(from.address);
    const current = e.remoteEndPoint;
    if (current instanceof IPEndPoint && current.port === from.port && current.address.equals(ip)) {
      return;
    }
    e.remoteEndPoint = new IPEndPoint(ip, from.port);
  }

  /** The address for the core's text, parsed once for a run of datagrams from one host. */
  #ip(text: string): IPAddress {
    if (text !== this.#lastText) {
      this.#lastIp = IPAddress.parse(text);
      this.#lastText = text;
    }
    return this.#lastIp;
  }

  /** An endpoint of this socket's family for an address the core reports. */
  #endPoint(a: IpSocketAddress): IPEndPoint {
    return new IPEndPoint(this.#ip(a.address), a.port);
  }
}
