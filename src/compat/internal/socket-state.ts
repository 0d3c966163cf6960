// The state of a compat socket: one value, a discriminated union, so that combinations .NET
// cannot be in (connected while listening, closed while connecting…) cannot be represented.
//
//   fresh ──bind──> bound ──listen──> listening
//     │  └──────────────listen────────────┘
//     ├──connect──> connecting ──ok──> connected ──disconnect──> disconnected
//     │               └──failed──> fresh  │  └──disconnect(reuse)──> fresh
//     └── (accepted into)  ───────────────┘
//   any ──close──> closed
//
// `connected` and `disconnected` hold the socket's `Link` (its core connection and the flags
// .NET reports about it); `listening` its `AcceptQueue`; `connecting` its `ConnectAttempt`.
// Receives and sends are the socket's own queues (receive-pump.ts, send-pump.ts): they span
// connecting, connected and closed.
import type { EndPoint } from '../endpoints.js';
import type { AcceptQueue } from './accept-queue.js';
import type { ConnectAttempt } from './connect-attempt.js';
import type { Link } from './link.js';

export type SocketState =
  /** Never bound, connected or listening, or made connectable again by a reuse disconnect. */
  | { readonly kind: 'fresh'; readonly everConnected: boolean }
  /** `bind()` was called: the endpoint to listen on (Node binds when listening starts). */
  | { readonly kind: 'bound'; readonly endpoint: EndPoint }
  | { readonly kind: 'listening'; readonly accepts: AcceptQueue }
  | { readonly kind: 'connecting'; readonly attempt: ConnectAttempt }
  | { readonly kind: 'connected'; readonly link: Link }
  /** `disconnectAsync` without reuse: still open, no longer usable to connect (C14). */
  | { readonly kind: 'disconnected'; readonly link: Link }
  /** `close()`: every later call throws `ObjectDisposedException`. */
  | { readonly kind: 'closed'; readonly wasBound: boolean };

export const FRESH: SocketState = Object.freeze({ kind: 'fresh', everConnected: false });

/** The socket's connection, in the states that have one. */
export function linkOf(state: SocketState): Link | undefined {
  return state.kind === 'connected' || state.kind === 'disconnected' ? state.link : undefined;
}
