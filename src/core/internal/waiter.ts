// The pending receive of a connection, made without a closure per wait.
//
// A connection has at most one pending receive (invariant 3), and an idle server holds one per
// connection, 10,000 times over, so what a pending receive costs matters. The ordinary way,
// `new Promise((resolve, reject) => { this.resolve = resolve; … })`, makes a closure and its
// context on every wait. Instead:
//
// - One shared executor parks the promise's resolve function in a module variable, and the
//   caller takes it right after `new Promise` returns. The executor runs
//   synchronously inside the constructor and nothing runs in between, so no other wait can
//   take it (`pending()`, then `takeResolve()`).
// - Only the resolve function is kept, not reject: a waiter fails by resolving with a rejected
//   promise (`resolve(p)` adopts `p`'s outcome), so a pending receive holds one function.
// - Its kind (what it resolves with) is a small number the receive buffer packs beside its
//   flags; `settle()` is the one place where a kind's resolve function gets its type back.

/** Nobody waits. */
export const NONE = 0;
/** `receive(into)`: resolves with a byte count (0 at EOF). */
export const RECEIVE = 1;
/** `read()`: resolves with a chunk, or `null` at EOF. */
export const READ = 2;
/** An iterator step: resolves with an iterator result. */
export const NEXT = 3;

export type WaiterKind = typeof NONE | typeof RECEIVE | typeof READ | typeof NEXT;

/** What a waiter of each kind resolves with. */
export interface WaiterValue {
  [RECEIVE]: number;
  [READ]: Uint8Array | null;
  [NEXT]: IteratorResult<Uint8Array, undefined>;
}

/** A waiter's resolve function, kind unknown; `settle()` gives it its type back. */
export type AnyResolve = (value: never) => void;

let parked: AnyResolve | undefined;
function park(resolve: AnyResolve): void {
  parked = resolve;
}

/**
 * A new pending promise of a waiter of kind `kind`, without a closure; take its resolve
 * function with `takeResolve()` right after (two calls rather than a returned pair: a wait
 * allocates nothing but the promise).
 */
export function pending<K extends keyof WaiterValue>(_kind: K): Promise<WaiterValue[K]> {
  return new Promise<WaiterValue[K]>(park);
}

/** A new pending promise of any value, the same way (the datagram queue's sole waiter). */
export function pendingValue<T>(): Promise<T> {
  return new Promise<T>(park);
}

/** The resolve function of the promise `pending()` or `pendingValue()` just made. */
export function takeResolve(): AnyResolve {
  const resolve = parked as AnyResolve;
  parked = undefined;
  return resolve;
}

/** Resolves a waiter of kind `kind` with `value`. */
export function settle<K extends keyof WaiterValue>(
  resolve: AnyResolve,
  _kind: K,
  value: WaiterValue[K],
): void {
  (resolve as (v: WaiterValue[K]) => void)(value);
}

/** Fails a waiter of any kind with `error` (through its resolve function: see above). */
export function fail(resolve: AnyResolve, error: unknown): void {
  (resolve as (v: Promise<never>) => void)(Promise.reject(error));
}
