// Sends of one connection: order, at most `maxPendingSends` in flight, the fast path, and what
// an abort does before and after hand-off (invariants 3 and 4).
//
// A send is *in flight* from the moment its bytes are handed to the socket until the OS has
// them all; at most `maxPendingSends` are. A send that finds every slot taken, or others
// already waiting, waits in a p-queue that runs the waiting sends one at a time, in call
// order: each waits for a free slot, then writes. Sends that find a slot free and nobody
// waiting never touch the queue: a bulk sender's every send is one write and one callback.
//
// Fast path: when nothing waits and a slot is free, the bytes are written at once. If the
// kernel takes them whole (the common case for small sends), the send is done before `send()`
// returns: no object, no callback state. Either way the bytes are written in call order,
// because a send only skips the queue when nothing is waiting in it.
//
// Aborts are ours in both phases (NODE-NOTES 5): a waiting send's listener takes it out (its
// queue task then finds it settled and ends), an in-flight send's resets the connection.
import PQueue from 'p-queue';
import { SendAbortedError } from './errors.js';
import type { Transport } from './transport.js';

/** What a send writes: bytes, a string (UTF-8), or a list written as one gathered write. */
export type SendData = Uint8Array | string | readonly Uint8Array[];

const EMPTY = new Uint8Array(0);
function noop(): void {}

/**
 * Writes a send while a connection has no queue (nothing waits, nothing is in flight) and says
 * whether the kernel took every byte at once. The write has no callback of its own: when it
 * did not finish, `SendQueue.adoptWritten()` takes it over.
 */
export function writeNow(transport: Transport, data: SendData): boolean {
  if (typeof data === 'string' || data instanceof Uint8Array) transport.write(data, noop);
  else transport.writev(data, noop);
  return transport.drained;
}

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
  /** Its abort listener while it waits or is in flight. */
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

/**
 * The state of sends that could not finish at once: made on the first one, so a connection
 * whose sends the kernel always took whole (most idle server connections) holds none of it.
 */
class Backlog {
  /** Runs the waiting sends one at a time, in call order (made on the first). */
  queue: PQueue | undefined;
  /** Sends waiting for a slot. */
  readonly waiting = new Set<SendOp>();
  /** In-flight sends in write order, from `writtenHead` on. */
  written: SendOp[] = [];
  writtenHead = 0;
  /** Sends that went through here, and how many of them have settled. */
  issued = 0;
  settled = 0;
  flushWaiters: FlushWaiter[] | undefined;
  /** Wakes the waiting send at the head of the queue: a slot was freed, or it settled. */
  slotFreed: (() => void) | undefined;

  pq(): PQueue {
    return (this.queue ??= new PQueue({ concurrency: 1 }));
  }
}

export class SendQueue {
  readonly #transport: Transport;
  readonly #owner: SendQueueOwner;
  readonly #max: number;
  #b: Backlog | undefined;
  // Write callbacks arrive one per write, in order. Writes the kernel took at once are already
  // settled: their callbacks are only counted. They can only come first (libuv cannot finish a
  // write at once while an earlier one is still queued), so the queue is: that many settled
  // writes, then the in-flight sends in order.
  #settledCallbacks = 0;
  #inFlight = 0;
  #dispatched = 0;
  /** What every send fails with once the connection is gone; `ALIVE` until then. */
  #dead: unknown = ALIVE;
  /** Bytes the OS has accepted, counted at write completion. */
  bytesSent = 0;

  /** @param sentBefore - bytes the connection sent, all taken by the OS, before this queue. */
  constructor(
    transport: Transport,
    owner: SendQueueOwner,
    maxPendingSends: number,
    sentBefore: number,
  ) {
    this.#transport = transport;
    this.#owner = owner;
    this.#max = maxPendingSends;
    this.#dispatched = sentBefore;
    this.bytesSent = sentBefore;
  }

