/**
 * `messageBatches`: length-prefixed messages, every message already received in one step.
 *
 * @module
 */
import type { Connection } from '../core/index.js';
import { InvalidFrameError } from './errors.js';
import { concat, giveBack } from './internal/bytes.js';
import { checkFrameTimeout } from './internal/deadline.js';
import { BatchIterator } from './internal/batch-iterator.js';
import { DONE } from './internal/step-iterator.js';
import { checkConnection, checkOptions, checkSignal, checkSize } from './internal/validate.js';
import {
  checkHeader,
  DEFAULT_MAX_MESSAGE_BYTES,
  MAX_VARINT_BYTES,
  readMessage,
  tooLarge,
  type MessageHeader,
  type MessagesOptions,
} from './messages.js';

/**
 * Options of {@link messageBatches}: those of {@link messages}, and the batch's bound.
 *
 * @example
 * ```ts
 * const opts: MessageBatchesOptions = { header: 'u16be', maxBatch: 256 };
 * ```
 */
export interface MessageBatchesOptions extends MessagesOptions {
  /** The most messages one batch holds. @defaultValue `1024` */
  maxBatch?: number;
}

/** Default of {@link MessageBatchesOptions.maxBatch}. *
 * @example
 * ```ts
 * messageBatches(conn, { maxBatch: DEFAULT_MAX_BATCH / 4 });
 * ```
 */
export const DEFAULT_MAX_BATCH = 1024;

/**
 * Iterates length-prefixed messages in batches: each step yields every message already
 * received whole (at least one, at most `maxBatch`), in order, or waits for the next one when
 * none is. The same framing, limits and guarantees as {@link messages}, for a fraction of its
 * cost per message when they arrive packed: a promise per batch instead of per message, and
 * the messages inside a received chunk taken as views of it, without a copy. Bytes after the
 * last whole message are given back before the batch is yielded, so the loop body may
 * receive from the connection itself and mix with every other helper; leaving the loop
 * closes nothing.
 *
 * **Cancel safety:** cancel safe. A step yields what is already received without waiting, so
 * an abort can only find it waiting for a first message: it rejects with `signal.reason`,
 * gives back the bytes it had taken and ends the iteration. A message over `maxMessageBytes`
 * rejects with `FrameTooLargeError` (`ERR_FRAME_TOO_LARGE`), a varint over 8 bytes with
 * `InvalidFrameError` (`ERR_FRAME_INVALID`), both leaving its bytes unread; when whole
 * messages came before it, they are yielded first and the next step rejects. EOF inside a
 * message rejects with `FrameTruncatedError` (`ERR_FRAME_TRUNCATED`).
 *
 * @throws `InvalidArgTypeError` / `InvalidArgValueError` / `OutOfRangeError`
 *   synchronously for bad arguments.
 *
 * @example
 * ```ts
 * for await (const batch of messageBatches(conn, { header: 'u32be' })) {
 *   for (const message of batch) consume(message);
 * }
 * ```
 */
export function messageBatches(
  conn: Connection,
  options?: MessageBatchesOptions,
): AsyncIterableIterator<Uint8Array[]> {
  checkConnection(conn);
  const o = checkOptions(options) as MessageBatchesOptions;
  const header = checkHeader(o.header);
  const max = checkSize(o.maxMessageBytes, 'maxMessageBytes', 0, DEFAULT_MAX_MESSAGE_BYTES);
  const maxBatch = checkSize(o.maxBatch, 'maxBatch', 1, DEFAULT_MAX_BATCH);
  const frameTimeout = checkFrameTimeout(o.frameTimeout);
  const signal = checkSignal(o.signal);
  return new MessageBatchIterator(conn, header, max, maxBatch, signal, frameTimeout);
}

/** The largest message cut by a chunk's end that is completed from the next chunk (64 KiB). */
const JOIN_MAX = 64 * 1024;

/** `rest` and enough of `next` to hold the longest header (a varint). */
function joinHead(rest: Uint8Array, next: Uint8Array): Uint8Array {
  const more = next.subarray(0, Math.min(next.length, MAX_VARINT_BYTES - rest.length));
  return concat([rest, more], rest.length + more.length);
}

/** A header's size in bytes, 0 for a varint. */
const SIZE = { u8: 1, u16be: 2, u32be: 4, varint: 0 } as const;

class MessageBatchIterator extends BatchIterator<Uint8Array> {
  readonly #conn: Connection;
  readonly #header: MessageHeader;
  readonly #size: 0 | 1 | 2 | 4;
  readonly #max: number;
  readonly #maxBatch: number;
  readonly #signal: AbortSignal | undefined;
  readonly #frameTimeout: number | undefined;
  /** The header length `#lengthAt()` found. */
  #h = 0;
  /**
   * Set by `#fill()` when it stopped at a small message cut by the end of what is buffered
   * (given back, nothing after it): the next wait can be `#waitForMore()`.
   */
  #partial = false;

