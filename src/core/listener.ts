/**
 * The `Listener` class: accepted connections you `await` and `for await`.
 *
 * @module
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { formatAddress, toSocketAddress, type SocketAddress } from './address.js';
import type { ResolvedConnectionOptions } from './connection-options.js';
import type { Connection, OperationOptions } from './connection.js';
import { SocketClosedError } from './errors.js';
import { connectionOf, ipcNames, newTransport, tcpNames } from './internal/build.js';
import { acceptChannel } from './internal/diagnostics.js';
import { LocalNames } from './internal/socket-names.js';
import {
  plainSocketOf,
  socketOfAcceptedHandle,
  takeOverAccepts,
  type AcceptedHandle,
} from './internal/node-net.js';
import { signalOf } from './internal/validate.js';

/**
 * A connection waiting for accept(): a raw handle, a socket node:net built (fallback), or a TLS
 * connection built as soon as its handshake succeeded (a TLS socket reads from the start, so
 * it needs the connection's listeners at once: a reset while it waits is then reported by the
 * connection accept() hands out).
 */
type Pending = { handle: AcceptedHandle } | { socket: net.Socket } | { built: Connection };

function drop(p: Pending): void {
  if ('built' in p) void p.built.reset();
  else if ('socket' in p) p.socket.destroy();
  else p.handle.close();
}

interface AcceptWaiter {
  resolve: (c: Connection) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Internal: what `listen()` hands to the constructor. */
export interface ListenerInit {
  server: net.Server;
  options: ResolvedConnectionOptions;
  maxPendingAccepts: number;
  /** The listen backlog: also bounds connections accepted ahead of building them. */
  backlog: number;
  ipcPath: string | undefined;
  /**
   * For a TLS listener: a `tls.Server` that never listens, used for its handshake (it wraps
   * each accepted socket and verifies client certificates); `server` still accepts.
   */
  tls: tls.Server | undefined;
}

const listenerToken = Symbol('sockflow.listener');

/**
 * Connections built per event-loop turn: about 3 ms of work, during which a loopback client
 * queues a few hundred more connects, far below the backlog.
 */
const BUILD_BATCH = 64;

/** How long a burst of arrivals may hold back building the connections already accepted. */
const DEFER_MS = 50;

/**
 * How many backlogs' worth of accepted connections a burst may queue before building takes
 * over each turn (a bare handle costs a few hundred bytes; the kernel's queue holds as many).
 */
const DEFER_BACKLOGS = 4;

/**
 * A listening TCP or Unix socket. Get one from `listen()`.
 *
 * Connections the kernel accepts wait (at most `maxPendingAccepts` of them, beyond which new
 * ones are closed at once) until `accept()` or a `for await` takes them. Leaving the loop does
 * not close the listener; `close()` does, and ends every loop over it.
 *
 * @example
 * ```ts
 * await using listener = await listen({ host: '127.0.0.1', port: 0 });
 * for await (const conn of listener) {
 *   void (async () => {
 *     await using c = conn;
 *     for await (const chunk of c) await c.send(chunk); // echo
 *   })();
 * }
 * ```
 */
export class Listener implements AsyncIterable<Connection>, AsyncDisposable {
  readonly #server: net.Server;
  readonly #options: ResolvedConnectionOptions;
  readonly #max: number;
  readonly #backlog: number;
  readonly #address: SocketAddress;
  #pending: (Pending | undefined)[] = [];
  #pendingHead = 0;
  #waiters: AcceptWaiter[] = [];
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Connections closed at once because `maxPendingAccepts` were already waiting. */
  #dropped = 0;
  /** Where accepted connections get their local names: shared, or the path of a Unix socket. */
  readonly #names: LocalNames | SocketAddress;
  /** A TLS listener's handshakes: see `ListenerInit.tls`. */
  readonly #tls: tls.Server | undefined;
  /** Plain sockets whose TLS handshake is in progress (closed with the listener). */
  readonly #handshaking = new Set<net.Socket>();
  #handshakeFailures = 0;

