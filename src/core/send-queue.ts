// Sends of one connection: order, at most `maxPendingSends` in flight, the fast path, and what
// an abort does before and after hand-off (invariants 3 and 4).
//
// A send is *in flight* from the moment its bytes are handed to the socket until the OS has
// them all. Every in-flight send holds a slot of a p-queue whose concurrency is
// `maxPendingSends`; later sends wait in that queue, in call order.
//
// Fast path: when nothing waits in the queue and a slot is free, the bytes are written at
// once. If the kernel takes them whole (the common case for small sends), the send is done
// before `send()` returns: no queue task, no callback state. Otherwise the send takes a slot
// like any other. Either way the bytes are written in call order, because a send only skips
// the queue when nothing is waiting in it.
import PQueue from 'p-queue';
import { SendAbortedError, SocketClosedError } from './errors.js';
import type { Transport } from './transport.js';

type SendData = Uint8Array | string | readonly Uint8Array[];

const RESOLVED = Promise.resolve();
const ALIVE = Symbol('alive');

const WAITING = 0;
const IN_FLIGHT = 1;
const DONE = 2;

class SendOp {
  state = WAITING;
  /** Offset of this send's first byte in everything this connection has written. */
  start = 0;
  data: SendData | undefined;
  readonly bytes: number;
  readonly signal: AbortSignal | undefined;
  resolve!: (n: number) => void;
  reject!: (e: unknown) => void;
  readonly promise: Promise<number>;
  /** Releases the op's p-queue slot. */
  release: (() => void) | undefined;
  /** Its abort listener while in flight. */
  onAbort: (() => void) | undefined;

