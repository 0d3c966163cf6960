// The shared shell of the framing iterators (lines(), messages()): the ended state, return()
// and the async-iterable protocol. Each step is the subclass's next().

export const DONE: IteratorReturnResult<undefined> = Object.freeze({
  done: true,
  value: undefined,
});

export abstract class StepIterator<T> implements AsyncIterableIterator<T> {
  /** Set when the iteration ended: EOF, an error (an abort included), or return(). */
  protected done = false;

  abstract next(): Promise<IteratorResult<T, undefined>>;

  /** Ends the iteration and resolves with the final result. */
  protected end(): Promise<IteratorReturnResult<undefined>> {
    this.done = true;
    return Promise.resolve(DONE);
  }

  /** Leaving a loop: the iteration ends; the connection and its unread bytes stay. */
  return(): Promise<IteratorReturnResult<undefined>> {
    return this.end();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
