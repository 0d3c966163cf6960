// Internal methods of Connection for parsers in the layers above the core (sockflow/streams'
// try forms), not part of the public API: symbol-keyed, reached by importing these symbols.
//
// A parser that finds a frame inside the first buffered chunk takes it as one view and skips
// it, where the public `tryRead()` would take the chunk, and the parser would give back the
// rest: two views and a list per frame. Measured on the RESP bench (100,000 pipelined GETs,
// Node 20.20): see `tryReadUntil` in src/streams/try-read.ts.

/**
 * `conn[kHead]()`: the first buffered chunk as the core holds it (its unread bytes start at
 * `conn[kHeadStart]()`), or `undefined` when nothing is buffered or a receive is pending.
 * Read only, and not kept: the core reuses nothing it hands out, but the caller owns no part
 * of the chunk until it has taken it with `kSkip`.
 */
export const kHead = Symbol('sockflow.head');

/** `conn[kHeadStart]()`: where the unread bytes of `conn[kHead]()` start. */
export const kHeadStart = Symbol('sockflow.headStart');

/**
 * `conn[kSkip](n)`: consumes the first `n` unread bytes of the head chunk, as a receive of
 * them would (1 ≤ n ≤ the head chunk's unread bytes; right after `kHead` returned it).
 */
export const kSkip = Symbol('sockflow.skip');
