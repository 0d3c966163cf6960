/**
 * `toDuplex`: a connection as a Node `Duplex`.
 *
 * @module
 */
import { Duplex } from 'node:stream';
import { clearTimeout, setTimeout } from 'node:timers';
import {
  Connection,
  InvalidArgTypeError,
  OutOfRangeError,
  SocketClosedError,
  type IpSocketAddress,
  type SocketAddress,
} from '../core/index.js';
import { checkOptions, checkSize, describe } from './internal/validate.js';
import type { SocketDuplex, SocketLike } from './socket-like.js';

/**
 * Options of {@link toDuplex}.
 *
 * @example
 * ```ts
 * const duplex = toDuplex(conn, { readableHighWaterMark: 256 * 1024 });
 * ```
 */
export interface ToDuplexOptions {
  /**
   * Bytes the readable side buffers before it stops reading from the connection (which then
   * fills its own `receiveBufferSize` and holds the peer back).
   * @defaultValue `65536`
   */
  readableHighWaterMark?: number;
  /**
   * Bytes the writable side buffers before `write()` returns `false`.
   * @defaultValue `65536`
   */
  writableHighWaterMark?: number;
  /**
   * `true`: EOF from the peer ends only the readable side; ours stays open until `end()`
   * (what a request and its reply through `stream.pipeline()` need). `false`: it also ends
   * ours, and the Duplex closes, as a `net.connect()` socket does by default: for libraries
   * that learn of a connection the server ended only from `'close'` (pg, MQTT.js).
   * @defaultValue `true`
   */
  allowHalfOpen?: boolean;
}

/**
 * `conn` as a Node `Duplex`, for `stream.pipeline()` with Node's own streams (files, zlib,
 * crypto), and as a socket for libraries that take one ({@link SocketLike}: node:http's
 * `Agent#createConnection`, pg's `stream`, `tls.connect({ socket })`…). Both sides honour
 * their `highWaterMark`: the readable side reads from the connection only while it is below
 * it, the writable side's callbacks complete when `send()` does. `end()` is
 * `shutdown('send')` (half-close: reading goes on); EOF from the peer ends the readable side
 * without ending ours (unless `allowHalfOpen: false`). `destroy()` closes the connection
 * gracefully, `destroy(err)` resets it.
 *
 * Given a connection still being made, it returns at once, as `net.connect()` does:
 * `connecting` is `true` until the connection opens, then it emits `'connect'` and
 * `'ready'`; what is written meanwhile waits in the Duplex and the socket members called
 * meanwhile apply when it opens. A connection that fails destroys the Duplex with its error
 * (`'error'`, then `'close'`). Give it as a function of a signal,
 * `toDuplex((signal) => connect(to, { signal }))`: `destroy()` while connecting aborts the
 * attempt, as `net.Socket#destroy()` does (the signal's reason is the destroy's error, or a
 * `SocketClosedError`). Given as a promise, `toDuplex(connect(to))`, the attempt goes on
 * after a `destroy()` and the connection is closed as soon as it opens. For libraries that
 * want their socket synchronously: node:http's `Agent` (which counts a socket against
 * `maxSockets` only once it has it), pg's `Pool`, MQTT.js's reconnects.
 *
 * @example
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import { createReadStream } from 'node:fs';
 *
 * await pipeline(createReadStream('big.bin'), toDuplex(conn)); // sends the file, then FIN
 *
 * const socket = toDuplex((signal) => connect({ host: 'example.com', port: 80 }, { signal }));
 * socket.end('GET / HTTP/1.0\r\n\r\n'); // sent once it opens; destroy() would abort it
 * ```
 */
