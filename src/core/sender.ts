// Sending, in one place: a connection's `Sender` owns the fast path, the in-flight count, the
// sends waiting their turn and `flush()` (invariants 3 and 4 of docs/design.md). Byte order is
// kept here and nowhere else.
//
// A send is *in flight* from the moment its bytes are handed to the socket until the OS has
// them all; at most `maxPendingSends` are. A send that finds every slot taken, or others
// already waiting, waits in a p-queue that runs the waiting sends one at a time, in call
// order: each waits for a free slot, then writes. Sends that find a slot free and nobody
// waiting never touch the p-queue: a bulk sender's every send is one write and one callback.
//
// Fast path: when nothing waits and a slot is free, the bytes are written at once. If the
// kernel takes them whole (the common case for small sends), the send is done before `send()`
// returns: no object, no callback state. Either way bytes are written in call order, because a
// send only skips the queue when nothing is waiting in it.
//
// Memory: the bookkeeping of sends that could not finish at once (the `Backlog`) is made by
// the first such send. Until then nothing can be waiting or in flight, so a send is a plain
// write without a callback, and a connection whose sends the kernel always took whole (most
// of an idle server's connections) holds only the `Sender` itself. The first send left
// partly for later makes the backlog and is adopted by it: node:net completes a socket's
// writes in order, so an empty write right after it carries the backlog's callback
// (node-notes §7).
//
// Aborts are ours in both phases (node-notes §5): a
// waiting send's listener takes it out (its p-queue task then finds it settled and ends), an
// in-flight send's resets the connection and reports the bytes the OS had taken.
import PQueue from 'p-queue';
import { SendAbortedError, SendQueueFullError } from './errors.js';
import type { Transport } from './transport.js';

/** What a send writes: bytes, a string (UTF-8), or a list written as one gathered write. */
export type SendData = Uint8Array | string | readonly Uint8Array[];

/** The connection's send limits (its resolved options: one object shared by many). */
export interface SendLimits {
  readonly maxPendingSends: number;
  readonly maxQueuedSendBytes: number;
}

/** What the sender needs from the connection around it. */
export interface SenderOwner {
  /** The socket's transport: where the bytes are written. */
  readonly transport: Transport;
  /** A send's signal fired after hand-off: the connection must be reset now. */
  resetForAbortedSend(): void;
  /** Describes the connection in messages ("127.0.0.1:7000"). */
  readonly label: string;
}

const EMPTY = new Uint8Array(0);
const RESOLVED = Promise.resolve();
const ALIVE = Symbol('alive');
function noop(): void {}

const WAITING = 0;
const IN_FLIGHT = 1;
const DONE = 2;

class SendOp {
  state = WAITING;
  /** Its place in call order among the sends that went through the backlog. */
  seq = 0;
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
  /** It settles once the sends before this one in call order all have. */
  target: number;
  /** The first failure among those sends, once one failed. */
  failed: boolean;
  /** A waiting send's own abort counts as a failure (the user's flush), or not (FIN's). */
  abortsFail: boolean;
  failure: unknown;
  resolve: () => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** The state of sends that could not finish at once, made by the first such send. */
class Backlog {
  readonly owner: SenderOwner;
  readonly limits: SendLimits;
  /** `maxPendingSends`, copied for the hot path. */
  readonly max: number;
  /** Bytes of the sends in `waiting` (at most `limits.maxQueuedSendBytes`, see start()). */
  waitingBytes = 0;
  /** Runs the waiting sends one at a time, in call order (made by the first). */
  queue: PQueue | undefined;
  /** Sends waiting for a slot (made by the first). */
  waiting: Set<SendOp> | undefined;
  /** In-flight sends in write order, from `writtenHead` on. */
  written: SendOp[] = [];
  writtenHead = 0;
  inFlight = 0;
  /**
   * Write callbacks arrive one per write, in order. Writes the kernel took at once are settled
   * already: their callbacks are only counted. They can only come first (libuv cannot finish
   * a write at once while an earlier one is still queued), so the callbacks to come are: this
   * many settled writes, then the in-flight sends in order.
   */
  settledCallbacks = 0;
  /** Bytes handed to the socket over the connection's life. */
  dispatched: number;
  /** Sends that went through here, and how many of them have settled. */
  issued = 0;
  settled = 0;
  /**
   * Sends settled from the first on without a gap in call order: a waiting send aborted while
   * an earlier one is in flight settles out of order, and waits in `settledAhead` until the gap
   * closes. A flush waits for this, not for a count of settled sends.
   */
  settledPrefix = 0;
  settledAhead: Set<number> | undefined;
  /** What every send fails with once the connection is gone; `ALIVE` until then. */
  dead: unknown = ALIVE;
  flushWaiters: FlushWaiter[] | undefined;
  /** Wakes the waiting send at the head of the queue: a slot was freed, or it settled. */
  slotFreed: (() => void) | undefined;
  /** The write callback, a bound method (smaller than a closure and its context). */
  onWritten: ((err?: Error | null) => void) | undefined;