  /**
   * Takes over the send `writeNow()` just wrote, which the kernel did not take whole: it is
   * in flight from now on. Its write had no callback, so an empty write right after it carries
   * this queue's: node:net completes a socket's writes in order, so that callback runs once
   * the send's last byte is with the OS.
   */
  adoptWritten(bytes: number, signal: AbortSignal | undefined): Promise<number> {
    const op = new SendOp(EMPTY, bytes, signal);
    op.start = this.#dispatched;
    this.#dispatched += bytes;
    (this.#b ??= new Backlog()).issued++;
    this.#goInFlight(op);
    this.#transport.write(EMPTY, this.#callback());
    return op.promise;
  }

  /** Sends not yet settled: waiting in the queue or in flight. */
  get pending(): number {
    const b = this.#b;
    return b === undefined ? 0 : b.issued - b.settled;
  }

  /** Sends handed to the socket whose bytes the OS has not fully taken yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Throws the failure every send gets once the queue has failed (see `fail()`). */
  checkUsable(): void {
    if (this.#dead !== ALIVE) throw this.#dead;
  }

  /**
   * Starts a send (after `checkUsable()`). Returns `bytes` when the OS took every byte before
   * this call returned, otherwise the promise of the send.
   */
  start(data: SendData, bytes: number, signal: AbortSignal | undefined): number | Promise<number> {
    let b = this.#b;
    if ((b === undefined || b.waiting.size === 0) && this.#inFlight < this.#max) {
      const start = this.#dispatched;
      this.#write(data, bytes);
      if (this.#transport.drained) {
        // The kernel took it all: done now.
        this.#settledCallbacks++;
        this.bytesSent += bytes;
        return bytes;
      }
      const op = new SendOp(data, bytes, signal);
      op.start = start;
      (this.#b ??= new Backlog()).issued++;
      this.#goInFlight(op);
      return op.promise;
    }
    b ??= this.#b = new Backlog();
    const op = new SendOp(data, bytes, signal);
    b.issued++;
    b.waiting.add(op);
    if (signal !== undefined) {
      // Aborted while it waits: it leaves the queue having sent nothing.
      op.onAbort = () => {
        if (op.state === WAITING) this.#finish(op, false, signal.reason);
      };
      signal.addEventListener('abort', op.onAbort, { once: true });
    }
    void b.pq().add(() => this.#runWaiting(op));
    return op.promise;
  }

  /** Resolves once every send issued so far has settled (its bytes are with the OS). */
  flush(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const b = this.#b;
    if (b === undefined || b.settled === b.issued) {
      return this.#dead !== ALIVE ? Promise.reject(this.#dead) : Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const w: FlushWaiter = { target: b.issued, resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        w.onAbort = () => {
          b.flushWaiters = b.flushWaiters?.filter((x) => x !== w);
          reject(signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      (b.flushWaiters ??= []).push(w);
    });
  }

  /**
   * The connection is gone: every waiting and in-flight send and every flush rejects with
   * `error`, and so does every later send.
   */
  fail(error: unknown): void {
    if (this.#dead !== ALIVE) return;
    this.#dead = error;
    const b = this.#b;
    if (b === undefined) return;
    b.queue?.clear();
    const written = b.written;
    for (let i = b.writtenHead; i < written.length; i++) {
      this.#finish(written[i] as SendOp, false, error);
    }
    b.written = [];
    b.writtenHead = 0;
    // Sends still waiting in the (now cleared) queue.
    for (const op of b.waiting) this.#finish(op, false, error);
    b.waiting.clear();
    const flushes = b.flushWaiters;
    b.flushWaiters = undefined;
    for (const w of flushes ?? []) this.#dropFlush(w).reject(error);
  }

  // --- internals ----------------------------------------------------------------------------

  // p-queue's task for a waiting send: once it is the oldest, wait for a free slot, then write.
  #runWaiting(op: SendOp): Promise<void> {
    if (op.state !== WAITING) return RESOLVED;
    if (this.#dead === ALIVE && this.#inFlight >= this.#max) {
      const b = this.#b as Backlog;
      return new Promise<void>((resolve) => {
        b.slotFreed = resolve;
      }).then(() => this.#runWaiting(op));
    }
    this.#startQueued(op);
    return RESOLVED;
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
    (this.#b as Backlog).written.push(op);
    if (op.signal !== undefined) {
      op.onAbort = () => this.#abortInFlight(op);
      op.signal.addEventListener('abort', op.onAbort, { once: true });
    }
  }

  // Writes a waiting send whose turn has come (a slot is free).
  #startQueued(op: SendOp): void {
    this.#b?.waiting.delete(op);
    if (op.onAbort !== undefined) {
      op.signal?.removeEventListener('abort', op.onAbort);
      op.onAbort = undefined;
    }
    if (this.#dead !== ALIVE) {
      this.#finish(op, false, this.#dead);
      return;
    }
    op.start = this.#dispatched;
    this.#write(op.data as SendData, op.bytes);
    if (this.#transport.drained) {
      this.#settledCallbacks++;
      this.bytesSent += op.bytes;
      this.#finish(op, true, undefined);
      return;
    }
    this.#goInFlight(op);
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
    const b = this.#b as Backlog;
    const written = b.written;
    const op = written[b.writtenHead] as SendOp;
    written[b.writtenHead++] = undefined as unknown as SendOp;
    if (b.writtenHead === written.length) {
      written.length = 0;
      b.writtenHead = 0;
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
    const b = this.#b as Backlog; // every op went through it
    if (op.state === IN_FLIGHT) this.#inFlight--;
    else b.waiting.delete(op);
    op.state = DONE;
    op.data = undefined;
    if (op.onAbort !== undefined) op.signal?.removeEventListener('abort', op.onAbort);
    const wake = b.slotFreed;
    if (wake !== undefined) {
      b.slotFreed = undefined;
      wake();
    }
    if (ok) op.resolve(op.bytes);
    else op.reject(err);
    b.settled++;
    const waiters = b.flushWaiters;
    if (waiters === undefined) return;
    while (waiters.length > 0 && (waiters[0] as FlushWaiter).target <= b.settled) {
      this.#dropFlush(waiters.shift() as FlushWaiter).resolve();
    }
  }

  #dropFlush(w: FlushWaiter): FlushWaiter {
    if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort);
    return w;
  }
}
