/**
 * The `Listener` class: accepted connections you `await` and `for await`.
 *
 * @module
 */
import type * as net from 'node:net';
import { formatAddress, toSocketAddress, type SocketAddress } from './address.js';
import type { ResolvedConnectionOptions } from './connection-options.js';
import type { Connection, OperationOptions } from './connection.js';
import { SocketClosedError } from './errors.js';
import { connectionOf, fallback, ipcNames, newTransport, tcpNames } from './internal/build.js';
import { LocalNames } from './internal/socket-names.js';
import { signalOf } from './internal/validate.js';

/** A handle libuv accepted; closed with `close()` when we drop it. */
interface AcceptedHandle {
  close(cb?: () => void): void;
}

/** A connection waiting for accept(): a raw handle, or a socket node:net built (fallback). */
type Pending = { handle: AcceptedHandle } | { socket: net.Socket };

function drop(p: Pending): void {
  if ('socket' in p) p.socket.destroy();
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
  ipcPath: string | undefined;
}

const listenerToken = Symbol('sockflow.listener');

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

  /** @internal Use `listen()`. */
  constructor(token: symbol, internals: object) {
    if (token !== listenerToken) {
      throw new TypeError('Listener cannot be constructed directly: use listen()');
    }
    const init = internals as ListenerInit;
    this.#server = init.server;
    this.#options = init.options;
    this.#max = init.maxPendingAccepts;
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
    // reused read buffer) like the sockets connect() makes. node:net has no option for that
    // (nodejs/node#53792); its handle's `onconnection` is the one place to build them.
    const handle = (init.server as unknown as { _handle?: { onconnection?: unknown } | null })
      ._handle;
    if (handle && typeof handle.onconnection === 'function' && !fallback.forceDataMode) {
      handle.onconnection = this.#onHandle;
    } else {
      init.server.on('connection', (socket: net.Socket) => this.#onSocket(socket));
    }
  }

  /**
   * Resolves with the next accepted connection: at once if one is waiting.
   *
   * **Cancel safety:** cancel safe. An aborted accept rejects with `signal.reason` and takes
   * nothing: the connection it would have got goes to the next accept. After `close()`,
   * rejects with `ERR_SOCKET_CLOSED`. An error of the accept system call itself (say
   * `EMFILE`) rejects the oldest pending accept with that error; the listener keeps listening.
   *
   * @example
   * ```ts
   * const conn = await listener.accept({ signal: AbortSignal.timeout(10_000) });
   * ```
   */
  accept(options?: OperationOptions): Promise<Connection> {
    const signal = signalOf(options);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) return Promise.reject(this.#closedError());
    if (this.#pendingHead < this.#pending.length) {
      return Promise.resolve(this.#build(this.#shift()));
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
   * The synchronous accept: returns a connection that is already waiting, or `null` when
   * none is and an `accept()` would have to wait. For callback-style code that must know at
   * once whether an operation completed (sockflow/compat's `acceptAsync` is built on it).
   *
   * @throws {@link SocketClosedError} after `close()`.
   *
   * @example
   * ```ts
   * const conn = listener.tryAccept() ?? (await listener.accept());
   * ```
   */
  tryAccept(): Connection | null {
    if (this.#closed) throw this.#closedError();
    return this.#pendingHead < this.#pending.length ? this.#build(this.#shift()) : null;
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

  #offer(p: Pending): void {
    if (this.#closed) {
      drop(p);
      return;
    }
    const w = this.#waiters.shift();
    if (w !== undefined) {
      this.#dropWaiter(w).resolve(this.#build(p));
      return;
    }
    if (this.#pending.length - this.#pendingHead >= this.#max) {
      this.#dropped++;
      drop(p);
      return;
    }
    this.#pending.push(p);
  }

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
    const transport = newTransport(this.#options, p);
    const names = this.#names;
    return connectionOf(
      transport,
      this.#options,
      names instanceof LocalNames
        ? tcpNames(transport.socket, names.of(transport.socket))
        : ipcNames(names, true),
    );
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