export function toDuplex(
  conn: Connection | PromiseLike<Connection> | ((signal: AbortSignal) => PromiseLike<Connection>),
  options?: ToDuplexOptions,
): SocketDuplex {
  if (!(conn instanceof Connection) && !isThenable(conn) && typeof conn !== 'function') {
    throw new InvalidArgTypeError(
      `The "conn" argument must be a Connection, the promise of one or a function of a signal that returns it: received ${describe(conn)}`,
    );
  }
  const o = checkOptions(options);
  const readableHighWaterMark = checkSize(
    o.readableHighWaterMark,
    'readableHighWaterMark',
    0,
    64 * 1024,
  );
  const writableHighWaterMark = checkSize(
    o.writableHighWaterMark,
    'writableHighWaterMark',
    0,
    64 * 1024,
  );
  const allowHalfOpen = o.allowHalfOpen ?? true;
  if (typeof allowHalfOpen !== 'boolean') {
    throw new InvalidArgTypeError(
      `The "options.allowHalfOpen" property must be a boolean: received ${describe(allowHalfOpen)}`,
    );
  }
  return new ConnectionDuplex(conn, {
    allowHalfOpen,
    readableHighWaterMark,
    writableHighWaterMark,
  });
}

/** An address if it is an IP one (not a Unix socket's, not missing while connecting). */
function ipOf(a: SocketAddress | undefined): IpSocketAddress | undefined {
  return a !== undefined && 'address' in a ? a : undefined;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** The Duplex over one connection, with the socket members. */
class ConnectionDuplex extends Duplex implements SocketLike {
  /** The connection; `undefined` while it is being made (or if it never was). */
  #conn: Connection | undefined;
  /**
   * While the connection is being made: what waits for it, in order, each with what to tell
   * its caller if it never opens (a write's and `end()`'s callbacks get the error).
   */
  #waiting: { run: () => void; fail: ((err: Error) => void) | undefined }[] | undefined;
  #reading = false;
  #timeout: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** `resetAndDestroy()` or `destroy(err)`: the connection is reset, not closed. */
  #reset = false;
  /** Aborts the attempt when the Duplex is destroyed while connecting (the function form). */
  #attempt: AbortController | undefined;

  constructor(
    conn: Connection | PromiseLike<Connection> | ((signal: AbortSignal) => PromiseLike<Connection>),
    options: {
      allowHalfOpen: boolean;
      readableHighWaterMark: number;
      writableHighWaterMark: number;
    },
  ) {
    super(options);
    if (conn instanceof Connection) {
      this.#conn = conn;
      return;
    }
    this.#waiting = [];
    let opening: PromiseLike<Connection>;
    if (typeof conn === 'function') {
      this.#attempt = new AbortController();
      try {
        opening = conn(this.#attempt.signal);
      } catch (err) {
        opening = Promise.reject(err);
      }
    } else {
      opening = conn;
    }
    // Promise.resolve: a function that returned something else is reported by #opened.
    Promise.resolve(opening).then(this.#opened, this.#notOpened);
  }

  // --- a connection still being made ----------------------------------------------------------

  readonly #opened = (conn: unknown): void => {
    if (!(conn instanceof Connection)) {
      this.#notOpened(
        new InvalidArgTypeError(
          `The promise given to toDuplex() must resolve to a Connection: received ${describe(conn)}`,
        ),
      );
      return;
    }
    if (this.destroyed) {
      // Destroyed while it was being made: nobody will use it.
      void (this.#reset ? conn.reset() : conn.close());
      return;
    }
    const waiting = this.#waiting ?? [];
    this.#waiting = undefined;
    this.#attempt = undefined;
    this.#conn = conn;
    this.emit('connect');
    this.emit('ready');
    for (const w of waiting) w.run();
  };

  readonly #notOpened = (err: unknown): void => {
    this.#giveUp(err as Error);
    if (!this.destroyed) this.destroy(err as Error);
  };

  /** Runs `run` once the connection is open; `fail` if it never opens. */
  #later(run: () => void, fail?: (err: Error) => void): void {
    this.#waiting?.push({ run, fail });
  }

  /** The connection will not open: what waited for it fails with `err`. */
  #giveUp(err: Error): void {
    const waiting = this.#waiting ?? [];
    this.#waiting = undefined;
    for (const w of waiting) w.fail?.(err);
  }

  // The hot path (a library's request and response per turn): what is received already is
  // pushed without a promise (tryRead), a send the OS took at once completes its write
  // without one (trySend), and the callbacks of a wait are made once per Duplex.

  override _read(): void {
    if (this.#reading) return;
    const conn = this.#conn;
    if (conn !== undefined) {
      this.#drain(conn);
      return;
    }
    this.#reading = true;
    this.#later(() => {
      this.#reading = false;
      this._read();
    });
  }

  /** Pushes what is buffered while the readable side wants more; then waits with read(). */
  #drain(conn: Connection): void {
    for (;;) {
      let chunk;
      try {
        chunk = conn.tryRead();
      } catch (err) {
        this.destroy(err as Error);
        return;
      }
      if (chunk === undefined) break;
      if (!this.#take(chunk)) return;
    }
    this.#reading = true;
    conn.read().then(this.#received, this.#readFailed);
  }

  /** Pushes one chunk (or EOF); whether the readable side wants more. */
  #take(chunk: Uint8Array | null): boolean {
    this.#active();
    if (chunk === null) {
      this.push(null);
      return false;
    }
    return this.push(chunk); // false: Node calls _read() again when it wants more
  }

  readonly #received = (chunk: Uint8Array | null): void => {
    this.#reading = false;
    if (this.#take(chunk) && this.#conn !== undefined) this.#drain(this.#conn);
  };

  readonly #readFailed = (err: unknown): void => {
    this.#reading = false;
    this.destroy(err as Error);
  };

  override _write(
    chunk: Uint8Array,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.#send(chunk, callback);
  }

  override _writev(
    chunks: { chunk: Uint8Array }[],
    callback: (error?: Error | null) => void,
  ): void {
    this.#send(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  #send(data: Uint8Array | Uint8Array[], callback: (error?: Error | null) => void): void {
    const conn = this.#conn;
    if (conn === undefined) {
      this.#later(() => this.#send(data, callback), callback);
      return;
    }
    let sent;
    try {
      sent = conn.trySend(data);
    } catch (err) {
      callback(err as Error); // closed, shut down or failed: the write fails as send() would
      return;
    }
    if (typeof sent === 'number') {
      this.#active();
      callback();
      return;
    }
    sent.then(() => {
      this.#active();
      callback();
    }, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const conn = this.#conn;
    if (conn === undefined) {
      this.#later(() => this._final(callback), callback);
      return;
    }
    conn.shutdown('send').then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#stopTimer();
    const conn = this.#conn;
    if (conn === undefined) {
      // Still being made: the attempt aborted (the function form), or the connection closed
      // (or reset) when it opens (#opened); nothing waits for it now.
      if (err !== null) this.#reset = true;
      const reason =
        err ?? new SocketClosedError('The socket was destroyed before its connection opened');
      this.#giveUp(reason);
      this.#attempt?.abort(reason);
      callback(err);
      return;
    }
    const done = err === null && !this.#reset ? conn.close() : conn.reset();
    done.then(
      () => callback(err),
      () => callback(err),
    );
  }

  // --- SocketLike -----------------------------------------------------------------------------

  // These take what node:net's take and do nothing once closed, as node:net's: libraries call
  // them from event handlers, where a throw net.Socket would not make hangs the caller.

  setNoDelay(noDelay: boolean = true): this {
    if (this.#conn === undefined) this.#later(() => this.setNoDelay(noDelay));
    else this.#conn.setNoDelay(Boolean(noDelay));
    return this;
  }

  setKeepAlive(
    enable:
      | boolean
      | { enable?: boolean; initialDelay?: number; interval?: number; count?: number } = false,
    initialDelay = 0,
  ): this {
    let on: unknown = enable;
    let delay: unknown = initialDelay;
    if (enable !== null && typeof enable === 'object') {
      on = enable.enable;
      delay = enable.initialDelay;
    }
    // node:net truncates to whole seconds for the kernel; it takes anything else as 0.
    const ms = Number(delay);
    const valid = Number.isFinite(ms) && ms > 0;
    const apply = (conn: Connection): void =>
      conn.setKeepAlive(Boolean(on), valid ? Math.min(Math.floor(ms), 2 ** 31 - 1) : 0);
    if (this.#conn === undefined) this.#later(() => this.#conn && apply(this.#conn));
    else apply(this.#conn);
    return this;
  }

  setTimeout(timeout: number, callback?: () => void): this {
    if (typeof timeout !== 'number') {
      throw new InvalidArgTypeError(
        `The "timeout" argument must be a number: received ${describe(timeout)}`,
      );
    }
    if (!(timeout >= 0 && timeout <= 2 ** 31 - 1)) {
      throw new OutOfRangeError(
        `The value of "timeout" is out of range: it must be >= 0 and <= ${2 ** 31 - 1}; received ${timeout}`,
      );
    }
    if (callback !== undefined && typeof callback !== 'function') {
      throw new InvalidArgTypeError(
        `The "callback" argument must be a function: received ${describe(callback)}`,
      );
    }
    this.#stopTimer();
    if (timeout === 0) {
      this.#timeout = undefined;
      if (callback !== undefined) this.removeListener('timeout', callback);
      return this;
    }
    this.#timeout = timeout;
    if (callback !== undefined) this.once('timeout', callback);
    if (!this.destroyed) {
      // Unreferenced, as node:net's: an idle timer alone does not keep the process alive.
      this.#timer = setTimeout(() => this.#fire(), timeout).unref();
    }
    return this;
  }

  get timeout(): number | undefined {
    return this.#timeout;
  }

  ref(): this {
    if (this.#conn === undefined) this.#later(() => this.ref());
    else this.#conn.ref();
    return this;
  }

  unref(): this {
    if (this.#conn === undefined) this.#later(() => this.unref());
    else this.#conn.unref();
    return this;
  }

  get remoteAddress(): string | undefined {
    return ipOf(this.#conn?.remoteAddress)?.address;
  }

  get remotePort(): number | undefined {
    return ipOf(this.#conn?.remoteAddress)?.port;
  }

  get remoteFamily(): string | undefined {
    return ipOf(this.#conn?.remoteAddress)?.family;
  }

  get localFamily(): string | undefined {
    return ipOf(this.#conn?.localAddress)?.family;
  }

  get localAddress(): string | undefined {
    return ipOf(this.#conn?.localAddress)?.address;
  }

  get localPort(): number | undefined {
    return ipOf(this.#conn?.localAddress)?.port;
  }

  address(): IpSocketAddress | Record<string, never> {
    const a = ipOf(this.#conn?.localAddress);
    return a === undefined ? {} : { address: a.address, family: a.family, port: a.port };
  }

  get bytesRead(): number {
    return this.#conn?.bytesReceived ?? 0;
  }

  get bytesWritten(): number {
    return (this.#conn?.bytesSent ?? 0) + this.writableLength;
  }

  get bufferSize(): number {
    return this.writableLength;
  }

  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    return this.writable ? 'writeOnly' : 'closed';
  }

  get connecting(): boolean {
    return this.#waiting !== undefined;
  }

  get pending(): boolean {
    return this.#conn === undefined;
  }

  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  resetAndDestroy(): this {
    this.#reset = true;
    this.destroy();
    return this;
  }

  connect(...args: unknown[]): this {
    const listener = args.find((a) => typeof a === 'function');
    if (listener !== undefined) this.once('connect', listener as () => void);
    if (this.connecting) return this; // 'connect' comes when it opens
    process.nextTick(() => {
      if (this.destroyed) {
        this.emit(
          'error',
          new SocketClosedError(
            'connect() on a destroyed socket: its sockflow connection is closed and cannot connect again',
          ),
        );
        return;
      }
      this.emit('connect');
      this.emit('ready');
    });
    return this;
  }

  // --- the inactivity timer ---------------------------------------------------------------------

  /** Bytes moved: the inactivity timer starts over (and runs again if it had fired). */
  #active(): void {
    this.#timer?.refresh();
  }

  #fire(): void {
    if (this.destroyed || this.#timeout === undefined) return;
    // Once, as node:net: the next read or write starts the clock again (refresh re-arms it).
    this.emit('timeout');
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
