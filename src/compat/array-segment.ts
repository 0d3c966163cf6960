/**
 * `ArraySegment`: a range of a byte array, as .NET's `ArraySegment<byte>`, for
 * `SocketAsyncEventArgs.bufferList`.
 *
 * @module
 */
import {
  ArgumentException,
  ArgumentNullException,
  ArgumentOutOfRangeException,
} from './exceptions.js';
import { Messages } from './internal/messages.js';

/**
 * A range of a byte array. `bufferList` takes these, plain `{ array, offset, count }`
 * objects, or `Uint8Array` views (a whole view is a segment of itself).
 *
 * @example
 * ```ts
 * const seg: ArraySegmentLike = { array: bytes, offset: 4, count: 16 };
 * ```
 */
export interface ArraySegmentLike {
  /** The whole array. */
  readonly array: Uint8Array;
  /** Where the segment starts in `array`. */
  readonly offset: number;
  /** How many bytes it covers. */
  readonly count: number;
}

/**
 * A validated range of a byte array (.NET's `ArraySegment<byte>`).
 *
 * @example
 * ```ts
 * e.bufferList = [new ArraySegment(header), new ArraySegment(body, 0, bodyLength)];
 * ```
 */
export class ArraySegment implements ArraySegmentLike {
  /** The whole array. */
  readonly array: Uint8Array;
  /** Where the segment starts in `array`. */
  readonly offset: number;
  /** How many bytes it covers. */
  readonly count: number;

  /**
   * @param array - the array.
   * @param offset - where the segment starts (default 0).
   * @param count - its length (default: the rest of the array).
   * @throws {@link ArgumentNullException}, {@link ArgumentOutOfRangeException} or
   *   {@link ArgumentException} as .NET's constructor does.
   */
  constructor(array: Uint8Array, offset = 0, count?: number) {
    const a = checkSegment(array, offset, count ?? (array ? array.length - offset : 0));
    this.array = a;
    this.offset = offset;
    this.count = count ?? a.length - offset;
  }

  /**
   * The bytes of the segment, as a view (no copy).
   *
   * @example
   * ```ts
   * const view = new ArraySegment(bytes, 2, 3).toUint8Array();
   * ```
   */
  toUint8Array(): Uint8Array {
    return this.array.subarray(this.offset, this.offset + this.count);
  }
}

/** @internal Checks a segment as .NET's ArraySegment constructor does; returns its array. */
export function checkSegment(array: unknown, offset: unknown, count: unknown): Uint8Array {
  if (array === null || array === undefined) throw new ArgumentNullException('array');
  if (!(array instanceof Uint8Array)) {
    throw new ArgumentException(Messages.arrayNotBytes, 'array');
  }
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw new ArgumentOutOfRangeException('offset', Messages.nonNegative);
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new ArgumentOutOfRangeException('count', Messages.nonNegative);
  }
  if (array.length - offset < count) {
    throw new ArgumentException(Messages.segmentBounds);
  }
  return array;
}