  /** @internal Use `listen()`. */
  constructor(token: symbol, internals: object) {
    if (token !== listenerToken) {
      throw new TypeError('Listener cannot be constructed directly: use listen()');
    }
    const init = internals as ListenerInit;
    this.#server = init.server;
    this.#options = init.options;
    this.#max = init.maxPendingAccepts;
    this.#backlog = init.backlog;
    const a = init.server.address();
    this.#address =
      typeof a === 'string' || a === null
        ? { path: a ?? init.ipcPath ?? '' }
        : (toSocketAddress(a) ?? { address: '', port: 0, family: 'IPv4' });
    this.#names =
      'path' in this.#address
        ? Object.freeze({ path: init.ipcPath ?? this.#address.path })
        : new LocalNames(this.#address);
    // Accepted sockets are built here, not by node:net's server, so they get `onread` (a
    // reused read buffer) like the sockets connect() makes; where the runtime's server cannot
    // be taken over so, node:net's own sockets, read with 'data'.
    if (!takeOverAccepts(init.server, this.#onHandle)) {
      init.server.on('connection', (socket: net.Socket) => this.#onSocket(socket));
    }
    this.#tls = init.tls;
    if (init.tls !== undefined) {
      init.tls.on('secureConnection', (socket: tls.TLSSocket) => this.#onSecure(socket));
      init.tls.on('tlsClientError', (_err: Error, socket: tls.TLSSocket) =>
        this.#onHandshakeFailed(socket),
      );
    }
  }

  /**
   * Resolves with the next accepted connection: at once if one is waiting.
   *
   * **Cancel safety:** cancel safe. An aborted accept rejects with `signal.reason` and takes
   * nothing: the connection it would have got goes to the next accept. After `close()`,
   * rejects with `ERR_SOCKET_CLOSED`. Out of file descriptors (`EMFILE`), libuv accepts each
   * waiting connection and closes it at once (its peer sees the connection end), and nothing
   * reaches JavaScript: a pending accept waits on, and the listener takes connections again
   * once descriptors are free. Only when libuv has no spare descriptor for that does the
   * oldest pending accept reject with `EMFILE`; the listener keeps listening either way.
   *
   * @example
   * ```ts
   * const conn = await listener.accept({ signal: AbortSignal.timeout(10_000) });
   * ```
   */
  accept(options?: OperationOptions): Promise<Connection> {
    let signal;
    try {
      signal = signalOf(options);
    } catch (err) {
      return Promise.reject(err);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) return Promise.reject(this.#closedError());
    if (this.#pendingHead < this.#pending.length) {
      if (this.#budget > 0) {
        this.#budget--;
        return Promise.resolve(this.#build(this.#shift()));
      }
      // This turn's share is built: let the event loop accept what has arrived first.
      this.#scheduleDrain();
    }
    return new Promise<Connection>((resolve, reject) => {
      const w: AcceptWaiter = { resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        w.onAbort = () => {
          this.#waiters = this.#waiters.filter((x) => x !== w);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.#waiters.push(w);
    });
  }

  /**
   * The synchronous accept: returns a connection that is already waiting, or `undefined` when
   * none is and an `accept()` would have to wait. For layers and advanced code that must know
   * at once whether an operation completed (sockflow/compat's `acceptAsync` is built on it);
   * see "The synchronous fast path" in `docs/design.md`.
   *
   * @throws {@link SocketClosedError} after `close()`.
   *
   * @example
   * ```ts
   * const conn = listener.tryAccept() ?? (await listener.accept());
   * ```
   */
  tryAccept(): Connection | undefined {
    if (this.#closed) throw this.#closedError();
    return this.#pendingHead < this.#pending.length ? this.#build(this.#shift()) : undefined;
  }

  /**
   * Iterates accepted connections until the listener is closed. Leaving the loop closes
   * nothing.
   *
   * @example
   * ```ts
   * for await (const conn of listener) serve(conn);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<Connection> {
    return {
      next: () =>
        this.accept().then(
          (value) => ({ done: false, value }),
          (err: unknown) => {
            if (this.#closed && err instanceof SocketClosedError)
              return { done: true, value: undefined };
            throw err;
          },
        ),
      return: () => Promise.resolve({ done: true, value: undefined }),
    };
  }

  /**
   * Where the listener listens (the bound port when it was asked for port 0).
   *
   * @example
   * ```ts
   * const listener = await listen({ port: 0 });
   * const { port } = listener.address as { port: number };
   * ```
   */
  get address(): SocketAddress {
    return this.#address;
  }

  /**
   * Connections accepted from the kernel and not yet taken by `accept()` (or `tryAccept()`):
   * at most `maxPendingAccepts` while no accept waits (an option of `listen()`).
   *
   * @example
   * ```ts
   * metrics.set('listener.pending', listener.pendingConnections);
   * ```
   */
  get pendingConnections(): number {
    return this.#pending.length - this.#pendingHead;
  }

  /**
   * Connections closed at once because `maxPendingAccepts` were already waiting.
   *
   * @example
   * ```ts
   * if (listener.droppedConnections > 0) console.warn('accept loop too slow');
   * ```
   */
  get droppedConnections(): number {
    return this.#dropped;
  }

  /**
   * Clients of a TLS listener that failed their handshake (a bad certificate, a protocol
   * error, no handshake within `handshakeTimeout`, a client that left halfway): they never
   * reach `accept()` and the listener goes on. Always `0` for a plain listener.
   *
   * @example
   * ```ts
   * metrics.set('tls.handshake_failures', listener.handshakeFailures);
   * ```
   */
  get handshakeFailures(): number {
    return this.#handshakeFailures;
  }

  /**
   * Stops listening: connections not yet accepted are closed, pending accepts reject with
   * `ERR_SOCKET_CLOSED`, every `for await` over the listener ends. Connections already
   * accepted live on. Resolves when the listening socket is closed. Idempotent.
   *
   * **Cancel safety:** takes no signal; completes promptly.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => void listener.close());
   * ```
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    for (let i = this.#pendingHead; i < this.#pending.length; i++) {
      const p = this.#pending[i];
      if (p !== undefined) drop(p);
    }
    this.#pending = [];
    this.#pendingHead = 0;
    for (const s of this.#handshaking) s.destroy();
    this.#handshaking.clear();
    const err = this.#closedError();
    for (const w of this.#waiters) this.#dropWaiter(w).reject(err);
    this.#waiters = [];
    this.#closing = new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
    });
    return this.#closing;
  }

  /**
   * `close()`, for `await using`.
   *
   * **Cancel safety:** takes no signal; completes promptly.
   *
   * @example
   * ```ts
   * await using listener = await listen({ port: 0 });
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // libuv accepted a connection (or failed to).
  readonly #onHandle = (err: number, handle: AcceptedHandle | undefined): void => {
    if (err !== 0 && err !== undefined) {
      const w = this.#waiters.shift();
      if (w) this.#dropWaiter(w).reject(acceptError(err));
      return;
    }
    if (handle === undefined) return;
    this.#offer({ handle });
  };

  // Fallback when the server's handle cannot be reached: node:net built the socket (paused,
  // since the server pauses on connect), and it is read through 'data'.
  #onSocket(socket: net.Socket): void {
    this.#offer({ socket });
  }

  // Accept first, build later. libuv accepts one connection per event-loop turn (node-notes
  // §13), and
  // building a Connection (node:net's Socket and ours) costs several times the accept itself:
  // built as they arrive, a burst of connects outruns the server, the kernel's accept queue
  // overflows, and every dropped handshake costs its client a one-second retransmit. So a
  // connection somebody waits for is queued here as a bare handle, and the building happens
  // in the check phase (`setImmediate`) of a turn in which nothing new arrived: during a burst
  // each turn only accepts. Building still goes ahead, a batch at a time, once the oldest
  // queued connection has waited DEFER_MS or 4 × `backlog` of them are queued, so a flood can
  // neither starve the accept loop nor grow this queue without bound. Only connections nobody
  // is waiting for count against `maxPendingAccepts`.
  #offer(p: Pending): void {
    if (this.#closed) {
      drop(p);
      return;
    }
    if (this.#tls !== undefined && !('built' in p)) {
      this.#handshake(p, this.#tls);
      return;
    }
    this.#queue(p);
  }

  // A TLS listener's connection is offered to accept() once its handshake succeeded.
  // Handshakes in progress count against `maxPendingAccepts` with the connections waiting, so
  // a flood of clients that connect and say nothing holds a bounded number of sockets, each
  // for at most `handshakeTimeout`.
  #handshake(p: { handle: AcceptedHandle } | { socket: net.Socket }, server: tls.Server): void {
    if (this.#handshaking.size + this.pendingConnections >= Math.max(this.#max, 1)) {
      this.#dropped++;
      drop(p);
      return;
    }
    const socket = 'socket' in p ? p.socket : socketOfAcceptedHandle(p.handle);
    // Not half-open during the handshake: node:tls notices a client that hangs up halfway
    // only when the EOF ends the socket (a half-open one would wait for handshakeTimeout).
    // Half-open again once secure (#onSecure).
    socket.allowHalfOpen = false;
    this.#handshaking.add(socket);
    socket.once('close', () => this.#handshaking.delete(socket));
    server.emit('connection', socket);
  }

  #onSecure(socket: tls.TLSSocket): void {
    const plain = plainSocketOf(socket);
    if (plain !== undefined) this.#handshaking.delete(plain);
    socket.allowHalfOpen = true;
    if (this.#closed) socket.destroy();
    else this.#queue({ built: this.#build({ socket }) });
  }

  #onHandshakeFailed(socket: tls.TLSSocket): void {
    const plain = plainSocketOf(socket);
    if (plain !== undefined) this.#handshaking.delete(plain);
    socket.destroy();
    if (!this.#closed) this.#handshakeFailures++;
  }

  #queue(p: Pending): void {
    if (this.#waiters.length > 0 || this.#drainScheduled) {
      if (this.#pendingHead === this.#pending.length) this.#deferredSince = performance.now();
      this.#pending.push(p);
      this.#arrived = true;
      this.#scheduleDrain();
      return;
    }
    if (this.#pending.length - this.#pendingHead >= this.#max) {
      this.#dropped++;
      drop(p);
      return;
    }
    this.#pending.push(p);
  }

  /** Connections `accept()` may still build at once before the next drain. */
  #budget = BUILD_BATCH;
  #drainScheduled = false;
  /** A connection arrived since the last drain. */
  #arrived = false;
  /** When the oldest connection queued for a waiting accept was queued. */
  #deferredSince = 0;

  #scheduleDrain(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    setImmediate(this.#drain);
  }

  // Hands queued connections to waiting accepts: a batch per event-loop turn, once arrivals
  // pause (or the queue has waited long enough).
  readonly #drain = (): void => {
    this.#drainScheduled = false;
    if (this.#closed) return;
    const queued = this.#pending.length - this.#pendingHead;
    if (
      this.#arrived &&
      queued < this.#backlog * DEFER_BACKLOGS &&
      performance.now() - this.#deferredSince < DEFER_MS
    ) {
      this.#arrived = false;
      this.#scheduleDrain(); // still arriving: another turn of accepting first
      return;
    }
    this.#arrived = false;
    this.#deferredSince = performance.now();
    this.#budget = BUILD_BATCH;
    while (
      this.#budget > 0 &&
      this.#waiters.length > 0 &&
      this.#pendingHead < this.#pending.length
    ) {
      this.#budget--;
      const w = this.#waiters.shift() as AcceptWaiter;
      this.#dropWaiter(w).resolve(this.#build(this.#shift()));
    }
    if (this.#waiters.length > 0 && this.#pendingHead < this.#pending.length) {
      this.#scheduleDrain();
    }
  };

  #shift(): Pending {
    const h = this.#pending[this.#pendingHead] as Pending;
    this.#pending[this.#pendingHead++] = undefined;
    if (this.#pendingHead === this.#pending.length) {
      this.#pending = [];
      this.#pendingHead = 0;
    }
    return h;
  }

  #build(p: Pending): Connection {
    if ('built' in p) return p.built;
    const transport = newTransport(this.#options, p);
    const names = this.#names;
    const connection = connectionOf(
      transport,
      this.#options,
      names instanceof LocalNames
        ? tcpNames(transport.socket, names.of(transport.socket))
        : ipcNames(names, true),
    );
    if (acceptChannel.hasSubscribers) {
      acceptChannel.publish({ listenerAddress: this.#address, connection });
    }
    return connection;
  }

  #dropWaiter(w: AcceptWaiter): AcceptWaiter {
    if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort);
    return w;
  }

  #closedError(): SocketClosedError {
    return new SocketClosedError(
      `Cannot accept on "${formatAddress(this.#address)}": listener is closed`,
    );
  }
}

/** @internal Builds a Listener (the constructor is closed to users). */
export function createListener(init: ListenerInit): Listener {
  return new Listener(listenerToken, init);
}

function acceptError(err: number): Error {
  // libuv error numbers are negated errno values; util.getSystemErrorName names them.
  const e = new Error(`Cannot accept: ${err}`) as Error & {
    code: string;
    errno: number;
    syscall: string;
  };
  e.errno = err;
  e.syscall = 'accept';
  e.code = systemErrorName(err);
  e.message = `Cannot accept: ${e.code}`;
  return e;
}

import { getSystemErrorName } from 'node:util';
function systemErrorName(err: number): string {
  try {
    return getSystemErrorName(err);
  } catch {
    return 'UNKNOWN';
  }
}
