// Unread bytes of one connection: the chunks as they arrived, byte accounting, unshift, the
// scatter copy, and the single pending receiver (invariants 1, 2, 3 and 5). The transport
// feeds it; a STARTTLS upgrade can take its unread chunks whole with `takeAll()`.
import { SocketBusyError } from './errors.js';
import type { ReadSink } from './transport.js';

/** No more bytes will arrive: the peer's FIN, `shutdown('receive')`, or a failure. */
const EOF = 1;
/** Arriving bytes are dropped (after `shutdown('receive')`, and while closing). */
const DISCARD = 2;
/** Receivers reject with `#failure` once the buffered bytes are gone. */
const FAILED = 4;

/** Room below which the transport stops reading (a smaller limit is used whole). */
const LOW_WATER = 16 * 1024;

const FLAGS = EOF | DISCARD | FAILED;
const WAITER_SHIFT = 3;

const NONE = 0;
const RECEIVE = 1;
const READ = 2;
const NEXT = 3;

/** An iterator driven by `next()`: told when its last step ended the iteration. */
export interface StepOwner {
  ended: boolean;
}

/** The chunk list of every buffer that holds nothing (frozen: nothing may push to it). */
const NO_CHUNKS: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[];

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

// One executor for every pending receive: it hands the resolve function over through
// `captured` (read right after `new Promise` returns), so waiting allocates no closure. The
// reject function is not kept: a waiter fails by resolving with a rejected promise, so an idle
// connection holds one function of its pending promise, not two.
let captured: ((value: never) => void) | undefined;
function capture(resolve: (value: never) => void): void {
  captured = resolve;
}

type Into = Uint8Array | readonly Uint8Array[];

/**
 * Copies up to this many bytes byte by byte rather than through a view and `set()`. The view
 * costs a flat ~45 ns (Node 20; ~32 ns on Node 24), the loop ~1.1 ns a byte: 16 B 20-28 ns,
 * 64 B 73 ns (63 ns on Node 24); they meet near 32 B on both.
 */
const SMALL_COPY = 32;

function capacityOf(into: Into): number {
  if (into instanceof Uint8Array) return into.length;
  let n = 0;
  for (const b of into) n += b.length;
  return n;
}

/**
 * Copies `src[start..end)` into `into` from byte `at` on (a list is filled in order) and
 * returns how many bytes were copied.
 */
