/**
 * `messages` and `sendMessage`: length-prefixed messages.
 *
 * @module
 */
import { InvalidArgValueError, OutOfRangeError, type Connection } from '../core/index.js';
import { FrameTooLargeError, FrameTruncatedError, InvalidFrameError } from './errors.js';
import { concat, giveBack } from './internal/bytes.js';
import { checkFrameTimeout, FrameDeadline } from './internal/deadline.js';
import { exactly } from './read-exactly.js';
import { DONE, StepIterator } from './internal/step-iterator.js';
import {
  checkBytes,
  checkConnection,
  checkOptions,
  checkSignal,
  checkSize,
  describe,
} from './internal/validate.js';

/**
 * How a message's length is written before it: one byte (`'u8'`), two or four bytes
 * big-endian (`'u16be'`, `'u32be'`), or an unsigned LEB128 varint (`'varint'`, as protobuf and
 * libp2p write it: 7 bits a byte, low bits first, the high bit set on every byte but the last).
 *
 * @example
 * ```ts
 * const header: MessageHeader = 'varint';
 * ```
 */
export type MessageHeader = 'u8' | 'u16be' | 'u32be' | 'varint';

/**
 * Options of {@link messages}.
 *
 * @example
 * ```ts
 * const opts: MessagesOptions = { header: 'u16be', maxMessageBytes: 64 * 1024 };
 * ```
 */
export interface MessagesOptions {
  /** The length prefix. @defaultValue `'u32be'` */
  header?: MessageHeader;
  /**
   * The largest payload accepted. Checked on the header, before any of the payload is
   * buffered: a larger one rejects with `FrameTooLargeError` and its bytes stay unread.
   * @defaultValue `4194304` (4 MiB, gRPC's default)
   */
  maxMessageBytes?: number;
  /**
   * The most milliseconds a message may take from its first header byte to its last payload
   * byte. Still incomplete then, the step rejects with `FrameTimeoutError`
   * (`ERR_FRAME_TIMEOUT`) and its bytes stay unread. `idleTimeout` cannot catch a peer that
   * trickles a byte now and then; this can. Waiting for a message's first byte is not limited.
   * @defaultValue none
   */
  frameTimeout?: number;
  /** Aborts the current step; it rejects with `signal.reason` and the stream is left as it was. */
  signal?: AbortSignal;
}

/**
 * Options of {@link sendMessage}.
 *
 * @example
 * ```ts
 * await sendMessage(conn, payload, { header: 'varint' });
 * ```
 */
export interface SendMessageOptions {
  /** The length prefix; the reader must use the same. @defaultValue `'u32be'` */
  header?: MessageHeader;
  /** Aborts the send, with `send()`'s cancel safety. */
  signal?: AbortSignal;
}

/** Default of {@link MessagesOptions.maxMessageBytes}. *
 * @example
 * ```ts
 * messages(conn, { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES * 4 });
 * ```
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

const HEADERS: ReadonlySet<string> = new Set(['u8', 'u16be', 'u32be', 'varint']);
/** A varint of 8 bytes carries 56 bits: more than any safe integer needs. @internal */
export const MAX_VARINT_BYTES = 8;

/** The `header` option, checked; `'u32be'` when not given. @internal */
export function checkHeader(value: unknown): MessageHeader {
  if (value === undefined) return 'u32be';
  if (typeof value !== 'string' || !HEADERS.has(value)) {
    throw new InvalidArgValueError(
      `The "header" option must be 'u8', 'u16be', 'u32be' or 'varint': received ${describe(value)}`,
    );
  }
  return value as MessageHeader;
}

/** The size of each fixed-size header. */
const FIXED_SIZE = { u8: 1, u16be: 2, u32be: 4 } as const;

/** The big-endian length in the first `size` bytes (1, 2 or 4) of `b`. */
function fixedLength(b: Uint8Array, size: number): number {
  if (size === 1) return b[0] as number;
  if (size === 2) return ((b[0] as number) << 8) | (b[1] as number);
  return (
    (b[0] as number) * 0x1000000 +
    (((b[1] as number) << 16) | ((b[2] as number) << 8) | (b[3] as number))
  );
}

