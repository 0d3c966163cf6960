/**
 * `SocketAsyncEventArgsPool`: the pool of reusable event-args objects from .NET's documented
 * server pattern.
 *
 * @module
 */
import { ArgumentNullException, InvalidOperationException } from './exceptions.js';
import { checkInt } from './internal/int.js';
import type { SocketAsyncEventArgs } from './socket-async-event-args.js';
import { Messages } from './internal/messages.js';

/**
 * A stack of `SocketAsyncEventArgs` objects to reuse, so a server allocates them once (one
 * per connection it may serve) instead of per operation. As in .NET's sample; JavaScript
 * needs no lock.
 *
 * @example
 * ```ts
 * const pool = new SocketAsyncEventArgsPool(maxConnections);
 * for (let i = 0; i < maxConnections; i++) pool.push(new SocketAsyncEventArgs());
 * const e = pool.pop(); // for a new connection
 * pool.push(e);         // when it closes
 * ```
 */
export class SocketAsyncEventArgsPool {
  readonly #items: SocketAsyncEventArgs[] = [];

  /**
   * @param capacity - how many objects the pool is meant to hold (a hint; it grows if pushed
   *   more): an integer, 0 or more.
   * @throws {@link ArgumentOutOfRangeException} for any other value, as .NET's
   *   `new Stack<T>(capacity)` in the sample does for a negative one.
   */
  constructor(capacity: number) {
    checkInt(capacity, 'capacity', 0);
  }

  /**
   * Returns an object to the pool.
   *
   * @throws {@link ArgumentNullException} for `null`.
   *
   * @example
   * ```ts
   * pool.push(e);
   * ```
   */
  push(item: SocketAsyncEventArgs): void {
    if (item === null || item === undefined) {
      throw new ArgumentNullException(
        'item',
        'Items added to a SocketAsyncEventArgsPool cannot be null',
      );
    }
    this.#items.push(item);
  }

  /**
   * Takes an object from the pool (the one pushed last).
   *
   * @throws {@link InvalidOperationException} when the pool is empty.
   *
   * @example
   * ```ts
   * const e = pool.pop();
   * ```
   */
  pop(): SocketAsyncEventArgs {
    const item = this.#items.pop();
    if (item === undefined) throw new InvalidOperationException(Messages.stackEmpty);
    return item;
  }

  /**
   * How many objects are in the pool.
   *
   * @example
   * ```ts
   * if (pool.count === 0) rejectConnection();
   * ```
   */
  get count(): number {
    return this.#items.length;
  }
}
