// The deadline of one frame: `frameTimeout` milliseconds from its first byte.
import { FrameTimeoutError } from '../errors.js';
import { validateInteger } from '../../core/index.js';

/** `frameTimeout`: `undefined` (no deadline) or whole milliseconds, 1 to 2^31 − 1. */
export function checkFrameTimeout(value: unknown): number | undefined {
  return value === undefined ? undefined : validateInteger(value, 'frameTimeout', 1, 2 ** 31 - 1);
}

/**
 * Started when a frame's first byte is taken and it is not complete yet; `signal` fires with
 * a `FrameTimeoutError` when the time is up, or with the caller's own signal. Only frames that
 * span reads pay for it (a timer and two signals); `clear()` once the frame is done.
 */
export class FrameDeadline {
  readonly signal: AbortSignal;
  readonly #timer: ReturnType<typeof setTimeout>;

  constructor(ms: number, user: AbortSignal | undefined) {
    const controller = new AbortController();
    this.#timer = setTimeout(() => {
      controller.abort(
        new FrameTimeoutError(
          `Cannot read the frame: not complete within ${ms} ms of its first byte (frameTimeout)`,
          ms,
        ),
      );
    }, ms);
    this.signal =
      user === undefined ? controller.signal : AbortSignal.any([user, controller.signal]);
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}