/**
 * The header at the start of `b`: `[headerLength, payloadLength]`, or `undefined` when `b`
 * ends inside it.
 */
function parseHeader(b: Uint8Array, header: MessageHeader): [number, number] | undefined {
  switch (header) {
    case 'u8':
    case 'u16be':
    case 'u32be': {
      const size = FIXED_SIZE[header];
      return b.length < size ? undefined : [size, fixedLength(b, size)];
    }
    case 'varint': {
      let value = 0;
      let scale = 1;
      for (let i = 0; i < b.length && i < MAX_VARINT_BYTES; i++) {
        const byte = b[i] as number;
        value += (byte & 0x7f) * scale;
        if ((byte & 0x80) === 0) return [i + 1, value];
        scale *= 128;
      }
      if (b.length >= MAX_VARINT_BYTES) {
        throw new InvalidFrameError(
          `Cannot read the message: its varint length is longer than ${MAX_VARINT_BYTES} bytes`,
        );
      }
      return undefined;
    }
  }
}

/**
 * Iterates length-prefixed messages, yielding each payload. The length is checked against
 * `maxMessageBytes` as soon as the header is read, before any payload byte is buffered. A
 * message inside one received chunk is yielded as a view of it (no copy); a larger one is
 * received straight into its own array. Bytes after a message are given back before it is
 * yielded, so the loop body may receive from the connection itself; the iteration ends at
 * EOF between messages, and leaving the loop closes nothing.
 *
 * **Cancel safety:** cancel safe. An aborted step rejects with `signal.reason`, gives back the
 * header and payload bytes it had taken, and ends the iteration. A message over the limit
 * rejects with `FrameTooLargeError` (`ERR_FRAME_TOO_LARGE`, `size` is the announced length),
 * a varint over 8 bytes with `InvalidFrameError` (`ERR_FRAME_INVALID`); both leave the bytes
 * unread. EOF inside a message rejects with `FrameTruncatedError` (`ERR_FRAME_TRUNCATED`)
 * whose `partial` holds its header and payload bytes.
 *
 * @throws `InvalidArgTypeError` / `InvalidArgValueError` / `OutOfRangeError`
 *   synchronously for bad arguments.
 *
 * @example
 * ```ts
 * for await (const request of messages(conn, { header: 'u32be', maxMessageBytes: 1 << 20 })) {
 *   await sendMessage(conn, respond(request), { header: 'u32be' });
 * }
 * ```
 */
export function messages(
  conn: Connection,
  options?: MessagesOptions,
): AsyncIterableIterator<Uint8Array> {
  checkConnection(conn);
  const o = checkOptions(options);
  const header = checkHeader(o.header);
  const max = checkSize(o.maxMessageBytes, 'maxMessageBytes', 0, DEFAULT_MAX_MESSAGE_BYTES);
  const frameTimeout = checkFrameTimeout(o.frameTimeout);
  const signal = checkSignal(o.signal);
  return new MessageIterator(conn, header, max, signal, frameTimeout);
}

/**
 * The iterator behind `messages()`. A message already received whole is taken without a
 * promise chain (`tryReceive()` for the header, `tryRead(length)` for the payload: one
 * resolved promise for the step); otherwise the step waits in `readMessage()`.
 */
class MessageIterator extends StepIterator<Uint8Array> {
  readonly #conn: Connection;
  readonly #header: MessageHeader;
  readonly #max: number;
  readonly #signal: AbortSignal | undefined;
  readonly #frameTimeout: number | undefined;
  /** The header bytes of the message being taken (its exact size for fixed headers). */
  readonly #scratch: Uint8Array;
  readonly #one = new Uint8Array(1);

  constructor(
    conn: Connection,
    header: MessageHeader,
    max: number,
    signal: AbortSignal | undefined,
    frameTimeout: number | undefined,
  ) {
    super();
    this.#conn = conn;
    this.#header = header;
    this.#max = max;
    this.#signal = signal;
    this.#frameTimeout = frameTimeout;
    this.#scratch = new Uint8Array(header === 'varint' ? MAX_VARINT_BYTES : FIXED_SIZE[header]);
  }