  constructor(
    conn: Connection,
    header: MessageHeader,
    max: number,
    maxBatch: number,
    signal: AbortSignal | undefined,
    frameTimeout: number | undefined,
  ) {
    super();
    this.#conn = conn;
    this.#header = header;
    this.#size = SIZE[header];
    this.#max = max;
    this.#maxBatch = maxBatch;
    this.#signal = signal;
    this.#frameTimeout = frameTimeout;
  }

  next(): Promise<IteratorResult<Uint8Array[], undefined>> {
    if (this.done) return Promise.resolve(DONE);
    const batch: Uint8Array[] = [];
    const now = this.takeNow(batch, this.#signal);
    if (now !== undefined) return now;
    if (this.#partial && this.#frameTimeout === undefined) return this.#waitForMore(batch);
    // Nothing whole is here: wait for one message (it may span chunks), then take the rest.
    const one = readMessage(this.#conn, this.#header, this.#max, this.#signal, this.#frameTimeout);
    return this.afterOne(batch, one);
  }

  /**
   * The wait when all that is buffered is the start of a small message (`#partial`): holds
   * those bytes, waits for the next chunk with `read()`, puts both back and takes what is
   * whole, as a step does. Cheaper than `readMessage()` for a stream of packed messages, where
   * every chunk's end cuts one. An abort (or a failure) gives the held bytes back first; at EOF
   * `readMessage()` reports the cut message (`FrameTruncatedError`).
   */
  #waitForMore(batch: Uint8Array[]): Promise<IteratorResult<Uint8Array[], undefined>> {
    const conn = this.#conn;
    const held = conn.tryRead() as Uint8Array; // the partial message #fill gave back, alone
    const signal = this.#signal;
    return conn.read(signal === undefined ? undefined : { signal }).then(
      (chunk): Promise<IteratorResult<Uint8Array[], undefined>> | IteratorResult<Uint8Array[]> => {
        if (chunk === null) {
          giveBack(conn, [held]);
          this.#partial = false;
          return this.next(); // readMessage() rejects with the truncated message
        }
        giveBack(conn, [held, chunk]);
        try {
          this.fill(batch);
        } catch (err) {
          this.done = true;
          throw err;
        }
        if (batch.length > 0) return { done: false, value: batch };
        return this.next();
      },
      (err: unknown) => {
        giveBack(conn, [held]);
        this.done = true;
        throw err;
      },
    );
  }

  /**
   * Moves every message already received whole into `batch`, up to `maxBatch`, chunk by chunk
   * (`tryRead()`: each chunk as it arrived, no copy; messages are views of it). A small
   * message cut by a chunk's end is joined with the next chunk when it is there; what follows
   * the last whole message goes back (`unshift`): the next step assembles it. Returns true at
   * EOF. A bad header throws with its bytes given back
   * when `batch` is empty, and ends the batch otherwise (the next step meets it again); so
   * does a failed connection (nothing is buffered then, and the next `tryRead()` throws too).
   */
  protected fill(batch: Uint8Array[]): boolean {
    const conn = this.#conn;
    const maxBatch = this.#maxBatch;
    this.#partial = false;
    while (batch.length < maxBatch) {
      let chunk: Uint8Array | null | undefined;
      try {
        chunk = conn.tryRead();
      } catch (err) {
        if (batch.length === 0) throw err;
        return false;
      }
      if (chunk === undefined) return false;
      if (chunk === null) return true;
      let at = 0;
      for (;;) {
        const end = chunk.length;
        let length = -1;
        const size = this.#size;
        if (size !== 0) {
          // A fixed-size header (u8, u16be, u32be): the loop every packed stream runs, with
          // the header read in place and the chunk's buffer and offset read once (a method
          // call, its header-length field and two getters per message cost Node 20 about
          // twice this loop's time).
          const buffer = chunk.buffer;
          const base = chunk.byteOffset;
          const max = this.#max;
          let n = batch.length;
          while (n < maxBatch) {
            const left = end - at;
            if (left < size) break;
            length =
              size === 4
                ? (chunk[at] as number) * 0x1000000 +
                  (((chunk[at + 1] as number) << 16) |
                    ((chunk[at + 2] as number) << 8) |
                    (chunk[at + 3] as number))
                : size === 2
                  ? ((chunk[at] as number) << 8) | (chunk[at + 1] as number)
                  : (chunk[at] as number);
            if (length > max) {
              giveBack(conn, [chunk.subarray(at)]);
              if (n === 0) throw tooLarge(length, max);
              return false;
            }
            if (left - size < length) break; // it goes on in the next chunk
            batch.push(new Uint8Array(buffer, base + at + size, length));
            n++;
            at += size + length;
            length = -1;
          }
        }
        while (size === 0 && at < end && batch.length < maxBatch) {
          try {
            length = this.#lengthAt(chunk, at);
          } catch (err) {
            giveBack(conn, [chunk.subarray(at)]);
            if (batch.length === 0) throw err;
            return false;
          }
          const h = this.#h;
          if (length > this.#max) {
            giveBack(conn, [chunk.subarray(at)]);
            if (batch.length === 0) throw tooLarge(length, this.#max);
            return false;
          }
          if (length < 0 || at + h + length > end) break; // it goes on in the next chunk
          batch.push(new Uint8Array(chunk.buffer, chunk.byteOffset + at + h, length));
          at += h + length;
          length = -1;
        }
        if (at === end) break; // the next chunk, if any
        const rest = at === 0 ? chunk : chunk.subarray(at);
        // A small message cut by the chunk's end is completed from the next chunk when that
        // has arrived already (a copy of the message alone): a packed stream then costs no
        // wait per chunk. A larger one is the next step's (readMessage() receives it straight
        // into its own array).
        const small = length <= JOIN_MAX && batch.length < maxBatch;
        const next = small ? this.#tryNext() : null;
        if (next === undefined || next === null) {
          giveBack(conn, [rest]);
          this.#partial = next === undefined; // not EOF, nor a failure: more can come
          return false;
        }
        let used: number;
        try {
          used = this.#spanning(rest, next, batch);
        } catch (err) {
          giveBack(conn, [rest, next]);
          if (batch.length === 0) throw err;
          return false;
        }
        if (used < 0) {
          // Not whole even so: one piece now (at most JOIN_MAX and a chunk), completed from
          // the chunk after it, or given back whole for the next step to wait on.
          chunk = concat([rest, next], rest.length + next.length);
          at = 0;
        } else {
          chunk = next;
          at = used;
        }
      }
    }
    return false;
  }

  /**
   * Completes the message that starts in `rest` (the end of a chunk) from `next` (the chunk
   * after it): pushes it to `batch` (its bytes copied together) and returns how many bytes of
   * `next` it used, or -1 when `next` does not complete it (nothing pushed). Throws for a bad
   * header: a varint too long, or a length over the limit.
   */
  #spanning(rest: Uint8Array, next: Uint8Array, batch: Uint8Array[]): number {
    const head = rest.length >= MAX_VARINT_BYTES ? rest : joinHead(rest, next);
    const length = this.#lengthAt(head, 0);
    if (length < 0) return -1;
    if (length > this.#max) throw tooLarge(length, this.#max);
    const h = this.#h;
    const used = h + length - rest.length;
    if (used > next.length) return -1;
    const message = new Uint8Array(length);
    if (h < rest.length) message.set(rest.subarray(h));
    const fromNext = Math.max(0, h - rest.length);
    message.set(next.subarray(fromNext, used), Math.max(0, rest.length - h));
    batch.push(message);
    return used;
  }

  /** The next received chunk; undefined when none has arrived yet, null at EOF or failure. */
  #tryNext(): Uint8Array | null | undefined {
    try {
      return this.#conn.tryRead();
    } catch {
      return null; // met again by the next tryRead()
    }
  }

  /**
   * The payload length of the header at `b[at]`, with the header's own length in `#h`; -1 when
   * `b` ends inside the header. (Checked against the limit by the caller, before the payload
   * must be whole, as `messages()` checks it on the header.)
   */
  #lengthAt(b: Uint8Array, at: number): number {
    const size = this.#size;
    const left = b.length - at;
    if (size === 4) {
      this.#h = 4;
      if (left < 4) return -1;
      return (
        (b[at] as number) * 0x1000000 +
        (((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number))
      );
    }
    if (size === 2) {
      this.#h = 2;
      return left < 2 ? -1 : ((b[at] as number) << 8) | (b[at + 1] as number);
    }
    if (size === 1) {
      this.#h = 1;
      return b[at] as number;
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < left && i < MAX_VARINT_BYTES; i++) {
      const byte = b[at + i] as number;
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        this.#h = i + 1;
        return value;
      }
      scale *= 128;
    }
    if (left >= MAX_VARINT_BYTES) {
      throw new InvalidFrameError(
        `Cannot read the message: its varint length is longer than ${MAX_VARINT_BYTES} bytes`,
      );
    }
    this.#h = left;
    return -1;
  }
}
