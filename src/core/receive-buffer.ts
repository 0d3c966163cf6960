// Unread bytes of one connection: the chunks as they arrived, byte accounting, unshift, and
// the one receiver at a time (invariants 1, 2, 3 and 5 of docs/design.md):
// the pending receive, read or iterator step, and the live iterator, are checked here and
// nowhere else. The transport feeds it; a STARTTLS upgrade can take its unread chunks whole
// with `takeAll()`.
//
// The chunk list and the waiter stay together on purpose: they meet in `onBytes()`, the
// hottest function of the receive path (a pending receiver gets bytes straight from the read,
// without them entering the list); split apart, that path would cross an object boundary per
// read. The pending-receive trick itself is internal/waiter.ts; the copy into the caller's
// buffers (plain functions, no object between) is internal/scatter-copy.ts.
import { InvalidArgValueError, SocketBusyError } from './errors.js';
import {
  fail,
  NEXT,
  NONE,
  pending,
  READ,
  RECEIVE,
  settle,
  takeResolve,
  type AnyResolve,
  type WaiterKind,
  type WaiterValue,
} from './internal/waiter.js';
import { capacityOf, copyInto, copyOf, type Into } from './internal/scatter-copy.js';
import type { ReadSink, Transport } from './transport.js';

/** No more bytes will arrive: the peer's FIN, `shutdown('receive')`, or a failure. */
const EOF = 1;
/** Arriving bytes are dropped (after `shutdown('receive')`, and while closing). */
const DISCARD = 2;
/** Receivers reject with the recorded failure once the buffered bytes are gone. */
const FAILED = 4;

/** Room below which the transport stops reading (a smaller limit is used whole). */
const LOW_WATER = 16 * 1024;

const FLAGS = EOF | DISCARD | FAILED;
/** The waiter's kind (internal/waiter.ts) is packed above the flags. */
const WAITER_SHIFT = 3;

/** An iterator that steps through `next()`: marked ended when a step ends the iteration. */
export interface ChunkStepper {
  ended: boolean;
}

/** The chunk list of every buffer that holds nothing (frozen: nothing may push to it). */
const NO_CHUNKS: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[];

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The receive side of a connection. At most `limit` unread bytes are held: the transport sizes
 * each read to `room()` and pauses when it is spent.
 */
export class ReceiveBuffer implements ReadSink {
  readonly #limit: number;
  /** Unread chunks from `#head` on; the shared empty list whenever nothing is buffered. */
  #chunks: Uint8Array[] = NO_CHUNKS;
  #head = 0;
  #headOffset = 0;
  #buffered = 0;
  /** Bytes received from the peer, discarded ones included. */
  bytesReceived = 0;
  /**
   * EOF, DISCARD and FAILED bits, and what waits (NONE, RECEIVE, READ or NEXT, from bit 3
   * on; `#arg` and `#resolve` belong to it): one field, since idle connections are many.
   */
  #state = 0;

