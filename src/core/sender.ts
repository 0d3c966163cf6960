// Sending, in one place: a connection's `Sender` owns the fast path, the writes in flight, the
// sends waiting their turn and `flush()` (invariants 3 and 4 of docs/design.md). Byte order is
// kept here and nowhere else. The state it works on (batches, the backlog) is
// send-backlog.ts; a turn's gathered sends are send-gather.ts; a send's own signal firing is
// send-aborts.ts.
//
// A write is *in flight* from the moment its bytes are handed to the socket until the OS has
// them all; at most `maxPendingSends` are. A send that finds every slot taken, or others
// already waiting, waits: waiting sends are gathered, in call order, into batches of up to
// MAX_GATHERED_SENDS, and a p-queue runs the batches one at a time: each waits for a free slot,
// then goes out as one gathered write. Sends that find a slot free and nobody waiting never
// touch the p-queue: a bulk sender's every send is one write and one callback.
//
// Fast path: when nothing waits and a slot is free, the bytes are written at once. If the
// kernel takes them whole (the common case for small sends), the send is done before `send()`
// returns: no object, no callback state. Either way bytes are written in call order, because a
// send only skips the queue when nothing is waiting in it.
//
// Memory of a waiting send (docs/memory.md, `npm run bench -- --only send-queue`): what it must
// hold, and no more. A send without a signal can only fail with the whole connection, and a
// batch's sends all complete with its one write, so they share one promise (the first send's)
// and every later one is that promise's `.then()` (a promise and a reaction, ~100 B) plus its
// data and byte count in the batch's lists. A send with a signal can settle alone, so it keeps
// its own promise; its signal gets one abort listener per connection however many sends share
// it (no listener per send, no MaxListenersExceededWarning). p-queue holds one task per batch.
//
// Memory of an idle connection: the bookkeeping (the `Backlog`) is made by the first send that
// could not finish at once. Until then nothing can be waiting or in flight, so a send is a
// plain write without a callback, and a connection whose sends the kernel always took whole
// (most of an idle server's connections) holds only the `Sender` itself. The first send left
// partly for later makes the backlog and is adopted by it: node:net completes a socket's
// writes in order, so an empty write right after it carries the backlog's callback
// (node-notes §7).
//
// Aborts are ours in both phases (node-notes §5, send-aborts.ts): a waiting send's abort takes
// it out of its batch (the batch's p-queue task finds it settled, or the rest still to write);
// an in-flight send's resets the connection and reports the bytes the OS had taken.
import PQueue from 'p-queue';
import { SendQueueFullError } from './errors.js';
import { watch } from './send-aborts.js';
import {
  ALIVE,
  Backlog,
  Batch,
  DONE,
  dropFlush,
  EMPTY,
  gathered,
  IN_FLIGHT,
  MAX_GATHERED_SENDS,
  REMOVED,
  Signaled,
  takeLater,
  WAITING,
  type FlushWaiter,
} from './send-backlog.js';
import { gather, gatherLimit } from './send-gather.js';
import type { Transport } from './transport.js';

