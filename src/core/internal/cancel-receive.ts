// Internal methods of Connection for layers above the core (sockflow/compat), not part of
// the public API: symbol-keyed, reached by importing these symbols.

/**
 * `conn[kCancelReceive](reason)`: ends a pending `receive(into)` or `read()` made without a
 * signal with `reason`, consuming nothing. Cancelling by a call where a signal would cost a listener added
 * and removed on every receive: compat's receives (one pending per socket) are cancelled only
 * by `Shutdown(Receive)` and a disconnect. Measured on compat's 64-byte ping-pong (Node 20.20,
 * exact main-thread CPU of the client): 21.0 µs a round trip, was 21.6 with the signal.
 */
export const kCancelReceive = Symbol('sockflow.cancelReceive');