  next(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.done) return Promise.resolve(DONE);
    const signal = this.#signal;
    try {
      signal?.throwIfAborted();
      const m = this.#take();
      if (m === null) return this.end();
      if (m !== undefined) return Promise.resolve({ done: false, value: m });
    } catch (err) {
      this.done = true;
      return Promise.reject(err);
    }
    return readMessage(this.#conn, this.#header, this.#max, signal, this.#frameTimeout).then(
      (
        m,
      ): IteratorResult<Uint8Array, undefined> | Promise<IteratorResult<Uint8Array, undefined>> =>
        m === null ? this.end() : { done: false, value: m },
      (err: unknown) => {
        this.done = true;
        throw err;
      },
    );
  }

  /**
   * The next message when it is already received whole, taken without waiting: the header
   * copied into a reused scratch, the payload as a view of the chunk it lies in. `null` at EOF
   * before any byte; `undefined` (having taken nothing) when it is not all there.
   */
  #take(): Uint8Array | null | undefined {
    const conn = this.#conn;
    const head = this.#scratch;
    let h: number;
    let length: number;
    if (this.#header === 'varint') {
      h = 0;
      length = 0;
      let scale = 1;
      for (;;) {
        let n: number | undefined;
        try {
          n = conn.tryReceive(this.#one);
        } catch (err) {
          if (h > 0) this.#giveBackHeader(h); // the connection failed: leave the bytes unread
          throw err;
        }
        if (n === undefined || n === 0) {
          if (h === 0) return n === 0 ? null : undefined;
          return this.#giveBackHeader(h);
        }
        const byte = this.#one[0] as number;
        head[h++] = byte;
        length += (byte & 0x7f) * scale;
        if ((byte & 0x80) === 0) break;
        if (h === MAX_VARINT_BYTES) {
          this.#giveBackHeader(h);
          throw new InvalidFrameError(
            `Cannot read the message: its varint length is longer than ${MAX_VARINT_BYTES} bytes`,
          );
        }
        scale *= 128;
      }
    } else {
      h = head.length;
      const n = conn.tryReceive(head);
      if (n === undefined || n === 0) return n === 0 ? null : undefined;
      if (n < h) return this.#giveBackHeader(n);
      length = fixedLength(head, h);
    }
    if (length > this.#max) {
      this.#giveBackHeader(h);
      throw tooLarge(length, this.#max);
    }
    if (length === 0) return new Uint8Array(0);
    let payload: Uint8Array | null | undefined;
    try {
      payload = conn.tryRead(length);
    } catch (err) {
      this.#giveBackHeader(h); // the connection failed: leave the header unread
      throw err;
    }
    if (payload === undefined || payload === null) return this.#giveBackHeader(h);
    if (payload.length === length) return payload;
    conn.unshift(payload);
    return this.#giveBackHeader(h);
  }

  /** Puts the first `n` header bytes back (a copy: the scratch is reused). */
  #giveBackHeader(n: number): undefined {
    this.#conn.unshift(this.#scratch.slice(0, n));
    return undefined;
  }
}

/** The error for a message over `maxMessageBytes`. @internal */
export function tooLarge(length: number, max: number): FrameTooLargeError {
  return new FrameTooLargeError(
    `Cannot read the message: ${length} bytes is more than ${max} (maxMessageBytes)`,
    max,
    length,
  );
}

/** Whether `head` holds its message whole (header and payload). */
function whole(head: Uint8Array, parsed: [number, number] | undefined): boolean {
  return parsed !== undefined && head.length >= parsed[0] + parsed[1];
}

