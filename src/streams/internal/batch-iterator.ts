// The shared shell of the batch iterators (messageBatches(), lineBatches()): a step takes every
// frame already whole without waiting (`fill()`), or waits for one and then takes the rest.

import { StepIterator } from './step-iterator.js';

export abstract class BatchIterator<T> extends StepIterator<T[]> {
  /**
   * Moves every frame already received whole into `batch` (up to the batch's bound); true at
   * EOF. Throws a frame's error when `batch` is empty; otherwise ends the batch there and
   * leaves the frame's bytes unread, for the next step to meet again.
   */
  protected abstract fill(batch: T[]): boolean;

  /** The step without waiting: the batch, the end, or `undefined` when it must wait. */
  protected takeNow(
    batch: T[],
    signal: AbortSignal | undefined,
  ): Promise<IteratorResult<T[], undefined>> | undefined {
    try {
      signal?.throwIfAborted();
      const eof = this.fill(batch);
      if (batch.length > 0) return Promise.resolve({ done: false, value: batch });
      if (eof) return this.end();
    } catch (err) {
      this.done = true;
      return Promise.reject(err);
    }
    return undefined;
  }

  /** The step after waiting for one frame (`null`: EOF before it): that frame and the rest. */
  protected afterOne(batch: T[], one: Promise<T | null>): Promise<IteratorResult<T[], undefined>> {
    return one.then(
      (frame): IteratorResult<T[], undefined> | Promise<IteratorResult<T[], undefined>> => {
        if (frame === null) return this.end();
        batch.push(frame);
        try {
          this.fill(batch);
        } catch {
          // Met again by the next step: its bytes stay unread (see fill()).
        }
        return { done: false, value: batch };
      },
      (err: unknown) => {
        this.done = true;
        throw err;
      },
    );
  }
}
