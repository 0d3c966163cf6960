/**
 * The `Connection` class: one TCP or Unix socket connection you `await` and `for await`.
 *
 * The public class only: it checks arguments and hands each operation to the receive buffer,
 * the sender or the lifecycle. It runs past 500 lines because of its TSDoc (27 members, each
 * with its contract, cancel safety and an example); the code is about 250 lines.
 *
 * @module
 */
import type { TlsInfo } from './tls-info.js';
import type { SocketAddress } from './address.js';
import { InvalidArgTypeError, InvalidArgValueError, OutOfRangeError } from './errors.js';
import {
  describe,
  signalOf,
  validateBoolean,
  validateInteger,
  validateNotDetached,
  dataLength,
} from './internal/validate.js';
import { kCancelReceive } from './internal/cancel-receive.js';
import { kHead, kHeadStart, kSkip } from './internal/head-access.js';
import { Lifecycle, type CloseInfo } from './lifecycle.js';
import { ReceiveBuffer, type ChunkStepper } from './receive-buffer.js';
import type { SendLimits } from './sender.js';
import { Transport, type SocketSetup } from './transport.js';
import { upgrade, upgradeRefusal } from './start-tls.js';
import { resolveStartTls, type StartTlsOptions } from './tls-options.js';

/**
 * Options of an operation: every async method of a `Connection` takes one.
 *
 * @example
 * ```ts
 * await conn.read({ signal: AbortSignal.timeout(1_000) });
 * ```
 */
export interface OperationOptions {
  /** Aborts the operation; it rejects with `signal.reason`. See each method's cancel safety. */
  signal?: AbortSignal;
}

/**
 * Options of {@link Connection.close}.
 *
 * @example
 * ```ts
 * await conn.close({ signal: AbortSignal.timeout(500) }); // graceful, or a reset after 500 ms
 * ```
 */
export interface CloseOptions {
  /**
   * Stops waiting for the peer: the graceful close becomes a reset. Without one, the close
   * resets after {@link DEFAULT_CLOSE_TIMEOUT_MS} (5 s).
   */
  signal?: AbortSignal;
}

/** How `shutdown()` closes: sending (FIN), receiving, or both. *
 * @example
 * ```ts
 * const how: ShutdownHow = 'send';
 * await conn.shutdown(how);
 * ```
 */
export type ShutdownHow = 'send' | 'receive' | 'both';

/** The data `send()` takes: bytes, a string (sent as UTF-8), or a list sent as one gathered write. *
 * @example
 * ```ts
 * const parts: SendData = [header, body]; // one gathered write
 * await conn.send(parts);
 * ```
 */
export type SendData = Uint8Array | string | readonly Uint8Array[];

const SHUTDOWN_HOWS: ReadonlySet<string> = new Set(['send', 'receive', 'both']);

/** Internal: what `connect()` and a `Listener` hand to the constructor. */
export interface ConnectionInit {
  transport: Transport;
  receiveBuffer: ReceiveBuffer;
  options: SocketSetup & SendLimits;
  /** The connection's own name (often shared with other connections: never mutated). */
  local: SocketAddress;
  /** The peer's name: the connection's name in messages. */
  remote: SocketAddress;
}

const connectionToken = Symbol('sockflow.connection');
/** `Connection.tls`, read once: a table, so that plain connections pay no field for it. */
const tlsInfos = new WeakMap<Connection, TlsInfo>();
const kReceiver = Symbol('sockflow.receiver');
const kClosed = Symbol('sockflow.closed');

/** The byte count of the last send completed at once, and its promise (`resolvedCount`). */
let lastCount = -1;
let lastResolved: Promise<number> = Promise.resolve(0);

/**
 * A resolved promise of `n`: the last one again when `n` is the same (a server answers with
 * the same size over and over). A resolved promise cannot change, so sharing it is invisible
 * to the awaiting code; it saves an object per send.
 */
function resolvedCount(n: number): Promise<number> {
  if (n !== lastCount) {
    lastCount = n;
    lastResolved = Promise.resolve(n);
  }
  return lastResolved;
}