function copyInto(into: Into, at: number, src: Uint8Array, start: number, end: number): number {
  if (into instanceof Uint8Array) {
    const n = Math.min(end - start, into.length - at);
    if (n <= SMALL_COPY) {
      // A few bytes (a frame header, a small message): a loop is cheaper than a view for set().
      for (let i = 0; i < n; i++) into[at + i] = src[start + i] as number;
    } else if (start === 0 && n === src.length) {
      into.set(src, at);
    } else {
      // A plain view: a Buffer's subarray() goes through its species constructor, slower.
      into.set(new Uint8Array(src.buffer, src.byteOffset + start, n), at);
    }
    return n;
  }
  let copied = 0;
  let skip = at;
  for (const b of into) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    const n = Math.min(end - start - copied, b.length - skip);
    b.set(src.subarray(start + copied, start + copied + n), skip);
    copied += n;
    skip = 0;
    if (start + copied === end) break;
  }
  return copied;
}

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

  private get waiter(): number {
    return this.#state >> WAITER_SHIFT;
  }
  private set waiter(w: number) {
    this.#state = (this.#state & FLAGS) | (w << WAITER_SHIFT);
  }
  /** Rejects receivers once the buffered bytes are gone (set when the connection failed). */
  #failure: unknown = undefined;

  /** RECEIVE: where the bytes go. NEXT: the iterator to mark ended. */
  #arg: Into | StepOwner | undefined;
  /** The waiter's resolve function; its type follows `waiter`. */
  #resolve: ((value: never) => void) | undefined;
  /** The pending receive's signal, and the listener made for this buffer on first use. */
  #abort: { signal: AbortSignal | undefined; listener: () => void } | undefined;
  /** Told when room grows, so a paused transport can read again. */
  roomListener: { roomChanged(): void } | undefined;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Unread bytes held now. */
  get buffered(): number {
    return this.#buffered;
  }

  /** True while a receive or read waits. */
  get busy(): boolean {
    return this.waiter !== NONE;
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
        this.settleCount(start);
        if (start === n) return false;
      } else {
        this.settleChunk(
          mustCopy ? copyOf(buf, 0, n) : n === buf.length ? buf : buf.subarray(0, n),
        );
        return true;
      }
    }
    this.push(
      mustCopy
        ? copyOf(buf, start, n)
        : start === 0 && n === buf.length
          ? buf
          : buf.subarray(start, n),
    );
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
    this.#failure = error;
    if (this.waiter !== NONE) this.settleError(error);
  }

  /**
   * We closed or reset the connection: unread bytes are dropped, arriving ones discarded, and
   * the pending receiver and every later one reject with `error`.
   */
  close(error: unknown): void {
    this.clear();
    this.#state |= DISCARD | FAILED | EOF;
    this.#failure = error;
    if (this.waiter !== NONE) this.settleError(error);
  }

  /** `shutdown('receive')`: drop unread and future bytes; receivers see EOF. */
  shutdown(): void {
    this.clear();
    this.#state |= DISCARD;
    this.end();
  }

  // --- from the connection ------------------------------------------------------------------

  receive(into: Into, signal: AbortSignal | undefined): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waiter !== NONE) return busy();
    if (this.#buffered > 0) return Promise.resolve(this.copyOut(into));
    if ((this.#state & FAILED) !== 0) return Promise.reject(this.#failure);
    if ((this.#state & EOF) !== 0) return Promise.resolve(0);
    return this.wait<number>(RECEIVE, into, signal);
  }

  /**
   * The synchronous receive: copies buffered bytes into `into` now and returns the count, `0`
   * at EOF, or `undefined` when nothing is buffered yet. Throws when a receive is pending, or
   * the failure once the buffered bytes are gone.
   */
  tryReceive(into: Into): number | undefined {
    if (this.waiter !== NONE) throw busyError();
    if (this.#buffered > 0) return this.copyOut(into);
    if ((this.#state & FAILED) !== 0) throw this.#failure;
    return (this.#state & EOF) !== 0 ? 0 : undefined;
  }

  /**
   * The synchronous read: the next buffered chunk, `null` at EOF, or `undefined` when nothing
   * is buffered yet. Throws as `tryReceive` does.
   */
  tryRead(max: number): Uint8Array | null | undefined {
    if (this.waiter !== NONE) throw busyError();
    if (this.#buffered > 0) return this.takeUpTo(max);
    if ((this.#state & FAILED) !== 0) throw this.#failure;
    return (this.#state & EOF) !== 0 ? null : undefined;
  }

  read(signal: AbortSignal | undefined): Promise<Uint8Array | null> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waiter !== NONE) return busy();
    if (this.#buffered > 0) return Promise.resolve(this.takeChunk());
    if ((this.#state & FAILED) !== 0) return Promise.reject(this.#failure);
    if ((this.#state & EOF) !== 0) return Promise.resolve(null);
    return this.wait<Uint8Array | null>(READ, undefined, signal);
  }

  /**
   * One iterator step: like `read()`, but resolves with an iterator result, and marks `owner`
   * ended when the step ends the iteration (EOF or an error, an abort included).
   */
  next(
    signal: AbortSignal | undefined,
    owner: StepOwner,
  ): Promise<IteratorResult<Uint8Array, undefined>> {
    if (signal?.aborted) {
      owner.ended = true;
      return Promise.reject(signal.reason);
    }
    if (this.waiter !== NONE) {
      owner.ended = true;
      return busy();
    }
    if (this.#buffered > 0) return Promise.resolve({ done: false, value: this.takeChunk() });
    if ((this.#state & (FAILED | EOF)) !== 0) {
      owner.ended = true;
      return (this.#state & FAILED) !== 0 ? Promise.reject(this.#failure) : Promise.resolve(DONE);
    }
    return this.wait<IteratorResult<Uint8Array, undefined>>(NEXT, owner, signal);
  }

  /**
   * Gives bytes back to the front. A receiver waiting now gets them at once. Discarded after
   * `shutdown('receive')`.
   */
  unshift(chunk: Uint8Array): void {
    if (chunk.length === 0 || (this.#state & DISCARD) !== 0) return;
    if (this.waiter === RECEIVE) {
      const n = copyInto(this.#arg as Into, 0, chunk, 0, chunk.length);
      this.settleCount(n);
      if (n === chunk.length) return;
      chunk = chunk.subarray(n);
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
    this.roomListener?.roomChanged();
    return copied;
  }

  private takeChunk(): Uint8Array {
    const chunk = this.#chunks[this.#head] as Uint8Array;
    const out = this.#headOffset === 0 ? chunk : chunk.subarray(this.#headOffset);
    this.consumed(chunk, out.length);
    this.roomListener?.roomChanged();
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
    this.roomListener?.roomChanged();
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

  /** Registers the one waiter (nothing is buffered) and returns its promise. */
  private wait<T>(
    kind: number,
    arg: Into | StepOwner | undefined,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const p = new Promise<T>(capture);
    this.waiter = kind;
    this.#arg = arg;
    this.#resolve = captured;
    this.listen(signal);
    return p;
  }

  private listen(signal: AbortSignal | undefined): void {
    if (signal === undefined) return;
    // Made on first use: connections that never pass a signal never pay for it. An aborted
    // receive consumes nothing: the waiter is removed before any byte reaches it.
    const abort = (this.#abort ??= {
      signal: undefined,
      listener: () => {
        const s = abort.signal;
        if (s !== undefined && this.waiter !== NONE) this.settleError(s.reason);
      },
    });
    abort.signal = signal;
    signal.addEventListener('abort', abort.listener);
  }

  private release(): void {
    this.waiter = NONE;
    this.#arg = undefined;
    this.#resolve = undefined;
    const abort = this.#abort;
    if (abort !== undefined && abort.signal !== undefined) {
      abort.signal.removeEventListener('abort', abort.listener);
      abort.signal = undefined;
    }
  }

  private settleCount(n: number): void {
    const resolve = this.#resolve as (n: number) => void;
    this.release();
    resolve(n);
  }

  /** Settles a READ or NEXT waiter with a chunk, or with EOF (`null`). */
  private settleChunk(c: Uint8Array | null): void {
    if (this.waiter === NEXT) {
      const resolve = this.#resolve as (r: IteratorResult<Uint8Array, undefined>) => void;
      if (c === null) (this.#arg as StepOwner).ended = true;
      this.release();
      resolve(c === null ? DONE : { done: false, value: c });
      return;
    }
    const resolve = this.#resolve as (c: Uint8Array | null) => void;
    this.release();
    resolve(c);
  }

  private settleError(e: unknown): void {
    if (this.waiter === NEXT) (this.#arg as StepOwner).ended = true;
    const resolve = this.#resolve as (p: Promise<never>) => void;
    this.release();
    resolve(Promise.reject(e));
  }
}

const EMPTY = new Uint8Array(0);

function copyOf(src: Uint8Array, start: number, end: number): Uint8Array {
  const out = Buffer.allocUnsafe(end - start);
  out.set(src.subarray(start, end));
  return out;
}

function busyError(): SocketBusyError {
  return new SocketBusyError('Cannot receive: another receive is pending on this connection');
}

function busy(): Promise<never> {
  return Promise.reject(busyError());
}
