/**
 * `BufferManager`: one large buffer cut into fixed slices, from .NET's documented server
 * pattern.
 *
 * @module
 */
import { ArgumentNullException } from './exceptions.js';
import { checkInt } from './internal/int.js';
import type { SocketAsyncEventArgs } from './socket-async-event-args.js';

/**
 * Allocates one large buffer and hands out fixed-size slices of it to event-args objects,
 * so a server's receive buffers are allocated once and never fragment the heap. Freed slices
 * are reused first. As in .NET's sample, minus its defects: `initBuffer` is idempotent and
 * `freeBuffer` really returns the slice.
 *
 * @example
 * ```ts
 * const buffers = new BufferManager(receiveSize * maxConnections, receiveSize);
 * buffers.initBuffer();
 * const e = new SocketAsyncEventArgs();
 * if (!buffers.setBuffer(e)) throw new Error('out of buffer space');
 * ```
 */
export class BufferManager {
  readonly #total: number;
  readonly #size: number;
  #buffer: Uint8Array | undefined;
  #next = 0;
  readonly #free: number[] = [];

  /**
   * @param totalBytes - the size of the one large buffer: an integer, 0 or more.
   * @param bufferSize - the size of each slice: an integer, 1 or more (a slice of nothing could
   *   only ever receive nothing).
   * @throws {@link ArgumentOutOfRangeException} for any other value, here rather than at
   *   `initBuffer()`.
   */
  constructor(totalBytes: number, bufferSize: number) {
    this.#total = checkInt(totalBytes, 'totalBytes', 0);
    this.#size = checkInt(bufferSize, 'bufferSize', 1);
  }

  /**
   * Allocates the large buffer (once).
   *
   * @example
   * ```ts
   * buffers.initBuffer();
   * ```
   */
  initBuffer(): void {
    this.#buffer ??= new Uint8Array(this.#total);
  }

  /**
   * Points `args` at a free slice: `setBuffer(buffer, offset, bufferSize)`. Returns `false`
   * when every slice is taken.
   *
   * @example
   * ```ts
   * if (!buffers.setBuffer(e)) rejectConnection();
   * ```
   */
  setBuffer(args: SocketAsyncEventArgs): boolean {
    if (args === null || args === undefined) throw new ArgumentNullException('args');
    this.initBuffer();
    const buffer = this.#buffer as Uint8Array;
    const reused = this.#free.pop();
    if (reused !== undefined) {
      args.setBuffer(buffer, reused, this.#size);
      return true;
    }
    if (this.#total - this.#size < this.#next) return false;
    args.setBuffer(buffer, this.#next, this.#size);
    this.#next += this.#size;
    return true;
  }

  /**
   * Returns `args`'s slice for reuse and clears its buffer.
   *
   * @example
   * ```ts
   * buffers.freeBuffer(e);
   * ```
   */
  freeBuffer(args: SocketAsyncEventArgs): void {
    if (args === null || args === undefined) throw new ArgumentNullException('args');
    if (args.buffer === this.#buffer && this.#buffer !== undefined) this.#free.push(args.offset);
    args.setBuffer(null, 0, 0);
  }
}
