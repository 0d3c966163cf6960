// A listening compat socket's side of accepting: the core listener (made asynchronously, since
// Node binds when listening starts), its failure, the accepts still pending, and whether
// `shutdown()` stopped the listening; and how a pending `acceptAsync` completes.
import {
  listen,
  type Connection,
  type IpcAddress,
  type Listener,
  type TcpAddress,
} from '../../core/index.js';
import { AddressFamily } from '../enums.js';
import { SocketError, toSocketError } from '../socket-error.js';
import type { SocketAsyncEventArgs } from '../socket-async-event-args.js';
import { kFinish, kRaise } from './symbols.js';

const noop = (): void => {};

/** What accept must leave free in its buffer on .NET: two addresses plus 16 bytes each (C13). */
export function minAcceptBuffer(family: AddressFamily): number {
  const address =
    family === AddressFamily.InterNetworkV6 ? 28 : family === AddressFamily.Unix ? 110 : 16;
  return 2 * (address + 16);
}

export class AcceptQueue {
  /** The core listener, once the OS listens (rejects with the listen error). */
  readonly ready: Promise<Listener>;
  listener: Listener | undefined;
  /** Why listening failed (`EADDRINUSE`…), once it has. */
  error: unknown;
  /** `shutdown()` on the listening socket: later accepts complete with `InvalidArgument`. */
  shut = false;
  /** Accepts handed to the core and not yet completed. */
  pending = 0;
  readonly #isClosed: () => boolean;

  /**
   * @param isClosed - whether the socket was closed meanwhile: a listener that arrives after
   *   `close()` or `shutdown()` is closed at once.
   */
  constructor(on: TcpAddress | IpcAddress, backlog: number, isClosed: () => boolean) {
    this.#isClosed = isClosed;
    // Linux's accept queue holds backlog + 1 connections (the kernel's check is `>`, not
    // `>=`): .NET on Linux accepted two of three connects to listen(1) at once. So do we.
    this.ready = listen(on, { backlog, maxPendingAccepts: backlog + 1 }).then(
      (l) => {
        this.listener = l;
        if (isClosed() || this.shut) void l.close();
        return l;
      },
      (err: unknown) => {
        this.error = err;
        throw err;
      },
    );
    this.ready.catch(noop);
  }

  /**
   * A connection already waiting, taken now; `undefined` when none is, or when earlier accepts
   * are pending (they get connections first: accepts complete in issue order).
   */
  tryAccept(): Connection | undefined {
    if (this.listener === undefined || this.pending > 0) return undefined;
    return this.listener.tryAccept();
  }

  /**
   * A pending `acceptAsync(e)`: `deliver` takes the next connection into `e`, then
   * `'completed'` is raised. After `close()`, the connection is reset and the accept
   * completes with `OperationAborted` (C8); a failed accept with its error.
   */
  acceptLater(e: SocketAsyncEventArgs, deliver: (conn: Connection) => void): void {
    this.accept().then(
      (conn) => {
        if (this.#isClosed()) {
          void conn.reset();
          e[kFinish](SocketError.OperationAborted, 0);
        } else {
          deliver(conn);
        }
        e[kRaise]();
      },
      (err: unknown) => {
        e[kFinish](this.#isClosed() ? SocketError.OperationAborted : toSocketError(err), 0);
        e[kRaise]();
      },
    );
  }

  /** The next connection (counted in `pending` until it settles). */
  private accept(): Promise<Connection> {
    this.pending++;
    const accepted =
      this.listener !== undefined ? this.listener.accept() : this.ready.then((l) => l.accept());
    return accepted.then(
      (conn) => {
        this.pending--;
        return conn;
      },
      (err: unknown) => {
        this.pending--;
        throw err;
      },
    );
  }

  /** `shutdown()`: stop listening; later accepts complete with `InvalidArgument`. */
  shutDown(): void {
    this.shut = true;
    void this.listener?.close();
  }

  /** `close()`: stop listening; pending accepts complete (with `OperationAborted`). */
  close(): void {
    void this.listener?.close();
  }
}