/**
 * A connected TCP or Unix socket. Get one from `connect()` or a `Listener`.
 *
 * Receive with `for await`, `read()` or `receive(into)`; send with `send()`; end with
 * `shutdown()`, `close()` or `reset()`. One receive may be pending at a time; sends from many
 * producers queue in order. Every operation takes an `AbortSignal`.
 *
 * @example
 * ```ts
 * await using conn = await connect({ host: '127.0.0.1', port }, { signal: AbortSignal.timeout(5_000) });
 * await conn.send('hello\n');
 * for await (const chunk of conn) process.stdout.write(chunk);
 * ```
 */
export class Connection implements AsyncIterable<Uint8Array>, AsyncDisposable {
  readonly #life: Lifecycle;
  readonly #local: SocketAddress;

  /** @internal Use `connect()` or `listen()`. */
  constructor(token: symbol, internals: object) {
    if (token !== connectionToken) {
      throw new TypeError('Connection cannot be constructed directly: use connect() or a Listener');
    }
    const init = internals as ConnectionInit;
    this.#local = init.local;
    this.#life = new Lifecycle(init.transport, init.receiveBuffer, init.remote, init.options);
    init.transport.attach(this.#life, init.options);
    // Read while the handshake's outcome is fresh: it never changes, and a closed socket forgets it.
    const info = init.transport.tlsInfo();
    if (info !== undefined) tlsInfos.set(this, info);
  }

  // --- receiving ----------------------------------------------------------------------------

  /**
   * Copies received bytes into `into` (a list is filled in order, each buffer before the
   * next) and resolves with how many; `0` means the peer finished sending (EOF). Resolves at
   * once when bytes are already buffered, otherwise with the next bytes to arrive.
   *
   * **Cancel safety:** cancel safe. An aborted receive rejects with `signal.reason` and
   * consumes nothing: every byte reaches the next receive, in order.
   *
   * Rejects with {@link InvalidArgTypeError} / {@link OutOfRangeError} for bad arguments (before
   * any I/O; never a synchronous throw), {@link InvalidArgValueError} when `into` is detached
   * (transferred) while the receive waits (nothing is consumed: `0` would mean EOF),
   * {@link SocketBusyError} when another receive is pending,
   * {@link SocketClosedError} after `close()`/`reset()`, or the system error (`ECONNRESET`…)
   * once buffered bytes are exhausted after the connection failed.
   *
   * @param into - where to copy; must hold at least one byte (an empty one is an
   *   {@link OutOfRangeError}, since `0` is reserved for EOF).
   * @returns bytes copied, or `0` at EOF.
   *
   * @example
   * ```ts
   * const buf = new Uint8Array(64 * 1024);
   * for (let n; (n = await conn.receive(buf)) > 0; ) hash.update(buf.subarray(0, n));
   * ```
   */
  receive(into: Uint8Array | readonly Uint8Array[], options?: OperationOptions): Promise<number> {
    let signal;
    try {
      if (!(into instanceof Uint8Array)) validateScatter(into);
      else if (into.length === 0) throw emptyInto(into);
      signal = signalOf(options);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#life.userClosed) return this.#life.closedError('receive on');
    return this.#life.receiver.receive(into, signal);
  }

  /** Ends a pending `receive()` made without a signal with `reason`, consuming nothing. @internal */
  [kCancelReceive](reason: unknown): void {
    this.#life.receiver.cancelWith(reason);
  }

  /** The first buffered chunk as held (internal/head-access.ts). @internal */
  [kHead](): Uint8Array | undefined {
    return this.#life.receiver.head();
  }

  /** Where the head chunk's unread bytes start (internal/head-access.ts). @internal */
  [kHeadStart](): number {
    return this.#life.receiver.headStart;
  }

  /** Consumes `n` bytes of the head chunk (internal/head-access.ts). @internal */
  [kSkip](n: number): void {
    this.#life.receiver.skip(n);
  }

  /**
   * The synchronous receive: copies the bytes already buffered into `into` (a list is filled
   * in order) and returns how many, `0` at EOF, or `undefined` when nothing has arrived yet and
   * a `receive()` would have to wait. Never waits and never reads from the OS itself: bytes
   * are read on the event loop, as for every receive. For layers and advanced code that must
   * know at once whether an operation completed (sockflow/compat's `receiveAsync` is built on
   * it); see "The synchronous fast path" in `docs/design.md`.
   *
   * @param into - where to copy; must hold at least one byte.
   * @returns bytes copied, `0` at EOF, or `undefined` when nothing is buffered.
   * @throws {@link InvalidArgTypeError} / {@link OutOfRangeError} for bad arguments;
   *   {@link SocketBusyError} while a receive is pending; {@link SocketClosedError} after
   *   `close()`/`reset()`; the system error (`ECONNRESET`…) once the buffered bytes are
   *   exhausted after the connection failed.
   *
   * @example
   * ```ts
   * const buf = new Uint8Array(4096);
   * const n = conn.tryReceive(buf) ?? (await conn.receive(buf));
   * ```
   */
  tryReceive(into: Uint8Array | readonly Uint8Array[]): number | undefined {
    if (!(into instanceof Uint8Array)) validateScatter(into);
    else if (into.length === 0) throw emptyInto(into);
    if (this.#life.userClosed) {
      throw this.#life.closedErrorFor('receive on');
    }
    return this.#life.receiver.tryReceive(into);
  }

  /**
   * Resolves with the next chunk of bytes as it arrived (no copy), or `null` at EOF.
   *
   * **Cancel safety:** cancel safe. An aborted read rejects with `signal.reason` and consumes
   * nothing.
   *
   * @example
   * ```ts
   * const first = await conn.read({ signal: AbortSignal.timeout(1_000) });
   * if (first === null) console.log('peer sent nothing');
   * ```
   */
  read(options?: OperationOptions): Promise<Uint8Array | null> {
    let signal;
    try {
      signal = signalOf(options);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.#life.userClosed) return this.#life.closedError('read on');
    return this.#life.receiver.read(signal);
  }

  /**
   * The synchronous read: the next chunk already received, as it arrived (no copy), or only
   * its first `maxBytes` bytes (the rest stays for the next receive); `null` at EOF, as
   * `read()`; `undefined` when nothing has arrived yet and a `read()` would wait. Never waits
   * and never reads from the OS itself. For layers and parsers that take what is there
   * without a promise per step (sockflow/streams' `messages()` and `lines()` are built on
   * it); see "The synchronous fast path" in `docs/design.md`.
   *
   * @param maxBytes - at most this many bytes (at least 1); without it, the whole chunk.
   * @throws {@link InvalidArgTypeError} / {@link OutOfRangeError} for a bad `maxBytes`;
   *   {@link SocketBusyError} while a receive is pending; {@link SocketClosedError} after
   *   `close()`/`reset()`; the system error once the buffered bytes are exhausted after the
   *   connection failed.
   *
   * @example
   * ```ts
   * let chunk = conn.tryRead();
   * if (chunk === undefined) chunk = await conn.read(); // nothing yet: wait for it
   * ```
   */
  tryRead(maxBytes?: number): Uint8Array | null | undefined {
    const max =
      maxBytes === undefined
        ? Number.MAX_SAFE_INTEGER
        : validateInteger(maxBytes, 'maxBytes', 1, Number.MAX_SAFE_INTEGER, 'argument');
    if (this.#life.userClosed) {
      throw this.#life.closedErrorFor('read on');
    }
    return this.#life.receiver.tryRead(max);
  }

  /**
   * An async iterator over received chunks, as they arrived; it ends at EOF. `signal` applies
   * to every step. Leaving the loop (break, return, throw) closes nothing: unread bytes stay
   * for the next receive. Only one iterator may be live at a time.
   *
   * **Cancel safety:** cancel safe. An aborted step rejects with `signal.reason`, consumes
   * nothing and ends that iterator; a new one continues where it stopped.
   *
   * @example
   * ```ts
   * for await (const chunk of conn.chunks({ signal: AbortSignal.timeout(10_000) })) {
   *   if (handle(chunk) === 'enough') break; // the connection stays open
   * }
   * ```
   */
  chunks(options?: OperationOptions): AsyncIterableIterator<Uint8Array> {
    const signal = signalOf(options);
    return new ChunkIterator(this, signal);
  }

  /**
   * Same as {@link Connection.chunks} without a signal.
   *
   * @example
   * ```ts
   * for await (const chunk of conn) console.log(chunk.length);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return new ChunkIterator(this, undefined);
  }

  /** @internal The receive buffer, for this module's iterator (or `undefined` once closed). */
  [kReceiver](): ReceiveBuffer | undefined {
    return this.#life.userClosed ? undefined : this.#life.receiver;
  }

  /** @internal The rejection of an operation on a connection the user closed. */
  [kClosed](what: string): Promise<never> {
    return this.#life.closedError(what);
  }

  /**
   * What the TLS handshake negotiated (protocol, cipher, ALPN protocol, the peer's
   * certificate), or `undefined` on a plain TCP or Unix socket connection. Read-only; the same
   * object every time.
   *
   * @example
   * ```ts
   * const conn = await connect({ host: 'example.com', port: 443 }, { tls: { alpnProtocols: ['h2', 'http/1.1'] } });
   * if (conn.tls?.alpnProtocol === 'h2') speakHttp2(conn);
   * ```
   */
  get tls(): TlsInfo | undefined {
    return tlsInfos.get(this);
  }

  /**
   * Upgrades this plain connection to TLS in place (STARTTLS) and resolves with the secure
   * connection, once the handshake is done and the peer verified. The client side by
   * default; `{ isServer: true, key, cert }` for the server side. From the call on, this
   * connection is spent: its operations reject with `ERR_SOCKET_CLOSED` and `closed` resolves
   * with `'upgraded'`; the secure connection takes over the socket and its options.
   *
   * Bytes received but not read yet are handed to TLS, so a ClientHello pipelined right
   * behind the `STARTTLS` command is neither lost nor read as plaintext; read exactly up to
   * the end of the command first (`readUntil`, `lines`), never past it.
   *
   * Rejects, before anything changes, with {@link SocketBusyError} while a receive is
   * pending or sends are pending (await them first: their bytes would land inside the
   * handshake), {@link SocketShutdownError} after either side shut down,
   * {@link SocketClosedError} after `close()`/`reset()`, `ERR_TLS_ALREADY_SECURE` on a TLS
   * connection, and the `TypeError`s of bad options. A failed handshake rejects with
   * node:tls's error (`ERR_TLS_CERT_ALTNAME_INVALID`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`…) and
   * closes the socket. Without `servername`, a client verifies the certificate against the
   * peer's IP address.
   *
   * **Cancel safety:** not cancel safe once started: an abort during the handshake rejects
   * with `signal.reason` and closes the socket (half a handshake cannot be taken back).
   *
   * @example
   * ```ts
   * // SMTP, client side: the server said "220 Ready to start TLS".
   * await conn.send('STARTTLS\r\n');
   * const reply = await readUntil(conn, '\r\n', { maxBytes: 512 });
   * const secure = await conn.startTls({ servername: 'mail.example.com' });
   * await secure.send('EHLO client.example.com\r\n');
   * ```
   */
  startTls(options?: StartTlsOptions, operation?: OperationOptions): Promise<Connection> {
    const life = this.#life;
    let resolved;
    let signal;
    try {
      resolved = resolveStartTls(options);
      signal = signalOf(operation);
    } catch (err) {
      return Promise.reject(err);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const refusal = upgradeRefusal(life);
    if (refusal !== undefined) return Promise.reject(refusal);
    const limit = life.receiver.limit;
    const { maxPendingSends, maxQueuedSendBytes } = life.sender.limits;
    const setup: SocketSetup & SendLimits = {
      maxPendingSends,
      maxQueuedSendBytes,
      idleTimeout: life.transport.socket.timeout ?? 0,
      // Socket options stay on the socket: nothing to apply again.
      noDelay: undefined,
      keepAlive: undefined,
    };
    const local = this.#local;
    const remote = life.where;
    return upgrade(life, resolved, signal, (socket) => {
      const receiveBuffer = new ReceiveBuffer(limit);
      const transport = new Transport(receiveBuffer, { socket });
      return createConnection({ transport, receiveBuffer, options: setup, local, remote });
    });
  }

  /**
   * Gives bytes back to the front of the receive buffer: the next receive gets them first.
   * For parsers that read too far. The bytes count as unread (they may exceed
   * `receiveBufferSize`); after `shutdown('receive')` they are discarded.
   *
   * @throws {@link InvalidArgTypeError} when `chunk` is not a `Uint8Array`;
   *   {@link SocketClosedError} after `close()`/`reset()`.
   *
   * @example
   * ```ts
   * const chunk = await conn.read();
   * const end = chunk!.indexOf(10);
   * conn.unshift(chunk!.subarray(end + 1)); // keep what follows the line
   * ```
   */
  unshift(chunk: Uint8Array): void {
    if (!(chunk instanceof Uint8Array)) {
      throw new InvalidArgTypeError(
        `The "chunk" argument must be a Uint8Array: received ${describe(chunk)}`,
      );
    }
    validateNotDetached(chunk, 'chunk');
    if (this.#life.userClosed) {
      throw this.#life.closedErrorFor('unshift on');
    }
    this.#life.receiver.unshift(chunk);
  }

  // --- sending ------------------------------------------------------------------------------

  /**
   * Sends bytes, a string (UTF-8) or a list of buffers (one gathered write). Resolves with the
   * byte count once the bytes are handed to the OS, or gathered: while received bytes wait
   * unread (more requests to answer), a small send made when nothing is in flight is copied
   * into this turn's outgoing batch and resolves at once; the batch goes out as one write when
   * the turn ends (a `process.nextTick`), or sooner when a send would take it past 64 KiB (or
   * `maxQueuedSendBytes`), before any send that cannot join it, and on `flush()`,
   * `shutdown()`, `close()` and STARTTLS. A server answering pipelined requests one by one
   * then makes one system call per batch, not one per answer; a lone request's answer is
   * written at once, as before. A gathered write that fails is reported by `flush()` and the
   * connection's failure, like a write the OS took and could not deliver. Sends from many
   * callers reach the wire in the order of the `send()` calls; at most `maxPendingSends`
   * writes are in flight, later sends wait their turn and then go out gathered, up to 1024 in
   * one write. A zero-byte send resolves with `0` and sends nothing.
   *
   * **Cancel safety:** not cancel safe once the bytes are handed over. Aborted while still
   * waiting in the queue, the send rejects with `signal.reason`, nothing of it is sent and
   * the connection stays usable. Aborted after hand-off, the bytes cannot be taken back: the
   * connection is reset (the peer must not see a silently truncated message) and the send
   * rejects with {@link SendAbortedError}, whose `bytesWritten` says how many of its bytes
   * the OS had taken and whose `cause` is the signal's reason.
   *
   * @example
   * ```ts
   * const header = new Uint8Array([0, 5]);
   * await conn.send([header, new TextEncoder().encode('hello')]);
   * ```
   */
  send(data: SendData, options?: OperationOptions): Promise<number> {
    const life = this.#life;
    let bytes;
    let signal;
    try {
      bytes = dataLength(data);
      signal = signalOf(options);
      signal?.throwIfAborted();
      life.checkSendable();
    } catch (err) {
      return Promise.reject(err);
    }
    if (bytes === 0) return Promise.resolve(0);
    const r = life.sender.start(data, bytes, signal, life);
    return typeof r === 'number' ? resolvedCount(r) : r;
  }

  /**
   * Starts a send like {@link Connection.send} and says at once whether it is done: returns
   * the byte count when the OS took every byte before this call returned (nothing was queued
   * ahead of it and the kernel had room: the common case for small sends) or the send was
   * gathered into this turn's outgoing batch (see {@link Connection.send}), otherwise the
   * promise `send()` would have returned. A send that cannot start (the connection is
   * closed, shut down for sending or failed, or `signal` is already aborted) throws instead
   * of rejecting. For layers and advanced code that must know at once whether an operation
   * completed (sockflow/compat's `sendAsync` is built on it); it also skips the promise of a
   * send that completes at once. Unlike the other `try*` methods it cannot leave the
   * operation unstarted, so "would wait" is the promise, not `undefined`.
   *
   * **Cancel safety:** as for `send()`, once it returned a promise.
   *
   * @example
   * ```ts
   * const r = conn.trySend(message);
   * if (typeof r !== 'number') await r; // the kernel was full: wait like send()
   * ```
   */
  trySend(data: SendData, options?: OperationOptions): number | Promise<number> {
    const bytes = dataLength(data);
    const signal = signalOf(options);
    const life = this.#life;
    signal?.throwIfAborted();
    life.checkSendable();
    if (bytes === 0) return 0;
    return life.sender.start(data, bytes, signal, life);
  }

  /**
   * Resolves once every send made so far has been handed to the OS. Rejects, once they have
   * all settled, with the first failure among the sends it waited for: the connection's
   * failure (a peer reset, `reset()`, a `close()` that timed out), or a send's own abort (its
   * bytes never reached the OS). With nothing pending it resolves at once, unless the
   * connection has failed: then it rejects with that failure.
   *
   * **Cancel safety:** cancel safe: an abort only stops the waiting; the sends go on.
   *
   * @example
   * ```ts
   * void conn.send(a);
   * void conn.send(b);
   * await conn.flush(); // both are with the OS now
   * ```
   */
  flush(options?: OperationOptions): Promise<void> {
    let signal;
    try {
      signal = signalOf(options);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#life.sender.flush(signal);
  }

  // --- ending -------------------------------------------------------------------------------

  /**
   * Half-closes the connection. `'send'` (the default) lets queued sends finish, then sends
   * FIN; the connection still receives until the peer's EOF, and later sends reject with
   * `ERR_SOCKET_SHUTDOWN`. `'receive'` discards buffered and future bytes and makes receives
   * return EOF (the peer is not told, as with Linux's `SHUT_RD`). `'both'` does both.
   * Idempotent.
   *
   * **Cancel safety:** takes no signal; resolves when the FIN has been handed to the OS.
   *
   * @example
   * ```ts
   * await conn.send(request);
   * await conn.shutdown('send'); // tell the peer we are done
   * const reply = await readAll(conn);
   * ```
   */
  shutdown(how: ShutdownHow = 'send'): Promise<void> {
    if (typeof how !== 'string') {
      return Promise.reject(
        new InvalidArgTypeError(
          `The "how" argument must be 'send', 'receive' or 'both': received ${describe(how)}`,
        ),
      );
    }
    if (!SHUTDOWN_HOWS.has(how)) {
      return Promise.reject(
        new InvalidArgValueError(
          `The "how" argument must be 'send', 'receive' or 'both': received ${describe(how)}`,
        ),
      );
    }
    const life = this.#life;
    if (life.userClosed) return life.closedError('shut down');
    if (how !== 'send') life.shutdownReceive();
    if (how === 'receive') return Promise.resolve();
    return life.shutdownSend();
  }

  /**
   * Closes gracefully: pending receives reject with `ERR_SOCKET_CLOSED`, queued sends are
   * flushed, FIN is sent, and incoming bytes are read and dropped until the peer's EOF, so
   * the kernel never answers unread data with a RST that would destroy what the peer has not
   * read yet. If `signal` fires first (without one, after 5 s) the connection is reset
   * instead. Resolves with how it ended; rejects only for bad options. Idempotent.
   *
   * **Cancel safety:** the signal does not cancel the close, it hurries it: the connection is
   * reset and `close()` resolves with reason `'reset'`.
   *
   * @example
   * ```ts
   * const info = await conn.close({ signal: AbortSignal.timeout(1_000) });
   * console.log(info.reason); // 'closed', or 'reset' if the peer took too long
   * ```
   */
  close(options?: CloseOptions): Promise<CloseInfo> {
    let signal;
    try {
      signal = signalOf(options);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#life.close(signal);
  }

  /**
   * Resets the connection at once (RST on TCP): pending receives and sends reject with
   * `ERR_SOCKET_CLOSED`, unsent bytes are dropped. Resolves with how it ended (`'reset'`,
   * unless it had already ended otherwise). Idempotent. While our FIN is still being handed
   * to the OS (right after `shutdown('send')`), libuv cannot reset: the socket is closed
   * instead, and the kernel sends RST only if received bytes are left unread.
   *
   * **Cancel safety:** takes no signal; completes at once.
   *
   * @example
   * ```ts
   * if (protocolViolation) await conn.reset();
   * ```
   */
  reset(): Promise<CloseInfo> {
    return this.#life.reset();
  }

  /**
   * Resolves (never rejects) with how the connection ended: closed or reset by us, ended by
   * the peer (FIN both ways), reset by the peer, idle timeout, or an error.
   *
   * @example
   * ```ts
   * conn.closed.then((info) => console.log('connection ended:', info.reason));
   * ```
   */
  get closed(): Promise<CloseInfo> {
    return this.#life.closed;
  }

  /**
   * This end's address (for a Unix socket client, `{ path: '' }`), read when the connection
   * was made. Frozen: the connections of one listener share it.
   *
   * @example
   * ```ts
   * console.log(conn.localAddress);
   * ```
   */
  get localAddress(): SocketAddress {
    return this.#local;
  }

  /**
   * The peer's address (for a Unix socket server side, `{ path: '' }`), read when the
   * connection was made, so it outlives the socket. Frozen, as `localAddress` is.
   *
   * @example
   * ```ts
   * const a = conn.remoteAddress;
   * if ('address' in a) console.log(`${a.address}:${a.port}`);
   * ```
   */
  get remoteAddress(): SocketAddress {
    return this.#life.where;
  }

  /**
   * Bytes the OS has accepted from our sends.
   *
   * @example
   * ```ts
   * console.log(conn.bytesSent);
   * ```
   */
  get bytesSent(): number {
    return this.#life.sender.bytesSent;
  }

  /**
   * Bytes received from the peer (including bytes dropped after `shutdown('receive')`).
   *
   * @example
   * ```ts
   * console.log(conn.bytesReceived);
   * ```
   */
  get bytesReceived(): number {
    return this.#life.receiver.bytesReceived;
  }

  /**
   * Sends not yet handed to the OS completely: waiting in the queue or in flight.
   *
   * @example
   * ```ts
   * if (conn.pendingSends > 100) await conn.flush();
   * ```
   */
  get pendingSends(): number {
    return this.#life.sender.pending;
  }

  /**
   * Sends handed to the OS whose bytes it has not fully taken yet. The rest of
   * `pendingSends` waits in the queue. Sends that waited go out gathered, up to 1024 in one
   * write, so this can exceed `maxPendingSends`, which bounds {@link writesInFlight}.
   *
   * @example
   * ```ts
   * console.log(`${conn.sendsInFlight} in flight, ${conn.pendingSends - conn.sendsInFlight} queued`);
   * ```
   */
  get sendsInFlight(): number {
    return this.#life.sender.inFlight;
  }

  /**
   * Writes handed to the OS and not yet complete: at most `maxPendingSends`. A send that
   * finds a slot free is one write; sends that waited their turn together go out as one
   * gathered write (up to 1024 of them).
   *
   * @example
   * ```ts
   * console.log(`${conn.writesInFlight} writes carry ${conn.sendsInFlight} sends`);
   * ```
   */
  get writesInFlight(): number {
    return this.#life.sender.writesInFlight;
  }

  /**
   * Bytes of sends gathered in this turn: resolved already, they go out as one write at the
   * turn's end (see {@link Connection.send}). At most 64 KiB (or `maxQueuedSendBytes`).
   *
   * @example
   * ```ts
   * await conn.send(reply);
   * console.log(conn.gatheredSendBytes); // > 0 while more requests wait unread
   * ```
   */
  get gatheredSendBytes(): number {
    return this.#life.sender.gatheredBytes;
  }

  /**
   * Unread bytes held by the connection now (at most `receiveBufferSize`, plus what
   * `unshift()` gave back).
   *
   * @example
   * ```ts
   * console.log(`${conn.bufferedBytes} bytes wait to be read`);
   * ```
   */
  get bufferedBytes(): number {
    return this.#life.receiver.buffered;
  }

  /**
   * Turns Nagle's algorithm off (`true`, the default of every connection) or on (`false`) from
   * now on. Does nothing once the connection has ended. (Unix sockets have no Nagle: ignored.)
   *
   * @example
   * ```ts
   * conn.setNoDelay(false); // let the kernel coalesce many tiny sends
   * ```
   */
  setNoDelay(noDelay = true): void {
    this.#life.transport.setNoDelay(validateBoolean(noDelay, 'noDelay', 'argument'));
  }

  /**
   * Turns TCP keep-alive probes on (`true`, the default argument) or off from now on, as the
   * `keepAlive` option does when connecting or listening: the kernel probes a connection idle
   * for `initialDelay` milliseconds (`0`: the system's delay, two hours on Linux) and fails it
   * when the peer is gone. Does nothing once the connection has ended. (Unix sockets have no
   * keep-alive: ignored.)
   *
   * @throws `InvalidArgTypeError` / `OutOfRangeError` for bad arguments.
   *
   * @example
   * ```ts
   * conn.setKeepAlive(true, 30_000); // probe after 30 s of silence
   * ```
   */
  setKeepAlive(enable = true, initialDelay = 0): void {
    const on = validateBoolean(enable, 'enable', 'argument');
    const delay = validateInteger(initialDelay, 'initialDelay', 0, 2 ** 31 - 1, 'argument');
    this.#life.transport.setKeepAlive(on, delay);
  }

  /**
   * Lets the process exit while this connection is open and nothing else keeps it running
   * (node:net's `socket.unref()`); a pending receive then no longer keeps it alive either.
   * `ref()` undoes it. Connections keep the process alive by default.
   *
   * @example
   * ```ts
   * conn.unref(); // a background connection: the process may exit without closing it
   * ```
   */
  unref(): void {
    this.#life.transport.setRef(false);
  }

  /**
   * Keeps the process alive while this connection is open again, after `unref()` (the
   * default).
   *
   * @example
   * ```ts
   * conn.ref(); // a request is in progress: wait for it
   * ```
   */
  ref(): void {
    this.#life.transport.setRef(true);
  }

  /**
   * `close()`, for `await using`.
   *
   * **Cancel safety:** takes no signal: a graceful close that resets after 5 s if the peer
   * does not finish.
   *
   * @example
   * ```ts
   * await using conn = await connect({ port });
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** @internal Builds a Connection (the constructor is closed to users). */
export function createConnection(init: ConnectionInit): Connection {
  return new Connection(connectionToken, init);
}

/**
 * The iterator behind `chunks()` and `for await`. Whether it may step (one live iterator, one
 * pending receive) is the receive buffer's to say, as for every receive.
 */
class ChunkIterator implements AsyncIterableIterator<Uint8Array>, ChunkStepper {
  ended = false;
  readonly #conn: Connection;
  readonly #signal: AbortSignal | undefined;

  constructor(conn: Connection, signal: AbortSignal | undefined) {
    this.#conn = conn;
    this.#signal = signal;
  }

  next(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    const receiver = this.#conn[kReceiver]();
    if (receiver === undefined) {
      this.ended = true;
      return this.#conn[kClosed]('iterate on');
    }
    return receiver.next(this.#signal, this);
  }

  return(): Promise<IteratorResult<Uint8Array, undefined>> {
    this.ended = true;
    this.#conn[kReceiver]()?.releaseStepper(this);
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this;
  }
}

/** The error for an empty `into` (a detached one has its own: it is not empty by choice). */
function emptyInto(into?: Uint8Array): OutOfRangeError {
  if (into !== undefined) validateNotDetached(into, 'into');
  return new OutOfRangeError(
    'The "into" argument must hold at least one byte: 0 is reserved for EOF',
  );
}

function validateScatter(into: unknown): void {
  if (!Array.isArray(into)) {
    throw new InvalidArgTypeError(
      `The "into" argument must be a Uint8Array or an array of Uint8Array: received ${describe(into)}`,
    );
  }
  let total = 0;
  for (let i = 0; i < into.length; i++) {
    const b: unknown = into[i];
    if (!(b instanceof Uint8Array)) {
      throw new InvalidArgTypeError(
        `The "into[${i}]" element must be a Uint8Array: received ${describe(b)}`,
      );
    }
    if (b.length === 0) validateNotDetached(b, `into[${i}]`);
    total += b.length;
  }
  if (total === 0) throw emptyInto();
}
