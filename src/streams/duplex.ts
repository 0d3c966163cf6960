/**
 * `toDuplex`: a connection as a Node `Duplex`.
 *
 * @module
 */
import { Duplex } from 'node:stream';
import { clearTimeout, setTimeout } from 'node:timers';
import {
  InvalidArgTypeError,
  OutOfRangeError,
  SocketClosedError,
  type Connection,
  type IpSocketAddress,
} from '../core/index.js';
import { checkConnection, checkOptions, checkSize, describe } from './internal/validate.js';
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
}

/**
 * `conn` as a Node `Duplex`, for `stream.pipeline()` with Node's own streams (files, zlib,
 * crypto), and as a socket for libraries that take one ({@link SocketLike}: node:http's
 * `Agent#createConnection`, pg's `stream`, `tls.connect({ socket })`…). Both sides honour
 * their `highWaterMark`: the readable side reads from the connection only while it is below
 * it, the writable side's callbacks complete when `send()` does. `end()` is
 * `shutdown('send')` (half-close: reading goes on); EOF from the peer ends the readable side
 * without ending ours. `destroy()` closes the connection gracefully, `destroy(err)` resets it.
 *
 * @example
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * import { createReadStream } from 'node:fs';
 *
 * await pipeline(createReadStream('big.bin'), toDuplex(conn)); // sends the file, then FIN
 * ```
 */
export function toDuplex(conn: Connection, options?: ToDuplexOptions): SocketDuplex {
  checkConnection(conn);
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
  return new ConnectionDuplex(conn, readableHighWaterMark, writableHighWaterMark);
}

/** The Duplex over one connection, with the socket members. */
class ConnectionDuplex extends Duplex implements SocketLike {
  readonly #conn: Connection;
  #reading = false;
  #timeout: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** `resetAndDestroy()` was called: `_destroy` resets instead of closing. */
  #reset = false;

  constructor(conn: Connection, readableHighWaterMark: number, writableHighWaterMark: number) {
    super({ allowHalfOpen: true, readableHighWaterMark, writableHighWaterMark });
    this.#conn = conn;
  }

  // The hot path (a library's request and response per turn): what is received already is
  // pushed without a promise (tryRead), a send the OS took at once completes its write
  // without one (trySend), and the callbacks of a wait are made once per Duplex.

  override _read(): void {
    if (!this.#reading) this.#drain();
  }

  /** Pushes what is buffered while the readable side wants more; then waits with read(). */
  #drain(): void {
    for (;;) {
      let chunk;
      try {
        chunk = this.#conn.tryRead();
      } catch (err) {
        this.destroy(err as Error);
        return;
      }
      if (chunk === undefined) break;
      if (!this.#take(chunk)) return;
    }
    this.#reading = true;
    this.#conn.read().then(this.#received, this.#readFailed);
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
    if (this.#take(chunk)) this.#drain();
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
    let sent;
    try {
      sent = this.#conn.trySend(data);
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
    this.#conn.shutdown('send').then(() => callback(), callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#stopTimer();
    const done = err === null && !this.#reset ? this.#conn.close() : this.#conn.reset();
    done.then(
      () => callback(err),
      () => callback(err),
    );
  }

  // --- SocketLike -----------------------------------------------------------------------------

  // These take what node:net's take and do nothing once closed, as node:net's: libraries call
  // them from event handlers, where a throw net.Socket would not make hangs the caller.

  setNoDelay(noDelay: boolean = true): this {
    this.#conn.setNoDelay(Boolean(noDelay));
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
    this.#conn.setKeepAlive(Boolean(on), valid ? Math.min(Math.floor(ms), 2 ** 31 - 1) : 0);
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
    this.#conn.ref();
    return this;
  }

  unref(): this {
    this.#conn.unref();
    return this;
  }

  get remoteAddress(): string | undefined {
    const a = this.#conn.remoteAddress;
    return 'address' in a ? a.address : undefined;
  }

  get remotePort(): number | undefined {
    const a = this.#conn.remoteAddress;
    return 'port' in a ? a.port : undefined;
  }

  get remoteFamily(): string | undefined {
    const a = this.#conn.remoteAddress;
    return 'family' in a ? a.family : undefined;
  }

  get localFamily(): string | undefined {
    const a = this.#conn.localAddress;
    return 'family' in a ? a.family : undefined;
  }

  get localAddress(): string | undefined {
    const a = this.#conn.localAddress;
    return 'address' in a ? a.address : undefined;
  }

  get localPort(): number | undefined {
    const a = this.#conn.localAddress;
    return 'port' in a ? a.port : undefined;
  }

  address(): IpSocketAddress | Record<string, never> {
    const a = this.#conn.localAddress;
    return 'address' in a ? { address: a.address, family: a.family, port: a.port } : {};
  }

  get bytesRead(): number {
    return this.#conn.bytesReceived;
  }

  get bytesWritten(): number {
    return this.#conn.bytesSent + this.writableLength;
  }

  get bufferSize(): number {
    return this.writableLength;
  }

  get readyState(): 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    return this.writable ? 'writeOnly' : 'closed';
  }

  get connecting(): boolean {
    return false;
  }

  get pending(): boolean {
    return false;
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
