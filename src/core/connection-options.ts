/**
 * Options every connection takes, whether sockflow opened it or accepted it.
 *
 * @module
 */
import { validateBoolean, validateInteger, validateOptionalObject } from './internal/validate.js';
import { InvalidArgTypeError } from './errors.js';
import { describe } from './internal/validate.js';

/**
 * Options of a connection, for `connect()` and for the connections a `Listener` accepts.
 *
 * @example
 * ```ts
 * const conn = await connect({ port: 7000 }, { receiveBufferSize: 1 << 20, idleTimeout: 60_000 });
 * ```
 */
export interface ConnectionOptions {
  /**
   * Disable Nagle's algorithm, so small sends leave at once instead of waiting to be
   * coalesced. Interactive protocols want this; bulk senders lose nothing with it because
   * their writes are large anyway.
   * @defaultValue `true`
   */
  noDelay?: boolean;
  /**
   * TCP keep-alive probes: `true` with the system's initial delay, a number for the initial
   * delay in milliseconds, `false` for none.
   * @defaultValue `false`
   */
  keepAlive?: boolean | number;
  /**
   * Unread bytes held before reading pauses: past it the socket stops reading and TCP flow
   * control holds the peer back. 256 KiB keeps a gigabit link busy at loopback latencies
   * while 10,000 idle connections cost nothing (the buffer is not preallocated).
   * At least 1.
   * @defaultValue `262144` (256 KiB)
   */
  receiveBufferSize?: number;
  /**
   * Writes handed to the OS and not yet complete. Later sends wait their turn in order, and
   * sends that waited go out gathered: up to 1024 of them as one write, which counts once
   * (`Connection.writesInFlight`). At least 1.
   * @defaultValue `16`
   */
  maxPendingSends?: number;
  /**
   * Bytes of sends waiting their turn (behind `maxPendingSends` in flight) at most: a `send()`
   * that would take them past it rejects at once with `SendQueueFullError`
   * (`ERR_SOCKET_SEND_QUEUE_FULL`), having sent nothing, and the connection stays usable. A
   * send that finds nothing waiting is always taken, whatever its size. Bounds the memory of
   * an application that starts sends without awaiting them while the peer does not read:
   * beyond its payload, a waiting send costs about 130 B (300 B with a signal).
   * `Infinity` turns the bound off. At least 0.
   * @defaultValue `16777216` (16 MiB)
   */
  maxQueuedSendBytes?: number;
  /**
   * Milliseconds without traffic in either direction before the connection is ended
   * (`closed` then reports `'idle-timeout'`). `0` or absent: never.
   * @defaultValue `0` (none)
   */
  idleTimeout?: number;
}

export interface ResolvedConnectionOptions {
  noDelay: boolean;
  keepAlive: boolean | number;
  receiveBufferSize: number;
  maxPendingSends: number;
  maxQueuedSendBytes: number;
  idleTimeout: number;
}

/** Default of {@link ConnectionOptions.receiveBufferSize}. *
 * @example
 * ```ts
 * await connect({ port }, { receiveBufferSize: DEFAULT_RECEIVE_BUFFER_SIZE * 4 });
 * ```
 */
export const DEFAULT_RECEIVE_BUFFER_SIZE = 256 * 1024;
/** Default of {@link ConnectionOptions.maxPendingSends}. *
 * @example
 * ```ts
 * await connect({ port }, { maxPendingSends: DEFAULT_MAX_PENDING_SENDS * 2 });
 * ```
 */
export const DEFAULT_MAX_PENDING_SENDS = 16;
/** Default of {@link ConnectionOptions.maxQueuedSendBytes}. *
 * @example
 * ```ts
 * await connect({ port }, { maxQueuedSendBytes: DEFAULT_MAX_QUEUED_SEND_BYTES * 4 });
 * ```
 */
export const DEFAULT_MAX_QUEUED_SEND_BYTES = 16 * 1024 * 1024;

export function resolveConnectionOptions(options: unknown): ResolvedConnectionOptions {
  validateOptionalObject(options, 'options');
  const o = (options ?? {}) as Record<string, unknown>;
  let keepAlive: boolean | number = false;
  if (o.keepAlive !== undefined) {
    if (typeof o.keepAlive === 'number') keepAlive = validateInteger(o.keepAlive, 'keepAlive', 0);
    else if (typeof o.keepAlive === 'boolean') keepAlive = o.keepAlive;
    else
      throw new InvalidArgTypeError(
        `The "keepAlive" option must be a boolean or a number: received ${describe(o.keepAlive)}`,
      );
  }
  return {
    noDelay: o.noDelay === undefined ? true : validateBoolean(o.noDelay, 'noDelay'),
    keepAlive,
    receiveBufferSize:
      o.receiveBufferSize === undefined
        ? DEFAULT_RECEIVE_BUFFER_SIZE
        : validateInteger(o.receiveBufferSize, 'receiveBufferSize', 1),
    maxPendingSends:
      o.maxPendingSends === undefined
        ? DEFAULT_MAX_PENDING_SENDS
        : validateInteger(o.maxPendingSends, 'maxPendingSends', 1),
    maxQueuedSendBytes:
      o.maxQueuedSendBytes === undefined
        ? DEFAULT_MAX_QUEUED_SEND_BYTES
        : o.maxQueuedSendBytes === Infinity
          ? Infinity
          : validateInteger(o.maxQueuedSendBytes, 'maxQueuedSendBytes', 0),
    idleTimeout:
      o.idleTimeout === undefined
        ? 0
        : validateInteger(o.idleTimeout, 'idleTimeout', 0, 2 ** 31 - 1),
  };
}