  constructor(owner: SenderOwner, limits: SendLimits, dispatched: number) {
    this.owner = owner;
    this.limits = limits;
    this.max = limits.maxPendingSends;
    this.dispatched = dispatched;
  }
}

/**
 * The sending side of one connection. Two fields: an idle server holds one per connection, so
 * the transport is reached through the owner each call passes (the connection's lifecycle),
 * and methods are TypeScript-private, not `#private` (a class with `#private` methods carries
 * a brand slot in every instance: docs/memory.md).
 */
export class Sender {
  /** Bytes the OS has accepted, counted when a send completes. */
  #sent = 0;
  /** The backlog, or, until the first send that does not finish at once, the limits. */
  #q: Backlog | SendLimits;

  constructor(limits: SendLimits) {
    this.#q = limits;
  }

  /** Bytes the OS has accepted from our sends. */
  get bytesSent(): number {
    return this.#sent;
  }

  /** `maxPendingSends` and `maxQueuedSendBytes`, as the connection was made with. */
  get limits(): SendLimits {
    const b = this.#q;
    return b instanceof Backlog ? b.limits : b;
  }

  /** Sends handed to the OS at once at most (`maxPendingSends`). */
  get maxInFlight(): number {
    const b = this.#q;
    return b instanceof Backlog ? b.max : b.maxPendingSends;
  }

  /** Sends not yet settled: waiting in the queue or in flight. */
  get pending(): number {
    const b = this.#q;
    return b instanceof Backlog ? b.issued - b.settled : 0;
  }

  /** Sends handed to the socket whose bytes the OS has not fully taken yet. */
  get inFlight(): number {
    const b = this.#q;
    return b instanceof Backlog ? b.inFlight : 0;
  }

  /** True when `flush()` would resolve at once: every send has settled, and none failed. */
  get idle(): boolean {
    const b = this.#q;
    return !(b instanceof Backlog) || (b.settled === b.issued && b.dead === ALIVE);
  }

  /** Throws the failure every send gets once the sender has failed (see `fail()`). */
  checkUsable(): void {
    const b = this.#q;
    if (b instanceof Backlog && b.dead !== ALIVE) throw b.dead;
  }

