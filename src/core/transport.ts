// The only module that drives node:net's Socket. It reads through `onread` (bytes land in a
// buffer we choose, no Buffer allocated per read) where the runtime allows it, through 'data'
// otherwise, writes, sends FIN and RST, and reports what happened to the connection's receive
// buffer and lifecycle. Private surfaces of node:net are reached only through
// internal/node-net.ts. A later TLS or STARTTLS transport plugs in behind the same two
// interfaces.
//
// Memory per connection matters (10,000 idle connections are an ordinary server), so the
// socket's listeners are shared functions that find their transport through a symbol on the
// socket, instead of closures made per connection.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { SocketClosedError } from './errors.js';
import {
  adoptAcceptedHandle,
  checkForReset,
  clientSocketWithOnread,
  eofMayHideReset,
  isTcp,
  kernelBytesWritten,
  listenForEnd,
  readThroughOnread,
  resetTls,
  tlsClientWithOnread,
  watchForTruncation,
  type AcceptedHandle,
  type OnRead,
} from './internal/node-net.js';
import { tlsInfoOf, type TlsInfo } from './tls-info.js';

/** Where received bytes go: a connection's receive buffer. */
export interface ReadSink {
  /**
   * `n` bytes arrived at `buf[0..n)`. When `mustCopy` is true the transport reuses `buf` after
   * this call returns, so bytes kept must be copied; otherwise the sink may keep views of it.
   * Returns whether the sink kept any of the bytes (rather than handing all of them to a
   * waiting receiver by copy).
   */
  onBytes(buf: Uint8Array, n: number, mustCopy: boolean): boolean;
  /** Unread bytes the sink may still take before reading must pause. */
  room(): number;
  /** Reading pauses when `room()` falls below this, and resumes once it is back. */
  readonly lowWater: number;
}

/** What happens to the socket as a whole: the connection's lifecycle listens. */
export interface TransportEvents {
  /** Where received bytes go: the connection's receive buffer. */
  readonly receiver: ReadSink;
  /**
   * The peer finished sending: FIN, or over TLS close_notify. `truncated` when a TLS peer's
   * FIN came without close_notify (node-notes §22).
   */
  onEnd(truncated: boolean): void;
  /**
   * The socket failed and is being destroyed; `onClose` follows. Writes still queued in libuv
   * are cancelled, and node:net calls their callbacks *without* an error once a socket is
   * destroyed, so in-flight sends must be settled here, before those callbacks run
   * (node-notes §16).
   */
  onError(error: Error): void;
  /** `idleTimeout` expired. */
  onIdle(): void;
  /** The socket is closed; `error` when it ended with one. */
  onClose(error: Error | undefined): void;
}

/** Bytes asked of the kernel per read. Node's own 'data' path reads 64 KiB too. */
export const READ_SIZE = 64 * 1024;

// One scratch buffer for every connection: a read lands here when nobody is expected to keep
// the bytes (a pending receive(into) takes them by copy, or they are few and get copied into a
// right-sized chunk). Reads happen one at a time on the event loop and the sink copies out
// before the callback returns, so sharing is safe, and idle connections hold no buffer at all.
let scratch: Buffer | undefined;
function scratchOf(size: number): Buffer {
  scratch ??= Buffer.allocUnsafeSlow(READ_SIZE);
  return size >= READ_SIZE ? scratch : scratch.subarray(0, size);
}

// node:net calls `onread.callback` as a method of the socket, and `onread.buffer` as a plain
// function right after it returns (and once when it adopts a handle): the buffer the callback
// chose for its connection waits here for that call. Nothing runs in between.
let nextTarget: Buffer | undefined;
function takeNextTarget(): Buffer {
  const t = nextTarget ?? scratchOf(READ_SIZE);
  nextTarget = undefined;
  return t;
}

/** Options the transport applies to a fresh socket. */
export interface SocketSetup {
  /** `undefined`: leave the socket as it is (a TLS upgrade of a configured socket). */
  noDelay: boolean | undefined;
  /** `undefined`: leave the socket as it is. */
  keepAlive: boolean | number | undefined;
  idleTimeout: number;
}

const kTransport = Symbol('sockflow.transport');

/** The current read target is a buffer of our own (handed out as chunks), not the scratch. */
const OWNED = 1;
/** The socket is reading (not paused for want of room). */
const READING = 2;
/** Reads come through 'data' (the fallback), not `onread`. */
const DATA_MODE = 4;
/** A TLS peer's stream ended without close_notify. */
const TRUNCATED = 8;
/** Writes complete on a later turn, never before `write()` returns (TLS). */
const ASYNC_WRITES = 16;
type OwnedSocket = net.Socket & { [kTransport]: Transport };

