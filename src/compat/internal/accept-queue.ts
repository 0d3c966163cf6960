// A listening compat socket's side of accepting: the core listener (made asynchronously, since
// Node binds when listening starts), its failure, the accepts still pending, and whether
// `shutdown()` stopped the listening.
import {
  listen,
  type Connection,
  type IpcAddress,
  type Listener,
  type TcpAddress,
} from '../../core/index.js';

const noop = (): void => {};

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

  /**
   * @param isClosed - whether the socket was closed meanwhile: a listener that arrives after
   *   `close()` or `shutdown()` is closed at once.
   */
  constructor(on: TcpAddress | IpcAddress, backlog: number, isClosed: () => boolean) {
    this.ready = listen(on, { backlog, maxPendingAccepts: backlog }).then(
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

  /** The next connection (counted in `pending` until it settles). */
  accept(): Promise<Connection> {
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
