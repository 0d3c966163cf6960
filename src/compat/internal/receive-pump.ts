// A compat socket's receives, in issue order (A12): at most one is handed to the core at a
// time (the head of the queue); the others wait behind it. A receive completes at once (the
// `false` of receiveAsync) when bytes are already buffered, at EOF, after Shutdown(Receive)
// or on an immediate failure. Zero-byte receives wait for bytes without taking them (C2);
// Peek gives back what it copied (B11).
import type { Connection } from '../../core/index.js';
import { kCancelReceive } from '../../core/internal/cancel-receive.js';
import { SocketFlags } from '../enums.js';
import { SocketError } from '../socket-error.js';
import type { SocketAsyncEventArgs } from '../socket-async-event-args.js';
import { Fifo } from './fifo.js';
import { sizeOf, type Target } from './targets.js';
import type { Link } from './link.js';
import { kCapture, kFinish, kRaise, kTarget } from './symbols.js';

/** What the pump needs to know of its socket. */
export interface ReceiveHost {
  /** The socket's connection, if it has one (connected, or disconnected without reuse). */
  link(): Link | undefined;
  /** Still connecting: receives wait until it is done. */
  connecting(): boolean;
  /** Closed: receives complete with `OperationAborted`. */
  closed(): boolean;
}

/** The reason a pending core receive is aborted by `shutdown(Receive)` or a disconnect. */
const SHUT_RECEIVING = Symbol('shutdown(Receive)');

/** One byte to ask the core whether a zero-byte receive would complete (never written). */
const PROBE = new Uint8Array(1);

/**
 * Bytes of a receive, copied to give back for `Peek`. (A copy, not `slice()`: on a Node
 * `Buffer`, `slice()` is a view, and the caller's buffer is reused by the next receive.)
 */
function firstBytes(target: Target, n: number): Uint8Array {
  if (target instanceof Uint8Array) return new Uint8Array(target.subarray(0, n));
  const out = new Uint8Array(n);
  let at = 0;
  for (const b of target) {
    if (at === n) break;
    const take = Math.min(b.length, n - at);
    out.set(b.subarray(0, take), at);
    at += take;
  }
  return out;
}

export class ReceivePump {
  readonly #host: ReceiveHost;
  readonly #queue = new Fifo<SocketAsyncEventArgs>();
  /** The head of the queue has a core receive outstanding. */
  #active = false;
  /**
   * The connection the outstanding receive was handed to. It is cancelled by a call
   * (`kCancelReceive`), never a signal: no listener added and removed per receive.
   */
  #issuedOn: Link | undefined;

  constructor(host: ReceiveHost) {
    this.#host = host;
  }

  /** Receives not yet completed. */
  get size(): number {
    return this.#queue.size;
  }

  /** `receiveAsync(e)`, after `e` was started: true when it pends, false when it completed. */
  start(e: SocketAsyncEventArgs): boolean {
    if (this.#queue.size === 0 && !this.#host.connecting()) {
      if (this.tryReceive(e)) return false;
      this.#queue.push(e);
      this.issue(e);
      return true;
    }
    e[kCapture]();
    this.#queue.push(e);
    return true;
  }

  /** `shutdown(Receive)`: the outstanding receive completes with 0. */
  shutDown(): void {
    if (!this.#active) return;
    (this.#issuedOn as Link).conn[kCancelReceive](SHUT_RECEIVING);
  }

  /** The socket closed: receives never handed to the core complete on a later tick. */
  closed(): void {
    if (!this.#active && this.#queue.size > 0) queueMicrotask(() => this.pump());
  }

  /** Serves queued receives in order: at once where bytes are there, else the next waits. */
  pump(): void {
    while (this.#queue.size > 0 && !this.#active) {
      if (this.#host.connecting()) return;
      const e = this.#queue.peek();
      if (this.tryReceive(e)) {
        this.#queue.shift();
        e[kRaise]();
      } else {
        this.issue(e);
      }
    }
  }

  /** Completes `e` now if it can (true), or leaves it untouched (false). */
  private tryReceive(e: SocketAsyncEventArgs): boolean {
    const host = this.#host;
    if (host.closed()) {
      e[kFinish](SocketError.OperationAborted, 0);
      return true;
    }
    const link = host.link();
    if (link === undefined) {
      e[kFinish](SocketError.NotConnected, 0);
      return true;
    }
    const flags = e.socketFlags;
    if ((flags & ~SocketFlags.Peek) !== 0) {
      e[kFinish](SocketError.OperationNotSupported, 0);
      return true;
    }
    const conn = link.conn;
    const target = e[kTarget]();
    let n: number | undefined;
    try {
      n = sizeOf(target) === 0 ? probe(conn) : conn.tryReceive(target as Target);
    } catch (err) {
      e[kFinish](link.receiveFailure(err), 0);
      return true;
    }
    if (n === undefined) {
      if (!link.receiveShut) return false;
      n = 0;
    }
    if (n > 0 && flags === SocketFlags.Peek) conn.unshift(firstBytes(target as Target, n));
    e[kFinish](SocketError.Success, n);
    return true;
  }

  private issue(e: SocketAsyncEventArgs): void {
    this.#active = true;
    const link = this.#host.link() as Link;
    this.#issuedOn = link;
    const target = e[kTarget]();
    // Cancelled by a call (kCancelReceive), not a signal: no listener per receive.
    if (sizeOf(target) === 0) link.conn.read().then(this.#onZeroRead, this.#onError);
    else link.conn.receive(target as Target).then(this.#onReceived, this.#onError);
  }

  private shift(): SocketAsyncEventArgs {
    this.#active = false;
    return this.#queue.shift();
  }

  readonly #onReceived = (n: number): void => {
    const e = this.shift();
    if (n > 0 && e.socketFlags === SocketFlags.Peek) {
      this.giveBack(firstBytes(e[kTarget]() as Target, n));
    }
    e[kFinish](SocketError.Success, n);
    this.raiseAndPump(e);
  };

  readonly #onZeroRead = (chunk: Uint8Array | null): void => {
    const e = this.shift();
    if (chunk !== null) this.giveBack(chunk);
    e[kFinish](SocketError.Success, 0);
    this.raiseAndPump(e);
  };

  readonly #onError = (err: unknown): void => {
    const e = this.shift();
    if (err === SHUT_RECEIVING) e[kFinish](SocketError.Success, 0);
    else if (this.#host.closed()) e[kFinish](SocketError.OperationAborted, 0);
    else e[kFinish]((this.#issuedOn as Link).receiveFailure(err), 0);
    this.raiseAndPump(e);
  };

  /** Puts bytes back for the next receive (peeks, zero-byte receives), if still connected. */
  private giveBack(chunk: Uint8Array): void {
    const link = this.#host.link();
    if (link === undefined || this.#host.closed()) return;
    try {
      link.conn.unshift(chunk);
    } catch {
      // The connection was closed meanwhile (a reuse disconnect): nobody will read them.
    }
  }

  private raiseAndPump(e: SocketAsyncEventArgs): void {
    e[kRaise]();
    this.pump();
  }
}

/** A zero-byte receive completes (with 0) when bytes are buffered or at EOF. */
function probe(conn: Connection): number | undefined {
  if (conn.bufferedBytes > 0) return 0;
  return conn.tryReceive(PROBE); // nothing is buffered, so nothing is taken
}