/**
 * Read policy and socket plumbing for one connection.
 *
 * Targets: the next read goes to the shared scratch unless the last read filled its buffer
 * and the bytes had to be kept (a bulk transfer into `read()`/`for await`): then reads go to
 * buffers of their own, handed out as views without a copy.
 */
export class Transport {
  readonly socket: net.Socket;
  /**
   * The lifecycle once attached; until then a stand-in that only holds the sink (reading
   * starts on a later event-loop turn, after `attach()`): one field for both.
   */
  #events: TransportEvents;
  #target: Buffer;
  /** OWNED, READING and DATA_MODE bits (one field: 10,000 idle connections each hold one). */
  #flags = READING;
  #error: Error | undefined;

  /**
   * @param sink - where received bytes go.
   * @param from - an accepted connection's libuv handle to adopt (read with `onread`), a
   *   socket node:net already built (a TLS socket after its handshake, switched to `onread`
   *   where the runtime allows it; any other is read with `'data'`, the fallback), TLS client
   *   options, a fresh object taken over (`tls.connect()` starts connecting now, read with
   *   `onread` where the runtime takes it), or nothing to create a client socket (read with `onread` where the runtime
   *   takes it, else `'data'`).
   */
  constructor(
    sink: ReadSink,
    from?: { handle: AcceptedHandle } | { socket: net.Socket } | { tls: tls.ConnectionOptions },
  ) {
    this.#events = new Detached(sink);
    this.#target = scratchOf(Math.min(READ_SIZE, sink.room()));
    if (from !== undefined && 'tls' in from) {
      const { socket, onread } = tlsClientWithOnread(
        from.tls,
        () => this.#target,
        (n, buf) => Transport.#read(this, n, buf),
      );
      this.socket = onread ? socket : this.readWithData(socket);
    } else if (from === undefined) {
      // node:net asks a client socket's `buffer` for the first target when its handle is
      // made, which happy eyeballs may do later, outside any callback of ours: so a client
      // keeps a generator of its own, and a callback of its own too (some runtimes call it
      // without the socket as `this`).
      const socket = clientSocketWithOnread(
        () => this.#target,
        (n, buf) => Transport.#read(this, n, buf),
      );
      this.socket = socket ?? this.readWithData(new net.Socket({ allowHalfOpen: true }));
    } else if ('socket' in from) {
      // A TLS socket node:tls built (server side, or an upgrade) is switched to `onread`
      // where the runtime allows it; any other, and the rest, read with 'data'.
      const socket = from.socket;
      nextTarget = this.#target;
      const onread =
        socket instanceof tls.TLSSocket && readThroughOnread(socket, Transport.#sharedOnread);
      nextTarget = undefined;
      this.socket = onread ? socket : this.readWithData(socket);
      this.socket.resume(); // the server paused it on connect
    } else {
      // An accepted socket's handle exists now, so node:net asks `buffer` only here and
      // right after each `callback`: one shared generator serves every accepted
      // connection (10,000 idle ones save a closure and its context each).
      nextTarget = this.#target;
      this.socket = adoptAcceptedHandle(from.handle, Transport.#sharedOnread);
      nextTarget = undefined;
    }
    (this.socket as OwnedSocket)[kTransport] = this;
    this.socket.on('error', Transport.#onError);
    if (this.socket instanceof tls.TLSSocket) {
      this.#flags |= ASYNC_WRITES;
      watchForTruncation(this.socket, Transport.#onTruncated);
    }
  }

  /**
   * 'data' mode, the fallback: node:net allocates each chunk; we keep them as they are. A read
   * can overshoot the limit by one chunk (64 KiB), since node:net sizes its own reads.
   */
  private readWithData(socket: net.Socket): net.Socket {
    this.#flags |= DATA_MODE;
    socket.on('data', Transport.#onData);
    return socket;
  }

  /** Applies socket options and connects the lifecycle; call once, when connected. */
  attach(events: TransportEvents, setup: SocketSetup): void {
    this.#events = events;
    const s = this.socket;
    if (setup.noDelay !== undefined) s.setNoDelay(setup.noDelay);
    if (setup.keepAlive !== false && setup.keepAlive !== undefined) {
      s.setKeepAlive(true, setup.keepAlive === true ? 0 : setup.keepAlive);
    }
    if (setup.idleTimeout > 0) {
      s.setTimeout(setup.idleTimeout);
      s.on('timeout', Transport.#onTimeout);
    }
    listenForEnd(s, Transport.#onEnd);
    s.on('close', Transport.#onClose);
  }

  /**
   * Lets go of the socket for a TLS upgrade: reading stops, this transport's listeners are
   * removed and its idle timer cleared; the socket stays open for the TLS layer to take over.
   */
  detach(): void {
    const s = this.socket;
    this.#flags &= ~READING;
    s.pause();
    s.off('data', Transport.#onData);
    s.off('end', Transport.#onEnd);
    s.off('close', Transport.#onClose);
    s.off('error', Transport.#onError);
    s.off('timeout', Transport.#onTimeout);
    s.setTimeout(0);
    this.#events = new Detached(this.#events.receiver);
  }

  /** Where received bytes go. */
  get sink(): ReadSink {
    return this.#events.receiver;
  }

  /** The error the socket failed with, if any. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** What the TLS handshake negotiated, or `undefined` on a plain socket. */
  tlsInfo(): TlsInfo | undefined {
    return this.socket instanceof tls.TLSSocket ? tlsInfoOf(this.socket) : undefined;
  }

  /** True when reads come through `'data'` (the fallback) rather than `onread`. */
  get dataMode(): boolean {
    return (this.#flags & DATA_MODE) !== 0;
  }

  // --- socket listeners, shared by every connection ------------------------------------------

  static #of(socket: net.Socket): Transport {
    return (socket as OwnedSocket)[kTransport];
  }

  static readonly #onError = function (this: net.Socket, err: Error): void {
    const t = Transport.#of(this);
    if (t.#error !== undefined) return;
    t.#error = err;
    t.#events.onError(err);
  };

  static readonly #onEnd = function (this: net.Socket): void {
    const t = Transport.#of(this);
    // Before libuv 1.52 a peer's reset can arrive as this EOF: ask the kernel first. A reset
    // then fails the socket ('error', reported by #onError); a FIN ends the stream here.
    if (eofMayHideReset(this)) {
      checkForReset(this, (err) => {
        if (err == null) t.#events.onEnd((t.#flags & TRUNCATED) !== 0);
      });
      return;
    }
    t.#events.onEnd((t.#flags & TRUNCATED) !== 0);
  };

  static readonly #onTruncated = (socket: net.Socket): void => {
    Transport.#of(socket).#flags |= TRUNCATED;
  };

  static readonly #onTimeout = function (this: net.Socket): void {
    Transport.#of(this).#events.onIdle();
  };

  static readonly #onClose = function (this: net.Socket): void {
    const t = Transport.#of(this);
    t.#events.onClose(t.#error);
  };

  static readonly #onData = function (this: net.Socket, chunk: Buffer): void {
    const t = Transport.#of(this);
    const sink = t.#events.receiver;
    sink.onBytes(chunk, chunk.length, false);
    if (sink.room() < sink.lowWater) {
      t.#flags &= ~READING;
      this.pause();
    }
  };

  // The buffer chosen here is where libuv's next read lands: node:net hands it to the handle
  // when this callback returns, and nothing can change it until that read completes. So it is
  // sized for the room at the next read: the room now, or, when reading pauses, the low-water
  // mark it resumes at. Unread bytes therefore never exceed the limit.
  static #read(t: Transport, n: number, buf: Buffer): boolean {
    const owned = (t.#flags & OWNED) !== 0;
    // A small read into an owned buffer is copied out, so the buffer is not pinned by it.
    const mustCopy = !owned || n < buf.length >>> 2;
    const sink = t.#events.receiver;
    const kept = sink.onBytes(buf, n, mustCopy);
    const room = sink.room();
    const pause = room < sink.lowWater;
    const want = Math.min(READ_SIZE, pause ? sink.lowWater : room);
    if (kept && (!mustCopy || n === buf.length)) {
      // Either a chunk now owns this buffer, or bytes had to be copied out of a full scratch.
      // A full read means the kernel had more: read into buffers of our own, handed out whole.
      // A short one means the socket drained: back to the shared scratch.
      if (n === buf.length) t.setTarget(Buffer.allocUnsafe(want), true);
      else t.setTarget(scratchOf(want), false);
    } else {
      t.fit(want);
    }
    if (pause) {
      t.#flags &= ~READING;
      return false;
    }
    return true;
  }

  /** `onread` of accepted sockets: the shared generator, and a callback that feeds it. */
  static readonly #sharedOnread: OnRead = {
    buffer: takeNextTarget,
    callback(this: net.Socket, n: number, buf: Buffer): boolean {
      const t = Transport.#of(this);
      const more = Transport.#read(t, n, buf);
      nextTarget = t.#target;
      return more;
    },
  };

  private setTarget(buf: Buffer, owned: boolean): void {
    this.#target = buf;
    this.#flags = owned ? this.#flags | OWNED : this.#flags & ~OWNED;
  }

  /** Makes the next read `want` bytes long, reusing the current buffer when it can. */
  private fit(want: number): void {
    const t = this.#target;
    if (t.length === want) return;
    if ((this.#flags & OWNED) === 0) this.#target = scratchOf(want);
    else this.#target = t.length > want ? t.subarray(0, want) : Buffer.allocUnsafe(want);
  }

  /** The sink's room grew (a receiver took bytes): resume reading if it had paused. */
  roomChanged(): void {
    if ((this.#flags & READING) !== 0 || this.socket.destroyed) return;
    const sink = this.#events.receiver;
    if (sink.room() < sink.lowWater) return;
    this.#flags |= READING;
    this.socket.resume();
  }

  // --- writing and ending ---------------------------------------------------------------------

  /** Hands bytes to the socket; `cb` runs once the OS has them (or with the error). */
  write(data: Uint8Array | string, cb: (err?: Error | null) => void): void {
    if (typeof data === 'string') this.socket.write(data, 'utf8', cb);
    else this.socket.write(data, cb);
  }

  /** Hands several buffers to the socket as one gathered write; `cb` as for `write`. */
  writev(list: readonly Uint8Array[], cb: (err?: Error | null) => void): void {
    const s = this.socket;
    s.cork();
    const last = list.length - 1;
    for (let i = 0; i < last; i++) s.write(list[i] as Uint8Array);
    s.write(list[last] as Uint8Array, cb);
    s.uncork();
  }

  /**
   * False when no write can complete before `write()` returns: node:tls reports every write
   * done on a later turn, even one the kernel took at once.
   */
  get writesCompleteAtOnce(): boolean {
    return (this.#flags & ASYNC_WRITES) === 0;
  }

  /** True when every byte written so far is with the OS (nothing waits in Node or libuv). */
  get drained(): boolean {
    return this.socket.writableLength === 0;
  }

  /**
   * Bytes the OS has accepted since the socket opened (where the runtime cannot say, the bytes
   * handed to the socket: see internal/node-net.ts).
   */
  kernelBytesWritten(): number {
    return kernelBytesWritten(this.socket);
  }

  /**
   * Sends FIN once queued writes are out; `cb` runs when it has been handed to the OS, or with
   * the error when the socket closed before it could be.
   */
  end(cb: (err?: Error) => void): void {
    const s = this.socket;
    if (s.writableFinished) {
      queueMicrotask(cb);
      return;
    }
    if (s.destroyed) {
      queueMicrotask(() =>
        cb(this.#error ?? new SocketClosedError('Cannot send FIN: the socket is closed')),
      );
      return;
    }
    const onFinish = (): void => {
      s.off('close', onClose);
      cb();
    };
    const onClose = (): void => {
      s.off('finish', onFinish);
      cb(this.#error ?? new SocketClosedError('Cannot send FIN: the socket closed first'));
    };
    s.once('finish', onFinish);
    s.once('close', onClose);
    s.end();
  }

  /** Nagle off (`true`) or on; a no-op once the socket is gone. */
  setNoDelay(noDelay: boolean): void {
    if (!this.socket.destroyed) this.socket.setNoDelay(noDelay);
  }

  /** Keep-alive probes on (after `initialDelay` ms idle; 0: the system's) or off. */
  setKeepAlive(enable: boolean, initialDelay: number): void {
    if (!this.socket.destroyed) this.socket.setKeepAlive(enable, initialDelay);
  }

  /** Whether the socket keeps the event loop alive (node:net's `ref()` / `unref()`). */
  setRef(ref: boolean): void {
    if (ref) this.socket.ref();
    else this.socket.unref();
  }

  /**
   * Resets the connection now: RST on TCP; a plain close for Unix sockets, which have none,
   * and for a TCP socket whose FIN is still being sent: libuv refuses to reset a handle with
   * a shutdown in progress (`EINVAL`), and node:net then never closes it (node-notes §12).
   * Closed that way, the kernel still resets if received bytes are left unread, and the FIN
   * goes out otherwise.
   */
  reset(): void {
    const s = this.socket;
    if (s.destroyed) return;
    if (isTcp(s) && !(s.writableEnded && !s.writableFinished)) {
      if (!(s instanceof tls.TLSSocket)) s.resetAndDestroy();
      else if (!resetTls(s)) s.destroy();
    } else s.destroy();
  }

  /** Closes the socket (FIN if not sent yet). */
  destroy(): void {
    this.socket.destroy();
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }
}

/** The transport's events before `attach()`: the sink, and nothing listening yet. */
class Detached implements TransportEvents {
  readonly receiver: ReadSink;
  constructor(receiver: ReadSink) {
    this.receiver = receiver;
  }
  onEnd(): void {}
  onError(): void {}
  onIdle(): void {}
  onClose(): void {}
}