  constructor(data: SendData, bytes: number, signal: AbortSignal | undefined) {
    this.data = data;
    this.bytes = bytes;
    this.signal = signal;
    this.promise = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

interface FlushWaiter {
  target: number;
  resolve: () => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** What the queue needs from the connection around it. */
export interface SendQueueOwner {
  /** A send's signal fired after hand-off: the connection must be reset now. */
  resetForAbortedSend(): void;
  /** Describes the connection in messages ("127.0.0.1:7000"). */
  readonly label: string;
}

export class SendQueue {
  readonly #transport: Transport;
  readonly #owner: SendQueueOwner;
  readonly #max: number;
  #queue: PQueue | undefined;
  // Write callbacks arrive one per write, in order. Writes the kernel took at once are already
  // settled: their callbacks are only counted. They can only come first (libuv cannot finish a
  // write at once while an earlier one is still queued), so the queue is: that many settled
  // writes, then the in-flight sends in order.
  #settledCallbacks = 0;
  #written: SendOp[] | undefined;
  #writtenHead = 0;
  #inFlight = 0;
  #dispatched = 0;
  #issued = 0;
  #settled = 0;
  #flushWaiters: FlushWaiter[] | undefined;
  /** What every send fails with once the connection is gone; `ALIVE` until then. */
  #dead: unknown = ALIVE;
  /** Bytes the OS has accepted, counted at write completion. */
  bytesSent = 0;

  constructor(transport: Transport, owner: SendQueueOwner, maxPendingSends: number) {
    this.#transport = transport;
    this.#owner = owner;
    this.#max = maxPendingSends;
  }

  /** Sends not yet settled: waiting in the queue or in flight. */
  get pending(): number {
    return this.#issued - this.#settled;
  }

  /** Sends handed to the socket whose bytes the OS has not fully taken yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Throws what a send started now would fail with at once: the connection is gone. */
  checkUsable(): void {
    if (this.#dead !== ALIVE) throw this.#dead;
    if (this.#transport.destroyed) {
      // Destroyed a moment ago ('close' is still to come): do not write into it.
      throw (
        this.#transport.error ??
        new SocketClosedError(`Cannot send on "${this.#owner.label}": connection is closed`)
      );
    }
  }

  /**
   * Starts a send (after `checkUsable()`). Returns `bytes` when the OS took every byte before
   * this call returned, otherwise the promise of the send.
   */
  start(data: SendData, bytes: number, signal: AbortSignal | undefined): number | Promise<number> {
    this.#issued++;
    const q = this.#queue;
    if ((q === undefined || q.size === 0) && this.#inFlight < this.#max) {
      const start = this.#dispatched;
      this.#write(data, bytes);
      if (this.#transport.drained) {
        // The kernel took it all: done now.
        this.#settledCallbacks++;
        this.bytesSent += bytes;
        this.#settle();
        return bytes;
      }
      const op = new SendOp(data, bytes, signal);
      op.start = start;
      this.#goInFlight(op);
      // Hold a slot like a queued send would (p-queue starts it synchronously: a slot is free).
      void this.#pq().add(() => this.#slot(op));
      return op.promise;
    }
    const op = new SendOp(data, bytes, signal);
    (this.#waiting ??= new Set()).add(op);
    this.#pq()
      .add(() => this.#startQueued(op), signal === undefined ? {} : { signal })
      .catch((err: unknown) => {
        // p-queue rejects when the signal fires while the send waits: it was removed from the
        // queue, nothing of it was sent. (After hand-off our own listener handles the abort.)
        if (op.state === WAITING) this.#finish(op, false, err);
      });
    return op.promise;
  }

  /** Resolves once every send issued so far has settled (its bytes are with the OS). */
  flush(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#settled === this.#issued) {
      return this.#dead !== ALIVE ? Promise.reject(this.#dead) : Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const w: FlushWaiter = { target: this.#issued, resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        w.onAbort = () => {
          this.#flushWaiters = this.#flushWaiters?.filter((x) => x !== w);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      (this.#flushWaiters ??= []).push(w);
    });
  }

  /**
   * The connection is gone: every waiting and in-flight send and every flush rejects with
   * `error`, and so does every later send.
   */
  fail(error: unknown): void {
    if (this.#dead !== ALIVE) return;
    this.#dead = error;
    this.#queue?.clear();
    const written = this.#written;
    if (written !== undefined) {
      for (let i = this.#writtenHead; i < written.length; i++) {
        this.#finish(written[i] as SendOp, false, error);
      }
      this.#written = undefined;
      this.#writtenHead = 0;
    }
    // Sends still waiting in the (now cleared) queue.
    if (this.#waiting !== undefined) {
      for (const op of this.#waiting) this.#finish(op, false, error);
      this.#waiting = undefined;
    }
    const flushes = this.#flushWaiters;
    this.#flushWaiters = undefined;
    for (const w of flushes ?? []) this.#dropFlush(w).reject(error);
  }

  // --- internals ----------------------------------------------------------------------------

  /** Sends waiting in the p-queue (made on first use). */
  #waiting: Set<SendOp> | undefined;

  #pq(): PQueue {
    return (this.#queue ??= new PQueue({ concurrency: this.#max }));
  }

  #write(data: SendData, bytes: number): void {
    this.#dispatched += bytes;
    if (typeof data === 'string' || data instanceof Uint8Array) {
      this.#transport.write(data, this.#callback());
    } else {
      this.#transport.writev(data, this.#callback());
    }
  }

  #goInFlight(op: SendOp): void {
    op.state = IN_FLIGHT;
    op.data = undefined;
    this.#inFlight++;
    (this.#written ??= []).push(op);
    if (op.signal !== undefined) {
      op.onAbort = () => this.#abortInFlight(op);
      op.signal.addEventListener('abort', op.onAbort, { once: true });
    }
  }

  // Runs when p-queue gives a waiting send its turn.
  #startQueued(op: SendOp): Promise<void> {
    if (op.state !== WAITING) return RESOLVED;
    this.#waiting?.delete(op);
    if (this.#dead !== ALIVE) {
      this.#finish(op, false, this.#dead);
      return RESOLVED;
    }
    op.start = this.#dispatched;
    this.#write(op.data as SendData, op.bytes);
    if (this.#transport.drained) {
      this.#settledCallbacks++;
      this.bytesSent += op.bytes;
      this.#finish(op, true, undefined);
      return RESOLVED;
    }
    this.#goInFlight(op);
    return this.#slot(op);
  }

  #slot(op: SendOp): Promise<void> {
    if (op.state === DONE) return RESOLVED;
    return new Promise<void>((resolve) => {
      op.release = resolve;
    });
  }

  // The write callback node:net calls once per write, in order. Made on the first write, so
  // connections that never send do not pay for it.
  #onWritten: ((err?: Error | null) => void) | undefined;
  #callback(): (err?: Error | null) => void {
    // A bound method: smaller than a closure and its context.
    return (this.#onWritten ??= this.#writeDone.bind(this));
  }

  #writeDone(err?: Error | null): void {
    if (this.#dead !== ALIVE) return;
    if (this.#settledCallbacks > 0) {
      this.#settledCallbacks--;
      return;
    }
    const written = this.#written as SendOp[];
    const op = written[this.#writtenHead] as SendOp;
    written[this.#writtenHead++] = undefined as unknown as SendOp;
    if (this.#writtenHead === written.length) {
      written.length = 0;
      this.#writtenHead = 0;
    }
    if (err) {
      this.#finish(op, false, err);
      return;
    }
    this.bytesSent += op.bytes;
    this.#finish(op, true, undefined);
  }

  #abortInFlight(op: SendOp): void {
    if (op.state !== IN_FLIGHT) return;
    const taken = this.#transport.kernelBytesWritten();
    const bytesWritten =
      taken === undefined ? 0 : Math.max(0, Math.min(op.bytes, taken - op.start));
    const reason = (op.signal as AbortSignal).reason as unknown;
    this.#finish(
      op,
      false,
      new SendAbortedError(
        `Cannot finish send on "${this.#owner.label}": aborted after ${bytesWritten} of ${op.bytes} bytes reached the OS; the connection was reset`,
        bytesWritten,
        reason,
      ),
    );
    this.#owner.resetForAbortedSend();
  }

  #finish(op: SendOp, ok: boolean, err: unknown): void {
    if (op.state === DONE) return;
    if (op.state === IN_FLIGHT) this.#inFlight--;
    else this.#waiting?.delete(op);
    op.state = DONE;
    op.data = undefined;
    if (op.onAbort !== undefined) op.signal?.removeEventListener('abort', op.onAbort);
    op.release?.();
    if (ok) op.resolve(op.bytes);
    else op.reject(err);
    this.#settle();
  }

  #settle(): void {
    this.#settled++;
    const waiters = this.#flushWaiters;
    if (waiters === undefined) return;
    while (waiters.length > 0 && (waiters[0] as FlushWaiter).target <= this.#settled) {
      this.#dropFlush(waiters.shift() as FlushWaiter).resolve();
    }
  }

  #dropFlush(w: FlushWaiter): FlushWaiter {
    if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort);
    return w;
  }
}