/** The next message's payload, or `null` at EOF between messages. @internal */
export async function readMessage(
  conn: Connection,
  header: MessageHeader,
  max: number,
  signal: AbortSignal | undefined,
  frameTimeout?: number,
): Promise<Uint8Array | null> {
  let opts = signal === undefined ? undefined : { signal };
  let deadline: FrameDeadline | undefined;
  const taken: Uint8Array[] = [];
  let total = 0;
  let parsed: [number, number] | undefined;
  try {
    // Collect chunks until the header is whole (almost always: the first chunk).
    for (;;) {
      const c = await conn.read(opts);
      if (c === null) {
        if (total === 0) return null;
        throw truncated(concat(taken, total));
      }
      taken.push(c);
      total += c.length;
      const head = taken.length === 1 ? c : concat(taken, total);
      parsed = parseHeader(head, header);
      if (frameTimeout !== undefined && deadline === undefined && !whole(head, parsed)) {
        // The message began with the first of these bytes and goes on: its clock starts now.
        deadline = new FrameDeadline(frameTimeout, signal);
        opts = { signal: deadline.signal };
      }
      if (parsed === undefined) continue;
      const [h, length] = parsed;
      if (length > max) throw tooLarge(length, max);
      const end = h + length;
      if (head.length >= end) {
        // The whole message is here: a view of it, the rest given back.
        if (head.length > end) conn.unshift(head.subarray(end));
        return head.subarray(h, end);
      }
      // The payload continues: receive the rest straight into its own array.
      const have = head.subarray(h);
      taken.length = 0;
      taken.push(head.subarray(0, h));
      total = h;
      try {
        return await exactly(conn, length, opts?.signal, have);
      } catch (err) {
        if (err instanceof FrameTruncatedError)
          throw truncated(concat([head.subarray(0, h), err.partial], h + err.partial.length));
        throw err; // exactly() gave its bytes back; the header follows below
      }
    }
  } catch (err) {
    if (!(err instanceof FrameTruncatedError)) giveBack(conn, taken);
    throw err;
  } finally {
    deadline?.clear();
  }
}

function truncated(partial: Uint8Array): FrameTruncatedError {
  return new FrameTruncatedError(
    `Cannot read the message: the stream ended after ${partial.length} of its bytes`,
    partial,
  );
}

const LIMITS: Record<MessageHeader, number> = {
  u8: 0xff,
  u16be: 0xffff,
  u32be: 0xffffffff,
  varint: Number.MAX_SAFE_INTEGER,
};

function encodeHeader(header: MessageHeader, length: number): Uint8Array {
  switch (header) {
    case 'u8':
      return Uint8Array.of(length);
    case 'u16be':
      return Uint8Array.of(length >>> 8, length & 0xff);
    case 'u32be':
      return Uint8Array.of(
        length >>> 24,
        (length >>> 16) & 0xff,
        (length >>> 8) & 0xff,
        length & 0xff,
      );
    case 'varint': {
      const out: number[] = [];
      let v = length;
      while (v >= 0x80) {
        out.push((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      out.push(v);
      return Uint8Array.from(out);
    }
  }
}

/**
 * Sends one length-prefixed message: the header and the payload as one gathered write, so
 * concurrent senders never interleave a header with another message's payload.
 *
 * **Cancel safety:** as `send()`: aborted while queued it sends nothing; aborted after
 * hand-off the connection is reset.
 *
 * Rejects before sending anything (never a synchronous throw) with `OutOfRangeError` when the
 * payload is too long for the header (255 bytes for `'u8'`, 65,535 for `'u16be'`, 4 GiB − 1
 * for `'u32be'`), and `InvalidArgTypeError` / `InvalidArgValueError` for other bad arguments.
 *
 * @param payload - bytes, or a string (UTF-8).
 * @returns the bytes sent, header included.
 *
 * @example
 * ```ts
 * await sendMessage(conn, JSON.stringify({ op: 'ping' }), { header: 'u32be' });
 * ```
 */
export function sendMessage(
  conn: Connection,
  payload: Uint8Array | string,
  options?: SendMessageOptions,
): Promise<number> {
  let header;
  let signal;
  let bytes;
  try {
    checkConnection(conn);
    const o = checkOptions(options);
    header = checkHeader(o.header);
    signal = checkSignal(o.signal);
    bytes = checkBytes(payload, 'payload');
  } catch (err) {
    return Promise.reject(err);
  }
  if (bytes.length > LIMITS[header]) {
    return Promise.reject(
      new OutOfRangeError(
        `The payload of ${bytes.length} bytes is too long for a '${header}' header (at most ${LIMITS[header]})`,
      ),
    );
  }
  const h = encodeHeader(header, bytes.length);
  return conn.send(
    bytes.length === 0 ? h : [h, bytes],
    signal === undefined ? undefined : { signal },
  );
}