const RESOLVED = Promise.resolve();
function noop(): void {}

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
  /**
   * Received bytes wait unread: more requests are likely to be answered in this turn, so a
   * small send is gathered rather than written at once.
   */
  readonly moreInput: boolean;
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

  /** Writes handed to the OS at once at most (`maxPendingSends`). */
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
    return b instanceof Backlog ? b.sendsInFlight : 0;
  }

  /** Writes handed to the socket and not yet complete: at most `maxPendingSends`. */
  get writesInFlight(): number {
    const b = this.#q;
    return b instanceof Backlog ? b.inFlight : 0;
  }

  /** True when `flush()` would resolve at once: every send has settled, and none failed. */
  get idle(): boolean {
    const b = this.#q;
    return (
      !(b instanceof Backlog) ||
      (b.settled === b.issued && b.dead === ALIVE && b.gathered === undefined)
    );
  }

  /** Bytes of sends resolved in this turn that wait for its end to go out as one write. */
  get gatheredBytes(): number {
    const b = this.#q;
    return b instanceof Backlog ? b.gatheredBytes : 0;
  }

  /**
   * Writes the sends gathered in this turn now, as one write (flush(), shutdown, STARTTLS,
   * the turn's end, and a send that cannot join them). Gathered sends are resolved already:
   * a write the kernel does not take whole counts as one pending send until it has, so that
   * flush() waits for it and reports its failure.
   */
  release(): void {
    const q = this.#q;
    if (!(q instanceof Backlog) || q.gathered === undefined) return;
    const buf = q.gathered;
    const bytes = q.gatheredBytes;
    q.gathered = undefined;
    q.gatheredBytes = 0;
    if (q.dead !== ALIVE) return;
    const start = q.dispatched;
    this.write(q, bytes === buf.length ? buf : buf.subarray(0, bytes), bytes);
    if (q.owner.transport.drained) {
      q.settledCallbacks++;
      this.#sent += bytes;
      return;
    }
    const batch = new Batch(q.issued++, undefined, bytes);
    batch.start = start;
    this.goInFlight(q, batch);
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
      if (owner.moreInput && bytes <= gatherLimit(q)) {
        // More requests wait unread: their answers are likely to follow in this turn.
        return gather(this, (this.#q = new Backlog(owner, q, this.#sent)), data, bytes);
      }
      // No backlog: nothing waits and nothing is in flight. A plain write, no callback.
      if (typeof data === 'string' || data instanceof Uint8Array) t.write(data, noop);
      else t.writev(data, noop);
      if (t.drained) {
        this.#sent += bytes;
        return bytes;
      }
      // Not taken whole: the backlog is made now and adopts this send.
      const b = (this.#q = new Backlog(owner, q, this.#sent));
      const batch = new Batch(b.issued++, undefined, bytes);
      const promise = this.promiseOf(b, batch, 0, bytes, signal);
      batch.start = b.dispatched;
      b.dispatched += bytes;
      this.goInFlight(b, batch);
      t.write(EMPTY, this.callback(b));
      return promise;
    }
    if (q.gathered !== undefined) {
      // Joins this turn's gathered sends if it fits; else they go out first, in call order.
      if (q.gatheredBytes + bytes <= gatherLimit(q.limits)) return gather(this, q, data, bytes);
      this.release();
    }
    const free = (q.waiting === undefined || q.waiting.size === 0) && q.inFlight < q.max;
    if (free && q.inFlight === 0 && owner.moreInput && bytes <= gatherLimit(q.limits)) {
      return gather(this, q, data, bytes);
    }
    if (free) {
      const start = q.dispatched;
      this.write(q, data, bytes);
      if (t.drained) {
        // The kernel took it all: done now.
        q.settledCallbacks++;
        this.#sent += bytes;
        return bytes;
      }
      const batch = new Batch(q.issued++, undefined, bytes);
      const promise = this.promiseOf(q, batch, 0, bytes, signal);
      batch.start = start;
      this.goInFlight(q, batch);
      return promise;
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
    q.waitingBytes = waiting + bytes;
    const tail = q.tail;
    if (tail !== undefined && tail.state === WAITING && tail.count < MAX_GATHERED_SENDS) {
      // Joins the last waiting batch: its write gathers this send after the others.
      q.issued++;
      if (tail.parts === undefined) {
        tail.parts = [tail.data as SendData];
        tail.sizes = [tail.live === 1 ? tail.bytes : REMOVED];
        tail.data = undefined;
      }
      const index = tail.count++;
      tail.live++;
      tail.bytes += bytes;
      tail.parts.push(data);
      (tail.sizes as number[]).push(bytes);
      return this.promiseOf(q, tail, index, bytes, signal);
    }
    const batch = new Batch(q.issued++, data, bytes);
    const promise = this.promiseOf(q, batch, 0, bytes, signal);
    (q.waiting ??= new Set()).add(batch);
    q.tail = batch;
    void (q.queue ??= new PQueue({ concurrency: 1 })).add(() => this.runBatch(q, batch));
    return promise;
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
    this.release();
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
    // Gathered sends resolved already; their bytes go with the connection.
    b.gathered = undefined;
    b.gatheredBytes = 0;
    b.queue?.clear();
    const written = b.written;
    for (let i = b.writtenHead; i < written.length; i++) {
      this.settleBatch(b, written[i] as Batch, false, error);
    }
    b.written = [];
    b.writtenHead = 0;
    // Batches still waiting in the (now cleared) p-queue.
    if (b.waiting !== undefined) {
      for (const batch of b.waiting) this.settleBatch(b, batch, false, error);
      b.waiting.clear();
    }
    b.tail = undefined;
    const flushes = b.flushWaiters;
    b.flushWaiters = undefined;
    for (const w of flushes ?? []) dropFlush(w).reject(error);
  }

  // --- internals ----------------------------------------------------------------------------

  /** The promise of send `index` of `batch`: its own with a signal, else the batch's gate. */
  private promiseOf(
    b: Backlog,
    batch: Batch,
    index: number,
    bytes: number,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    if (signal !== undefined) {
      const s = new Signaled(signal);
      (batch.signaled ??= [])[index] = s;
      watch(b, signal);
      return s.promise;
    }
    if (batch.gate === undefined) {
      batch.gateBytes = bytes;
      return (batch.gate = new Promise<number>((resolve, reject) => {
        batch.resolveGate = resolve;
        batch.rejectGate = reject;
      }));
    }
    (batch.later ??= []).push(bytes);
    return batch.gate.then((batch.next ??= takeLater.bind(batch)));
  }

  // p-queue's task for a waiting batch: once it is the oldest, wait for a free slot, then write.
  private runBatch(b: Backlog, batch: Batch): Promise<void> {
    if (batch.state !== WAITING) return RESOLVED;
    if (b.dead === ALIVE && b.inFlight >= b.max) {
      return new Promise<void>((resolve) => {
        b.slotFreed = resolve;
      }).then(() => this.runBatch(b, batch));
    }
    this.startBatch(b, batch);
    return RESOLVED;
  }

  private write(b: Backlog, data: SendData, bytes: number): void {
    b.dispatched += bytes;
    const t = b.owner.transport;
    if (typeof data === 'string' || data instanceof Uint8Array) t.write(data, this.callback(b));
    else t.writev(data, this.callback(b));
  }

  private goInFlight(b: Backlog, batch: Batch): void {
    batch.state = IN_FLIGHT;
    batch.data = undefined;
    batch.parts = undefined;
    b.inFlight++;
    b.sendsInFlight += batch.live;
    b.written.push(batch);
  }

  // Writes a waiting batch whose turn has come (a slot is free).
  private startBatch(b: Backlog, batch: Batch): void {
    b.waiting?.delete(batch);
    if (b.tail === batch) b.tail = undefined;
    b.waitingBytes -= batch.bytes;
    if (b.dead !== ALIVE) {
      this.settleBatch(b, batch, false, b.dead);
      return;
    }
    batch.start = b.dispatched;
    this.write(b, gathered(batch), batch.bytes);
    if (b.owner.transport.drained) {
      b.settledCallbacks++;
      this.#sent += batch.bytes;
      this.settleBatch(b, batch, true, undefined);
      return;
    }
    this.goInFlight(b, batch);
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
    const batch = written[b.writtenHead] as Batch;
    written[b.writtenHead++] = undefined as unknown as Batch;
    if (b.writtenHead === written.length) {
      written.length = 0;
      b.writtenHead = 0;
    }
    if (err) {
      this.settleBatch(b, batch, false, err);
      return;
    }
    this.#sent += batch.bytes;
    this.settleBatch(b, batch, true, undefined);
  }

  /** Settles every send of `batch` not settled alone: written (`ok`), or failed with `err`. */
  private settleBatch(b: Backlog, batch: Batch, ok: boolean, err: unknown): void {
    if (batch.state === DONE) return;
    if (batch.state === IN_FLIGHT) {
      b.inFlight--;
      b.sendsInFlight -= batch.live;
    } else {
      if (b.waiting?.delete(batch) === true) b.waitingBytes -= batch.bytes;
      if (b.tail === batch) b.tail = undefined;
    }
    batch.state = DONE;
    batch.data = undefined;
    batch.parts = undefined;
    b.wake();
    if (batch.gate !== undefined) {
      if (ok) (batch.resolveGate as (n: number) => void)(batch.gateBytes);
      else (batch.rejectGate as (e: unknown) => void)(err);
      batch.resolveGate = batch.rejectGate = undefined;
    }
    const signaled = batch.signaled;
    if (signaled !== undefined) {
      for (let i = 0; i < signaled.length; i++) {
        const s = signaled[i];
        if (s === undefined) continue;
        b.unwatch(s.signal);
        if (ok) s.resolve(batch.sizes === undefined ? batch.bytes : (batch.sizes[i] as number));
        else s.reject(err);
      }
      batch.signaled = undefined;
    }
    const sizes = batch.sizes;
    if (sizes === undefined) {
      if (batch.live > 0) b.settleSends(batch.seq, 1, ok, err, false);
      return;
    }
    // Runs of sends not settled alone, each settled at once.
    let i = 0;
    while (i < sizes.length) {
      if (sizes[i] === REMOVED) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < sizes.length && sizes[j] !== REMOVED) j++;
      b.settleSends(batch.seq + i, j - i, ok, err, false);
      i = j;
    }
  }
}
