// A compat socket's connect in progress (C9-C12): the core's connect, the bytes sent with it,
// how it completes, and the registry `Socket.cancelConnectAsync(e)` finds it in by its
// event-args object. The socket checks the arguments and its state first (in .NET's order);
// this runs what follows.
import { connect, type Connection, type ConnectOptions } from '../../core/index.js';
import { DnsEndPoint, type EndPoint } from '../endpoints.js';
import { AddressFamily } from '../enums.js';
import { IPAddress } from '../ip-address.js';
import { SocketException } from '../exceptions.js';
import { SocketError, toSocketError } from '../socket-error.js';
import type { Socket } from '../socket.js';
import type { SocketAsyncEventArgs } from '../socket-async-event-args.js';
import { toCoreAddress } from './address.js';
import { kConnectResult, kFinish, kRaise, kTarget } from './symbols.js';

/** What an attempt needs from its socket. */
export interface ConnectHost {
  readonly socket: Socket;
  /** The socket was closed meanwhile. */
  closed(): boolean;
  /** Connected: the socket takes the connection over. */
  adopt(conn: Connection): void;
  /** Failed: the socket is connectable again (or, connected already, no longer `connected`). */
  failed(attempt: ConnectAttempt): void;
  /** Ended either way: what waited for the connect (receives, sends) goes ahead. */
  settled(): void;
}

const attempts = new WeakMap<SocketAsyncEventArgs, ConnectAttempt>();

/**
 * The core's connect options for an endpoint: a `DnsEndPoint` resolves to the address family
 * `want` only (`Unspecified`: either). `undefined` when the endpoint is an IP literal of the
 * other family: there is no address to try (.NET completes with `NoData` at once, C10).
 */
export function connectOptions(
  ep: EndPoint,
  want: AddressFamily,
  noDelay: boolean,
): ConnectOptions | undefined {
  const options: ConnectOptions = { noDelay };
  if (!(ep instanceof DnsEndPoint)) return options;
  const literal = IPAddress.tryParse(ep.host);
  if (literal !== null && want !== AddressFamily.Unspecified && literal.addressFamily !== want) {
    return undefined;
  }
  if (want === AddressFamily.InterNetwork) options.family = 4;
  else if (want === AddressFamily.InterNetworkV6) options.family = 6;
  return options;
}

export class ConnectAttempt {
  /** Aborts the core's `connect()`: it then fails, and the attempt completes with `OperationAborted`. */
  readonly abort = new AbortController();
  readonly e: SocketAsyncEventArgs;
  /** Whether the socket had been connected before (a failed attempt leaves it as it was). */
  readonly everConnected: boolean;
  readonly #host: ConnectHost;
  readonly #ep: EndPoint;

  constructor(host: ConnectHost, e: SocketAsyncEventArgs, ep: EndPoint, everConnected: boolean) {
    this.#host = host;
    this.e = e;
    this.#ep = ep;
    this.everConnected = everConnected;
    attempts.set(e, this);
  }

  /**
   * Starts the core's connect; `'completed'` follows. With a buffer in `e`, its bytes are sent
   * once connected and `bytesTransferred` counts them (C12).
   */
  run(options: ConnectOptions): void {
    options.signal = this.abort.signal;
    const data = this.e[kTarget]() as Uint8Array | null;
    connect(toCoreAddress(this.#ep), options).then(
      (conn) => this.connected(conn, data),
      (err: unknown) => this.fail(err),
    );
  }

  /** `Socket.cancelConnectAsync(e)`: aborts the connect in progress with `e` and, as .NET does, closes its socket. */
  static cancel(e: SocketAsyncEventArgs): void {
    const attempt = attempts.get(e);
    if (attempt === undefined) return;
    attempt.abort.abort();
    attempt.#host.socket.dispose();
  }

  private end(): void {
    if (attempts.get(this.e) === this) attempts.delete(this.e);
  }

  private connected(conn: Connection, data: Uint8Array | null): void {
    this.end();
    const host = this.#host;
    if (host.closed()) {
      void conn.reset();
      this.fail(undefined);
      return;
    }
    host.adopt(conn);
    const finish = (sent: number): void => {
      const e = this.e;
      e[kFinish](SocketError.Success, sent);
      e[kConnectResult](host.socket, null);
      e[kRaise]();
      host.settled();
    };
    if (data === null || data.length === 0) {
      finish(0);
      return;
    }
    let r: number | Promise<number>;
    try {
      r = conn.trySend(data);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (typeof r === 'number') finish(r);
    else r.then(finish, (err: unknown) => this.fail(err));
  }

  private fail(err: unknown): void {
    this.end();
    const host = this.#host;
    const e = this.e;
    const aborted =
      host.closed() || err === undefined || (err as { name?: unknown }).name === 'AbortError';
    const code = aborted ? SocketError.OperationAborted : toSocketError(err);
    host.failed(this);
    e[kFinish](code, 0);
    e[kConnectResult](
      null,
      this.#ep instanceof DnsEndPoint ? new SocketException(code, { cause: err }) : null,
    );
    e[kRaise]();
    host.settled();
  }
}
