// A first-in first-out queue over an array with a moving head: push and shift in O(1), and
// the array is reset whenever it empties, so a steady one-in one-out flow never grows it.
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest item; the queue must not be empty. */
  peek(): T {
    return this.#items[this.#head] as T;
  }

  /** Removes and returns the oldest item; the queue must not be empty. */
  shift(): T {
    const item = this.#items[this.#head] as T;
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    }
    return item;
  }
}
