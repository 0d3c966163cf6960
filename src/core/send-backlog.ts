// The state behind a connection's sends once one could not finish at once: the batches of
// waiting sends and their promises, the writes in flight, the flushes waiting, the signals
// watched (src/core/sender.ts, the behaviour, reads and changes it). Split from sender.ts so
// that each file is one concept: this one holds state and what a batch writes, that one the
// rules of sending.
import type PQueue from 'p-queue';
import type { SendData, SenderOwner, SendLimits } from './sender.js';
export const EMPTY = new Uint8Array(0);
/** What `Backlog.dead` holds while the connection lives. */
export const ALIVE = Symbol('alive');

/**
 * Waiting sends gathered into one write at most: Linux's IOV_MAX, so a batch of single-buffer
 * sends is one `writev` system call.
 */
export const MAX_GATHERED_SENDS = 1024;

export const WAITING = 0;
export const IN_FLIGHT = 1;
export const DONE = 2;
/** A batch member's size once it has settled alone (its signal fired). */
export const REMOVED = -1;

/** A send with a signal: it can settle alone, so it has its own promise. */
export class Signaled {
  readonly signal: AbortSignal;
  resolve!: (n: number) => void;
  reject!: (e: unknown) => void;
  readonly promise: Promise<number>;
  constructor(signal: AbortSignal) {
    this.signal = signal;
    this.promise = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/**
 * One write's worth of sends: a send written at once that the kernel did not take whole, or
 * waiting sends (consecutive in call order, up to MAX_GATHERED_SENDS) that go out as one
 * gathered write when their turn comes.
 */
export class Batch {
  state = WAITING;
  /** The call-order number of its first send; the others follow it without a gap. */
  readonly seq: number;
  /** Its sends, those settled alone included. */
  count = 1;
  /** Its sends not settled alone. */
  live = 1;
  /** Bytes of its live sends. */
  bytes: number;
  /** Offset of its first byte in everything the connection has written (once written). */
  start = 0;
  /** One send: its data, until written. */
  data: SendData | undefined;
  /** More than one: each send's data (`EMPTY` once settled alone) and byte count (`REMOVED`). */
  parts: SendData[] | undefined;
  sizes: number[] | undefined;
  /** Its sends with a signal, by index (made by the first). */
  signaled: (Signaled | undefined)[] | undefined;
  /** Settles its sends without a signal: the first one's promise. */
  gate: Promise<number> | undefined;
  gateBytes = 0;
  resolveGate: ((n: number) => void) | undefined;
  rejectGate: ((e: unknown) => void) | undefined;
  /** Byte counts of the later sends without a signal, handed out in order by `next`. */
  later: number[] | undefined;
  taken = 0;
  next: (() => number) | undefined;

  constructor(seq: number, data: SendData | undefined, bytes: number) {
    this.seq = seq;
    this.data = data;
    this.bytes = bytes;
  }
}

/** The later sends' `.then()` handler: reactions run in the order they were added. */
export function takeLater(this: Batch): number {
  return (this.later as number[])[this.taken++] as number;
}

export interface FlushWaiter {
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
export class Backlog {
  readonly owner: SenderOwner;
  readonly limits: SendLimits;
  /** `maxPendingSends`, copied for the hot path. */
  readonly max: number;
  /** Bytes of the waiting sends (at most `limits.maxQueuedSendBytes`, see start()). */
  waitingBytes = 0;
  /** Runs the waiting batches one at a time, in call order (made by the first). */
  queue: PQueue | undefined;
  /** Batches waiting for a slot (made by the first). */
  waiting: Set<Batch> | undefined;
  /** The last waiting batch, which later sends join while it has room. */
  tail: Batch | undefined;
  /** In-flight batches in write order, from `writtenHead` on. */
  written: Batch[] = [];
  writtenHead = 0;
  /** Writes in flight (at most `max`), and the sends they carry. */
  inFlight = 0;
  sendsInFlight = 0;
  /**
   * Write callbacks arrive one per write, in order. Writes the kernel took at once are settled
   * already: their callbacks are only counted. They can only come first (libuv cannot finish
   * a write at once while an earlier one is still queued), so the callbacks to come are: this
   * many settled writes, then the in-flight batches in order.
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
  /** Wakes the waiting batch at the head of the queue: a slot was freed, or it settled. */
  slotFreed: (() => void) | undefined;
  /** The write callback, a bound method (smaller than a closure and its context). */
  onWritten: ((err?: Error | null) => void) | undefined;
  /** Signals of unsettled sends, each with its count of sends; one listener for them all. */
  signals: Map<AbortSignal, number> | undefined;
  onSignal: ((event: Event) => void) | undefined;
  /**
   * The bytes of the sends gathered in this turn, copied (they resolved already, so their
   * buffers are the caller's again), written as one at the turn's end (or sooner: see Sender);
   * `undefined` when none are. Only while nothing waits or is in flight.
   */
  gathered: Buffer | undefined;
  gatheredBytes = 0;
  /** The end-of-turn write is scheduled (one `process.nextTick` per gathered batch). */
  gatherTick = false;

  constructor(owner: SenderOwner, limits: SendLimits, dispatched: number) {
    this.owner = owner;
    this.limits = limits;
    this.max = limits.maxPendingSends;
    this.dispatched = dispatched;
  }

  /** One send with `signal` settled; the last one takes the backlog's listener off it. */
  unwatch(signal: AbortSignal): void {
    const signals = this.signals as Map<AbortSignal, number>;
    const n = signals.get(signal) ?? 0;
    if (n > 1) {
      signals.set(signal, n - 1);
      return;
    }
    signals.delete(signal);
    signal.removeEventListener('abort', this.onSignal as (event: Event) => void);
  }

  /** Takes send `index` (which has a signal) out of `batch`; returns its byte count. */
  remove(batch: Batch, index: number): number {
    const signaled = batch.signaled as (Signaled | undefined)[];
    this.unwatch((signaled[index] as Signaled).signal);
    signaled[index] = undefined;
    let bytes;
    if (batch.sizes === undefined) {
      bytes = batch.bytes;
      batch.data = undefined;
    } else {
      bytes = batch.sizes[index] as number;
      batch.sizes[index] = REMOVED;
      (batch.parts as SendData[])[index] = EMPTY;
    }
    batch.live--;
    batch.bytes -= bytes;
    if (batch.state === IN_FLIGHT) this.sendsInFlight--;
    return bytes;
  }

  /** A slot was freed, or the head batch settled: the p-queue's waiting task looks again. */
  wake(): void {
    const wake = this.slotFreed;
    if (wake !== undefined) {
      this.slotFreed = undefined;
      wake();
    }
  }

  /**
   * Counts `n` sends from call-order number `seq` on as settled, and settles the flushes that
   * waited for them. `ownAbort`: a waiting send's own signal fired on a live connection.
   */
  settleSends(seq: number, n: number, ok: boolean, err: unknown, ownAbort: boolean): void {
    this.settled += n;
    if (seq === this.settledPrefix) {
      this.settledPrefix += n;
      const ahead = this.settledAhead;
      if (ahead !== undefined) while (ahead.delete(this.settledPrefix)) this.settledPrefix++;
    } else {
      const ahead = (this.settledAhead ??= new Set());
      for (let i = 0; i < n; i++) ahead.add(seq + i);
    }
    const waiters = this.flushWaiters;
    if (waiters === undefined) return;
    if (!ok) {
      for (const w of waiters) {
        if (w.target > seq && !w.failed && (w.abortsFail || !ownAbort)) {
          w.failed = true;
          w.failure = err;
        }
      }
    }
    while (waiters.length > 0 && (waiters[0] as FlushWaiter).target <= this.settledPrefix) {
      const w = dropFlush(waiters.shift() as FlushWaiter);
      if (w.failed) w.reject(w.failure);
      else w.resolve();
    }
  }
}

/** The index of a live send of `batch` with `signal`, or -1. */
export function indexOf(batch: Batch, signal: AbortSignal): number {
  const signaled = batch.signaled;
  if (signaled === undefined) return -1;
  for (let i = 0; i < signaled.length; i++) if (signaled[i]?.signal === signal) return i;
  return -1;
}

/** What a batch writes: its one send's data, or its live sends' data as one list. */
export function gathered(batch: Batch): SendData {
  const parts = batch.parts;
  if (parts === undefined) return batch.data as SendData;
  const list: Uint8Array[] = [];
  for (const part of parts) {
    if (typeof part === 'string') {
      if (part.length > 0) list.push(Buffer.from(part));
    } else if (part instanceof Uint8Array) {
      if (part.length > 0) list.push(part);
    } else {
      for (const p of part) if (p.length > 0) list.push(p);
    }
  }
  return list;
}

export function dropFlush(w: FlushWaiter): FlushWaiter {
  if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort);
  return w;
}