  private get waiter(): WaiterKind {
    return (this.#state >> WAITER_SHIFT) as WaiterKind;
  }
  private set waiter(w: WaiterKind) {
    this.#state = (this.#state & FLAGS) | (w << WAITER_SHIFT);
  }
  /** RECEIVE: where the bytes go. NEXT: the iterator to mark ended. */
  #arg: Into | ChunkStepper | undefined;
  /** The waiter's resolve function; its type follows `waiter` (see internal/waiter.ts). */
  #resolve: AnyResolve | undefined;
  /** What few connections need, made on first need: see `Rare`. */
  #rare: Rare | undefined;
  /**
   * The transport that feeds this buffer, told when room grows so that a paused socket reads
   * again. The connection's one reference to it (the lifecycle reads it from here).
   */
  transport: Transport | undefined;

  constructor(limit: number) {
    this.#limit = limit;
  }

  private rare(): Rare {
    return (this.#rare ??= new Rare(this));
  }

  /** What receivers reject with once the buffered bytes are gone (when FAILED is set). */
  private get failure(): unknown {
    return this.#rare?.failure;
  }

  /** Unread bytes held now. */
  get buffered(): number {
    return this.#buffered;
  }

  /** True while a receive or read waits. */
  get busy(): boolean {
    return this.waiter !== NONE;
  }

  /** Unread bytes held at most before reading pauses (`receiveBufferSize`). */
  get limit(): number {
    return this.#limit;
  }

  /** Reading pauses below this much room: reads stay large, and tiny limits still work. */
  get lowWater(): number {
    return Math.min(LOW_WATER, this.#limit);
  }

  room(): number {
    return (this.#state & DISCARD) !== 0 ? this.#limit : this.#limit - this.#buffered;
  }

  // --- from the transport -------------------------------------------------------------------

  onBytes(buf: Uint8Array, n: number, mustCopy: boolean): boolean {
    this.bytesReceived += n;
    if ((this.#state & DISCARD) !== 0) return false;
    let start = 0;
    if (this.#buffered === 0 && this.waiter !== NONE) {
      if (this.waiter === RECEIVE) {
        start = copyInto(this.#arg as Into, 0, buf, 0, n);
        // Nothing fit: `into` held at least a byte when receive() took it, so it was detached
        // since. Resolving 0 would say EOF; the bytes stay for the next receive.
        if (start === 0) this.settleError(detachedInto());
        else {
          this.settleCount(start);
          if (start === n) return false;
        }
      } else {
        this.settleChunk(
          mustCopy ? copyOf(buf, 0, n) : n === buf.length ? buf : buf.subarray(0, n),
        );
        return true;
      }
    }
    if (n - start < COALESCE_BELOW) this.pushSmall(buf, start, n);
    else {
      this.push(
        mustCopy
          ? copyOf(buf, start, n)
          : start === 0 && n === buf.length
            ? buf
            : buf.subarray(start, n),
      );
    }
    return true;
  }

  /** The peer sent FIN: a pending receiver gets EOF, later ones once the buffer is empty. */
  end(): void {
    this.#state |= EOF;
    if (this.waiter === RECEIVE) this.settleCount(0);
    else if (this.waiter !== NONE) this.settleChunk(null);
  }

  /**
   * The connection failed (peer reset, network error): buffered bytes are still delivered,
   * then every receiver rejects with `error`.
   */
  fail(error: unknown): void {
    if ((this.#state & FAILED) !== 0) return;
    this.#state |= FAILED | EOF;
    this.rare().failure = error;
    if (this.waiter !== NONE) this.settleError(error);
  }

  /**
   * We closed or reset the connection: unread bytes are dropped, arriving ones discarded, and
   * the pending receiver and every later one reject with `error`.
   */
  close(error: unknown): void {
    this.clear();
    this.#state |= DISCARD | FAILED | EOF;
    this.rare().failure = error;
    if (this.waiter !== NONE) this.settleError(error);
  }

  /** `shutdown('receive')`: drop unread and future bytes; receivers see EOF. */
  shutdown(): void {
    this.clear();
    this.#state |= DISCARD;
    this.end();
  }

  // --- from the connection ------------------------------------------------------------------

  /**
   * Ends the pending `receive()` with `reason` (its promise rejects); nothing is consumed. For
   * a caller that cancels by a call rather than a signal (no listener to add and remove per
   * receive: internal/cancel-receive.ts).
   */
  cancelWith(reason: unknown): void {
    if (this.waiter === RECEIVE || this.waiter === READ) this.settleError(reason);
  }

  receive(into: Into, signal: AbortSignal | undefined): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waiter !== NONE) return busy();
    if (this.#buffered > 0) return Promise.resolve(this.copyOut(into));
    if ((this.#state & FAILED) !== 0) return Promise.reject(this.failure);
    if ((this.#state & EOF) !== 0) return Promise.resolve(0);
    const p = pending(RECEIVE);
    this.wait(RECEIVE, into, signal);
    return p;
  }

  /**
   * The synchronous receive: copies buffered bytes into `into` now and returns the count, `0`
   * at EOF, or `undefined` when nothing is buffered yet. Throws when a receive is pending, or
   * the failure once the buffered bytes are gone.
   */
  tryReceive(into: Into): number | undefined {
    if (this.waiter !== NONE) throw busyError('receive');
    if (this.#buffered > 0) return this.copyOut(into);
    if ((this.#state & FAILED) !== 0) throw this.failure;
    return (this.#state & EOF) !== 0 ? 0 : undefined;
  }

  /**
   * The synchronous read: the next buffered chunk, `null` at EOF, or `undefined` when nothing
   * is buffered yet. Throws as `tryReceive` does.
   */
  tryRead(max: number): Uint8Array | null | undefined {
    if (this.waiter !== NONE) throw busyError('receive');
    if (this.#buffered > 0) return this.takeUpTo(max);
    if ((this.#state & FAILED) !== 0) throw this.failure;
    return (this.#state & EOF) !== 0 ? null : undefined;
  }

  /**
   * The head chunk as held, its unread bytes from `headStart` on; `undefined` when nothing is
   * buffered or a receiver waits (internal/head-access.ts).
   */
  head(): Uint8Array | undefined {
    return this.#buffered === 0 || this.waiter !== NONE ? undefined : this.#chunks[this.#head];
  }

  /** Where the head chunk's unread bytes start. */
  get headStart(): number {
    return this.#headOffset;
  }

  /** Consumes `n` bytes of the head chunk, right after `head()` returned it (1 ≤ n ≤ its rest). */
  skip(n: number): void {
    this.consumed(this.#chunks[this.#head] as Uint8Array, n);
    this.transport?.roomChanged();
  }

  read(signal: AbortSignal | undefined): Promise<Uint8Array | null> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waiter !== NONE) return busy();
    if (this.#buffered > 0) return Promise.resolve(this.takeChunk());
    if ((this.#state & FAILED) !== 0) return Promise.reject(this.failure);
    if ((this.#state & EOF) !== 0) return Promise.resolve(null);
    const p = pending(READ);
    this.wait(READ, undefined, signal);
    return p;
  }

  /**
   * One step of iterator `it`: like `read()`, but resolves with an iterator result, and marks
   * `it` ended when the step ends the iteration (EOF or an error, an abort included). Only one
   * iterator is live at a time: a step of another while the live one has not ended is busy.
   */
  next(
    signal: AbortSignal | undefined,
    it: ChunkStepper,
  ): Promise<IteratorResult<Uint8Array, undefined>> {
    const live = this.#rare?.live;
    if (live !== it) {
      if (live !== undefined && !live.ended) {
        it.ended = true;
        return Promise.reject(
          new SocketBusyError('Cannot iterate: another iterator is live on this connection'),
        );
      }
      this.rare().live = it;
    }
    if (signal?.aborted) {
      it.ended = true;
      return Promise.reject(signal.reason);
    }
    if (this.waiter !== NONE) {
      it.ended = true;
      return busy();
    }
    if (this.#buffered > 0) return Promise.resolve({ done: false, value: this.takeChunk() });
    if ((this.#state & (FAILED | EOF)) !== 0) {
      it.ended = true;
      return (this.#state & FAILED) !== 0 ? Promise.reject(this.failure) : Promise.resolve(DONE);
    }
    const p = pending(NEXT);
    this.wait(NEXT, it, signal);
    return p;
  }

  /** Iterator `it` ended by `return()`: another may step now. */
  releaseStepper(it: ChunkStepper): void {
    const rare = this.#rare;
    if (rare !== undefined && rare.live === it) rare.live = undefined;
  }

  /**
   * Gives bytes back to the front. A receiver waiting now gets them at once. Discarded after
   * `shutdown('receive')`.
   */
  unshift(chunk: Uint8Array): void {
    if (chunk.length === 0 || (this.#state & DISCARD) !== 0) return;
    if (this.waiter === RECEIVE) {
      const n = copyInto(this.#arg as Into, 0, chunk, 0, chunk.length);
      if (n === 0)
        this.settleError(detachedInto()); // as in onBytes
      else {
        this.settleCount(n);
        if (n === chunk.length) return;
        chunk = chunk.subarray(n);
      }
    } else if (this.waiter !== NONE) {
      this.settleChunk(chunk);
      return;
    }
    if (this.#headOffset > 0) {
      this.#chunks[this.#head] = (this.#chunks[this.#head] as Uint8Array).subarray(
        this.#headOffset,
      );
      this.#headOffset = 0;
    }
    if (this.#head > 0) this.#chunks[--this.#head] = chunk;
    else if (this.#chunks.length === 0) {
      this.push(chunk); // the common case for parsers
      return;
    } else this.#chunks.unshift(chunk);
    this.#buffered += chunk.length;
  }

  /** Takes every unread chunk, in order (for a transport upgrade); the buffer is left empty. */
  takeAll(): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (this.#buffered > 0) out.push(this.takeChunk());
    return out;
  }

  // --- internals ----------------------------------------------------------------------------

  private push(chunk: Uint8Array): void {
    if (this.#chunks === NO_CHUNKS) this.#chunks = [chunk];
    else this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /**
   * A small read, copied onto the end of the last chunk when that is a coalescing buffer of
   * ours with room, else into a new one: a peer that trickles a byte per packet costs its
   * bytes plus a small constant per COALESCE_SIZE, not an object per byte (~110 B each).
   */
  private pushSmall(buf: Uint8Array, start: number, end: number): void {
    const n = end - start;
    const chunks = this.#chunks;
    const last = chunks.length - 1;
    const tail = last >= this.#head ? chunks[last] : undefined;
    const rare = this.rare();
    if (
      tail !== undefined &&
      tail === rare.growable &&
      tail.length + n <= (tail.buffer as ArrayBuffer).byteLength
    ) {
      const grown = new Uint8Array(tail.buffer, 0, tail.length + n);
      grown.set(buf.subarray(start, end), tail.length);
      chunks[last] = rare.growable = grown;
      this.#buffered += n;
      return;
    }
    const fresh = new Uint8Array(new ArrayBuffer(COALESCE_SIZE), 0, n);
    fresh.set(buf.subarray(start, end));
    rare.growable = fresh;
    this.push(fresh);
  }

  private clear(): void {
    this.#chunks = NO_CHUNKS;
    this.#head = 0;
    this.#headOffset = 0;
    this.#buffered = 0;
  }

  private copyOut(into: Into): number {
    const cap = capacityOf(into);
    let copied = 0;
    while (copied < cap && this.#buffered > 0) {
      const chunk = this.#chunks[this.#head] as Uint8Array;
      const n = copyInto(into, copied, chunk, this.#headOffset, chunk.length);
      copied += n;
      this.consumed(chunk, n);
    }
    this.transport?.roomChanged();
    return copied;
  }

  private takeChunk(): Uint8Array {
    const chunk = this.#chunks[this.#head] as Uint8Array;
    const out = this.#headOffset === 0 ? chunk : chunk.subarray(this.#headOffset);
    this.consumed(chunk, out.length);
    this.transport?.roomChanged();
    return out;
  }

  /**
   * At most `max` bytes of the head chunk: the chunk itself when it fits, else a plain
   * `Uint8Array` view of its first bytes (the rest stays buffered).
   */
  private takeUpTo(max: number): Uint8Array {
    const chunk = this.#chunks[this.#head] as Uint8Array;
    const off = this.#headOffset;
    const n = Math.min(chunk.length - off, max);
    if (off === 0 && n === chunk.length) return this.takeChunk();
    const out = new Uint8Array(chunk.buffer, chunk.byteOffset + off, n);
    this.consumed(chunk, n);
    this.transport?.roomChanged();
    return out;
  }

  /** `n` bytes of the head chunk were taken. */
  private consumed(chunk: Uint8Array, n: number): void {
    this.#buffered -= n;
    this.#headOffset += n;
    if (this.#headOffset < chunk.length) return;
    this.#chunks[this.#head] = EMPTY;
    this.#head++;
    this.#headOffset = 0;
    if (this.#head === this.#chunks.length) {
      // Empty: back to the shared list, so an idle connection keeps no list of its own.
      this.#chunks = NO_CHUNKS;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Registers the one waiter (nothing is buffered), right after `pending()` made its promise. */
  private wait(
    kind: WaiterKind,
    arg: Into | ChunkStepper | undefined,
    signal: AbortSignal | undefined,
  ): void {
    this.#resolve = takeResolve();
    this.waiter = kind;
    this.#arg = arg;
    this.listen(signal);
  }

  private listen(signal: AbortSignal | undefined): void {
    if (signal === undefined) return;
    // An aborted receive consumes nothing: the waiter is removed before any byte reaches it.
    const rare = this.rare();
    rare.signal = signal;
    signal.addEventListener('abort', (rare.onAbort ??= rare.abort.bind(rare)));
  }

  /** The pending receive's signal fired. */
  aborted(reason: unknown): void {
    if (this.waiter !== NONE) this.settleError(reason);
  }

  private release(): void {
    this.waiter = NONE;
    this.#arg = undefined;
    this.#resolve = undefined;
    const rare = this.#rare;
    if (rare !== undefined && rare.signal !== undefined) {
      rare.signal.removeEventListener('abort', rare.onAbort as () => void);
      rare.signal = undefined;
    }
  }

  private settleCount(n: number): void {
    const resolve = this.#resolve as AnyResolve;
    this.release();
    settle(resolve, RECEIVE, n);
  }

  /** Settles a READ or NEXT waiter with a chunk, or with EOF (`null`). */
  private settleChunk(c: Uint8Array | null): void {
    const resolve = this.#resolve as AnyResolve;
    if (this.waiter === NEXT) {
      if (c === null) (this.#arg as ChunkStepper).ended = true;
      this.release();
      const step: WaiterValue[typeof NEXT] = c === null ? DONE : { done: false, value: c };
      settle(resolve, NEXT, step);
      return;
    }
    this.release();
    settle(resolve, READ, c);
  }

  private settleError(e: unknown): void {
    if (this.waiter === NEXT) (this.#arg as ChunkStepper).ended = true;
    const resolve = this.#resolve as AnyResolve;
    this.release();
    fail(resolve, e);
  }
}

const EMPTY = new Uint8Array(0);
/** Reads smaller than this are copied together into buffers of COALESCE_SIZE (pushSmall). */
const COALESCE_BELOW = 1024;
const COALESCE_SIZE = 4096;

/**
 * A receive buffer's rare state, in a record made on first need so that an idle connection
 * holds one field for all of it: the pending receive's signal and its abort listener (made
 * when a receive first passes a signal), the live iterator (when one first steps), and the
 * failure receivers reject with (when the connection fails).
 */
class Rare {
  readonly #buffer: ReceiveBuffer;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** The live iterator: the only one that may step until it ends. */
  live: ChunkStepper | undefined;
  failure: unknown;
  /** The last chunk, while it is a coalescing buffer with room for small reads (pushSmall). */
  growable: Uint8Array | undefined;

  constructor(buffer: ReceiveBuffer) {
    this.#buffer = buffer;
  }

  abort(): void {
    const s = this.signal;
    if (s !== undefined) this.#buffer.aborted(s.reason);
  }
}

/** A pending receive's buffer was detached (transferred) before bytes came for it. */
function detachedInto(): InvalidArgValueError {
  return new InvalidArgValueError(
    'The "into" buffer of a pending receive() was detached before bytes arrived for it; ' +
      'nothing was consumed',
  );
}

function busyError(what: string): SocketBusyError {
  return new SocketBusyError(`Cannot ${what}: another receive is pending on this connection`);
}

function busy(): Promise<never> {
  return Promise.reject(busyError('receive'));
}