  /**
   * Starts a send of `bytes` (> 0) bytes, after `checkUsable()`. Returns `bytes` when the OS
   * took every byte before this call returned, otherwise the promise of the send.
   *
   * @param owner - the connection, kept by the backlog if this send makes one.
   */
  start(
    data: SendData,
    bytes: number,
    signal: AbortSignal | undefined,
    owner: SenderOwner,
  ): number | Promise<number> {
    let q = this.#q;
    const t = owner.transport;
    if (!(q instanceof Backlog) && !t.writesCompleteAtOnce) {
      // Writes never complete before write() returns (TLS): the backlog from the first send,
      // so that every write carries its callback and none is a write of nothing (node-notes
      // §17: an empty TLS write fails on Deno).
      q = this.#q = new Backlog(owner, q, this.#sent);
    }
    if (!(q instanceof Backlog)) {
      // No backlog: nothing waits and nothing is in flight. A plain write, no callback.
      if (typeof data === 'string' || data instanceof Uint8Array) t.write(data, noop);
      else t.writev(data, noop);
      if (t.drained) {
        this.#sent += bytes;
        return bytes;
      }
      // Not taken whole: the backlog is made now and adopts this send.
      const b = (this.#q = new Backlog(owner, q, this.#sent));
      const op = new SendOp(EMPTY, bytes, signal);
      op.start = b.dispatched;
      b.dispatched += bytes;
      op.seq = b.issued++;
      this.goInFlight(b, op);
      t.write(EMPTY, this.callback(b));
      return op.promise;
    }
    if ((q.waiting === undefined || q.waiting.size === 0) && q.inFlight < q.max) {
      const start = q.dispatched;
      this.write(q, data, bytes);
      if (t.drained) {
        // The kernel took it all: done now.
        q.settledCallbacks++;
        this.#sent += bytes;
        return bytes;
      }
      const op = new SendOp(data, bytes, signal);
      op.start = start;
      op.seq = q.issued++;
      this.goInFlight(q, op);
      return op.promise;
    }
    const waiting = q.waitingBytes;
    const most = q.limits.maxQueuedSendBytes;
    if (waiting > 0 && waiting + bytes > most) {
      return Promise.reject(
        new SendQueueFullError(
          `Cannot send ${bytes} bytes on "${owner.label}": ${waiting} bytes already wait to be ` +
            `sent, and maxQueuedSendBytes is ${most}`,
        ),
      );
    }
    const op = new SendOp(data, bytes, signal);
    op.seq = q.issued++;
    (q.waiting ??= new Set()).add(op);
    q.waitingBytes = waiting + bytes;
    if (signal !== undefined) {
      // Aborted while it waits: it leaves the queue having sent nothing.
      op.onAbort = () => {
        if (op.state === WAITING) this.finish(q, op, false, signal.reason);
      };
      signal.addEventListener('abort', op.onAbort, { once: true });
    }
    void (q.queue ??= new PQueue({ concurrency: 1 })).add(() => this.runWaiting(q, op));
    return op.promise;
  }

  /**
   * Resolves once every send started so far has settled with its bytes with the OS; rejects
   * with the first failure among them once they have all settled (Connection.flush()). With
   * `abortsFail` false, a waiting send aborted by its own signal (which left the connection
   * usable) is not a failure: only the connection's are (shutdown's flush before FIN).
   */
  flush(signal: AbortSignal | undefined, abortsFail = true): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const b = this.#q;
    if (!(b instanceof Backlog)) return RESOLVED;
    if (b.settled === b.issued) return b.dead !== ALIVE ? Promise.reject(b.dead) : RESOLVED;
    return new Promise<void>((resolve, reject) => {
      const w: FlushWaiter = {
        target: b.issued,
        failed: false,
        abortsFail,
        failure: undefined,
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
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
   * `error`, and so does every later send (the first failure wins). A sender without a
   * backlog makes one to keep the failure: the connection is ending, so the memory is brief.
   */
  fail(error: unknown, owner: SenderOwner): void {
    let b = this.#q;
    if (!(b instanceof Backlog)) b = this.#q = new Backlog(owner, b, this.#sent);
    if (b.dead !== ALIVE) return;
    b.dead = error;
    b.queue?.clear();
    const written = b.written;
    for (let i = b.writtenHead; i < written.length; i++) {
      this.finish(b, written[i] as SendOp, false, error);
    }
    b.written = [];
    b.writtenHead = 0;
    // Sends still waiting in the (now cleared) p-queue.
    if (b.waiting !== undefined) {
      for (const op of b.waiting) this.finish(b, op, false, error);
      b.waiting.clear();
    }
    const flushes = b.flushWaiters;
    b.flushWaiters = undefined;
    for (const w of flushes ?? []) dropFlush(w).reject(error);
  }

  // --- internals ----------------------------------------------------------------------------

  // p-queue's task for a waiting send: once it is the oldest, wait for a free slot, then write.
  private runWaiting(b: Backlog, op: SendOp): Promise<void> {
    if (op.state !== WAITING) return RESOLVED;
    if (b.dead === ALIVE && b.inFlight >= b.max) {
      return new Promise<void>((resolve) => {
        b.slotFreed = resolve;
      }).then(() => this.runWaiting(b, op));
    }
    this.startQueued(b, op);
    return RESOLVED;
  }

  private write(b: Backlog, data: SendData, bytes: number): void {
    b.dispatched += bytes;
    const t = b.owner.transport;
    if (typeof data === 'string' || data instanceof Uint8Array) t.write(data, this.callback(b));
    else t.writev(data, this.callback(b));
  }

  private goInFlight(b: Backlog, op: SendOp): void {
    op.state = IN_FLIGHT;
    op.data = undefined;
    b.inFlight++;
    b.written.push(op);
    if (op.signal !== undefined) {
      op.onAbort = () => this.abortInFlight(b, op);
      op.signal.addEventListener('abort', op.onAbort, { once: true });
    }
  }

  // Writes a waiting send whose turn has come (a slot is free).
  private startQueued(b: Backlog, op: SendOp): void {
    leaveWaiting(b, op);
    if (op.onAbort !== undefined) {
      op.signal?.removeEventListener('abort', op.onAbort);
      op.onAbort = undefined;
    }
    if (b.dead !== ALIVE) {
      this.finish(b, op, false, b.dead);
      return;
    }
    op.start = b.dispatched;
    this.write(b, op.data as SendData, op.bytes);
    if (b.owner.transport.drained) {
      b.settledCallbacks++;
      this.#sent += op.bytes;
      this.finish(b, op, true, undefined);
      return;
    }
    this.goInFlight(b, op);
  }

  // The write callback node:net calls once per write, in order.
  private callback(b: Backlog): (err?: Error | null) => void {
    return (b.onWritten ??= this.writeDone.bind(this, b));
  }

  private writeDone(b: Backlog, err?: Error | null): void {
    if (b.dead !== ALIVE) return;
    if (b.settledCallbacks > 0) {
      b.settledCallbacks--;
      return;
    }
    const written = b.written;
    const op = written[b.writtenHead] as SendOp;
    written[b.writtenHead++] = undefined as unknown as SendOp;
    if (b.writtenHead === written.length) {
      written.length = 0;
      b.writtenHead = 0;
    }
    if (err) {
      this.finish(b, op, false, err);
      return;
    }
    this.#sent += op.bytes;
    this.finish(b, op, true, undefined);
  }

  private abortInFlight(b: Backlog, op: SendOp): void {
    if (op.state !== IN_FLIGHT) return;
    const owner = b.owner;
    const taken = owner.transport.kernelBytesWritten();
    const bytesWritten = Math.max(0, Math.min(op.bytes, taken - op.start));
    const reason = (op.signal as AbortSignal).reason as unknown;
    this.finish(
      b,
      op,
      false,
      new SendAbortedError(
        `Cannot finish send on "${owner.label}": aborted after ${bytesWritten} of ${op.bytes} bytes reached the OS; the connection was reset`,
        bytesWritten,
        reason,
      ),
    );
    owner.resetForAbortedSend();
  }

  private finish(b: Backlog, op: SendOp, ok: boolean, err: unknown): void {
    if (op.state === DONE) return;
    // Failing while it waits on a live connection: its own signal fired (see start()).
    const ownAbort = op.state === WAITING && b.dead === ALIVE;
    if (op.state === IN_FLIGHT) b.inFlight--;
    else leaveWaiting(b, op);
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
    if (op.seq === b.settledPrefix) {
      b.settledPrefix++;
      const ahead = b.settledAhead;
      if (ahead !== undefined) while (ahead.delete(b.settledPrefix)) b.settledPrefix++;
    } else {
      (b.settledAhead ??= new Set()).add(op.seq);
    }
    const waiters = b.flushWaiters;
    if (waiters === undefined) return;
    if (!ok) {
      for (const w of waiters) {
        if (w.target > op.seq && !w.failed && (w.abortsFail || !ownAbort)) {
          w.failed = true;
          w.failure = err;
        }
      }
    }
    while (waiters.length > 0 && (waiters[0] as FlushWaiter).target <= b.settledPrefix) {
      const w = dropFlush(waiters.shift() as FlushWaiter);
      if (w.failed) w.reject(w.failure);
      else w.resolve();
    }
  }
}

/** Takes `op` out of the waiting sends (if it is there) and its bytes out of their count. */
function leaveWaiting(b: Backlog, op: SendOp): void {
  if (b.waiting?.delete(op) === true) b.waitingBytes -= op.bytes;
}

function dropFlush(w: FlushWaiter): FlushWaiter {
  if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort);
  return w;
}
